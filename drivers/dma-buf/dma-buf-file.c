// SPDX-License-Identifier: GPL-2.0-only
/*
 * The file side of a dma-buf: a small pseudo filesystem gives every buffer
 * an inode and a file of its own, and the file operations below are what
 * userspace reaches through the fd.
 */

#include <linux/atomic.h>
#include <linux/compat.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <trace/events/dma_buf.h>
#include <uapi/linux/dma-buf.h>
#include <uapi/linux/magic.h>

#include "dma-buf-internal.h"

/**
 * DOC: buffer files
 *
 * Every buffer gets an anonymous inode on the ``dmabuf`` pseudo filesystem
 * and one struct file; all fds of the buffer, in every process, share that
 * file, so its reference count is the buffer's.
 *
 * Userspace tells buffers apart by ``st_ino``, so inode numbers come from a
 * 64-bit counter that never hands out a number twice, rather than from the
 * wrapping allocator of ordinary anonymous inodes.
 *
 * The dentry is named ``dmabuf``; its printed path, as seen in
 * ``/proc/<pid>/fd`` and ``/proc/<pid>/maps``, is ``/dmabuf:<name>`` with the
 * label set through DMA_BUF_SET_NAME.
 *
 * The file and dentry release hooks installed here are the release steps
 * of dma-buf-export.c, which documents their order.
 */

static const struct file_operations dma_buf_fops;
static struct vfsmount *dma_buf_mnt;
static atomic64_t dma_buf_last_ino;

static char *dma_buf_dname(struct dentry *dentry, char *buffer, int buflen)
{
	struct dma_buf *dmabuf = dentry->d_fsdata;
	char label[DMA_BUF_NAME_LEN] = "";

	if (dmabuf) {
		spin_lock(&dmabuf->name_lock);
		if (dmabuf->name)
			strscpy(label, dmabuf->name, sizeof(label));
		spin_unlock(&dmabuf->name_lock);
	}
	return dynamic_dname(buffer, buflen, "/%s:%s",
			     dentry->d_name.name, label);
}

static const struct dentry_operations dma_buf_dentry_ops = {
	.d_dname = dma_buf_dname,
	.d_release = dma_buf_dentry_release,
};

static int dma_buf_fs_init_context(struct fs_context *fc)
{
	struct pseudo_fs_context *pctx = init_pseudo(fc, DMA_BUF_MAGIC);

	if (pctx)
		pctx->dops = &dma_buf_dentry_ops;
	return pctx ? 0 : -ENOMEM;
}

static struct file_system_type dma_buf_fs_type = {
	.name = "dmabuf",
	.kill_sb = kill_anon_super,
	.init_fs_context = dma_buf_fs_init_context,
};

/**
 * dma_buf_fs_init - mount the pseudo filesystem of buffer files
 *
 * Return: 0 or a negative errno.
 *
 * Context: Process context, once at boot.
 */
int __init dma_buf_fs_init(void)
{
	dma_buf_mnt = kern_mount(&dma_buf_fs_type);
	return PTR_ERR_OR_ZERO(dma_buf_mnt);
}

static loff_t dma_buf_llseek(struct file *file, loff_t offset, int whence)
{
	struct dma_buf *dmabuf = file->private_data;

	/* Only "where is the start" and "how big is it" are answered. */
	if (offset)
		return -EINVAL;
	if (whence == SEEK_SET)
		return 0;
	if (whence == SEEK_END)
		return dmabuf->size;
	return -EINVAL;
}

static int dma_buf_mmap_fop(struct file *file, struct vm_area_struct *vma)
{
	return dma_buf_mmap_file(file->private_data, vma);
}

/*
 * The name goes into storage of the buffer's own, so renaming allocates
 * nothing and cannot fail for want of memory. Readers copy it under
 * name_lock, so none sees half of an old name and half of a new one.
 * Out of line: inlined, its stack frame would cost every other ioctl.
 */
static noinline long dma_buf_set_name(struct dma_buf *dmabuf, const char __user *uname)
{
	char *store = dma_buf_name_store(dmabuf);
	char name[DMA_BUF_NAME_LEN];
	const char *old;
	long len;

	len = strncpy_from_user(name, uname, sizeof(name));
	if (len < 0)
		return len;
	/* no NUL within the limit: too long, and the old name stays */
	if (len == sizeof(name))
		return -EINVAL;
	/* from the local copy: no need for name_lock */
	trace_dma_buf_set_name(dmabuf, name);

	spin_lock(&dmabuf->name_lock);
	old = dmabuf->name;
	memcpy(store, name, len + 1);
	dmabuf->name = store;
	spin_unlock(&dmabuf->name_lock);

	/* a name set by other means than this ioctl was allocated */
	if (old != store)
		kfree(old);
	return 0;
}

static void dma_buf_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct dma_buf *dmabuf = file->private_data;

	seq_printf(m, "size:\t%zu\n", dmabuf->size);
	/* procfs holds a reference of its own while it prints this */
	seq_printf(m, "count:\t%ld\n", file_count(file) - 1);
	seq_printf(m, "exp_name:\t%s\n", dmabuf->exp_name);

	scoped_guard(spinlock, &dmabuf->name_lock)
		if (dmabuf->name)
			seq_printf(m, "name:\t%s\n", dmabuf->name);
}

static long dma_buf_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct dma_buf *dmabuf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DMA_BUF_IOCTL_SYNC:
		return dma_buf_ioctl_sync(dmabuf, uarg);
	/* DMA_BUF_SET_NAME is one of these two, depending on the ABI */
	case DMA_BUF_SET_NAME_A:
	case DMA_BUF_SET_NAME_B:
		return dma_buf_set_name(dmabuf, uarg);
#if IS_ENABLED(CONFIG_SYNC_FILE)
	case DMA_BUF_IOCTL_EXPORT_SYNC_FILE:
		return dma_buf_ioctl_export_sync_file(dmabuf, uarg);
	case DMA_BUF_IOCTL_IMPORT_SYNC_FILE:
		return dma_buf_ioctl_import_sync_file(dmabuf, uarg);
#endif
	default:
		return -ENOTTY;
	}
}

/**
 * dma_buf_is_file - whether a file is the file of a dma-buf
 * @file: any open file.
 *
 * Return: true if @file was made by dma_buf_file_create().
 *
 * Context: Any context.
 */
bool dma_buf_is_file(const struct file *file)
{
	return file->f_op == &dma_buf_fops;
}

/**
 * dma_buf_file_create - make the inode and file of a new buffer
 * @dmabuf: the buffer, with its size set.
 * @flags: file flags from the export info.
 *
 * Only the access mode and O_NONBLOCK of @flags reach the file. Exporters
 * pass O_CLOEXEC too, meant for the fd they create with dma_buf_fd(); kept
 * in the file it would show in fcntl(F_GETFL), fdinfo and bufinfo of every
 * fd of the buffer, including dup()s and fds passed to other processes.
 *
 * Return: the file, holding the buffer's first reference, or an ERR_PTR.
 *
 * Context: Process context.
 */
struct file *dma_buf_file_create(struct dma_buf *dmabuf, int flags)
{
	struct inode *inode;
	struct file *file;

	inode = alloc_anon_inode(dma_buf_mnt->mnt_sb);
	if (IS_ERR(inode))
		return ERR_CAST(inode);

	inode->i_ino = atomic64_inc_return(&dma_buf_last_ino);
	inode->i_size = dmabuf->size;
	inode_set_bytes(inode, dmabuf->size);

	file = alloc_file_pseudo(inode, dma_buf_mnt, "dmabuf",
				 flags & (O_ACCMODE | O_NONBLOCK), &dma_buf_fops);
	if (IS_ERR(file)) {
		iput(inode);
		return file;
	}

	file->private_data = dmabuf;
	file->f_path.dentry->d_fsdata = dmabuf;
	return file;
}

/**
 * dma_buf_file_abandon - drop the file of a buffer that failed to export
 * @file: the file returned by dma_buf_file_create().
 *
 * The buffer is unhooked first, so neither the file release nor the dentry
 * release touches it; the caller frees it.
 *
 * Context: Process context.
 */
void dma_buf_file_abandon(struct file *file)
{
	file->private_data = NULL;
	file->f_path.dentry->d_fsdata = NULL;
	fput(file);
}

static const struct file_operations dma_buf_fops = {
	/* what every file has */
	.llseek = dma_buf_llseek, .release = dma_buf_file_release,
	.show_fdinfo = dma_buf_show_fdinfo,
	/* what makes it a buffer; all ioctl arguments are compat-safe */
	.mmap = dma_buf_mmap_fop, .poll = dma_buf_poll,
	.unlocked_ioctl = dma_buf_ioctl, .compat_ioctl = compat_ptr_ioctl,
};
