// A non-weak CONFIG_ extern: the object loads only when the load options give its value.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int CONFIG_NR_CPUS __kconfig;

SEC("xdp")
int xdp_nr_cpus(struct xdp_md *ctx)
{
	return CONFIG_NR_CPUS > 1 ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
