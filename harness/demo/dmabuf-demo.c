// SPDX-License-Identifier: GPL-2.0-only
/*
 * make run: shows the dma-buf core at work. Two exporters (the system heap and
 * udmabuf) make buffers, userspace names them and writes one, the vgem driver
 * imports it, and a child process gets it over a UNIX socket and reads it
 * back. Along the way it prints what the kernel reports about the buffers,
 * and at the end what tools/dma-buf/dmabuf-usage makes of them.
 */
#include "dmabuf-util.h"	/* the kselftests' helpers; defines _GNU_SOURCE */
#include <sys/wait.h>

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

static void set_name(int fd, const char *name)
{
	if (ioctl(fd, DMA_BUF_SET_NAME_B, name))
		fail("DMA_BUF_SET_NAME");
}

static void cpu_access(int fd, __u64 flags)
{
	if (cpu_sync(fd, flags))
		fail("DMA_BUF_IOCTL_SYNC");
}

static int checked(int ret, const char *what)
{
	if (ret < 0) {
		errno = ret == -1 ? errno : -ret;
		fail(what);
	}
	return ret;
}

/* dmabuf-usage's table; the fds are close-on-exec, so it holds none itself */
static void show_usage(void)
{
	int status;
	pid_t pid;

	printf("--- dmabuf-usage: which process holds which buffer\n");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (!pid) {
		execlp("dmabuf-usage", "dmabuf-usage", (char *)NULL);
		fail("dmabuf-usage");
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = ECHILD;
		fail("dmabuf-usage");
	}
}

static int child(int sock)
{
	int fd = checked(recv_fd(sock), "receiving the fd");
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
	int heap_fd = checked(heap_alloc(SIZE), "system heap");
	int udma_fd = checked(udmabuf_alloc(SIZE, NULL), "udmabuf");
	int sv[2], status, card;
	__u32 handle = 0;
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

	/* the DRM core attaches vgem's device to the buffer and maps it */
	card = drm_open("vgem");
	if (card < 0) {
		errno = ENODEV;
		fail("vgem");
	}
	checked(drm_import(card, heap_fd, &handle), "vgem import");
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
	checked(send_fd(sv[0], heap_fd), "sending the fd");
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid");

	show_file("all buffers while vgem holds the heap buffer",
		  "/sys/kernel/debug/dma_buf/bufinfo");
	show_usage();
	close(card);
	close(heap_fd);
	close(udma_fd);
	printf("--- closed everything\n");
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}
