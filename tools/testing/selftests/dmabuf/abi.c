// SPDX-License-Identifier: GPL-2.0
/*
 * The dma-buf uapi must stay bit-for-bit what Linux 6.12 defines: ioctl
 * numbers, struct sizes and layouts, flag values and the pseudo-fs magic.
 * The expected numbers are written out literally, as built for x86_64; the
 * one number that depends on the size of a pointer also as built for i386.
 */
#include <stddef.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "dmabuf-util.h"
#include "../kselftest_harness.h"

TEST(ioctl_numbers)
{
	EXPECT_EQ(0x40086200UL, (unsigned long)DMA_BUF_IOCTL_SYNC);
	/* the size of a pointer: the _A spelling on 32-bit, _B on 64-bit */
	EXPECT_EQ(sizeof(void *) == 8 ? 0x40086201UL : 0x40046201UL,
		  (unsigned long)DMA_BUF_SET_NAME);
	EXPECT_EQ(0x40046201UL, (unsigned long)DMA_BUF_SET_NAME_A);
	EXPECT_EQ(0x40086201UL, (unsigned long)DMA_BUF_SET_NAME_B);
	EXPECT_EQ(0xc0086202UL, (unsigned long)DMA_BUF_IOCTL_EXPORT_SYNC_FILE);
	EXPECT_EQ(0x40086203UL, (unsigned long)DMA_BUF_IOCTL_IMPORT_SYNC_FILE);
	EXPECT_EQ('b', DMA_BUF_BASE);
}

TEST(flag_values)
{
	EXPECT_EQ(1, DMA_BUF_SYNC_READ);
	EXPECT_EQ(2, DMA_BUF_SYNC_WRITE);
	EXPECT_EQ(3, DMA_BUF_SYNC_RW);
	EXPECT_EQ(0, DMA_BUF_SYNC_START);
	EXPECT_EQ(4, DMA_BUF_SYNC_END);
	EXPECT_EQ(7, DMA_BUF_SYNC_VALID_FLAGS_MASK);
	EXPECT_EQ(32, DMA_BUF_NAME_LEN);
}

TEST(struct_layouts)
{
	EXPECT_EQ(8, sizeof(struct dma_buf_sync));
	EXPECT_EQ(8, sizeof(((struct dma_buf_sync *)0)->flags));
	EXPECT_EQ(8, sizeof(struct dma_buf_export_sync_file));
	EXPECT_EQ(0, offsetof(struct dma_buf_export_sync_file, flags));
	EXPECT_EQ(4, offsetof(struct dma_buf_export_sync_file, fd));
	EXPECT_EQ(8, sizeof(struct dma_buf_import_sync_file));
	EXPECT_EQ(0, offsetof(struct dma_buf_import_sync_file, flags));
	EXPECT_EQ(4, offsetof(struct dma_buf_import_sync_file, fd));
}

TEST(pseudo_fs_magic)
{
	struct statfs sfs;
	int fd = heap_alloc(4096);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstatfs(fd, &sfs));
	EXPECT_EQ(0x444d4142, DMA_BUF_MAGIC);
	EXPECT_EQ(DMA_BUF_MAGIC, sfs.f_type);
	close(fd);
}

TEST_HARNESS_MAIN
