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

/*
 * bufinfo is read by tools that poll every buffer of a busy system, so its
 * lines are built from these rather than with seq_printf(): the format
 * below is the one of 6.12, byte for byte, at a fraction of the cost.
 */

/* What seq_printf(s, "%c%0*lu", sep, width, v) prints. */
static void bufinfo_put_dec(struct seq_file *s, char sep, unsigned long v,
			    int width)
{
	char digits[24];
	int i = sizeof(digits);

	do {
		digits[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (i > (int)sizeof(digits) - width)
		digits[--i] = '0';
	if (sep)
		digits[--i] = sep;
	seq_write(s, digits + i, sizeof(digits) - i);
}

/* What seq_printf(s, "\t%s", str) prints, NULL included. */
static void bufinfo_put_str(struct seq_file *s, const char *str)
{
	seq_putc(s, '\t');
	seq_puts(s, str ?: "(null)");
}

static int dma_buf_describe(struct seq_file *s, struct dma_buf *dmabuf)
{
	struct file *file = dmabuf->file;
	struct dma_buf_attachment *attach;
	int devices = 0;
	int ret;

	ret = dma_resv_lock_interruptible(dmabuf->resv, NULL);
	if (ret)
		return ret;

	/* "%08zu\t%08x\t%08x\t%08ld\t%s\t%08lu\t%s\n" */
	bufinfo_put_dec(s, 0, dmabuf->size, 8);
	seq_put_hex_ll(s, "\t", file->f_flags, 8);
	seq_put_hex_ll(s, "\t", (__force unsigned int)file->f_mode, 8);
	bufinfo_put_dec(s, '\t', file_count(file), 8);
	bufinfo_put_str(s, dmabuf->exp_name);
	bufinfo_put_dec(s, '\t', file_inode(file)->i_ino, 8);
	spin_lock(&dmabuf->name_lock);
	bufinfo_put_str(s, dmabuf->name ?: "<none>");
	spin_unlock(&dmabuf->name_lock);
	seq_putc(s, '\n');

	dma_resv_describe(dmabuf->resv, s);

	seq_puts(s, "\tAttached Devices:\n");
	list_for_each_entry(attach, &dmabuf->attachments, node) {
		bufinfo_put_str(s, dev_name(attach->dev));
		seq_putc(s, '\n');
		devices++;
	}
	dma_resv_unlock(dmabuf->resv);

	/* "Total %d devices attached\n\n" */
	seq_puts(s, "Total");
	bufinfo_put_dec(s, ' ', devices, 0);
	seq_puts(s, " devices attached\n\n");
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

/* A little more than a buffer without fences or devices takes. */
#define BUFINFO_BYTES_PER_BUFFER	192
#define BUFINFO_MAX_HINT		(16 << 20)

/*
 * A single_open() seq_file that outgrows its buffer frees it, allocates
 * one twice the size and prints everything again, about log2(size / 4K)
 * times for a big table. Starting at the size the table will likely need
 * prints it once; a wrong guess costs only the retries it would have cost.
 */
static int dma_buf_bufinfo_open(struct inode *inode, struct file *file)
{
	size_t hint = PAGE_SIZE;
	int ret;

	scoped_cond_guard(mutex_intr, return -EINTR, &dma_buf_list_lock)
		hint += list_count_nodes(&dma_buf_list) * BUFINFO_BYTES_PER_BUFFER;

	ret = single_open_size(file, dma_buf_bufinfo_show, NULL,
			       min_t(size_t, hint, BUFINFO_MAX_HINT));
	/* without the big buffer, grow it as seq_file always does */
	if (ret == -ENOMEM && hint > PAGE_SIZE)
		ret = single_open(file, dma_buf_bufinfo_show, NULL);
	return ret;
}

/* a single_open() seq_file in all but the size it starts with */
static const struct file_operations dma_buf_bufinfo_fops = {
	.open = dma_buf_bufinfo_open, .release = single_release,
	.read = seq_read, .llseek = seq_lseek,
};

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
