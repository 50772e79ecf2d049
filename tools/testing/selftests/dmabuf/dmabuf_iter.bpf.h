/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by dmabuf_iter.bpf.c and bpf-iter.c: what the walk records per
 * buffer, and, for the BPF side, the iterator's kfuncs (bpftool's
 * vmlinux.h has the types but, with pahole 1.24, not the kfuncs).
 */
#ifndef DMABUF_ITER_BPF_H
#define DMABUF_ITER_BPF_H

#define MAX_ENTRIES 4096
#define EXP_NAME_LEN 32

struct dmabuf_entry {
	__u64 ino;
	__u64 size;
	char exp_name[EXP_NAME_LEN];
};

#ifdef __bpf__
int bpf_iter_dmabuf_new(struct bpf_iter_dmabuf *it) __ksym;
struct dma_buf *bpf_iter_dmabuf_next(struct bpf_iter_dmabuf *it) __ksym;
void bpf_iter_dmabuf_destroy(struct bpf_iter_dmabuf *it) __ksym;
#endif

#endif
