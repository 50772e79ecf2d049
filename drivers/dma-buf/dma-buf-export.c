// SPDX-License-Identifier: GPL-2.0-only
/*
 * Buffer lifetime: export, file descriptors, references, release, and the
 * list of live buffers.
 */

#include <kunit/visibility.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <uapi/linux/dma-buf.h>

#include "dma-buf-internal.h"
#include "dma-buf-sysfs-stats.h"

#define CREATE_TRACE_POINTS
#include <trace/events/dma_buf.h>

/* probes of the KUnit suite, when it is a module */
#if IS_MODULE(CONFIG_DMABUF_KUNIT_TEST)
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_export);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_fd);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_get);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_put);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_release);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_attach);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_dynamic_attach);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_detach);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_map_attachment);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_unmap_attachment);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_pin);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_unpin);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_move_notify);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_mmap_internal);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_mmap);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_vmap);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_vunmap);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_begin_cpu_access);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_end_cpu_access);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_set_name);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_export_sync_file);
EXPORT_TRACEPOINT_SYMBOL_GPL(dma_buf_import_sync_file);
#endif

/**
 * DOC: overview
 *
 * An exporter describes its buffer in a &struct dma_buf_export_info and
 * calls dma_buf_export(). It gets back a &struct dma_buf holding one
 * reference, which it usually turns into a file descriptor for userspace
 * with dma_buf_fd(), or drops with dma_buf_put(). Importers turn an fd
 * back into the buffer with dma_buf_get(), and give the reference back
 * with dma_buf_put() when done. get_dma_buf() takes more references.
 *
 * References are references to the buffer's file. When the last one is
 * dropped, the buffer leaves the list of live buffers; once the kernel has
 * let go of the file's dentry too, the exporter's release callback runs,
 * exactly once, and the core frees what it owns: the name, the
 * reservation object unless the exporter lent its own, and the reference
 * to the exporter's module.
 *
 * The list of live buffers feeds debugfs and dma_buf_iter_begin(). A
 * buffer whose last reference is gone but which has not left the list yet
 * is still printed by debugfs, with a file count of 0, as 6.12 does; the
 * iterator skips it, since it hands out references.
 */

/*
 * One allocation per buffer; the reservation object is only used when the
 * exporter does not lend one of its own.
 */
struct dma_buf_box {
	struct dma_buf buf;
	struct dma_resv own_resv;
	/* where DMA_BUF_SET_NAME puts the name, under name_lock */
	char name_store[DMA_BUF_NAME_LEN];
	/* for the release event, which runs when the inode is gone */
	unsigned long ino;
#ifdef CONFIG_DMABUF_SYSFS_STATS
	/* /sys/kernel/dmabuf/buffers/<ino>, see dma-buf-sysfs-stats.c */
	struct kernfs_node *stats_dir;
#endif
};

/* dma_buf_list_lock protects dma_buf_list, see DOC: locking */
DEFINE_MUTEX(dma_buf_list_lock);
LIST_HEAD(dma_buf_list);

/* every API misuse the core noticed, see dma_buf_misuse() */
atomic_t dma_buf_misuse_count = ATOMIC_INIT(0);
EXPORT_SYMBOL_IF_KUNIT(dma_buf_misuse_count);

static struct dma_buf_box *to_box(struct dma_buf *dmabuf)
{
	return container_of(dmabuf, struct dma_buf_box, buf);
}

static bool dma_buf_owns_resv(struct dma_buf *dmabuf)
{
	return dmabuf->resv == &to_box(dmabuf)->own_resv;
}

static bool dma_buf_ops_valid(const struct dma_buf_ops *ops)
{
	if (!ops || !ops->map_dma_buf || !ops->unmap_dma_buf || !ops->release)
		return false;
	/* pinning comes as a pair, and a pinned buffer is never cached */
	if (!ops->pin != !ops->unpin)
		return false;
	return !(ops->cache_sgt_mapping && ops->pin);
}

static struct dma_resv *dma_buf_init_own_resv(struct dma_buf_box *box)
{
	dma_resv_init(&box->own_resv);
	return &box->own_resv;
}

static void dma_buf_free_box(struct dma_buf *dmabuf)
{
	if (likely(dma_buf_owns_resv(dmabuf)))
		dma_resv_fini(dmabuf->resv);
	/* a name set by other means than DMA_BUF_SET_NAME was allocated */
	if (dmabuf->name != to_box(dmabuf)->name_store)
		kfree(dmabuf->name);
	kfree(to_box(dmabuf));
}

/**
 * dma_buf_name_store - the storage DMA_BUF_SET_NAME copies names into
 * @dmabuf: the buffer.
 *
 * Return: DMA_BUF_NAME_LEN bytes that live as long as the buffer.
 *
 * Context: Any context. Write to it only under &dma_buf.name_lock.
 */
char *dma_buf_name_store(struct dma_buf *dmabuf)
{
	return to_box(dmabuf)->name_store;
}

#ifdef CONFIG_DMABUF_SYSFS_STATS
/**
 * dma_buf_stats_dir - where a buffer keeps its sysfs directory
 * @dmabuf: the buffer.
 *
 * Return: the slot, NULL until dma_buf_stats_setup() fills it.
 *
 * Context: Any context.
 */
struct kernfs_node **dma_buf_stats_dir(struct dma_buf *dmabuf)
{
	return &to_box(dmabuf)->stats_dir;
}
#endif

/**
 * dma_buf_export - wrap an exporter's buffer in a new dma-buf
 * @exp_info: what the buffer is: see &struct dma_buf_export_info.
 *
 * The exporter's ops pointer is stored as given. A module reference is
 * taken on @exp_info->owner for the buffer's lifetime. The buffer gets a
 * reservation object of its own unless @exp_info->resv lends one.
 *
 * On failure nothing is left behind and the exporter's release callback
 * is not called.
 *
 * Return: the buffer, holding one reference, or an ERR_PTR: -EINVAL when
 * @exp_info lacks priv or a required callback, or combines incompatible ones,
 * -ENOENT when the owner module is going away, -ENOMEM.
 *
 * Context: Process context. Takes dma_buf_list_lock.
 */
struct dma_buf *dma_buf_export(const struct dma_buf_export_info *exp_info)
{
	struct dma_buf_box *box;
	struct dma_buf *dmabuf;
	struct file *file;
	int ret;

	/* 6.12 exporters always pass priv: without it they cannot find their buffer */
	if (dma_buf_misuse(!exp_info || !exp_info->priv ||
			   !dma_buf_ops_valid(exp_info->ops)))
		return ERR_PTR(-EINVAL);

	box = kzalloc(sizeof(*box), GFP_KERNEL);
	if (!box)
		return ERR_PTR(-ENOMEM);

	dmabuf = &box->buf;
	dmabuf->ops = exp_info->ops;
	dmabuf->priv = exp_info->priv;
	dmabuf->size = exp_info->size;
	dmabuf->resv = exp_info->resv ?: dma_buf_init_own_resv(box);
	dmabuf->exp_name = exp_info->exp_name;
	dmabuf->owner = exp_info->owner;
	spin_lock_init(&dmabuf->name_lock);
	INIT_LIST_HEAD(&dmabuf->attachments);
	/* list_node is first written by the list_add() below */
	dma_buf_poll_init(dmabuf);

	if (!try_module_get(exp_info->owner)) {
		ret = -ENOENT;
		goto err_free;
	}

	file = dma_buf_file_create(dmabuf, exp_info->flags);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_module;
	}
	dmabuf->file = file;
	box->ino = file_inode(file)->i_ino;

	ret = dma_buf_stats_setup(dmabuf, file);
	if (ret)
		goto err_file;

	mutex_lock(&dma_buf_list_lock);
	list_add(&dmabuf->list_node, &dma_buf_list);
	mutex_unlock(&dma_buf_list_lock);

	trace_dma_buf_export(dmabuf);
	return dmabuf;

err_file:
	dma_buf_file_abandon(file);
err_module:
	module_put(exp_info->owner);
err_free:
	dma_buf_free_box(dmabuf);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_export, DMA_BUF);

/**
 * dma_buf_fd - give a buffer a file descriptor in the current process
 * @dmabuf: the buffer; its reference moves to the new fd.
 * @flags: O_CLOEXEC or 0.
 *
 * On failure the caller still owns the reference and drops it with
 * dma_buf_put().
 *
 * Return: the fd, or -EINVAL for a NULL buffer, or the error of the fd
 * allocation (-EMFILE).
 *
 * Context: Process context.
 */
int dma_buf_fd(struct dma_buf *dmabuf, int flags)
{
	int fd = dmabuf && dmabuf->file ? get_unused_fd_flags(flags) : -EINVAL;

	if (fd < 0)
		return fd;

	/* last look: once installed, the fd may be closed at once */
	trace_dma_buf_fd(dmabuf, fd);
	/* from here on the fd owns the reference */
	fd_install(fd, dmabuf->file);
	return fd;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_fd, DMA_BUF);

/**
 * dma_buf_get - take a reference to the buffer behind a file descriptor
 * @fd: an fd of the current process.
 *
 * Return: the buffer, or ERR_PTR(-EBADF) when @fd is not open, or
 * ERR_PTR(-EINVAL) when it is not a dma-buf.
 *
 * Context: Process context.
 */
struct dma_buf *dma_buf_get(int fd)
{
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADF);
	if (dma_buf_is_file(file)) {
		trace_dma_buf_get(file->private_data, fd);
		return file->private_data;
	}

	/* open, but something else */
	fput(file);
	return ERR_PTR(-EINVAL);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_get, DMA_BUF);

/*
 * With the event on, the put goes out of line: the common path then ends in
 * a tail call to fput() and saves no register for a call before it.
 */
static noinline void dma_buf_put_traced(struct dma_buf *dmabuf)
{
	/* while the reference still keeps the buffer alive */
	trace_dma_buf_put(dmabuf);
	fput(dmabuf->file);
}

/**
 * dma_buf_put - drop a reference to a buffer
 * @dmabuf: the buffer; a NULL pointer warns and is ignored.
 *
 * Dropping the last reference releases the buffer, possibly later from a
 * workqueue.
 *
 * Context: Any context.
 */
void dma_buf_put(struct dma_buf *dmabuf)
{
	if (dma_buf_misuse(!dmabuf || !dmabuf->file))
		return;

	if (trace_dma_buf_put_enabled()) {
		dma_buf_put_traced(dmabuf);
		return;
	}
	/* the file's count is the buffer's */
	fput(dmabuf->file);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_put, DMA_BUF);

/**
 * dma_buf_try_get - take a reference unless the last one is already gone
 * @dmabuf: a buffer on the list of live buffers.
 *
 * Return: true if a reference was taken.
 *
 * Context: dma_buf_list_lock held, which keeps the file from being freed.
 */
bool dma_buf_try_get(struct dma_buf *dmabuf)
{
	lockdep_assert_held(&dma_buf_list_lock);

	return atomic_long_inc_not_zero(&dmabuf->file->f_count);
}

/**
 * DOC: release
 *
 * Release, in the order it happens. The final dma_buf_put() (or close of
 * the last fd, or munmap of the last mapping) drops the file's count to
 * zero and the VFS calls, possibly later from a workqueue:
 *
 * 1. dma_buf_file_release(): the buffer leaves the list of live buffers,
 *    so walkers can no longer find it. The file is still allocated, which
 *    is what keeps listed buffers safe to look at under the list lock.
 * 2. The VFS drops its reference to the dentry. Whoever still holds one,
 *    such as a readlink() of /proc/<pid>/fd/<n> that looked the path up
 *    before the close, may still print the name, so nothing is freed yet.
 * 3. dma_buf_dentry_release(), once the last dentry reference is gone:
 *    the exporter's release runs, exactly once, and the core frees the
 *    name, its reservation object and the module reference.
 */

/**
 * dma_buf_file_release - first release step: unlist the buffer
 * @inode: the buffer's inode.
 * @file: the buffer's file, whose last reference is gone.
 *
 * Return: 0.
 *
 * Context: Process context, from the VFS's final fput(). Takes
 * dma_buf_list_lock.
 */
int dma_buf_file_release(struct inode *inode, struct file *file)
{
	struct dma_buf *dmabuf = file->private_data;

	/* NULL when export failed after creating the file */
	if (dmabuf) {
		mutex_lock(&dma_buf_list_lock);
		list_del_init(&dmabuf->list_node);
		mutex_unlock(&dma_buf_list_lock);
	}
	return 0;
}

/**
 * dma_buf_dentry_release - last release step: the exporter's release, the free
 * @dentry: the buffer's dentry, whose last reference is gone.
 *
 * Context: Process context, from the VFS. No lock of the core held.
 */
void dma_buf_dentry_release(struct dentry *dentry)
{
	struct dma_buf *dmabuf = dentry->d_fsdata;
	struct module *owner;

	if (!dmabuf)
		return;

	/* poll callbacks hold a file reference, so none can be pending */
	WARN_ON(dmabuf->cb_in.active | dmabuf->cb_out.active);
	WARN_ON(!list_empty(&dmabuf->attachments));
	WARN_ON(dmabuf->vmapping_counter);

	trace_dma_buf_release(dmabuf, to_box(dmabuf)->ino);
	owner = dmabuf->owner;
	dma_buf_stats_teardown(dmabuf);
	dmabuf->ops->release(dmabuf);
	dma_buf_free_box(dmabuf);
	module_put(owner);
}

/* First buffer after @pos that still has references, with one more taken. */
static struct dma_buf *dma_buf_list_next_live(struct list_head *pos)
{
	struct dma_buf *dmabuf = NULL;

	mutex_lock(&dma_buf_list_lock);
	for (pos = pos->next; pos != &dma_buf_list; pos = pos->next) {
		struct dma_buf *candidate = list_entry(pos, struct dma_buf,
						       list_node);

		if (dma_buf_try_get(candidate)) {
			dmabuf = candidate;
			break;
		}
	}
	mutex_unlock(&dma_buf_list_lock);
	return dmabuf;
}

/**
 * dma_buf_iter_begin - start a walk over every live buffer
 *
 * Continue with dma_buf_iter_next(). Buffers exported or released during
 * the walk may or may not be seen; every buffer that stays alive
 * throughout is seen exactly once.
 *
 * For users inside the core (debugging interfaces); not exported to
 * modules.
 *
 * Return: the first buffer with a reference held for the caller, or NULL
 * if there is none.
 *
 * Context: Process context. Takes dma_buf_list_lock.
 */
struct dma_buf *dma_buf_iter_begin(void)
{
	return dma_buf_list_next_live(&dma_buf_list);
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_iter_begin);

/**
 * dma_buf_iter_next - continue a walk over every live buffer
 * @dmabuf: the buffer the previous call returned; its reference is
 *	dropped. To stop a walk early, drop it with dma_buf_put() instead.
 *
 * The reference on @dmabuf keeps it on the list, so the walk goes on from
 * where it stood even if buffers around it were released.
 *
 * Return: the next buffer with a reference held for the caller, or NULL at
 * the end.
 *
 * Context: Process context. Takes dma_buf_list_lock.
 */
struct dma_buf *dma_buf_iter_next(struct dma_buf *dmabuf)
{
	struct dma_buf *next = dma_buf_list_next_live(&dmabuf->list_node);

	dma_buf_iter_drop(dmabuf);
	return next;
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_iter_next);

static int __init dma_buf_init(void)
{
	int ret;

	ret = dma_buf_init_sysfs_statistics();
	if (ret)
		return ret;

	ret = dma_buf_fs_init();
	if (ret) {
		dma_buf_uninit_sysfs_statistics();
		return ret;
	}

	dma_buf_debugfs_init();
	return 0;
}
subsys_initcall(dma_buf_init);
