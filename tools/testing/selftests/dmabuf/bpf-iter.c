// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF buffer iterator against debugfs bufinfo, in both forms:
 *
 *   seq    the iter/dmabuf program's output, read through the iterator's fd
 *   walk   the open-coded kfuncs, from a syscall program
 *
 * At a quiet moment both must list exactly the buffers bufinfo lists, each
 * once, with the same size and exporter; while another process creates and
 * closes buffers, every buffer that stays alive must still be seen once.
 * The BPF side is dmabuf_iter.bpf.c; needs root and a kernel with BTF.
 */
#include "dmabuf-util.h"
#include <signal.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dmabuf_iter.bpf.h"
#include "dmabuf_iter.skel.h"
#include "../kselftest_harness.h"

#define MAX_BUFS 8192
#define NAME_LEN EXP_NAME_LEN
#define CHURN_LEN (3 * 4096)	/* a size nothing else in this test uses */

struct buf {
	unsigned long ino;
	unsigned long size;
	char exp_name[NAME_LEN];
};

struct listing {
	int n;
	struct buf b[MAX_BUFS];
};

static struct listing from_bufinfo, from_seq, from_walk;

static void add(struct listing *l, unsigned long ino, unsigned long size,
		const char *exp_name)
{
	struct buf *b;

	if (l->n == MAX_BUFS) {
		l->n++;		/* never equal to a real listing */
		return;
	}
	if (l->n > MAX_BUFS)
		return;
	b = &l->b[l->n++];
	b->ino = ino;
	b->size = size;
	snprintf(b->exp_name, NAME_LEN, "%s", exp_name);
}

static int by_ino(const void *a, const void *b)
{
	const struct buf *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* bufinfo's buffer lines: size, flags, mode, count, exporter, ino, name */
static int read_bufinfo(struct listing *l)
{
	char *text = slurp(BUFINFO), *line, exp_name[NAME_LEN];
	unsigned long size, ino;
	long count;

	l->n = 0;
	if (!text)
		return -1;
	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (*line < '0' || *line > '9')
			continue;
		if (sscanf(line, "%lu %*x %*x %ld %31s %lu", &size, &count,
			   exp_name, &ino) != 4)
			return -1;
		/* on its way out: the iterators pass over it */
		if (count == 0)
			continue;
		add(l, ino, size, exp_name);
	}
	qsort(l->b, l->n, sizeof(l->b[0]), by_ino);
	return 0;
}

/* Reads the iterator's output @chunk bytes at a time; -errno on failure. */
static int read_seq(struct dmabuf_iter_bpf *skel, size_t chunk,
		    struct listing *l)
{
	static char text[MAX_BUFS * 64];
	struct bpf_link *link;
	size_t total = 0;
	char *line, exp_name[NAME_LEN];
	unsigned long size, ino;
	ssize_t n = 0;
	int fd;

	l->n = 0;
	link = bpf_program__attach_iter(skel->progs.dump, NULL);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		bpf_link__destroy(link);
		return fd;
	}
	while (total + chunk < sizeof(text) &&
	       (n = read(fd, text + total, chunk)) > 0)
		total += n;
	close(fd);
	bpf_link__destroy(link);
	if (total + chunk >= sizeof(text) || n < 0)
		return -EFBIG;
	text[total] = '\0';
	for (line = text; *line; line = strchr(line, '\n') + 1) {
		if (sscanf(line, "%lu %lu %31s", &ino, &size, exp_name) != 3 ||
		    !strchr(line, '\n'))
			return -EPROTO;
		add(l, ino, size, exp_name);
	}
	qsort(l->b, l->n, sizeof(l->b[0]), by_ino);
	return 0;
}

/* Runs the syscall program; @limit 0 walks to the end. */
static int run_walk(struct dmabuf_iter_bpf *skel, unsigned int limit,
		    struct listing *l)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	unsigned int i;
	int ret;

	l->n = 0;
	skel->bss->limit = limit;
	ret = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.walk), &opts);
	if (ret)
		return ret;
	if (skel->bss->overflow)
		return -EFBIG;
	for (i = 0; i < skel->bss->count; i++)
		add(l, skel->bss->entries[i].ino, skel->bss->entries[i].size,
		    skel->bss->entries[i].exp_name);
	qsort(l->b, l->n, sizeof(l->b[0]), by_ino);
	return 0;
}

/* Position of @ino in @l, or -1. */
static int find(const struct listing *l, unsigned long ino)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->b[i].ino == ino)
			return i;
	return -1;
}

static int duplicates(const struct listing *l)
{
	int i, dups = 0;

	for (i = 1; i < l->n; i++)
		dups += l->b[i].ino == l->b[i - 1].ino;
	return dups;
}

/* Same buffers, sizes and exporters; prints the first difference. */
static int same(const struct listing *a, const struct listing *b,
		const char *what)
{
	int i;

	if (a->n != b->n) {
		fprintf(stderr, "# %s: %d buffers against %d\n", what, a->n, b->n);
		return 0;
	}
	for (i = 0; i < a->n; i++) {
		if (a->b[i].ino != b->b[i].ino || a->b[i].size != b->b[i].size ||
		    strcmp(a->b[i].exp_name, b->b[i].exp_name)) {
			fprintf(stderr, "# %s: %lu %lu %s against %lu %lu %s\n", what,
				a->b[i].ino, a->b[i].size, a->b[i].exp_name,
				b->b[i].ino, b->b[i].size, b->b[i].exp_name);
			return 0;
		}
	}
	return 1;
}

/* Per exporter: buffers and bytes, the figures dmabuf-usage reports. */
static int same_totals(const struct listing *a, const struct listing *b)
{
	int i, j;

	for (i = 0; i < a->n; i++) {
		long na = 0, nb = 0;
		unsigned long long sa = 0, sb = 0;

		for (j = 0; j < a->n; j++)
			if (!strcmp(a->b[j].exp_name, a->b[i].exp_name)) {
				na++;
				sa += a->b[j].size;
			}
		for (j = 0; j < b->n; j++)
			if (!strcmp(b->b[j].exp_name, a->b[i].exp_name)) {
				nb++;
				sb += b->b[j].size;
			}
		if (na != nb || sa != sb) {
			fprintf(stderr, "# %s: %ld buffers, %llu bytes against %ld, %llu\n",
				a->b[i].exp_name, na, sa, nb, sb);
			return 0;
		}
	}
	return a->n == b->n;
}

#define HEAP_BUFS 3

FIXTURE(iter) {
	struct dmabuf_iter_bpf *skel;
	int heap[HEAP_BUFS], udmabuf;
	int vgem;
	__u32 handle;
	unsigned long ino[HEAP_BUFS + 2];	/* heap, udmabuf, vgem-only */
};

FIXTURE_SETUP(iter)
{
	static const size_t sizes[HEAP_BUFS] = { 4096, 65536, 1 << 20 };
	int i, fd;

	self->vgem = -1;
	self->udmabuf = -1;
	for (i = 0; i < HEAP_BUFS; i++)
		self->heap[i] = -1;
	self->skel = dmabuf_iter_bpf__open_and_load();
	ASSERT_NE(NULL, self->skel) TH_LOG("loading the BPF programs: %s", strerror(errno));

	for (i = 0; i < HEAP_BUFS; i++) {
		self->heap[i] = heap_alloc(sizes[i]);
		ASSERT_LE(0, self->heap[i]);
		self->ino[i] = fd_ino(self->heap[i]);
	}
	self->udmabuf = udmabuf_alloc(16384, NULL);
	ASSERT_LE(0, self->udmabuf);
	self->ino[HEAP_BUFS] = fd_ino(self->udmabuf);

	/* held by vgem alone once its fd is closed */
	self->vgem = drm_open("vgem");
	ASSERT_LE(0, self->vgem) TH_LOG("no vgem device");
	fd = heap_alloc(32768);
	ASSERT_LE(0, fd);
	self->ino[HEAP_BUFS + 1] = fd_ino(fd);
	ASSERT_EQ(0, drm_import(self->vgem, fd, &self->handle));
	close(fd);
}

FIXTURE_TEARDOWN(iter)
{
	int i;

	for (i = 0; i < HEAP_BUFS; i++)
		if (self->heap[i] >= 0)
			close(self->heap[i]);
	if (self->udmabuf >= 0)
		close(self->udmabuf);
	if (self->vgem >= 0) {
		drm_close(self->vgem, self->handle);
		close(self->vgem);
	}
	dmabuf_iter_bpf__destroy(self->skel);
	/* no walk kept a reference: everything the fixture made is gone */
	for (i = 0; i < HEAP_BUFS + 2; i++)
		EXPECT_EQ(0, bufinfo_has(self->ino[i], NULL));
}

TEST_F(iter, both_forms_match_bufinfo)
{
	int i;

	ASSERT_EQ(0, read_bufinfo(&from_bufinfo));
	ASSERT_EQ(0, read_seq(self->skel, 4096, &from_seq));
	ASSERT_EQ(0, run_walk(self->skel, 0, &from_walk));

	for (i = 0; i < HEAP_BUFS + 2; i++) {
		EXPECT_LE(0, find(&from_bufinfo, self->ino[i]));
		EXPECT_LE(0, find(&from_seq, self->ino[i]));
		EXPECT_LE(0, find(&from_walk, self->ino[i]));
	}
	EXPECT_EQ(0, duplicates(&from_seq));
	EXPECT_EQ(0, duplicates(&from_walk));
	EXPECT_TRUE(same(&from_bufinfo, &from_seq, "bufinfo/seq"));
	EXPECT_TRUE(same(&from_bufinfo, &from_walk, "bufinfo/walk"));
	EXPECT_TRUE(same_totals(&from_bufinfo, &from_seq));
	EXPECT_TRUE(same_totals(&from_bufinfo, &from_walk));
	EXPECT_EQ(bufinfo_objects(), from_walk.n);
}

/* reads that end in the middle of a line, and of the walk, many times over */
TEST_F(iter, short_reads_resume_where_they_stopped)
{
	enum { EXTRA = 300 };
	static int fds[EXTRA];
	int i;

	for (i = 0; i < EXTRA; i++) {
		fds[i] = heap_alloc(4096);
		ASSERT_LE(0, fds[i]);
	}
	ASSERT_EQ(0, read_bufinfo(&from_bufinfo));
	ASSERT_EQ(0, read_seq(self->skel, 37, &from_seq));
	EXPECT_EQ(0, duplicates(&from_seq));
	EXPECT_TRUE(same(&from_bufinfo, &from_seq, "bufinfo/seq in 37-byte reads"));
	for (i = 0; i < EXTRA; i++) {
		EXPECT_LE(0, find(&from_seq, fd_ino(fds[i])));
		close(fds[i]);
	}
}

/*
 * A walk that stops early holds the buffer it stopped on until it ends:
 * destroy and closing the iterator fd must give it back, or the buffers
 * would outlive their fds (the teardown checks that they do not).
 */
TEST_F(iter, walks_stopped_early_give_their_buffer_back)
{
	struct bpf_link *link;
	char text[64];
	int n, fd;

	ASSERT_EQ(0, read_bufinfo(&from_bufinfo));
	for (n = 1; n <= from_bufinfo.n; n++) {
		ASSERT_EQ(0, run_walk(self->skel, n, &from_walk));
		EXPECT_EQ(n, from_walk.n);
	}

	link = bpf_program__attach_iter(self->skel->progs.dump, NULL);
	ASSERT_NE(NULL, link);
	fd = bpf_iter_create(bpf_link__fd(link));
	ASSERT_LE(0, fd);
	EXPECT_LT(0, read(fd, text, sizeof(text)));
	close(fd);
	bpf_link__destroy(link);
}

/* another process creates and closes buffers during the walks */
TEST_F(iter, walks_during_churn)
{
	int round, i, status;
	pid_t child;

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		for (;;) {
			int fd = heap_alloc(CHURN_LEN);

			if (fd < 0)
				_exit(1);
			close(fd);
		}
	}
	for (round = 0; round < 40; round++) {
		ASSERT_EQ(0, read_seq(self->skel, round % 2 ? 64 : 4096, &from_seq));
		ASSERT_EQ(0, run_walk(self->skel, 0, &from_walk));
		EXPECT_EQ(0, duplicates(&from_seq));
		EXPECT_EQ(0, duplicates(&from_walk));
		for (i = 0; i < HEAP_BUFS + 2; i++) {
			EXPECT_LE(0, find(&from_seq, self->ino[i]));
			EXPECT_LE(0, find(&from_walk, self->ino[i]));
		}
	}
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("the churning child failed");

	/* quiet again: exact agreement */
	ASSERT_EQ(0, read_bufinfo(&from_bufinfo));
	ASSERT_EQ(0, read_seq(self->skel, 4096, &from_seq));
	ASSERT_EQ(0, run_walk(self->skel, 0, &from_walk));
	EXPECT_TRUE(same(&from_bufinfo, &from_seq, "bufinfo/seq after churn"));
	EXPECT_TRUE(same(&from_bufinfo, &from_walk, "bufinfo/walk after churn"));
}

TEST_HARNESS_MAIN
