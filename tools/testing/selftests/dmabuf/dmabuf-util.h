/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the dma-buf selftests: buffers from the system heap and
 * udmabuf, what the kernel reports about them (fdinfo, readlink, debugfs),
 * DRM and V4L2 nodes by driver name, and fd passing over UNIX sockets.
 */
#ifndef DMABUF_UTIL_H
#define DMABUF_UTIL_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <linux/videodev2.h>

#define BUFINFO "/sys/kernel/debug/dma_buf/bufinfo"

/* A new buffer of @len bytes from the system heap, or -errno. */
static inline int heap_alloc(size_t len)
{
	struct dma_heap_allocation_data data = {
		.len = len, .fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	int ret;

	if (heap < 0)
		return -errno;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data) ? -errno : (int)data.fd;
	close(heap);
	return ret;
}

/*
 * A udmabuf over a sealed memfd of @len bytes; the memfd is returned in
 * *@memfd when that is not NULL (closed otherwise). -errno on failure.
 */
static inline int udmabuf_alloc(size_t len, int *memfd)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = len };
	int mfd = memfd_create("dmabuf-selftest", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	int dev, fd;

	if (mfd < 0)
		return -errno;
	if (ftruncate(mfd, len) || fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		close(mfd);
		return -errno;
	}
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		close(mfd);
		return -errno;
	}
	create.memfd = mfd;
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (fd < 0)
		fd = -errno;
	close(dev);
	if (memfd && fd >= 0)
		*memfd = mfd;
	else
		close(mfd);
	return fd;
}

/* Reads a whole (small) file into a static buffer; NULL on failure. */
static inline char *slurp(const char *path)
{
	static char buf[1 << 20];
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf + total, sizeof(buf) - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return buf;
}

/* sw_sync's interface lives in debugfs and has no uapi header */
struct sw_sync_create_fence_data {
	__u32 value;
	char name[32];
	__s32 fence;
};

#define SW_SYNC_IOC_CREATE_FENCE _IOWR('W', 0, struct sw_sync_create_fence_data)
#define SW_SYNC_IOC_INC _IOW('W', 1, __u32)

/* A sync_file fd for point @value of a sw_sync @timeline, or -errno. */
static inline int sw_sync_fence(int timeline, __u32 value)
{
	struct sw_sync_create_fence_data d = { .value = value, .name = "dmabuf-selftest" };

	return ioctl(timeline, SW_SYNC_IOC_CREATE_FENCE, &d) ? -errno : d.fence;
}

/* The lowest fd number free now: a leaked fd would take it. */
static inline int lowest_free_fd(void)
{
	int fd = fcntl(0, F_DUPFD, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* Entries of /proc/self/fd, the directory's own fd included. */
static inline int open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return -1;
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

/* The value of "@key:\t" in the fdinfo of @fd, copied to @out; 0 or -1. */
static inline int fdinfo_field(int fd, const char *key, char *out, size_t len)
{
	char path[64], pat[64], *text, *p, *end;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	text = slurp(path);
	if (!text)
		return -1;
	snprintf(pat, sizeof(pat), "\n%s:\t", key);
	p = strstr(text, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	end = strchr(p, '\n');
	if (!end || (size_t)(end - p) >= len)
		return -1;
	memcpy(out, p, end - p);
	out[end - p] = '\0';
	return 0;
}

static inline long fdinfo_count(int fd)
{
	char v[32];

	return fdinfo_field(fd, "count", v, sizeof(v)) ? -1 : strtol(v, NULL, 10);
}

/* readlink of /proc/self/fd/@fd into @out. */
static inline int fd_link(int fd, char *out, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, out, len - 1);
	if (n < 0)
		return -1;
	out[n] = '\0';
	return 0;
}

static inline unsigned long fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/*
 * Whether bufinfo lists the buffer with inode @ino; the start of its line
 * in *@entry. The inode is the sixth column of a line that starts with the
 * size: a plain search for the number could match the count column.
 */
static inline int bufinfo_has(unsigned long ino, char **entry)
{
	char *text = slurp(BUFINFO), *line, *field;
	int col;

	if (!text)
		return -1;
	for (line = text; *line; line++) {
		if (*line >= '0' && *line <= '9') {
			field = line;
			for (col = 0; col < 5 && field; col++) {
				field = strchr(field, '\t');
				if (field)
					field++;
			}
			if (field && strtoul(field, NULL, 10) == ino) {
				if (entry)
					*entry = line;
				return 1;
			}
		}
		line = strchr(line, '\n');
		if (!line)
			break;
	}
	if (entry)
		*entry = NULL;
	return 0;
}

/* Number of buffers bufinfo counts in its last line, or -1. */
static inline long bufinfo_objects(void)
{
	char *text = slurp(BUFINFO), *last = NULL, *p;
	long n;

	if (!text)
		return -1;
	for (p = strstr(text, "\nTotal "); p; p = strstr(p + 1, "\nTotal "))
		last = p;
	if (!last || sscanf(last, "\nTotal %ld objects", &n) != 1)
		return -1;
	return n;
}

/* Sends @fd over @sock with sendmsg() @flags; 0 or -errno. */
static inline int send_fd_flags(int sock, int fd, int flags)
{
	char byte = 'b', control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, flags) == 1 ? 0 : -errno;
}

static inline int send_fd(int sock, int fd)
{
	return send_fd_flags(sock, fd, 0);
}

static inline int recv_fd(int sock)
{
	char byte, control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* Opens the /dev/dri/card* node driven by @driver, or returns -1. */
static inline int drm_open(const char *driver)
{
	char path[32], name[32];

	for (int i = 0; i < 16; i++) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, driver))
			return fd;
		close(fd);
	}
	return -1;
}

/* A dumb buffer of @width x @height at 32 bpp on @drm; its handle and pitch. */
static inline int drm_dumb(int drm, unsigned int width, unsigned int height,
			   __u32 *handle, __u32 *pitch, __u64 *size)
{
	struct drm_mode_create_dumb c = { .width = width, .height = height, .bpp = 32 };

	if (ioctl(drm, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -errno;
	*handle = c.handle;
	if (pitch)
		*pitch = c.pitch;
	if (size)
		*size = c.size;
	return 0;
}

static inline int drm_export(int drm, __u32 handle)
{
	struct drm_prime_handle p = { .handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR };

	return ioctl(drm, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p) ? -errno : p.fd;
}

static inline int drm_import(int drm, int fd, __u32 *handle)
{
	struct drm_prime_handle p = { .fd = fd };

	if (ioctl(drm, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		return -errno;
	*handle = p.handle;
	return 0;
}

static inline int drm_close(int drm, __u32 handle)
{
	struct drm_gem_close c = { .handle = handle };

	return ioctl(drm, DRM_IOCTL_GEM_CLOSE, &c) ? -errno : 0;
}

/* Maps a GEM object through its DRM node. */
static inline void *drm_map(int drm, __u32 handle, size_t len)
{
	struct drm_mode_map_dumb m = { .handle = handle };

	if (ioctl(drm, DRM_IOCTL_MODE_MAP_DUMB, &m))
		return MAP_FAILED;
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, drm, m.offset);
}

/*
 * Opens the first /dev/video* node of @driver whose capabilities include
 * @caps and, when @bus is not NULL, whose bus_info is @bus; -1 if none.
 */
static inline int video_open(const char *driver, const char *bus, __u32 caps)
{
	char path[32];

	for (int i = 0; i < 64; i++) {
		struct v4l2_capability cap;
		int fd;

		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) && !strcmp((char *)cap.driver, driver) &&
		    (!bus || !strcmp((char *)cap.bus_info, bus)) &&
		    ((cap.capabilities & V4L2_CAP_DEVICE_CAPS ? cap.device_caps :
		      cap.capabilities) & caps) == caps)
			return fd;
		close(fd);
	}
	return -1;
}

/* Brackets CPU access through a mapping. */
static inline int cpu_sync(int fd, __u64 flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

#endif
