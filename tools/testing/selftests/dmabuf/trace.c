// SPDX-License-Identifier: GPL-2.0
/*
 * The core's trace events seen from userspace: the dma_buf event system is
 * switched on through tracefs, buffers go through the system heap, udmabuf,
 * vgem, vim2m and sw_sync, and each operation must leave its event in the
 * trace with the fields the header promises. Lines are matched to a buffer by its inode
 * number, so events of other buffers and processes do not matter.
 */
#include "dmabuf-util.h"
#include <time.h>
#include "../kselftest_harness.h"

#define MAX_FIELDS 12
#define MAX_EVENTS 64
#define LEN (1024 * 1024)
#define PAGE 4096

struct field {
	char key[24];
	char val[64];
};

struct event {
	char line[256];
	char name[40];
	int nfields;
	struct field f[MAX_FIELDS];
};

/* tracefs on its own mount point, else under debugfs */
static const char *tracefs(void)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[64];

	for (unsigned int i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/events/dma_buf/enable", dirs[i]);
		if (!access(path, W_OK))
			return dirs[i];
	}
	return NULL;
}

/* Writes @text to @file under tracefs, truncating it; 0 or -errno. */
static int tracefs_write(const char *file, const char *text)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tracefs(), file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/*
 * Splits one line of the trace: "comm-pid [cpu] flags time: event: k=v k=v".
 * The event name follows the first ": " after the CPU column. 0 if the line
 * is not an event of the dma_buf system.
 */
static int parse_line(char *line, struct event *ev)
{
	char *p = strchr(line, ']'), *name, *save, *tok;

	if (line[0] == '#' || !p)
		return 0;
	snprintf(ev->line, sizeof(ev->line), "%s", line);
	p = strstr(p, ": ");
	if (!p)
		return 0;
	name = p + 2;
	p = strstr(name, ": ");
	if (!p || strncmp(name, "dma_buf_", 8))
		return 0;
	*p = '\0';
	snprintf(ev->name, sizeof(ev->name), "%s", name);
	ev->nfields = 0;
	for (tok = strtok_r(p + 2, " ", &save); tok && ev->nfields < MAX_FIELDS;
	     tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq = '\0';
		snprintf(ev->f[ev->nfields].key, sizeof(ev->f[0].key), "%s", tok);
		snprintf(ev->f[ev->nfields].val, sizeof(ev->f[0].val), "%s", eq + 1);
		ev->nfields++;
	}
	return 1;
}

/* The value of @key in @ev, or "(missing)". */
static const char *field(const struct event *ev, const char *key)
{
	for (int i = 0; i < ev->nfields; i++)
		if (!strcmp(ev->f[i].key, key))
			return ev->f[i].val;
	return "(missing)";
}

/* The events of the buffer with inode @ino in the trace, in order. */
static int collect(unsigned long long ino, struct event *evs, int max)
{
	char path[128], ino_text[32], *text, *line, *save;
	int n = 0;

	snprintf(path, sizeof(path), "%s/trace", tracefs());
	text = slurp(path);
	if (!text)
		return -1;
	snprintf(ino_text, sizeof(ino_text), "%llu", ino);
	for (line = strtok_r(text, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		if (parse_line(line, &evs[n]) && !strcmp(field(&evs[n], "ino"), ino_text))
			n++;
	}
	return n;
}

/* Index of the first event @name at or after @from, or -1. */
static int find(const struct event *evs, int n, const char *name, int from)
{
	for (int i = from < 0 ? 0 : from; i < n; i++)
		if (!strcmp(evs[i].name, name))
			return i;
	return -1;
}

/* Collects until @name shows up for @ino (a release may come late); 0.5 s. */
static int collect_until(unsigned long long ino, struct event *evs, const char *name)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int n = 0;

	for (int tries = 0; tries < 50; tries++) {
		n = collect(ino, evs, MAX_EVENTS);
		if (n < 0 || find(evs, n, name, 0) >= 0)
			break;
		nanosleep(&ts, NULL);
	}
	return n;
}

/* What the trace had for the buffer, for the log. */
static void dump(const struct event *evs, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(stderr, "# %s\n", evs[i].line);
}

static const char *num(char *buf, unsigned long long v)
{
	sprintf(buf, "%llu", v);
	return buf;
}

/* The fields every event has: exporter, size and inode. */
static void expect_buffer(struct __test_metadata *_metadata, const struct event *ev,
			  const char *exp_name, unsigned long long size,
			  unsigned long long ino)
{
	char b[32];

	EXPECT_STREQ(exp_name, field(ev, "exp_name")) TH_LOG("%s", ev->name);
	EXPECT_STREQ(num(b, size), field(ev, "size")) TH_LOG("%s", ev->name);
	EXPECT_STREQ(num(b, ino), field(ev, "ino")) TH_LOG("%s", ev->name);
}

/* Index of event @name at or after @from; fails the test if there is none. */
static int must_find(struct __test_metadata *_metadata, const struct event *evs,
		     int n, const char *name, int from)
{
	int i = find(evs, n, name, from);

	if (i < 0)
		dump(evs, n);
	ASSERT_LE(0, i) TH_LOG("no %s event after #%d", name, from);
	return i;
}

#define EXPECT_BUFFER(ev, exp, size, ino) expect_buffer(_metadata, ev, exp, size, ino)
#define FIND(evs, n, name, from) must_find(_metadata, evs, n, name, from)

FIXTURE(events) {
	struct event evs[MAX_EVENTS];
};

FIXTURE_SETUP(events)
{
	if (geteuid())
		SKIP(return, "tracefs needs root");
	if (!tracefs())
		SKIP(return, "no dma_buf events in tracefs");
	ASSERT_EQ(0, tracefs_write("events/dma_buf/enable", "0"));
	/* an empty write through O_TRUNC clears the trace */
	ASSERT_EQ(0, tracefs_write("trace", ""));
	ASSERT_EQ(0, tracefs_write("tracing_on", "1"));
	ASSERT_EQ(0, tracefs_write("events/dma_buf/enable", "1"));
}

FIXTURE_TEARDOWN(events)
{
	if (!geteuid() && tracefs()) {
		tracefs_write("events/dma_buf/enable", "0");
		tracefs_write("trace", "");
	}
}

TEST_F(events, heap_buffer)
{
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_READ, .fd = -1 };
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
	struct event *evs = self->evs;
	unsigned long long ino;
	char b[32];
	int fd, n, i, j;
	void *map;

	fd = heap_alloc(LEN);
	ASSERT_LE(0, fd);
	ino = fd_ino(fd);
	ASSERT_NE(0, ino);

	ASSERT_EQ(0, ioctl(fd, DMA_BUF_SET_NAME_B, "trace-test"));
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, cpu_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	memset(map, 0x5a, 2 * PAGE);
	ASSERT_EQ(0, cpu_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	ASSERT_EQ(0, cpu_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	ASSERT_EQ(0, cpu_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	ASSERT_EQ(0, ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp));
	imp.fd = exp.fd;
	ASSERT_EQ(0, ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp));
	close(exp.fd);
	ASSERT_EQ(0, munmap(map, 2 * PAGE));
	close(fd);

	n = collect_until(ino, evs, "dma_buf_release");
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		EXPECT_BUFFER(&evs[i], "system", LEN, ino);

	i = FIND(evs, n, "dma_buf_export", 0);
	/*
	 * 6.12.y's dma-heap installs the fd itself (get_unused_fd_flags()
	 * and fd_install() after the copy to userspace), not through
	 * dma_buf_fd(): no dma_buf_fd event, but if one comes, it has the fd.
	 */
	j = find(evs, n, "dma_buf_fd", i);
	if (j >= 0)
		EXPECT_STREQ(num(b, fd), field(&evs[j], "fd"));

	i = FIND(evs, n, "dma_buf_set_name", i);
	EXPECT_STREQ("trace-test", field(&evs[i], "name"));

	i = FIND(evs, n, "dma_buf_mmap_internal", i);
	EXPECT_STREQ("1", field(&evs[i], "pgoff"));
	EXPECT_STREQ("2", field(&evs[i], "pages"));

	i = FIND(evs, n, "dma_buf_begin_cpu_access", i);
	EXPECT_STREQ("to_device", field(&evs[i], "dir"));
	i = FIND(evs, n, "dma_buf_end_cpu_access", i);
	EXPECT_STREQ("to_device", field(&evs[i], "dir"));
	i = FIND(evs, n, "dma_buf_begin_cpu_access", i);
	EXPECT_STREQ("bidirectional", field(&evs[i], "dir"));
	i = FIND(evs, n, "dma_buf_end_cpu_access", i);
	EXPECT_STREQ("bidirectional", field(&evs[i], "dir"));

	i = FIND(evs, n, "dma_buf_export_sync_file", i);
	EXPECT_STREQ("0x1", field(&evs[i], "flags"));
	i = FIND(evs, n, "dma_buf_import_sync_file", i);
	EXPECT_STREQ("0x2", field(&evs[i], "flags"));

	i = FIND(evs, n, "dma_buf_release", i);
	/* close() drops the file, not a dma_buf_put() reference */
	EXPECT_EQ(-1, find(evs, n, "dma_buf_put", 0));
	/* nothing of the buffer after its release */
	EXPECT_EQ(n - 1, i);
	dump(evs, n);
}

TEST_F(events, vgem_import)
{
	struct event *evs = self->evs;
	unsigned long long ino;
	int fd, vgem, n, i, j;
	const char *attach;
	__u32 handle = 0;
	char b[32];

	vgem = drm_open("vgem");
	ASSERT_LE(0, vgem) TH_LOG("no vgem device");
	fd = heap_alloc(LEN);
	ASSERT_LE(0, fd);
	ino = fd_ino(fd);
	ASSERT_EQ(0, drm_import(vgem, fd, &handle));
	ASSERT_EQ(0, drm_close(vgem, handle));
	close(fd);
	close(vgem);

	n = collect_until(ino, evs, "dma_buf_release");
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		EXPECT_BUFFER(&evs[i], "system", LEN, ino);

	i = FIND(evs, n, "dma_buf_get", 0);
	EXPECT_STREQ(num(b, fd), field(&evs[i], "fd"));

	/* vgem is a static importer, but either kind of attach will do */
	j = find(evs, n, "dma_buf_attach", i);
	if (j < 0)
		j = FIND(evs, n, "dma_buf_dynamic_attach", i);
	i = j;
	EXPECT_STREQ("vgem", field(&evs[i], "dev_name"));
	EXPECT_STREQ(strcmp(evs[i].name, "dma_buf_attach") ? "1" : "0",
		     field(&evs[i], "dynamic"));
	attach = field(&evs[i], "attach");
	EXPECT_STRNE("(missing)", attach);

	i = FIND(evs, n, "dma_buf_map_attachment", i);
	EXPECT_STREQ("vgem", field(&evs[i], "dev_name"));
	EXPECT_STREQ(attach, field(&evs[i], "attach"));
	EXPECT_STREQ("bidirectional", field(&evs[i], "dir"));
	/* the import drops the reference dma_buf_get() took */
	i = FIND(evs, n, "dma_buf_put", i);

	/* GEM close: the mapping, the attachment, then the object's reference */
	i = FIND(evs, n, "dma_buf_unmap_attachment", i);
	EXPECT_STREQ("vgem", field(&evs[i], "dev_name"));
	EXPECT_STREQ(attach, field(&evs[i], "attach"));
	EXPECT_STREQ("bidirectional", field(&evs[i], "dir"));
	i = FIND(evs, n, "dma_buf_detach", i);
	EXPECT_STREQ("vgem", field(&evs[i], "dev_name"));
	EXPECT_STREQ(attach, field(&evs[i], "attach"));
	i = FIND(evs, n, "dma_buf_put", i);
	i = FIND(evs, n, "dma_buf_release", i);
	EXPECT_EQ(n - 1, i);
	dump(evs, n);
}

TEST_F(events, udmabuf)
{
	struct event *evs = self->evs;
	unsigned long long ino;
	int fd, n, i;
	char b[32];

	fd = udmabuf_alloc(LEN, NULL);
	ASSERT_LE(0, fd);
	ino = fd_ino(fd);
	close(fd);

	n = collect_until(ino, evs, "dma_buf_release");
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		EXPECT_BUFFER(&evs[i], "udmabuf", LEN, ino);
	i = FIND(evs, n, "dma_buf_export", 0);
	i = FIND(evs, n, "dma_buf_fd", i);
	EXPECT_STREQ(num(b, fd), field(&evs[i], "fd"));
	FIND(evs, n, "dma_buf_release", i);
}

/*
 * vb2-vmalloc (vim2m) takes a buffer queued on its OUTPUT queue with
 * dma_buf_get() and vmaps it; freeing the queue vunmaps and puts it.
 */
TEST_F(events, vim2m_vmap)
{
	enum { W = 640, H = 480, FRAME = W * H * 3 };
	__u32 out = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	struct v4l2_buffer ob = { .type = out, .memory = V4L2_MEMORY_DMABUF };
	struct v4l2_format f = { .type = out };
	struct v4l2_requestbuffers r = { .count = 1, .type = out,
					 .memory = V4L2_MEMORY_DMABUF };
	struct event *evs = self->evs;
	unsigned long long ino;
	int m2m, fd, n, i;
	char b[32];

	m2m = video_open("vim2m", NULL, V4L2_CAP_VIDEO_M2M | V4L2_CAP_STREAMING);
	ASSERT_LE(0, m2m) TH_LOG("no vim2m device");
	f.fmt.pix.width = W;
	f.fmt.pix.height = H;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_RGB24;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	ASSERT_EQ(0, ioctl(m2m, VIDIOC_S_FMT, &f));
	ASSERT_EQ(FRAME, f.fmt.pix.sizeimage);
	ASSERT_EQ(0, ioctl(m2m, VIDIOC_REQBUFS, &r));
	fd = heap_alloc(FRAME);
	ASSERT_LE(0, fd);
	ino = fd_ino(fd);
	ob.m.fd = fd;
	ob.bytesused = FRAME;
	ob.length = FRAME;
	ASSERT_EQ(0, ioctl(m2m, VIDIOC_QBUF, &ob));
	r.count = 0;
	ASSERT_EQ(0, ioctl(m2m, VIDIOC_REQBUFS, &r));
	close(m2m);
	close(fd);

	n = collect_until(ino, evs, "dma_buf_release");
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		EXPECT_BUFFER(&evs[i], "system", FRAME, ino);
	i = FIND(evs, n, "dma_buf_get", 0);
	EXPECT_STREQ(num(b, fd), field(&evs[i], "fd"));
	i = FIND(evs, n, "dma_buf_vmap", i);
	i = FIND(evs, n, "dma_buf_vunmap", i);
	i = FIND(evs, n, "dma_buf_put", i);
	i = FIND(evs, n, "dma_buf_release", i);
	EXPECT_EQ(n - 1, i);
	/* vb2-vmalloc has no device to attach */
	EXPECT_EQ(-1, find(evs, n, "dma_buf_attach", 0));
	dump(evs, n);
}

/* the sync_file ioctls with a pending sw_sync fence */
TEST_F(events, sw_sync_fence)
{
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_READ, .fd = -1 };
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
	struct event *evs = self->evs;
	unsigned long long ino;
	int timeline, fd, n, i;
	__u32 one = 1;

	timeline = open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, timeline) TH_LOG("no sw_sync in debugfs");
	fd = heap_alloc(LEN);
	ASSERT_LE(0, fd);
	ino = fd_ino(fd);
	imp.fd = sw_sync_fence(timeline, 1);
	ASSERT_LE(0, imp.fd);
	ASSERT_EQ(0, ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp));
	ASSERT_EQ(0, ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp));
	ASSERT_EQ(0, ioctl(timeline, SW_SYNC_IOC_INC, &one));
	close(exp.fd);
	close(imp.fd);
	close(fd);
	close(timeline);

	n = collect_until(ino, evs, "dma_buf_release");
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		EXPECT_BUFFER(&evs[i], "system", LEN, ino);
	i = FIND(evs, n, "dma_buf_import_sync_file", 0);
	EXPECT_STREQ("0x2", field(&evs[i], "flags"));
	i = FIND(evs, n, "dma_buf_export_sync_file", i);
	EXPECT_STREQ("0x1", field(&evs[i], "flags"));
	FIND(evs, n, "dma_buf_release", i);
}

/* Switched off, the events leave nothing in the trace. */
TEST_F(events, disabled_events_stay_quiet)
{
	unsigned long long ino;
	int fd;

	ASSERT_EQ(0, tracefs_write("events/dma_buf/enable", "0"));
	fd = heap_alloc(LEN);
	ASSERT_LE(0, fd);
	ino = fd_ino(fd);
	close(fd);
	EXPECT_EQ(0, collect(ino, self->evs, MAX_EVENTS));
}

TEST_HARNESS_MAIN
