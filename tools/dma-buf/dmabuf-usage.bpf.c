// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmabuf-usage's BPF source: the list of live buffers from the kernel's
 * dmabuf iterator, printed as debugfs bufinfo prints it (size, flags,
 * mode, file count, exporter, inode, name; then the totals), so that one
 * parser reads either. Needs no debugfs; the buffers on their way out,
 * which bufinfo still shows with a file count of 0, are not visited.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

__u64 objects, bytes;

SEC("iter/dmabuf")
int bufinfo(struct bpf_iter__dmabuf *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct dma_buf *b = ctx->dmabuf;
	struct file *file;

	if (!b) {
		BPF_SEQ_PRINTF(seq, "\nTotal %llu objects, %llu bytes\n",
			       objects, bytes);
		return 0;
	}
	file = b->file;
	objects++;
	bytes += b->size;
	/* the file count without the reference the iterator holds for us */
	BPF_SEQ_PRINTF(seq, "%08lu\t%08x\t%08x\t%08ld\t%s\t%08lu\t",
		       b->size, file->f_flags, file->f_mode,
		       file->f_count.counter - 1, b->exp_name,
		       file->f_inode->i_ino);
	/* a racing SET_NAME may swap the name: the helper reads it safely */
	if (b->name)
		BPF_SEQ_PRINTF(seq, "%s\n", b->name);
	else
		BPF_SEQ_PRINTF(seq, "<none>\n");
	return 0;
}

char _license[] SEC("license") = "GPL";
