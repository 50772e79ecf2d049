// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace half of make bench: times the dma-buf ioctls and file operations
 * with the system heap, udmabuf, vgem and sw_sync, and prints one line per
 * figure,
 *
 *	BENCH <name> <median total ns> <operations>
 *
 * or "BENCH <name> fail <reason>". Timing only: harness/bench.py compares
 * the figures of two kernels. Under QEMU with -icount guest time follows
 * the instruction count, so CLOCK_MONOTONIC gives repeatable figures.
 *
 *	dmabuf-bench [-n iterations] [-r repetitions]
 */
#define _GNU_SOURCE
/* the selftests' helpers: sw_sync's interface, BUFINFO */
#include "dmabuf-util.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <linux/types.h>
#include <drm/drm.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#define BUF_SIZE 4096
#define MAX_REPS 15
#define SW_SYNC "/sys/kernel/debug/sync/sw_sync"
/* harness/bench/kmod loaded with quiesce_only=1: a write waits for rcu_barrier() */
#define QUIESCE "/sys/kernel/debug/dmabuf-bench-quiesce"

static long iters = 1000;
static int reps = 5;

static int heap_dev = -1, udmabuf_dev = -1, memfd = -1, vgem = -1;
static int quiesce_fd = -1;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * A batch of @n operations; returns the nanoseconds spent in the timed
 * part (set-up between operations can be left out) or -errno.
 */
typedef long long (*loop_fn)(void *arg, long n);

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The median of @reps batches, or -errno; printed unless @quiet. */
static long long run(const char *name, loop_fn fn, void *arg, long n, int quiet)
{
	long long t[MAX_REPS];
	int r;

	for (r = 0; r < reps; r++) {
		/*
		 * No RCU callback of the batches before may run in this one:
		 * how many would varies from boot to boot.
		 */
		if (quiesce_fd >= 0 && write(quiesce_fd, "1", 1) != 1)
			perror(QUIESCE);
		t[r] = fn(arg, n);
		if (t[r] < 0) {
			printf("BENCH %s fail %s\n", name, strerror((int)-t[r]));
			fflush(stdout);
			return t[r];
		}
	}
	qsort(t, reps, sizeof(*t), cmp_ll);
	if (!quiet)
		printf("BENCH %s %lld %ld\n", name, t[reps / 2], n);
	fflush(stdout);
	return t[reps / 2];
}

static void bench_fail(const char *name, const char *what)
{
	printf("BENCH %s fail %s: %s\n", name, what, strerror(errno));
	fflush(stdout);
}

static int bench_heap_alloc(void)
{
	struct dma_heap_allocation_data data = {
		.len = BUF_SIZE, .fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(heap_dev, DMA_HEAP_IOCTL_ALLOC, &data))
		return -errno;
	return (int)data.fd;
}

static long long heap_alloc_close(void *arg, long n)
{
	long long start = now_ns();
	int fd;

	while (n--) {
		fd = bench_heap_alloc();
		if (fd < 0)
			return fd;
		close(fd);
	}
	return now_ns() - start;
}

static long long udmabuf_create_close(void *arg, long n)
{
	struct udmabuf_create create = {
		.memfd = memfd, .flags = UDMABUF_FLAGS_CLOEXEC, .size = BUF_SIZE,
	};
	long long start = now_ns();
	int fd;

	while (n--) {
		fd = ioctl(udmabuf_dev, UDMABUF_CREATE, &create);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	return now_ns() - start;
}

static long long sync_start_end(void *arg, long n)
{
	struct dma_buf_sync start_rw = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	struct dma_buf_sync end_rw = { DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW };
	int fd = *(int *)arg;
	long long start = now_ns();

	while (n--) {
		if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &start_rw) ||
		    ioctl(fd, DMA_BUF_IOCTL_SYNC, &end_rw))
			return -errno;
	}
	return now_ns() - start;
}

static long long poll_idle(void *arg, long n)
{
	struct pollfd pfd = { .fd = *(int *)arg, .events = POLLIN | POLLOUT };
	long long start = now_ns();

	while (n--) {
		if (poll(&pfd, 1, 0) != 1)
			return -EBUSY;
	}
	return now_ns() - start;
}

/*
 * The floor under sync-start+end: two ioctls that the VFS refuses on a
 * file without an ioctl method (ENOTTY), so syscall and fd lookup only.
 */
static long long ioctl_floor(void *arg, long n)
{
	struct dma_buf_sync start_rw = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	int fd = *(int *)arg;
	long long start = now_ns();

	while (n--) {
		if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &start_rw) != -1 || errno != ENOTTY ||
		    ioctl(fd, DMA_BUF_IOCTL_SYNC, &start_rw) != -1 || errno != ENOTTY)
			return -EINVAL;
	}
	return now_ns() - start;
}

static int import_sync_file(int buf, int fence, __u32 flags)
{
	struct dma_buf_import_sync_file import = { .flags = flags, .fd = fence };

	return ioctl(buf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &import) ? -errno : 0;
}

struct timeline {
	int fd;
	unsigned int next;	/* the next point to create */
};

static int timeline_open(struct timeline *tl)
{
	tl->fd = open(SW_SYNC, O_RDWR | O_CLOEXEC);
	tl->next = 1;
	return tl->fd < 0 ? -errno : 0;
}

static void timeline_signal_all(struct timeline *tl)
{
	__u32 inc = tl->next;

	ioctl(tl->fd, SW_SYNC_IOC_INC, &inc);
	tl->next += inc;
}

struct poll_fence_args {
	int buf;
	struct timeline *tl;
};

/*
 * A write fence on the buffer, then, timed: poll sees it pending, sw_sync
 * signals it (which runs the poll callback), poll sees the buffer ready.
 */
static long long poll_fence_signalled(void *arg, long n)
{
	struct poll_fence_args *a = arg;
	struct pollfd pfd = { .fd = a->buf, .events = POLLIN };
	__u32 one = 1;
	long long total = 0, start;
	int fence, ret;

	while (n--) {
		/* the timeline's base is at next - 1, so this point is pending */
		fence = sw_sync_fence(a->tl->fd, a->tl->next);
		if (fence < 0)
			return fence;
		ret = import_sync_file(a->buf, fence, DMA_BUF_SYNC_WRITE);
		close(fence);
		if (ret)
			return ret;
		start = now_ns();
		if (poll(&pfd, 1, 0) != 0)
			return -EBUSY;
		if (ioctl(a->tl->fd, SW_SYNC_IOC_INC, &one))
			return -errno;
		if (poll(&pfd, 1, 0) != 1)
			return -EBUSY;
		total += now_ns() - start;
		a->tl->next++;
	}
	return total;
}

static long long export_sync_file(void *arg, long n)
{
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_WRITE };
	int fd = *(int *)arg;
	long long start = now_ns();

	while (n--) {
		/* for writing: every fence, the readers' too */
		exp.fd = -1;
		if (ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp))
			return -errno;
		close(exp.fd);
	}
	return now_ns() - start;
}

struct import_args {
	int buf;
	int fence;
};

static long long import_sync_file_loop(void *arg, long n)
{
	struct import_args *a = arg;
	long long start = now_ns();
	int ret;

	while (n--) {
		/* the same fence each time: it replaces itself, nothing piles up */
		ret = import_sync_file(a->buf, a->fence, DMA_BUF_SYNC_WRITE);
		if (ret)
			return ret;
	}
	return now_ns() - start;
}

static long long set_name(void *arg, long n)
{
	int fd = *(int *)arg;
	long long start = now_ns();

	while (n--) {
		if (ioctl(fd, DMA_BUF_SET_NAME_B, "bench-buffer"))
			return -errno;
	}
	return now_ns() - start;
}

static long long readlink_fd(void *arg, long n)
{
	char path[64], link[128];
	long long start;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", *(int *)arg);
	start = now_ns();
	while (n--) {
		if (readlink(path, link, sizeof(link)) <= 0)
			return -errno;
	}
	return now_ns() - start;
}

/* pread at 0 makes the seq_file show the fdinfo again */
static long long fdinfo_read(void *arg, long n)
{
	char text[1024];
	int fd = *(int *)arg;
	long long start = now_ns();

	while (n--) {
		if (pread(fd, text, sizeof(text), 0) <= 0)
			return -EIO;
	}
	return now_ns() - start;
}

static long long mmap_munmap(void *arg, long n)
{
	int fd = *(int *)arg;
	long long start = now_ns();
	void *p;

	while (n--) {
		p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return -errno;
		munmap(p, BUF_SIZE);
	}
	return now_ns() - start;
}

/* vgem attaches and maps on import, detaches when the handle goes */
static long long prime_import_close(void *arg, long n)
{
	struct drm_prime_handle prime = { .fd = *(int *)arg };
	struct drm_gem_close gem_close = { 0 };
	long long start = now_ns();

	while (n--) {
		if (ioctl(vgem, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime))
			return -errno;
		gem_close.handle = prime.handle;
		if (ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gem_close))
			return -errno;
	}
	return now_ns() - start;
}

static long long bufinfo_read(void *arg, long n)
{
	static char text[1 << 16];
	long long start = now_ns();
	ssize_t len;
	int fd;

	while (n--) {
		fd = open(BUFINFO, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		do
			len = read(fd, text, sizeof(text));
		while (len > 0);
		close(fd);
		if (len < 0)
			return -EIO;
	}
	return now_ns() - start;
}

/* The vgem node among the DRM cards, or -1. */
static int open_vgem(void)
{
	char path[32], name[16];
	struct drm_version version;
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&version, 0, sizeof(version));
		memset(name, 0, sizeof(name));
		version.name = name;
		version.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &version) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

/* bufinfo with @count live buffers: per read and per buffer listed */
static void bench_bufinfo(long count)
{
	long i, n = 10000 / count > 1 ? 10000 / count : 1;
	char name[48];
	long long t;
	int *fds;

	snprintf(name, sizeof(name), "bufinfo@%ld", count);
	fds = calloc(count, sizeof(*fds));
	if (!fds) {
		bench_fail(name, "calloc");
		return;
	}
	for (i = 0; i < count; i++) {
		fds[i] = bench_heap_alloc();
		if (fds[i] < 0) {
			errno = -fds[i];
			bench_fail(name, "heap allocation");
			count = i;
			goto out;
		}
	}
	t = run(name, bufinfo_read, NULL, n, 0);
	if (t >= 0)
		printf("BENCH %s/buf %lld %ld\n", name, t, n * count);
out:
	for (i = 0; i < count; i++)
		close(fds[i]);
	free(fds);
}

int main(int argc, char **argv)
{
	struct rlimit files = { 16384, 16384 };
	struct timeline tl[8];
	struct poll_fence_args pf;
	struct import_args imp;
	int idle, named, fenced[2], fdinfo, i, opt, fence, zero;
	char path[64];

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		switch (opt) {
		case 'n':
			iters = atol(optarg);
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-n iterations] [-r repetitions]\n", argv[0]);
			return 2;
		}
	}
	if (iters < 1 || reps < 1 || reps > MAX_REPS)
		return 2;
	/* 10,000 live buffers for bufinfo, each an fd */
	if (setrlimit(RLIMIT_NOFILE, &files))
		perror("setrlimit");

	quiesce_fd = open(QUIESCE, O_WRONLY | O_CLOEXEC);
	printf("BENCH-USER BEGIN iters=%ld reps=%d quiesce=%s\n", iters, reps,
	       quiesce_fd >= 0 ? "rcu_barrier" : "none");
	heap_dev = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	udmabuf_dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	memfd = memfd_create("bench", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (heap_dev < 0 || udmabuf_dev < 0 || memfd < 0 ||
	    ftruncate(memfd, BUF_SIZE) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		bench_fail("setup", "heap, udmabuf or memfd");
		return 1;
	}
	vgem = open_vgem();
	for (i = 0; i < 8; i++) {
		if (timeline_open(&tl[i])) {
			bench_fail("setup", SW_SYNC);
			return 1;
		}
	}

	run("heap-alloc+close", heap_alloc_close, NULL, iters, 0);
	run("udmabuf-create+close", udmabuf_create_close, NULL, iters, 0);

	idle = bench_heap_alloc();
	named = bench_heap_alloc();
	fenced[0] = bench_heap_alloc();
	fenced[1] = bench_heap_alloc();
	if (idle < 0 || named < 0 || fenced[0] < 0 || fenced[1] < 0) {
		bench_fail("setup", "heap allocation");
		return 1;
	}

	/* what a syscall on a file without poll or ioctl methods costs */
	zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (zero < 0) {
		bench_fail("poll-floor", "/dev/zero");
	} else {
		run("poll-floor", poll_idle, &zero, iters, 0);
		run("ioctl-floor", ioctl_floor, &zero, iters, 0);
		close(zero);
	}
	/* a buffer that never had a fence */
	run("sync-start+end", sync_start_end, &idle, iters, 0);
	run("poll-idle", poll_idle, &idle, iters, 0);
	pf.buf = bench_heap_alloc();
	pf.tl = &tl[0];
	if (pf.buf < 0)
		bench_fail("poll-fence-signalled", "heap allocation");
	else
		run("poll-fence-signalled", poll_fence_signalled, &pf, iters, 0);
	close(pf.buf);

	/* pending read fences from one and from eight timelines */
	for (i = 0; i < 8; i++) {
		fence = sw_sync_fence(tl[i].fd, tl[i].next);
		if (fence < 0 ||
		    (i == 0 && import_sync_file(fenced[0], fence, DMA_BUF_SYNC_READ)) ||
		    import_sync_file(fenced[1], fence, DMA_BUF_SYNC_READ)) {
			errno = fence < 0 ? -fence : errno;
			bench_fail("export-sync-file-8", "fence set-up");
		}
		close(fence);
	}
	run("export-sync-file-0", export_sync_file, &idle, iters, 0);
	run("export-sync-file-1", export_sync_file, &fenced[0], iters, 0);
	run("export-sync-file-8", export_sync_file, &fenced[1], iters, 0);

	imp.buf = bench_heap_alloc();
	imp.fence = sw_sync_fence(tl[1].fd, tl[1].next);
	if (imp.buf < 0 || imp.fence < 0)
		bench_fail("import-sync-file", "set-up");
	else
		run("import-sync-file", import_sync_file_loop, &imp, iters, 0);
	for (i = 0; i < 8; i++)
		timeline_signal_all(&tl[i]);
	/* idle again, with the signalled fences still in the buffer */
	run("sync-start+end-signalled", sync_start_end, &fenced[1], iters, 0);
	run("poll-idle-signalled", poll_idle, &fenced[1], iters, 0);
	close(imp.fence);
	close(imp.buf);
	close(fenced[0]);
	close(fenced[1]);

	run("set-name", set_name, &named, iters, 0);
	run("readlink", readlink_fd, &named, iters, 0);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", named);
	fdinfo = open(path, O_RDONLY | O_CLOEXEC);
	if (fdinfo < 0)
		bench_fail("fdinfo-read", path);
	else
		run("fdinfo-read", fdinfo_read, &fdinfo, iters, 0);
	close(fdinfo);
	run("mmap+munmap", mmap_munmap, &idle, iters, 0);
	if (vgem < 0)
		bench_fail("prime-import-vgem+close", "no vgem node");
	else
		run("prime-import-vgem+close", prime_import_close, &idle, iters, 0);
	close(idle);
	close(named);

	/* nothing else of ours is alive now: the count is what bufinfo lists */
	bench_bufinfo(100);
	bench_bufinfo(1000);
	bench_bufinfo(10000);

	printf("BENCH-USER END\n");
	return 0;
}
