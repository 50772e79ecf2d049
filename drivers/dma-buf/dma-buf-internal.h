/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private declarations shared by the files of the dma-buf core.
 */
#ifndef _DMA_BUF_INTERNAL_H
#define _DMA_BUF_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/cleanup.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>

/**
 * DOC: locking
 *
 * Four locks guard the state of the core; each function's kernel-doc names
 * the ones it takes or needs in its Context line, and lockdep asserts them.
 *
 * ``dma_buf_list_lock`` (a mutex of dma-buf-export.c) guards the list of
 * live buffers, &dma_buf.list_node. Export adds a buffer; release of its
 * file removes it before the file can be freed, so whoever holds the mutex
 * may look at every listed buffer and its file, even one whose last
 * reference is already gone. bufinfo prints every buffer without taking
 * a reference, holding the mutex throughout; walkers that drop the mutex
 * between buffers (dma_buf_iter_next()) first take a reference with
 * dma_buf_try_get(), which fails for a buffer on its way out.
 *
 * The reservation lock of &dma_buf.resv guards &dma_buf.attachments, the
 * cached mapping of each attachment, and the vmap state
 * (&dma_buf.vmapping_counter, &dma_buf.vmap_ptr). The convention towards
 * drivers:
 *
 * - Importers hold it around dma_buf_pin(), dma_buf_unpin(),
 *   dma_buf_map_attachment(), dma_buf_unmap_attachment(), dma_buf_vmap()
 *   and dma_buf_vunmap(); exporters hold it around dma_buf_move_notify().
 *   The exporter's pin, unpin, map_dma_buf, unmap_dma_buf, vmap and vunmap
 *   callbacks and the importer's move_notify run with it held.
 * - Importers must not hold it around dma_buf_attach(),
 *   dma_buf_dynamic_attach(), dma_buf_detach(), the begin/end CPU access
 *   calls, dma_buf_mmap() and the ``_unlocked`` variants, which take it
 *   themselves where they need it; the exporter's attach, detach, release,
 *   begin_cpu_access, end_cpu_access and mmap callbacks run without it.
 *
 * &dma_buf.name_lock, a spinlock, guards &dma_buf.name, which is read when
 * the kernel prints the fd's path, possibly under RCU.
 *
 * The lock of the &dma_buf.poll wait queue guards &dma_buf.cb_in and
 * &dma_buf.cb_out, whose callbacks run in whatever context a fence
 * signals in.
 *
 * Lock order: dma_buf_list_lock, then a reservation lock, then name_lock.
 */

/*
 * dma_buf_misuse(cond): a driver broke the contract of the API, and the core
 * refuses or repairs the call as its kernel-doc says. Warns once per call
 * site, so a buggy driver in a loop cannot flood the log, naming the entry
 * point (the WARNING line may name a caller instead, after a tail call),
 * and counts every occurrence so that the KUnit suites can assert that the
 * misuse was noticed.
 */
extern atomic_t dma_buf_misuse_count;
#define dma_buf_misuse(cond) ({						\
	bool __misused = unlikely(!!(cond));				\
									\
	if (__misused)							\
		atomic_inc(&dma_buf_misuse_count);			\
	WARN_ONCE(__misused, "dma-buf: API misuse in %s\n", __func__);	\
})

/*
 * guard(dma_buf_resv)(resv) holds a reservation lock, uninterruptibly and
 * outside any acquire context, until the end of the scope.
 */
DEFINE_GUARD(dma_buf_resv, struct dma_resv *, dma_resv_lock(_T, NULL),
	     dma_resv_unlock(_T))

/*
 * guard(dma_buf_locked)(dmabuf): the same for a buffer's own lock. The
 * guard keeps the buffer, not its resv: callers have checked the buffer
 * pointer already, so the compiler drops the cleanup's NULL test, and the
 * pointer is live across the call anyway, so no register is spent on resv.
 */
DEFINE_GUARD(dma_buf_locked, struct dma_buf *, dma_resv_lock(_T->resv, NULL),
	     dma_resv_unlock(_T->resv))

/*
 * Whether @resv never held a fence. Its fence list is allocated when the
 * first slot is reserved and stays, so NULL means idle for every usage at
 * the cost of one load: the usual state of buffers that only the CPU and
 * scanout touch. Without the lock this is a snapshot, like any unlocked
 * look at the fences.
 */
static inline bool dma_buf_resv_never_fenced(struct dma_resv *resv)
{
	return !rcu_access_pointer(resv->fences);
}

/*
 * Drops a reference that a walk over the buffers took for itself: no
 * dma_buf_put event, as taking it had no dma_buf_get one; trace readers see
 * the drivers' references only.
 */
static inline void dma_buf_iter_drop(struct dma_buf *dmabuf)
{
	fput(dmabuf->file);
}

/* dma-buf-file.c: the pseudo filesystem and the file of each buffer */
int dma_buf_fs_init(void);
struct file *dma_buf_file_create(struct dma_buf *dmabuf, int flags);
void dma_buf_file_abandon(struct file *file);
bool dma_buf_is_file(const struct file *file);

/*
 * dma-buf-export.c: buffer lifetime and the list of live buffers. The two
 * release steps are installed as file and dentry operations by
 * dma-buf-file.c; what they do is defined next to export.
 */
int dma_buf_file_release(struct inode *inode, struct file *file);
void dma_buf_dentry_release(struct dentry *dentry);
bool dma_buf_try_get(struct dma_buf *dmabuf);
char *dma_buf_name_store(struct dma_buf *dmabuf);
struct kernfs_node;
struct kernfs_node **dma_buf_stats_dir(struct dma_buf *dmabuf);
extern struct mutex dma_buf_list_lock;
extern struct list_head dma_buf_list;

/* dma-buf-attach.c: attachments */
struct scatterlist *dma_buf_first_unaligned(struct sg_table *sgt);

/* dma-buf-cpu.c: CPU access and mappings */
long dma_buf_ioctl_sync(struct dma_buf *dmabuf, void __user *uarg);
int dma_buf_mmap_file(struct dma_buf *dmabuf, struct vm_area_struct *vma);

/* dma-buf-sync.c: implicit synchronisation */
__poll_t dma_buf_poll(struct file *file, poll_table *wait);
long dma_buf_ioctl_export_sync_file(struct dma_buf *dmabuf, void __user *uarg);
long dma_buf_ioctl_import_sync_file(struct dma_buf *dmabuf, void __user *uarg);

/*
 * The poll state of a new buffer. Inline, as export is hot: the rest of
 * the state (inactive callbacks) is the zeroed allocation's.
 */
static inline void dma_buf_poll_init(struct dma_buf *dmabuf)
{
	init_waitqueue_head(&dmabuf->poll);
	dmabuf->cb_in.poll = &dmabuf->poll;
	dmabuf->cb_out.poll = &dmabuf->poll;
}

/* dma-buf-debugfs.c: the bufinfo file */
int dma_buf_bufinfo_show(struct seq_file *s, void *unused);
void dma_buf_debugfs_init(void);

/* dma-buf-bpf.c: the open-coded iterator, called by BPF programs only */
struct bpf_iter_dmabuf;
int bpf_iter_dmabuf_new(struct bpf_iter_dmabuf *it);
struct dma_buf *bpf_iter_dmabuf_next(struct bpf_iter_dmabuf *it);
void bpf_iter_dmabuf_destroy(struct bpf_iter_dmabuf *it);

#endif /* _DMA_BUF_INTERNAL_H */
