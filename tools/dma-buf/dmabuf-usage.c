// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmabuf-usage: which process holds which dma-buf, and how much of the
 * system's dma-buf memory each one accounts for.
 *
 * A process holds a buffer when one of its fds refers to it or when one of
 * its mappings does (a mapping keeps the buffer alive after the fd is
 * closed). Each buffer counts once per process, however many fds and
 * mappings lead to it:
 *
 *   RSS  the sizes of the buffers the process holds, added up;
 *   PSS  the same, but each buffer's size split evenly between the
 *        processes that hold it. When the size does not divide, the
 *        processes with the lowest pids get one byte more each, so that
 *        the PSS of all processes adds up exactly to the bytes they hold.
 *
 * Buffers that bufinfo lists and no process holds are "kernel-only": a
 * driver (an importer, an fd in flight in a socket) keeps them alive.
 * Held bytes (the sum of PSS) plus kernel-only bytes give the total that
 * bufinfo's last line states.
 *
 * Where it looks, under --root (default /):
 *   proc/<pid>/fd/<n>      readlink "/dmabuf:<name>" marks a dma-buf fd
 *   proc/<pid>/fdinfo/<n>  size, exp_name, name and ino of that buffer
 *   proc/<pid>/maps        mappings whose path is "/dmabuf:<name>", inode
 *                          column = the buffer's inode number
 *   proc/<pid>/map_files   stat() gives the size of a buffer only mapped
 *   sys/kernel/debug/dma_buf/bufinfo   every buffer, and the totals
 *
 * The inode number names a buffer system-wide and is the key of every
 * table. Without bufinfo (not root, debugfs not mounted) the tool reports
 * what /proc shows and says that kernel-only buffers are unknown.
 *
 * Built with BPF=1 (libbpf), the tool gets the list of every buffer from
 * the kernel's dmabuf BPF iterator instead of bufinfo when it can: no
 * debugfs needed, and buffers whose last reference is already gone are
 * left out. --no-bpf, or --root, reads bufinfo.
 *
 * Snapshots and diffs, for leak hunting: --json prints, and --snapshot FILE
 * writes, a JSON document with one record per line. --diff OLD [NEW] reads
 * two such documents (NEW defaults to a scan made now) and prints the
 * buffers and processes that appeared, went away or changed. Its exit
 * status is 0 when nothing changed, 1 when something did, 2 on error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef DMABUF_USAGE_BPF
#include "dmabuf-usage-bpf.h"
#endif

#define BUFINFO_PATH "sys/kernel/debug/dma_buf/bufinfo"
#define LINK_PREFIX "/dmabuf:"
#define TEXT_LEN 128

struct buffer {
	unsigned long long ino;
	unsigned long long size;
	long long file_count;		/* from bufinfo, -1 when unknown */
	char exporter[TEXT_LEN];	/* "" when unknown */
	char name[TEXT_LEN];		/* "" when unnamed */
	int size_known;
	int in_bufinfo;
	int holders;			/* processes holding it */
	int fds;			/* fds, all processes */
	int maps;			/* mappings, all processes */
	/* a mapping of it, to stat() through map_files when nothing else says the size */
	int map_pid;
	unsigned long long map_start, map_end;
};

struct process {
	int pid;
	char comm[TEXT_LEN];
	unsigned long long rss, pss;
	int buffers, fds, maps;
	int first, count;		/* its holdings: holds[first .. first + count) */
};

/* one process holding one buffer */
struct holding {
	int proc;			/* index into procs */
	int buf;			/* index into bufs */
	int fds, maps;
	unsigned long long pss;
};

struct model {
	struct buffer *bufs;
	int nbufs, capbufs;
	int *hash;			/* open addressing on ino, -1 = empty */
	int hashsize;
	struct process *procs;
	int nprocs, capprocs;
	struct holding *holds;
	int nholds, capholds;
	int unreadable;			/* processes whose fds or maps we could not read */
	int bufinfo;			/* bufinfo was read */
	const char *source;		/* where from: "bufinfo" or "bpf" */
	char bufinfo_error[TEXT_LEN];
	long long bufinfo_objects;
	unsigned long long bufinfo_bytes;
};

/* totals derived from a model */
struct totals {
	int processes, buffers, held, kernel_only, not_in_bufinfo;
	unsigned long long bytes, held_bytes, kernel_only_bytes, rss_sum, pss_sum;
};

static const char *prog = "dmabuf-usage";

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *grow(void *array, int *cap, int need, size_t elem)
{
	if (need <= *cap)
		return array;
	*cap = *cap ? *cap * 2 : 64;
	if (*cap < need)
		*cap = need;
	array = realloc(array, (size_t)*cap * elem);
	if (!array)
		die("out of memory");
	return array;
}

static void copy_text(char *dst, const char *src, size_t len)
{
	snprintf(dst, TEXT_LEN, "%.*s", (int)len, src);
}

/* --- the model ----------------------------------------------------------- */

static unsigned int hash_ino(unsigned long long ino, int size)
{
	return (unsigned int)((ino * 0x9e3779b97f4a7c15ULL) >> 32) & (size - 1);
}

static void rehash(struct model *m)
{
	int i;

	free(m->hash);
	m->hashsize = m->hashsize ? m->hashsize * 2 : 256;
	m->hash = malloc(sizeof(int) * m->hashsize);
	if (!m->hash)
		die("out of memory");
	for (i = 0; i < m->hashsize; i++)
		m->hash[i] = -1;
	for (i = 0; i < m->nbufs; i++) {
		unsigned int h = hash_ino(m->bufs[i].ino, m->hashsize);

		while (m->hash[h] >= 0)
			h = (h + 1) & (m->hashsize - 1);
		m->hash[h] = i;
	}
}

static int find_buffer(const struct model *m, unsigned long long ino)
{
	unsigned int h;

	if (!m->hashsize)
		return -1;
	for (h = hash_ino(ino, m->hashsize); m->hash[h] >= 0; h = (h + 1) & (m->hashsize - 1))
		if (m->bufs[m->hash[h]].ino == ino)
			return m->hash[h];
	return -1;
}

/* the buffer with inode @ino, added (all unknown) when new */
static int get_buffer(struct model *m, unsigned long long ino)
{
	int i = find_buffer(m, ino);
	struct buffer *b;

	if (i >= 0)
		return i;
	m->bufs = grow(m->bufs, &m->capbufs, m->nbufs + 1, sizeof(*m->bufs));
	i = m->nbufs++;
	b = &m->bufs[i];
	memset(b, 0, sizeof(*b));
	b->ino = ino;
	b->file_count = -1;
	if (m->nbufs * 2 > m->hashsize) {
		rehash(m);
	} else {
		unsigned int h = hash_ino(ino, m->hashsize);

		while (m->hash[h] >= 0)
			h = (h + 1) & (m->hashsize - 1);
		m->hash[h] = i;
	}
	return i;
}

static int add_process(struct model *m, int pid, const char *comm)
{
	struct process *p;

	m->procs = grow(m->procs, &m->capprocs, m->nprocs + 1, sizeof(*m->procs));
	p = &m->procs[m->nprocs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->first = m->nholds;
	return m->nprocs++;
}

/* the holding of buffer @buf by process @proc, which must be the last one added */
static struct holding *get_holding(struct model *m, int proc, int buf)
{
	struct process *p = &m->procs[proc];
	struct holding *h;
	int i;

	for (i = p->first; i < p->first + p->count; i++)
		if (m->holds[i].buf == buf)
			return &m->holds[i];
	m->holds = grow(m->holds, &m->capholds, m->nholds + 1, sizeof(*m->holds));
	h = &m->holds[m->nholds++];
	memset(h, 0, sizeof(*h));
	h->proc = proc;
	h->buf = buf;
	p->count++;
	return h;
}

/*
 * Holders, RSS and PSS from the holdings. Processes are in ascending pid
 * order, so the bytes that do not divide go to the lowest pids.
 */
static void account(struct model *m)
{
	int *seen = calloc(m->nbufs + 1, sizeof(int));
	int i;

	if (!seen)
		die("out of memory");
	for (i = 0; i < m->nbufs; i++) {
		m->bufs[i].holders = 0;
		m->bufs[i].fds = 0;
		m->bufs[i].maps = 0;
	}
	for (i = 0; i < m->nholds; i++) {
		struct buffer *b = &m->bufs[m->holds[i].buf];

		b->holders++;
		b->fds += m->holds[i].fds;
		b->maps += m->holds[i].maps;
	}
	for (i = 0; i < m->nprocs; i++) {
		struct process *p = &m->procs[i];

		p->rss = 0;
		p->pss = 0;
		p->buffers = p->count;
		p->fds = 0;
		p->maps = 0;
	}
	for (i = 0; i < m->nholds; i++) {
		struct holding *h = &m->holds[i];
		struct buffer *b = &m->bufs[h->buf];
		struct process *p = &m->procs[h->proc];
		unsigned long long share = b->size / b->holders;

		if ((unsigned long long)seen[h->buf]++ < b->size % b->holders)
			share++;
		h->pss = share;
		p->rss += b->size;
		p->pss += share;
		p->fds += h->fds;
		p->maps += h->maps;
	}
	free(seen);
}

static void free_model(struct model *m)
{
	free(m->bufs);
	free(m->hash);
	free(m->procs);
	free(m->holds);
	memset(m, 0, sizeof(*m));
}

static void count_totals(const struct model *m, struct totals *t)
{
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < m->nbufs; i++) {
		const struct buffer *b = &m->bufs[i];

		t->buffers++;
		t->bytes += b->size;
		if (b->holders) {
			t->held++;
			t->held_bytes += b->size;
		} else {
			t->kernel_only++;
			t->kernel_only_bytes += b->size;
		}
		if (m->bufinfo && !b->in_bufinfo)
			t->not_in_bufinfo++;
	}
	for (i = 0; i < m->nprocs; i++) {
		if (!m->procs[i].buffers)
			continue;
		t->processes++;
		t->rss_sum += m->procs[i].rss;
		t->pss_sum += m->procs[i].pss;
	}
}

static int totals_match(const struct model *m, const struct totals *t)
{
	return m->bufinfo && t->buffers == m->bufinfo_objects && t->bytes == m->bufinfo_bytes;
}

/* --- reading /proc and bufinfo ---------------------------------------------- */

static const char *root = "/";

/* @fmt below --root, into @out */
static void path_of(char *out, size_t len, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = snprintf(out, len, "%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/");
	if (n >= len)
		die("--root too long");
	va_start(ap, fmt);
	vsnprintf(out + n, len - n, fmt, ap);
	va_end(ap);
}

/* a whole file, NUL-terminated, in a malloc()ed buffer; NULL with errno set */
static char *read_file(const char *path)
{
	size_t len = 0, cap = 4096;
	char *text = malloc(cap);
	FILE *f;

	if (!text)
		die("out of memory");
	f = fopen(path, "re");
	if (!f) {
		free(text);
		return NULL;
	}
	for (;;) {
		size_t n = fread(text + len, 1, cap - len - 1, f);

		len += n;
		if (len < cap - 1)
			break;
		cap *= 2;
		text = realloc(text, cap);
		if (!text)
			die("out of memory");
	}
	if (ferror(f)) {
		int err = errno;

		fclose(f);
		free(text);
		errno = err ? err : EIO;
		return NULL;
	}
	fclose(f);
	text[len] = '\0';
	return text;
}

/* the value of the line "@key:\t..." of @text, or NULL; its length in *@len */
static const char *field(const char *text, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			const char *v = p + klen + 1, *end;

			while (*v == '\t' || *v == ' ')
				v++;
			end = strchr(v, '\n');
			*len = end ? (size_t)(end - v) : strlen(v);
			return v;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static int field_ull(const char *text, const char *key, unsigned long long *out)
{
	size_t len;
	const char *v = field(text, key, &len);
	char *end;

	if (!v)
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || end == v ? -1 : 0;
}

/* one fd of process @proc (index) and pid @pid; ignored unless it is a dma-buf */
static void scan_fd(struct model *m, int proc, int pid, const char *fd)
{
	char path[PATH_MAX], link[PATH_MAX], *info;
	unsigned long long size, ino;
	struct holding *h;
	struct buffer *b;
	const char *v;
	ssize_t n;
	size_t len;
	int i;

	path_of(path, sizeof(path), "proc/%d/fd/%s", pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return;
	link[n] = '\0';
	if (strncmp(link, LINK_PREFIX, strlen(LINK_PREFIX)))
		return;
	path_of(path, sizeof(path), "proc/%d/fdinfo/%s", pid, fd);
	info = read_file(path);
	if (!info)
		return;
	/* exp_name tells a dma-buf from a file that happens to have such a path */
	if (!field(info, "exp_name", &len) || field_ull(info, "size", &size)) {
		free(info);
		return;
	}
	if (field_ull(info, "ino", &ino)) {
		struct stat st;

		path_of(path, sizeof(path), "proc/%d/fd/%s", pid, fd);
		if (stat(path, &st)) {
			free(info);
			return;
		}
		ino = st.st_ino;
	}
	/* get_buffer() may move m->bufs: call it before taking the address */
	i = get_buffer(m, ino);
	b = &m->bufs[i];
	b->size = size;
	b->size_known = 1;
	v = field(info, "exp_name", &len);
	copy_text(b->exporter, v, len);
	v = field(info, "name", &len);
	if (v)
		copy_text(b->name, v, len);
	else
		copy_text(b->name, link + strlen(LINK_PREFIX), strlen(link + strlen(LINK_PREFIX)));
	free(info);
	h = get_holding(m, proc, i);
	h->fds++;
}

/* the dma-buf mappings of process @proc; -1 when its maps are unreadable */
static int scan_maps(struct model *m, int proc, int pid)
{
	char path[PATH_MAX], *text, *line, *next;

	path_of(path, sizeof(path), "proc/%d/maps", pid);
	text = read_file(path);
	if (!text)
		return errno == ENOENT ? 0 : -1;
	for (line = text; *line; line = next) {
		unsigned long long start, end, offset, ino;
		unsigned int major, minor;
		char perms[8];
		int pos = 0, i;
		struct buffer *b;
		struct holding *h;
		const char *name;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms,
			   &offset, &major, &minor, &ino, &pos) < 7 || !pos)
			continue;
		/* the dma-buf pseudo file system has an anonymous device */
		if (major || strncmp(line + pos, LINK_PREFIX, strlen(LINK_PREFIX)))
			continue;
		name = line + pos + strlen(LINK_PREFIX);
		i = get_buffer(m, ino);
		b = &m->bufs[i];
		if (!b->size_known && !b->name[0])
			copy_text(b->name, name, strlen(name));
		if (!b->map_pid) {
			b->map_pid = pid;
			b->map_start = start;
			b->map_end = end;
		}
		h = get_holding(m, proc, i);
		h->maps++;
	}
	free(text);
	return 0;
}

static void scan_process(struct model *m, int pid)
{
	char path[PATH_MAX], comm[TEXT_LEN] = "?", *text;
	struct dirent *d;
	int proc, fail = 0;
	DIR *dir;

	path_of(path, sizeof(path), "proc/%d/comm", pid);
	text = read_file(path);
	if (text) {
		text[strcspn(text, "\n")] = '\0';
		snprintf(comm, sizeof(comm), "%s", text);
		free(text);
	}
	proc = add_process(m, pid, comm);
	path_of(path, sizeof(path), "proc/%d/fd", pid);
	dir = opendir(path);
	if (dir) {
		while ((d = readdir(dir)))
			if (isdigit((unsigned char)d->d_name[0]))
				scan_fd(m, proc, pid, d->d_name);
		closedir(dir);
	} else if (errno != ENOENT) {
		fail = 1;
	}
	if (scan_maps(m, proc, pid))
		fail = 1;
	/* a kernel thread has neither; one we may not read shows both as errors */
	m->unreadable += fail;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void scan_proc(struct model *m)
{
	int *pids = NULL, npids = 0, cap = 0, i;
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	path_of(path, sizeof(path), "proc");
	dir = opendir(path);
	if (!dir)
		die("%s: %s", path, strerror(errno));
	while ((d = readdir(dir))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || end == d->d_name || pid <= 0 || pid > INT_MAX)
			continue;
		pids = grow(pids, &cap, npids + 1, sizeof(*pids));
		pids[npids++] = pid;
	}
	closedir(dir);
	if (npids)
		qsort(pids, npids, sizeof(*pids), cmp_int);
	for (i = 0; i < npids; i++)
		scan_process(m, pids[i]);
	free(pids);
}

/*
 * bufinfo: a buffer's line starts with its size in decimal, then flags,
 * mode, file count, exporter, inode and name, tab-separated; the name
 * (last, "<none>" when unset) may itself hold tabs. Fence and device lines
 * start with a tab; the last line is "Total N objects, M bytes".
 */
static int use_bpf = 1;

/* bufinfo's text from the BPF iterator, or from debugfs */
static char *bufinfo_text(struct model *m)
{
	char path[PATH_MAX], *text = NULL;

#ifdef DMABUF_USAGE_BPF
	/* a --root tree has no kernel of its own behind it */
	if (use_bpf && !strcmp(root, "/")) {
		text = dmabuf_usage_bpf_bufinfo(m->bufinfo_error, sizeof(m->bufinfo_error));
		if (text) {
			m->source = "bpf";
			return text;
		}
	}
#endif
	path_of(path, sizeof(path), BUFINFO_PATH);
	text = read_file(path);
	if (!text) {
		snprintf(m->bufinfo_error, sizeof(m->bufinfo_error), "%s: %s", BUFINFO_PATH,
			 strerror(errno));
		return NULL;
	}
	m->source = "bufinfo";
	return text;
}

static void read_bufinfo(struct model *m)
{
	char *text, *line, *next;
	int have_total = 0;

	text = bufinfo_text(m);
	if (!text)
		return;
	for (line = text; *line; line = next) {
		char *f[7], *p = line;
		unsigned long long size, ino;
		struct buffer *b;
		long long count;
		int i, n;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (sscanf(line, "Total %lld objects, %llu bytes", &m->bufinfo_objects,
			   &m->bufinfo_bytes) == 2) {
			have_total = 1;
			continue;
		}
		if (!isdigit((unsigned char)line[0]))
			continue;
		for (n = 0; n < 6 && p; n++) {
			f[n] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (n < 6 || !p)
			continue;
		f[6] = p;
		size = strtoull(f[0], NULL, 10);
		count = strtoll(f[3], NULL, 10);
		ino = strtoull(f[5], NULL, 10);
		i = get_buffer(m, ino);
		b = &m->bufs[i];
		b->in_bufinfo = 1;
		b->file_count = count;
		b->size = size;
		b->size_known = 1;
		copy_text(b->exporter, f[4], strlen(f[4]));
		if (strcmp(f[6], "<none>"))
			copy_text(b->name, f[6], strlen(f[6]));
		else
			b->name[0] = '\0';
	}
	free(text);
	if (!have_total) {
		snprintf(m->bufinfo_error, sizeof(m->bufinfo_error),
			 "%s: no \"Total\" line", m->source);
		return;
	}
	m->bufinfo = 1;
}

/* sizes of buffers that are only mapped, when bufinfo did not give them */
static void stat_mapped_only(struct model *m)
{
	char path[PATH_MAX];
	struct stat st;
	int i;

	for (i = 0; i < m->nbufs; i++) {
		struct buffer *b = &m->bufs[i];

		if (b->size_known || !b->map_pid)
			continue;
		path_of(path, sizeof(path), "proc/%d/map_files/%llx-%llx", b->map_pid,
			b->map_start, b->map_end);
		if (!stat(path, &st) && st.st_ino == b->ino) {
			b->size = st.st_size;
			b->size_known = 1;
		} else {
			/* what is mapped is the least it can be */
			b->size = b->map_end - b->map_start;
		}
	}
}

static void scan(struct model *m)
{
	scan_proc(m);
	read_bufinfo(m);
	stat_mapped_only(m);
	account(m);
}

/* --- sorting ------------------------------------------------------------ */

static const struct model *sort_model;

/* processes by RSS, then PSS, descending, then by pid */
static int cmp_proc(const void *a, const void *b)
{
	const struct process *x = &sort_model->procs[*(const int *)a];
	const struct process *y = &sort_model->procs[*(const int *)b];

	if (x->rss != y->rss)
		return x->rss < y->rss ? 1 : -1;
	if (x->pss != y->pss)
		return x->pss < y->pss ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* buffers by size, descending, then by inode */
static int cmp_buf(const void *a, const void *b)
{
	const struct buffer *x = &sort_model->bufs[*(const int *)a];
	const struct buffer *y = &sort_model->bufs[*(const int *)b];

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

/* holdings of one process by buffer size, descending, then by inode */
static int cmp_hold(const void *a, const void *b)
{
	const struct holding *x = a, *y = b;
	int ix = x->buf, iy = y->buf;

	return cmp_buf(&ix, &iy);
}

static int *sorted_procs(const struct model *m, int *n)
{
	int *order = malloc(sizeof(int) * (m->nprocs + 1));
	int i;

	if (!order)
		die("out of memory");
	*n = 0;
	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i].buffers)
			order[(*n)++] = i;
	sort_model = m;
	qsort(order, *n, sizeof(int), cmp_proc);
	return order;
}

static int *sorted_bufs(const struct model *m)
{
	int *order = malloc(sizeof(int) * (m->nbufs + 1));
	int i;

	if (!order)
		die("out of memory");
	for (i = 0; i < m->nbufs; i++)
		order[i] = i;
	sort_model = m;
	qsort(order, m->nbufs, sizeof(int), cmp_buf);
	return order;
}

static void sort_holdings(struct model *m)
{
	int i;

	sort_model = m;
	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i].count)
			qsort(m->holds + m->procs[i].first, m->procs[i].count,
			      sizeof(*m->holds), cmp_hold);
}

/* --- groups: per exporter and per name ------------------------------------ */

struct group {
	const char *key;
	int buffers, kernel_only;
	unsigned long long bytes, kernel_only_bytes;
	int pid;			/* for groups of one process; 0 for system-wide ones */
	unsigned long long rss, pss;
};

struct groups {
	struct group *g;
	int n, cap;
};

static struct group *group_of(struct groups *gs, const char *key, int pid)
{
	int i;

	for (i = 0; i < gs->n; i++)
		if (gs->g[i].pid == pid && !strcmp(gs->g[i].key, key))
			return &gs->g[i];
	gs->g = grow(gs->g, &gs->cap, gs->n + 1, sizeof(*gs->g));
	memset(&gs->g[gs->n], 0, sizeof(*gs->g));
	gs->g[gs->n].key = key;
	gs->g[gs->n].pid = pid;
	return &gs->g[gs->n++];
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->key, y->key);
}

static const char *exporter_key(const struct buffer *b)
{
	return b->exporter[0] ? b->exporter : "?";
}

/* system-wide groups by exporter (@by_name 0) or by name (1) */
static void system_groups(const struct model *m, int by_name, struct groups *gs)
{
	int i;

	memset(gs, 0, sizeof(*gs));
	for (i = 0; i < m->nbufs; i++) {
		const struct buffer *b = &m->bufs[i];
		struct group *g = group_of(gs, by_name ? b->name : exporter_key(b), 0);

		g->buffers++;
		g->bytes += b->size;
		if (!b->holders) {
			g->kernel_only++;
			g->kernel_only_bytes += b->size;
		}
	}
	if (gs->n)
		qsort(gs->g, gs->n, sizeof(*gs->g), cmp_group);
}

/* groups of process @proc by exporter or name: its RSS and PSS in each */
static void process_groups(const struct model *m, int proc, int by_name, struct groups *gs)
{
	const struct process *p = &m->procs[proc];
	int i;

	memset(gs, 0, sizeof(*gs));
	for (i = p->first; i < p->first + p->count; i++) {
		const struct buffer *b = &m->bufs[m->holds[i].buf];
		struct group *g = group_of(gs, by_name ? b->name : exporter_key(b), p->pid);

		g->buffers++;
		g->bytes += b->size;
		g->rss += b->size;
		g->pss += m->holds[i].pss;
	}
	if (gs->n)
		qsort(gs->g, gs->n, sizeof(*gs->g), cmp_group);
}

/* --- JSON ------------------------------------------------------------------ */

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *json_bool(int v)
{
	return v ? "true" : "false";
}

static void json_groups(FILE *f, const struct groups *gs, const char *keyname, int *first)
{
	int i;

	for (i = 0; i < gs->n; i++) {
		const struct group *g = &gs->g[i];

		fprintf(f, "%s\n    {", *first ? "" : ",");
		*first = 0;
		if (g->pid) {
			fprintf(f, "\"pid\": %d, \"buffers\": %d, \"rss\": %llu, \"pss\": %llu, ",
				g->pid, g->buffers, g->rss, g->pss);
		} else {
			fprintf(f, "\"buffers\": %d, \"bytes\": %llu, ", g->buffers, g->bytes);
			fprintf(f, "\"kernel_only_buffers\": %d, \"kernel_only_bytes\": %llu, ",
				g->kernel_only, g->kernel_only_bytes);
		}
		fprintf(f, "\"%s\": ", keyname);
		json_string(f, g->key);
		fputc('}', f);
	}
}

/*
 * One record per line, strings last, so that --diff can read it back
 * without a general JSON parser. The sections, in order: bufinfo, totals,
 * processes (sorted by RSS), holdings (pid, ino: what each process holds
 * and its PSS share), process_exporters and process_names (each process's
 * RSS and PSS per exporter and per name), buffers (every buffer, sorted by
 * size), exporters and names (system-wide).
 */
static void print_json(FILE *f, struct model *m)
{
	int nprocs, *procs = sorted_procs(m, &nprocs), *bufs, i, j, first;
	struct totals t;
	struct groups gs;

	count_totals(m, &t);
	sort_holdings(m);
	fprintf(f, "{\n  \"version\": 1,\n");
	if (m->bufinfo) {
		fprintf(f, "  \"bufinfo\": {\"readable\": true, \"source\": ");
		json_string(f, m->source ? m->source : "bufinfo");
		fprintf(f, ", ");
		fprintf(f, "\"objects\": %lld, \"bytes\": %llu},\n", m->bufinfo_objects,
			m->bufinfo_bytes);
	} else {
		fprintf(f, "  \"bufinfo\": {\"readable\": false, \"error\": ");
		json_string(f, m->bufinfo_error);
		fprintf(f, "},\n");
	}
	fprintf(f, "  \"totals\": {\"processes\": %d, \"unreadable_processes\": %d, ",
		t.processes, m->unreadable);
	fprintf(f, "\"buffers\": %d, \"bytes\": %llu, \"held_buffers\": %d, \"held_bytes\": %llu, ",
		t.buffers, t.bytes, t.held, t.held_bytes);
	if (m->bufinfo) {
		fprintf(f, "\"kernel_only_buffers\": %d, \"kernel_only_bytes\": %llu, ",
			t.kernel_only, t.kernel_only_bytes);
		fprintf(f, "\"not_in_bufinfo\": %d, \"matches_bufinfo\": %s, ", t.not_in_bufinfo,
			json_bool(totals_match(m, &t)));
	} else {
		fprintf(f, "\"kernel_only_buffers\": null, \"kernel_only_bytes\": null, ");
		fprintf(f, "\"not_in_bufinfo\": null, \"matches_bufinfo\": null, ");
	}
	fprintf(f, "\"rss_sum\": %llu, \"pss_sum\": %llu},\n", t.rss_sum, t.pss_sum);

	fprintf(f, "  \"processes\": [");
	for (i = 0; i < nprocs; i++) {
		const struct process *p = &m->procs[procs[i]];

		fprintf(f, "%s\n    {\"pid\": %d, \"rss\": %llu, \"pss\": %llu, ", i ? "," : "",
			p->pid, p->rss, p->pss);
		fprintf(f, "\"buffers\": %d, \"fds\": %d, \"mappings\": %d, \"comm\": ", p->buffers,
			p->fds, p->maps);
		json_string(f, p->comm);
		fputc('}', f);
	}
	fprintf(f, "\n  ],\n  \"holdings\": [");
	first = 1;
	for (i = 0; i < nprocs; i++) {
		const struct process *p = &m->procs[procs[i]];

		for (j = p->first; j < p->first + p->count; j++) {
			const struct holding *h = &m->holds[j];

			fprintf(f, "%s\n    {\"pid\": %d, \"ino\": %llu, ", first ? "" : ",",
				p->pid, m->bufs[h->buf].ino);
			fprintf(f, "\"fds\": %d, \"mappings\": %d, \"size\": %llu, \"pss\": %llu}",
				h->fds, h->maps, m->bufs[h->buf].size, h->pss);
			first = 0;
		}
	}
	for (j = 0; j < 2; j++) {
		fprintf(f, "\n  ],\n  \"%s\": [", j ? "process_names" : "process_exporters");
		first = 1;
		for (i = 0; i < nprocs; i++) {
			process_groups(m, procs[i], j, &gs);
			json_groups(f, &gs, j ? "name" : "exporter", &first);
			free(gs.g);
		}
	}

	fprintf(f, "\n  ],\n  \"buffers\": [");
	bufs = sorted_bufs(m);
	for (i = 0; i < m->nbufs; i++) {
		const struct buffer *b = &m->bufs[bufs[i]];

		fprintf(f, "%s\n    {\"ino\": %llu, \"size\": %llu, \"size_known\": %s, ",
			i ? "," : "", b->ino, b->size, json_bool(b->size_known));
		fprintf(f, "\"holders\": %d, \"fds\": %d, \"mappings\": %d, \"file_count\": ",
			b->holders, b->fds, b->maps);
		if (b->file_count >= 0)
			fprintf(f, "%lld", b->file_count);
		else
			fprintf(f, "null");
		fprintf(f, ", \"in_bufinfo\": %s, \"kernel_only\": %s, \"exporter\": ",
			json_bool(b->in_bufinfo), json_bool(m->bufinfo && !b->holders));
		json_string(f, b->exporter);
		fprintf(f, ", \"name\": ");
		json_string(f, b->name);
		fputc('}', f);
	}
	free(bufs);
	for (j = 0; j < 2; j++) {
		fprintf(f, "\n  ],\n  \"%s\": [", j ? "names" : "exporters");
		first = 1;
		system_groups(m, j, &gs);
		json_groups(f, &gs, j ? "name" : "exporter", &first);
		free(gs.g);
	}
	fprintf(f, "\n  ]\n}\n");
	free(procs);
}

/* --- the table --------------------------------------------------------------- */

/* @s with what a terminal should not see replaced, "<none>" when empty */
static const char *shown(const char *s)
{
	static char out[4][TEXT_LEN];
	static int next;
	char *o = out[next++ % 4];
	size_t i;

	if (!*s)
		return "<none>";
	for (i = 0; s[i] && i < TEXT_LEN - 1; i++)
		o[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	o[i] = '\0';
	return o;
}

static void print_groups(const struct model *m, int by_name)
{
	struct groups gs;
	int i;

	system_groups(m, by_name, &gs);
	printf("\n%-24s %6s %14s %12s %14s\n", by_name ? "NAME" : "EXPORTER", "BUFS", "BYTES",
	       "KERNEL-ONLY", "KO-BYTES");
	for (i = 0; i < gs.n; i++) {
		const struct group *g = &gs.g[i];

		if (m->bufinfo)
			printf("%-24s %6d %14llu %12d %14llu\n", shown(g->key), g->buffers,
			       g->bytes, g->kernel_only, g->kernel_only_bytes);
		else
			printf("%-24s %6d %14llu %12s %14s\n", shown(g->key), g->buffers,
			       g->bytes, "?", "?");
	}
	free(gs.g);
}

static void print_table(struct model *m)
{
	int nprocs, *procs = sorted_procs(m, &nprocs), *bufs, i, j, shown_ko = 0;
	struct totals t;

	count_totals(m, &t);
	sort_holdings(m);
	printf("dma-buf usage: bytes; RSS counts each buffer a process holds (fd or mapping),\n");
	printf("PSS splits each buffer among the processes holding it\n\n");
	printf("%7s %-16s %14s %14s %5s %4s %4s\n", "PID", "COMM", "RSS", "PSS", "BUFS", "FDS",
	       "MAPS");
	for (i = 0; i < nprocs; i++) {
		const struct process *p = &m->procs[procs[i]];

		printf("%7d %-16s %14llu %14llu %5d %4d %4d\n", p->pid, shown(p->comm), p->rss,
		       p->pss, p->buffers, p->fds, p->maps);
		for (j = p->first; j < p->first + p->count; j++) {
			const struct holding *h = &m->holds[j];
			const struct buffer *b = &m->bufs[h->buf];

			printf("%7s   ino %-8llu %-10s %-16s %12llu%s pss %llu, %s%s%s",
			       "", b->ino, shown(exporter_key(b)), shown(b->name), b->size,
			       b->size_known ? "" : "+", h->pss,
			       h->fds ? "fd" : "", h->fds && h->maps ? "+" : "",
			       h->maps ? "map" : "");
			if (b->holders > 1)
				printf(", shared by %d", b->holders);
			printf("\n");
		}
	}
	if (!nprocs)
		printf("%7s (no process holds a dma-buf)\n", "");

	printf("\nKERNEL-ONLY (held by no process):\n");
	if (m->bufinfo) {
		bufs = sorted_bufs(m);
		for (i = 0; i < m->nbufs; i++) {
			const struct buffer *b = &m->bufs[bufs[i]];

			if (b->holders)
				continue;
			printf("%7s   ino %-8llu %-10s %-16s %12llu  file count %lld\n", "",
			       b->ino, shown(exporter_key(b)), shown(b->name), b->size,
			       b->file_count);
			shown_ko++;
		}
		free(bufs);
		if (!shown_ko)
			printf("%7s none\n", "");
	} else {
		printf("%7s unknown: %s (needs root and debugfs)\n", "", m->bufinfo_error);
	}

	print_groups(m, 0);
	print_groups(m, 1);

	printf("\nTOTALS\n");
	printf("  processes:    %d holding %d buffers, %llu bytes\n", t.processes, t.held,
	       t.held_bytes);
	printf("                (= the sum of PSS, %llu; the sum of RSS is %llu)\n", t.pss_sum,
	       t.rss_sum);
	if (m->bufinfo) {
		printf("  kernel-only:  %d buffers, %llu bytes\n", t.kernel_only,
		       t.kernel_only_bytes);
		printf("  all:          %d buffers, %llu bytes\n", t.buffers, t.bytes);
		printf("  %-13s %lld objects, %llu bytes (%s)\n",
		       m->source && !strcmp(m->source, "bpf") ? "bpf iterator:" : "bufinfo:",
		       m->bufinfo_objects, m->bufinfo_bytes, totals_match(m, &t) ? "matches" :
		       "differs: buffers came or went during the scan");
	} else {
		printf("  kernel-only:  unknown (no bufinfo)\n");
	}
	if (m->unreadable)
		printf("  note: %d process%s could not be read; what they hold %s\n",
		       m->unreadable, m->unreadable == 1 ? "" : "es",
		       m->bufinfo ? "shows as kernel-only" : "is missing");
	free(procs);
}

/* --- reading a snapshot back, and the diff ------------------------------------ */

/* the number after "@key": in @line, or -1 when absent or null */
static long long json_num(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(line, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	if (!strncmp(p, "true", 4))
		return 1;
	if (!strncmp(p, "false", 5))
		return 0;
	if (!isdigit((unsigned char)*p))
		return -1;
	return strtoll(p, NULL, 10);
}

/* the string after "@key": in @line, unescaped into @out ("" when absent) */
static void json_str(const char *line, const char *key, char *out)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	p = strstr(line, pat);
	if (!p)
		return;
	for (p += strlen(pat); *p && *p != '"' && n < TEXT_LEN - 1; p++) {
		char c = *p;

		if (c == '\\' && p[1]) {
			c = *++p;
			if (c == 'n') {
				c = '\n';
			} else if (c == 't') {
				c = '\t';
			} else if (c == 'u') {
				unsigned int v = 0;

				if (sscanf(p + 1, "%4x", &v) == 1)
					p += 4;
				c = (char)v;
			}
		}
		out[n++] = c;
	}
	out[n] = '\0';
}

/* a process or holding record of a snapshot, before they are put in pid order */
struct record {
	int pid;
	unsigned long long ino;
	int fds, maps;
	char comm[TEXT_LEN];
};

static int cmp_record(const void *a, const void *b)
{
	const struct record *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* whether @line opens the array @section of a snapshot: '  "NAME": [' */
static int section_start(const char *line, char *section)
{
	int end = 0;

	if (sscanf(line, "  \"%31[a-z_]\": [%n", section, &end) != 1 || !end || line[end])
		return 0;
	return 1;
}

/* a model from a --json/--snapshot document, as the scan would have built it */
static void load_snapshot(struct model *m, const char *file)
{
	char *text = read_file(file), *line, *next, section[32] = "";
	struct record *procs = NULL, *holds = NULL;
	int nprocs = 0, capprocs = 0, nholds = 0, capholds = 0, i, j;

	if (!text)
		die("%s: %s", file, strerror(errno));
	if (!strstr(text, "\n  \"version\": 1,\n"))
		die("%s: not a dmabuf-usage snapshot (version 1)", file);
	for (line = text; *line; line = next) {
		struct record *r;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (section_start(line, section))
			continue;
		if (!strncmp(line, "  \"bufinfo\": ", 13)) {
			m->bufinfo = json_num(line, "readable") == 1;
			m->bufinfo_objects = json_num(line, "objects");
			m->bufinfo_bytes = json_num(line, "bytes");
			json_str(line, "error", m->bufinfo_error);
			continue;
		}
		if (strncmp(line, "    {", 5))
			continue;
		if (!strcmp(section, "buffers")) {
			int i = get_buffer(m, json_num(line, "ino"));
			struct buffer *b = &m->bufs[i];

			b->size = json_num(line, "size");
			b->size_known = json_num(line, "size_known") == 1;
			b->file_count = json_num(line, "file_count");
			b->in_bufinfo = json_num(line, "in_bufinfo") == 1;
			json_str(line, "exporter", b->exporter);
			json_str(line, "name", b->name);
		} else if (!strcmp(section, "processes")) {
			procs = grow(procs, &capprocs, nprocs + 1, sizeof(*procs));
			r = &procs[nprocs++];
			r->pid = json_num(line, "pid");
			json_str(line, "comm", r->comm);
		} else if (!strcmp(section, "holdings")) {
			holds = grow(holds, &capholds, nholds + 1, sizeof(*holds));
			r = &holds[nholds++];
			r->pid = json_num(line, "pid");
			r->ino = json_num(line, "ino");
			r->fds = json_num(line, "fds");
			r->maps = json_num(line, "mappings");
		}
	}
	free(text);
	/* pid order, as a scan has it: PSS remainders go to the lowest pids */
	if (nprocs)
		qsort(procs, nprocs, sizeof(*procs), cmp_record);
	if (nholds)
		qsort(holds, nholds, sizeof(*holds), cmp_record);
	for (i = 0, j = 0; i < nprocs; i++) {
		int proc = add_process(m, procs[i].pid, procs[i].comm);

		for (; j < nholds && holds[j].pid == procs[i].pid; j++) {
			int buf = find_buffer(m, holds[j].ino);
			struct holding *h;

			if (buf < 0)
				die("%s: pid %d holds ino %llu, which is not listed", file,
				    holds[j].pid, holds[j].ino);
			h = get_holding(m, proc, buf);
			h->fds = holds[j].fds;
			h->maps = holds[j].maps;
		}
	}
	if (j < nholds)
		die("%s: ino %llu is held by pid %d, which is not listed", file, holds[j].ino,
		    holds[j].pid);
	free(procs);
	free(holds);
	account(m);
}

/* the pids holding buffer @buf, as "1,2,3" or "none" */
static void holders_of(const struct model *m, int buf, char *out, size_t len)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < m->nholds && n < len; i++)
		if (m->holds[i].buf == buf)
			n += snprintf(out + n, len - n, "%s%d", n ? "," : "",
				      m->procs[m->holds[i].proc].pid);
	if (!n)
		snprintf(out, len, "none");
}

static int find_process(const struct model *m, int pid)
{
	int lo = 0, hi = m->nprocs;

	/* processes are in pid order in both scans and loaded snapshots */
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (m->procs[mid].pid == pid)
			return mid;
		if (m->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int holds_buffer(const struct model *m, int proc, unsigned long long ino)
{
	const struct process *p = &m->procs[proc];
	int i;

	for (i = p->first; i < p->first + p->count; i++)
		if (m->bufs[m->holds[i].buf].ino == ino)
			return 1;
	return 0;
}

static void print_change(const char *what, unsigned long long from, unsigned long long to,
			 int *first)
{
	if (from == to)
		return;
	printf("%s%s %llu -> %llu (%+lld)", *first ? ": " : ", ", what, from, to,
	       (long long)(to - from));
	*first = 0;
}

static void describe_buffer(const struct model *m, int i)
{
	const struct buffer *b = &m->bufs[i];
	char holders[256];

	holders_of(m, i, holders, sizeof(holders));
	printf("ino %llu %s %s, %llu bytes, held by %s%s\n", b->ino, shown(exporter_key(b)),
	       shown(b->name), b->size, holders,
	       m->bufinfo && !b->holders ? " (kernel-only)" : "");
}

static void heading(const char *title, int *printed)
{
	if (!*printed)
		printf("%s:\n", title);
	*printed = 1;
}

/*
 * What changed from @o to @n: buffers by inode, processes by pid. Returns
 * whether anything did.
 */
static int print_diff(struct model *o, struct model *n)
{
	struct totals to, tn;
	int i, k, printed, changed = 0;

	sort_holdings(o);
	sort_holdings(n);
	printed = 0;
	for (i = 0; i < n->nbufs; i++) {
		if (find_buffer(o, n->bufs[i].ino) >= 0)
			continue;
		heading("buffers that appeared", &printed);
		printf("  + ");
		describe_buffer(n, i);
	}
	changed |= printed;
	printed = 0;
	for (i = 0; i < o->nbufs; i++) {
		if (find_buffer(n, o->bufs[i].ino) >= 0)
			continue;
		heading("buffers that went away", &printed);
		printf("  - ");
		describe_buffer(o, i);
	}
	changed |= printed;
	printed = 0;
	for (i = 0; i < n->nbufs; i++) {
		const struct buffer *bn = &n->bufs[i], *bo;
		char ho[256], hn[256];
		int first = 1;

		k = find_buffer(o, bn->ino);
		if (k < 0)
			continue;
		bo = &o->bufs[k];
		holders_of(o, k, ho, sizeof(ho));
		holders_of(n, i, hn, sizeof(hn));
		if (bo->size == bn->size && !strcmp(bo->name, bn->name) && !strcmp(ho, hn) &&
		    !strcmp(bo->exporter, bn->exporter))
			continue;
		heading("buffers that changed", &printed);
		printf("  ~ ino %llu %s", bn->ino, shown(exporter_key(bn)));
		print_change("size", bo->size, bn->size, &first);
		if (strcmp(bo->name, bn->name)) {
			printf("%sname %s", first ? ": " : ", ", shown(bo->name));
			printf(" -> %s", shown(bn->name));
			first = 0;
		}
		if (strcmp(ho, hn)) {
			printf("%sheld by %s -> %s", first ? ": " : ", ", ho, hn);
			first = 0;
		}
		printf("\n");
	}
	changed |= printed;

	printed = 0;
	for (i = 0; i < n->nprocs; i++) {
		const struct process *p = &n->procs[i];

		if (!p->buffers)
			continue;
		k = find_process(o, p->pid);
		if (k >= 0 && o->procs[k].buffers)
			continue;
		heading("processes that appeared", &printed);
		printf("  + %d %s: rss %llu, pss %llu, %d buffers\n", p->pid, shown(p->comm),
		       p->rss, p->pss, p->buffers);
	}
	changed |= printed;
	printed = 0;
	for (i = 0; i < o->nprocs; i++) {
		const struct process *p = &o->procs[i];

		if (!p->buffers)
			continue;
		k = find_process(n, p->pid);
		if (k >= 0 && n->procs[k].buffers)
			continue;
		heading("processes that went away", &printed);
		printf("  - %d %s: rss %llu, pss %llu, %d buffers\n", p->pid, shown(p->comm),
		       p->rss, p->pss, p->buffers);
	}
	changed |= printed;
	printed = 0;
	for (i = 0; i < n->nprocs; i++) {
		const struct process *pn = &n->procs[i], *po;
		int first = 1, j, moved = 0;

		k = find_process(o, pn->pid);
		if (k < 0 || !pn->buffers || !o->procs[k].buffers)
			continue;
		po = &o->procs[k];
		for (j = pn->first; j < pn->first + pn->count; j++)
			moved |= !holds_buffer(o, k, n->bufs[n->holds[j].buf].ino);
		for (j = po->first; j < po->first + po->count; j++)
			moved |= !holds_buffer(n, i, o->bufs[o->holds[j].buf].ino);
		if (!moved && po->rss == pn->rss && po->pss == pn->pss)
			continue;
		heading("processes that changed", &printed);
		printf("  ~ %d %s", pn->pid, shown(pn->comm));
		print_change("rss", po->rss, pn->rss, &first);
		print_change("pss", po->pss, pn->pss, &first);
		for (j = pn->first; j < pn->first + pn->count; j++) {
			unsigned long long ino = n->bufs[n->holds[j].buf].ino;

			if (!holds_buffer(o, k, ino)) {
				printf("%sgained ino %llu", first ? ": " : ", ", ino);
				first = 0;
			}
		}
		for (j = po->first; j < po->first + po->count; j++) {
			unsigned long long ino = o->bufs[o->holds[j].buf].ino;

			if (!holds_buffer(n, i, ino)) {
				printf("%slost ino %llu", first ? ": " : ", ", ino);
				first = 0;
			}
		}
		printf("\n");
	}
	changed |= printed;

	count_totals(o, &to);
	count_totals(n, &tn);
	printf("totals: buffers %d -> %d (%+d), bytes %llu -> %llu (%+lld)", to.buffers,
	       tn.buffers, tn.buffers - to.buffers, to.bytes, tn.bytes,
	       (long long)(tn.bytes - to.bytes));
	if (o->bufinfo && n->bufinfo)
		printf(", kernel-only %d -> %d (%+d), %llu -> %llu bytes (%+lld)",
		       to.kernel_only, tn.kernel_only, tn.kernel_only - to.kernel_only,
		       to.kernel_only_bytes, tn.kernel_only_bytes,
		       (long long)(tn.kernel_only_bytes - to.kernel_only_bytes));
	else
		printf(", kernel-only unknown (no bufinfo in %s)",
		       o->bufinfo ? "the new one" : n->bufinfo ? "the old one" : "either");
	printf("\n%s\n", changed ? "" : "no change");
	return changed;
}

/* --- main ---------------------------------------------------------------------- */

static void print_help(FILE *f)
{
	fprintf(f,
		"usage: %s [--root DIR] [--no-bpf] [--json] [--snapshot FILE]\n"
		"       [--diff OLD.json [NEW.json]]\n"
		"\n"
		"Lists the dma-bufs each process holds through fds and mappings, with its RSS\n"
		"(bytes of the buffers it holds) and PSS (each buffer split among its holders),\n"
		"the buffers only the kernel holds (from debugfs bufinfo; needs root), and\n"
		"totals per exporter, per name and for the system.\n"
		"\n"
		"  --root DIR       read DIR/proc and DIR/sys/kernel/debug (default /)\n"
		"  --no-bpf         read bufinfo even when built with the BPF iterator\n"
		"  --json           print JSON (one record per line) instead of the table\n"
		"  --snapshot FILE  write that JSON to FILE instead of printing the table\n"
		"  --diff OLD       print what changed from snapshot OLD to now, or to the\n"
		"                   snapshot NEW; exit status 0 if nothing changed, 1 if\n"
		"                   something did (with --snapshot, also save the new state)\n",
		prog);
}

int main(int argc, char **argv)
{
	const char *snapshot = NULL, *diff = NULL, *against = NULL;
	struct model m = { 0 };
	int json = 0, ret = 0, i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--no-bpf")) {
			use_bpf = 0;
		} else if (!strcmp(a, "--root") && i + 1 < argc) {
			root = argv[++i];
		} else if (!strcmp(a, "--snapshot") && i + 1 < argc) {
			snapshot = argv[++i];
		} else if (!strcmp(a, "--diff") && i + 1 < argc) {
			diff = argv[++i];
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_help(stdout);
			return 0;
		} else if (diff && !against && a[0] != '-') {
			against = a;
		} else {
			print_help(stderr);
			return 2;
		}
	}
	if (!*root)
		root = "/";
	if (against)
		load_snapshot(&m, against);
	else
		scan(&m);
	if (snapshot) {
		char tmp[PATH_MAX];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", snapshot);
		f = fopen(tmp, "we");
		if (!f)
			die("%s: %s", tmp, strerror(errno));
		print_json(f, &m);
		if (fclose(f) || rename(tmp, snapshot))
			die("%s: %s", snapshot, strerror(errno));
	}
	if (diff) {
		struct model o = { 0 };

		load_snapshot(&o, diff);
		ret = print_diff(&o, &m);
		free_model(&o);
	} else if (json) {
		print_json(stdout, &m);
	} else if (!snapshot) {
		print_table(&m);
	}
	free_model(&m);
	return fflush(stdout) ? 2 : ret;
}
