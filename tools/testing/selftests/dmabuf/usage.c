// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-usage (tools/dma-buf) against a scenario whose answer is known:
 *
 *   shared  64 KiB, system heap: an fd in each of two child processes
 *   mapped  16 KiB, udmabuf: mapped by the first child, its fd closed
 *   vgem    32 KiB, system heap: imported into vgem, its fd closed, so
 *           only the kernel holds it
 *
 * The test process itself holds no buffer while the tool runs. The tool
 * is found as $DMABUF_USAGE, else as dmabuf-usage (dmabuf-usage-32 for
 * the i386 build of this test) in $PATH.
 */
#include "dmabuf-util.h"
#include <sys/wait.h>
#include "../kselftest_harness.h"

#define SHARED (64 * 1024)
#define MAPPED (16 * 1024)
#define VGEM (32 * 1024)
#define OUT_LEN (1024 * 1024)

/* what a child tells the test once it is set up */
struct ready {
	pid_t pid;
	unsigned long long mapped_ino;	/* the first child's mapping-only buffer */
};

FIXTURE(scenario) {
	pid_t first, second;
	int go;			/* closing it lets the children exit */
	int vgem;
	__u32 handle;
	unsigned long long shared, mapped, kernel_only;
	char *out;		/* the tool's output */
};

static char out_buf[OUT_LEN];

/* a child: holds what it inherited, maps a buffer if @map, waits for EOF on @go */
static void child(int ready, int go, int map)
{
	struct ready r = { .pid = getpid() };
	char byte;

	if (map) {
		int fd = udmabuf_alloc(MAPPED, NULL);
		void *p;

		if (fd < 0 || ioctl(fd, DMA_BUF_SET_NAME_B, "usage-mapped"))
			_exit(1);
		p = mmap(NULL, MAPPED, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(1);
		r.mapped_ino = fd_ino(fd);
		close(fd);
	}
	if (write(ready, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	close(ready);
	while (read(go, &byte, 1) > 0)
		;
	_exit(0);
}

FIXTURE_SETUP(scenario)
{
	int ready[2], go[2], fd, i;
	struct ready r;

	self->out = out_buf;
	self->vgem = -1;
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	fd = heap_alloc(SHARED);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, DMA_BUF_SET_NAME_B, "usage-shared"));
	self->shared = fd_ino(fd);
	for (i = 0; i < 2; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			close(ready[0]);
			close(go[1]);
			child(ready[1], go[0], i == 0);
		}
		*(i ? &self->second : &self->first) = pid;
	}
	close(fd);
	close(ready[1]);
	close(go[0]);
	self->go = go[1];
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(sizeof(r), read(ready[0], &r, sizeof(r)));
		if (r.pid == self->first)
			self->mapped = r.mapped_ino;
	}
	close(ready[0]);
	ASSERT_NE(0, self->mapped);

	/* after the forks, so that neither child inherits these */
	self->vgem = drm_open("vgem");
	ASSERT_LE(0, self->vgem) TH_LOG("no vgem device");
	fd = heap_alloc(VGEM);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, DMA_BUF_SET_NAME_B, "usage-vgem"));
	self->kernel_only = fd_ino(fd);
	ASSERT_EQ(0, drm_import(self->vgem, fd, &self->handle));
	close(fd);
	ASSERT_EQ(1, bufinfo_has(self->kernel_only, NULL));
}

FIXTURE_TEARDOWN(scenario)
{
	int status;

	close(self->go);
	if (self->first > 0)
		waitpid(self->first, &status, 0);
	if (self->second > 0)
		waitpid(self->second, &status, 0);
	if (self->vgem >= 0) {
		drm_close(self->vgem, self->handle);
		close(self->vgem);
	}
	/* everything the scenario made is gone */
	EXPECT_EQ(0, bufinfo_has(self->shared, NULL));
	EXPECT_EQ(0, bufinfo_has(self->mapped, NULL));
	EXPECT_EQ(0, bufinfo_has(self->kernel_only, NULL));
}

/*
 * Runs the tool with up to three arguments; its output in @out, its exit
 * status returned (-1 if it did not exit).
 */
static int run_tool(char *out, size_t len, const char *a, const char *b, const char *c)
{
	const char *tool = getenv("DMABUF_USAGE");
	int pipefd[2], status;
	size_t total = 0;
	ssize_t n;
	pid_t pid;

	if (!tool)
		tool = sizeof(long) == 4 ? "dmabuf-usage-32" : "dmabuf-usage";
	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(pipefd[1], 1);
		execlp(tool, tool, a, b, c, (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	while (total < len - 1 && (n = read(pipefd[0], out + total, len - 1 - total)) > 0)
		total += n;
	out[total] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * The record (one line) of JSON array @section that contains @match, copied
 * into a static buffer; "" when there is none.
 */
static const char *record(const char *json, const char *section, const char *match)
{
	static char line[1024];
	char head[64];
	const char *p, *end, *stop;

	line[0] = '\0';
	snprintf(head, sizeof(head), "\n  \"%s\": [\n", section);
	p = strstr(json, head);
	if (!p)
		return line;
	p += strlen(head);
	stop = strstr(p, "\n  ]");
	for (; p && (!stop || p < stop); p = end ? end + 1 : NULL) {
		end = strchr(p, '\n');
		if (strstr(p, match) && (!end || strstr(p, match) < end)) {
			snprintf(line, sizeof(line), "%.*s", end ? (int)(end - p) : (int)strlen(p),
				 p);
			break;
		}
	}
	return line;
}

/* The one-line object "@name" of the document. */
static const char *object(const char *json, const char *name)
{
	static char line[1024];
	char head[64];
	const char *p, *end;

	snprintf(head, sizeof(head), "\n  \"%s\": {", name);
	p = strstr(json, head);
	line[0] = '\0';
	if (p) {
		p++;
		end = strchr(p, '\n');
		snprintf(line, sizeof(line), "%.*s", end ? (int)(end - p) : (int)strlen(p), p);
	}
	return line;
}

/* The number after "@key": in @line; -1 when absent or not a number, 1/0 for true/false. */
static long long num(const char *line, const char *key)
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
	if (*p < '0' || *p > '9')
		return -1;
	return strtoll(p, NULL, 10);
}

static int bufinfo_totals(long long *objects, long long *bytes)
{
	char *text = slurp(BUFINFO), *last = NULL, *p;

	if (!text)
		return -1;
	for (p = strstr(text, "\nTotal "); p; p = strstr(p + 1, "\nTotal "))
		last = p;
	return last && sscanf(last, "\nTotal %lld objects, %lld bytes", objects, bytes) == 2 ?
		0 : -1;
}

static const char *pid_key(pid_t pid)
{
	static char key[4][48];
	static int next;
	char *k = key[next++ % 4];

	snprintf(k, sizeof(key[0]), "{\"pid\": %d,", pid);
	return k;
}

static const char *ino_key(unsigned long long ino)
{
	static char key[4][48];
	static int next;
	char *k = key[next++ % 4];

	snprintf(k, sizeof(key[0]), "{\"ino\": %llu,", ino);
	return k;
}

static const char *holding_key(pid_t pid, unsigned long long ino)
{
	static char key[64];

	snprintf(key, sizeof(key), "{\"pid\": %d, \"ino\": %llu,", pid, ino);
	return key;
}

TEST_F(scenario, json_has_the_known_numbers)
{
	const char *j = self->out, *line;
	long long objects, bytes;

	ASSERT_EQ(0, run_tool(self->out, OUT_LEN, "--json", NULL, NULL));
	ASSERT_EQ(0, bufinfo_totals(&objects, &bytes));

	/* the first child: the shared buffer (half of it) and the mapped one */
	line = record(j, "processes", pid_key(self->first));
	ASSERT_STRNE("", line) TH_LOG("first child not listed:\n%s", j);
	EXPECT_EQ(SHARED + MAPPED, num(line, "rss"));
	EXPECT_EQ(SHARED / 2 + MAPPED, num(line, "pss"));
	EXPECT_EQ(2, num(line, "buffers"));
	EXPECT_EQ(1, num(line, "fds"));
	EXPECT_EQ(1, num(line, "mappings"));

	line = record(j, "processes", pid_key(self->second));
	ASSERT_STRNE("", line) TH_LOG("second child not listed:\n%s", j);
	EXPECT_EQ(SHARED, num(line, "rss"));
	EXPECT_EQ(SHARED / 2, num(line, "pss"));
	EXPECT_EQ(1, num(line, "buffers"));

	/* the test process holds no buffer, only a vgem handle */
	EXPECT_STREQ("", record(j, "processes", pid_key(getpid())));

	/* the mapping without an fd counts for its process, with its size */
	line = record(j, "holdings", holding_key(self->first, self->mapped));
	EXPECT_EQ(0, num(line, "fds"));
	EXPECT_EQ(1, num(line, "mappings"));
	EXPECT_EQ(MAPPED, num(line, "pss"));
	line = record(j, "buffers", ino_key(self->mapped));
	EXPECT_EQ(MAPPED, num(line, "size"));
	EXPECT_EQ(1, num(line, "holders"));
	EXPECT_NE(NULL, strstr(line, "\"exporter\": \"udmabuf\", \"name\": \"usage-mapped\""));

	line = record(j, "buffers", ino_key(self->shared));
	EXPECT_EQ(2, num(line, "holders"));
	EXPECT_EQ(2, num(line, "fds"));
	EXPECT_EQ(0, num(line, "kernel_only"));

	/* vgem's import: listed by bufinfo, held by no process */
	line = record(j, "buffers", ino_key(self->kernel_only));
	ASSERT_STRNE("", line) TH_LOG("vgem's buffer not listed:\n%s", j);
	EXPECT_EQ(VGEM, num(line, "size"));
	EXPECT_EQ(0, num(line, "holders"));
	EXPECT_EQ(1, num(line, "kernel_only"));
	EXPECT_EQ(1, num(line, "in_bufinfo"));
	EXPECT_NE(NULL, strstr(line, "\"exporter\": \"system\", \"name\": \"usage-vgem\""));
	EXPECT_STREQ("", record(j, "holdings", ino_key(self->kernel_only) + 1));

	/* per exporter and per name, per process */
	line = record(j, "process_exporters", "\"exporter\": \"udmabuf\"");
	EXPECT_NE(NULL, strstr(line, pid_key(self->first)));
	EXPECT_EQ(MAPPED, num(line, "rss"));
	line = record(j, "process_names", "\"name\": \"usage-shared\"");
	EXPECT_EQ(SHARED / 2, num(line, "pss"));

	/* the totals are bufinfo's, split into held and kernel-only */
	line = object(j, "totals");
	EXPECT_EQ(objects, num(line, "buffers"));
	EXPECT_EQ(bytes, num(line, "bytes"));
	EXPECT_EQ(1, num(line, "matches_bufinfo"));
	EXPECT_EQ(bytes, num(line, "held_bytes") + num(line, "kernel_only_bytes"));
	EXPECT_EQ(num(line, "held_bytes"), num(line, "pss_sum"));
	EXPECT_LE(VGEM, num(line, "kernel_only_bytes"));
	line = object(j, "bufinfo");
	EXPECT_EQ(objects, num(line, "objects"));
	EXPECT_EQ(bytes, num(line, "bytes"));
}

/*
 * Built with BPF=1 (the harness's 64-bit build), the tool lists buffers
 * through the kernel's BPF iterator; it must give what bufinfo gives.
 */
TEST_F(scenario, bpf_iterator_and_bufinfo_agree)
{
	static char other[OUT_LEN];
	const unsigned long long inos[] = { self->shared, self->mapped, self->kernel_only };
	char a[1024];
	unsigned int i;

	ASSERT_EQ(0, run_tool(self->out, OUT_LEN, "--json", NULL, NULL));
	snprintf(a, sizeof(a), "%s", object(self->out, "bufinfo"));
	if (!strstr(a, "\"source\": \"bpf\""))
		SKIP(return, "this dmabuf-usage reads bufinfo only (built without BPF=1)");
	ASSERT_EQ(0, run_tool(other, OUT_LEN, "--json", "--no-bpf", NULL));
	EXPECT_NE(NULL, strstr(object(other, "bufinfo"), "\"source\": \"bufinfo\""));
	EXPECT_EQ(num(a, "objects"), num(object(other, "bufinfo"), "objects"));
	EXPECT_EQ(num(a, "bytes"), num(object(other, "bufinfo"), "bytes"));

	snprintf(a, sizeof(a), "%s", object(self->out, "totals"));
	EXPECT_STREQ(a, object(other, "totals"));
	EXPECT_EQ(1, num(a, "matches_bufinfo"));
	/* exporter, name, size, file count and holders of each buffer */
	for (i = 0; i < 3; i++) {
		snprintf(a, sizeof(a), "%s", record(self->out, "buffers", ino_key(inos[i])));
		EXPECT_STRNE("", a);
		EXPECT_STREQ(a, record(other, "buffers", ino_key(inos[i])));
	}
}

TEST_F(scenario, table_shows_the_scenario)
{
	char want[128], comm[32] = "";
	const char *ko;

	/* the children's name is the test's */
	snprintf(comm, sizeof(comm), "%.16s", slurp("/proc/self/comm") ?: "");
	comm[strcspn(comm, "\n")] = '\0';
	ASSERT_EQ(0, run_tool(self->out, OUT_LEN, NULL, NULL, NULL));
	snprintf(want, sizeof(want), "\n%7d %-16s %14d %14d %5d", self->first, comm,
		 SHARED + MAPPED, SHARED / 2 + MAPPED, 2);
	EXPECT_NE(NULL, strstr(self->out, want))
		TH_LOG("no line '%s' in:\n%s", want + 1, self->out);
	ko = strstr(self->out, "\nKERNEL-ONLY");
	ASSERT_NE(NULL, ko);
	snprintf(want, sizeof(want), "ino %-8llu system     usage-vgem", self->kernel_only);
	EXPECT_NE(NULL, strstr(ko, want)) TH_LOG("no '%s' in:\n%s", want, ko);
	EXPECT_NE(NULL, strstr(self->out, "(matches)")) TH_LOG("%s", self->out);
}

TEST_F(scenario, diff_shows_a_new_buffer_until_it_is_closed)
{
	char snap[64], want[128];
	unsigned long long ino;
	int fd;

	snprintf(snap, sizeof(snap), "/tmp/dmabuf-usage-%d.json", getpid());
	ASSERT_EQ(0, run_tool(self->out, OUT_LEN, "--snapshot", snap, NULL));
	ASSERT_EQ(0, run_tool(self->out, OUT_LEN, "--diff", snap, NULL));
	EXPECT_NE(NULL, strstr(self->out, "\nno change\n")) TH_LOG("%s", self->out);

	fd = heap_alloc(4096);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, DMA_BUF_SET_NAME_B, "usage-new"));
	ino = fd_ino(fd);
	EXPECT_EQ(1, run_tool(self->out, OUT_LEN, "--diff", snap, NULL));
	snprintf(want, sizeof(want),
		 "buffers that appeared:\n  + ino %llu system usage-new, 4096 bytes, held by %d\n",
		 ino, getpid());
	EXPECT_NE(NULL, strstr(self->out, want)) TH_LOG("no '%s' in:\n%s", want, self->out);
	snprintf(want, sizeof(want), "processes that appeared:\n  + %d ", getpid());
	EXPECT_NE(NULL, strstr(self->out, want)) TH_LOG("no '%s' in:\n%s", want, self->out);
	EXPECT_NE(NULL, strstr(self->out, "(+1), bytes")) TH_LOG("%s", self->out);

	close(fd);
	EXPECT_EQ(0, run_tool(self->out, OUT_LEN, "--diff", snap, NULL));
	EXPECT_NE(NULL, strstr(self->out, "\nno change\n")) TH_LOG("%s", self->out);
	unlink(snap);
}

/* a --root without debugfs: processes still count, kernel-only is unknown */
TEST_F(scenario, without_bufinfo_processes_still_count)
{
	char dir[64], link[80];
	const char *line;

	snprintf(dir, sizeof(dir), "/tmp/dmabuf-usage-root-%d", getpid());
	snprintf(link, sizeof(link), "%s/proc", dir);
	ASSERT_EQ(0, mkdir(dir, 0700));
	ASSERT_EQ(0, symlink("/proc", link));
	EXPECT_EQ(0, run_tool(self->out, OUT_LEN, "--root", dir, "--json"));
	unlink(link);
	rmdir(dir);

	EXPECT_EQ(0, num(object(self->out, "bufinfo"), "readable"));
	line = object(self->out, "totals");
	EXPECT_NE(NULL, strstr(line, "\"kernel_only_bytes\": null"));
	line = record(self->out, "processes", pid_key(self->first));
	EXPECT_EQ(SHARED + MAPPED, num(line, "rss"));
	EXPECT_EQ(SHARED / 2 + MAPPED, num(line, "pss"));
	/* the mapped buffer's size came from map_files, not from bufinfo */
	line = record(self->out, "buffers", ino_key(self->mapped));
	EXPECT_EQ(MAPPED, num(line, "size"));
	EXPECT_EQ(1, num(line, "size_known"));
	EXPECT_STREQ("", record(self->out, "buffers", ino_key(self->kernel_only)));
}

TEST_HARNESS_MAIN
