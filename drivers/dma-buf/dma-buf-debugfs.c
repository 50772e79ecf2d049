// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/debug/dma_buf/bufinfo: every live buffer, its fences and the
 * devices attached to it.
 */

#include <kunit/visibility.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-resv.h>
#include <linux/seq_file.h>

#include "dma-buf-internal.h"

static int dma_buf_describe(struct seq_file *s, struct dma_buf *dmabuf)
{
	struct file *file = dmabuf->file;
	struct dma_buf_attachment *attach;
	int devices = 0;
	int ret;

	ret = dma_resv_lock_interruptible(dmabuf->resv, NULL);
	if (ret)
		return ret;

	spin_lock(&dmabuf->name_lock);
	seq_printf(s, "%08zu\t%08x\t%08x\t%08ld\t%s\t%08lu\t%s\n",
		   dmabuf->size, file->f_flags, (__force unsigned int)file->f_mode,
		   file_count(file), dmabuf->exp_name,
		   file_inode(file)->i_ino, dmabuf->name ?: "<none>");
	spin_unlock(&dmabuf->name_lock);

	dma_resv_describe(dmabuf->resv, s);

	seq_puts(s, "\tAttached Devices:\n");
	list_for_each_entry(attach, &dmabuf->attachments, node) {
		seq_printf(s, "\t%s\n", dev_name(attach->dev));
		devices++;
	}
	dma_resv_unlock(dmabuf->resv);

	seq_printf(s, "Total %d devices attached\n\n", devices);
	return 0;
}

/**
 * dma_buf_bufinfo_show - write the bufinfo table
 * @s: the seq_file being filled.
 * @unused: unused.
 *
 * One header, then for every buffer on the list a line with its size, file
 * flags and mode, file reference count, exporter, inode number and name,
 * its fences, and its attached devices; last a line with the totals.
 *
 * Return: 0, or -EINTR when a signal interrupted the wait for a lock.
 *
 * Context: Process context. Takes dma_buf_list_lock, then each buffer's
 * reservation lock and name_lock.
 */
int dma_buf_bufinfo_show(struct seq_file *s, void *unused)
{
	struct dma_buf *dmabuf;
	size_t bytes = 0;
	int buffers = 0;

	scoped_cond_guard(mutex_intr, return -EINTR, &dma_buf_list_lock) {
		seq_puts(s, "\nDma-buf Objects:\n");
		seq_printf(s, "%-8s\t%-8s\t%-8s\t%-8s\texp_name\t%-8s\tname\n",
			   "size", "flags", "mode", "count", "ino");

		list_for_each_entry(dmabuf, &dma_buf_list, list_node) {
			int ret = dma_buf_describe(s, dmabuf);

			if (ret)
				return ret;
			bytes += dmabuf->size;
			buffers++;
		}
	}
	seq_printf(s, "\nTotal %d objects, %zu bytes\n", buffers, bytes);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_bufinfo_show);

DEFINE_SHOW_ATTRIBUTE(dma_buf_bufinfo);

/**
 * dma_buf_debugfs_init - create /sys/kernel/debug/dma_buf/bufinfo
 *
 * Failure only costs the debug file, so it is not reported.
 *
 * Context: Process context, once at boot.
 */
void __init dma_buf_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("dma_buf", NULL);

	debugfs_create_file("bufinfo", 0444, dir, NULL, &dma_buf_bufinfo_fops);
}
