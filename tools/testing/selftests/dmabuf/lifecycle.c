// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer lifetime as userspace sees it, through the system heap and udmabuf:
 * fstat, lseek, fdinfo, names, unknown ioctls, reference counting across
 * dup, fork and UNIX sockets, debugfs, sysfs statistics, and many buffers
 * coming and going.
 */
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

#include "dmabuf-util.h"
#include "../kselftest_harness.h"

#define LEN (16 * 4096)

FIXTURE(buf) {
	int fd;
};

FIXTURE_VARIANT(buf) {
	const char *exporter;
	bool udmabuf;
};

FIXTURE_VARIANT_ADD(buf, heap) {
	.exporter = "system",
};

FIXTURE_VARIANT_ADD(buf, udmabuf) {
	.exporter = "udmabuf",
	.udmabuf = true,
};

FIXTURE_SETUP(buf)
{
	self->fd = variant->udmabuf ? udmabuf_alloc(LEN, NULL) : heap_alloc(LEN);
	ASSERT_LE(0, self->fd) TH_LOG("allocation from %s: %s",
				      variant->exporter, strerror(-self->fd));
}

FIXTURE_TEARDOWN(buf)
{
	close(self->fd);
}

TEST_F(buf, fstat_size_and_unique_inode)
{
	struct stat a, b;
	int other = heap_alloc(4096);

	ASSERT_LE(0, other);
	ASSERT_EQ(0, fstat(self->fd, &a));
	ASSERT_EQ(0, fstat(other, &b));
	EXPECT_EQ(LEN, a.st_size);
	EXPECT_NE(0, a.st_ino);
	EXPECT_NE(a.st_ino, b.st_ino);
	EXPECT_EQ(a.st_dev, b.st_dev);
	close(other);
}

TEST_F(buf, lseek_table)
{
	EXPECT_EQ(LEN, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(0, lseek(self->fd, 0, SEEK_SET));

	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_CUR));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, 1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, -1, SEEK_END));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_DATA));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_HOLE));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(buf, fdinfo_fields)
{
	char v[64];

	ASSERT_EQ(0, fdinfo_field(self->fd, "size", v, sizeof(v)));
	EXPECT_EQ(LEN, strtol(v, NULL, 10));
	EXPECT_EQ(1, fdinfo_count(self->fd));
	ASSERT_EQ(0, fdinfo_field(self->fd, "exp_name", v, sizeof(v)));
	EXPECT_STREQ(variant->exporter, v);
	/* no name line until one is set */
	EXPECT_EQ(-1, fdinfo_field(self->fd, "name", v, sizeof(v)));
}

TEST_F(buf, names_show_in_readlink_and_fdinfo)
{
	char link[128], v[64];
	char longest[DMA_BUF_NAME_LEN];

	ASSERT_EQ(0, fd_link(self->fd, link, sizeof(link)));
	EXPECT_STREQ("/dmabuf:", link);

	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_SET_NAME_B, "scanout"));
	ASSERT_EQ(0, fd_link(self->fd, link, sizeof(link)));
	EXPECT_STREQ("/dmabuf:scanout", link);
	ASSERT_EQ(0, fdinfo_field(self->fd, "name", v, sizeof(v)));
	EXPECT_STREQ("scanout", v);

	/* the 32-bit spelling of the ioctl does the same */
	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_SET_NAME_A, "camera"));
	ASSERT_EQ(0, fd_link(self->fd, link, sizeof(link)));
	EXPECT_STREQ("/dmabuf:camera", link);

	memset(longest, 'n', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_SET_NAME, longest));
	ASSERT_EQ(0, fdinfo_field(self->fd, "name", v, sizeof(v)));
	EXPECT_STREQ(longest, v);
}

TEST_F(buf, bad_names_keep_the_old_one)
{
	char too_long[DMA_BUF_NAME_LEN + 1], link[128], v[64];
	void *unmapped;

	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_SET_NAME, "keep"));

	/* DMA_BUF_NAME_LEN characters leave no room for the NUL */
	memset(too_long, 'x', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	EXPECT_EQ(DMA_BUF_NAME_LEN, strlen(too_long));
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_SET_NAME, too_long));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_SET_NAME_A, "far longer than thirty-two bytes"));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_SET_NAME, NULL));
	EXPECT_EQ(EFAULT, errno);
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_SET_NAME, unmapped));
	EXPECT_EQ(EFAULT, errno);
	munmap(unmapped, 4096);

	ASSERT_EQ(0, fd_link(self->fd, link, sizeof(link)));
	EXPECT_STREQ("/dmabuf:keep", link);
	ASSERT_EQ(0, fdinfo_field(self->fd, "name", v, sizeof(v)));
	EXPECT_STREQ("keep", v);
}

TEST_F(buf, unknown_ioctls)
{
	int arg = 0;

	EXPECT_EQ(-1, ioctl(self->fd, _IO(DMA_BUF_BASE, 9)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOW(DMA_BUF_BASE, 4, int), &arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOR('X', 1, int), &arg));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(buf, dup_fork_close_count)
{
	int dupfd, pipefd[2], status;
	char go;
	pid_t pid;

	EXPECT_EQ(1, fdinfo_count(self->fd));
	dupfd = dup(self->fd);
	ASSERT_LE(0, dupfd);
	EXPECT_EQ(2, fdinfo_count(self->fd));

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* the child's table holds both fds until it exits */
		close(pipefd[1]);
		_exit(read(pipefd[0], &go, 1) == 1 ? 0 : 1);
	}
	close(pipefd[0]);
	EXPECT_EQ(4, fdinfo_count(self->fd));
	EXPECT_EQ(1, write(pipefd[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(2, fdinfo_count(self->fd));

	close(dupfd);
	EXPECT_EQ(1, fdinfo_count(self->fd));
	close(pipefd[1]);
}

TEST_F(buf, passed_over_unix_socket)
{
	unsigned long ino = fd_ino(self->fd);
	int sv[2], status;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_SET_NAME, "passed"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char link[64], v[64];
		int fd = recv_fd(sv[1]);

		/* a fresh process that only ever saw the fd arrive */
		if (fd < 0 || fd_ino(fd) != ino || fd_link(fd, link, sizeof(link)) ||
		    strcmp(link, "/dmabuf:passed") ||
		    fdinfo_field(fd, "exp_name", v, sizeof(v)) ||
		    strcmp(v, variant->exporter) || lseek(fd, 0, SEEK_END) != LEN)
			_exit(1);
		close(fd);
		_exit(0);
	}
	ASSERT_EQ(0, send_fd(sv[0], self->fd));
	/* in flight and in the child: more than our own reference */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, fdinfo_count(self->fd));
	close(sv[0]);
	close(sv[1]);
}

TEST_F(buf, bufinfo_shows_and_drops)
{
	unsigned long ino = fd_ino(self->fd);
	char *entry, expect[128];
	int fd2;

	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_SET_NAME, "listed"));
	ASSERT_EQ(1, bufinfo_has(ino, &entry));
	/* the line starts with the size, zero-padded, and ends with the name */
	snprintf(expect, sizeof(expect), "%08d\t", LEN);
	EXPECT_EQ(0, strncmp(entry, expect, strlen(expect)));
	snprintf(expect, sizeof(expect), "\t%s\t%08lu\tlisted\n", variant->exporter, ino);
	EXPECT_EQ(strchr(entry, '\n') + 1 - strlen(expect), strstr(entry, expect));
	EXPECT_NE(NULL, strstr(entry, "\tAttached Devices:\n"));

	fd2 = dup(self->fd);
	close(self->fd);
	EXPECT_EQ(1, bufinfo_has(ino, NULL));
	close(fd2);
	EXPECT_EQ(0, bufinfo_has(ino, NULL));
	self->fd = heap_alloc(4096);	/* for the teardown */
}

#define STATS "/sys/kernel/dmabuf/buffers"

/* A file of the sysfs directory of buffer @ino into @out; 0 or -errno. */
static int stats_read(unsigned long ino, const char *file, char *out, size_t len)
{
	char path[96];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), STATS "/%lu/%s", ino, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, out, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	out[n] = '\0';
	return 0;
}

static int stats_has(unsigned long ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), STATS "/%lu", ino);
	return stat(path, &st) == 0;
}

TEST_F(buf, sysfs_stats_show_and_drop)
{
	unsigned long ino = fd_ino(self->fd);
	char text[64], expect[64], path[96];
	struct stat st;
	int fd2;

	ASSERT_EQ(0, stats_read(ino, "exporter_name", text, sizeof(text)));
	snprintf(expect, sizeof(expect), "%s\n", variant->exporter);
	EXPECT_STREQ(expect, text);
	ASSERT_EQ(0, stats_read(ino, "size", text, sizeof(text)));
	snprintf(expect, sizeof(expect), "%d\n", LEN);
	EXPECT_STREQ(expect, text);

	/* what stat() shows for any sysfs directory and attribute */
	snprintf(path, sizeof(path), STATS "/%lu", ino);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0755, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	snprintf(path, sizeof(path), STATS "/%lu/size", ino);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0444, st.st_mode & 07777);
	EXPECT_EQ(4096, st.st_size);
	/* read-only, for root too */
	EXPECT_EQ(-1, open(path, O_WRONLY));

	fd2 = dup(self->fd);
	close(self->fd);
	EXPECT_EQ(1, stats_has(ino));
	close(fd2);
	EXPECT_EQ(0, stats_has(ino));
	EXPECT_EQ(-ENOENT, stats_read(ino, "size", text, sizeof(text)));
	self->fd = heap_alloc(4096);	/* for the teardown */
}

TEST(sysfs_stats_match_bufinfo)
{
	int fds[6], drm = drm_open("vgem"), n = 0, dirs = 0, i;
	char text[64], exporter[64], *entry, *name;
	unsigned long ino, size;
	struct dirent *de;
	DIR *d;

	fds[n++] = heap_alloc(4096);
	fds[n++] = heap_alloc(3 * 4096);
	fds[n++] = udmabuf_alloc(2 * 4096, NULL);
	if (drm >= 0) {
		__u32 handle;

		ASSERT_EQ(0, drm_dumb(drm, 64, 64, &handle, NULL, NULL));
		fds[n++] = drm_export(drm, handle);
	}
	for (i = 0; i < n; i++)
		ASSERT_LE(0, fds[i]);

	/* every directory is a buffer bufinfo lists, with its exporter and size */
	d = opendir(STATS);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		ino = strtoul(de->d_name, NULL, 10);
		if (stats_read(ino, "size", text, sizeof(text)))
			continue;	/* another test's buffer, gone meanwhile */
		size = strtoul(text, NULL, 10);
		ASSERT_EQ(0, stats_read(ino, "exporter_name", exporter, sizeof(exporter)));
		*strchrnul(exporter, '\n') = '\0';
		ASSERT_EQ(1, bufinfo_has(ino, &entry)) TH_LOG("ino %lu", ino);
		EXPECT_EQ(size, strtoul(entry, NULL, 10));
		name = entry;
		for (i = 0; i < 4; i++)
			name = strchr(name, '\t') + 1;
		EXPECT_EQ(0, strncmp(name, exporter, strlen(exporter)));
		EXPECT_EQ('\t', name[strlen(exporter)]);
		dirs++;
	}
	closedir(d);
	EXPECT_LE(n, dirs);
	EXPECT_EQ(bufinfo_objects(), dirs);

	/* and ours are among them */
	for (i = 0; i < n; i++) {
		EXPECT_EQ(1, stats_has(fd_ino(fds[i])));
		close(fds[i]);
	}
	if (drm >= 0)
		close(drm);
}

struct stats_race {
	unsigned long ino;	/* the buffer to read; __atomic builtins */
	int stop;
	int bad;
	int reads;
};

/* reads the files of whatever buffer the other thread made last */
static void *stats_reader(void *arg)
{
	struct stats_race *r = arg;
	char text[64];
	int ret;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		unsigned long ino = __atomic_load_n(&r->ino, __ATOMIC_RELAXED);

		ret = stats_read(ino, (ino & 1) ? "size" : "exporter_name",
				 text, sizeof(text));
		/* whole, or gone: never a short or empty read */
		if (ret == 0 && (ino & 1 ? strcmp(text, "4096\n") :
				 strcmp(text, "system\n")))
			r->bad++;
		else if (ret && ret != -ENOENT && ret != -ENODEV)
			r->bad++;
		if (!ret)
			__atomic_fetch_add(&r->reads, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Waits until the reader has read one more file whole; 1 if it did by @until. */
static int wait_for_read(struct stats_race *r, time_t until)
{
	int want = __atomic_load_n(&r->reads, __ATOMIC_RELAXED) + 1;

	while (__atomic_load_n(&r->reads, __ATOMIC_RELAXED) < want) {
		if (time(NULL) > until)
			return 0;
		sched_yield();
	}
	return 1;
}

TEST(sysfs_stats_reads_race_with_release)
{
	struct stats_race r = { };
	int ring[8], i, fd, held, handshakes = 0;
	char path[96], text[64];
	pthread_t t;

	/*
	 * Eight buffers live at a time; the reader reads the oldest, which is
	 * the next one released, so its reads meet the removal.
	 */
	for (i = 0; i < 8; i++) {
		ring[i] = heap_alloc(4096);
		ASSERT_LE(0, ring[i]);
	}
	__atomic_store_n(&r.ino, fd_ino(ring[0]), __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_create(&t, NULL, stats_reader, &r));
	for (i = 0; i < 3000; i++) {
		close(ring[i % 8]);
		ring[i % 8] = heap_alloc(4096);
		ASSERT_LE(0, ring[i % 8]);
		__atomic_store_n(&r.ino, fd_ino(ring[(i + 1) % 8]), __ATOMIC_RELAXED);
		/*
		 * Every 100th buffer waits until the reader has read it whole
		 * (for 20 s at most), so that reads of live buffers happen
		 * whatever the scheduling; the others race with the removal.
		 */
		if (i % 100 == 0)
			handshakes += wait_for_read(&r, time(NULL) + 20);
		else if (i % 4 == 0)
			sched_yield();
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	for (i = 0; i < 8; i++)
		close(ring[i]);
	EXPECT_EQ(0, r.bad);
	EXPECT_EQ(30, handshakes);
	TH_LOG("%d whole reads", r.reads);

	/* a file kept open across the release reads nothing afterwards */
	fd = heap_alloc(4096);
	ASSERT_LE(0, fd);
	snprintf(path, sizeof(path), STATS "/%lu/size", fd_ino(fd));
	held = open(path, O_RDONLY);
	ASSERT_LE(0, held);
	close(fd);
	EXPECT_EQ(-1, read(held, text, sizeof(text)));
	EXPECT_EQ(ENODEV, errno);
	close(held);
}

TEST(ten_thousand_buffers)
{
	long before = bufinfo_objects();
	int i, fd;

	ASSERT_LE(0, before);
	for (i = 0; i < 10000; i++) {
		fd = (i & 1) ? udmabuf_alloc(4096, NULL) : heap_alloc(4096);
		ASSERT_LE(0, fd) TH_LOG("buffer %d: %s", i, strerror(-fd));
		if (i % 1000 == 0)
			ASSERT_EQ(0, ioctl(fd, DMA_BUF_SET_NAME, "churn"));
		close(fd);
	}
	EXPECT_EQ(before, bufinfo_objects());
	EXPECT_EQ(NULL, strstr(slurp(BUFINFO), "\tchurn\n"));
}

struct race {
	int fd;
	int stop;	/* read and written with __atomic builtins */
	int bad;
};

static void *rename_loop(void *arg)
{
	struct race *r = arg;

	for (unsigned int i = 0; !__atomic_load_n(&r->stop, __ATOMIC_RELAXED); i++)
		ioctl(r->fd, DMA_BUF_SET_NAME, (i & 1) ? "odd-name" : "even-name-longer");
	return NULL;
}

TEST(set_name_races_with_readlink)
{
	struct race r = { .fd = heap_alloc(4096) };
	char link[128];
	pthread_t t;
	int i;

	ASSERT_LE(0, r.fd);
	ASSERT_EQ(0, ioctl(r.fd, DMA_BUF_SET_NAME, "odd-name"));
	ASSERT_EQ(0, pthread_create(&t, NULL, rename_loop, &r));
	for (i = 0; i < 20000; i++) {
		ASSERT_EQ(0, fd_link(r.fd, link, sizeof(link)));
		if (strcmp(link, "/dmabuf:odd-name") && strcmp(link, "/dmabuf:even-name-longer"))
			r.bad++;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	EXPECT_EQ(0, r.bad);
	close(r.fd);
}

static void *churn_loop(void *arg)
{
	struct race *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		int fd = heap_alloc(4096);

		if (fd < 0) {
			r->bad++;
			break;
		}
		ioctl(fd, DMA_BUF_SET_NAME, "short-lived");
		close(fd);
	}
	return NULL;
}

TEST(release_races_with_bufinfo)
{
	struct race r = { };
	pthread_t t;
	int i;

	ASSERT_EQ(0, pthread_create(&t, NULL, churn_loop, &r));
	for (i = 0; i < 300; i++)
		ASSERT_NE(NULL, slurp(BUFINFO));
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	EXPECT_EQ(0, r.bad);
}

TEST_HARNESS_MAIN
