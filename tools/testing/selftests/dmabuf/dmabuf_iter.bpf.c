// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of bpf-iter.c: both forms of the dma-buf iterator.
 *
 * dump     iter/dmabuf: one line "<ino> <size> <exporter>" per buffer
 * walk     syscall program: the open-coded kfuncs, one entry per buffer in
 *          entries[], stopping after @limit buffers when it is not 0
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "dmabuf_iter.bpf.h"

struct dmabuf_entry entries[MAX_ENTRIES];
__u32 count;
__u32 overflow;
__u32 limit;

SEC("iter/dmabuf")
int dump(struct bpf_iter__dmabuf *ctx)
{
	struct dma_buf *dmabuf = ctx->dmabuf;

	if (!dmabuf)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%lu %lu %s\n",
		       dmabuf->file->f_inode->i_ino, dmabuf->size,
		       dmabuf->exp_name);
	return 0;
}

SEC("syscall")
int walk(void *ctx)
{
	struct bpf_iter_dmabuf it;
	struct dma_buf *dmabuf;

	count = 0;
	overflow = 0;
	bpf_iter_dmabuf_new(&it);
	while ((dmabuf = bpf_iter_dmabuf_next(&it))) {
		/* read back from the map: the verifier need not track it */
		__u32 i = count;

		if (i >= MAX_ENTRIES) {
			overflow = 1;
			break;
		}
		entries[i].ino = dmabuf->file->f_inode->i_ino;
		entries[i].size = dmabuf->size;
		bpf_probe_read_kernel_str(entries[i].exp_name, EXP_NAME_LEN,
					  dmabuf->exp_name);
		count = i + 1;
		if (limit && count >= limit)
			break;
	}
	bpf_iter_dmabuf_destroy(&it);
	return 0;
}

char _license[] SEC("license") = "GPL";
