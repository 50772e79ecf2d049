// SPDX-License-Identifier: GPL-2.0
/*
 * CPU access from userspace: mmap of heap and udmabuf buffers shared
 * between processes and with the memfd behind a udmabuf, mmap bounds, the
 * DMA_BUF_IOCTL_SYNC flag table, and a heap buffer mapped through vgem,
 * which forwards its mmap to the dma-buf core.
 */
#include <stdint.h>
#include <sys/wait.h>

#include "dmabuf-util.h"
#include "../kselftest_harness.h"

#define PAGES 8
#define LEN (PAGES * 4096)

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

static int check(const uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(i * 7 + seed))
			return 0;
	return 1;
}

FIXTURE(buf) {
	int fd;
};

FIXTURE_VARIANT(buf) {
	bool udmabuf;
};

FIXTURE_VARIANT_ADD(buf, heap) {
};

FIXTURE_VARIANT_ADD(buf, udmabuf) {
	.udmabuf = true,
};

FIXTURE_SETUP(buf)
{
	self->fd = variant->udmabuf ? udmabuf_alloc(LEN, NULL) : heap_alloc(LEN);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(buf)
{
	close(self->fd);
}

TEST_F(buf, written_in_one_process_read_in_another)
{
	uint8_t *map = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	int status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, cpu_sync(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	fill(map, LEN, 3);
	ASSERT_EQ(0, cpu_sync(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	munmap(map, LEN);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* a mapping of its own, at an offset */
		uint8_t *m = mmap(NULL, LEN - 4096, PROT_READ, MAP_SHARED, self->fd, 4096);
		int ok;

		if (m == MAP_FAILED || cpu_sync(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ))
			_exit(2);
		ok = 1;
		for (size_t i = 0; i < LEN - 4096; i++)
			ok &= m[i] == (uint8_t)((i + 4096) * 7 + 3);
		cpu_sync(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		_exit(ok ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(buf, mmap_bounds)
{
	void *m;

	m = mmap(NULL, LEN + 4096, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, LEN);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, self->fd, LEN - 4096);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	/* far past the end, short of overflowing the page offset (32 bits in i386) */
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd,
		 (off_t)1 << (sizeof(long) == 8 ? 44 : 40));
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);

	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, LEN - 4096);
	ASSERT_NE(MAP_FAILED, m);
	munmap(m, 4096);
}

TEST_F(buf, sync_flag_table)
{
	static const __u64 good[] = {
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
	};
	static const __u64 bad[] = {
		0,				/* START without an access */
		DMA_BUF_SYNC_END,		/* END without an access */
		8,
		DMA_BUF_SYNC_RW | 8,
		DMA_BUF_SYNC_READ | (1ULL << 32),
		DMA_BUF_SYNC_WRITE | (1ULL << 63),
		~0ULL,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		EXPECT_EQ(0, cpu_sync(self->fd, good[i])) TH_LOG("flags %#llx", good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, cpu_sync(self->fd, bad[i])) TH_LOG("flags %#llx", bad[i]);

	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_SYNC, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_SYNC, (void *)16));
	EXPECT_EQ(EFAULT, errno);
}

/*
 * vgem imports the buffer for real (attach and map), but 6.12's DRM core
 * refuses mmap offsets for imported objects, so vgem cannot forward an mmap
 * to dma_buf_mmap(); the KUnit suite covers that path with its own importer.
 */
TEST_F(buf, vgem_imports_but_does_not_map)
{
	struct drm_mode_map_dumb m = { };
	int vgem = drm_open("vgem");
	uint8_t *map;

	ASSERT_LE(0, vgem) TH_LOG("no vgem device");
	map = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, cpu_sync(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	fill(map, LEN, 41);
	ASSERT_EQ(0, cpu_sync(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));

	ASSERT_EQ(0, drm_import(vgem, self->fd, &m.handle));
	EXPECT_EQ(-1, ioctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &m));
	EXPECT_EQ(EINVAL, errno);

	/* the import changed nothing the exporter's mapping sees */
	ASSERT_EQ(0, cpu_sync(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_TRUE(check(map, LEN, 41));
	ASSERT_EQ(0, cpu_sync(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(map, LEN);
	EXPECT_EQ(0, drm_close(vgem, m.handle));
	close(vgem);
}

TEST(udmabuf_shares_pages_with_its_memfd)
{
	int memfd, fd = udmabuf_alloc(LEN, &memfd);
	uint8_t *dm, *mm;

	ASSERT_LE(0, fd);
	dm = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	mm = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, dm);
	ASSERT_NE(MAP_FAILED, mm);

	ASSERT_EQ(0, cpu_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	fill(dm, LEN, 11);
	ASSERT_EQ(0, cpu_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	EXPECT_TRUE(check(mm, LEN, 11));

	fill(mm, LEN, 29);
	ASSERT_EQ(0, cpu_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_TRUE(check(dm, LEN, 29));
	ASSERT_EQ(0, cpu_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(dm, LEN);
	munmap(mm, LEN);
	close(fd);
	close(memfd);
}

TEST_HARNESS_MAIN
