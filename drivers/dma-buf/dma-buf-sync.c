// SPDX-License-Identifier: GPL-2.0-only
/*
 * Implicit synchronisation from userspace: poll() on the buffer's fences,
 * and conversion between them and explicit sync_file fds.
 */

#include <linux/dma-fence-unwrap.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>
#include <trace/events/dma_buf.h>
#include <uapi/linux/dma-buf.h>

#include "dma-buf-internal.h"

/**
 * DOC: implicit synchronisation
 *
 * The fences in a buffer's reservation object say which device work on it
 * is still pending. Userspace sees them three ways.
 *
 * poll() and epoll report EPOLLIN once every pending write has finished
 * (the buffer can be read) and EPOLLOUT once every pending access has
 * finished (it can be written). Bookkeeping fences do not count. When
 * every fence that counts has signalled (the usual case, polled most
 * often), the answer comes from an RCU walk of the fences alone, or from
 * one load if the buffer never had a fence. While
 * not ready, the core arms one fence callback per direction under the
 * reservation lock; it wakes all waiters of that direction, who then poll
 * again. An armed callback holds a reference to the buffer's file, so
 * closing every fd meanwhile is safe.
 *
 * DMA_BUF_IOCTL_EXPORT_SYNC_FILE snapshots the fences a reader or a writer
 * would wait for into one sync_file. DMA_BUF_IOCTL_IMPORT_SYNC_FILE adds a
 * sync_file's fences to the buffer as a read or a write access, so that
 * implicitly synchronised users wait for explicitly tracked work.
 */

/* The armed fence signalled, or there was none to arm: wake and disarm. */
static void dma_buf_poll_fire(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct dma_buf_poll_cb_t *pcb = container_of(cb, struct dma_buf_poll_cb_t, cb);
	struct dma_buf *dmabuf = container_of(pcb->poll, struct dma_buf, poll);
	__poll_t events;

	scoped_guard(spinlock_irqsave, &pcb->poll->lock) {
		events = pcb->active;
		pcb->active = 0;
		wake_up_locked_poll(pcb->poll, events);
	}
	dma_fence_put(fence);
	/* drops the reference taken when arming; may be the last one */
	fput(dmabuf->file);
}

/*
 * Whether @event is ready: true if no fence of @usage is pending. If one
 * is, arm @pcb on it, unless it is armed already; either way a wake-up
 * will come when it signals.
 */
static bool dma_buf_poll_check(struct dma_buf *dmabuf,
			       struct dma_buf_poll_cb_t *pcb, __poll_t event,
			       enum dma_resv_usage usage)
{
	struct dma_resv_iter cursor;
	struct dma_fence *fence;
	bool armed_by_other;

	dma_resv_assert_held(dmabuf->resv);

	spin_lock_irq(&dmabuf->poll.lock);
	armed_by_other = pcb->active;
	if (!armed_by_other)
		pcb->active = event;
	spin_unlock_irq(&dmabuf->poll.lock);
	if (armed_by_other)
		return false;

	get_file(dmabuf->file);
	dma_resv_for_each_fence(&cursor, dmabuf->resv, usage, fence) {
		dma_fence_get(fence);
		if (!dma_fence_add_callback(fence, &pcb->cb, dma_buf_poll_fire))
			return false;
		/* already signalled: look at the next one */
		dma_fence_put(fence);
	}

	dma_buf_poll_fire(NULL, &pcb->cb);
	return true;
}

/**
 * dma_buf_poll - poll() and epoll on a dma-buf fd
 * @file: the buffer's file.
 * @wait: the poll table.
 *
 * Return: EPOLLIN and/or EPOLLOUT for the requested directions that are
 * ready.
 *
 * Context: Process context. Takes the RCU read lock; when a fence is
 * pending, also the reservation lock and the poll wait queue's lock.
 */
__poll_t dma_buf_poll(struct file *file, poll_table *wait)
{
	struct dma_buf *dmabuf = file->private_data;
	__poll_t asked, ready = 0;

	poll_wait(file, &dmabuf->poll, wait);

	asked = poll_requested_events(wait) & (EPOLLIN | EPOLLOUT);
	if (!asked)
		return 0;

	/*
	 * Nothing pending for the widest direction asked: answer without the
	 * lock, a file reference or a wake-up. A fence added meanwhile is one
	 * added after this poll; one that signals meanwhile is seen below.
	 */
	if (dma_buf_resv_never_fenced(dmabuf->resv) ||
	    dma_resv_test_signaled(dmabuf->resv,
				   dma_resv_usage_rw(!!(asked & EPOLLOUT))))
		return asked;

	dma_resv_lock(dmabuf->resv, NULL);
	/* writing must wait for every access, reading for writers only */
	if ((asked & EPOLLOUT) &&
	    dma_buf_poll_check(dmabuf, &dmabuf->cb_out, EPOLLOUT,
			       dma_resv_usage_rw(true)))
		ready |= EPOLLOUT;
	if ((asked & EPOLLIN) &&
	    dma_buf_poll_check(dmabuf, &dmabuf->cb_in, EPOLLIN,
			       dma_resv_usage_rw(false)))
		ready |= EPOLLIN;
	dma_resv_unlock(dmabuf->resv);

	return ready;
}

#if IS_ENABLED(CONFIG_SYNC_FILE)
/* The usage a sync_file ioctl's flags stand for, or -EINVAL. */
static int dma_buf_sync_file_writes(u32 flags)
{
	if (!flags || (flags & ~DMA_BUF_SYNC_RW))
		return -EINVAL;
	return !!(flags & DMA_BUF_SYNC_WRITE);
}

/* One sync_file for what a reader (or a writer) would wait for now. */
static struct sync_file *dma_buf_snapshot_fences(struct dma_buf *dmabuf,
						 bool writes)
{
	enum dma_resv_usage usage = dma_resv_usage_rw(writes);
	struct sync_file *sync_file;
	struct dma_fence *fence;
	int ret;

	ret = dma_resv_get_singleton(dmabuf->resv, usage, &fence);
	if (ret)
		return ERR_PTR(ret);

	/* nothing pending: an already signalled fence stands in */
	fence = fence ?: dma_fence_get_stub();
	sync_file = sync_file_create(fence);
	dma_fence_put(fence);
	return sync_file ?: ERR_PTR(-ENOMEM);
}

/**
 * dma_buf_ioctl_export_sync_file - DMA_BUF_IOCTL_EXPORT_SYNC_FILE
 * @dmabuf: the buffer.
 * @uarg: the user's &struct dma_buf_export_sync_file.
 *
 * The fd is written back only on success; on failure no fd is left.
 *
 * Return: 0, -EFAULT, -EINVAL for bad flags, -ENOMEM, or -EMFILE.
 *
 * Context: Process context. Takes the reservation lock.
 */
long dma_buf_ioctl_export_sync_file(struct dma_buf *dmabuf, void __user *uarg)
{
	struct dma_buf_export_sync_file arg;
	struct sync_file *sync_file;
	int writes, fd;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;

	writes = dma_buf_sync_file_writes(arg.flags);
	if (writes < 0)
		return writes;
	trace_dma_buf_export_sync_file(dmabuf, arg.flags);

	sync_file = dma_buf_snapshot_fences(dmabuf, writes);
	if (IS_ERR(sync_file))
		return PTR_ERR(sync_file);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		fput(sync_file->file);
		return fd;
	}

	arg.fd = fd;
	if (copy_to_user(uarg, &arg, sizeof(arg))) {
		put_unused_fd(fd);
		fput(sync_file->file);
		return -EFAULT;
	}

	fd_install(fd, sync_file->file);
	return 0;
}

/* Add every fence inside @fence, or none if there is no room for all. */
static int dma_buf_add_fences(struct dma_resv *resv, struct dma_fence *fence,
			      enum dma_resv_usage usage)
{
	struct dma_fence_unwrap iter;
	unsigned int count = 0;
	struct dma_fence *f;
	int ret;

	dma_fence_unwrap_for_each(f, &iter, fence)
		count++;
	/* an empty container: nothing to wait for, and no slot to reserve */
	if (!count)
		return 0;

	guard(dma_buf_resv)(resv);
	ret = dma_resv_reserve_fences(resv, count);
	if (ret)
		return ret;

	dma_fence_unwrap_for_each(f, &iter, fence)
		dma_resv_add_fence(resv, f, usage);
	return 0;
}

/**
 * dma_buf_ioctl_import_sync_file - DMA_BUF_IOCTL_IMPORT_SYNC_FILE
 * @dmabuf: the buffer.
 * @uarg: the user's &struct dma_buf_import_sync_file.
 *
 * Fences inside containers are added one by one. Room for all of them is
 * reserved first, so a failure adds none. A container with no fence inside
 * adds nothing and succeeds.
 *
 * Return: 0, -EFAULT, -EINVAL for bad flags or an fd that is not a
 * sync_file, or -ENOMEM.
 *
 * Context: Process context. Takes the reservation lock.
 */
long dma_buf_ioctl_import_sync_file(struct dma_buf *dmabuf, void __user *uarg)
{
	struct dma_buf_import_sync_file arg;
	struct dma_fence *fence;
	int writes, ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;

	writes = dma_buf_sync_file_writes(arg.flags);
	if (writes < 0)
		return writes;
	trace_dma_buf_import_sync_file(dmabuf, arg.flags);

	fence = sync_file_get_fence(arg.fd);
	if (!fence)
		return -EINVAL;

	ret = dma_buf_add_fences(dmabuf->resv, fence, writes ?
				 DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	dma_fence_put(fence);
	return ret;
}
#endif
