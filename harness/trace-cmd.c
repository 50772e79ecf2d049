// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dma_buf trace events through a real tool. trace-cmd records the
 * dma_buf system while this program, run again as the command of
 * "trace-cmd record", moves a system-heap buffer through SET_NAME, mmap,
 * SYNC, the sync_file ioctls and a vgem import, and makes a udmabuf. Then
 * trace-cmd reads the recording back with libtraceevent: the file must hold
 * the format of every event of the system, fired or not, every format must
 * parse, and every event of the two buffers must come out in order with its
 * fields, once through the events' print formats and once raw (-R: the
 * fields by the names the formats give them). Each event class has an event
 * in the workload, so the fields of all 22 formats are read back. Prints
 * KTAP, one result per expected event.
 *
 *   trace-cmd [-k]    -k keeps the files in /tmp/trace-cmd/ for a look
 */
#include "dmabuf-util.h"	/* the kselftests' helpers; defines _GNU_SOURCE */
#include <sched.h>
#include <stdarg.h>
#include <time.h>
#include <sys/wait.h>

#define LEN (1024 * 1024)
#define PAGE 4096
#define NAME "trace-cmd-test"

#define WORKDIR "/tmp/trace-cmd"
#define DAT WORKDIR "/trace.dat"
#define FACTS WORKDIR "/facts"
#define RECORD_LOG WORKDIR "/record.log"
#define REPORT WORKDIR "/report.txt"
#define REPORT_ERR WORKDIR "/report.err"
#define RAW WORKDIR "/raw.txt"
#define RAW_ERR WORKDIR "/raw.err"
#define CHECK_LOG WORKDIR "/check-events.log"
#define FORMATS WORKDIR "/formats.txt"
#define EVENTS "/sys/kernel/tracing/events/dma_buf"

#define MAX_EVENTS 4096
#define MAX_FIELDS 10
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------- */
/* the workload, run by trace-cmd record */

static int workload(const char *facts)
{
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_READ, .fd = -1 };
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
	unsigned long heap_ino, udmabuf_ino;
	int fd, ufd, vgem, cpu = sched_getcpu();
	__u32 handle = 0;
	cpu_set_t cpus;
	FILE *f;
	void *map;

	/*
	 * One CPU for the whole workload: the report merges the CPUs' buffers
	 * by time stamp, and under TCG the stamps move a jiffy at a time, so
	 * events of two CPUs tie; the order of the events is part of the check.
	 */
	CPU_ZERO(&cpus);
	CPU_SET(cpu < 0 ? 0 : cpu, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
		perror("sched_setaffinity");
		return 1;
	}
	fd = heap_alloc(LEN);
	if (fd < 0) {
		fprintf(stderr, "system heap allocation: %s\n", strerror(-fd));
		return 1;
	}
	heap_ino = fd_ino(fd);
	if (ioctl(fd, DMA_BUF_SET_NAME_B, NAME)) {
		perror("DMA_BUF_SET_NAME_B");
		return 1;
	}
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (cpu_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE)) {
		perror("DMA_BUF_IOCTL_SYNC");
		return 1;
	}
	memset(map, 0xa5, 2 * PAGE);
	if (cpu_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE)) {
		perror("DMA_BUF_IOCTL_SYNC");
		return 1;
	}
	munmap(map, 2 * PAGE);
	if (ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp)) {
		perror("DMA_BUF_IOCTL_EXPORT_SYNC_FILE");
		return 1;
	}
	imp.fd = exp.fd;
	if (ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp)) {
		perror("DMA_BUF_IOCTL_IMPORT_SYNC_FILE");
		return 1;
	}
	close(exp.fd);

	vgem = drm_open("vgem");
	if (vgem < 0) {
		fprintf(stderr, "no vgem device\n");
		return 1;
	}
	if (drm_import(vgem, fd, &handle) || drm_close(vgem, handle)) {
		perror("vgem PRIME import");
		return 1;
	}
	close(vgem);

	ufd = udmabuf_alloc(LEN, NULL);
	if (ufd < 0) {
		fprintf(stderr, "udmabuf: %s\n", strerror(-ufd));
		return 1;
	}
	udmabuf_ino = fd_ino(ufd);

	f = fopen(facts, "w");
	if (!f) {
		perror(facts);
		return 1;
	}
	fprintf(f, "%lu %d %lu %d\n", heap_ino, fd, udmabuf_ino, ufd);
	fclose(f);
	close(ufd);
	close(fd);
	return 0;
}

/* ------------------------------------------------------------------------- */
/* running trace-cmd */

/*
 * Runs argv with stdout to @out and stderr to @err (the same file when they
 * are equal); its exit status, or -1 if it did not exit.
 */
static int run(char *const argv[], const char *out, const char *err)
{
	struct timespec t0, t1;
	int status;
	pid_t pid;

	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = strcmp(out, err) ? open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644) : o;

		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("#");
	for (int i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf(": %ld ms\n", (t1.tv_sec - t0.tv_sec) * 1000 +
	       (t1.tv_nsec - t0.tv_nsec) / 1000000);
	return WEXITSTATUS(status);
}

/*
 * Runs trace-cmd ($TRACE_CMD if set) with the arguments after @err, which a
 * NULL ends, like run().
 */
static int trace_cmd(const char *out, const char *err, ...)
{
	const char *argv[16];
	va_list ap;
	int n = 0;

	argv[n++] = getenv("TRACE_CMD") ?: "trace-cmd";
	va_start(ap, err);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return run((char *const *)argv, out, err);
}

/* Copies @path into the log as diagnostics. */
static void show(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("# %s%s", line, strchr(line, '\n') ? "" : "\n");
	fclose(f);
}

/* ------------------------------------------------------------------------- */
/* reading trace-cmd report */

struct field {
	char key[24];
	char val[48];
};

struct event {
	char name[40];
	int nfields;
	struct field f[MAX_FIELDS];
};

static struct event pretty[MAX_EVENTS], raw[MAX_EVENTS];
static int npretty, nraw;

/*
 * One line of "trace-cmd report": "comm-pid [cpu] time: event: k=v ...".
 * The event is the first word that starts with dma_buf_ and ends with a
 * colon; the words with an equals sign after it are its fields. 0 if the
 * line is no dma_buf event.
 */
static int parse_line(char *line, struct event *ev)
{
	char *tok, *save, *eq;
	int found = 0;

	ev->nfields = 0;
	for (tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		size_t len = strlen(tok);

		if (!found) {
			if (strncmp(tok, "dma_buf_", 8) || tok[len - 1] != ':')
				continue;
			tok[len - 1] = '\0';
			snprintf(ev->name, sizeof(ev->name), "%s", tok);
			found = 1;
			continue;
		}
		eq = strchr(tok, '=');
		if (!eq || ev->nfields == MAX_FIELDS)
			continue;
		*eq = '\0';
		snprintf(ev->f[ev->nfields].key, sizeof(ev->f[0].key), "%s", tok);
		snprintf(ev->f[ev->nfields].val, sizeof(ev->f[0].val), "%s", eq + 1);
		ev->nfields++;
	}
	return found;
}

/*
 * Reads the events of a report into @evs; counts the lines libtraceevent
 * could not parse in *@unparsed. -1 if the file cannot be read.
 */
static int read_report(const char *path, struct event *evs, int *unparsed)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int n = 0;

	*unparsed = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "FAILED TO PARSE")) {
			if (*unparsed < 5)
				printf("# %s: %s", path, line);
			(*unparsed)++;
		}
		if (n < MAX_EVENTS && parse_line(line, &evs[n]))
			n++;
	}
	fclose(f);
	return n;
}

static const char *field(const struct event *ev, const char *key)
{
	for (int i = 0; i < ev->nfields; i++)
		if (!strcmp(ev->f[i].key, key))
			return ev->f[i].val;
	return NULL;
}

/* ------------------------------------------------------------------------- */
/* what the report must show */

/*
 * One expected event of a buffer. The fields are "key=value" words, checked
 * in the printed (@print) and the raw (@raw) report. Values may name facts
 * of the run: $fd is the buffer's fd in the workload; $attach stands for the
 * attachment pointer, which the first event that has it records and the
 * others must repeat.
 */
struct step {
	const char *event;
	const char *print[4];
	const char *raw[4];
	const char *when;	/* tells apart two steps of one event */
};

#define ATTACH "dev_name=vgem", "attach=$attach", "dynamic=0"

static const struct step heap_steps[] = {
	{ "dma_buf_export" },
	{ "dma_buf_set_name", { "name=" NAME }, { "name=" NAME } },
	{ "dma_buf_mmap_internal", { "pgoff=1", "pages=2" }, { "pgoff=1", "pages=2" } },
	{ "dma_buf_begin_cpu_access", { "dir=to_device" }, { "dir=1" } },
	{ "dma_buf_end_cpu_access", { "dir=to_device" }, { "dir=1" } },
	{ "dma_buf_export_sync_file", { "flags=0x1" }, { "flags=0x1" } },
	{ "dma_buf_import_sync_file", { "flags=0x2" }, { "flags=0x2" } },
	{ "dma_buf_get", { "fd=$fd" }, { "fd=$fd" } },
	{ "dma_buf_attach", { ATTACH }, { ATTACH } },
	{ "dma_buf_map_attachment", { ATTACH, "dir=bidirectional" }, { ATTACH, "dir=0" } },
	/* the import's dma_buf_get() reference */
	{ "dma_buf_put", .when = "after map" },
	/* GEM close */
	{ "dma_buf_unmap_attachment", { ATTACH, "dir=bidirectional" }, { ATTACH, "dir=0" } },
	{ "dma_buf_detach", { ATTACH }, { ATTACH } },
	{ "dma_buf_put", .when = "after detach" },
	{ "dma_buf_release" },
};

static const struct step udmabuf_steps[] = {
	{ "dma_buf_export" },
	{ "dma_buf_fd", { "fd=$fd" }, { "fd=$fd" } },
	{ "dma_buf_release" },
};

struct buffer {
	const char *label;
	const char *exp_name;
	unsigned long ino;
	int fd;
	const struct step *steps;
	int nsteps;
};

static int num, failed;

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failed += !ok;
}

/*
 * Whether @ev has every field of @want, and the exporter, size and inode of
 * @buf; @attach keeps the attachment pointer, which must look like one (not
 * hashed, not NULL). Says what differs.
 */
static int fields_match(const struct event *ev, const char *const *want, int nwant,
			const struct buffer *buf, char *attach, const char *kind)
{
	char common[3][64], w[64];
	int ok = 1;

	snprintf(common[0], sizeof(common[0]), "exp_name=%s", buf->exp_name);
	snprintf(common[1], sizeof(common[1]), "size=%d", LEN);
	snprintf(common[2], sizeof(common[2]), "ino=%lu", buf->ino);
	for (int i = 0; i < 3 + nwant; i++) {
		const char *spec = i < 3 ? common[i] : want[i - 3];
		const char *have, *val;
		char *eq;

		if (!spec)
			break;
		snprintf(w, sizeof(w), "%s", spec);
		eq = strchr(w, '=');
		*eq = '\0';
		val = eq + 1;
		have = field(ev, w);
		if (!strcmp(val, "$attach")) {
			if (!attach[0] && have && strtoull(have, NULL, 16) &&
			    strspn(have, "0123456789abcdefx") == strlen(have))
				snprintf(attach, 32, "%s", have);
			val = attach;
		} else if (!strcmp(val, "$fd")) {
			snprintf(eq + 1, sizeof(w) - (eq + 1 - w), "%d", buf->fd);
		}
		if (!have || strcmp(have, val)) {
			printf("# %s %s: %s: %s=%s, expected %s\n", buf->label, ev->name,
			       kind, w, have ? have : "(missing)", val[0] ? val : "a pointer");
			ok = 0;
		}
	}
	return ok;
}

/* One result per step of @buf, in order, among the events of its inode. */
static void check_buffer(const struct buffer *buf)
{
	char attach[32] = "", raw_attach[32] = "", ino[32];
	int pos = 0;

	snprintf(ino, sizeof(ino), "%lu", buf->ino);
	for (int s = 0; s < buf->nsteps; s++) {
		const struct step *st = &buf->steps[s];
		int i, ok;

		for (i = pos; i < npretty; i++) {
			const char *v = field(&pretty[i], "ino");

			if (v && !strcmp(v, ino) && !strcmp(pretty[i].name, st->event))
				break;
		}
		if (i >= npretty) {
			printf("# %s: no %s after event #%d of the report\n",
			       buf->label, st->event, pos);
			result(0, "%s %s%s%s", buf->label, st->event, st->when ? " " : "",
			       st->when ? st->when : "");
			continue;
		}
		ok = fields_match(&pretty[i], st->print, 4, buf, attach, "printed");
		/* the raw report has the same records in the same order */
		if (strcmp(raw[i].name, pretty[i].name)) {
			printf("# %s: raw event #%d is %s\n", buf->label, i, raw[i].name);
			ok = 0;
		} else {
			ok &= fields_match(&raw[i], st->raw, 4, buf, raw_attach, "raw");
		}
		pos = i + 1;
		/* nothing of the buffer after its release */
		for (i = pos; !strcmp(st->event, "dma_buf_release") && i < npretty; i++) {
			const char *v = field(&pretty[i], "ino");

			if (v && !strcmp(v, ino)) {
				printf("# %s: %s after the release\n", buf->label, pretty[i].name);
				ok = 0;
			}
		}
		result(ok, "%s %s%s%s", buf->label, st->event, st->when ? " " : "",
		       st->when ? st->when : "");
	}
}

/*
 * Whether the recording holds the format of every event tracefs has in the
 * dma_buf system, fired or not: "trace-cmd dump --events" lists them.
 */
static int formats_stored(void)
{
	char line[512], want[300];
	int rc, ok = 1, events = 0, stored = 0, found;
	struct dirent *d;
	DIR *dir;
	FILE *f;

	rc = trace_cmd(FORMATS, FORMATS, "dump", "--events", "-i", DAT, NULL);
	if (rc) {
		show(FORMATS);
		return 0;
	}
	f = fopen(FORMATS, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		stored += !strncmp(line, "name: dma_buf_", 14);
	dir = opendir(EVENTS);
	while (dir && (d = readdir(dir))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		events++;
		snprintf(want, sizeof(want), "name: %s\n", d->d_name);
		found = 0;
		rewind(f);
		while (!found && fgets(line, sizeof(line), f))
			found = !strcmp(line, want);
		if (!found) {
			printf("# no format of %s in the recording\n", d->d_name);
			ok = 0;
		}
	}
	if (dir)
		closedir(dir);
	fclose(f);
	printf("# %d dma_buf events in tracefs, %d formats in the recording\n",
	       events, stored);
	return ok && events && events == stored;
}

/* ------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	char self[256];
	unsigned long heap_ino = 0, udmabuf_ino = 0;
	int heap_fd = -1, udmabuf_fd = -1, keep = 0, plan, rc, bad, bad_raw;
	FILE *f;

	if (argc == 3 && !strcmp(argv[1], "--workload"))
		return workload(argv[2]);
	keep = argc == 2 && !strcmp(argv[1], "-k");

	plan = 5 + ARRAY_SIZE(heap_steps) + ARRAY_SIZE(udmabuf_steps);
	printf("TAP version 13\n1..%d\n", plan);

	rc = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (rc < 0) {
		printf("Bail out! readlink /proc/self/exe: %s\n", strerror(errno));
		return 1;
	}
	self[rc] = '\0';
	mkdir(WORKDIR, 0755);
	unlink(DAT);
	unlink(FACTS);

	rc = trace_cmd(RECORD_LOG, RECORD_LOG, "record", "-e", "dma_buf", "-o", DAT,
		       self, "--workload", FACTS, NULL);
	f = fopen(FACTS, "r");
	if (f) {
		if (fscanf(f, "%lu %d %lu %d", &heap_ino, &heap_fd, &udmabuf_ino,
			   &udmabuf_fd) != 4)
			heap_ino = 0;
		fclose(f);
	}
	if (rc || !heap_ino || access(DAT, R_OK))
		show(RECORD_LOG);
	result(!rc && heap_ino && !access(DAT, R_OK), "record");

	result(formats_stored(), "formats stored");

	/* libtraceevent parses every format of the recording */
	rc = trace_cmd(CHECK_LOG, CHECK_LOG, "report", "--check-events", "-i", DAT, NULL);
	if (rc)
		show(CHECK_LOG);
	result(rc == 0, "report --check-events");

	{
		struct stat st;
		int ok;

		rc = trace_cmd(REPORT, REPORT_ERR, "report", "-i", DAT, NULL);
		npretty = read_report(REPORT, pretty, &bad);
		ok = !rc && npretty > 0 && !bad;
		if (!stat(REPORT_ERR, &st) && st.st_size) {
			printf("# trace-cmd report wrote to stderr:\n");
			show(REPORT_ERR);
			ok = 0;
		}
		printf("# report: exit %d, %d dma_buf events, %d unparsed\n", rc, npretty, bad);
		result(ok, "report");

		rc = trace_cmd(RAW, RAW_ERR, "report", "-R", "-i", DAT, NULL);
		nraw = read_report(RAW, raw, &bad_raw);
		ok = !rc && nraw == npretty && !bad_raw;
		if (!stat(RAW_ERR, &st) && st.st_size) {
			printf("# trace-cmd report -R wrote to stderr:\n");
			show(RAW_ERR);
			ok = 0;
		}
		printf("# report -R: exit %d, %d dma_buf events, %d unparsed\n", rc, nraw,
		       bad_raw);
		result(ok, "report -R");
	}
	if (nraw < npretty)
		npretty = nraw;

	{
		const struct buffer bufs[] = {
			{ "system", "system", heap_ino, heap_fd, heap_steps,
			  ARRAY_SIZE(heap_steps) },
			{ "udmabuf", "udmabuf", udmabuf_ino, udmabuf_fd, udmabuf_steps,
			  ARRAY_SIZE(udmabuf_steps) },
		};

		for (unsigned int b = 0; b < ARRAY_SIZE(bufs); b++)
			check_buffer(&bufs[b]);
	}
	/* what trace-cmd made of it, for the log */
	show(REPORT);
	if (!keep) {
		unlink(DAT);
		unlink(FACTS);
		unlink(RECORD_LOG);
		unlink(REPORT);
		unlink(REPORT_ERR);
		unlink(RAW);
		unlink(RAW_ERR);
		unlink(CHECK_LOG);
		unlink(FORMATS);
		rmdir(WORKDIR);
	}
	printf("# totals: pass:%d fail:%d\n", num - failed, failed);
	return failed;
}
