// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures inside the calls that make, name, import, synchronise
 * and poll buffers. failslab fails the 1st, then the 2nd, ... slab
 * allocation of the calling thread (/proc/thread-self/fail-nth) until the
 * call runs to completion. Every failed call must fail with an error its
 * caller can expect and leave nothing behind: no fd, no buffer, no name
 * change, no fence, no attachment, no reference.
 *
 * Errors accepted, besides success: ENOMEM for every call, the only error a
 * failed allocation stands for. What the calls allocate, and why their
 * other errors cannot come up here:
 *  - DMA_HEAP_IOCTL_ALLOC, UDMABUF_CREATE: the exporter's buffer and table,
 *    the core's buffer, inode, dentry and file, maybe a bigger fd table
 *    (EMFILE and ENFILE need full fd tables, EINVAL bad arguments);
 *  - DMA_BUF_SET_NAME: nothing, the name is copied into the buffer (EFAULT
 *    and EINVAL need a bad pointer or a long name);
 *  - EXPORT_SYNC_FILE: the fence array for several fences, the sync_file
 *    and its file (EINVAL: bad flags, EMFILE: no fd, EFAULT: bad argument);
 *  - IMPORT_SYNC_FILE: room in the reservation object (EINVAL: bad flags or
 *    not a sync_file);
 *  - DMA_BUF_IOCTL_SYNC: udmabuf's table for CPU access, nothing for the
 *    heap (EINTR needs a signal, EINVAL bad flags);
 *  - DRM_IOCTL_PRIME_FD_TO_HANDLE: the attachment, the mapped table and the
 *    core's debug copy of it, the GEM object, its handle and PRIME entry;
 *  - poll() of one fd allocates nothing, EPOLL_CTL_ADD its item and wait
 *    entry (EEXIST, EBADF, EINVAL need misuse).
 * A call that fails with no fault injected fails the test.
 */
#include <poll.h>
#include <sys/epoll.h>
#include <linux/sync_file.h>

#include "dmabuf-util.h"
#include "../kselftest_harness.h"

#define LEN (16 * 4096)
/* far more allocations than any of these calls makes */
#define MAX_STEPS 200
#define FAILSLAB "/sys/kernel/debug/failslab/"

static int sw_sync_inc(int timeline)
{
	__u32 one = 1;

	return ioctl(timeline, SW_SYNC_IOC_INC, &one);
}

static short ready(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

/* The last line of bufinfo: how many buffers exist and their bytes. */
static int bufinfo_totals(long *objects, unsigned long *bytes)
{
	char *text = slurp(BUFINFO), *last = NULL, *p;

	if (!text)
		return -1;
	for (p = strstr(text, "\nTotal "); p; p = strstr(p + 1, "\nTotal "))
		last = p;
	if (!last || sscanf(last, "\nTotal %ld objects, %lu bytes", objects, bytes) != 2)
		return -1;
	return 0;
}

/* How many devices bufinfo lists as attached to the buffer of inode @ino. */
static int bufinfo_attached(unsigned long ino)
{
	char *entry, *p;
	int n;

	if (bufinfo_has(ino, &entry) != 1)
		return -1;
	p = strstr(entry, "\nTotal ");
	if (!p || sscanf(p, "\nTotal %d devices attached", &n) != 1)
		return -1;
	return n;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Everything one operation may need; each test fills in its part. */
struct ctx {
	int nth;		/* /proc/thread-self/fail-nth */
	int fd;			/* a buffer */
	int dev;		/* the heap or udmabuf device */
	int memfd;
	int timeline[2];
	int sync_fd;
	int drm;
	__u32 handle;
	int ep;
	__u64 sync_flags;
	short expect;		/* what a sync_file or poll made by the call reports */
	short seen;
	struct dma_buf_export_sync_file export;
};

struct op {
	const char *name;
	/* one attempt: a result >= 0, or -errno */
	int (*call)(struct ctx *c);
	/* gives back what a successful attempt made */
	void (*undo)(struct __test_metadata *_metadata, struct ctx *c, int ret);
	/* whether the state is what it was before a failed attempt */
	bool (*unchanged)(struct ctx *c);
	/* the call allocates: the sweep must have injected a fault */
	bool allocates;
};

static int nth_set(int nth, unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	return pwrite(nth, s, len, 0) == len ? 0 : -1;
}

/* The count left after the call, 0 if the fault was injected; disarms. */
static long nth_take(int nth)
{
	char s[16] = "";
	ssize_t n = pread(nth, s, sizeof(s) - 1, 0);

	if (n <= 0 || nth_set(nth, 0))
		return -1;
	return strtol(s, NULL, 10);
}

/*
 * Fails allocation 1, 2, ... of @op until it completes. fds and buffers are
 * counted after every attempt, once a success has been undone.
 */
static void sweep(struct __test_metadata *_metadata, struct ctx *c, const struct op *op)
{
	unsigned long bytes0, bytes;
	long objects0, objects, left;
	int fds0, n, ret;
	char at[64];

	fds0 = open_fds();
	ASSERT_LT(0, fds0);
	ASSERT_EQ(0, bufinfo_totals(&objects0, &bytes0));

	for (n = 1; n <= MAX_STEPS; n++) {
		snprintf(at, sizeof(at), "%s, allocation %d failing", op->name, n);
		ASSERT_EQ(0, nth_set(c->nth, n));
		ret = op->call(c);
		left = nth_take(c->nth);
		ASSERT_LE(0, left);

		if (ret < 0) {
			EXPECT_EQ(ENOMEM, -ret) TH_LOG("%s: %s", at, strerror(-ret));
			EXPECT_EQ(0, left) TH_LOG("%s: failed with no fault injected", at);
			if (op->unchanged)
				EXPECT_TRUE(op->unchanged(c)) TH_LOG("%s: state changed", at);
		} else if (op->undo) {
			op->undo(_metadata, c, ret);
		}
		EXPECT_EQ(fds0, open_fds()) TH_LOG("%s: fds leaked", at);
		ASSERT_EQ(0, bufinfo_totals(&objects, &bytes));
		EXPECT_EQ(objects0, objects) TH_LOG("%s: buffers leaked", at);
		EXPECT_EQ(bytes0, bytes);
		if (left || _metadata->exit_code != KSFT_PASS)
			break;
	}
	EXPECT_GE(MAX_STEPS, n) TH_LOG("%s still failing at allocation %d", op->name, n);
	if (op->allocates)
		EXPECT_LT(1, n) TH_LOG("%s: no allocation could be failed", op->name);
	/* a diagnostic line: how many allocations the call made */
	TH_LOG("%s: completed at step %d", op->name, n);
}

FIXTURE(faults) {
	struct ctx c;
};

FIXTURE_SETUP(faults)
{
	struct ctx *c = &self->c;

	*c = (struct ctx){
		.fd = -1, .dev = -1, .memfd = -1, .timeline = { -1, -1 },
		.sync_fd = -1, .drm = -1, .ep = -1,
	};
	c->nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (c->nth < 0)
		SKIP(return, "no fault injection (CONFIG_FAULT_INJECTION)");
	/* sleeping allocations fail too; nothing but fail-nth injects, quietly */
	ASSERT_EQ(0, write_str(FAILSLAB "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, write_str(FAILSLAB "probability", "0"));
	ASSERT_EQ(0, write_str(FAILSLAB "verbose", "0"));
}

FIXTURE_TEARDOWN(faults)
{
	struct ctx *c = &self->c;
	int fds[] = {
		c->fd, c->dev, c->memfd, c->sync_fd, c->ep, c->nth,
		c->timeline[0], c->timeline[1],
	};

	if (c->drm >= 0) {
		if (c->handle)
			drm_close(c->drm, c->handle);
		close(c->drm);
	}
	/* closing a timeline signals what is left on it */
	for (unsigned int i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void close_ret(struct __test_metadata *_metadata, struct ctx *c, int ret)
{
	close(ret);
}

static int heap_call(struct ctx *c)
{
	struct dma_heap_allocation_data d = { .len = LEN, .fd_flags = O_RDWR | O_CLOEXEC };

	return ioctl(c->dev, DMA_HEAP_IOCTL_ALLOC, &d) ? -errno : (int)d.fd;
}

TEST_F(faults, heap_alloc)
{
	static const struct op op = {
		"DMA_HEAP_IOCTL_ALLOC", heap_call, close_ret, NULL, true,
	};

	self->c.dev = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->c.dev);
	sweep(_metadata, &self->c, &op);
}

static int udmabuf_call(struct ctx *c)
{
	struct udmabuf_create u = {
		.memfd = c->memfd, .flags = UDMABUF_FLAGS_CLOEXEC, .size = LEN,
	};
	int fd = ioctl(c->dev, UDMABUF_CREATE, &u);

	return fd < 0 ? -errno : fd;
}

TEST_F(faults, udmabuf_create)
{
	static const struct op op = {
		"UDMABUF_CREATE", udmabuf_call, close_ret, NULL, true,
	};
	struct ctx *c = &self->c;

	c->memfd = memfd_create("dmabuf-faults", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	ASSERT_LE(0, c->memfd);
	ASSERT_EQ(0, ftruncate(c->memfd, LEN));
	ASSERT_EQ(0, fcntl(c->memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	c->dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, c->dev);
	sweep(_metadata, c, &op);
}

static int set_name_call(struct ctx *c)
{
	return ioctl(c->fd, DMA_BUF_SET_NAME, "after") ? -errno : 0;
}

static bool name_is_before(struct ctx *c)
{
	char v[64];

	return !fdinfo_field(c->fd, "name", v, sizeof(v)) && !strcmp(v, "before");
}

TEST_F(faults, set_name)
{
	static const struct op op = {
		"DMA_BUF_SET_NAME", set_name_call, NULL, name_is_before, false,
	};
	char v[64];

	self->c.fd = heap_alloc(LEN);
	ASSERT_LE(0, self->c.fd);
	ASSERT_EQ(0, ioctl(self->c.fd, DMA_BUF_SET_NAME, "before"));
	sweep(_metadata, &self->c, &op);
	ASSERT_EQ(0, fdinfo_field(self->c.fd, "name", v, sizeof(v)));
	EXPECT_STREQ("after", v);
}

static int export_call(struct ctx *c)
{
	c->export = (struct dma_buf_export_sync_file){ .flags = DMA_BUF_SYNC_READ, .fd = -7 };
	if (ioctl(c->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &c->export))
		return -errno;
	return c->export.fd;
}

static void export_undo(struct __test_metadata *_metadata, struct ctx *c, int ret)
{
	EXPECT_EQ(c->expect, ready(ret, POLLIN));
	close(ret);
}

static bool export_unchanged(struct ctx *c)
{
	/* nothing written back, and the buffer's fences as they were */
	return c->export.fd == -7 && ready(c->fd, POLLIN) == (c->expect ? POLLIN : 0);
}

/* A heap buffer with @fences pending writes, each on a timeline of its own. */
static void buffer_with_writers(struct __test_metadata *_metadata, struct ctx *c, int fences)
{
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };

	c->fd = heap_alloc(LEN);
	ASSERT_LE(0, c->fd);
	for (int i = 0; i < fences; i++) {
		c->timeline[i] = open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, c->timeline[i]) TH_LOG("no sw_sync in debugfs");
		imp.fd = sw_sync_fence(c->timeline[i], 1);
		ASSERT_LE(0, imp.fd);
		ASSERT_EQ(0, ioctl(c->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp));
		close(imp.fd);
	}
}

static const struct op export_op = {
	"DMA_BUF_IOCTL_EXPORT_SYNC_FILE", export_call, export_undo, export_unchanged, true,
};

TEST_F(faults, export_sync_file_without_fences)
{
	buffer_with_writers(_metadata, &self->c, 0);
	self->c.expect = POLLIN;	/* the stub, signalled */
	sweep(_metadata, &self->c, &export_op);
}

TEST_F(faults, export_sync_file_one_fence)
{
	buffer_with_writers(_metadata, &self->c, 1);
	sweep(_metadata, &self->c, &export_op);
}

TEST_F(faults, export_sync_file_two_fences)
{
	/* two contexts: the snapshot is a new fence array */
	buffer_with_writers(_metadata, &self->c, 2);
	sweep(_metadata, &self->c, &export_op);
}

static int import_call(struct ctx *c)
{
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE, .fd = c->sync_fd };

	return ioctl(c->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp) ? -errno : 0;
}

static bool no_fences(struct ctx *c)
{
	return ready(c->fd, POLLIN | POLLOUT) == (POLLIN | POLLOUT);
}

static const struct op import_op = {
	"DMA_BUF_IOCTL_IMPORT_SYNC_FILE", import_call, NULL, no_fences, true,
};

TEST_F(faults, import_sync_file)
{
	struct ctx *c = &self->c;

	buffer_with_writers(_metadata, c, 0);
	c->timeline[0] = open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, c->timeline[0]) TH_LOG("no sw_sync in debugfs");
	c->sync_fd = sw_sync_fence(c->timeline[0], 1);
	ASSERT_LE(0, c->sync_fd);
	sweep(_metadata, c, &import_op);
	EXPECT_EQ(0, ready(c->fd, POLLIN | POLLOUT));
	ASSERT_EQ(0, sw_sync_inc(c->timeline[0]));
	EXPECT_EQ(POLLIN | POLLOUT, ready(c->fd, POLLIN | POLLOUT));
}

TEST_F(faults, import_merged_sync_file)
{
	struct ctx *c = &self->c;
	struct sync_merge_data m = { .name = "merged" };
	int a, b;

	buffer_with_writers(_metadata, c, 0);
	for (int i = 0; i < 2; i++) {
		c->timeline[i] = open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, c->timeline[i]) TH_LOG("no sw_sync in debugfs");
	}
	a = sw_sync_fence(c->timeline[0], 1);
	b = sw_sync_fence(c->timeline[1], 1);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	m.fd2 = b;
	ASSERT_EQ(0, ioctl(a, SYNC_IOC_MERGE, &m));
	close(a);
	close(b);
	c->sync_fd = m.fence;
	sweep(_metadata, c, &import_op);

	/* both fences went in: the buffer waits for each */
	ASSERT_EQ(0, sw_sync_inc(c->timeline[0]));
	EXPECT_EQ(0, ready(c->fd, POLLIN));
	ASSERT_EQ(0, sw_sync_inc(c->timeline[1]));
	EXPECT_EQ(POLLIN, ready(c->fd, POLLIN));
}

static int sync_call(struct ctx *c)
{
	struct dma_buf_sync s = { .flags = c->sync_flags };

	return ioctl(c->fd, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

static void sync_undo(struct __test_metadata *_metadata, struct ctx *c, int ret)
{
	if (!(c->sync_flags & DMA_BUF_SYNC_END))
		EXPECT_EQ(0, cpu_sync(c->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
}

TEST_F(faults, cpu_sync_heap)
{
	static const struct op op = {
		"DMA_BUF_IOCTL_SYNC heap", sync_call, sync_undo, NULL, false,
	};

	self->c.fd = heap_alloc(LEN);
	ASSERT_LE(0, self->c.fd);
	self->c.sync_flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	sweep(_metadata, &self->c, &op);
	self->c.sync_flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	sweep(_metadata, &self->c, &op);
}

TEST_F(faults, cpu_sync_udmabuf)
{
	/* udmabuf maps its table for the CPU on the first begin */
	static const struct op op = {
		"DMA_BUF_IOCTL_SYNC udmabuf", sync_call, sync_undo, NULL, true,
	};

	self->c.fd = udmabuf_alloc(LEN, NULL);
	ASSERT_LE(0, self->c.fd);
	self->c.sync_flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	sweep(_metadata, &self->c, &op);
}

static int vgem_import_call(struct ctx *c)
{
	return drm_import(c->drm, c->fd, &c->handle);
}

static bool not_imported(struct ctx *c)
{
	/* our fd is the only reference left, and nothing is attached */
	return fdinfo_count(c->fd) == 1 && bufinfo_attached(fd_ino(c->fd)) == 0;
}

static void vgem_import_undo(struct __test_metadata *_metadata, struct ctx *c, int ret)
{
	EXPECT_EQ(1, bufinfo_attached(fd_ino(c->fd)));
	EXPECT_EQ(0, drm_close(c->drm, c->handle));
	c->handle = 0;
	EXPECT_TRUE(not_imported(c));
}

TEST_F(faults, vgem_prime_import)
{
	static const struct op op = {
		"DRM_IOCTL_PRIME_FD_TO_HANDLE", vgem_import_call, vgem_import_undo,
		not_imported, true,
	};

	self->c.drm = drm_open("vgem");
	ASSERT_LE(0, self->c.drm) TH_LOG("no vgem device");
	self->c.fd = heap_alloc(LEN);
	ASSERT_LE(0, self->c.fd);
	sweep(_metadata, &self->c, &op);
}

/* Waits (bounded) for the fence callbacks to drop their references. */
static void wait_for_one_reference(struct __test_metadata *_metadata, int fd)
{
	int i;

	for (i = 0; i < 1000 && fdinfo_count(fd) != 1; i++)
		usleep(10 * 1000);
	EXPECT_EQ(1, fdinfo_count(fd));
}

static int poll_call(struct ctx *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	int n = poll(&p, 1, 0);

	if (n < 0)
		return -errno;
	c->seen = p.revents;
	return n;
}

TEST_F(faults, poll_pending_fence)
{
	static const struct op op = { "poll", poll_call, NULL, NULL, false };
	struct ctx *c = &self->c;

	buffer_with_writers(_metadata, c, 1);
	c->seen = -1;
	sweep(_metadata, c, &op);
	EXPECT_EQ(0, c->seen);
	ASSERT_EQ(0, sw_sync_inc(c->timeline[0]));
	wait_for_one_reference(_metadata, c->fd);
	EXPECT_EQ(POLLIN, ready(c->fd, POLLIN));
}

static int epoll_add_call(struct ctx *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT };

	return epoll_ctl(c->ep, EPOLL_CTL_ADD, c->fd, &ev) ? -errno : 0;
}

static void epoll_add_undo(struct __test_metadata *_metadata, struct ctx *c, int ret)
{
	struct epoll_event ev;

	EXPECT_EQ(0, epoll_wait(c->ep, &ev, 1, 0));
	EXPECT_EQ(0, epoll_ctl(c->ep, EPOLL_CTL_DEL, c->fd, NULL));
}

static bool not_in_epoll(struct ctx *c)
{
	return epoll_ctl(c->ep, EPOLL_CTL_DEL, c->fd, NULL) == -1 && errno == ENOENT;
}

TEST_F(faults, epoll_add_pending_fence)
{
	static const struct op op = {
		"EPOLL_CTL_ADD", epoll_add_call, epoll_add_undo, not_in_epoll, true,
	};
	struct ctx *c = &self->c;

	buffer_with_writers(_metadata, c, 1);
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, c->ep);
	sweep(_metadata, c, &op);
	/* an armed fence callback holds the buffer until the fence signals */
	ASSERT_EQ(0, sw_sync_inc(c->timeline[0]));
	wait_for_one_reference(_metadata, c->fd);
}

TEST_HARNESS_MAIN
