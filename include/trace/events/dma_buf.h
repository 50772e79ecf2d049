/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Events of the dma-buf core, one per operation on a buffer, so that a
 * buffer can be followed from export to release across drivers and
 * processes. Every event names the exporter and gives the size and the
 * inode number, which fdinfo and bufinfo show too; the others add what
 * the operation was given (device, attachment, fd, direction, ...).
 *
 * Lifetime: an event reads the buffer, so it is emitted while the caller
 * still holds a reference, never after handing it over or dropping it:
 * dma_buf_put before the reference goes, dma_buf_fd before the fd is
 * installed (from then on another thread may close it). dma_buf_release
 * runs when the file is gone and is given the inode number.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dma_buf

#if !defined(_TRACE_DMA_BUF_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DMA_BUF_H

#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-direction.h>
#include <linux/fs.h>
#include <linux/tracepoint.h>

TRACE_DEFINE_ENUM(DMA_BIDIRECTIONAL);
TRACE_DEFINE_ENUM(DMA_TO_DEVICE);
TRACE_DEFINE_ENUM(DMA_FROM_DEVICE);
TRACE_DEFINE_ENUM(DMA_NONE);

#define show_dma_buf_dir(dir)					\
	__print_symbolic(dir,					\
			 { DMA_BIDIRECTIONAL, "bidirectional" },	\
			 { DMA_TO_DEVICE, "to_device" },		\
			 { DMA_FROM_DEVICE, "from_device" },		\
			 { DMA_NONE, "none" })

DECLARE_EVENT_CLASS(dma_buf,
		    TP_PROTO(struct dma_buf *dmabuf),
		    TP_ARGS(dmabuf),
		    TP_STRUCT__entry(__string(exp_name, dmabuf->exp_name)
				     __field(size_t, size)
				     __field(unsigned long, ino)),
		    TP_fast_assign(__assign_str(exp_name);
				   __entry->size = dmabuf->size;
				   __entry->ino = file_inode(dmabuf->file)->i_ino;),
		    TP_printk("exp_name=%s size=%zu ino=%lu",
			      __get_str(exp_name), __entry->size, __entry->ino));

DEFINE_EVENT(dma_buf, dma_buf_export,
	     TP_PROTO(struct dma_buf *dmabuf),
	     TP_ARGS(dmabuf));

DEFINE_EVENT(dma_buf, dma_buf_put,
	     TP_PROTO(struct dma_buf *dmabuf),
	     TP_ARGS(dmabuf));

DEFINE_EVENT(dma_buf, dma_buf_move_notify,
	     TP_PROTO(struct dma_buf *dmabuf),
	     TP_ARGS(dmabuf));

DEFINE_EVENT(dma_buf, dma_buf_vmap,
	     TP_PROTO(struct dma_buf *dmabuf),
	     TP_ARGS(dmabuf));

DEFINE_EVENT(dma_buf, dma_buf_vunmap,
	     TP_PROTO(struct dma_buf *dmabuf),
	     TP_ARGS(dmabuf));

/* the file is gone by then: the caller passes the inode number */
TRACE_EVENT(dma_buf_release,
	    TP_PROTO(struct dma_buf *dmabuf, unsigned long ino),
	    TP_ARGS(dmabuf, ino),
	    TP_STRUCT__entry(__string(exp_name, dmabuf->exp_name)
			     __field(size_t, size)
			     __field(unsigned long, ino)),
	    TP_fast_assign(__assign_str(exp_name);
			   __entry->size = dmabuf->size;
			   __entry->ino = ino;),
	    TP_printk("exp_name=%s size=%zu ino=%lu",
		      __get_str(exp_name), __entry->size, __entry->ino));

DECLARE_EVENT_CLASS(dma_buf_fd,
		    TP_PROTO(struct dma_buf *dmabuf, int fd),
		    TP_ARGS(dmabuf, fd),
		    TP_STRUCT__entry(__string(exp_name, dmabuf->exp_name)
				     __field(size_t, size)
				     __field(unsigned long, ino)
				     __field(int, fd)),
		    TP_fast_assign(__assign_str(exp_name);
				   __entry->size = dmabuf->size;
				   __entry->ino = file_inode(dmabuf->file)->i_ino;
				   __entry->fd = fd;),
		    TP_printk("exp_name=%s size=%zu ino=%lu fd=%d",
			      __get_str(exp_name), __entry->size, __entry->ino,
			      __entry->fd));

DEFINE_EVENT(dma_buf_fd, dma_buf_fd,
	     TP_PROTO(struct dma_buf *dmabuf, int fd),
	     TP_ARGS(dmabuf, fd));

DEFINE_EVENT(dma_buf_fd, dma_buf_get,
	     TP_PROTO(struct dma_buf *dmabuf, int fd),
	     TP_ARGS(dmabuf, fd));

DECLARE_EVENT_CLASS(dma_buf_attachment,
		    TP_PROTO(struct dma_buf_attachment *attach),
		    TP_ARGS(attach),
		    TP_STRUCT__entry(__string(exp_name, attach->dmabuf->exp_name)
				     __field(size_t, size)
				     __field(unsigned long, ino)
				     __string(dev_name, dev_name(attach->dev))
				     __field(const void *, attach)
				     __field(bool, dynamic)),
		    TP_fast_assign(__assign_str(exp_name);
				   __entry->size = attach->dmabuf->size;
				   __entry->ino = file_inode(attach->dmabuf->file)->i_ino;
				   __assign_str(dev_name);
				   __entry->attach = attach;
				   __entry->dynamic = dma_buf_attachment_is_dynamic(attach);),
		    TP_printk("exp_name=%s size=%zu ino=%lu dev_name=%s attach=%p dynamic=%d",
			      __get_str(exp_name), __entry->size, __entry->ino,
			      __get_str(dev_name), __entry->attach, __entry->dynamic));

DEFINE_EVENT(dma_buf_attachment, dma_buf_attach,
	     TP_PROTO(struct dma_buf_attachment *attach),
	     TP_ARGS(attach));

DEFINE_EVENT(dma_buf_attachment, dma_buf_dynamic_attach,
	     TP_PROTO(struct dma_buf_attachment *attach),
	     TP_ARGS(attach));

DEFINE_EVENT(dma_buf_attachment, dma_buf_detach,
	     TP_PROTO(struct dma_buf_attachment *attach),
	     TP_ARGS(attach));

DEFINE_EVENT(dma_buf_attachment, dma_buf_pin,
	     TP_PROTO(struct dma_buf_attachment *attach),
	     TP_ARGS(attach));

DEFINE_EVENT(dma_buf_attachment, dma_buf_unpin,
	     TP_PROTO(struct dma_buf_attachment *attach),
	     TP_ARGS(attach));

DECLARE_EVENT_CLASS(dma_buf_map,
		    TP_PROTO(struct dma_buf_attachment *attach,
			     enum dma_data_direction dir),
		    TP_ARGS(attach, dir),
		    TP_STRUCT__entry(__string(exp_name, attach->dmabuf->exp_name)
				     __field(size_t, size)
				     __field(unsigned long, ino)
				     __string(dev_name, dev_name(attach->dev))
				     __field(const void *, attach)
				     __field(bool, dynamic)
				     __field(int, dir)),
		    TP_fast_assign(__assign_str(exp_name);
				   __entry->size = attach->dmabuf->size;
				   __entry->ino = file_inode(attach->dmabuf->file)->i_ino;
				   __assign_str(dev_name);
				   __entry->attach = attach;
				   __entry->dynamic = dma_buf_attachment_is_dynamic(attach);
				   __entry->dir = dir;),
		    TP_printk("exp_name=%s size=%zu ino=%lu dev_name=%s attach=%p dynamic=%d dir=%s",
			      __get_str(exp_name), __entry->size, __entry->ino,
			      __get_str(dev_name), __entry->attach, __entry->dynamic,
			      show_dma_buf_dir(__entry->dir)));

DEFINE_EVENT(dma_buf_map, dma_buf_map_attachment,
	     TP_PROTO(struct dma_buf_attachment *attach,
		      enum dma_data_direction dir),
	     TP_ARGS(attach, dir));

DEFINE_EVENT(dma_buf_map, dma_buf_unmap_attachment,
	     TP_PROTO(struct dma_buf_attachment *attach,
		      enum dma_data_direction dir),
	     TP_ARGS(attach, dir));

DECLARE_EVENT_CLASS(dma_buf_cpu_access,
		    TP_PROTO(struct dma_buf *dmabuf,
			     enum dma_data_direction dir),
		    TP_ARGS(dmabuf, dir),
		    TP_STRUCT__entry(__string(exp_name, dmabuf->exp_name)
				     __field(size_t, size)
				     __field(unsigned long, ino)
				     __field(int, dir)),
		    TP_fast_assign(__assign_str(exp_name);
				   __entry->size = dmabuf->size;
				   __entry->ino = file_inode(dmabuf->file)->i_ino;
				   __entry->dir = dir;),
		    TP_printk("exp_name=%s size=%zu ino=%lu dir=%s",
			      __get_str(exp_name), __entry->size, __entry->ino,
			      show_dma_buf_dir(__entry->dir)));

DEFINE_EVENT(dma_buf_cpu_access, dma_buf_begin_cpu_access,
	     TP_PROTO(struct dma_buf *dmabuf, enum dma_data_direction dir),
	     TP_ARGS(dmabuf, dir));

DEFINE_EVENT(dma_buf_cpu_access, dma_buf_end_cpu_access,
	     TP_PROTO(struct dma_buf *dmabuf, enum dma_data_direction dir),
	     TP_ARGS(dmabuf, dir));

DECLARE_EVENT_CLASS(dma_buf_mmap,
		    TP_PROTO(struct dma_buf *dmabuf,
			     unsigned long pgoff,
			     unsigned long pages),
		    TP_ARGS(dmabuf, pgoff, pages),
		    TP_STRUCT__entry(__string(exp_name, dmabuf->exp_name)
				     __field(size_t, size)
				     __field(unsigned long, ino)
				     __field(unsigned long, pgoff)
				     __field(unsigned long, pages)),
		    TP_fast_assign(__assign_str(exp_name);
				   __entry->size = dmabuf->size;
				   __entry->ino = file_inode(dmabuf->file)->i_ino;
				   __entry->pgoff = pgoff;
				   __entry->pages = pages;),
		    TP_printk("exp_name=%s size=%zu ino=%lu pgoff=%lu pages=%lu",
			      __get_str(exp_name), __entry->size, __entry->ino,
			      __entry->pgoff, __entry->pages));

/* mmap() of the buffer's fd */
DEFINE_EVENT(dma_buf_mmap, dma_buf_mmap_internal,
	     TP_PROTO(struct dma_buf *dmabuf,
		      unsigned long pgoff,
		      unsigned long pages),
	     TP_ARGS(dmabuf, pgoff, pages));

/* dma_buf_mmap(): an importer's mmap handed to the exporter */
DEFINE_EVENT(dma_buf_mmap, dma_buf_mmap,
	     TP_PROTO(struct dma_buf *dmabuf,
		      unsigned long pgoff,
		      unsigned long pages),
	     TP_ARGS(dmabuf, pgoff, pages));

DECLARE_EVENT_CLASS(dma_buf_sync_file,
		    TP_PROTO(struct dma_buf *dmabuf, u32 flags),
		    TP_ARGS(dmabuf, flags),
		    TP_STRUCT__entry(__string(exp_name, dmabuf->exp_name)
				     __field(size_t, size)
				     __field(unsigned long, ino)
				     __field(u32, flags)),
		    TP_fast_assign(__assign_str(exp_name);
				   __entry->size = dmabuf->size;
				   __entry->ino = file_inode(dmabuf->file)->i_ino;
				   __entry->flags = flags;),
		    TP_printk("exp_name=%s size=%zu ino=%lu flags=%#x",
			      __get_str(exp_name), __entry->size, __entry->ino,
			      __entry->flags));

DEFINE_EVENT(dma_buf_sync_file, dma_buf_export_sync_file,
	     TP_PROTO(struct dma_buf *dmabuf, u32 flags),
	     TP_ARGS(dmabuf, flags));

DEFINE_EVENT(dma_buf_sync_file, dma_buf_import_sync_file,
	     TP_PROTO(struct dma_buf *dmabuf, u32 flags),
	     TP_ARGS(dmabuf, flags));

/* @name is the caller's copy of the new name, read without name_lock */
TRACE_EVENT(dma_buf_set_name,
	    TP_PROTO(struct dma_buf *dmabuf, const char *name),
	    TP_ARGS(dmabuf, name),
	    TP_STRUCT__entry(__string(exp_name, dmabuf->exp_name)
			     __field(size_t, size)
			     __field(unsigned long, ino)
			     __string(name, name)),
	    TP_fast_assign(__assign_str(exp_name);
			   __entry->size = dmabuf->size;
			   __entry->ino = file_inode(dmabuf->file)->i_ino;
			   __assign_str(name);),
	    TP_printk("exp_name=%s size=%zu ino=%lu name=%s",
		      __get_str(exp_name), __entry->size, __entry->ino,
		      __get_str(name)));

#endif /* _TRACE_DMA_BUF_H */

/* outside the guard: define_trace.h reads this file again */
#include <trace/define_trace.h>
