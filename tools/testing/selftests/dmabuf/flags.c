// SPDX-License-Identifier: GPL-2.0
/*
 * File status flags of a buffer's file. Exporters pass the flags the fd was
 * asked for, O_CLOEXEC included, but close-on-exec belongs to one fd of one
 * process, never to the file all fds share: the file keeps only the access
 * mode and O_NONBLOCK. Seen through F_GETFL, the fdinfo of fds that are not
 * close-on-exec (a dup, an fd received over a socket) and debugfs bufinfo,
 * for the system heap, udmabuf and vgem's PRIME export.
 */
#include "dmabuf-util.h"
#include "../kselftest_harness.h"

#define LEN (4 * 4096)

FIXTURE(exported) {
	int fd;		/* asked for with O_RDWR | O_CLOEXEC */
	int drm;
	__u32 handle;
};

FIXTURE_VARIANT(exported) {
	int exporter;	/* 0 system heap, 1 udmabuf, 2 vgem */
};

FIXTURE_VARIANT_ADD(exported, heap) {
	.exporter = 0,
};

FIXTURE_VARIANT_ADD(exported, udmabuf) {
	.exporter = 1,
};

FIXTURE_VARIANT_ADD(exported, vgem) {
	.exporter = 2,
};

FIXTURE_SETUP(exported)
{
	self->drm = -1;
	switch (variant->exporter) {
	case 0:
		self->fd = heap_alloc(LEN);
		break;
	case 1:
		self->fd = udmabuf_alloc(LEN, NULL);
		break;
	default:
		self->drm = drm_open("vgem");
		ASSERT_LE(0, self->drm) TH_LOG("no vgem device");
		ASSERT_EQ(0, drm_dumb(self->drm, 64, 64, &self->handle, NULL, NULL));
		/* drm_export() asks for DRM_CLOEXEC | DRM_RDWR */
		self->fd = drm_export(self->drm, self->handle);
		break;
	}
	ASSERT_LE(0, self->fd) TH_LOG("export: %s", strerror(-self->fd));
	/* the exporter did give this fd close-on-exec */
	ASSERT_EQ(FD_CLOEXEC, fcntl(self->fd, F_GETFD) & FD_CLOEXEC);
}

FIXTURE_TEARDOWN(exported)
{
	close(self->fd);
	if (self->drm >= 0) {
		drm_close(self->drm, self->handle);
		close(self->drm);
	}
}

/* The flags line of /proc/self/fdinfo/@fd (octal), or -1. */
static long fdinfo_flags(int fd)
{
	char v[32];

	return fdinfo_field(fd, "flags", v, sizeof(v)) ? -1 : strtol(v, NULL, 8);
}

/* The flags column (hex) of the bufinfo line of inode @ino, or -1. */
static long bufinfo_flags(unsigned long ino)
{
	char needle[32], *text = slurp(BUFINFO), *line;

	if (!text)
		return -1;
	snprintf(needle, sizeof(needle), "\t%08lu\t", ino);
	line = strstr(text, needle);
	if (!line)
		return -1;
	/* size, then flags */
	while (line > text && line[-1] != '\n')
		line--;
	line = strchr(line, '\t');
	return line ? strtol(line + 1, NULL, 16) : -1;
}

TEST_F(exported, f_getfl_is_access_mode_only)
{
	int fl = fcntl(self->fd, F_GETFL);

	ASSERT_LE(0, fl);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
	EXPECT_EQ(0, fl & O_CLOEXEC) TH_LOG("F_GETFL 0%o", fl);
	EXPECT_EQ(0, fl & ~(O_ACCMODE | O_NONBLOCK)) TH_LOG("F_GETFL 0%o", fl);
}

TEST_F(exported, fdinfo_of_a_dup)
{
	int dupfd = dup(self->fd);
	long fl;

	ASSERT_LE(0, dupfd);
	EXPECT_EQ(0, fcntl(dupfd, F_GETFD) & FD_CLOEXEC);
	fl = fdinfo_flags(dupfd);
	ASSERT_LE(0, fl);
	EXPECT_EQ(0, fl & O_CLOEXEC) TH_LOG("fdinfo flags 0%lo", fl);
	/* the original fd is close-on-exec, and fdinfo says so */
	EXPECT_EQ(O_CLOEXEC, fdinfo_flags(self->fd) & O_CLOEXEC);
	close(dupfd);
}

TEST_F(exported, fdinfo_of_a_received_fd)
{
	int sv[2], fd;
	long fl;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, send_fd(sv[0], self->fd));
	/* received without MSG_CMSG_CLOEXEC */
	fd = recv_fd(sv[1]);
	ASSERT_LE(0, fd);
	EXPECT_EQ(fd_ino(self->fd), fd_ino(fd));
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	fl = fdinfo_flags(fd);
	ASSERT_LE(0, fl);
	EXPECT_EQ(0, fl & O_CLOEXEC) TH_LOG("fdinfo flags 0%lo", fl);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(exported, bufinfo_flags_column)
{
	long fl = bufinfo_flags(fd_ino(self->fd));

	ASSERT_LE(0, fl);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
	EXPECT_EQ(0, fl & O_CLOEXEC) TH_LOG("bufinfo flags %08lx", fl);
}

TEST_HARNESS_MAIN
