/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dma-buf: buffers shared between devices, drivers and processes.
 *
 * An exporter wraps its memory in a struct dma_buf and hands userspace a
 * file descriptor for it. Importers turn the fd back into the struct,
 * attach their device and map the buffer for DMA; the CPU reaches it
 * through begin/end_cpu_access, mmap and vmap. Access is ordered through
 * the fences in the buffer's dma_resv object.
 *
 * The locking rules for every call below are collected in the overview of
 * drivers/dma-buf/dma-buf-internal.h and in each function's Context line.
 */
#ifndef __DMA_BUF_H__
#define __DMA_BUF_H__

#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/scatterlist.h>
#include <linux/wait.h>

struct dma_buf_attachment;
struct dma_buf;
struct device;

/**
 * struct dma_buf_ops - what an exporter implements
 *
 * Only @map_dma_buf, @unmap_dma_buf and @release are required. @pin and
 * @unpin come as a pair; an exporter with them is "dynamic": it may move
 * the buffer while no importer holds it pinned, and tells dynamic
 * importers through dma_buf_move_notify().
 *
 * @release: the last reference to the buffer is gone; free the exporter's
 *	side. Called without the reservation lock.
 *
 * @attach: optional; a device is attaching. Return an error (typically
 *	-EBUSY or -EINVAL) if the exporter cannot serve that device, for
 *	example because it cannot reach the backing storage. Called without
 *	the reservation lock.
 * @detach: optional; undo @attach. Called without the reservation lock.
 *
 * @map_dma_buf: return a scatter table of the buffer mapped for
 *	@attach->dev in the given direction, or an ERR_PTR. -EINTR means
 *	"interrupted, try again". Static exporters must have the backing
 *	storage in place when this returns; dynamic ones may later move it
 *	after calling dma_buf_move_notify(). Called with the reservation
 *	lock held.
 * @unmap_dma_buf: undo @map_dma_buf for the table it returned. Called with
 *	the reservation lock held.
 * @cache_sgt_mapping: the core keeps the first mapping of each attachment
 *	and hands it out again until detach, instead of calling
 *	@map_dma_buf each time. Not allowed together with @pin.
 *
 * @pin: optional; keep the buffer where it is until @unpin, because an
 *	importer cannot follow moves. Called with the reservation lock held.
 * @unpin: optional; undo one @pin. Called with the reservation lock held.
 *
 * @begin_cpu_access: optional; the CPU is about to read and/or write the
 *	buffer (direction as seen from the device: DMA_FROM_DEVICE for a CPU
 *	read). Make device writes visible to the CPU. Called without the
 *	reservation lock, before the core waits for the conflicting fences:
 *	work the callback queues behind a fence in the reservation object,
 *	such as moving the buffer where the CPU can reach it, is waited for
 *	too.
 * @end_cpu_access: optional; the CPU is done. Make its writes visible to
 *	the devices. Called without the reservation lock.
 *
 * @mmap: optional; map the buffer into a user vma. vm_pgoff is relative to
 *	the start of the buffer and the range lies within it. Without this
 *	callback mmap() of the fd fails with -EINVAL. Called without the
 *	reservation lock.
 * @vmap: optional; map the whole buffer into kernel address space and fill
 *	in @map. Called with the reservation lock held, only for the first
 *	of nested dma_buf_vmap() calls.
 * @vunmap: optional; undo @vmap. Called with the reservation lock held.
 */
struct dma_buf_ops {
	void (*release)(struct dma_buf *dmabuf);

	int (*attach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	void (*detach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);

	struct sg_table *(*map_dma_buf)(struct dma_buf_attachment *attach,
					enum dma_data_direction dir);
	void (*unmap_dma_buf)(struct dma_buf_attachment *attach,
			      struct sg_table *sgt, enum dma_data_direction dir);
	bool cache_sgt_mapping;

	int (*pin)(struct dma_buf_attachment *attach);
	void (*unpin)(struct dma_buf_attachment *attach);

	int (*mmap)(struct dma_buf *dmabuf, struct vm_area_struct *vma);
	int (*vmap)(struct dma_buf *dmabuf, struct iosys_map *map);
	void (*vunmap)(struct dma_buf *dmabuf, struct iosys_map *map);

	int (*begin_cpu_access)(struct dma_buf *dmabuf, enum dma_data_direction dir);
	int (*end_cpu_access)(struct dma_buf *dmabuf, enum dma_data_direction dir);
};

/**
 * struct dma_buf - a shared buffer
 *
 * Created by dma_buf_export(), kept alive by references to @file, freed
 * after the last one is dropped.
 *
 * @priv: the exporter's data, from &dma_buf_export_info.priv.
 * @ops: the exporter's callbacks. Exporters may compare and replace the
 *	pointer after export, but never while importers use the buffer.
 * @size: size in bytes, fixed for the buffer's life.
 * @file: the file behind every fd of the buffer; its reference count is
 *	the buffer's.
 * @resv: reservation object holding the buffer's fences; either the
 *	exporter's (&dma_buf_export_info.resv) or one owned by the buffer.
 *	Its lock also protects @attachments and the vmap state.
 * @exp_name: name of the exporter, for debugging output.
 * @owner: module of the exporter, held as long as the buffer lives.
 * @attachments: the &dma_buf_attachment.node of every attached device.
 *	Protected by @resv.
 * @vmap_ptr: the kernel mapping while @vmapping_counter is non-zero.
 *	Protected by @resv.
 * @vmapping_counter: number of dma_buf_vmap() calls not yet undone.
 *	Protected by @resv.
 * @name: label set from userspace with DMA_BUF_SET_NAME, or NULL.
 *	Protected by @name_lock: it is read from atomic context when the
 *	kernel builds /proc paths of the fd.
 * @name_lock: protects @name.
 * @list_node: entry in the core's list of live buffers (debugfs, and the
 *	dma_buf_iter_begin() walk). Protected by the core's list lock.
 * @poll: wait queue of poll() and epoll on the fd.
 * @cb_in: fence callback that wakes @poll for EPOLLIN.
 * @cb_out: fence callback that wakes @poll for EPOLLOUT.
 * @sysfs_entry: NULL: the core keeps the buffer's sysfs directory (a
 *	kernfs node, see dma-buf-sysfs-stats.c) privately; kept for code
 *	that names the member.
 */
struct dma_buf {
	void *priv;
	const struct dma_buf_ops *ops;
	size_t size;
	struct file *file;
	struct dma_resv *resv;
	const char *exp_name;
	struct module *owner;

	struct list_head attachments;
	struct iosys_map vmap_ptr;
	unsigned int vmapping_counter;

	spinlock_t name_lock;	/* protects @name, see above */
	const char *name;

	struct list_head list_node;

	/*
	 * One pending poll wake-up: @cb sits on the fence being waited for,
	 * @poll is the queue to wake, @active the events still to report
	 * (non-zero while @cb is armed, protected by the queue's lock).
	 */
	struct dma_buf_poll_cb_t {
		struct dma_fence_cb cb;
		wait_queue_head_t *poll;
		__poll_t active;
	} cb_in, cb_out;
	wait_queue_head_t poll;

#ifdef CONFIG_DMABUF_SYSFS_STATS
	/* unused, see above */
	struct dma_buf_sysfs_entry {
		struct dma_buf *dmabuf;
		struct kobject kobj;
	} *sysfs_entry;
#endif
};

/**
 * struct dma_buf_attach_ops - what a dynamic importer implements
 * @move_notify: the exporter is about to move the buffer; mappings of this
 *	attachment become invalid once the fences now in the buffer's
 *	reservation object signal. Remap before the next use. Called with the
 *	reservation lock held. Required.
 * @allow_peer2peer: the importer can reach the buffer with peer-to-peer
 *	DMA, so the exporter may leave it in device memory; the importer then
 *	uses only the DMA addresses of the tables it gets, never their pages.
 */
struct dma_buf_attach_ops {
	void (*move_notify)(struct dma_buf_attachment *attach);
	bool allow_peer2peer;
};

/**
 * struct dma_buf_attachment - one device's use of a buffer
 *
 * Created by dma_buf_attach() or dma_buf_dynamic_attach(), freed by
 * dma_buf_detach().
 *
 * @dmabuf: the buffer.
 * @dev: the importing device.
 * @node: entry in &dma_buf.attachments, protected by the reservation lock.
 * @importer_ops: the dynamic importer's callbacks, NULL for a static one.
 * @importer_priv: the importer's data for @importer_ops.
 * @priv: the exporter's data, set in &dma_buf_ops.attach.
 * @peer2peer: true if the exporter may hand this attachment peer-to-peer
 *	addresses; starts as &dma_buf_attach_ops.allow_peer2peer and may be
 *	cleared by the exporter's attach callback.
 * @sgt: the kept mapping with &dma_buf_ops.cache_sgt_mapping, else NULL.
 * @dir: direction of @sgt.
 */
struct dma_buf_attachment {
	struct dma_buf *dmabuf;
	struct device *dev;
	struct list_head node;
	const struct dma_buf_attach_ops *importer_ops;
	void *importer_priv;
	void *priv;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	bool peer2peer;
};

/**
 * struct dma_buf_export_info - what dma_buf_export() needs
 * @exp_name: the exporter's name, shown in fdinfo and debugfs.
 * @owner: the exporter's module, pinned while the buffer lives.
 * @ops: the exporter's callbacks.
 * @size: size of the buffer in bytes.
 * @flags: file flags: the access mode and O_NONBLOCK are kept in the
 *	buffer's file; O_CLOEXEC is accepted and ignored (it belongs to the fd
 *	made by dma_buf_fd()).
 * @resv: reservation object to share with the buffer, or NULL to let the
 *	buffer own one.
 * @priv: the exporter's data, stored in &dma_buf.priv; required.
 *
 * Declare it with DEFINE_DMA_BUF_EXPORT_INFO() so that @exp_name and @owner
 * are filled in.
 */
struct dma_buf_export_info {
	const struct dma_buf_ops *ops;
	void *priv;
	size_t size;
	int flags;
	struct dma_resv *resv;
	const char *exp_name;
	struct module *owner;
};

/**
 * DEFINE_DMA_BUF_EXPORT_INFO - declare a &struct dma_buf_export_info
 * @name: name of the variable.
 *
 * Zeroes the structure and fills in the calling module's name and owner.
 */
#define DEFINE_DMA_BUF_EXPORT_INFO(name)			\
	struct dma_buf_export_info name = {			\
		.owner = THIS_MODULE,				\
		.exp_name = KBUILD_MODNAME,			\
	}

/**
 * dma_buf_is_dynamic - whether the exporter can move the buffer
 * @dmabuf: the buffer.
 *
 * Return: true if the exporter implements &dma_buf_ops.pin.
 */
static inline bool dma_buf_is_dynamic(struct dma_buf *dmabuf)
{
	return !!dmabuf->ops->pin;
}

/**
 * dma_buf_attachment_is_dynamic - whether the importer follows moves
 * @attach: the attachment.
 *
 * Return: true if the importer attached with &dma_buf_attach_ops.
 */
static inline bool
dma_buf_attachment_is_dynamic(struct dma_buf_attachment *attach)
{
	return !!attach->importer_ops;
}

/**
 * get_dma_buf - take another reference to a buffer
 * @dmabuf: a buffer the caller already holds a reference to.
 *
 * Drop it with dma_buf_put().
 *
 * Context: Any context.
 */
static inline void get_dma_buf(struct dma_buf *dmabuf)
{
	get_file(dmabuf->file);
}

struct dma_buf *dma_buf_export(const struct dma_buf_export_info *exp_info);
int dma_buf_fd(struct dma_buf *dmabuf, int flags);
struct dma_buf *dma_buf_get(int fd);
void dma_buf_put(struct dma_buf *dmabuf);

/* for built-in debugging interfaces; not exported to modules */
struct dma_buf *dma_buf_iter_begin(void);
struct dma_buf *dma_buf_iter_next(struct dma_buf *dmabuf);

struct dma_buf_attachment *
dma_buf_dynamic_attach(struct dma_buf *dmabuf, struct device *dev,
		       const struct dma_buf_attach_ops *importer_ops,
		       void *importer_priv);
struct dma_buf_attachment *dma_buf_attach(struct dma_buf *dmabuf, struct device *dev);
int dma_buf_pin(struct dma_buf_attachment *attach);
void dma_buf_unpin(struct dma_buf_attachment *attach);
void dma_buf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);

struct sg_table *dma_buf_map_attachment(struct dma_buf_attachment *attach,
					enum dma_data_direction direction);
void dma_buf_unmap_attachment(struct dma_buf_attachment *attach,
			      struct sg_table *sg_table,
			      enum dma_data_direction direction);
struct sg_table *
dma_buf_map_attachment_unlocked(struct dma_buf_attachment *attach,
				enum dma_data_direction direction);
void dma_buf_unmap_attachment_unlocked(struct dma_buf_attachment *attach,
				       struct sg_table *sg_table,
				       enum dma_data_direction direction);
void dma_buf_move_notify(struct dma_buf *dmabuf);

int dma_buf_begin_cpu_access(struct dma_buf *dmabuf,
			     enum dma_data_direction direction);
int dma_buf_end_cpu_access(struct dma_buf *dmabuf,
			   enum dma_data_direction direction);
int dma_buf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma,
		 unsigned long pgoff);
int dma_buf_vmap(struct dma_buf *dmabuf, struct iosys_map *map);
void dma_buf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map);
int dma_buf_vmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map);
void dma_buf_vunmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map);

#endif /* __DMA_BUF_H__ */
