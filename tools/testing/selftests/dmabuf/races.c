// SPDX-License-Identifier: GPL-2.0
/*
 * Races on one buffer between threads (and processes), through the system
 * heap, udmabuf, vgem and sw_sync: close against poll and epoll with a
 * fence pending, renaming against every reader of the name, the last close
 * against debugfs, fd passing with the sender or the receiving socket
 * letting go mid-flight, mmap and munmap against close, CPU-access
 * brackets and sync_file ioctls all at once, and PRIME import and export
 * against the other side letting go.
 *
 * Every test is a bounded loop whose length DMABUF_STRESS_SCALE (a positive
 * integer, default 1) multiplies. Each call must succeed or fail with the
 * errno its race allows. Every worker is joined before a test ends, and
 * then bufinfo must count as many buffers and the fd table hold as many fds
 * as at its start. No pass or fail depends on time (the durations logged
 * are for tuning the loops): a lost wake-up shows as a hang, which the
 * runner's timeout reports.
 */
/* as dmabuf-util.h does, but before the first libc header */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "dmabuf-util.h"
#include "../kselftest_harness.h"

#define LEN (4 * 4096)

static int stress_scale(void)
{
	const char *s = getenv("DMABUF_STRESS_SCALE");
	char *end;
	long v;

	if (!s || !*s)
		return 1;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 100000) {
		ksft_print_msg("DMABUF_STRESS_SCALE=%s is not a positive integer; using 1\n", s);
		return 1;
	}
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A failure seen by any thread: the first one is kept for the report, the
 * others only counted. Workers cannot use the harness's ASSERTs, which
 * would leave the test with threads still running.
 */
struct failures {
	int count;		/* __atomic */
	char first[256];
};

static void __printf(2, 3) fail(struct failures *f, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_fetch_add(&f->count, 1, __ATOMIC_ACQ_REL))
		return;
	va_start(ap, fmt);
	vsnprintf(f->first, sizeof(f->first), fmt, ap);
	va_end(ap);
}

static bool failed(struct failures *f)
{
	return __atomic_load_n(&f->count, __ATOMIC_ACQUIRE);
}

static void stat_inc(int *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

/*
 * Up to a few tens of thousands of idle loops, different for every round
 * and thread: under TCG that is about as long as a system call, so the
 * calls of a round overlap in ever different ways. A quarter of the time
 * there is no delay at all.
 */
static void jitter(unsigned int round, unsigned int who)
{
	unsigned int h = (round + 1) * 2654435761u ^ (who + 1) * 40503u * 2246822519u;

	if (!(h & 3))
		return;
	for (unsigned int spin = h >> 17; spin; spin--)
		__asm__ __volatile__("" ::: "memory");
}

/* What bufinfo and the fd table held when the test started. */
struct baseline {
	long objects;
	int lowest;
	int fds;
};

static void take_baseline(struct __test_metadata *_metadata, struct baseline *b)
{
	b->objects = bufinfo_objects();
	b->lowest = lowest_free_fd();
	b->fds = open_fds();
	ASSERT_LE(0, b->objects) TH_LOG("cannot read %s", BUFINFO);
	ASSERT_LE(0, b->lowest);
	ASSERT_LE(0, b->fds);
}

/*
 * A last reference dropped from a fence callback or by a kernel thread is
 * released from a workqueue: give it a moment instead of failing at once.
 */
static long settled_objects(long want)
{
	long n = bufinfo_objects();

	for (int i = 0; i < 500 && n != want; i++) {
		usleep(10 * 1000);
		n = bufinfo_objects();
	}
	return n;
}

/* Whether the buffer of inode @ino has left bufinfo, with the same grace. */
static bool gone(unsigned long ino)
{
	for (int i = 0; i < 500; i++) {
		if (!bufinfo_has(ino, NULL))
			return true;
		usleep(10 * 1000);
	}
	return false;
}

static void check_baseline(struct __test_metadata *_metadata, const struct baseline *b)
{
	EXPECT_EQ(b->objects, settled_objects(b->objects));
	EXPECT_EQ(b->lowest, lowest_free_fd());
	EXPECT_EQ(b->fds, open_fds());
}

static void report(struct __test_metadata *_metadata, struct failures *f)
{
	EXPECT_EQ(0, f->count) TH_LOG("%d failures, the first: %s", f->count, f->first);
}

/* slurp() for threads: into the caller's buffer; the length or -errno. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + total, size - 1 - total)) > 0)
		total += n;
	if (n < 0)
		total = -errno;
	close(fd);
	if (total >= 0)
		buf[total] = '\0';
	return total;
}

static char *line_end(char *s)
{
	char *end = strchr(s, '\n');

	return end ? end : s + strlen(s);
}

/* Heap and udmabuf buffers by turns. */
static int new_buffer(unsigned int i, size_t len)
{
	return (i & 1) ? udmabuf_alloc(len, NULL) : heap_alloc(len);
}

static __u32 word_of(unsigned int tag, size_t i)
{
	return (tag + 1) * 0x9e3779b1u ^ (__u32)i;
}

static void fill(void *p, size_t len, unsigned int tag)
{
	__u32 *w = p;

	for (size_t i = 0; i < len / sizeof(*w); i++)
		w[i] = word_of(tag, i);
}

static bool intact(const void *p, size_t len, unsigned int tag)
{
	const __u32 *w = p;

	for (size_t i = 0; i < len / sizeof(*w); i++)
		if (w[i] != word_of(tag, i))
			return false;
	return true;
}

/*
 * Writes or checks the pattern of @tag through a mapping of its own. Only
 * the CPU touches these buffers, so no DMA_BUF_IOCTL_SYNC bracket is due.
 * 0, -errno of mmap, or 1 for a mismatch.
 */
static int through_mapping(int fd, size_t len, unsigned int tag, bool write)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int ret = 0;

	if (p == MAP_FAILED)
		return -errno;
	if (write)
		fill(p, len, tag);
	else if (!intact(p, len, tag))
		ret = 1;
	munmap(p, len);
	return ret;
}

/*
 * A crew of worker threads that run one step function each, a round at a
 * time: the main thread sets a round up, starts it, waits until every
 * worker is through, and checks. The state below is under the mutex.
 */
#define CREW_MAX 4

typedef void (*step_fn)(void *ctx, unsigned int round);

struct crew;

struct crew_member {
	struct crew *crew;
	step_fn step;
	pthread_t thread;
};

struct crew {
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	struct crew_member member[CREW_MAX];
	unsigned int n;
	unsigned int gen;	/* bumped to start a round */
	unsigned int finished;	/* workers through the current round */
	unsigned int round;
	bool stop;
	void *ctx;
};

static void *crew_worker(void *arg)
{
	struct crew_member *m = arg;
	struct crew *c = m->crew;
	unsigned int seen = 0, round;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (c->gen == seen && !c->stop)
			pthread_cond_wait(&c->go, &c->lock);
		if (c->stop)
			break;
		seen = c->gen;
		round = c->round;
		pthread_mutex_unlock(&c->lock);
		m->step(c->ctx, round);
		pthread_mutex_lock(&c->lock);
		if (++c->finished == c->n)
			pthread_cond_signal(&c->done);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void crew_stop(struct crew *c)
{
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_broadcast(&c->go);
	pthread_mutex_unlock(&c->lock);
	for (unsigned int i = 0; i < c->n; i++)
		pthread_join(c->member[i].thread, NULL);
	c->n = 0;
}

/* Starts one worker per step; 0, or -1 with none left running. */
static int crew_start(struct crew *c, void *ctx, const step_fn *steps, unsigned int n)
{
	*c = (struct crew){
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.go = PTHREAD_COND_INITIALIZER, .done = PTHREAD_COND_INITIALIZER,
		.n = n, .ctx = ctx,
	};
	for (unsigned int i = 0; i < n; i++) {
		c->member[i] = (struct crew_member){ .crew = c, .step = steps[i] };
		if (pthread_create(&c->member[i].thread, NULL, crew_worker, &c->member[i])) {
			c->n = i;
			crew_stop(c);
			return -1;
		}
	}
	return 0;
}

static void crew_round(struct crew *c, unsigned int round)
{
	pthread_mutex_lock(&c->lock);
	c->round = round;
	c->finished = 0;
	c->gen++;
	pthread_cond_broadcast(&c->go);
	while (c->finished < c->n)
		pthread_cond_wait(&c->done, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

static int import_sync_file(int fd, __u32 flags, int sync_fd)
{
	struct dma_buf_import_sync_file arg = { .flags = flags, .fd = sync_fd };

	return ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &arg) ? -errno : 0;
}

static int export_sync_file(int fd, __u32 flags)
{
	struct dma_buf_export_sync_file arg = { .flags = flags, .fd = -1 };

	return ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg) ? -errno : arg.fd;
}

static int sw_sync_inc(int timeline)
{
	__u32 one = 1;

	return ioctl(timeline, SW_SYNC_IOC_INC, &one) ? -errno : 0;
}

/*
 * 1. close() against poll() and epoll_wait() on a buffer whose pending
 * write fence another thread signals. poll() holds the file, so it returns
 * once the fence signals, or at once with POLLNVAL if the fd was closed
 * first. epoll holds no reference: the buffer may go, and its item with it,
 * before the event is collected, so an eventfd ends that wait once the
 * closer and the signaller are both done.
 *
 * The fence wakes the writers' side and the readers' side one after the
 * other, so a poll in between finds only one of them ready: any non-empty
 * part of EPOLLIN | EPOLLOUT is right, and nothing else is.
 */
#define EP_BUF 1
#define EP_KICK 2

struct pending {
	struct failures f;
	int timeline;
	int fd;
	int ep, kick;
	int left;		/* __atomic: closer and signaller still to go */
	int poll_ready, poll_closed, epoll_ready, partial;	/* __atomic */
};

static void pending_one_done(struct pending *p)
{
	__u64 one = 1;

	if (!__atomic_sub_fetch(&p->left, 1, __ATOMIC_ACQ_REL) &&
	    write(p->kick, &one, sizeof(one)) != sizeof(one))
		fail(&p->f, "eventfd write: %s", strerror(errno));
}

/* Whether @events is a right answer of a poll that found the buffer ready. */
static bool ready_events(struct pending *p, unsigned int events)
{
	if (!events || (events & ~(EPOLLIN | EPOLLOUT)))
		return false;
	if (events != (EPOLLIN | EPOLLOUT))
		stat_inc(&p->partial);
	return true;
}

static void pending_poll(void *ctx, unsigned int round)
{
	struct pending *p = ctx;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN | POLLOUT };
	int ret;

	jitter(round, 0);
	ret = poll(&pfd, 1, -1);
	if (ret != 1)
		fail(&p->f, "round %u: poll returned %d: %s", round, ret, strerror(errno));
	else if (pfd.revents == POLLNVAL)
		stat_inc(&p->poll_closed);
	else if (ready_events(p, pfd.revents))
		stat_inc(&p->poll_ready);
	else
		fail(&p->f, "round %u: poll revents %#x", round, pfd.revents);
}

static void pending_epoll(void *ctx, unsigned int round)
{
	struct pending *p = ctx;
	struct epoll_event ev[2];
	bool kicked = false;
	int n;

	jitter(round, 1);
	while (!kicked) {
		n = epoll_wait(p->ep, ev, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(&p->f, "round %u: epoll_wait returned %d: %s", round, n,
			     strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u32 == EP_KICK)
				kicked = true;
			else if (ev[i].data.u32 != EP_BUF || !ready_events(p, ev[i].events))
				fail(&p->f, "round %u: epoll event %#x for %u", round,
				     ev[i].events, ev[i].data.u32);
			else
				stat_inc(&p->epoll_ready);
		}
	}
}

static void pending_signal(void *ctx, unsigned int round)
{
	struct pending *p = ctx;
	int ret;

	jitter(round, 2);
	ret = sw_sync_inc(p->timeline);
	if (ret)
		fail(&p->f, "round %u: SW_SYNC_IOC_INC: %s", round, strerror(-ret));
	pending_one_done(p);
}

static void pending_close(void *ctx, unsigned int round)
{
	struct pending *p = ctx;

	jitter(round, 3);
	if (close(p->fd))
		fail(&p->f, "round %u: close: %s", round, strerror(errno));
	pending_one_done(p);
}

/* The round's buffer with a pending write fence, registered with a new epoll. */
static int pending_setup(struct pending *p, unsigned int round)
{
	struct epoll_event buf_ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLONESHOT, .data.u32 = EP_BUF,
	};
	struct epoll_event kick_ev = { .events = EPOLLIN, .data.u32 = EP_KICK };
	int sync_fd, ret;

	p->fd = heap_alloc(4096);
	if (p->fd < 0)
		return p->fd;
	sync_fd = sw_sync_fence(p->timeline, round + 1);
	if (sync_fd < 0)
		return sync_fd;
	ret = import_sync_file(p->fd, DMA_BUF_SYNC_WRITE, sync_fd);
	close(sync_fd);
	if (ret)
		return ret;
	p->ep = epoll_create1(EPOLL_CLOEXEC);
	p->kick = eventfd(0, EFD_CLOEXEC);
	if (p->ep < 0 || p->kick < 0 ||
	    epoll_ctl(p->ep, EPOLL_CTL_ADD, p->fd, &buf_ev) ||
	    epoll_ctl(p->ep, EPOLL_CTL_ADD, p->kick, &kick_ev))
		return -errno;
	p->left = 2;
	return 0;
}

TEST(close_races_poll_and_epoll_on_pending_fence)
{
	static const step_fn steps[] = {
		pending_poll, pending_epoll, pending_signal, pending_close,
	};
	unsigned int round, rounds = 200 * stress_scale();
	struct pending p = { .ep = -1, .kick = -1 };
	struct baseline base;
	double start = now();
	unsigned long ino = 0;
	struct crew crew;
	int ret;

	TH_LOG("scale %d: %u rounds of poll, epoll, signal and close", stress_scale(), rounds);
	take_baseline(_metadata, &base);
	p.timeline = open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, p.timeline) TH_LOG("no sw_sync in debugfs");
	ASSERT_EQ(0, crew_start(&crew, &p, steps, ARRAY_SIZE(steps)));

	for (round = 0; round < rounds && !failed(&p.f); round++) {
		ret = pending_setup(&p, round);
		if (ret) {
			fail(&p.f, "round %u: setting up: %s", round, strerror(-ret));
			if (p.fd >= 0)
				close(p.fd);
		} else {
			ino = fd_ino(p.fd);
			crew_round(&crew, round);
		}
		if (p.ep >= 0)
			close(p.ep);
		if (p.kick >= 0)
			close(p.kick);
		p.ep = -1;
		p.kick = -1;
		/* the fence has signalled and every fd is closed */
		if (!ret && !gone(ino))
			fail(&p.f, "round %u: buffer %lu outlived its fd and fence", round, ino);
	}
	crew_stop(&crew);
	close(p.timeline);

	TH_LOG("poll: %d ready, %d closed first; epoll: %d ready; %d only half ready; %.1f s",
	       p.poll_ready, p.poll_closed, p.epoll_ready, p.partial, now() - start);
	report(_metadata, &p.f);
	check_baseline(_metadata, &base);
}

/*
 * 2. DMA_BUF_SET_NAME (all three spellings) from two threads against
 * readlink() of /proc/<pid>/fd/N, the buffer's line in /proc/<pid>/maps and
 * the "name:" field of its fdinfo. Every read must show one of the names
 * whole.
 */
static const char *const names[] = {
	"n", "second", "a-longer-third-name",
	"0123456789abcdef0123456789abcde",	/* DMA_BUF_NAME_LEN - 1 */
};

struct naming {
	struct failures f;
	int fd;
	pid_t pid;
	int iters;
	int stop;		/* __atomic */
	int changes;		/* __atomic: times a reader saw the name change */
};

struct renamer {
	struct naming *n;
	unsigned int id;
};

/* Whether the @len bytes at @s are one of names[]. */
static bool known_name(const char *s, size_t len)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == len && !memcmp(names[i], s, len))
			return true;
	return false;
}

static void *rename_thread(void *arg)
{
	static const unsigned long cmds[] = {
		DMA_BUF_SET_NAME, DMA_BUF_SET_NAME_A, DMA_BUF_SET_NAME_B,
	};
	struct renamer *r = arg;
	struct naming *n = r->n;

	for (unsigned int i = 0; !__atomic_load_n(&n->stop, __ATOMIC_RELAXED); i++) {
		const char *name = names[(i + r->id * 2) % ARRAY_SIZE(names)];

		if (ioctl(n->fd, cmds[(i + r->id) % 3], name)) {
			fail(&n->f, "SET_NAME %s: %s", name, strerror(errno));
			break;
		}
		jitter(i, r->id);
	}
	return NULL;
}

/* Checks one name a reader found; counts changes from the previous read. */
static void seen_name(struct naming *n, const char *what, const char *s, size_t len,
		      char *last)
{
	if (!known_name(s, len)) {
		fail(&n->f, "%s showed \"%.*s\"", what, (int)len, s);
		return;
	}
	if (strlen(last) != len || memcmp(last, s, len)) {
		stat_inc(&n->changes);
		memcpy(last, s, len);
		last[len] = '\0';
	}
}

static void *readlink_thread(void *arg)
{
	struct naming *n = arg;
	char path[64], link[128], last[DMA_BUF_NAME_LEN] = "";
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", n->pid, n->fd);
	for (int i = 0; i < n->iters && !failed(&n->f); i++) {
		len = readlink(path, link, sizeof(link));
		if (len < 0) {
			fail(&n->f, "readlink %s: %s", path, strerror(errno));
			break;
		}
		if (len < 8 || memcmp(link, "/dmabuf:", 8)) {
			fail(&n->f, "readlink showed \"%.*s\"", (int)len, link);
			break;
		}
		seen_name(n, "readlink", link + 8, len - 8, last);
	}
	return NULL;
}

static void *maps_thread(void *arg)
{
	struct naming *n = arg;
	char path[64], last[DMA_BUF_NAME_LEN] = "", *text, *p, *end;
	ssize_t len;
	int lines;

	text = malloc(1 << 16);
	if (!text) {
		fail(&n->f, "no memory");
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", n->pid);
	for (int i = 0; i < n->iters && !failed(&n->f); i++) {
		len = read_file(path, text, 1 << 16);
		if (len < 0) {
			fail(&n->f, "reading %s: %s", path, strerror(-len));
			break;
		}
		lines = 0;
		for (p = strstr(text, "/dmabuf:"); p; p = strstr(end, "/dmabuf:")) {
			p += 8;
			end = line_end(p);
			seen_name(n, "maps", p, end - p, last);
			lines++;
		}
		/* the buffer is mapped once, the whole time */
		if (lines != 1)
			fail(&n->f, "maps showed %d dma-buf lines", lines);
	}
	free(text);
	return NULL;
}

static void *fdinfo_thread(void *arg)
{
	struct naming *n = arg;
	char path[64], text[1024], last[DMA_BUF_NAME_LEN] = "", *p;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", n->pid, n->fd);
	for (int i = 0; i < n->iters && !failed(&n->f); i++) {
		len = read_file(path, text, sizeof(text));
		if (len < 0) {
			fail(&n->f, "reading %s: %s", path, strerror(-len));
			break;
		}
		p = strstr(text, "\nname:\t");
		if (!p) {
			fail(&n->f, "fdinfo without a name: %s", text);
			break;
		}
		p += 7;
		seen_name(n, "fdinfo", p, line_end(p) - p, last);
	}
	return NULL;
}

TEST(set_name_races_readlink_maps_and_fdinfo)
{
	static void *(*const readers[])(void *) = {
		readlink_thread, maps_thread, fdinfo_thread,
	};
	struct naming n = { .pid = getpid(), .iters = 250 * stress_scale() };
	struct renamer r[2] = { { .n = &n, .id = 0 }, { .n = &n, .id = 1 } };
	pthread_t reader[ARRAY_SIZE(readers)], renamer[ARRAY_SIZE(r)];
	unsigned int started_readers = 0, started_renamers = 0, i;
	struct baseline base;
	double start = now();
	char link[128];
	void *map;

	TH_LOG("scale %d: %d reads each of readlink, maps and fdinfo against 2 renamers",
	       stress_scale(), n.iters);
	take_baseline(_metadata, &base);
	n.fd = heap_alloc(LEN);
	ASSERT_LE(0, n.fd);
	ASSERT_EQ(0, ioctl(n.fd, DMA_BUF_SET_NAME, names[0]));
	map = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, n.fd, 0);
	ASSERT_NE(MAP_FAILED, map);

	for (i = 0; i < ARRAY_SIZE(r); i++, started_renamers++)
		if (pthread_create(&renamer[i], NULL, rename_thread, &r[i]))
			break;
	for (i = 0; i < ARRAY_SIZE(readers); i++, started_readers++)
		if (pthread_create(&reader[i], NULL, readers[i], &n))
			break;
	for (i = 0; i < started_readers; i++)
		pthread_join(reader[i], NULL);
	__atomic_store_n(&n.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < started_renamers; i++)
		pthread_join(renamer[i], NULL);
	EXPECT_EQ(ARRAY_SIZE(readers), started_readers);
	EXPECT_EQ(ARRAY_SIZE(r), started_renamers);

	TH_LOG("readers saw the name change %d times; %.1f s", n.changes, now() - start);
	report(_metadata, &n.f);

	/* quiet again: the last name set is the one shown */
	ASSERT_EQ(0, ioctl(n.fd, DMA_BUF_SET_NAME_B, names[2]));
	ASSERT_EQ(0, fd_link(n.fd, link, sizeof(link)));
	EXPECT_STREQ("/dmabuf:a-longer-third-name", link);
	munmap(map, LEN);
	close(n.fd);
	check_baseline(_metadata, &base);
}

/*
 * 3. The last close of named buffers attached to vgem against threads
 * reading debugfs bufinfo. Each read is produced in one go under the list
 * lock, so it must be consistent in itself: well-formed entries, names
 * whole, device lists matching their counts, totals matching the entries.
 */
static const char *const churn_names[] = { "churn-a", "churn-bb", "churn-ccc" };

struct listing {
	struct failures f;
	int iters;
	int stop;		/* __atomic */
	int reads, entries, attached, dying;	/* __atomic */
};

struct churner {
	struct listing *l;
	unsigned int id;
	int drm;
};

static void *churn_thread(void *arg)
{
	struct churner *c = arg;
	struct listing *l = c->l;
	__u32 handle = 0;
	int fd, ret;

	for (int i = 0; i < l->iters && !failed(&l->f); i++) {
		fd = new_buffer(i + c->id, 4096 * (1 + i % 4));
		if (fd < 0) {
			fail(&l->f, "allocation: %s", strerror(-fd));
			break;
		}
		ret = ioctl(fd, DMA_BUF_SET_NAME, churn_names[(i + c->id) % 3]) ? -errno : 0;
		if (!ret)
			ret = drm_import(c->drm, fd, &handle);
		if (ret) {
			fail(&l->f, "naming or importing: %s", strerror(-ret));
			close(fd);
			break;
		}
		/* the last reference goes with the fd, or with the GEM object */
		if (i & 1) {
			close(fd);
			ret = drm_close(c->drm, handle);
		} else {
			ret = drm_close(c->drm, handle);
			close(fd);
		}
		if (ret)
			fail(&l->f, "GEM_CLOSE: %s", strerror(-ret));
	}
	return NULL;
}

static bool churn_name(const char *s)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(churn_names); i++)
		if (!strcmp(s, churn_names[i]))
			return true;
	return !strcmp(s, "<none>");
}

/* NULL if @text is a consistent bufinfo, else what is wrong with it. */
static const char *check_bufinfo(char *text, struct listing *l)
{
	enum { OUTSIDE, FENCES, DEVICES, END } state = OUTSIDE;
	unsigned long bytes = 0, total_bytes, ino;
	long entries = 0, total_entries;
	char exp_name[32], name[64];
	int devices = 0, count;
	unsigned int fl, mode;
	char *line, *next;
	size_t size;
	long refs;

	for (line = text; *line; line = next) {
		next = line_end(line);
		if (*next)
			*next++ = '\0';
		switch (state) {
		case OUTSIDE:
			if (!*line || !strcmp(line, "Dma-buf Objects:") ||
			    !strncmp(line, "size ", 5))
				break;
			if (sscanf(line, "Total %ld objects, %lu bytes", &total_entries,
				   &total_bytes) == 2) {
				if (total_entries != entries || total_bytes != bytes)
					return "totals disagree with the entries";
				state = END;
				break;
			}
			if (sscanf(line, "%zu\t%x\t%x\t%ld\t%31[^\t]\t%lu\t%63[^\t]", &size, &fl,
				   &mode, &refs, exp_name, &ino, name) != 7)
				return "malformed entry";
			if (!churn_name(name))
				return "unknown name";
			/*
			 * 0: the last reference is gone and the file release
			 * waits for the list lock this read holds
			 */
			if (refs < 0)
				return "negative reference count";
			if (!refs)
				stat_inc(&l->dying);
			entries++;
			bytes += size;
			state = FENCES;
			break;
		case FENCES:
			if (!strcmp(line, "\tAttached Devices:")) {
				devices = 0;
				state = DEVICES;
			} else if (*line != '\t') {
				return "entry without a device list";
			}
			break;
		case DEVICES:
			if (*line == '\t') {
				devices++;
				break;
			}
			if (sscanf(line, "Total %d devices attached", &count) != 1)
				return "device list without its count";
			if (count != devices)
				return "device count disagrees with the list";
			__atomic_add_fetch(&l->attached, devices, __ATOMIC_RELAXED);
			state = OUTSIDE;
			break;
		case END:
			if (*line)
				return "text after the totals";
			break;
		}
	}
	if (state != END)
		return "no totals";
	__atomic_add_fetch(&l->entries, entries, __ATOMIC_RELAXED);
	return NULL;
}

static void *bufinfo_thread(void *arg)
{
	struct listing *l = arg;
	size_t size = 1 << 18;
	char *text = malloc(size), *copy = malloc(size);
	const char *why;
	ssize_t len;

	if (!text || !copy) {
		fail(&l->f, "no memory");
		goto out;
	}
	/* at least one read, however quick the churners are */
	do {
		len = read_file(BUFINFO, text, size);
		if (len < 0 || (size_t)len >= size - 1) {
			fail(&l->f, "reading bufinfo: %zd", len);
			break;
		}
		memcpy(copy, text, len + 1);
		why = check_bufinfo(text, l);
		if (why) {
			fail(&l->f, "bufinfo: %s:\n%s", why, copy);
			break;
		}
		stat_inc(&l->reads);
	} while (!__atomic_load_n(&l->stop, __ATOMIC_RELAXED));
out:
	free(text);
	free(copy);
	return NULL;
}

TEST(last_close_races_bufinfo_readers)
{
	struct listing l = { .iters = 70 * stress_scale() };
	struct churner c[2] = { { .l = &l, .id = 0 }, { .l = &l, .id = 1 } };
	pthread_t churner[ARRAY_SIZE(c)], reader[2];
	unsigned int started_churners = 0, started_readers = 0, i;
	struct baseline base;
	double start = now();

	TH_LOG("scale %d: 2 threads release %d attached buffers each against 2 bufinfo readers",
	       stress_scale(), l.iters);
	take_baseline(_metadata, &base);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		c[i].drm = drm_open("vgem");
		ASSERT_LE(0, c[i].drm) TH_LOG("no vgem device");
	}

	for (i = 0; i < ARRAY_SIZE(reader); i++, started_readers++)
		if (pthread_create(&reader[i], NULL, bufinfo_thread, &l))
			break;
	for (i = 0; i < ARRAY_SIZE(c); i++, started_churners++)
		if (pthread_create(&churner[i], NULL, churn_thread, &c[i]))
			break;
	for (i = 0; i < started_churners; i++)
		pthread_join(churner[i], NULL);
	__atomic_store_n(&l.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < started_readers; i++)
		pthread_join(reader[i], NULL);
	EXPECT_EQ(ARRAY_SIZE(reader), started_readers);
	EXPECT_EQ(ARRAY_SIZE(c), started_churners);

	TH_LOG("%d reads listed %d buffers (%d being released), %d attachments; %.1f s",
	       l.reads, l.entries, l.dying, l.attached, now() - start);
	report(_metadata, &l.f);
	for (i = 0; i < ARRAY_SIZE(c); i++)
		close(c[i].drm);
	check_baseline(_metadata, &base);
	EXPECT_EQ(NULL, strstr(slurp(BUFINFO), "\tchurn-"));
}

/*
 * 4. Buffers passed over UNIX sockets. First the sender's sendmsg() races
 * with another thread closing the fd it sends: either the message carries
 * the buffer (and the close leaves it in flight) or sendmsg() fails with
 * EBADF. Some messages stay queued, and every 16 rounds both sockets are
 * closed with them still inside. Then a receiver, a thread or a process,
 * takes only some of a batch and closes its socket while the sender is
 * still sending: the kernel drops what was queued, later sends fail.
 */
#define BATCH 6

struct passing {
	struct failures f;
	int sock[2];
	int fd;
	int sent;		/* this round's sendmsg: 1 sent, 0 EBADF */
	int type;		/* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
	int take;		/* how many of the batch the receiver takes */
	pid_t child;		/* the receiving process, or 0 */
	int refused, dropped;	/* __atomic */
};

/* without SIGPIPE: a gone receiver must show as an error */
static int pass_fd(int sock, int fd)
{
	return send_fd_flags(sock, fd, MSG_NOSIGNAL);
}

static void race_send(void *ctx, unsigned int round)
{
	struct passing *p = ctx;
	int ret;

	jitter(round, 0);
	ret = pass_fd(p->sock[0], p->fd);
	if (!ret)
		p->sent = 1;
	else if (ret == -EBADF)
		p->sent = 0;
	else
		fail(&p->f, "round %u: sendmsg: %s", round, strerror(-ret));
}

static void race_close(void *ctx, unsigned int round)
{
	struct passing *p = ctx;

	jitter(round, 1);
	if (close(p->fd))
		fail(&p->f, "round %u: close: %s", round, strerror(errno));
}

/* Receives the next buffer and checks it carries the pattern of @tag. */
static const char *receive_one(int sock, unsigned int tag)
{
	int fd = recv_fd(sock), ret;

	if (fd < 0)
		return "nothing received";
	ret = through_mapping(fd, LEN, tag, false);
	close(fd);
	return ret < 0 ? "cannot map it" : ret ? "wrong contents" : NULL;
}

/*
 * Whether @err is what a send reports once the receiving socket is closed:
 * EPIPE for a stream; ECONNREFUSED for a datagram socket; for a seqpacket
 * socket ECONNRESET if the receiver left messages unread, else EPIPE.
 */
static bool peer_gone(int type, int err)
{
	if (type == SOCK_DGRAM)
		return err == ECONNREFUSED;
	return err == EPIPE || (type == SOCK_SEQPACKET && err == ECONNRESET);
}

static void batch_send(void *ctx, unsigned int batch)
{
	struct passing *p = ctx;
	int fd, ret;

	for (unsigned int k = 0; k < BATCH; k++) {
		fd = new_buffer(k, LEN);
		if (fd < 0) {
			fail(&p->f, "batch %u: allocation: %s", batch, strerror(-fd));
			goto wake;
		}
		if (through_mapping(fd, LEN, batch * BATCH + k, true)) {
			fail(&p->f, "batch %u: cannot map buffer %u", batch, k);
			close(fd);
			goto wake;
		}
		/* in flight from here on: the sender's fd goes at once */
		ret = pass_fd(p->sock[0], fd);
		close(fd);
		if (ret && peer_gone(p->type, -ret)) {
			stat_inc(&p->refused);
			return;
		}
		if (ret) {
			fail(&p->f, "batch %u: sending %u: %s", batch, k, strerror(-ret));
			return;
		}
	}
	return;
wake:
	/* a message without an fd: the receiver stops instead of waiting */
	send(p->sock[0], "x", 1, MSG_NOSIGNAL);
}

static void batch_receive(void *ctx, unsigned int batch)
{
	struct passing *p = ctx;
	const char *why;
	int status;

	if (p->child) {
		if (waitpid(p->child, &status, 0) != p->child || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			fail(&p->f, "batch %u: the receiving process failed (%#x)", batch, status);
		return;
	}
	for (int k = 0; k < p->take; k++) {
		why = receive_one(p->sock[1], batch * BATCH + k);
		if (why) {
			fail(&p->f, "batch %u: buffer %d: %s", batch, k, why);
			break;
		}
	}
	jitter(batch, 2);
	/* with the rest of the batch queued, or still to come */
	close(p->sock[1]);
}

TEST(fd_passing_races_close)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	static const step_fn race_steps[] = { race_send, race_close };
	static const step_fn batch_steps[] = { batch_send, batch_receive };
	unsigned int round, rounds = 80 * stress_scale(), batches = 24 * stress_scale();
	unsigned int queued[16], nqueued = 0, sent = 0, dropped = 0;
	struct passing p = { .sock = { -1, -1 } };
	struct baseline base;
	double start = now();
	struct crew crew;
	const char *why;

	TH_LOG("scale %d: %u rounds of send against close, %u batches of %d against %s",
	       stress_scale(), rounds, batches, BATCH, "the receiver closing");
	take_baseline(_metadata, &base);

	ASSERT_EQ(0, crew_start(&crew, &p, race_steps, ARRAY_SIZE(race_steps)));
	for (round = 0; round < rounds && !failed(&p.f); round++) {
		if (round % 16 == 0) {
			/* the kernel drops whatever is still queued */
			if (p.sock[0] >= 0) {
				close(p.sock[0]);
				close(p.sock[1]);
				dropped += nqueued;
			}
			nqueued = 0;
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p.sock)) {
				fail(&p.f, "socketpair: %s", strerror(errno));
				p.sock[0] = -1;
				break;
			}
		}
		p.fd = new_buffer(round, LEN);
		if (p.fd < 0 || through_mapping(p.fd, LEN, round, true)) {
			fail(&p.f, "round %u: allocation or mapping failed", round);
			if (p.fd >= 0)
				close(p.fd);
			break;
		}
		p.sent = -1;
		crew_round(&crew, round);
		if (p.sent == 1) {
			queued[nqueued++] = round;
			sent++;
		}
		/* two rounds in four leave their message queued */
		if (round % 4 >= 2)
			continue;
		for (unsigned int i = 0; i < nqueued && !failed(&p.f); i++) {
			why = receive_one(p.sock[1], queued[i]);
			if (why)
				fail(&p.f, "round %u: buffer of round %u: %s", round, queued[i],
				     why);
		}
		nqueued = 0;
	}
	crew_stop(&crew);
	if (p.sock[0] >= 0) {
		close(p.sock[0]);
		close(p.sock[1]);
		dropped += nqueued;
	}
	TH_LOG("send against close: %u sent, %u refused, %u dropped with their sockets",
	       sent, rounds - sent, dropped);

	ASSERT_EQ(0, crew_start(&crew, &p, batch_steps, ARRAY_SIZE(batch_steps)));
	for (round = 0; round < batches && !failed(&p.f); round++) {
		p.type = types[round % 3];
		p.take = round % (BATCH + 1);
		p.child = 0;
		if (socketpair(AF_UNIX, p.type | SOCK_CLOEXEC, 0, p.sock)) {
			fail(&p.f, "socketpair: %s", strerror(errno));
			break;
		}
		/* every other batch the receiver is a process of its own */
		if ((round / 3) & 1) {
			p.child = fork();
			if (p.child < 0) {
				fail(&p.f, "fork: %s", strerror(errno));
				close(p.sock[0]);
				close(p.sock[1]);
				break;
			}
			if (!p.child) {
				close(p.sock[0]);
				for (int k = 0; k < p.take; k++)
					if (receive_one(p.sock[1], round * BATCH + k))
						_exit(1);
				jitter(round, 2);
				/* exits with the rest queued, or still to come */
				_exit(0);
			}
			close(p.sock[1]);
		}
		crew_round(&crew, round);
		close(p.sock[0]);
	}
	crew_stop(&crew);

	TH_LOG("receiver closing: %d batches cut short; %.1f s", p.refused, now() - start);
	report(_metadata, &p.f);
	check_baseline(_metadata, &base);
}

/*
 * 5. mmap() and munmap() against close(). One thread maps and unmaps the
 * fd until the fd is gone (then mmap() must fail with EBADF), another
 * closes it, a third checks and drops a second mapping. A mapping keeps
 * the buffer: what was written through it before the close reads back
 * after it. On odd rounds the main thread keeps no mapping of its own, so
 * the last reference goes with whichever of the three comes last.
 */
struct mapping {
	struct failures f;
	int fd;
	void *extra;
	int maps, refused;	/* __atomic */
};

static void map_loop(void *ctx, unsigned int round)
{
	struct mapping *m = ctx;
	void *p;

	jitter(round, 0);
	for (int i = 0; i < 32; i++) {
		p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
		if (p == MAP_FAILED) {
			if (errno == EBADF)
				stat_inc(&m->refused);
			else
				fail(&m->f, "round %u: mmap: %s", round, strerror(errno));
			return;
		}
		stat_inc(&m->maps);
		if (!intact(p, LEN, round))
			fail(&m->f, "round %u: a new mapping reads wrong data", round);
		munmap(p, LEN);
	}
}

static void map_close(void *ctx, unsigned int round)
{
	struct mapping *m = ctx;

	jitter(round, 1);
	if (close(m->fd))
		fail(&m->f, "round %u: close: %s", round, strerror(errno));
}

static void map_drop(void *ctx, unsigned int round)
{
	struct mapping *m = ctx;

	jitter(round, 2);
	if (!intact(m->extra, LEN, round))
		fail(&m->f, "round %u: the second mapping reads wrong data", round);
	if (munmap(m->extra, LEN))
		fail(&m->f, "round %u: munmap: %s", round, strerror(errno));
}

TEST(mmap_and_munmap_race_close)
{
	static const step_fn steps[] = { map_loop, map_close, map_drop };
	unsigned int round, rounds = 150 * stress_scale();
	struct mapping m = { };
	struct baseline base;
	double start = now();
	struct crew crew;
	unsigned long ino;
	void *own;

	TH_LOG("scale %d: %u rounds of mmap/munmap, munmap and close", stress_scale(), rounds);
	take_baseline(_metadata, &base);
	ASSERT_EQ(0, crew_start(&crew, &m, steps, ARRAY_SIZE(steps)));

	for (round = 0; round < rounds && !failed(&m.f); round++) {
		m.fd = new_buffer(round / 2, LEN);
		if (m.fd < 0) {
			fail(&m.f, "round %u: allocation: %s", round, strerror(-m.fd));
			break;
		}
		ino = fd_ino(m.fd);
		own = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, m.fd, 0);
		m.extra = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, m.fd, 0);
		if (own == MAP_FAILED || m.extra == MAP_FAILED) {
			fail(&m.f, "round %u: mmap: %s", round, strerror(errno));
			break;
		}
		fill(own, LEN, round);
		if (round & 1) {
			munmap(own, LEN);
			own = NULL;
		}
		crew_round(&crew, round);
		if (own) {
			if (!intact(own, LEN, round))
				fail(&m.f, "round %u: data lost with the fd", round);
			if (bufinfo_has(ino, NULL) != 1)
				fail(&m.f, "round %u: a mapped buffer left bufinfo", round);
			munmap(own, LEN);
		}
		if (!gone(ino))
			fail(&m.f, "round %u: buffer %lu outlived its fd and mappings", round, ino);
	}
	crew_stop(&crew);

	TH_LOG("%d mappings made, %d refused after the close; %.1f s",
	       m.maps, m.refused, now() - start);
	report(_metadata, &m.f);
	check_baseline(_metadata, &base);
}

/*
 * 6. One heap buffer, mapped once, and at the same time: three threads
 * bracketing CPU access with DMA_BUF_IOCTL_SYNC (read, write and both, in
 * turn) around reading and writing a region of their own, one thread
 * exporting sync_files and importing them back, and one importing sw_sync
 * fences it then signals, which the brackets wait for. Every ioctl must
 * succeed, and every region read back what its thread last wrote.
 */
#define REGION 4096

struct syncing {
	struct failures f;
	int fd;
	int timeline;
	char *map;
	int iters;
};

struct cpu_user {
	struct syncing *s;
	unsigned int id;
};

static void *cpu_access_thread(void *arg)
{
	static const __u64 access[] = {
		DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW,
	};
	struct cpu_user *u = arg;
	struct syncing *s = u->s;
	char *region = s->map + u->id * REGION;
	int written = -1, ret;

	for (int i = 0; i < s->iters && !failed(&s->f); i++) {
		__u64 flags = access[(i + u->id) % 3];

		ret = cpu_sync(s->fd, DMA_BUF_SYNC_START | flags);
		if (ret) {
			fail(&s->f, "SYNC_START %#llx: %s", (unsigned long long)flags,
			     strerror(-ret));
			break;
		}
		if ((flags & DMA_BUF_SYNC_READ) && written >= 0 &&
		    !intact(region, REGION, u->id << 16 | written))
			fail(&s->f, "region %u lost what was written", u->id);
		if (flags & DMA_BUF_SYNC_WRITE) {
			fill(region, REGION, u->id << 16 | i);
			written = i;
		}
		ret = cpu_sync(s->fd, DMA_BUF_SYNC_END | flags);
		if (ret) {
			fail(&s->f, "SYNC_END %#llx: %s", (unsigned long long)flags,
			     strerror(-ret));
			break;
		}
	}
	return NULL;
}

static void *sync_file_thread(void *arg)
{
	static const __u32 access[] = {
		DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW,
	};
	struct syncing *s = arg;
	int sync_fd, ret;

	for (int i = 0; i < s->iters && !failed(&s->f); i++) {
		sync_fd = export_sync_file(s->fd, access[i % 3]);
		if (sync_fd < 0) {
			fail(&s->f, "EXPORT_SYNC_FILE: %s", strerror(-sync_fd));
			break;
		}
		/* back in, as the other kind of access */
		ret = import_sync_file(s->fd, access[(i + 1) % 2], sync_fd);
		close(sync_fd);
		if (ret) {
			fail(&s->f, "IMPORT_SYNC_FILE of an exported one: %s", strerror(-ret));
			break;
		}
	}
	return NULL;
}

static void *fence_thread(void *arg)
{
	struct syncing *s = arg;
	int sync_fd, ret;

	for (int i = 0; i < s->iters && !failed(&s->f); i++) {
		sync_fd = sw_sync_fence(s->timeline, i + 1);
		if (sync_fd < 0) {
			fail(&s->f, "sw_sync fence: %s", strerror(-sync_fd));
			break;
		}
		ret = import_sync_file(s->fd, (i & 1) ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ,
				       sync_fd);
		close(sync_fd);
		if (ret)
			fail(&s->f, "IMPORT_SYNC_FILE of a sw_sync fence: %s", strerror(-ret));
		jitter(i, 5);
		/* signalled even after a failed import: nothing may wait forever */
		ret = sw_sync_inc(s->timeline);
		if (ret) {
			fail(&s->f, "SW_SYNC_IOC_INC: %s", strerror(-ret));
			break;
		}
	}
	return NULL;
}

TEST(sync_ioctls_race_on_one_buffer)
{
	struct syncing s = { .iters = 400 * stress_scale() };
	struct cpu_user users[3];
	pthread_t threads[5];
	unsigned int started = 0, i;
	struct baseline base;
	double start = now();
	struct pollfd pfd;

	TH_LOG("scale %d: %d iterations in each of 3 CPU-access, 1 sync_file and 1 fence thread",
	       stress_scale(), s.iters);
	take_baseline(_metadata, &base);
	s.timeline = open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, s.timeline) TH_LOG("no sw_sync in debugfs");
	s.fd = heap_alloc(ARRAY_SIZE(users) * REGION);
	ASSERT_LE(0, s.fd);
	s.map = mmap(NULL, ARRAY_SIZE(users) * REGION, PROT_READ | PROT_WRITE, MAP_SHARED,
		     s.fd, 0);
	ASSERT_NE(MAP_FAILED, s.map);

	for (i = 0; i < ARRAY_SIZE(users); i++, started++) {
		users[i] = (struct cpu_user){ .s = &s, .id = i };
		if (pthread_create(&threads[i], NULL, cpu_access_thread, &users[i]))
			break;
	}
	if (started == ARRAY_SIZE(users) &&
	    !pthread_create(&threads[started], NULL, sync_file_thread, &s))
		started++;
	if (started == ARRAY_SIZE(users) + 1 &&
	    !pthread_create(&threads[started], NULL, fence_thread, &s))
		started++;
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	EXPECT_EQ(ARRAY_SIZE(threads), started);

	TH_LOG("%.1f s", now() - start);
	report(_metadata, &s.f);
	/* every fence imported has signalled */
	pfd = (struct pollfd){ .fd = s.fd, .events = POLLIN | POLLOUT };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, pfd.revents);
	munmap(s.map, ARRAY_SIZE(users) * REGION);
	close(s.fd);
	close(s.timeline);
	check_baseline(_metadata, &base);
}

/*
 * 7. PRIME both ways. vgem imports a heap or udmabuf buffer and closes the
 * GEM handle, over and over (or keeps the handle until the end, every other
 * round), while another thread closes the exporter's fd: each import
 * succeeds or fails with EBADF once the fd is gone. Only one importer: a
 * second one would map the same pages at the same time, which DMA-API
 * debugging reports as overlapping mappings. Then two threads export a vgem
 * dumb buffer again and again while a third closes its handle: each export
 * succeeds or fails with ENOENT, and a dma-buf exported before the close
 * still holds the data. Either way the buffer goes with its last user.
 */
struct prime {
	struct failures f;
	int drm;
	int fd;			/* the buffer imported this round */
	__u32 handle;		/* the dumb buffer exported this round */
	int kept[2];		/* a dma-buf each exporter kept */
	int imports, exports, refused;	/* __atomic */
};

static void prime_import(void *ctx, unsigned int round)
{
	struct prime *p = ctx;
	bool keep = round & 1;
	__u32 handle = 0, held = 0;
	int ret;

	jitter(round, 0);
	for (int i = 0; i < 256; i++) {
		ret = drm_import(p->drm, p->fd, &handle);
		if (ret == -EBADF) {
			stat_inc(&p->refused);
			break;
		}
		if (ret) {
			fail(&p->f, "round %u: PRIME import: %s", round, strerror(-ret));
			break;
		}
		stat_inc(&p->imports);
		if (keep) {
			/* the same buffer again: the same GEM object and handle */
			if (held && handle != held)
				fail(&p->f, "round %u: handle %u, then %u", round, held, handle);
			held = handle;
			continue;
		}
		ret = drm_close(p->drm, handle);
		if (ret) {
			fail(&p->f, "round %u: GEM_CLOSE: %s", round, strerror(-ret));
			break;
		}
	}
	ret = held ? drm_close(p->drm, held) : 0;
	if (ret)
		fail(&p->f, "round %u: GEM_CLOSE of the kept handle: %s", round, strerror(-ret));
}

static void prime_close_fd(void *ctx, unsigned int round)
{
	struct prime *p = ctx;

	jitter(round, 1);
	if (close(p->fd))
		fail(&p->f, "round %u: close: %s", round, strerror(errno));
}

static void prime_export(struct prime *p, unsigned int round, unsigned int id)
{
	int fd;

	jitter(round, id);
	for (int i = 0; i < 256; i++) {
		fd = drm_export(p->drm, p->handle);
		if (fd == -ENOENT) {
			stat_inc(&p->refused);
			break;
		}
		if (fd < 0) {
			fail(&p->f, "round %u: PRIME export: %s", round, strerror(-fd));
			break;
		}
		stat_inc(&p->exports);
		if (p->kept[id] < 0)
			p->kept[id] = fd;
		else
			close(fd);
	}
}

static void prime_export_0(void *ctx, unsigned int round)
{
	prime_export(ctx, round, 0);
}

static void prime_export_1(void *ctx, unsigned int round)
{
	prime_export(ctx, round, 1);
}

static void prime_close_handle(void *ctx, unsigned int round)
{
	struct prime *p = ctx;
	int ret;

	jitter(round, 2);
	ret = drm_close(p->drm, p->handle);
	if (ret)
		fail(&p->f, "round %u: GEM_CLOSE: %s", round, strerror(-ret));
}

/* A vgem dumb buffer of LEN bytes holding the pattern of @tag. */
static int dumb_with_pattern(int drm, unsigned int tag, __u32 *handle)
{
	__u64 size;
	void *p;
	int ret;

	ret = drm_dumb(drm, 64, LEN / 256, handle, NULL, &size);
	if (ret)
		return ret;
	p = drm_map(drm, *handle, LEN);
	if (p == MAP_FAILED) {
		ret = -errno;
		drm_close(drm, *handle);
		return ret;
	}
	fill(p, LEN, tag);
	munmap(p, LEN);
	return 0;
}

TEST(prime_import_and_export_race_release)
{
	static const step_fn import_steps[] = { prime_import, prime_close_fd };
	static const step_fn export_steps[] = {
		prime_export_0, prime_export_1, prime_close_handle,
	};
	unsigned int round, rounds = 80 * stress_scale();
	struct prime p = { };
	struct baseline base;
	double start = now();
	struct crew crew;
	unsigned long ino;
	int ret;

	TH_LOG("scale %d: %u rounds of import against close, %u of export against GEM close",
	       stress_scale(), rounds, rounds);
	take_baseline(_metadata, &base);
	p.drm = drm_open("vgem");
	ASSERT_LE(0, p.drm) TH_LOG("no vgem device");

	ASSERT_EQ(0, crew_start(&crew, &p, import_steps, ARRAY_SIZE(import_steps)));
	for (round = 0; round < rounds && !failed(&p.f); round++) {
		p.fd = new_buffer(round / 4, LEN);
		if (p.fd < 0) {
			fail(&p.f, "round %u: allocation: %s", round, strerror(-p.fd));
			break;
		}
		ino = fd_ino(p.fd);
		crew_round(&crew, round);
		if (!gone(ino))
			fail(&p.f, "round %u: buffer %lu outlived its fd and imports", round, ino);
	}
	crew_stop(&crew);
	TH_LOG("import: %d imports, %d refused after the close", p.imports, p.refused);

	p.refused = 0;
	ASSERT_EQ(0, crew_start(&crew, &p, export_steps, ARRAY_SIZE(export_steps)));
	for (round = 0; round < rounds && !failed(&p.f); round++) {
		ret = dumb_with_pattern(p.drm, round, &p.handle);
		if (ret) {
			fail(&p.f, "round %u: vgem dumb buffer: %s", round, strerror(-ret));
			break;
		}
		p.kept[0] = -1;
		p.kept[1] = -1;
		crew_round(&crew, round);
		ino = 0;
		for (int i = 0; i < 2; i++) {
			if (p.kept[i] < 0)
				continue;
			/* one GEM object, one dma-buf */
			if (ino && fd_ino(p.kept[i]) != ino)
				fail(&p.f, "round %u: two dma-bufs for one object", round);
			ino = fd_ino(p.kept[i]);
			ret = through_mapping(p.kept[i], LEN, round, false);
			if (ret)
				fail(&p.f, "round %u: exported buffer: %s", round,
				     ret < 0 ? strerror(-ret) : "wrong contents");
			close(p.kept[i]);
		}
		if (ino && !gone(ino))
			fail(&p.f, "round %u: buffer %lu outlived its handle and fds", round, ino);
	}
	crew_stop(&crew);
	TH_LOG("export: %d exports, %d refused after the GEM close; %.1f s",
	       p.exports, p.refused, now() - start);

	report(_metadata, &p.f);
	close(p.drm);
	check_baseline(_metadata, &base);
}

TEST_HARNESS_MAIN
