// SPDX-License-Identifier: GPL-2.0
/*
 * Implicit synchronisation from userspace with real fences: vgem attaches
 * fences to a buffer it exported, sw_sync makes fences on a timeline that
 * the test advances. Covers poll and epoll readiness, a poll left pending
 * while every fd is closed, the sync_file export and import ioctls (also
 * when they fail after reserving an fd), and DMA_BUF_IOCTL_SYNC blocking
 * on a pending fence until it signals or a signal interrupts the wait.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/epoll.h>
#include <drm/vgem_drm.h>
#include <linux/sync_file.h>

#include "dmabuf-util.h"
#include "../kselftest_harness.h"

static short ready(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

FIXTURE(vgem) {
	int drm;
	__u32 handle;
	int fd;		/* the dma-buf vgem exported */
};

FIXTURE_SETUP(vgem)
{
	self->drm = drm_open("vgem");
	ASSERT_LE(0, self->drm) TH_LOG("no vgem device");
	ASSERT_EQ(0, drm_dumb(self->drm, 64, 64, &self->handle, NULL, NULL));
	self->fd = drm_export(self->drm, self->handle);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(vgem)
{
	if (self->fd >= 0)
		close(self->fd);
	drm_close(self->drm, self->handle);
	close(self->drm);
}

static __u32 vgem_fence(struct __test_metadata *_metadata, int drm, __u32 handle, bool write)
{
	struct drm_vgem_fence_attach a = {
		.handle = handle, .flags = write ? VGEM_FENCE_WRITE : 0,
	};

	ASSERT_EQ(0, ioctl(drm, DRM_IOCTL_VGEM_FENCE_ATTACH, &a));
	return a.out_fence;
}

static int vgem_signal(int drm, __u32 fence)
{
	struct drm_vgem_fence_signal s = { .fence = fence };

	return ioctl(drm, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s);
}

TEST_F(vgem, poll_without_fences_is_ready)
{
	EXPECT_EQ(POLLIN | POLLOUT, ready(self->fd, POLLIN | POLLOUT));
	EXPECT_EQ(POLLIN, ready(self->fd, POLLIN));
	EXPECT_EQ(POLLOUT, ready(self->fd, POLLOUT));
}

TEST_F(vgem, poll_waits_for_a_writer_both_ways)
{
	__u32 fence = vgem_fence(_metadata, self->drm, self->handle, true);

	EXPECT_EQ(0, ready(self->fd, POLLIN));
	EXPECT_EQ(0, ready(self->fd, POLLOUT));
	ASSERT_EQ(0, vgem_signal(self->drm, fence));
	EXPECT_EQ(POLLIN | POLLOUT, ready(self->fd, POLLIN | POLLOUT));
}

TEST_F(vgem, poll_lets_readers_share)
{
	__u32 fence = vgem_fence(_metadata, self->drm, self->handle, false);

	/* a pending read blocks writing, not reading */
	EXPECT_EQ(POLLIN, ready(self->fd, POLLIN | POLLOUT));
	ASSERT_EQ(0, vgem_signal(self->drm, fence));
	EXPECT_EQ(POLLIN | POLLOUT, ready(self->fd, POLLIN | POLLOUT));
}

TEST_F(vgem, blocking_poll_wakes_on_signal)
{
	__u32 fence = vgem_fence(_metadata, self->drm, self->handle, true);
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		usleep(200 * 1000);
		_exit(vgem_signal(self->drm, fence) ? 1 : 0);
	}
	EXPECT_EQ(1, poll(&p, 1, 5000));
	EXPECT_EQ(POLLIN, p.revents);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(vgem, epoll_reports_when_ready)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	__u32 fence = vgem_fence(_metadata, self->drm, self->handle, true);
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	ASSERT_EQ(0, vgem_signal(self->drm, fence));
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 2000));
	EXPECT_EQ(EPOLLIN | EPOLLOUT, out.events & (EPOLLIN | EPOLLOUT));
	close(ep);
}

TEST_F(vgem, pending_poll_outlives_every_fd)
{
	__u32 fence = vgem_fence(_metadata, self->drm, self->handle, true);
	unsigned long ino = fd_ino(self->fd);

	/* arms the fence callbacks, which now hold the buffer */
	EXPECT_EQ(0, ready(self->fd, POLLIN | POLLOUT));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, drm_close(self->drm, self->handle));
	EXPECT_EQ(1, bufinfo_has(ino, NULL));

	ASSERT_EQ(0, vgem_signal(self->drm, fence));
	/* the last reference went with the callback: the buffer is gone */
	for (int i = 0; i < 50 && bufinfo_has(ino, NULL) == 1; i++)
		usleep(10 * 1000);
	EXPECT_EQ(0, bufinfo_has(ino, NULL));
	ASSERT_EQ(0, drm_dumb(self->drm, 64, 64, &self->handle, NULL, NULL));
}

static int export_sync_file(int fd, __u32 flags)
{
	struct dma_buf_export_sync_file arg = { .flags = flags, .fd = -1 };

	if (ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg))
		return -errno;
	return arg.fd;
}

static int import_sync_file(int fd, __u32 flags, int sync_fd)
{
	struct dma_buf_import_sync_file arg = { .flags = flags, .fd = sync_fd };

	return ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &arg) ? -errno : 0;
}

TEST_F(vgem, exported_sync_file_follows_the_fence)
{
	__u32 fence = vgem_fence(_metadata, self->drm, self->handle, true);
	int sync_fd = export_sync_file(self->fd, DMA_BUF_SYNC_READ);

	ASSERT_LE(0, sync_fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(sync_fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, ready(sync_fd, POLLIN));
	ASSERT_EQ(0, vgem_signal(self->drm, fence));
	EXPECT_EQ(POLLIN, ready(sync_fd, POLLIN));
	close(sync_fd);
}

TEST_F(vgem, exported_sync_file_is_a_snapshot)
{
	__u32 r = vgem_fence(_metadata, self->drm, self->handle, false);
	int for_reader = export_sync_file(self->fd, DMA_BUF_SYNC_READ);
	int for_writer = export_sync_file(self->fd, DMA_BUF_SYNC_WRITE);
	__u32 w;

	/* a reader need not wait for another reader; a writer must */
	ASSERT_LE(0, for_reader);
	ASSERT_LE(0, for_writer);
	EXPECT_EQ(POLLIN, ready(for_reader, POLLIN));
	EXPECT_EQ(0, ready(for_writer, POLLIN));

	ASSERT_EQ(0, vgem_signal(self->drm, r));
	EXPECT_EQ(POLLIN, ready(for_writer, POLLIN));

	/* fences added later are not in it */
	w = vgem_fence(_metadata, self->drm, self->handle, true);
	EXPECT_EQ(POLLIN, ready(for_writer, POLLIN));
	EXPECT_EQ(0, ready(self->fd, POLLIN));
	ASSERT_EQ(0, vgem_signal(self->drm, w));
	close(for_reader);
	close(for_writer);
}

TEST_F(vgem, export_without_fences_is_signalled)
{
	int sync_fd = export_sync_file(self->fd, DMA_BUF_SYNC_RW);

	ASSERT_LE(0, sync_fd);
	EXPECT_EQ(POLLIN, ready(sync_fd, POLLIN));
	close(sync_fd);
}

FIXTURE(swsync) {
	int timeline;
	int fd;
};

FIXTURE_SETUP(swsync)
{
	self->timeline = open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->timeline) TH_LOG("no sw_sync in debugfs");
	self->fd = heap_alloc(4096);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(swsync)
{
	close(self->fd);
	close(self->timeline);	/* signals whatever is left */
}

TEST_F(swsync, imported_writer_blocks_poll_until_signalled)
{
	__u32 one = 1;
	int sync_fd = sw_sync_fence(self->timeline, 1);

	ASSERT_LE(0, sync_fd);
	ASSERT_EQ(0, import_sync_file(self->fd, DMA_BUF_SYNC_WRITE, sync_fd));
	close(sync_fd);
	EXPECT_EQ(0, ready(self->fd, POLLIN));
	EXPECT_EQ(0, ready(self->fd, POLLOUT));

	ASSERT_EQ(0, ioctl(self->timeline, SW_SYNC_IOC_INC, &one));
	EXPECT_EQ(POLLIN | POLLOUT, ready(self->fd, POLLIN | POLLOUT));
}

TEST_F(swsync, imported_reader_blocks_writers_only)
{
	__u32 one = 1;
	int sync_fd = sw_sync_fence(self->timeline, 1);

	ASSERT_LE(0, sync_fd);
	ASSERT_EQ(0, import_sync_file(self->fd, DMA_BUF_SYNC_READ, sync_fd));
	close(sync_fd);
	EXPECT_EQ(POLLIN, ready(self->fd, POLLIN | POLLOUT));
	ASSERT_EQ(0, ioctl(self->timeline, SW_SYNC_IOC_INC, &one));
	EXPECT_EQ(POLLIN | POLLOUT, ready(self->fd, POLLIN | POLLOUT));
}

TEST_F(swsync, merged_sync_file_imports_every_fence)
{
	int a = sw_sync_fence(self->timeline, 1), b = sw_sync_fence(self->timeline, 2);
	struct sync_merge_data m = { .name = "merged", .fd2 = b };
	__u32 one = 1;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, ioctl(a, SYNC_IOC_MERGE, &m));
	ASSERT_EQ(0, import_sync_file(self->fd, DMA_BUF_SYNC_WRITE, m.fence));
	close(m.fence);

	ASSERT_EQ(0, ioctl(self->timeline, SW_SYNC_IOC_INC, &one));
	EXPECT_EQ(0, ready(self->fd, POLLIN));
	ASSERT_EQ(0, ioctl(self->timeline, SW_SYNC_IOC_INC, &one));
	EXPECT_EQ(POLLIN, ready(self->fd, POLLIN));
	close(a);
	close(b);
}

TEST_F(swsync, bad_arguments)
{
	static const __u32 bad_flags[] = { 0, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ, 8, 1u << 31 };
	struct dma_buf_export_sync_file e;
	int sync_fd = sw_sync_fence(self->timeline, 1);
	unsigned int i;

	ASSERT_LE(0, sync_fd);
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		e = (struct dma_buf_export_sync_file){ .flags = bad_flags[i], .fd = -7 };
		EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e));
		EXPECT_EQ(EINVAL, errno);
		/* nothing is written back on failure */
		EXPECT_EQ(-7, e.fd);
		EXPECT_EQ(-EINVAL, import_sync_file(self->fd, bad_flags[i], sync_fd));
	}

	/* not a sync_file: a closed fd, a dma-buf, a pipe */
	EXPECT_EQ(-EINVAL, import_sync_file(self->fd, DMA_BUF_SYNC_READ, -1));
	EXPECT_EQ(-EINVAL, import_sync_file(self->fd, DMA_BUF_SYNC_READ, 1000));
	EXPECT_EQ(-EINVAL, import_sync_file(self->fd, DMA_BUF_SYNC_READ, self->fd));
	EXPECT_EQ(-EINVAL, import_sync_file(self->fd, DMA_BUF_SYNC_READ, self->timeline));

	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, (void *)8));
	EXPECT_EQ(EFAULT, errno);

	/* none of that added a fence */
	EXPECT_EQ(POLLIN | POLLOUT, ready(self->fd, POLLIN | POLLOUT));
	close(sync_fd);
}

/*
 * The ioctl reserves an fd and only then copies the result back; when the
 * copy fails, the reserved fd must go back and the sync_file with it.
 */
TEST_F(swsync, export_into_read_only_memory)
{
	long page = sysconf(_SC_PAGESIZE);
	struct dma_buf_export_sync_file *arg;
	int sync_fd = sw_sync_fence(self->timeline, 1);
	int lowest, fds, i;

	ASSERT_LE(0, sync_fd);
	ASSERT_EQ(0, import_sync_file(self->fd, DMA_BUF_SYNC_WRITE, sync_fd));
	close(sync_fd);
	arg = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, arg);

	lowest = lowest_free_fd();
	fds = open_fds();
	ASSERT_LE(0, lowest);
	/* with the pending fence in the snapshot, then with none (the stub) */
	for (i = 0; i < 2; i++) {
		__u32 one = 1;

		*arg = (struct dma_buf_export_sync_file){ .flags = DMA_BUF_SYNC_READ, .fd = -7 };
		ASSERT_EQ(0, mprotect(arg, page, PROT_READ));
		EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, arg));
		EXPECT_EQ(EFAULT, errno);
		EXPECT_EQ(-7, arg->fd);
		EXPECT_EQ(lowest, lowest_free_fd());
		EXPECT_EQ(fds, open_fds());
		ASSERT_EQ(0, mprotect(arg, page, PROT_READ | PROT_WRITE));
		if (i == 0)
			ASSERT_EQ(0, ioctl(self->timeline, SW_SYNC_IOC_INC, &one));
	}

	/* the same argument, writable, works and takes the lowest fd */
	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, arg));
	EXPECT_EQ(lowest, arg->fd);
	close(arg->fd);
	munmap(arg, page);
}

TEST_F(swsync, export_with_no_fd_left)
{
	struct dma_buf_export_sync_file arg;
	struct rlimit old, full;
	int sync_fd = sw_sync_fence(self->timeline, 1);
	int lowest, fds;

	ASSERT_LE(0, sync_fd);
	ASSERT_EQ(0, import_sync_file(self->fd, DMA_BUF_SYNC_WRITE, sync_fd));
	close(sync_fd);
	lowest = lowest_free_fd();
	fds = open_fds();
	ASSERT_LE(0, lowest);

	/* every fd below the limit is taken */
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	full = old;
	full.rlim_cur = lowest;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &full));
	arg = (struct dma_buf_export_sync_file){ .flags = DMA_BUF_SYNC_READ, .fd = -7 };
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg));
	EXPECT_EQ(EMFILE, errno);
	EXPECT_EQ(-7, arg.fd);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));

	EXPECT_EQ(lowest, lowest_free_fd());
	EXPECT_EQ(fds, open_fds());
	arg.fd = -7;
	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg));
	EXPECT_EQ(lowest, arg.fd);
	EXPECT_EQ(0, ready(arg.fd, POLLIN));
	close(arg.fd);
}

/* A DMA_BUF_IOCTL_SYNC in a thread of its own, and a pipe saying it started. */
struct blocked_sync {
	int fd;
	__u64 flags;
	int started[2];
	pid_t tid;
	int ret;
	int err;
	int done;	/* read and written with __atomic builtins */
};

static void *sync_thread(void *arg)
{
	struct blocked_sync *b = arg;
	struct dma_buf_sync s = { .flags = b->flags };

	b->tid = gettid();
	if (write(b->started[1], "s", 1) != 1)
		return NULL;
	b->ret = ioctl(b->fd, DMA_BUF_IOCTL_SYNC, &s);
	b->err = errno;
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The state letter of thread @tid in /proc, or 0. */
static char task_state(pid_t tid)
{
	char path[64], *text, *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	text = slurp(path);
	p = text ? strrchr(text, ')') : NULL;
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Starts the ioctl in a thread and waits until that thread is asleep (or
 * already done): the ioctl is the only thing it can sleep in after saying
 * it started. No clock is involved; the loop only bounds a hang.
 */
static void start_blocked_sync(struct __test_metadata *_metadata, struct blocked_sync *b,
			       pthread_t *t)
{
	char c;
	int i;

	ASSERT_EQ(0, pipe(b->started));
	ASSERT_EQ(0, pthread_create(t, NULL, sync_thread, b));
	ASSERT_EQ(1, read(b->started[0], &c, 1));
	for (i = 0; i < 100000; i++) {
		if (__atomic_load_n(&b->done, __ATOMIC_ACQUIRE) || task_state(b->tid) == 'S')
			break;
		usleep(100);
	}
	ASSERT_LT(i, 100000) TH_LOG("the thread neither slept nor returned");
	close(b->started[0]);
	close(b->started[1]);
}

TEST_F(swsync, sync_ioctl_waits_for_an_imported_writer)
{
	struct blocked_sync b = {
		.fd = self->fd, .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
	};
	int sync_fd = sw_sync_fence(self->timeline, 1);
	__u32 one = 1;
	pthread_t t;

	ASSERT_LE(0, sync_fd);
	ASSERT_EQ(0, import_sync_file(self->fd, DMA_BUF_SYNC_WRITE, sync_fd));
	close(sync_fd);

	start_blocked_sync(_metadata, &b, &t);
	EXPECT_EQ(0, __atomic_load_n(&b.done, __ATOMIC_ACQUIRE));
	/* meanwhile the main thread gets on: the writer is still pending */
	EXPECT_EQ(0, ready(self->fd, POLLIN));
	EXPECT_EQ(0, __atomic_load_n(&b.done, __ATOMIC_ACQUIRE));

	ASSERT_EQ(0, ioctl(self->timeline, SW_SYNC_IOC_INC, &one));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(1, b.done);
	EXPECT_EQ(0, b.ret) TH_LOG("errno %d", b.err);
	EXPECT_EQ(0, cpu_sync(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
}

TEST_F(swsync, sync_ioctl_ignores_imported_readers)
{
	int sync_fd = sw_sync_fence(self->timeline, 1);
	__u32 one = 1;

	/* a CPU read need not wait for a device read; returns at once */
	ASSERT_LE(0, sync_fd);
	ASSERT_EQ(0, import_sync_file(self->fd, DMA_BUF_SYNC_READ, sync_fd));
	close(sync_fd);
	EXPECT_EQ(0, cpu_sync(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0, cpu_sync(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0, ready(self->fd, POLLOUT));
	ASSERT_EQ(0, ioctl(self->timeline, SW_SYNC_IOC_INC, &one));
}

static void on_usr1(int sig)
{
}

TEST_F(swsync, sync_ioctl_interrupted_by_a_signal)
{
	struct blocked_sync b = {
		.fd = self->fd, .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
	};
	/* no SA_RESTART: the interrupted ioctl must fail with EINTR */
	struct sigaction sa = { .sa_handler = on_usr1 };
	int sync_fd = sw_sync_fence(self->timeline, 1);
	__u32 one = 1;
	pthread_t t;
	int i;

	ASSERT_LE(0, sync_fd);
	ASSERT_EQ(0, import_sync_file(self->fd, DMA_BUF_SYNC_READ, sync_fd));
	close(sync_fd);
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));

	start_blocked_sync(_metadata, &b, &t);
	ASSERT_EQ(0, __atomic_load_n(&b.done, __ATOMIC_ACQUIRE));
	/* again until it returns, in case one landed before the wait began */
	for (i = 0; i < 100000 && !__atomic_load_n(&b.done, __ATOMIC_ACQUIRE); i++) {
		pthread_kill(t, SIGUSR1);
		usleep(100);
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-1, b.ret);
	EXPECT_EQ(EINTR, b.err);

	/* the fence is still pending and still in the buffer */
	EXPECT_EQ(0, ready(self->fd, POLLOUT));
	ASSERT_EQ(0, ioctl(self->timeline, SW_SYNC_IOC_INC, &one));
	EXPECT_EQ(POLLIN | POLLOUT, ready(self->fd, POLLIN | POLLOUT));
}

TEST_HARNESS_MAIN
