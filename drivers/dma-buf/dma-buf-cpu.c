// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU access to a buffer: the begin/end bracket and its ioctl, mmap from
 * userspace and for importers, and kernel mappings.
 */

#include <linux/dma-resv.h>
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>
#include <trace/events/dma_buf.h>
#include <uapi/linux/dma-buf.h>

#include "dma-buf-internal.h"

/**
 * DOC: CPU access
 *
 * Devices and CPU may not see the same contents of a buffer at the same
 * time: caches need flushing, and devices may still be working on it.
 * Kernel code brackets CPU access with dma_buf_begin_cpu_access() and
 * dma_buf_end_cpu_access(); userspace that mmap()ed the fd does the same
 * with DMA_BUF_IOCTL_SYNC and the START and END flags.
 *
 * Begin first lets the exporter prepare the buffer, then waits,
 * interruptibly, for the device work that conflicts with the access: a CPU
 * read waits for pending device writes, a CPU write waits for every
 * pending device access. The exporter goes first because preparing may
 * itself be device work: an exporter that keeps the buffer where the CPU
 * cannot reach it moves it in its hook and returns with the copy still
 * running behind a kernel fence, which the wait then covers. End lets the
 * exporter make the CPU's writes visible to devices.
 *
 * Kernel mappings of the whole buffer come from dma_buf_vmap(). They are
 * counted: nested calls share the mapping the first one made, and the
 * last dma_buf_vunmap() removes it.
 */

static int dma_buf_wait_for_cpu(struct dma_buf *dmabuf,
				enum dma_data_direction dir)
{
	/* a CPU write is a device read: it conflicts with every access */
	bool cpu_writes = dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL;
	long ret;

	if (dma_buf_resv_never_fenced(dmabuf->resv))
		return 0;
	ret = dma_resv_wait_timeout(dmabuf->resv, dma_resv_usage_rw(cpu_writes),
				    true, MAX_SCHEDULE_TIMEOUT);
	return ret < 0 ? ret : 0;
}

static __always_inline int dma_buf_begin_cpu(struct dma_buf *dmabuf,
					     enum dma_data_direction direction)
{
	int (*prepare)(struct dma_buf *dmabuf, enum dma_data_direction dir);
	int ret;

	prepare = dmabuf->ops->begin_cpu_access;
	ret = prepare ? prepare(dmabuf, direction) : 0;
	return ret ?: dma_buf_wait_for_cpu(dmabuf, direction);
}

static __always_inline int dma_buf_end_cpu(struct dma_buf *dmabuf,
					   enum dma_data_direction direction)
{
	if (!dmabuf->ops->end_cpu_access)
		return 0;
	return dmabuf->ops->end_cpu_access(dmabuf, direction);
}

/*
 * With the events on, begin and end run from these copies, so that the
 * common paths hold no call to the tracepoint and keep their tail calls.
 */
static noinline int dma_buf_begin_cpu_traced(struct dma_buf *dmabuf,
					     enum dma_data_direction direction)
{
	trace_dma_buf_begin_cpu_access(dmabuf, direction);
	return dma_buf_begin_cpu(dmabuf, direction);
}

static noinline int dma_buf_end_cpu_traced(struct dma_buf *dmabuf,
					   enum dma_data_direction direction)
{
	trace_dma_buf_end_cpu_access(dmabuf, direction);
	return dma_buf_end_cpu(dmabuf, direction);
}

/**
 * dma_buf_begin_cpu_access - prepare a buffer for access by the CPU
 * @dmabuf: the buffer.
 * @direction: DMA_FROM_DEVICE for a CPU read, DMA_TO_DEVICE for a CPU
 *	write, DMA_BIDIRECTIONAL for both.
 *
 * Calls the exporter's begin_cpu_access callback, if any, then waits for
 * the conflicting fences, including any the callback added (see DOC: CPU
 * access for why in this order). An exporter error skips the wait.
 *
 * Return: 0, the exporter's error unchanged, or the error of an
 * interrupted wait (-ERESTARTSYS).
 *
 * Context: Process context. The reservation lock must not be held.
 */
int dma_buf_begin_cpu_access(struct dma_buf *dmabuf,
			     enum dma_data_direction direction)
{
	if (dma_buf_misuse(!dmabuf))
		return -EINVAL;
	/* the wait below takes the lock; the exporter's hook may take it too */
	might_lock(&dmabuf->resv->lock.base);

	if (trace_dma_buf_begin_cpu_access_enabled())
		return dma_buf_begin_cpu_traced(dmabuf, direction);
	return dma_buf_begin_cpu(dmabuf, direction);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_begin_cpu_access, DMA_BUF);

/**
 * dma_buf_end_cpu_access - hand a buffer back to the devices
 * @dmabuf: the buffer.
 * @direction: the direction given to dma_buf_begin_cpu_access().
 *
 * Return: 0 or the exporter's error.
 *
 * Context: Process context. The reservation lock must not be held.
 */
int dma_buf_end_cpu_access(struct dma_buf *dmabuf,
			   enum dma_data_direction direction)
{
	if (dma_buf_misuse(!dmabuf))
		return -EINVAL;

	might_lock(&dmabuf->resv->lock.base);

	if (trace_dma_buf_end_cpu_access_enabled())
		return dma_buf_end_cpu_traced(dmabuf, direction);
	return dma_buf_end_cpu(dmabuf, direction);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_end_cpu_access, DMA_BUF);

/**
 * dma_buf_ioctl_sync - DMA_BUF_IOCTL_SYNC
 * @dmabuf: the buffer.
 * @uarg: the user's &struct dma_buf_sync.
 *
 * Return: 0, -EFAULT, -EINVAL for unknown flags or no access flag, or the
 * error of the begin/end call (-EINTR and -EAGAIN included, so that
 * userspace restarts).
 *
 * Context: Process context.
 */
long dma_buf_ioctl_sync(struct dma_buf *dmabuf, void __user *uarg)
{
	/* the CPU's access, seen from the device */
	static const enum dma_data_direction dir_of[] = {
		[DMA_BUF_SYNC_READ] = DMA_FROM_DEVICE,
		[DMA_BUF_SYNC_WRITE] = DMA_TO_DEVICE,
		[DMA_BUF_SYNC_RW] = DMA_BIDIRECTIONAL,
	};
	struct dma_buf_sync __user *usync = uarg;
	unsigned int access;
	u64 flags;

	/* the structure is its flags: one user access instead of a copy */
	if (get_user(flags, &usync->flags))
		return -EFAULT;

	access = flags & DMA_BUF_SYNC_RW;
	if (!access || (flags & ~(u64)DMA_BUF_SYNC_VALID_FLAGS_MASK))
		return -EINVAL;

	return flags & DMA_BUF_SYNC_END ?
	       dma_buf_end_cpu_access(dmabuf, dir_of[access]) :
	       dma_buf_begin_cpu_access(dmabuf, dir_of[access]);
}

/* Whether @pages pages from @pgoff on lie within the buffer. */
static int dma_buf_mmap_range_ok(struct dma_buf *dmabuf, unsigned long pgoff,
				 unsigned long pages)
{
	unsigned long end;

	if (check_add_overflow(pgoff, pages, &end))
		return -EOVERFLOW;
	if (end > dmabuf->size >> PAGE_SHIFT)
		return -EINVAL;
	return 0;
}

/**
 * dma_buf_mmap_file - mmap() of a dma-buf fd
 * @dmabuf: the buffer.
 * @vma: the new mapping; vm_pgoff is the offset into the buffer.
 *
 * Return: 0 or -EINVAL when the exporter has no mmap or the range does not
 * lie within the buffer, or the exporter's error.
 *
 * Context: Process context, mmap_lock held for writing.
 */
int dma_buf_mmap_file(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	trace_dma_buf_mmap_internal(dmabuf, vma->vm_pgoff, vma_pages(vma));
	if (!dmabuf->ops->mmap)
		return -EINVAL;

	/* userspace gets -EINVAL for an out-of-range offset of any kind */
	if (dma_buf_mmap_range_ok(dmabuf, vma->vm_pgoff, vma_pages(vma)))
		return -EINVAL;

	return dmabuf->ops->mmap(dmabuf, vma);
}

/**
 * dma_buf_mmap - let an importer's mmap map the buffer instead
 * @dmabuf: the buffer.
 * @vma: the mapping being set up on the importer's file.
 * @pgoff: offset into the buffer, in pages.
 *
 * For importers that expose imported buffers through their own mmap: the
 * vma is moved to the buffer's file (the importer's file reference is
 * dropped, one to the buffer's file taken) and handed to the exporter.
 * The references stay balanced whether or not the exporter succeeds.
 *
 * Return: 0, -EINVAL when the exporter has no mmap or the range passes the
 * end of the buffer, -EOVERFLOW when @pgoff plus the length overflows, or
 * the exporter's error.
 *
 * Context: Process context, mmap_lock held for writing. The reservation
 * lock must not be held.
 */
int dma_buf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma,
		 unsigned long pgoff)
{
	int ret;

	if (dma_buf_misuse(!dmabuf || !vma))
		return -EINVAL;
	/* exporters may take it in their mmap */
	might_lock(&dmabuf->resv->lock.base);
	trace_dma_buf_mmap(dmabuf, pgoff, vma_pages(vma));

	if (!dmabuf->ops->mmap)
		return -EINVAL;

	ret = dma_buf_mmap_range_ok(dmabuf, pgoff, vma_pages(vma));
	if (ret)
		return ret;

	vma_set_file(vma, dmabuf->file);
	vma->vm_pgoff = pgoff;

	return dmabuf->ops->mmap(dmabuf, vma);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_mmap, DMA_BUF);

/*
 * The exporter's vmap, for the first of nested dma_buf_vmap() calls: the
 * mapping it makes becomes the buffer's, counted once.
 */
static int dma_buf_vmap_first(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct iosys_map made = IOSYS_MAP_INIT_VADDR(NULL);
	int ret = -EINVAL;

	if (dmabuf->ops->vmap)
		ret = dmabuf->ops->vmap(dmabuf, &made);
	/* an exporter bug: success without a mapping */
	if (!ret && dma_buf_misuse(iosys_map_is_null(&made)))
		ret = -EINVAL;
	if (ret)
		return ret;

	dmabuf->vmap_ptr = made;
	dmabuf->vmapping_counter = 1;
	*map = made;
	return 0;
}

/*
 * The exporter's vunmap, for the last of nested dma_buf_vunmap() calls;
 * @map is the caller's copy, checked equal to the buffer's.
 */
static void dma_buf_vunmap_last(struct dma_buf *dmabuf, struct iosys_map *map)
{
	if (dmabuf->ops->vunmap)
		dmabuf->ops->vunmap(dmabuf, map);
	iosys_map_clear(&dmabuf->vmap_ptr);
}

/**
 * dma_buf_vmap - map a whole buffer into kernel address space
 * @dmabuf: the buffer.
 * @map: filled in with the mapping, system or I/O memory; cleared on
 *	failure.
 *
 * Only the first of nested calls reaches the exporter; the others get the
 * same mapping. Undo each call with dma_buf_vunmap().
 *
 * Return: 0, -EINVAL when the exporter cannot vmap, or its error.
 *
 * Context: Process context. The reservation lock must be held.
 */
int dma_buf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	iosys_map_clear(map);
	if (dma_buf_misuse(!dmabuf))
		return -EINVAL;
	dma_resv_assert_held(dmabuf->resv);
	trace_dma_buf_vmap(dmabuf);

	if (!dmabuf->vmapping_counter)
		return dma_buf_vmap_first(dmabuf, map);

	/* nested: the mapping is there already */
	dmabuf->vmapping_counter++;
	*map = dmabuf->vmap_ptr;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_vmap, DMA_BUF);

/**
 * dma_buf_vmap_unlocked - dma_buf_vmap() for callers not holding the
 *	reservation lock
 * @dmabuf: the buffer.
 * @map: filled in with the mapping; cleared on failure.
 *
 * Return: as dma_buf_vmap().
 *
 * Context: Process context. Takes the reservation lock, which must not be
 * held.
 */
int dma_buf_vmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map)
{
	iosys_map_clear(map);
	if (dma_buf_misuse(!dmabuf))
		return -EINVAL;

	guard(dma_buf_locked)(dmabuf);
	return dma_buf_vmap(dmabuf, map);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_vmap_unlocked, DMA_BUF);

/**
 * dma_buf_vunmap - undo one dma_buf_vmap()
 * @dmabuf: the buffer.
 * @map: the mapping dma_buf_vmap() returned.
 *
 * A call with nothing mapped, or with an address dma_buf_vmap() did not
 * return, warns once and is ignored: the count of the real mapping stays.
 *
 * Context: Process context. The reservation lock must be held.
 */
void dma_buf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	if (dma_buf_misuse(!dmabuf))
		return;

	dma_resv_assert_held(dmabuf->resv);
	trace_dma_buf_vunmap(dmabuf);

	if (dma_buf_misuse(!dmabuf->vmapping_counter ||
			   !iosys_map_is_equal(&dmabuf->vmap_ptr, map)))
		return;

	if (!--dmabuf->vmapping_counter)
		dma_buf_vunmap_last(dmabuf, map);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_vunmap, DMA_BUF);

/**
 * dma_buf_vunmap_unlocked - dma_buf_vunmap() for callers not holding the
 *	reservation lock
 * @dmabuf: the buffer.
 * @map: the mapping dma_buf_vmap_unlocked() returned.
 *
 * Context: Process context. Takes the reservation lock, which must not be
 * held.
 */
void dma_buf_vunmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map)
{
	if (dma_buf_misuse(!dmabuf))
		return;

	guard(dma_buf_locked)(dmabuf);
	dma_buf_vunmap(dmabuf, map);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_vunmap_unlocked, DMA_BUF);
