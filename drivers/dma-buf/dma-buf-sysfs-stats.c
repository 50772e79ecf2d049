// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-buffer statistics in sysfs, CONFIG_DMABUF_SYSFS_STATS.
 */

#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>

#include "dma-buf-internal.h"
#include "dma-buf-sysfs-stats.h"

/**
 * DOC: overview
 *
 * Every live buffer has a directory ``/sys/kernel/dmabuf/buffers/<ino>``,
 * named by the inode number userspace sees in ``st_ino``, with two
 * read-only files: ``exporter_name`` and ``size`` (in bytes), each one line.
 * The directory appears before dma_buf_export() returns, so before any fd
 * of the buffer exists, and goes when the buffer is released.
 *
 * Those are three kernfs nodes per buffer, made at every export and
 * removed at every release: on a small buffer they cost more than the
 * rest of the export. They are made in kernfs directly rather than through
 * a kobject and its attribute group: no kobject name printed and
 * allocated, no group walk, and the directory goes with its files in one
 * removal instead of a lookup per file. What remains is what any kernfs
 * node costs: its allocation, its id, its name hash and its place in the
 * parent's tree.
 *
 * A reader holds the file's kernfs active reference while it formats the
 * value; removal waits for it, so the buffer cannot be freed under a
 * reader, and a read after removal fails with ENODEV.
 */

/* /sys/kernel/dmabuf/buffers; it keeps /sys/kernel/dmabuf */
static struct kobject *dma_buf_buffers_kobj;

/* lockdep class of the files' active references, as sysfs gives its own */
static struct lock_class_key dma_buf_stats_key;

static struct dma_buf *dma_buf_stats_of(struct seq_file *sf)
{
	struct kernfs_open_file *of = sf->private;

	return of->kn->priv;
}

static int dma_buf_stats_show_exporter(struct seq_file *sf, void *v)
{
	seq_printf(sf, "%s\n", dma_buf_stats_of(sf)->exp_name);
	return 0;
}

static int dma_buf_stats_show_size(struct seq_file *sf, void *v)
{
	seq_printf(sf, "%zu\n", dma_buf_stats_of(sf)->size);
	return 0;
}

static const struct kernfs_ops dma_buf_stats_exporter_ops = {
	.seq_show = dma_buf_stats_show_exporter,
};

static const struct kernfs_ops dma_buf_stats_size_ops = {
	.seq_show = dma_buf_stats_show_size,
};

/* @ino in decimal at the end of @buf, without vsnprintf: the directory name */
static char *dma_buf_stats_name(char *buf, size_t len, unsigned long ino)
{
	char *p = buf + len;

	*--p = '\0';
	do {
		*--p = '0' + ino % 10;
		ino /= 10;
	} while (ino);
	return p;
}

/**
 * dma_buf_stats_setup - publish a new buffer in sysfs
 * @dmabuf: the buffer.
 * @file: the buffer's file, whose inode number names the directory.
 *
 * Return: 0, or the kernfs error (-ENOMEM); then nothing is left behind.
 *
 * Context: Process context, from dma_buf_export(). Takes the kernfs
 * locks.
 */
int dma_buf_stats_setup(struct dma_buf *dmabuf, struct file *file)
{
	struct kernfs_node *dir, *kn;
	char buf[24];

	dir = kernfs_create_dir_ns(dma_buf_buffers_kobj->sd,
				   dma_buf_stats_name(buf, sizeof(buf),
						      file_inode(file)->i_ino),
				   0755, GLOBAL_ROOT_UID, GLOBAL_ROOT_GID,
				   dmabuf, NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);

	/* PAGE_SIZE: what stat() shows for any sysfs attribute */
	kn = __kernfs_create_file(dir, "exporter_name", 0444, GLOBAL_ROOT_UID,
				  GLOBAL_ROOT_GID, PAGE_SIZE,
				  &dma_buf_stats_exporter_ops, dmabuf, NULL,
				  &dma_buf_stats_key);
	if (!IS_ERR(kn))
		kn = __kernfs_create_file(dir, "size", 0444, GLOBAL_ROOT_UID,
					  GLOBAL_ROOT_GID, PAGE_SIZE,
					  &dma_buf_stats_size_ops, dmabuf, NULL,
					  &dma_buf_stats_key);
	if (IS_ERR(kn)) {
		kernfs_remove(dir);
		return PTR_ERR(kn);
	}

	*dma_buf_stats_dir(dmabuf) = dir;
	return 0;
}

/**
 * dma_buf_stats_teardown - remove a buffer from sysfs
 * @dmabuf: the buffer being released.
 *
 * Waits for readers of its files to finish.
 *
 * Context: Process context, from the buffer's release. Takes the kernfs
 * locks.
 */
void dma_buf_stats_teardown(struct dma_buf *dmabuf)
{
	struct kernfs_node **dir = dma_buf_stats_dir(dmabuf);

	/* NULL when the export failed before its setup */
	kernfs_remove(*dir);
	*dir = NULL;
}

/**
 * dma_buf_init_sysfs_statistics - create /sys/kernel/dmabuf/buffers
 *
 * Return: 0 or -ENOMEM.
 *
 * Context: Process context, once at boot.
 */
int dma_buf_init_sysfs_statistics(void)
{
	struct kobject *top = kobject_create_and_add("dmabuf", kernel_kobj);

	/* buffers holds a reference to its parent: ours can go at once */
	if (top)
		dma_buf_buffers_kobj = kobject_create_and_add("buffers", top);
	kobject_put(top);
	return dma_buf_buffers_kobj ? 0 : -ENOMEM;
}

/**
 * dma_buf_uninit_sysfs_statistics - remove /sys/kernel/dmabuf
 *
 * The parent goes with the last reference, which buffers held.
 *
 * Context: Process context, when the core's init fails after
 * dma_buf_init_sysfs_statistics().
 */
void dma_buf_uninit_sysfs_statistics(void)
{
	kobject_put(dma_buf_buffers_kobj);
	dma_buf_buffers_kobj = NULL;
}
