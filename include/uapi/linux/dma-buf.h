/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Userspace interface of dma-buf file descriptors.
 *
 * A dma-buf fd names a buffer that some driver exported so that other
 * devices and processes can share it. Besides mmap(), poll() and lseek(),
 * the fd accepts the ioctls below: bracket CPU access, label the buffer
 * for debugging, and move fences between the buffer's implicit
 * synchronisation state and explicit sync_file fds.
 */

#ifndef _DMA_BUF_UAPI_H_
#define _DMA_BUF_UAPI_H_

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * struct dma_buf_sync - argument of DMA_BUF_IOCTL_SYNC
 * @flags: one of DMA_BUF_SYNC_START or DMA_BUF_SYNC_END, or-ed with the
 *	   access being bracketed: DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE or
 *	   DMA_BUF_SYNC_RW.
 *
 * CPU access through an mmap() of the buffer must sit between a START and
 * an END call with the same access flags. START waits for the devices
 * whose work conflicts with the access and makes device writes visible to
 * the CPU; END makes CPU writes visible to the devices. Both may fail with
 * -EINTR or -EAGAIN, in which case userspace repeats the call.
 */
struct dma_buf_sync {
	__u64 flags;
};

#define DMA_BUF_SYNC_READ      (1 << 0)
#define DMA_BUF_SYNC_WRITE     (2 << 0)
#define DMA_BUF_SYNC_RW        (DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE)
#define DMA_BUF_SYNC_START     (0 << 2)
#define DMA_BUF_SYNC_END       (1 << 2)
#define DMA_BUF_SYNC_VALID_FLAGS_MASK \
	(DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END)

/* Room for a name set with DMA_BUF_SET_NAME, the terminating NUL included. */
#define DMA_BUF_NAME_LEN	32

/**
 * struct dma_buf_export_sync_file - argument of DMA_BUF_IOCTL_EXPORT_SYNC_FILE
 * @flags: DMA_BUF_SYNC_READ to get the fences a reader has to wait for
 *	   (the pending writes), DMA_BUF_SYNC_WRITE (or DMA_BUF_SYNC_RW) to
 *	   get the fences a writer has to wait for (every pending access).
 *	   No other bit may be set.
 * @fd: filled in on success with a new sync_file fd (close-on-exec).
 *
 * Turns the buffer's implicit fences into one explicit sync_file, as a
 * snapshot: fences added to the buffer later are not part of it.
 */
struct dma_buf_export_sync_file {
	__u32 flags;
	__s32 fd;
};

/**
 * struct dma_buf_import_sync_file - argument of DMA_BUF_IOCTL_IMPORT_SYNC_FILE
 * @flags: DMA_BUF_SYNC_READ to add the fences as a read access,
 *	   DMA_BUF_SYNC_WRITE (or DMA_BUF_SYNC_RW) as a write access.
 *	   No other bit may be set.
 * @fd: the sync_file fd whose fences are added to the buffer.
 *
 * Makes later implicit-sync users of the buffer wait for work that
 * userspace tracked explicitly.
 */
struct dma_buf_import_sync_file {
	__u32 flags;
	__s32 fd;
};

#define DMA_BUF_BASE		'b'
#define DMA_BUF_IOCTL_SYNC	_IOW(DMA_BUF_BASE, 0, struct dma_buf_sync)

/*
 * DMA_BUF_SET_NAME takes a pointer to a NUL-terminated name of at most
 * DMA_BUF_NAME_LEN bytes. Its number was defined with the size of a
 * pointer, so 32-bit and 64-bit userspace see different values; both
 * spellings below are accepted by every kernel and name the same request.
 */
#define DMA_BUF_SET_NAME	_IOW(DMA_BUF_BASE, 1, const char *)
#define DMA_BUF_SET_NAME_A	_IOW(DMA_BUF_BASE, 1, __u32)
#define DMA_BUF_SET_NAME_B	_IOW(DMA_BUF_BASE, 1, __u64)
#define DMA_BUF_IOCTL_EXPORT_SYNC_FILE	_IOWR(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file)
#define DMA_BUF_IOCTL_IMPORT_SYNC_FILE	_IOW(DMA_BUF_BASE, 3, struct dma_buf_import_sync_file)

#endif
