// SPDX-License-Identifier: GPL-2.0
/*
 * random-ops: seeded random sequences of what userspace does to dma-bufs,
 * every step checked against a model of what the kernel must then hold.
 *
 * Operations: allocate (system heap, udmabuf, vgem dumb buffer exported by
 * PRIME; bad heap arguments), dup/F_DUPFD/dup2/dup3, close, drop a buffer
 * (all its fds, maybe its mappings and imports), fork (the child runs a few
 * steps on what it inherited, including receiving what the parent sent, and
 * the parent checks its exit status), SCM_RIGHTS over a socketpair (closing
 * the original while in flight, receiving later, closing the sockets with
 * messages queued), mmap/munmap with a pattern per page, every dma-buf
 * ioctl with good and bad arguments (SYNC, SET_NAME and its _A/_B numbers,
 * EXPORT/IMPORT_SYNC_FILE, unknown numbers), sw_sync fences (create, merge,
 * signal, poll), lseek, fstat, readlink, fdinfo, poll and epoll with
 * fences pending, PRIME import into vgem and vkms, re-export, GEM close,
 * and read/write/pread/pwrite (no such file operations: EINVAL, ESPIPE).
 *
 * Workers. P processes run OPS/P steps each, each with its own PRNG
 * (xorshift64*, seeded through splitmix64 from the seed and the worker
 * index). They share nothing but the kernel, so a seed replays exactly.
 * A worker's steps do not depend on OPS: a shorter run is a prefix of a
 * longer one. A fork costs a few hundred steps' time under TCG, so after
 * the first CHECK_WARMUP steps only one fork drawn in FORK_LATER runs.
 *
 * Model. A worker tracks:
 *  - its fd table slot by slot: buffers, sync_files (with the latest
 *    timeline point inside) and fixed fds (devices, socketpair, epoll,
 *    sw_sync timeline). The kernel hands out the lowest free slot, so every
 *    new fd number is predicted;
 *  - per buffer: exporter, size, inode, name, the references held by fds,
 *    mappings, messages in flight and DRM imports (with their handles), the
 *    latest fence point it carries as written and as used at all, whether a
 *    poll may have armed a fence callback on it, and a tag per page naming
 *    the pattern last written through a mapping;
 *  - the socket's queue, the epoll interest list (keyed by file and fd
 *    number as the kernel keys it: the entry of a closed fd stays while
 *    another reference keeps the file) and the timeline's value.
 * All fences come from the worker's one sw_sync timeline, so a set of them
 * has signalled exactly when the timeline reached the highest point: two
 * numbers per buffer give the readiness of poll and epoll, what an exported
 * sync_file waits for, and whether DMA_BUF_IOCTL_SYNC would block (a start
 * is only issued when it would not, after a poll has agreed).
 *
 * Checks. Each outcome (return value, errno, fd number, revents, inode,
 * contents) is computed from the model before the call; the first
 * difference fails the seed with worker, step, operation and both values.
 * After every step the model's lowest free fd must be free (a leaked fd
 * would take it); during a worker's first CHECK_WARMUP steps and in every
 * expensive pass it must also be the kernel's lowest (an fd closed behind
 * the model's back). The expensive pass runs every CHECK_EVERY steps of
 * the first CHECK_WARMUP, then every CHECK_EVERY_LATER (it costs as much
 * as dozens of steps under TCG, and a long run's later steps differ little
 * from its first ones), and at the end: the lowest fd, each buffer fd's
 * inode and size (fstat), each
 * sync_file's status, the number of open fds, fdinfo of one buffer in turn
 * (procfs lookups are slow under TCG; the last check reads all), bufinfo
 * (every live buffer with size, flags, count, name and attached importers;
 * none released since), /proc/self/maps (each mapping with its inode and
 * name) and every mapped page's pattern. A worker ends by signalling the
 * timeline, unmapping, closing and dropping everything and checking its fd
 * table; the parent then checks that bufinfo counts what it counted before.
 *
 * What the model cannot know: a poll on a buffer with a pending fence arms
 * a callback that holds the file until the fence signals, so a buffer may
 * outlive its last fd, mapping and import ("zombie") until the timeline
 * passes its fences; checks that depend on that (reference counts, bufinfo,
 * epoll entries of the file) accept both states meanwhile. The references
 * DRM importers hold are theirs: counts with imports are lower bounds.
 *
 * Stock drivers shape a few choices: dma-debug rejects two devices mapping
 * the same pages, and udmabuf maps its pages for itself at the first CPU
 * access, in that direction, until the buffer goes; so a heap or udmabuf
 * buffer has one importer at a time, a udmabuf one is imported or accessed
 * by the CPU, never both, and its first access is RW (later syncs in other
 * directions are then quiet). udmabuf refuses an end before any start
 * (EINVAL), udmabuf and vgem refuse MAP_PRIVATE, and the shmem helpers
 * behind vgem ignore a mapping's offset, so vgem buffers map from page 0.
 *
 * Reproducing: rerun the seed with the same -s, -n and -p and add -v, which
 * prints every step before it runs. Defaults come from DMABUF_RANDOM_SEED,
 * DMABUF_RANDOM_OPS, DMABUF_RANDOM_PROCS and DMABUF_RANDOM_SEEDS.
 */
#include "dmabuf-util.h"

#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/sync_file.h>

#include "../kselftest.h"

#define PAGE		4096u
#define MAX_PAGES	16	/* per buffer */
#define MAX_BUFS	32	/* live buffers per worker, zombies included */
#define MAX_BUF_FDS	64	/* buffer fds per worker */
#define MAX_FDS		256	/* fd numbers the model tracks */
#define FD_PICK_MAX	100	/* highest fd number asked for by dup2/F_DUPFD */
#define MAX_SYNC	8	/* sync_file fds per worker */
#define MAX_MAPS	16	/* mappings per worker */
#define MAX_MSGS	8	/* messages in flight */
#define MSG_FDS		3	/* fds per message */
#define MAX_EPI		16	/* epoll entries */
#define MAX_GONE	256	/* released inodes waiting for the bufinfo check */
#define CHECK_EVERY	64	/* steps between expensive checks at first */
#define CHECK_WARMUP	2000	/* steps of a worker checked that often */
#define CHECK_EVERY_LATER 1024	/* steps between them afterwards */
#define FORK_LATER	8	/* after the warm-up, one fork drawn in this many runs */
#define FDINFO_PER_CHECK 1	/* buffers whose fdinfo such a check reads */
#define MAX_CHILD_OPS	4
#define NR_ERRNO	140
#define REPORT_FD	3	/* a worker's pipe to the parent */

#define DONE	0
#define SKIP	1	/* not applicable now: draw another operation */

enum exporter { EXP_HEAP, EXP_UDMABUF, EXP_VGEM, NR_EXP };
/* drm_prime exports under the name of the drm module */
static const char *const exp_names[NR_EXP] = { "system", "udmabuf", "drm" };

/* Importers: a second vgem file (not the exporting one), and vkms. */
enum importer { IMP_VGEM, IMP_VKMS, NR_IMP };
static const char *const imp_names[NR_IMP] = { "vgem", "vkms" };

enum fd_kind { FD_FREE, FD_FIXED, FD_BUF, FD_SYNC };

struct fd_slot {
	unsigned char kind;
	unsigned char buf;	/* FD_BUF: index into S.buf */
	uint32_t point;		/* FD_SYNC: latest timeline point inside */
};

struct buf {
	bool used;
	bool zombie;		/* no reference left but maybe a poll callback */
	bool named;
	bool maybe_armed;	/* a poll may have armed a fence callback */
	bool cpu_mapped;	/* udmabuf: mapped for its own device, see cpu_start_ok() */
	unsigned char exp;
	unsigned int pages;
	unsigned int serial;	/* b<serial> in messages */
	uint64_t ino;
	char name[DMA_BUF_NAME_LEN];
	int nfds, nmaps, inflight;
	bool imported[NR_IMP];
	uint32_t handle[NR_IMP];
	uint32_t max_write;	/* latest point of a write fence, 0: none */
	uint32_t max_any;	/* latest point of any fence */
	uint32_t tag[MAX_PAGES];	/* pattern of each page, 0: zeroes */
};

struct map {
	bool used;
	bool writable;
	unsigned char buf;
	unsigned int pgoff, pages;
	uint32_t *addr;
};

struct msg {
	int n;
	unsigned char buf[MSG_FDS];
};

struct epi {
	bool used;
	bool uncertain;		/* its file may or may not be released */
	unsigned char buf;
	int fd;
	uint32_t events;
	uint64_t id;
};

/* An operation kind: its name, how often it is drawn, and the step itself. */
struct op {
	const char *name;
	unsigned int weight;
	int (*run)(void);	/* DONE, or SKIP when not applicable now */
};

/* The kinds, defined after their functions at the end of the file. */
#define NR_OPS 40
static const struct op op_table[NR_OPS];

/* What a worker reports to the parent through its pipe. */
struct tally {
	unsigned long ops[NR_OPS];
	/* time spent per kind, in the expensive checks and in the fd probes */
	uint64_t ns[NR_OPS + 2];
	unsigned long errnos[NR_ERRNO];
	unsigned long steps;
	unsigned int peak_bufs;
	/* how often the tricky states came up */
	unsigned long released, zombies, dropped_in_flight, stale_epoll, child_ops;
	int failed;
};

/* One worker's whole state; each worker is a process of its own. */
static struct {
	uint64_t seed;
	int index;
	bool verbose;
	bool in_child;
	uint64_t rng;
	unsigned long step;
	int op;			/* -1: the checks between operations, -2: setup */
	char desc[320];

	int heap, udmabuf, vgem, imp[NR_IMP], timeline, ep, sock[2];
	dev_t dev;
	bool have_dev;
	uint64_t last_ino;
	uint32_t *edge;		/* a page whose successor is not mapped */
	char *badptr;		/* that page, PROT_NONE */

	struct fd_slot fd[MAX_FDS];
	struct buf buf[MAX_BUFS];
	struct map map[MAX_MAPS];
	struct msg msg[MAX_MSGS];
	int msg_head, nmsgs;
	struct epi epi[MAX_EPI];
	uint64_t epi_serial;
	struct {
		uint64_t ino;
		unsigned char exp;
	} gone[MAX_GONE];
	int ngone;
	int nbufs, nbuffds, nsync, nmaps, nepi;
	unsigned int serial;
	uint32_t cur, top;	/* timeline value, highest point handed out */
	int open0, tracked0;	/* /proc/self/fd and model entries after setup */
	/* kept open: a procfs path lookup costs milliseconds under TCG */
	int fd_dir, fdinfo_dir, bufinfo, maps;

	struct tally t;
} S;

/* --- randomness ----------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	uint64_t x = S.rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	S.rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform enough in [0, n); the high half has the better bits. */
static unsigned int rn(unsigned int n)
{
	return n ? (unsigned int)((rnd() >> 32) % n) : 0;
}

static bool one_in(unsigned int n)
{
	return rn(n) == 0;
}

/* --- reporting ------------------------------------------------------------ */

static const char *op_name(void)
{
	return S.op == -2 ? "setup" : S.op < 0 ? "check" : op_table[S.op].name;
}

/* Describes the operation about to run; -v prints it before the call. */
static __printf(1, 2) void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(S.desc, sizeof(S.desc), fmt, ap);
	va_end(ap);
	if (S.verbose)
		printf("# seed %llu worker %d step %lu%s: %s %s\n",
		       (unsigned long long)S.seed, S.index, S.step,
		       S.in_child ? " child" : "", op_name(), S.desc);
}

static void vfailf(const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	printf("# FAIL seed %llu worker %d step %lu%s op %s [%s]: %s\n",
	       (unsigned long long)S.seed, S.index, S.step,
	       S.in_child ? " (forked child)" : "", op_name(), S.desc, msg);
	S.t.failed = 1;
}

/* Fails the seed; returns false so that a check can end with it. */
static __printf(1, 2) bool failf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfailf(fmt, ap);
	va_end(ap);
	return false;
}

/*
 * Fails the seed unless @ok; returns @ok. The arguments are evaluated in
 * any order: errno goes through failf() after the call that set it.
 */
static __printf(2, 3) bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	va_start(ap, fmt);
	vfailf(fmt, ap);
	va_end(ap);
	return false;
}

static const char *res(long r, char *out, size_t len)
{
	const char *name;

	if (r >= 0) {
		snprintf(out, len, "%ld", r);
	} else {
		name = strerrorname_np(-r);
		if (name)
			snprintf(out, len, "-%s", name);
		else
			snprintf(out, len, "-errno %ld", -r);
	}
	return out;
}

/* A call's result (>= 0, or -errno) against the model's; counts errnos. */
static bool want(const char *what, long got, long expect)
{
	char a[32], b[32];

	if (got == expect) {
		if (expect < 0 && -expect < NR_ERRNO)
			S.t.errnos[-expect]++;
		return true;
	}
	failf("%s: expected %s, got %s", what, res(expect, a, sizeof(a)),
	      res(got, b, sizeof(b)));
	return false;
}

/* For the diagnostics only: no result depends on time. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static long sysret(long r)
{
	return r < 0 ? -errno : r;
}

/* --- the model ------------------------------------------------------------ */

static int model_lowest(int from)
{
	for (int fd = from; fd < MAX_FDS; fd++)
		if (S.fd[fd].kind == FD_FREE)
			return fd;
	return -1;
}

/* What the kernel would hand out next: F_DUPFD takes the lowest free fd. */
static int kernel_lowest(void)
{
	int fd = fcntl(REPORT_FD, F_DUPFD, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

/*
 * The model's lowest free fd against the kernel's: @full asks the kernel
 * for its lowest (two calls); otherwise one fcntl() checks that the
 * model's is free, where a leaked fd would have gone.
 */
static bool check_lowest(bool full)
{
	int expect = model_lowest(0), fd;

	if (full) {
		fd = kernel_lowest();
		return check(fd == expect, "lowest free fd %d, expected %d", fd, expect);
	}
	fd = fcntl(expect, F_GETFD);
	return check(fd < 0 && errno == EBADF, "fd %d is open, the model has it free", expect);
}

static int pick_fd(int kind)
{
	int list[MAX_FDS], n = 0;

	for (int fd = 0; fd < MAX_FDS; fd++)
		if (S.fd[fd].kind == kind)
			list[n++] = fd;
	return n ? list[rn(n)] : -1;
}

/* A free fd number below FD_PICK_MAX, for calls that must fail with EBADF. */
static int pick_free_fd(void)
{
	int fd;

	do
		fd = rn(FD_PICK_MAX);
	while (S.fd[fd].kind != FD_FREE);
	return fd;
}

static struct buf *buf_of(int fd)
{
	return &S.buf[S.fd[fd].buf];
}

/* Any fd of buffer @bi, or -1. */
static int fd_of(int bi)
{
	for (int fd = 0; fd < MAX_FDS; fd++)
		if (S.fd[fd].kind == FD_BUF && S.fd[fd].buf == bi)
			return fd;
	return -1;
}

static int nimports(const struct buf *b)
{
	int n = 0;

	for (int i = 0; i < NR_IMP; i++)
		n += b->imported[i];
	return n;
}

static int refs(const struct buf *b)
{
	return b->nfds + b->nmaps + b->inflight + nimports(b);
}

/*
 * Whether the model knows the file's reference count: not if a fence
 * callback may hold one, nor when DRM importers hold theirs.
 */
static bool count_exact(const struct buf *b)
{
	return !b->maybe_armed && !nimports(b);
}

/* How many devices have the pages mapped for DMA. */
static int device_maps(const struct buf *b)
{
	/* vgem imports its own objects without attaching */
	return (b->imported[IMP_VGEM] && b->exp != EXP_VGEM) + b->imported[IMP_VKMS] +
	       b->cpu_mapped;
}

/*
 * dma-debug rejects two devices mapping the same pages (EEXIST), and
 * udmabuf maps its pages for its own device at the first CPU access, in
 * that access's direction, until the buffer goes. So a udmabuf buffer is
 * either imported or accessed by the CPU, and its first access is RW: then
 * later syncs in any direction are quiet. Adjusts *@dir; false: no start now.
 */
static bool cpu_start_ok(const struct buf *b, __u64 *dir)
{
	if (b->exp != EXP_UDMABUF || b->cpu_mapped)
		return true;
	if (device_maps(b))
		return false;
	*dir = DMA_BUF_SYNC_RW;
	return true;
}

/* What a DMA_BUF_IOCTL_SYNC end returns: udmabuf refuses one before any start. */
static long cpu_end_result(const struct buf *b)
{
	return b->exp == EXP_UDMABUF && !b->cpu_mapped ? -EINVAL : 0;
}

static short ready_of(const struct buf *b)
{
	short r = 0;

	/* reading waits for writers, writing for every access */
	if (b->max_write <= S.cur)
		r |= POLLIN;
	if (b->max_any <= S.cur)
		r |= POLLOUT;
	return r;
}

/* A poll asking for what is not ready arms a callback holding the file. */
static void polled(struct buf *b, short events)
{
	if (events & (POLLIN | POLLOUT) & ~ready_of(b))
		b->maybe_armed = true;
}

static void gone_push(const struct buf *b)
{
	/* when full, the latest go unchecked; the expensive check empties it */
	if (S.ngone < MAX_GONE) {
		S.gone[S.ngone].ino = b->ino;
		S.gone[S.ngone++].exp = b->exp;
	}
}

static void release(int bi)
{
	struct buf *b = &S.buf[bi];

	gone_push(b);
	/* the kernel drops epoll entries when the file goes */
	for (int i = 0; i < MAX_EPI; i++) {
		if (S.epi[i].used && S.epi[i].buf == bi) {
			S.epi[i].used = false;
			S.nepi--;
		}
	}
	b->used = false;
	S.nbufs--;
	S.t.released++;
}

/* After a reference went: released now, or a zombie until its fences signal. */
static void settle(int bi)
{
	struct buf *b = &S.buf[bi];

	if (!b->used || refs(b))
		return;
	if (b->maybe_armed && S.cur < b->max_any) {
		b->zombie = true;
		S.t.zombies++;
		for (int i = 0; i < MAX_EPI; i++)
			if (S.epi[i].used && S.epi[i].buf == bi)
				S.epi[i].uncertain = true;
		return;
	}
	release(bi);
}

/* The timeline moved: callbacks on fences now signalled have fired. */
static void advance(void)
{
	for (int bi = 0; bi < MAX_BUFS; bi++) {
		struct buf *b = &S.buf[bi];

		if (!b->used || b->max_any > S.cur)
			continue;
		b->maybe_armed = false;
		if (b->zombie)
			release(bi);
	}
}

static void fd_set_buf(int fd, int bi)
{
	S.fd[fd] = (struct fd_slot){ .kind = FD_BUF, .buf = bi };
	S.buf[bi].nfds++;
	S.nbuffds++;
}

static void fd_set_sync(int fd, uint32_t point)
{
	S.fd[fd] = (struct fd_slot){ .kind = FD_SYNC, .point = point };
	S.nsync++;
}

/* The fd is closed: drop what it held. */
static void fd_forget(int fd)
{
	struct fd_slot old = S.fd[fd];

	S.fd[fd].kind = FD_FREE;
	if (old.kind == FD_BUF) {
		S.buf[old.buf].nfds--;
		S.nbuffds--;
		settle(old.buf);
	} else if (old.kind == FD_SYNC) {
		S.nsync--;
	}
}

static bool room_for_fds(int n)
{
	return S.nbuffds + n <= MAX_BUF_FDS;
}

static bool room_for_buf(void)
{
	return S.nbufs < MAX_BUFS && room_for_fds(1);
}

static struct epi *find_epi(int bi, int fd)
{
	for (int i = 0; i < MAX_EPI; i++)
		if (S.epi[i].used && S.epi[i].buf == bi && S.epi[i].fd == fd)
			return &S.epi[i];
	return NULL;
}

/* --- the checks ----------------------------------------------------------- */

static uint32_t word_of(uint32_t tag, unsigned int k)
{
	return tag ? tag ^ (k * 0x9e3779b1u) : 0;
}

static void fill_page(uint32_t *p, uint32_t tag)
{
	for (unsigned int k = 0; k < PAGE / 4; k++)
		p[k] = word_of(tag, k);
}

static bool check_page(const struct map *m, unsigned int i)
{
	const struct buf *b = &S.buf[m->buf];
	uint32_t tag = b->tag[m->pgoff + i];
	const uint32_t *p = m->addr + i * (PAGE / 4);
	unsigned int k = 0;

	/* the first word that differs, if any */
	while (k < PAGE / 4 && p[k] == word_of(tag, k))
		k++;
	return check(k == PAGE / 4,
		     "b%u page %u (mapping at %p page %u) word %u: %08x, expected %08x (tag %08x)",
		     b->serial, m->pgoff + i, (void *)m->addr, i, k, p[k % (PAGE / 4)],
		     word_of(tag, k), tag);
}

static bool check_fstat(int fd, const struct buf *b)
{
	struct stat st;

	if (fstat(fd, &st))
		return failf("fstat(%d): %s", fd, strerror(errno));
	return check(st.st_ino == b->ino && st.st_size == (off_t)b->pages * PAGE &&
		     st.st_dev == S.dev,
		     "fstat(%d): ino %llu size %lld, expected b%u: ino %llu size %u",
		     fd, (unsigned long long)st.st_ino, (long long)st.st_size,
		     b->serial, (unsigned long long)b->ino, b->pages * PAGE);
}

/*
 * The /proc/self directories the worker keeps open are its own, not those
 * of a forked child: the child looks its files up by path.
 */
static int link_of(int fd, char *out, size_t len)
{
	char name[16];
	ssize_t n;

	if (S.in_child)
		return fd_link(fd, out, len);
	snprintf(name, sizeof(name), "%d", fd);
	n = readlinkat(S.fd_dir, name, out, len - 1);
	if (n < 0)
		return -1;
	out[n] = '\0';
	return 0;
}

static char text_buf[1 << 20];

/* What @fd reads from its start, in a static buffer; NULL on failure. */
static char *read_all(int fd)
{
	ssize_t n, total = 0;

	/* seq_file regenerates the text on a read from offset 0 */
	if (lseek(fd, 0, SEEK_SET))
		return NULL;
	while ((n = read(fd, text_buf + total, sizeof(text_buf) - 1 - total)) > 0)
		total += n;
	if (n < 0)
		return NULL;
	text_buf[total] = '\0';
	return text_buf;
}

static char *read_fdinfo(int fd)
{
	char name[32];
	char *text;
	int f;

	if (S.in_child) {
		snprintf(name, sizeof(name), "/proc/self/fdinfo/%d", fd);
		return slurp(name);
	}
	snprintf(name, sizeof(name), "%d", fd);
	f = openat(S.fdinfo_dir, name, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return NULL;
	text = read_all(f);
	close(f);
	return text;
}

static bool check_link(int fd, const struct buf *b)
{
	char link[128], expect[64];

	snprintf(expect, sizeof(expect), "/dmabuf:%s", b->name);
	if (link_of(fd, link, sizeof(link)))
		return failf("readlink fd %d: %s", fd, strerror(errno));
	return check(!strcmp(link, expect), "readlink fd %d: \"%s\", expected \"%s\"",
		     fd, link, expect);
}

/* The value of "@key:\t" in a /proc text into @out; false if absent. */
static bool field(const char *text, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "%s:\t", key);
	if (strncmp(text, pat, strlen(pat))) {
		snprintf(pat, sizeof(pat), "\n%s:\t", key);
		p = strstr(text, pat);
		if (!p)
			return false;
	} else {
		p = text;
	}
	p += strlen(pat);
	end = strchr(p, '\n');
	if (!end || (size_t)(end - p) >= len)
		return false;
	memcpy(out, p, end - p);
	out[end - p] = '\0';
	return true;
}

/* fdinfo of @fd against buffer @b; @others: references held elsewhere. */
static bool check_fdinfo(int fd, const struct buf *b, long others)
{
	long count, expect = b->nfds + b->nmaps + b->inflight + others;
	char v[64], *text = read_fdinfo(fd);
	bool has;

	if (!text)
		return failf("reading fdinfo of %d: %s", fd, strerror(errno));
	if (!check(field(text, "size", v, sizeof(v)) &&
		   strtoull(v, NULL, 10) == (unsigned long long)b->pages * PAGE,
		   "fdinfo %d: size, expected %u:\n%s", fd, b->pages * PAGE, text))
		return false;
	if (!check(field(text, "exp_name", v, sizeof(v)) && !strcmp(v, exp_names[b->exp]),
		   "fdinfo %d: exp_name, expected %s:\n%s", fd, exp_names[b->exp], text))
		return false;
	if (!check(field(text, "ino", v, sizeof(v)) && strtoull(v, NULL, 10) == b->ino,
		   "fdinfo %d: ino, expected %llu", fd, (unsigned long long)b->ino))
		return false;
	has = field(text, "name", v, sizeof(v));
	if (!check(has == b->named && (!has || !strcmp(v, b->name)),
		   "fdinfo %d: name \"%s\", expected %s\"%s\"", fd, has ? v : "(none)",
		   b->named ? "" : "no name line, not ", b->name))
		return false;
	if (!check(field(text, "count", v, sizeof(v)), "fdinfo %d: no count", fd))
		return false;
	count = strtol(v, NULL, 10);
	if (count_exact(b))
		return check(count == expect,
			     "fdinfo %d: count %ld, expected %ld (fds %d maps %d, %d in flight, %ld elsewhere)",
			     fd, count, expect, b->nfds, b->nmaps, b->inflight, others);
	return check(count >= b->nfds + b->inflight + others,
		     "fdinfo %d: count %ld, expected at least %ld", fd, count,
		     b->nfds + b->inflight + others);
}

/* The importers bufinfo must list as attached: vgem does not attach to its own. */
static bool attached_expected(const struct buf *b, int i)
{
	return b->imported[i] && !(i == IMP_VGEM && b->exp == EXP_VGEM);
}

static bool check_bufinfo(void)
{
	char *text = read_all(S.bufinfo), needle[64];

	if (!text)
		return failf("reading bufinfo: %s", strerror(errno));
	for (int bi = 0; bi < MAX_BUFS; bi++) {
		const struct buf *b = &S.buf[bi];
		unsigned long long size, ino;
		unsigned int flags, mode;
		char exp[32], *line, *p, *nl;
		int devices = -1, listed = 0, expect = 0;
		long count;

		if (!b->used || b->zombie)
			continue;
		/* exporter and inode: a count column could look like an inode */
		snprintf(needle, sizeof(needle), "\t%s\t%08llu\t", exp_names[b->exp],
			 (unsigned long long)b->ino);
		p = strstr(text, needle);
		if (!check(p, "bufinfo: b%u (ino %llu) not listed", b->serial,
			   (unsigned long long)b->ino))
			return false;
		for (line = p; line > text && line[-1] != '\n'; line--)
			;
		if (!check(sscanf(line, "%llu\t%x\t%x\t%ld\t%31[^\t]\t%llu\t", &size, &flags,
				  &mode, &count, exp, &ino) == 6,
			   "bufinfo: b%u: cannot parse \"%.120s\"", b->serial, line))
			return false;
		p += strlen(needle);
		nl = strchr(p, '\n');
		if (!check(nl, "bufinfo: b%u: truncated", b->serial))
			return false;
		if (!check(size == (unsigned long long)b->pages * PAGE && flags == O_RDWR &&
			   !strcmp(exp, exp_names[b->exp]) &&
			   (size_t)(nl - p) == strlen(b->named ? b->name : "<none>") &&
			   !strncmp(p, b->named ? b->name : "<none>", nl - p),
			   "bufinfo: b%u: \"%.*s\", expected size %u flags 2 %s name \"%s\"",
			   b->serial, (int)(nl - line), line, b->pages * PAGE,
			   exp_names[b->exp], b->named ? b->name : "<none>"))
			return false;
		if (count_exact(b))
			if (!check(count == b->nfds + b->nmaps + b->inflight,
				   "bufinfo: b%u: count %ld, expected %d", b->serial, count,
				   b->nfds + b->nmaps + b->inflight))
				return false;
		p = strstr(nl, "\tAttached Devices:\n");
		if (!check(p, "bufinfo: b%u: no attachment list", b->serial))
			return false;
		for (p += strlen("\tAttached Devices:\n"); *p == '\t'; p = nl + 1) {
			nl = strchr(p, '\n');
			if (!check(nl, "bufinfo: b%u: truncated", b->serial))
				return false;
			for (int i = 0; i < NR_IMP; i++)
				if ((size_t)(nl - p - 1) == strlen(imp_names[i]) &&
				    !strncmp(p + 1, imp_names[i], nl - p - 1) &&
				    attached_expected(b, i))
					listed++;
		}
		sscanf(p, "Total %d devices attached", &devices);
		for (int i = 0; i < NR_IMP; i++)
			expect += attached_expected(b, i);
		if (!check(devices == expect && listed == expect,
			   "bufinfo: b%u: %d devices attached (%d expected ones), expected %d (vgem %d vkms %d)",
			   b->serial, devices, listed, expect, b->imported[IMP_VGEM],
			   b->imported[IMP_VKMS]))
			return false;
	}
	for (int i = 0; i < S.ngone; i++) {
		snprintf(needle, sizeof(needle), "\t%s\t%08llu\t", exp_names[S.gone[i].exp],
			 (unsigned long long)S.gone[i].ino);
		if (!check(!strstr(text, needle), "bufinfo: released ino %llu still listed",
			   (unsigned long long)S.gone[i].ino))
			return false;
	}
	S.ngone = 0;
	return true;
}

static struct map *map_at(unsigned long addr)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (S.map[i].used && (uintptr_t)S.map[i].addr == addr)
			return &S.map[i];
	return NULL;
}

static bool check_maps(void)
{
	char *text = read_all(S.maps), *line, *nl, *path;
	int seen = 0;

	if (!text)
		return failf("reading /proc/self/maps: %s", strerror(errno));
	for (line = text; (nl = strchr(line, '\n')); line = nl + 1) {
		unsigned long start, end;
		unsigned long long off, ino;
		const struct buf *b;
		struct map *m;

		*nl = '\0';
		path = strstr(line, "/dmabuf:");
		if (!path)
			continue;
		if (!check(sscanf(line, "%lx-%lx %*s %llx %*s %llu", &start, &end, &off, &ino) == 4,
			   "maps: cannot parse \"%s\"", line))
			return false;
		m = map_at(start);
		if (!check(m, "maps: unknown dma-buf mapping \"%s\"", line))
			return false;
		b = &S.buf[m->buf];
		/* shmem helpers put a fake offset in vm_pgoff of vgem mappings */
		if (!check(end - start == m->pages * PAGE && ino == b->ino &&
			   !strcmp(path + strlen("/dmabuf:"), b->name) &&
			   (b->exp == EXP_VGEM || off == (unsigned long long)m->pgoff * PAGE),
			   "maps: \"%s\", expected b%u ino %llu name \"%s\" %u pages from page %u",
			   line, b->serial, (unsigned long long)b->ino, b->name, m->pages,
			   m->pgoff))
			return false;
		seen++;
	}
	return check(seen == S.nmaps, "maps: %d dma-buf mappings, expected %d", seen, S.nmaps);
}

static int count_tracked(void)
{
	int n = 0;

	for (int fd = 0; fd < MAX_FDS; fd++)
		n += S.fd[fd].kind != FD_FREE;
	return n;
}

/* A sync_file, signalled exactly when the model says so. */
static bool check_sync_file(int fd)
{
	struct sync_file_info info = { 0 };
	int signalled = S.fd[fd].point <= S.cur;

	if (ioctl(fd, SYNC_IOC_FILE_INFO, &info))
		return failf("SYNC_IOC_FILE_INFO on fd %d: %s", fd, strerror(errno));
	return check(info.status == signalled, "sync_file %d (point %u, timeline at %u): status %d",
		     fd, S.fd[fd].point, S.cur, info.status);
}

/*
 * The expensive invariants; see the header. fdinfo takes a procfs lookup
 * per buffer, so between operations a few buffers in turn get it (bufinfo
 * has every buffer's name and count already); @all: every buffer.
 */
static bool check_all(bool all)
{
	static int next_fdinfo;
	int n, left = all ? MAX_BUFS : FDINFO_PER_CHECK;

	if (!check_lowest(true))
		return false;
	/* with every tracked fd open and the count right, none is extra */
	for (int fd = 0; fd < MAX_FDS; fd++) {
		switch (S.fd[fd].kind) {
		case FD_FIXED:
			if (fcntl(fd, F_GETFD) < 0)
				return failf("fd %d: %s", fd, strerror(errno));
			break;
		case FD_BUF:
			if (!check_fstat(fd, buf_of(fd)))
				return false;
			break;
		case FD_SYNC:
			if (!check_sync_file(fd))
				return false;
			break;
		}
	}
	n = open_fds();
	if (!check(n - S.open0 == count_tracked() - S.tracked0,
		   "/proc/self/fd: %d entries, expected %d", n,
		   S.open0 + count_tracked() - S.tracked0))
		return false;
	for (int k = 0; k < MAX_BUFS && left; k++) {
		int bi = (next_fdinfo + k) % MAX_BUFS, fd = fd_of(bi);

		if (!S.buf[bi].used || fd < 0)
			continue;
		if (!check_fdinfo(fd, &S.buf[bi], 0))
			return false;
		if (!--left)
			next_fdinfo = bi + 1;
	}
	if (!check_bufinfo())
		return false;
	if (!check_maps())
		return false;
	for (int i = 0; i < MAX_MAPS; i++)
		for (unsigned int p = 0; S.map[i].used && p < S.map[i].pages; p++)
			if (!check_page(&S.map[i], p))
				return false;
	return true;
}

/* poll() of one fd: its revents, or -errno. */
static int poll1(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, 0);

	if (n < 0)
		return -errno;
	if (n != !!p.revents)
		return -EPROTO;	/* a count that does not match revents */
	return p.revents;
}

/* Before a DMA_BUF_IOCTL_SYNC start: a wait the model did not expect would hang. */
static bool ready_for(int fd, short need)
{
	return want("poll before DMA_BUF_IOCTL_SYNC", poll1(fd, need), need);
}

/* --- allocation ----------------------------------------------------------- */

/* A new buffer at @fd: fstat gives its inode, which must be a new one. */
static int new_buf(int fd, int exp, unsigned int pages)
{
	struct stat st;
	struct buf *b;
	int bi;

	for (bi = 0; S.buf[bi].used; bi++)
		;
	if (fstat(fd, &st)) {
		failf("fstat(%d): %s", fd, strerror(errno));
		return DONE;
	}
	if (!S.have_dev) {
		S.dev = st.st_dev;
		S.have_dev = true;
	}
	/* inode numbers come from a counter that never repeats */
	if (!check(st.st_ino > S.last_ino && st.st_dev == S.dev &&
		   st.st_size == (off_t)pages * PAGE,
		   "new buffer fd %d: ino %llu (last %llu) size %lld, expected %u", fd,
		   (unsigned long long)st.st_ino, (unsigned long long)S.last_ino,
		   (long long)st.st_size, pages * PAGE))
		return DONE;
	S.last_ino = st.st_ino;
	b = &S.buf[bi];
	*b = (struct buf){
		.used = true, .exp = exp, .pages = pages, .serial = ++S.serial,
		.ino = st.st_ino,
	};
	fd_set_buf(fd, bi);
	S.nbufs++;
	if ((unsigned int)S.nbufs > S.t.peak_bufs)
		S.t.peak_bufs = S.nbufs;
	return DONE;
}

static int op_alloc_heap(void)
{
	unsigned int pages = 1 + rn(MAX_PAGES);
	/* a length short of a page boundary is rounded up by the heap */
	size_t len = (size_t)pages * PAGE - (one_in(4) ? rn(PAGE) : 0);
	struct dma_heap_allocation_data d = { .len = len, .fd_flags = O_RDWR | O_CLOEXEC };
	int fd;

	if (S.heap < 0 || !room_for_buf())
		return SKIP;
	fd = model_lowest(0);
	note("%zu bytes -> fd %d", len, fd);
	if (!want("DMA_HEAP_IOCTL_ALLOC",
		  ioctl(S.heap, DMA_HEAP_IOCTL_ALLOC, &d) ? -errno : (long)d.fd, fd))
		return DONE;
	return new_buf(fd, EXP_HEAP, pages);
}

static int op_alloc_udmabuf(void)
{
	unsigned int pages = 1 + rn(MAX_PAGES);
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = pages * PAGE };
	int memfd, fd;

	if (S.udmabuf < 0 || !room_for_buf())
		return SKIP;
	memfd = model_lowest(0);
	S.fd[memfd].kind = FD_FIXED;
	fd = model_lowest(0);
	note("%u pages: memfd %d -> fd %d", pages, memfd, fd);
	if (!want("memfd_create", sysret(memfd_create("random-ops",
						      MFD_ALLOW_SEALING | MFD_CLOEXEC)), memfd))
		return DONE;
	if (!want("ftruncate", sysret(ftruncate(memfd, (off_t)pages * PAGE)), 0))
		return DONE;
	if (!want("F_ADD_SEALS", sysret(fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)), 0))
		return DONE;
	c.memfd = memfd;
	if (!want("UDMABUF_CREATE", sysret(ioctl(S.udmabuf, UDMABUF_CREATE, &c)), fd))
		return DONE;
	/* the buffer holds the pages; the memfd may go */
	if (!want("close memfd", sysret(close(memfd)), 0))
		return DONE;
	S.fd[memfd].kind = FD_FREE;
	return new_buf(fd, EXP_UDMABUF, pages);
}

static int op_alloc_vgem(void)
{
	unsigned int pages = 1 + rn(MAX_PAGES);
	__u32 handle = 0, pitch = 0;
	__u64 size = 0;
	int fd;

	if (S.vgem < 0 || !room_for_buf())
		return SKIP;
	fd = model_lowest(0);
	/* 1024 pixels of 4 bytes: one page a line */
	note("dumb 1024x%u -> fd %d", pages, fd);
	if (!want("DRM_IOCTL_MODE_CREATE_DUMB",
		  drm_dumb(S.vgem, 1024, pages, &handle, &pitch, &size), 0))
		return DONE;
	if (!check(pitch == PAGE && size == (__u64)pages * PAGE, "dumb buffer: pitch %u size %llu",
		   pitch, (unsigned long long)size))
		return DONE;
	if (!want("DRM_IOCTL_PRIME_HANDLE_TO_FD", drm_export(S.vgem, handle), fd))
		return DONE;
	/* only the buffer keeps the object: its fds are all its references */
	if (!want("DRM_IOCTL_GEM_CLOSE", drm_close(S.vgem, handle), 0))
		return DONE;
	return new_buf(fd, EXP_VGEM, pages);
}

static int op_alloc_bad(void)
{
	struct dma_heap_allocation_data d = { .len = PAGE, .fd_flags = O_RDWR | O_CLOEXEC };

	if (S.heap < 0)
		return SKIP;
	switch (rn(3)) {
	case 0:
		d.len = 0;
		break;
	case 1:
		d.fd_flags |= O_NONBLOCK;
		break;
	default:
		d.heap_flags = 1ull << rn(64);
		break;
	}
	note("heap len %llu fd_flags %#x heap_flags %#llx", (unsigned long long)d.len,
	     d.fd_flags, (unsigned long long)d.heap_flags);
	if (!want("DMA_HEAP_IOCTL_ALLOC", sysret(ioctl(S.heap, DMA_HEAP_IOCTL_ALLOC, &d)), -EINVAL))
		return DONE;
	return DONE;
}

/* --- fds: dup, close, fork, sockets ---------------------------------------- */

static int op_dup(void)
{
	int fd = pick_fd(FD_BUF), bi, target, min, got;

	if (fd < 0 || !room_for_fds(1))
		return SKIP;
	bi = S.fd[fd].buf;
	switch (rn(7)) {
	case 0:
	case 1:
		target = model_lowest(0);
		note("dup(%d) -> %d", fd, target);
		if (!want("dup", sysret(dup(fd)), target))
			return DONE;
		break;
	case 2:
		min = rn(FD_PICK_MAX);
		target = model_lowest(min);
		note("F_DUPFD_CLOEXEC(%d, %d) -> %d", fd, min, target);
		if (!want("F_DUPFD_CLOEXEC", sysret(fcntl(fd, F_DUPFD_CLOEXEC, min)), target))
			return DONE;
		break;
	case 3:
	case 4:
		/* onto a free number, or over another buffer or sync_file fd */
		target = one_in(3) ? pick_fd(one_in(3) ? FD_SYNC : FD_BUF) : -1;
		while (target < 0 || S.fd[target].kind == FD_FIXED)
			target = rn(FD_PICK_MAX);
		note("dup2(%d, %d)", fd, target);
		if (!want("dup2", sysret(dup2(fd, target)), target))
			return DONE;
		if (target == fd)
			return DONE;
		/* dup2 closes what was there */
		fd_forget(target);
		break;
	case 5:
		note("dup3(%d, %d)", fd, fd);
		if (!want("dup3 onto itself", sysret(dup3(fd, fd, O_CLOEXEC)), -EINVAL))
			return DONE;
		return DONE;
	default:
		got = pick_free_fd();
		note("dup(%d), not open", got);
		if (!want("dup of a closed fd", sysret(dup(got)), -EBADF))
			return DONE;
		return DONE;
	}
	fd_set_buf(target, bi);
	check_fstat(target, &S.buf[bi]);
	return DONE;
}

static int op_close(void)
{
	int fd;

	if (one_in(10)) {
		fd = pick_free_fd();
		note("close(%d), not open", fd);
		if (!want("close of a closed fd", sysret(close(fd)), -EBADF))
			return DONE;
		return DONE;
	}
	fd = pick_fd(FD_BUF);
	if (fd < 0)
		return SKIP;
	note("close(%d) b%u", fd, buf_of(fd)->serial);
	if (!want("close", sysret(close(fd)), 0))
		return DONE;
	fd_forget(fd);
	return DONE;
}

/* munmap() of a whole mapping, in the kernel and the model. */
static int unmap(int mi)
{
	struct map *m = &S.map[mi];
	int bi = m->buf;

	if (!want("munmap", sysret(munmap(m->addr, (size_t)m->pages * PAGE)), 0))
		return DONE;
	m->used = false;
	S.nmaps--;
	S.buf[bi].nmaps--;
	settle(bi);
	return DONE;
}

/* DRM_IOCTL_GEM_CLOSE of an import, in the kernel and the model. */
static int unimport(int bi, int i)
{
	if (!want("DRM_IOCTL_GEM_CLOSE", drm_close(S.imp[i], S.buf[bi].handle[i]), 0))
		return DONE;
	S.buf[bi].imported[i] = false;
	settle(bi);
	return DONE;
}

/* Userspace done with a buffer: all its fds go, maybe its mappings and imports too. */
static int op_drop(void)
{
	bool maps = one_in(2), imports = one_in(2);
	int fd = -1, bi, list[MAX_BUFS], n = 0;

	/* often one a poll callback may hold: all of it going leaves a zombie */
	for (bi = 0; bi < MAX_BUFS; bi++)
		if (S.buf[bi].used && S.buf[bi].maybe_armed && S.cur < S.buf[bi].max_any &&
		    fd_of(bi) >= 0)
			list[n++] = bi;
	if (n && one_in(2)) {
		fd = fd_of(list[rn(n)]);
		maps = true;
		imports = true;
	}
	if (fd < 0)
		fd = pick_fd(FD_BUF);
	if (fd < 0)
		return SKIP;
	bi = S.fd[fd].buf;
	note("b%u: every fd%s%s", S.buf[bi].serial, maps ? ", mapping" : "",
	     imports ? ", import" : "");
	for (int i = 0; maps && i < MAX_MAPS; i++)
		if (S.map[i].used && S.map[i].buf == bi && (unmap(i), S.t.failed))
			return DONE;
	for (int i = 0; imports && i < NR_IMP; i++)
		if (S.buf[bi].imported[i] && (unimport(bi, i), S.t.failed))
			return DONE;
	for (fd = 0; fd < MAX_FDS; fd++) {
		if (S.fd[fd].kind != FD_BUF || S.fd[fd].buf != bi)
			continue;
		if (!want("close", sysret(close(fd)), 0))
			return DONE;
		fd_forget(fd);
	}
	return DONE;
}

static int op_send(void)
{
	char byte = 'm', control[CMSG_SPACE(MSG_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control };
	struct msg *m = &S.msg[(S.msg_head + S.nmsgs) % MAX_MSGS];
	int fds[MSG_FDS], n = 1 + rn(MSG_FDS);
	struct cmsghdr *c;

	if (S.nmsgs == MAX_MSGS || pick_fd(FD_BUF) < 0)
		return SKIP;
	for (int i = 0; i < n; i++)
		fds[i] = pick_fd(FD_BUF);
	memset(control, 0, sizeof(control));
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	note("%d fds: %d %d %d", n, fds[0], n > 1 ? fds[1] : -1, n > 2 ? fds[2] : -1);
	if (!want("sendmsg SCM_RIGHTS",
		  sysret(sendmsg(S.sock[0], &mh, MSG_DONTWAIT | MSG_NOSIGNAL)), 1))
		return DONE;
	m->n = n;
	for (int i = 0; i < n; i++) {
		m->buf[i] = S.fd[fds[i]].buf;
		S.buf[m->buf[i]].inflight++;
	}
	S.nmsgs++;
	/* the message holds its own references: the original may go now */
	if (one_in(3)) {
		note("close(%d) while in flight", fds[0]);
		if (!want("close", sysret(close(fds[0])), 0))
			return DONE;
		fd_forget(fds[0]);
	}
	return DONE;
}

/* Receives the first queued message; its fds, in order, into @fds. */
static int recv_msg(int *fds)
{
	char byte, control[CMSG_SPACE(MSG_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct msg *m = &S.msg[S.msg_head];
	struct cmsghdr *c;

	if (!want("recvmsg", sysret(recvmsg(S.sock[1], &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)), 1))
		return DONE;
	c = CMSG_FIRSTHDR(&mh);
	if (!check(!(mh.msg_flags & MSG_CTRUNC) && c && c->cmsg_level == SOL_SOCKET &&
		   c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(m->n * sizeof(int)),
		   "recvmsg: flags %#x, control message %s", mh.msg_flags, c ? "wrong" : "missing"))
		return DONE;
	memcpy(fds, CMSG_DATA(c), m->n * sizeof(int));
	S.msg_head = (S.msg_head + 1) % MAX_MSGS;
	S.nmsgs--;
	/* installed in order, each in the lowest free slot */
	for (int i = 0; i < m->n; i++) {
		int expect = model_lowest(0);

		if (!check(fds[i] == expect, "received fd %d is %d, expected %d", i, fds[i],
			   expect))
			return DONE;
		S.buf[m->buf[i]].inflight--;
		fd_set_buf(expect, m->buf[i]);
		if (!check_fstat(expect, &S.buf[m->buf[i]]))
			return DONE;
	}
	return DONE;
}

static int op_recv(void)
{
	char byte, control[CMSG_SPACE(MSG_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	int fds[MSG_FDS];

	if (!S.nmsgs) {
		note("nothing queued");
		if (!want("recvmsg",
			  sysret(recvmsg(S.sock[1], &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)),
			  -EAGAIN))
			return DONE;
		return DONE;
	}
	if (!room_for_fds(S.msg[S.msg_head].n))
		return SKIP;
	note("%d fds", S.msg[S.msg_head].n);
	return recv_msg(fds);
}

static const int sock_types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

static int open_socketpair(void)
{
	int type = sock_types[rn(3)], sv[2], a, b;

	a = model_lowest(0);
	S.fd[a].kind = FD_FIXED;
	b = model_lowest(0);
	S.fd[b].kind = FD_FIXED;
	note("socketpair type %d -> %d %d", type, a, b);
	if (!want("socketpair", sysret(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv)), 0))
		return DONE;
	if (!check(sv[0] == a && sv[1] == b, "socketpair: fds %d %d, expected %d %d",
		   sv[0], sv[1], a, b))
		return DONE;
	S.sock[0] = a;
	S.sock[1] = b;
	return DONE;
}

/* The first queued message is gone: the buffers lose its references. */
static int drop_msg(void)
{
	struct msg *m = &S.msg[S.msg_head];
	int last = 0;

	S.msg_head = (S.msg_head + 1) % MAX_MSGS;
	S.nmsgs--;
	for (int i = 0; i < m->n; i++) {
		S.buf[m->buf[i]].inflight--;
		last += !refs(&S.buf[m->buf[i]]);
		settle(m->buf[i]);
	}
	return last;
}

/* Closing both ends drops the queued messages and their references. */
static int drop_sockets(void)
{
	int first = rn(2);

	note("close %d then %d, %d messages queued", S.sock[first], S.sock[!first], S.nmsgs);
	if (!want("close socket", sysret(close(S.sock[first])), 0))
		return DONE;
	if (!want("close socket", sysret(close(S.sock[!first])), 0))
		return DONE;
	S.fd[S.sock[0]].kind = FD_FREE;
	S.fd[S.sock[1]].kind = FD_FREE;
	S.sock[0] = -1;
	S.sock[1] = -1;
	while (S.nmsgs)
		S.t.dropped_in_flight += drop_msg();
	return DONE;
}

static int op_sock_drop(void)
{
	drop_sockets();
	return S.t.failed ? DONE : open_socketpair();
}

/* --- mappings ------------------------------------------------------------- */

static int pick_map(bool writable)
{
	int list[MAX_MAPS], n = 0;

	for (int i = 0; i < MAX_MAPS; i++)
		if (S.map[i].used && (S.map[i].writable || !writable))
			list[n++] = i;
	return n ? list[rn(n)] : -1;
}

static int op_mmap(void)
{
	int fd = pick_fd(FD_BUF), mi;
	unsigned int pages, pgoff;
	bool writable = !one_in(4);
	struct buf *b;
	void *addr;

	if (fd < 0 || S.nmaps == MAX_MAPS)
		return SKIP;
	b = buf_of(fd);
	pages = 1 + rn(b->pages);
	/* stock shmem helpers ignore the offset of vgem's mappings: stay at 0 */
	pgoff = b->exp == EXP_VGEM ? 0 : rn(b->pages - pages + 1);
	note("fd %d b%u pages %u..%u%s", fd, b->serial, pgoff, pgoff + pages - 1,
	     writable ? "" : " read-only");
	addr = mmap(NULL, (size_t)pages * PAGE, PROT_READ | (writable ? PROT_WRITE : 0),
		    MAP_SHARED, fd, (off_t)pgoff * PAGE);
	if (!check(addr != MAP_FAILED, "mmap: %s", strerror(errno)))
		return DONE;
	for (mi = 0; S.map[mi].used; mi++)
		;
	S.map[mi] = (struct map){
		.used = true, .writable = writable, .buf = S.fd[fd].buf,
		.pgoff = pgoff, .pages = pages, .addr = addr,
	};
	b->nmaps++;
	S.nmaps++;
	check_page(&S.map[mi], rn(pages));
	return DONE;
}

static int op_mmap_bad(void)
{
	int fd = pick_fd(FD_BUF), v = rn(4);
	unsigned int pages, pgoff;
	off_t off;
	size_t len;
	struct buf *b;
	void *addr;
	int flags = MAP_SHARED;

	if (fd < 0)
		return SKIP;
	b = buf_of(fd);
	pages = 1 + rn(b->pages);
	len = (size_t)pages * PAGE;
	pgoff = b->pages - pages + 1 + rn(3);
	off = (off_t)pgoff * PAGE;
	if (v == 3 && b->exp == EXP_HEAP)
		v = 0;
	switch (v) {
	case 0:
		note("fd %d b%u (%u pages): %u pages from page %u", fd, b->serial, b->pages,
		     pages, pgoff);
		break;
	case 1:
		len = 0;
		off = 0;
		note("fd %d: length 0", fd);
		break;
	case 2:
		off = (off_t)rn(b->pages) * PAGE + 1 + rn(PAGE - 1);
		len = PAGE;
		note("fd %d: offset %lld", fd, (long long)off);
		break;
	default:
		/* udmabuf and vgem refuse copy-on-write mappings */
		flags = MAP_PRIVATE;
		off = 0;
		len = PAGE;
		note("fd %d b%u: MAP_PRIVATE", fd, b->serial);
		break;
	}
	addr = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, off);
	if (!want("mmap", addr == MAP_FAILED ? -errno : 0, -EINVAL))
		return DONE;
	return DONE;
}

static int op_munmap(void)
{
	int mi = pick_map(false);

	if (mi < 0)
		return SKIP;
	note("%p b%u", (void *)S.map[mi].addr, S.buf[S.map[mi].buf].serial);
	return unmap(mi);
}

static int op_map_write(void)
{
	int mi = pick_map(true), fd;
	__u64 dir = DMA_BUF_SYNC_WRITE;
	unsigned int i;
	uint32_t tag;
	bool bracket;
	struct map *m;
	struct buf *b;

	if (mi < 0)
		return SKIP;
	m = &S.map[mi];
	b = &S.buf[m->buf];
	i = rn(m->pages);
	tag = (uint32_t)rnd() | 1;
	fd = fd_of(m->buf);
	/* the bracket only when it cannot wait on a fence nobody will signal */
	bracket = fd >= 0 && one_in(2) && (ready_of(b) & POLLOUT) && cpu_start_ok(b, &dir);
	note("b%u page %u tag %08x%s", b->serial, m->pgoff + i, tag,
	     bracket ? " inside SYNC_START/END" : "");
	if (bracket) {
		if (!ready_for(fd, POLLOUT))
			return DONE;
		if (!want("DMA_BUF_IOCTL_SYNC start", cpu_sync(fd, DMA_BUF_SYNC_START | dir), 0))
			return DONE;
		b->cpu_mapped |= b->exp == EXP_UDMABUF;
	}
	fill_page(m->addr + i * (PAGE / 4), tag);
	b->tag[m->pgoff + i] = tag;
	if (bracket)
		if (!want("DMA_BUF_IOCTL_SYNC end", cpu_sync(fd, DMA_BUF_SYNC_END | dir), 0))
			return DONE;
	return DONE;
}

static int op_map_check(void)
{
	int mi = pick_map(false);
	struct map *m;
	unsigned int i;

	if (mi < 0)
		return SKIP;
	m = &S.map[mi];
	i = rn(m->pages);
	note("b%u page %u", S.buf[m->buf].serial, m->pgoff + i);
	check_page(m, i);
	return DONE;
}

/* --- the dma-buf ioctls --------------------------------------------------- */

static const __u64 access_flags[] = {
	DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW,
};

static int op_sync(void)
{
	int fd = pick_fd(FD_BUF);
	__u64 dir = access_flags[rn(3)];
	bool start = one_in(2);
	struct buf *b;
	short need;

	if (fd < 0)
		return SKIP;
	b = buf_of(fd);
	if (start && !cpu_start_ok(b, &dir))
		start = false;
	/* a start waits for conflicting fences: only when there are none */
	need = dir == DMA_BUF_SYNC_READ ? POLLIN : POLLOUT;
	if (!(ready_of(b) & need))
		start = false;
	note("fd %d b%u %s %s", fd, b->serial, start ? "START" : "END",
	     dir == DMA_BUF_SYNC_RW ? "RW" : dir == DMA_BUF_SYNC_READ ? "READ" : "WRITE");
	if (start) {
		if (!ready_for(fd, need))
			return DONE;
		if (!want("DMA_BUF_IOCTL_SYNC", cpu_sync(fd, DMA_BUF_SYNC_START | dir), 0))
			return DONE;
		b->cpu_mapped |= b->exp == EXP_UDMABUF;
		return DONE;
	}
	if (!want("DMA_BUF_IOCTL_SYNC", cpu_sync(fd, DMA_BUF_SYNC_END | dir), cpu_end_result(b)))
		return DONE;
	return DONE;
}

static int op_sync_bad(void)
{
	int fd = pick_fd(FD_BUF), v = rn(7);
	struct dma_buf_sync s = { 0 };
	void *arg = &s;
	long expect = -EINVAL;

	if (fd < 0)
		return SKIP;
	switch (v) {
	case 0:
		s.flags = DMA_BUF_SYNC_START;	/* no access named */
		break;
	case 1:
		s.flags = DMA_BUF_SYNC_END;
		break;
	case 2:
		s.flags = access_flags[rn(3)] | (8ull << rn(60));
		break;
	case 3:
		s.flags = access_flags[rn(3)] | DMA_BUF_SYNC_END | (1ull << (32 + rn(32)));
		break;
	case 4:
		s.flags = rnd() | 8;
		break;
	case 5:
		arg = NULL;
		expect = -EFAULT;
		break;
	default:
		arg = S.badptr;
		expect = -EFAULT;
		break;
	}
	note("fd %d flags %#llx%s", fd, (unsigned long long)s.flags,
	     arg == &s ? "" : arg ? " at an inaccessible address" : " at NULL");
	if (!want("DMA_BUF_IOCTL_SYNC", sysret(ioctl(fd, DMA_BUF_IOCTL_SYNC, arg)), expect))
		return DONE;
	return DONE;
}

static const unsigned long name_cmds[] = {
	DMA_BUF_SET_NAME, DMA_BUF_SET_NAME_A, DMA_BUF_SET_NAME_B,
};

static void random_name(char *out, unsigned int len)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789-_. ";

	for (unsigned int i = 0; i < len; i++)
		out[i] = alphabet[rn(sizeof(alphabet) - 1)];
	out[len] = '\0';
}

static void name_set(struct buf *b, const char *name)
{
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->named = true;
}

static int op_set_name(void)
{
	int fd = pick_fd(FD_BUF), c = rn(3);
	char name[DMA_BUF_NAME_LEN];
	struct buf *b;

	if (fd < 0)
		return SKIP;
	b = buf_of(fd);
	random_name(name, rn(DMA_BUF_NAME_LEN));
	note("fd %d b%u cmd %#lx \"%s\"", fd, b->serial, name_cmds[c], name);
	if (!want("DMA_BUF_SET_NAME", sysret(ioctl(fd, name_cmds[c], name)), 0))
		return DONE;
	name_set(b, name);
	/* a procfs lookup is slow under TCG; the periodic checks see names too */
	if (one_in(3))
		check_link(fd, b);
	return DONE;
}

static int op_set_name_bad(void)
{
	int fd = pick_fd(FD_BUF), v = rn(5);
	char name[80], *arg = name;
	long expect = -EINVAL;
	unsigned int k;

	if (fd < 0)
		return SKIP;
	switch (v) {
	case 0:
		/* DMA_BUF_NAME_LEN characters leave no room for the NUL */
		random_name(name, DMA_BUF_NAME_LEN + rn(sizeof(name) - DMA_BUF_NAME_LEN));
		note("fd %d: %zu characters", fd, strlen(name));
		break;
	case 1:
		arg = NULL;
		expect = -EFAULT;
		note("fd %d: NULL", fd);
		break;
	case 2:
		arg = S.badptr;
		expect = -EFAULT;
		note("fd %d: inaccessible address", fd);
		break;
	default:
		/* k characters up to an inaccessible page: too long, or a fault first */
		k = v == 3 ? 1 + rn(DMA_BUF_NAME_LEN - 1) : DMA_BUF_NAME_LEN + rn(8);
		arg = S.badptr - k;
		memset(arg, 'x', k);
		expect = k < DMA_BUF_NAME_LEN ? -EFAULT : -EINVAL;
		note("fd %d: %u characters before an inaccessible page", fd, k);
		break;
	}
	if (!want("DMA_BUF_SET_NAME", sysret(ioctl(fd, name_cmds[rn(3)], arg)), expect))
		return DONE;
	/* the old name stays */
	if (one_in(3))
		check_link(fd, buf_of(fd));
	return DONE;
}

static int op_export_sync(void)
{
	int fd = pick_fd(FD_BUF), sfd;
	__u32 flags = access_flags[rn(3)];
	struct dma_buf_export_sync_file arg = { .flags = flags, .fd = -7 };
	struct buf *b;
	uint32_t point;

	if (fd < 0)
		return SKIP;
	b = buf_of(fd);
	sfd = model_lowest(0);
	/* a reader waits for writers; a writer for everybody */
	point = flags & DMA_BUF_SYNC_WRITE ? b->max_any : b->max_write;
	note("fd %d b%u flags %u -> fd %d, point %u (timeline at %u)", fd, b->serial, flags,
	     sfd, point, S.cur);
	if (!want("DMA_BUF_IOCTL_EXPORT_SYNC_FILE",
		  sysret(ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg)), 0))
		return DONE;
	if (!check(arg.fd == sfd && arg.flags == flags, "exported fd %d flags %u, expected fd %d",
		   arg.fd, arg.flags, sfd))
		return DONE;
	fd_set_sync(sfd, point);
	if (!check((fcntl(sfd, F_GETFD) & FD_CLOEXEC), "exported sync_file without FD_CLOEXEC"))
		return DONE;
	if (!want("poll of the exported sync_file", poll1(sfd, POLLIN),
		  point <= S.cur ? POLLIN : 0))
		return DONE;
	if (S.nsync > MAX_SYNC) {
		if (!want("close", sysret(close(sfd)), 0))
			return DONE;
		fd_forget(sfd);
	}
	return DONE;
}

static const __u32 bad_sync_flags[] = {
	0, DMA_BUF_SYNC_END, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ, 8, 1u << 31,
	DMA_BUF_SYNC_RW | 16,
};

static int op_export_bad(void)
{
	int fd = pick_fd(FD_BUF), v = rn(8);
	struct dma_buf_export_sync_file arg = { .fd = -7 };
	void *p = &arg;
	long expect = -EINVAL;

	if (fd < 0)
		return SKIP;
	if (v < 6) {
		arg.flags = bad_sync_flags[v];
	} else {
		arg.flags = DMA_BUF_SYNC_READ;
		p = v == 6 ? NULL : S.badptr;
		expect = -EFAULT;
	}
	note("fd %d flags %#x%s", fd, arg.flags, p == &arg ? "" : " bad pointer");
	if (!want("DMA_BUF_IOCTL_EXPORT_SYNC_FILE",
		  sysret(ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, p)), expect))
		return DONE;
	if (!check(arg.fd == -7, "a failed export wrote fd %d back", arg.fd))
		return DONE;
	return DONE;
}

static int import_sync(int fd, __u32 flags, int sync_fd)
{
	struct dma_buf_import_sync_file arg = { .flags = flags, .fd = sync_fd };

	return ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &arg) ? -errno : 0;
}

/* poll of a buffer against the model; a poll that waits marks the buffer. */
static bool check_poll(int fd, short events)
{
	struct buf *b = buf_of(fd);
	short expect = events & ready_of(b);

	polled(b, events);
	return want("poll", poll1(fd, events), expect);
}

static const short poll_events[] = { 0, POLLIN, POLLOUT, POLLIN | POLLOUT };

static int op_import_sync(void)
{
	int fd = pick_fd(FD_BUF), sfd = pick_fd(FD_SYNC);
	__u32 flags = access_flags[rn(3)];
	struct buf *b;
	uint32_t p;

	if (fd < 0 || sfd < 0)
		return SKIP;
	b = buf_of(fd);
	p = S.fd[sfd].point;
	note("fd %d b%u flags %u sync_file %d (point %u, timeline at %u)", fd, b->serial,
	     flags, sfd, p, S.cur);
	if (!want("DMA_BUF_IOCTL_IMPORT_SYNC_FILE", import_sync(fd, flags, sfd), 0))
		return DONE;
	if (flags & DMA_BUF_SYNC_WRITE && p > b->max_write)
		b->max_write = p;
	if (p > b->max_any)
		b->max_any = p;
	if (one_in(2))
		check_poll(fd, poll_events[rn(4)]);
	return DONE;
}

static int op_import_bad(void)
{
	int fd = pick_fd(FD_BUF), sfd = pick_fd(FD_SYNC), v = rn(7);
	struct dma_buf_import_sync_file arg = { .flags = access_flags[rn(3)], .fd = -1 };
	void *p = &arg;
	long expect = -EINVAL;
	short ready;

	if (fd < 0)
		return SKIP;
	switch (v) {
	case 0:
		arg.flags = bad_sync_flags[rn(ARRAY_SIZE(bad_sync_flags))];
		arg.fd = sfd >= 0 ? sfd : S.timeline;
		break;
	case 1:
		arg.fd = pick_fd(FD_BUF);
		break;
	case 2:
		arg.fd = S.timeline;
		break;
	case 3:
		arg.fd = S.ep;
		break;
	case 4:
		arg.fd = -1 - rn(100);
		break;
	case 5:
		arg.fd = pick_free_fd();
		break;
	default:
		p = one_in(2) ? NULL : S.badptr;
		expect = -EFAULT;
		break;
	}
	note("fd %d flags %#x sync fd %d%s", fd, arg.flags, arg.fd,
	     p == &arg ? "" : " bad pointer");
	if (!want("DMA_BUF_IOCTL_IMPORT_SYNC_FILE",
		  sysret(ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, p)), expect))
		return DONE;
	/* no fence went in: what was ready still is (polling it arms nothing) */
	ready = ready_of(buf_of(fd));
	if (ready)
		if (!want("poll after a failed import", poll1(fd, ready), ready))
			return DONE;
	return DONE;
}

/* --- sw_sync fences ------------------------------------------------------- */

static int close_a_sync_fd(void)
{
	int sfd = pick_fd(FD_SYNC);

	note("close sync_file %d", sfd);
	if (!want("close", sysret(close(sfd)), 0))
		return DONE;
	fd_forget(sfd);
	return DONE;
}

static int op_fence_new(void)
{
	uint32_t point = S.cur + rn(5);
	int sfd;

	if (S.timeline < 0)
		return SKIP;
	if (S.nsync == MAX_SYNC && (close_a_sync_fd(), S.t.failed))
		return DONE;
	sfd = model_lowest(0);
	note("point %u (timeline at %u) -> fd %d", point, S.cur, sfd);
	if (!want("SW_SYNC_IOC_CREATE_FENCE", sw_sync_fence(S.timeline, point), sfd))
		return DONE;
	fd_set_sync(sfd, point);
	if (point > S.top)
		S.top = point;
	return DONE;
}

static int op_fence_merge(void)
{
	int a = pick_fd(FD_SYNC), b = pick_fd(FD_SYNC), sfd;
	struct sync_merge_data m = { .name = "random-ops" };
	uint32_t point;

	if (a < 0 || S.nsync == MAX_SYNC)
		return SKIP;
	m.fd2 = b;
	sfd = model_lowest(0);
	point = S.fd[a].point > S.fd[b].point ? S.fd[a].point : S.fd[b].point;
	note("%d + %d -> fd %d, point %u", a, b, sfd, point);
	if (!want("SYNC_IOC_MERGE", sysret(ioctl(a, SYNC_IOC_MERGE, &m)), 0))
		return DONE;
	if (!check(m.fence == sfd, "merged fence fd %d, expected %d", m.fence, sfd))
		return DONE;
	fd_set_sync(sfd, point);
	if (!want("poll of the merged sync_file", poll1(sfd, POLLIN), point <= S.cur ? POLLIN : 0))
		return DONE;
	return DONE;
}

static int op_fence_close(void)
{
	if (pick_fd(FD_SYNC) < 0)
		return SKIP;
	return close_a_sync_fd();
}

static int op_fence_poll(void)
{
	int sfd = pick_fd(FD_SYNC);

	if (sfd < 0)
		return SKIP;
	note("fd %d point %u timeline at %u", sfd, S.fd[sfd].point, S.cur);
	if (!want("poll of a sync_file", poll1(sfd, POLLIN), S.fd[sfd].point <= S.cur ? POLLIN : 0))
		return DONE;
	return DONE;
}

static int signal_to(uint32_t value)
{
	__u32 n = value - S.cur;

	if (!want("SW_SYNC_IOC_INC", sysret(ioctl(S.timeline, SW_SYNC_IOC_INC, &n)), 0))
		return DONE;
	S.cur = value;
	advance();
	return DONE;
}

static int op_signal(void)
{
	uint32_t n = rn(4);

	if (S.timeline < 0)
		return SKIP;
	note("timeline %u -> %u (highest point %u)", S.cur, S.cur + n, S.top);
	return signal_to(S.cur + n);
}

/* --- the other file operations ------------------------------------------- */

static bool known_cmd(unsigned int cmd)
{
	static const unsigned int known[] = {
		DMA_BUF_IOCTL_SYNC, DMA_BUF_SET_NAME_A, DMA_BUF_SET_NAME_B,
		DMA_BUF_IOCTL_EXPORT_SYNC_FILE, DMA_BUF_IOCTL_IMPORT_SYNC_FILE,
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(known); i++)
		if (cmd == known[i])
			return true;
	return false;
}

static int op_ioctl_unknown(void)
{
	/* room for any size the command encodes, should one be copied */
	static char scratch[1 << 14];
	int fd = pick_fd(FD_BUF);
	unsigned int cmd;

	if (fd < 0)
		return SKIP;
	/*
	 * Only types no generic VFS ioctl uses: the dma-buf type, then DRM and
	 * sync_file/sw_sync numbers that mean nothing to a dma-buf.
	 */
	do {
		switch (rn(4)) {
		case 0:
			cmd = _IOC(rn(4), DMA_BUF_BASE, 4 + rn(252), rn(1 << 14));
			break;
		case 1:
			cmd = _IOC(rn(4), DMA_BUF_BASE, rn(4), rn(64));
			break;
		case 2:
			cmd = _IOC(rn(4), 'd', rn(256), rn(256));
			break;
		default:
			cmd = _IOC(rn(4), one_in(2) ? '>' : 'W', rn(16), rn(64));
			break;
		}
	} while (known_cmd(cmd));
	note("fd %d cmd %#x", fd, cmd);
	if (!want("unknown ioctl", sysret(ioctl(fd, cmd, scratch)), -ENOTTY))
		return DONE;
	return DONE;
}

static int op_lseek(void)
{
	int fd = pick_fd(FD_BUF), v = rn(8), whence = SEEK_SET;
	long long size, off = 0, expect = -EINVAL;

	if (fd < 0)
		return SKIP;
	size = (long long)buf_of(fd)->pages * PAGE;
	switch (v) {
	case 0:
		whence = SEEK_END;
		expect = size;
		break;
	case 1:
		expect = 0;
		break;
	case 2:
		whence = SEEK_CUR;
		break;
	case 3:
		off = one_in(4) ? 1ll << 40 : 1 + rn(size);
		break;
	case 4:
		whence = SEEK_END;
		off = -1 - (long long)rn(size);
		break;
	case 5:
		whence = SEEK_DATA;
		break;
	case 6:
		whence = SEEK_HOLE;
		break;
	default:
		whence = 5 + rn(20);
		break;
	}
	note("fd %d offset %lld whence %d", fd, off, whence);
	if (!want("lseek", sysret(lseek(fd, off, whence)), expect))
		return DONE;
	return DONE;
}

static int op_fstat(void)
{
	int fd = pick_fd(FD_BUF);

	if (fd < 0)
		return SKIP;
	note("fd %d b%u", fd, buf_of(fd)->serial);
	check_fstat(fd, buf_of(fd));
	return DONE;
}

static int op_readlink(void)
{
	int fd = pick_fd(FD_BUF);

	if (fd < 0)
		return SKIP;
	note("fd %d b%u", fd, buf_of(fd)->serial);
	check_link(fd, buf_of(fd));
	return DONE;
}

static int op_fdinfo(void)
{
	int fd = pick_fd(FD_BUF);

	if (fd < 0)
		return SKIP;
	note("fd %d b%u", fd, buf_of(fd)->serial);
	check_fdinfo(fd, buf_of(fd), 0);
	return DONE;
}

static const char *const rw_names[] = { "read", "write", "readv", "writev", "pread", "pwrite" };

static int op_rw(void)
{
	int fd = pick_fd(FD_BUF), v = rn(6);
	char data[64] = { 0 };
	struct iovec iov = { .iov_base = data, .iov_len = 1 + rn(sizeof(data)) };
	size_t len = iov.iov_len;
	long r, expect = -EINVAL;

	if (fd < 0)
		return SKIP;
	note("fd %d %s of %zu bytes", fd, rw_names[v], len);
	/* no read or write file operations; the file was not opened for pread */
	switch (v) {
	case 0:
		r = read(fd, data, len);
		break;
	case 1:
		r = write(fd, data, len);
		break;
	case 2:
		r = readv(fd, &iov, 1);
		break;
	case 3:
		r = writev(fd, &iov, 1);
		break;
	case 4:
		r = pread(fd, data, len, 0);
		expect = -ESPIPE;
		break;
	default:
		r = pwrite(fd, data, len, 0);
		expect = -ESPIPE;
		break;
	}
	if (!want("read/write", sysret(r), expect))
		return DONE;
	return DONE;
}

static int op_poll(void)
{
	struct pollfd p[3];
	short expect[3];
	int n = 1 + rn(3), ready = 0;

	if (pick_fd(FD_BUF) < 0)
		return SKIP;
	for (int i = 0; i < n; i++) {
		int fd = one_in(4) ? pick_fd(FD_SYNC) : -1, v = rn(10);

		if (fd >= 0) {
			p[i] = (struct pollfd){ .fd = fd, .events = POLLIN };
			expect[i] = S.fd[fd].point <= S.cur ? POLLIN : 0;
		} else if (v == 0) {
			fd = pick_free_fd();
			p[i] = (struct pollfd){ .fd = fd, .events = POLLIN };
			expect[i] = POLLNVAL;
		} else {
			fd = pick_fd(FD_BUF);
			p[i] = (struct pollfd){ .fd = fd, .events = poll_events[rn(4)] };
			expect[i] = p[i].events & ready_of(buf_of(fd));
			polled(buf_of(fd), p[i].events);
		}
		ready += !!expect[i];
	}
	note("%d fds: %d/%x %d/%x %d/%x", n, p[0].fd, p[0].events, n > 1 ? p[1].fd : -1,
	     n > 1 ? p[1].events : 0, n > 2 ? p[2].fd : -1, n > 2 ? p[2].events : 0);
	if (!want("poll", sysret(poll(p, n, 0)), ready))
		return DONE;
	for (int i = 0; i < n; i++)
		if (!check(p[i].revents == expect[i], "poll: fd %d revents %#x, expected %#x",
			   p[i].fd, p[i].revents, expect[i]))
			return DONE;
	return DONE;
}

static const uint32_t epoll_events[] = { EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLOUT };

static int epoll_wait_check(void)
{
	struct epoll_event ev[MAX_EPI + 4];
	bool seen[MAX_EPI] = { false };
	int n;

	note("%d entries", S.nepi);
	n = epoll_wait(S.ep, ev, ARRAY_SIZE(ev), 0);
	if (!check(n >= 0, "epoll_wait: %s", strerror(errno)))
		return DONE;
	for (int i = 0; i < n; i++) {
		struct epi *e = NULL;
		uint32_t expect;

		for (int j = 0; j < MAX_EPI && !e; j++)
			if (S.epi[j].used && S.epi[j].id == ev[i].data.u64)
				e = &S.epi[j];
		if (!check(e, "epoll_wait: event %#x for entry %llu, which the model lacks",
			   ev[i].events, (unsigned long long)ev[i].data.u64))
			return DONE;
		expect = e->events & ready_of(&S.buf[e->buf]);
		if (!check(ev[i].events == expect,
			   "epoll_wait: entry %llu (fd %d b%u): events %#x, expected %#x",
			   (unsigned long long)e->id, e->fd, S.buf[e->buf].serial, ev[i].events,
			   expect))
			return DONE;
		seen[e - S.epi] = true;
		/* an entry whose fd went while another reference kept the file */
		S.t.stale_epoll += S.fd[e->fd].kind != FD_BUF || S.fd[e->fd].buf != e->buf;
	}
	for (int j = 0; j < MAX_EPI; j++) {
		struct epi *e = &S.epi[j];

		if (!e->used)
			continue;
		if (!check(seen[j] || e->uncertain || !(e->events & ready_of(&S.buf[e->buf])),
			   "epoll_wait: entry %llu (fd %d b%u, events %#x) ready but not reported",
			   (unsigned long long)e->id, e->fd, S.buf[e->buf].serial, e->events))
			return DONE;
		/* items woken since the last wait were polled again */
		polled(&S.buf[e->buf], e->events);
	}
	return DONE;
}

static int epoll_bad(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = one_in(2) ? S.ep : pick_free_fd();

	note("add fd %d (%s)", fd, fd == S.ep ? "the epoll fd itself" : "not open");
	if (!want("EPOLL_CTL_ADD", sysret(epoll_ctl(S.ep, EPOLL_CTL_ADD, fd, &ev)),
		  fd == S.ep ? -EINVAL : -EBADF))
		return DONE;
	return DONE;
}

static int op_epoll(void)
{
	struct epoll_event ev = { .events = epoll_events[rn(3)] };
	int v = rn(20), fd, op;
	long expect;
	struct epi *e;
	struct buf *b;

	if (v == 19)
		return epoll_bad();
	if (v >= 14)
		return epoll_wait_check();
	/* deleting by the fd number of an entry whose fd may be gone */
	if (v >= 10 && S.nepi && one_in(2)) {
		do
			e = &S.epi[rn(MAX_EPI)];
		while (!e->used);
		fd = e->fd;
	} else {
		fd = pick_fd(FD_BUF);
	}
	if (fd < 0)
		return SKIP;
	op = v < 7 ? EPOLL_CTL_ADD : v < 10 ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
	switch (S.fd[fd].kind) {
	case FD_FREE:
		e = NULL;
		expect = -EBADF;
		break;
	case FD_BUF:
		e = find_epi(S.fd[fd].buf, fd);
		expect = op == EPOLL_CTL_ADD ? (e ? -EEXIST : 0) : (e ? 0 : -ENOENT);
		break;
	default:
		/* another kind of file took the number: it has no entry */
		if (op == EPOLL_CTL_ADD)
			return SKIP;
		e = NULL;
		expect = -ENOENT;
		break;
	}
	if (op == EPOLL_CTL_ADD && !e && S.nepi == MAX_EPI)
		return SKIP;
	ev.data.u64 = op == EPOLL_CTL_ADD ? S.epi_serial + 1 : e ? e->id : 0;
	note("%s fd %d events %#x -> %ld", op == EPOLL_CTL_ADD ? "add" :
	     op == EPOLL_CTL_MOD ? "mod" : "del", fd, ev.events, expect);
	if (!want("epoll_ctl", sysret(epoll_ctl(S.ep, op, fd, &ev)), expect))
		return DONE;
	if (expect)
		return DONE;
	b = buf_of(fd);
	if (op == EPOLL_CTL_ADD) {
		for (e = S.epi; e->used; e++)
			;
		*e = (struct epi){
			.used = true, .buf = S.fd[fd].buf, .fd = fd, .id = ++S.epi_serial,
		};
		S.nepi++;
	}
	if (op == EPOLL_CTL_DEL) {
		e->used = false;
		S.nepi--;
		return DONE;
	}
	/* adding and modifying poll the file */
	e->events = ev.events;
	polled(b, ev.events);
	return DONE;
}

/* --- DRM importers -------------------------------------------------------- */

static int pick_import(int *bi, int *imp)
{
	int list[MAX_BUFS * NR_IMP], n = 0;

	for (int i = 0; i < MAX_BUFS; i++)
		for (int j = 0; j < NR_IMP; j++)
			if (S.buf[i].used && S.buf[i].imported[j])
				list[n++] = i * NR_IMP + j;
	if (!n)
		return -1;
	n = list[rn(n)];
	*bi = n / NR_IMP;
	*imp = n % NR_IMP;
	return 0;
}

static int op_prime_import(void)
{
	int fd = pick_fd(FD_BUF), i = rn(NR_IMP);
	struct buf *b;
	__u32 handle = 0;

	if (S.imp[i] < 0)
		i = !i;
	if (fd < 0 || S.imp[i] < 0)
		return SKIP;
	b = buf_of(fd);
	/* one device mapping at a time (see cpu_start_ok()) */
	if (!b->imported[i] && !(i == IMP_VGEM && b->exp == EXP_VGEM) && device_maps(b))
		return SKIP;
	note("fd %d b%u into %s%s", fd, b->serial, imp_names[i],
	     b->imported[i] ? " again" : "");
	if (!want("DRM_IOCTL_PRIME_FD_TO_HANDLE", drm_import(S.imp[i], fd, &handle), 0))
		return DONE;
	/* a second import finds the first one's object */
	if (!check(!b->imported[i] || handle == b->handle[i], "handle %u, the first import got %u",
		   handle, b->handle[i]))
		return DONE;
	b->imported[i] = true;
	b->handle[i] = handle;
	return DONE;
}

static int op_prime_export(void)
{
	int bi, i, fd;

	if (pick_import(&bi, &i) || !room_for_fds(1))
		return SKIP;
	fd = model_lowest(0);
	note("b%u from %s handle %u -> fd %d", S.buf[bi].serial, imp_names[i],
	     S.buf[bi].handle[i], fd);
	/* exporting an imported object gives back the same buffer */
	if (!want("DRM_IOCTL_PRIME_HANDLE_TO_FD", drm_export(S.imp[i], S.buf[bi].handle[i]), fd))
		return DONE;
	fd_set_buf(fd, bi);
	check_fstat(fd, &S.buf[bi]);
	return DONE;
}

static int op_gem_close(void)
{
	int bi, i;

	if (one_in(6)) {
		__u32 handle = 0x40000000u + rn(1000);

		i = S.imp[0] >= 0 ? 0 : 1;
		if (S.imp[i] < 0)
			return SKIP;
		note("%s handle %u, not in use", imp_names[i], handle);
		if (!want("DRM_IOCTL_GEM_CLOSE", drm_close(S.imp[i], handle), -EINVAL))
			return DONE;
		return DONE;
	}
	if (pick_import(&bi, &i))
		return SKIP;
	note("b%u %s handle %u", S.buf[bi].serial, imp_names[i], S.buf[bi].handle[i]);
	return unimport(bi, i);
}

/* --- fork ----------------------------------------------------------------- */

/* C_CLOSE last: it is only drawn as a child's last step */
enum {
	C_VERIFY, C_FDINFO, C_NAME, C_WRITE, C_CHECK, C_DUPCLOSE, C_POLL, C_ALLOC,
	C_RECV, C_CLOSE, NR_COPS
};

static const char *const cop_names[NR_COPS] = {
	"verify", "fdinfo", "name", "write", "check", "dup+close", "poll", "alloc",
	"recv+close", "close",
};

/* One step of a forked child, drawn by the parent so that it knows the effects. */
struct cop {
	int kind, fd, map;
	unsigned int page;
	uint32_t tag;
	short events;
	unsigned long cmd;
	char name[DMA_BUF_NAME_LEN];
};

/* The child: its fd table and mappings are copies, the buffers are shared. */
static void run_child(const struct cop *ops, int n)
{
	struct dma_heap_allocation_data d;
	int parent_fds[MAX_BUFS], fd, fds[MSG_FDS];

	for (int bi = 0; bi < MAX_BUFS; bi++)
		parent_fds[bi] = S.buf[bi].nfds;
	for (int k = 0; k < n && !S.t.failed; k++) {
		const struct cop *c = &ops[k];
		struct buf *b = buf_of(c->fd);
		const struct map *m = &S.map[c->map];

		note("%s fd %d b%u", cop_names[c->kind], c->fd, b->serial);
		switch (c->kind) {
		case C_VERIFY:
			if (check_fstat(c->fd, b))
				check_link(c->fd, b);
			break;
		case C_FDINFO:
			/* the parent's fds and mappings count too */
			check_fdinfo(c->fd, b, parent_fds[S.fd[c->fd].buf] + b->nmaps);
			break;
		case C_NAME:
			if (!want("DMA_BUF_SET_NAME", sysret(ioctl(c->fd, c->cmd, c->name)), 0))
				break;
			name_set(b, c->name);
			check_link(c->fd, b);
			break;
		case C_WRITE:
			fill_page(m->addr + c->page * (PAGE / 4), c->tag);
			S.buf[m->buf].tag[m->pgoff + c->page] = c->tag;
			break;
		case C_CHECK:
			check_page(m, c->page);
			break;
		case C_DUPCLOSE:
			fd = model_lowest(0);
			if (want("dup", sysret(dup(c->fd)), fd))
				want("close", sysret(close(fd)), 0);
			break;
		case C_POLL:
			check_poll(c->fd, c->events);
			break;
		case C_ALLOC:
			/* the heap wants fd 0 on the way in */
			d = (struct dma_heap_allocation_data){
				.len = PAGE, .fd_flags = O_RDWR | O_CLOEXEC,
			};
			fd = model_lowest(0);
			if (!want("DMA_HEAP_IOCTL_ALLOC",
				  ioctl(S.heap, DMA_HEAP_IOCTL_ALLOC, &d) ? -errno : (long)d.fd,
				  fd))
				break;
			if (want("lseek", sysret(lseek(fd, 0, SEEK_END)), PAGE))
				want("close", sysret(close(fd)), 0);
			break;
		case C_RECV:
			/* what the parent sent arrives here; the parent's model drops it */
			fd = S.msg[S.msg_head].n;
			recv_msg(fds);
			for (int i = 0; i < fd && !S.t.failed; i++) {
				if (!want("close", sysret(close(fds[i])), 0))
					break;
				fd_forget(fds[i]);
			}
			break;
		default:
			if (want("close", sysret(close(c->fd)), 0))
				fd_forget(c->fd);
			break;
		}
		fd = kernel_lowest();
		if (!S.t.failed && fd != model_lowest(0))
			failf("lowest free fd %d, expected %d", fd, model_lowest(0));
	}
}

static int op_fork(void)
{
	struct cop ops[MAX_CHILD_OPS];
	int n = 2 + rn(MAX_CHILD_OPS - 1), status, recvs = 0;
	char list[128] = "";
	pid_t pid;

	if (pick_fd(FD_BUF) < 0)
		return SKIP;
	/* a fork and its child cost a few hundred steps' time under TCG */
	if (S.step > CHECK_WARMUP && !one_in(FORK_LATER))
		return SKIP;
	for (int k = 0; k < n; k++) {
		struct cop *c = &ops[k];

		/* a close only last: the steps before it may use any inherited fd */
		c->kind = rn(k == n - 1 ? NR_COPS : NR_COPS - 1);
		c->fd = pick_fd(FD_BUF);
		c->map = 0;
		if (c->kind == C_WRITE || c->kind == C_CHECK) {
			c->map = pick_map(c->kind == C_WRITE);
			if (c->map < 0) {
				c->kind = C_VERIFY;
				c->map = 0;
			}
		}
		if ((c->kind == C_ALLOC && S.heap < 0) || (c->kind == C_RECV && recvs == S.nmsgs))
			c->kind = C_VERIFY;
		recvs += c->kind == C_RECV;
		c->page = rn(S.map[c->map].pages);
		c->tag = (uint32_t)rnd() | 1;
		c->events = poll_events[rn(4)];
		c->cmd = name_cmds[rn(3)];
		random_name(c->name, rn(DMA_BUF_NAME_LEN));
		snprintf(list + strlen(list), sizeof(list) - strlen(list), " %s(%d)",
			 cop_names[c->kind], c->fd);
	}
	note("child runs%s", list);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		S.in_child = true;
		run_child(ops, n);
		fflush(stdout);
		_exit(S.t.failed ? 1 : 0);
	}
	if (!check(pid > 0, "fork: %s", strerror(errno)))
		return DONE;
	if (!want("waitpid", sysret(waitpid(pid, &status, 0)), pid))
		return DONE;
	if (!check(WIFEXITED(status) && !WEXITSTATUS(status), "child: wait status %#x", status))
		return DONE;
	S.t.child_ops += n;
	/* what the child did to the buffers it shares with us */
	for (int k = 0; k < n; k++) {
		const struct cop *c = &ops[k];
		struct buf *b = buf_of(c->fd);
		const struct map *m = &S.map[c->map];

		if (c->kind == C_NAME)
			name_set(b, c->name);
		else if (c->kind == C_WRITE)
			S.buf[m->buf].tag[m->pgoff + c->page] = c->tag;
		else if (c->kind == C_POLL)
			polled(b, c->events);
		else if (c->kind == C_RECV)
			drop_msg();
	}
	return DONE;
}

/* --- a worker ------------------------------------------------------------- */

static const struct op op_table[NR_OPS] = {
	{ "alloc_heap", 40, op_alloc_heap },
	{ "alloc_udmabuf", 25, op_alloc_udmabuf },
	{ "alloc_vgem", 30, op_alloc_vgem },
	{ "alloc_bad", 6, op_alloc_bad },
	{ "dup", 40, op_dup },
	{ "close", 70, op_close },
	{ "drop", 12, op_drop },
	{ "fork", 2, op_fork },
	{ "send", 30, op_send },
	{ "recv", 30, op_recv },
	{ "sock_drop", 4, op_sock_drop },
	{ "mmap", 30, op_mmap },
	{ "mmap_bad", 10, op_mmap_bad },
	{ "munmap", 28, op_munmap },
	{ "map_write", 35, op_map_write },
	{ "map_check", 30, op_map_check },
	{ "sync", 30, op_sync },
	{ "sync_bad", 15, op_sync_bad },
	{ "set_name", 30, op_set_name },
	{ "set_name_bad", 15, op_set_name_bad },
	{ "export_sync", 25, op_export_sync },
	{ "export_bad", 10, op_export_bad },
	{ "import_sync", 25, op_import_sync },
	{ "import_bad", 12, op_import_bad },
	{ "fence_new", 25, op_fence_new },
	{ "fence_merge", 8, op_fence_merge },
	{ "fence_close", 15, op_fence_close },
	{ "fence_poll", 12, op_fence_poll },
	{ "signal", 25, op_signal },
	{ "ioctl_unknown", 15, op_ioctl_unknown },
	{ "lseek", 25, op_lseek },
	{ "fstat", 20, op_fstat },
	{ "readlink", 20, op_readlink },
	{ "fdinfo", 15, op_fdinfo },
	{ "poll", 25, op_poll },
	{ "epoll", 35, op_epoll },
	{ "prime_import", 20, op_prime_import },
	{ "prime_export", 8, op_prime_export },
	{ "gem_close", 15, op_gem_close },
	{ "rw", 10, op_rw },
};

static int pick_op(void)
{
	static unsigned int total;
	unsigned int r, i;

	if (!total)
		for (i = 0; i < NR_OPS; i++)
			total += op_table[i].weight;
	r = rn(total);
	for (i = 0; r >= op_table[i].weight; i++)
		r -= op_table[i].weight;
	return i;
}

static int fixed(int fd)
{
	if (fd >= 0 && fd < MAX_FDS)
		S.fd[fd].kind = FD_FIXED;
	return fd;
}

static int open_fds0, lowest0;	/* before the worker opened anything */

/* What setup() opens for the whole run, the sockets apart. */
static int *const setup_fds[] = {
	&S.heap, &S.udmabuf, &S.vgem, &S.imp[IMP_VGEM], &S.imp[IMP_VKMS], &S.timeline, &S.ep,
	&S.fd_dir, &S.fdinfo_dir, &S.bufinfo, &S.maps,
};

static int setup(void)
{
	char *edge;

	for (int fd = 0; fd < MAX_FDS; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			S.fd[fd].kind = FD_FIXED;
	open_fds0 = open_fds();
	lowest0 = kernel_lowest();
	S.heap = fixed(open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC));
	S.udmabuf = fixed(open("/dev/udmabuf", O_RDWR | O_CLOEXEC));
	/* one vgem file exports; another imports, as a different client would */
	S.vgem = fixed(drm_open("vgem"));
	S.imp[IMP_VGEM] = fixed(drm_open("vgem"));
	S.imp[IMP_VKMS] = fixed(drm_open("vkms"));
	S.timeline = fixed(open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC));
	S.ep = fixed(epoll_create1(EPOLL_CLOEXEC));
	if (!check(S.ep >= 0 && S.ep < MAX_FDS, "epoll_create1: %s", strerror(errno)))
		return DONE;
	S.fd_dir = fixed(open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	S.fdinfo_dir = fixed(open("/proc/self/fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	S.bufinfo = fixed(open(BUFINFO, O_RDONLY | O_CLOEXEC));
	S.maps = fixed(open("/proc/self/maps", O_RDONLY | O_CLOEXEC));
	if (!check(S.fd_dir >= 0 && S.fdinfo_dir >= 0 && S.bufinfo >= 0 && S.maps >= 0,
		   "opening procfs and bufinfo: %s", strerror(errno)))
		return DONE;
	if (S.index == 0)
		printf("# exporters:%s%s%s, importers:%s%s, sw_sync: %s\n",
		       S.heap >= 0 ? " system heap" : "", S.udmabuf >= 0 ? " udmabuf" : "",
		       S.vgem >= 0 ? " vgem" : "", S.imp[0] >= 0 ? " vgem" : "",
		       S.imp[1] >= 0 ? " vkms" : "", S.timeline >= 0 ? "yes" : "no");
	if (open_socketpair())
		return DONE;
	/* a page followed by an inaccessible one: names that run into it fault */
	edge = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check(edge != MAP_FAILED, "mmap: %s", strerror(errno)))
		return DONE;
	if (mprotect(edge + PAGE, PAGE, PROT_NONE)) {
		failf("mprotect: %s", strerror(errno));
		return DONE;
	}
	S.edge = (uint32_t *)edge;
	S.badptr = edge + PAGE;
	S.open0 = open_fds();
	S.tracked0 = count_tracked();
	return DONE;
}

/* Signal, unmap, close and drop everything; then nothing may be left. */
static int finish(void)
{
	int n;

	S.op = -1;
	note("final checks and cleanup");
	if (!check_all(true))
		return DONE;
	/* with every fence signalled no callback holds a buffer any more */
	if (S.top > S.cur && (signal_to(S.top), S.t.failed))
		return DONE;
	for (int i = 0; i < MAX_MAPS; i++)
		if (S.map[i].used && (unmap(i), S.t.failed))
			return DONE;
	for (int bi = 0; bi < MAX_BUFS; bi++)
		for (int i = 0; i < NR_IMP; i++)
			if (S.buf[bi].used && S.buf[bi].imported[i] &&
			    (unimport(bi, i), S.t.failed))
				return DONE;
	if (drop_sockets())
		return DONE;
	for (int fd = 0; fd < MAX_FDS; fd++) {
		if (S.fd[fd].kind != FD_BUF && S.fd[fd].kind != FD_SYNC)
			continue;
		if (!want("close", sysret(close(fd)), 0))
			return DONE;
		fd_forget(fd);
	}
	if (!check(!S.nbufs && !S.nepi, "%d buffers and %d epoll entries left in the model",
		   S.nbufs, S.nepi))
		return DONE;
	if (!check_bufinfo())
		return DONE;
	for (unsigned int i = 0; i < ARRAY_SIZE(setup_fds); i++)
		if (*setup_fds[i] >= 0 && !want("close", sysret(close(*setup_fds[i])), 0))
			return DONE;
	munmap(S.edge, 2 * PAGE);
	n = open_fds();
	if (!check(n == open_fds0 && kernel_lowest() == lowest0,
		   "fds after cleanup: %d entries, lowest free %d; at the start %d, %d",
		   n, kernel_lowest(), open_fds0, lowest0))
		return DONE;
	return DONE;
}

static __noreturn void worker(uint64_t seed, int index, unsigned long nops, int out,
			      bool verbose)
{
	uint64_t x = seed * 0x100000001b3ull + index;
	int tries, fd;
	bool ok;

	/* only the pipe to the parent stays of the parent's fds */
	if (out != REPORT_FD) {
		dup2(out, REPORT_FD);
		close(out);
	}
	if (syscall(SYS_close_range, REPORT_FD + 1, ~0u, 0))
		for (fd = REPORT_FD + 1; fd < 1024; fd++)
			close(fd);
	S.seed = seed;
	S.index = index;
	S.verbose = verbose;
	S.rng = splitmix64(&x) | 1;
	S.op = -2;
	setup();
	for (S.step = 1; S.step <= nops && !S.t.failed; S.step++) {
		uint64_t t0 = now_ns();

		tries = 0;
		do {
			S.op = pick_op();
			S.desc[0] = '\0';
		} while (op_table[S.op].run() == SKIP && ++tries < 1000);
		if (tries == 1000)
			failf("no operation applicable");
		S.t.ops[S.op]++;
		S.t.steps++;
		S.t.ns[S.op] += now_ns() - t0;
		if (S.t.failed)
			break;
		t0 = now_ns();
		ok = check_lowest(S.step <= CHECK_WARMUP);
		S.t.ns[NR_OPS + 1] += now_ns() - t0;
		if (!ok)
			break;
		if (S.step % (S.step <= CHECK_WARMUP ? CHECK_EVERY : CHECK_EVERY_LATER) == 0) {
			S.op = -1;
			S.desc[0] = '\0';
			t0 = now_ns();
			check_all(false);
			S.t.ns[NR_OPS] += now_ns() - t0;
		}
	}
	if (!S.t.failed)
		finish();
	fflush(stdout);
	if (write(REPORT_FD, &S.t, sizeof(S.t)) != sizeof(S.t))
		_exit(2);
	_exit(S.t.failed ? 1 : 0);
}

/* --- the seeds ------------------------------------------------------------ */

#define MAX_PROCS 16

static bool run_seed(uint64_t seed, unsigned long ops, int procs, bool verbose)
{
	static const int shown[] = {
		EINVAL, EFAULT, ENOTTY, EBADF, EAGAIN, EEXIST, ENOENT, ESPIPE,
	};
	unsigned long errnos = 0;
	struct tally sum = { 0 }, t;
	struct timespec t0, t1;
	int rd[MAX_PROCS], status, fds0 = open_fds();
	long before = bufinfo_objects(), after = -1;
	pid_t pids[MAX_PROCS];
	char line[2048];
	bool ok = true;
	double secs;
	size_t len;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < procs; i++) {
		int p[2];

		if (pipe(p))
			ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (!pids[i]) {
			close(p[0]);
			worker(seed, i, ops / procs + ((unsigned long)i < ops % procs), p[1],
			       verbose);
		}
		close(p[1]);
		rd[i] = p[0];
	}
	for (int i = 0; i < procs; i++) {
		ssize_t n = 0, r;

		while (n < (ssize_t)sizeof(t) &&
		       (r = read(rd[i], (char *)&t + n, sizeof(t) - n)) > 0)
			n += r;
		close(rd[i]);
		waitpid(pids[i], &status, 0);
		if (n != sizeof(t) || !WIFEXITED(status) || WEXITSTATUS(status) || t.failed) {
			printf("# seed %llu worker %d: %s, wait status %#x\n",
			       (unsigned long long)seed, i,
			       n != sizeof(t) ? "died without a report" : "failed", status);
			ok = false;
		}
		if (n != sizeof(t))
			continue;
		for (int k = 0; k < NR_OPS; k++)
			sum.ops[k] += t.ops[k];
		for (int k = 0; k < NR_ERRNO; k++)
			sum.errnos[k] += t.errnos[k];
		for (unsigned int k = 0; k < ARRAY_SIZE(t.ns); k++)
			sum.ns[k] += t.ns[k];
		sum.steps += t.steps;
		sum.released += t.released;
		sum.zombies += t.zombies;
		sum.dropped_in_flight += t.dropped_in_flight;
		sum.stale_epoll += t.stale_epoll;
		sum.child_ops += t.child_ops;
		if (t.peak_bufs > sum.peak_bufs)
			sum.peak_bufs = t.peak_bufs;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	/* a release may lag the exit that dropped the last reference */
	for (int i = 0; i < 500 && (after = bufinfo_objects()) != before; i++)
		usleep(10 * 1000);
	if (after != before) {
		printf("# seed %llu: bufinfo counts %ld buffers, %ld before the seed\n",
		       (unsigned long long)seed, after, before);
		ok = false;
	}
	if (open_fds() != fds0) {
		printf("# seed %llu: %d fds open, %d before the seed\n",
		       (unsigned long long)seed, open_fds(), fds0);
		ok = false;
	}

	len = snprintf(line, sizeof(line), "# seed %llu: %lu ops:", (unsigned long long)seed,
		       sum.steps);
	for (int k = 0; k < NR_OPS && len < sizeof(line); k++)
		len += snprintf(line + len, sizeof(line) - len, "%s %s %lu", k ? "," : "",
				op_table[k].name, sum.ops[k]);
	printf("%s\n", line);
	for (int k = 0; k < NR_ERRNO; k++)
		errnos += sum.errnos[k];
	len = snprintf(line, sizeof(line), "# seed %llu: %lu expected errnos:",
		       (unsigned long long)seed, errnos);
	for (unsigned int k = 0; k < ARRAY_SIZE(shown); k++) {
		len += snprintf(line + len, sizeof(line) - len, "%s %s %lu", k ? "," : "",
				strerrorname_np(shown[k]), sum.errnos[shown[k]]);
		errnos -= sum.errnos[shown[k]];
	}
	printf("%s, others %lu\n", line, errnos);
	printf("# seed %llu: %lu buffers released,", (unsigned long long)seed, sum.released);
	printf(" %lu outlived their references in a poll callback,", sum.zombies);
	printf(" %lu dropped with a socket, %lu epoll reports for closed fds,",
	       sum.dropped_in_flight, sum.stale_epoll);
	printf(" %lu steps in forked children\n", sum.child_ops);
	/* where the time went, the costliest kinds first, with the mean of a step */
	len = snprintf(line, sizeof(line), "# seed %llu: worker time:", (unsigned long long)seed);
	for (int shown_kinds = 0; shown_kinds < 10; shown_kinds++) {
		unsigned int top = 0;

		for (unsigned int k = 1; k < ARRAY_SIZE(sum.ns); k++)
			if (sum.ns[k] > sum.ns[top])
				top = k;
		if (!sum.ns[top])
			break;
		if (top < NR_OPS)
			len += snprintf(line + len, sizeof(line) - len, "%s %s %.1f s (%.1f ms)",
					shown_kinds ? "," : "", op_table[top].name,
					sum.ns[top] / 1e9, sum.ns[top] / 1e6 / sum.ops[top]);
		else
			len += snprintf(line + len, sizeof(line) - len, "%s %s %.1f s",
					shown_kinds ? "," : "",
					top == NR_OPS ? "checks" : "fd probes", sum.ns[top] / 1e9);
		sum.ns[top] = 0;
	}
	printf("%s\n", line);
	printf("# seed %llu: %lu ops in %.1f s, %.0f ops/s", (unsigned long long)seed, sum.steps,
	       secs, secs > 0 ? sum.steps / secs : 0.0);
	printf(" (%d workers, up to %u live buffers each)\n", procs, sum.peak_bufs);
	if (ok)
		ksft_test_result_pass("seed_%llu\n", (unsigned long long)seed);
	else
		ksft_test_result_fail("seed_%llu\n", (unsigned long long)seed);
	return ok;
}

static unsigned long long env_or(const char *name, unsigned long long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static __noreturn void usage_exit(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-s SEED] [-n OPS] [-p PROCS] [-S SEEDS] [-v]\n"
		"  runs seeds SEED..SEED+SEEDS-1, OPS operations each split over PROCS workers;\n"
		"  defaults from DMABUF_RANDOM_SEED, _OPS, _PROCS, _SEEDS, else 1, 10000, 2, 1\n",
		prog);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	unsigned long long seed = env_or("DMABUF_RANDOM_SEED", 1);
	unsigned long long ops = env_or("DMABUF_RANDOM_OPS", 10000);
	unsigned long long procs = env_or("DMABUF_RANDOM_PROCS", 2);
	unsigned long long seeds = env_or("DMABUF_RANDOM_SEEDS", 1);
	bool verbose = false;
	int c;

	while ((c = getopt(argc, argv, "s:n:p:S:vh")) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			ops = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			procs = strtoull(optarg, NULL, 0);
			break;
		case 'S':
			seeds = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage_exit(argv[0]);
		}
	}
	if (!procs || procs > MAX_PROCS || !seeds || seeds > 1000000 || ops > 1ull << 31)
		usage_exit(argv[0]);

	ksft_print_header();
	if (bufinfo_objects() < 0)
		ksft_exit_skip("no %s to check buffers against\n", BUFINFO);
	ksft_set_plan(seeds);
	printf("# %llu ops a seed over %llu workers;", ops, procs);
	printf(" reproduce a seed with -s SEED -n %llu -p %llu -v\n", ops, procs);
	for (unsigned long long s = seed; s < seed + seeds; s++)
		run_seed(s, ops, procs, verbose);
	ksft_finished();
}
