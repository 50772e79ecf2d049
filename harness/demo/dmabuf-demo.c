// SPDX-License-Identifier: GPL-2.0-only
/*
 * make run: shows the dma-buf core at work. Two exporters (the system heap and
 * udmabuf) make buffers, userspace names them and writes one, the vgem driver
 * imports it, and a child process gets it over a UNIX socket and reads it
 * back. Along the way it prints what the kernel reports about the buffers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <drm/drm.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#define SIZE (64 * 1024)
#define MESSAGE "written by the parent through a CPU mapping"

static void fail(const char *what)
{
	fprintf(stderr, "demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void show_file(const char *title, const char *path)
{
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	printf("--- %s (%s)\n", title, path);
	if (fd < 0)
		fail(path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	close(fd);
}

static void show_fd(const char *who, int fd)
{
	char path[64], link[128] = "";

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (readlink(path, link, sizeof(link) - 1) < 0)
		fail("readlink");
	printf("--- %s: fd %d is %s\n", who, fd, link);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	show_file("fdinfo", path);
}

static int heap_buffer(void)
{
	struct dma_heap_allocation_data data = {
		.len = SIZE, .fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);

	if (heap < 0 || ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data))
		fail("system heap");
	close(heap);
	return data.fd;
}

static int udmabuf_buffer(void)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = SIZE };
	int memfd = memfd_create("demo", MFD_ALLOW_SEALING);
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	int fd;

	if (memfd < 0 || dev < 0 || ftruncate(memfd, SIZE) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		fail("memfd for udmabuf");
	create.memfd = memfd;
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (fd < 0)
		fail("udmabuf");
	close(dev);
	close(memfd);
	return fd;
}

static void set_name(int fd, const char *name)
{
	if (ioctl(fd, DMA_BUF_SET_NAME_B, name))
		fail("DMA_BUF_SET_NAME");
}

static void cpu_access(int fd, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync))
		fail("DMA_BUF_IOCTL_SYNC");
}

/* Import the buffer into vgem: the DRM core attaches vgem's device and maps it. */
static int vgem_import(int fd, __u32 *handle)
{
	char path[32], name[16];

	for (int i = 0; i < 8; i++) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		struct drm_prime_handle prime = { .fd = fd };
		int card;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		card = open(path, O_RDWR | O_CLOEXEC);
		if (card < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(card, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem")) {
			if (ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime))
				fail("vgem import");
			*handle = prime.handle;
			return card;
		}
		close(card);
	}
	errno = ENODEV;
	fail("no vgem device");
	return -1;
}

static void send_fd(int sock, int fd)
{
	char dummy = 'b', control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &dummy, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		fail("sendmsg");
}

static int recv_fd(int sock)
{
	char dummy, control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &dummy, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		fail("recvmsg");
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		fail("no fd received");
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static int child(int sock)
{
	int fd = recv_fd(sock);
	char *map = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
	int ok;

	if (map == MAP_FAILED)
		fail("mmap of the received fd");
	cpu_access(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	ok = !strcmp(map, MESSAGE);
	printf("--- process %d received fd %d and read: \"%s\"\n", getpid(), fd, map);
	cpu_access(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	show_fd("child", fd);
	munmap(map, SIZE);
	close(fd);
	return ok ? 0 : 1;
}

int main(void)
{
	int heap_fd = heap_buffer(), udma_fd = udmabuf_buffer();
	int sv[2], status, card;
	__u32 handle;
	char *map;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	set_name(heap_fd, "demo-heap");
	set_name(udma_fd, "demo-udmabuf");

	map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, heap_fd, 0);
	if (map == MAP_FAILED)
		fail("mmap");
	cpu_access(heap_fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	memcpy(map, MESSAGE, sizeof(MESSAGE));
	cpu_access(heap_fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	munmap(map, SIZE);

	card = vgem_import(heap_fd, &handle);
	printf("--- vgem imported the heap buffer as GEM handle %u\n", handle);

	show_fd("parent", heap_fd);
	show_fd("parent", udma_fd);

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		fail("socketpair");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (!pid) {
		close(sv[0]);
		exit(child(sv[1]));
	}
	close(sv[1]);
	send_fd(sv[0], heap_fd);
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid");

	show_file("all buffers while vgem holds the heap buffer",
		  "/sys/kernel/debug/dma_buf/bufinfo");
	close(card);
	close(heap_fd);
	close(udma_fd);
	printf("--- closed everything\n");
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}
