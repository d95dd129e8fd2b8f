// Kconfig externs, resolved by the loader as libbpf does: LINUX_KERNEL_VERSION from the load
// options, the others from its kconfig list, weak ones 0 when not listed.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig __weak;
extern _Bool LINUX_HAS_BPF_COOKIE __kconfig __weak;

SEC("xdp")
int xdp_kconfig(struct xdp_md *ctx)
{
	if (LINUX_KERNEL_VERSION < 0x050a00)
		return XDP_DROP;
	if (LINUX_HAS_BPF_COOKIE)
		return CONFIG_HZ > 100 ? XDP_PASS : XDP_TX;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
