/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef DMABUF_USAGE_BPF_H
#define DMABUF_USAGE_BPF_H

#include <stddef.h>

/*
 * Every live buffer, from the kernel's dmabuf BPF iterator, in bufinfo's
 * format, in a malloc()ed string; NULL with the reason in @err.
 */
char *dmabuf_usage_bpf_bufinfo(char *err, size_t err_len);

#endif
