/* Shared includes for the loader's C test programs (built by build.sh with clang-19). */
#ifndef COMMON_H
#define COMMON_H
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#endif
