/* Shared includes for the execution context's C test programs (built by build.sh with
 * clang-19). Linux headers: these objects run unchanged on Linux (BPF_PROG_TEST_RUN) and on
 * the execution context, which rewrites xdp_md's 32-bit packet pointer loads. */
#ifndef HOST_COMMON_H
#define HOST_COMMON_H
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#endif
