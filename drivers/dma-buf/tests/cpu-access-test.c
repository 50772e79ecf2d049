// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for CPU access: begin/end_cpu_access and their fence waits,
 * vmap reference counting, and the bounds of mmap (dma-buf-cpu.c).
 */

#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/mman.h>

#include "mock-exporter.h"

struct fence_case {
	const char *what;
	enum dma_resv_usage usage;
	enum dma_data_direction dir;
	bool waits;
};

/* A CPU read waits for device writes; a CPU write waits for every access. */
static const struct fence_case fence_cases[] = {
	{ "kernel fence, CPU read", DMA_RESV_USAGE_KERNEL, DMA_FROM_DEVICE, true },
	{ "kernel fence, CPU write", DMA_RESV_USAGE_KERNEL, DMA_TO_DEVICE, true },
	{ "write fence, CPU read", DMA_RESV_USAGE_WRITE, DMA_FROM_DEVICE, true },
	{ "write fence, CPU write", DMA_RESV_USAGE_WRITE, DMA_TO_DEVICE, true },
	{ "write fence, CPU read-write", DMA_RESV_USAGE_WRITE, DMA_BIDIRECTIONAL, true },
	{ "read fence, CPU read", DMA_RESV_USAGE_READ, DMA_FROM_DEVICE, false },
	{ "read fence, CPU write", DMA_RESV_USAGE_READ, DMA_TO_DEVICE, true },
	{ "read fence, CPU read-write", DMA_RESV_USAGE_READ, DMA_BIDIRECTIONAL, true },
	{ "bookkeep fence, CPU read", DMA_RESV_USAGE_BOOKKEEP, DMA_FROM_DEVICE, false },
	{ "bookkeep fence, CPU write", DMA_RESV_USAGE_BOOKKEEP, DMA_TO_DEVICE, false },
};

static void fence_case_desc(const struct fence_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fence, fence_cases, fence_case_desc);

struct begin_thread {
	struct dma_buf *dmabuf;
	enum dma_data_direction dir;
	int ret;
	struct completion done;
};

static int begin_in_thread(void *data)
{
	struct begin_thread *bt = data;

	bt->ret = dma_buf_begin_cpu_access(bt->dmabuf, bt->dir);
	complete(&bt->done);
	return 0;
}

static void begin_waits_for_conflicting_fences(struct kunit *test)
{
	const struct fence_case *c = test->param_value;
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_fence *fence = mock_fence(test);
	struct begin_thread *bt = kunit_kzalloc(test, sizeof(*bt), GFP_KERNEL);
	struct task_struct *t;

	KUNIT_ASSERT_NOT_NULL(test, bt);
	mock_resv_add(me->dmabuf->resv, fence, c->usage);
	bt->dmabuf = me->dmabuf;
	bt->dir = c->dir;
	init_completion(&bt->done);
	t = kthread_run(begin_in_thread, bt, "dma-buf-cpu-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));

	if (c->waits) {
		KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&bt->done, HZ / 5), 0UL);
		/* the exporter's hook runs before the wait */
		KUNIT_EXPECT_EQ(test, me->calls[MOCK_BEGIN_CPU], 1);
		dma_fence_signal(fence);
	}
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&bt->done, 10 * HZ), 0UL);
	KUNIT_EXPECT_EQ(test, bt->ret, 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_BEGIN_CPU], 1);
	KUNIT_EXPECT_EQ(test, me->last_dir, c->dir);
	KUNIT_EXPECT_FALSE(test, me->locked[MOCK_BEGIN_CPU]);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(me->dmabuf, c->dir), 0);
	mock_put_sync(me);
}

static void interrupted_wait_follows_the_exporter(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);

	mock_resv_add(me->dmabuf->resv, mock_fence_interrupting(test), DMA_RESV_USAGE_WRITE);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(me->dmabuf, DMA_FROM_DEVICE),
			-ERESTARTSYS);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_BEGIN_CPU], 1);

	/* an exporter error comes back before any wait */
	me->begin_err = -EIO;
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(me->dmabuf, DMA_FROM_DEVICE), -EIO);
	mock_put_sync(me);
}

/*
 * An exporter that moves the buffer in its hook returns with the copy in
 * flight behind a kernel fence: begin returns only once it is done.
 */
static void begin_waits_for_the_exporters_move(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct begin_thread *bt = kunit_kzalloc(test, sizeof(*bt), GFP_KERNEL);
	struct dma_fence *move = mock_fence(test);
	struct task_struct *t;

	KUNIT_ASSERT_NOT_NULL(test, bt);
	me->begin_adds_kernel_fence = move;
	bt->dmabuf = me->dmabuf;
	bt->dir = DMA_FROM_DEVICE;
	init_completion(&bt->done);
	t = kthread_run(begin_in_thread, bt, "dma-buf-cpu-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));

	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&bt->done, HZ / 5), 0UL);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_BEGIN_CPU], 1);
	dma_fence_signal(move);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&bt->done, 10 * HZ), 0UL);
	KUNIT_EXPECT_EQ(test, bt->ret, 0);

	/* the wait after the hook stays interruptible */
	me->begin_adds_kernel_fence = mock_fence_interrupting(test);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(me->dmabuf, DMA_FROM_DEVICE),
			-ERESTARTSYS);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_BEGIN_CPU], 2);
	mock_put_sync(me);
}

static void exporter_errors_come_back_unchanged(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);

	me->begin_err = -EIO;
	me->end_err = -ENOSPC;
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(me->dmabuf, DMA_TO_DEVICE), -EIO);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(me->dmabuf, DMA_TO_DEVICE), -ENOSPC);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_END_CPU], 1);
	KUNIT_EXPECT_FALSE(test, me->locked[MOCK_END_CPU]);
	KUNIT_EXPECT_EQ(test, me->last_dir, DMA_TO_DEVICE);
	mock_put_sync(me);
}

static void no_hooks_is_fine(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_NO_CPU_HOOKS);

	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(me->dmabuf, DMA_BIDIRECTIONAL), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(me->dmabuf, DMA_BIDIRECTIONAL), 0);
	mock_put_sync(me);
}

static void vmap_is_counted(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct iosys_map a, b;

	dma_resv_lock(me->dmabuf->resv, NULL);
	KUNIT_ASSERT_EQ(test, dma_buf_vmap(me->dmabuf, &a), 0);
	KUNIT_ASSERT_EQ(test, dma_buf_vmap(me->dmabuf, &b), 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VMAP], 1);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_VMAP]);
	KUNIT_EXPECT_PTR_EQ(test, a.vaddr, me->vaddr);
	KUNIT_EXPECT_FALSE(test, a.is_iomem);
	KUNIT_EXPECT_TRUE(test, iosys_map_is_equal(&a, &b));
	KUNIT_EXPECT_EQ(test, me->dmabuf->vmapping_counter, 2U);

	dma_buf_vunmap(me->dmabuf, &b);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VUNMAP], 0);
	dma_buf_vunmap(me->dmabuf, &a);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VUNMAP], 1);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_VUNMAP]);
	KUNIT_EXPECT_TRUE(test, iosys_map_is_null(&me->dmabuf->vmap_ptr));
	dma_resv_unlock(me->dmabuf->resv);

	/* the _unlocked variants take the lock themselves */
	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(me->dmabuf, &a), 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VMAP], 2);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_VMAP]);
	dma_buf_vunmap_unlocked(me->dmabuf, &a);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VUNMAP], 2);
	KUNIT_EXPECT_FALSE(test, ww_mutex_is_locked(&me->dmabuf->resv->lock));
	mock_put_sync(me);
}

static void vmap_of_io_memory(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_VMAP_IOMEM);
	struct iosys_map map;

	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(me->dmabuf, &map), 0);
	KUNIT_EXPECT_TRUE(test, map.is_iomem);
	KUNIT_EXPECT_PTR_EQ(test, (void __force *)map.vaddr_iomem, me->vaddr);
	dma_buf_vunmap_unlocked(me->dmabuf, &map);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VUNMAP], 1);
	mock_put_sync(me);
}

/* Unmapping what was not mapped warns and leaves the real mapping alone. */
static void vunmap_misuse_is_ignored(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct iosys_map map, other;
	int misuse;

	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(me->dmabuf, &map), 0);
	misuse = mock_misuse_count();
	iosys_map_set_vaddr(&other, me);
	dma_buf_vunmap_unlocked(me->dmabuf, &other);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 1);
	KUNIT_EXPECT_EQ(test, me->dmabuf->vmapping_counter, 1U);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VUNMAP], 0);

	dma_buf_vunmap_unlocked(me->dmabuf, &map);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VUNMAP], 1);
	dma_buf_vunmap_unlocked(me->dmabuf, &map);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 2);
	KUNIT_EXPECT_EQ(test, me->dmabuf->vmapping_counter, 0U);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VUNMAP], 1);
	mock_put_sync(me);
}

static void vmap_failures_clear_the_map(struct kunit *test)
{
	struct mock_exporter *none = mock_export(test, MOCK_NO_VMAP);
	struct mock_exporter *me = mock_export(test, 0);
	struct iosys_map map;

	iosys_map_set_vaddr(&map, me);
	KUNIT_EXPECT_EQ(test, dma_buf_vmap_unlocked(none->dmabuf, &map), -EINVAL);
	KUNIT_EXPECT_TRUE(test, iosys_map_is_null(&map));

	me->vmap_err = -ENOMEM;
	iosys_map_set_vaddr(&map, me);
	KUNIT_EXPECT_EQ(test, dma_buf_vmap_unlocked(me->dmabuf, &map), -ENOMEM);
	KUNIT_EXPECT_TRUE(test, iosys_map_is_null(&map));
	KUNIT_EXPECT_EQ(test, me->dmabuf->vmapping_counter, 0U);

	/* a failure leaves nothing to undo: the next vmap asks the exporter again */
	me->vmap_err = 0;
	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(me->dmabuf, &map), 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VMAP], 2);
	dma_buf_vunmap_unlocked(me->dmabuf, &map);
	mock_put_sync(none);
	mock_put_sync(me);
}

/* An importer's file whose mmap forwards to dma_buf_mmap() at a set offset. */
struct forward {
	struct dma_buf *dmabuf;
	unsigned long pgoff;
	int ret;
	bool called;
};

static int forward_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct forward *fw = file->private_data;

	fw->called = true;
	fw->ret = dma_buf_mmap(fw->dmabuf, vma, fw->pgoff);
	return fw->ret;
}

static const struct file_operations forward_fops = {
	.mmap = forward_mmap,
};

struct mmap_case {
	const char *what;
	unsigned long flags;
	unsigned long pgoff, pages;
	int mmap_err;
	int expect;
};

static const struct mmap_case mmap_cases[] = {
	{ "whole buffer", 0, 0, MOCK_PAGES, 0, 0 },
	{ "last page", 0, MOCK_PAGES - 1, 1, 0, 0 },
	{ "past the end", 0, 1, MOCK_PAGES, 0, -EINVAL },
	{ "offset past the end", 0, MOCK_PAGES, 1, 0, -EINVAL },
	{ "offset overflows", 0, ULONG_MAX, 1, 0, -EOVERFLOW },
	{ "exporter without mmap", MOCK_NO_MMAP, 0, 1, 0, -EINVAL },
	{ "exporter fails", 0, 0, 1, -EIO, -EIO },
};

static void mmap_case_desc(const struct mmap_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mmap, mmap_cases, mmap_case_desc);

static void importer_mmap_checks_bounds_and_files(struct kunit *test)
{
	const struct mmap_case *c = test->param_value;
	struct mock_exporter *me = mock_export(test, c->flags);
	struct forward *fw = kunit_kzalloc(test, sizeof(*fw), GFP_KERNEL);
	struct file *file;
	unsigned long addr;

	KUNIT_ASSERT_NOT_NULL(test, fw);
	fw->dmabuf = me->dmabuf;
	fw->pgoff = c->pgoff;
	me->mmap_err = c->mmap_err;
	file = anon_inode_getfile("dma-buf-importer", &forward_fops, fw, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));

	addr = kunit_vm_mmap(test, file, 0, c->pages * PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
	KUNIT_EXPECT_TRUE(test, fw->called);
	KUNIT_EXPECT_EQ(test, fw->ret, c->expect);
	if (c->expect) {
		KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(addr));
		/* every reference is back where it was */
		KUNIT_EXPECT_EQ(test, file_count(me->dmabuf->file), 1L);
	} else {
		KUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(addr));
		KUNIT_EXPECT_EQ(test, me->calls[MOCK_MMAP], 1);
		KUNIT_EXPECT_FALSE(test, me->locked[MOCK_MMAP]);
		/* the mapping now holds the buffer's file, not the importer's */
		KUNIT_EXPECT_EQ(test, file_count(me->dmabuf->file), 2L);
	}
	KUNIT_EXPECT_EQ(test, file_count(file), 1L);
	fput(file);
	if (!c->expect) {
		/* the mapping goes with the test's mm; drop our reference only */
		dma_buf_put(me->dmabuf);
		return;
	}
	mock_put_sync(me);
}

static void user_mmap_checks_bounds(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct mock_exporter *none = mock_export(test, MOCK_NO_MMAP);
	struct file *f = me->dmabuf->file;
	unsigned long addr;

	addr = kunit_vm_mmap(test, f, 0, MOCK_SIZE + PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
	KUNIT_EXPECT_EQ(test, (long)addr, (long)-EINVAL);
	addr = kunit_vm_mmap(test, f, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, MOCK_SIZE);
	KUNIT_EXPECT_EQ(test, (long)addr, (long)-EINVAL);
	addr = kunit_vm_mmap(test, none->dmabuf->file, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
	KUNIT_EXPECT_EQ(test, (long)addr, (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_MMAP], 0);

	addr = kunit_vm_mmap(test, f, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, MOCK_SIZE - PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_MMAP], 1);
	KUNIT_EXPECT_FALSE(test, me->locked[MOCK_MMAP]);
	dma_buf_put(me->dmabuf);
	mock_put_sync(none);
}

/* Offsets past 4 GiB, in a buffer the mock describes but does not back. */
static void user_mmap_over_4gib(struct kunit *test)
{
	const u64 size = 5ULL << 30;
	struct mock_exporter *me = mock_prepare(test, 0);
	unsigned long addr;

	if (sizeof(unsigned long) < sizeof(u64))
		kunit_skip(test, "offsets past 4 GiB need 64 bits");
	me->size = size;
	KUNIT_ASSERT_EQ(test, mock_export_now(me, O_RDWR), 0);

	addr = kunit_vm_mmap(test, me->dmabuf->file, 0, PAGE_SIZE, PROT_READ, MAP_SHARED,
			     size - PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_MMAP], 1);
	addr = kunit_vm_mmap(test, me->dmabuf->file, 0, 2 * PAGE_SIZE, PROT_READ, MAP_SHARED,
			     size - PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, (long)addr, (long)-EINVAL);
	addr = kunit_vm_mmap(test, me->dmabuf->file, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, size);
	KUNIT_EXPECT_EQ(test, (long)addr, (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_MMAP], 1);
	/* the mapping goes with the test's mm */
	dma_buf_put(me->dmabuf);
}

static struct kunit_case cpu_access_cases[] = {
	KUNIT_CASE_PARAM(begin_waits_for_conflicting_fences, fence_gen_params),
	KUNIT_CASE(interrupted_wait_follows_the_exporter),
	KUNIT_CASE(begin_waits_for_the_exporters_move),
	KUNIT_CASE(exporter_errors_come_back_unchanged),
	KUNIT_CASE(no_hooks_is_fine),
	KUNIT_CASE(vmap_is_counted),
	KUNIT_CASE(vmap_of_io_memory),
	KUNIT_CASE(vunmap_misuse_is_ignored),
	KUNIT_CASE(vmap_failures_clear_the_map),
	KUNIT_CASE_PARAM(importer_mmap_checks_bounds_and_files, mmap_gen_params),
	KUNIT_CASE(user_mmap_checks_bounds),
	KUNIT_CASE(user_mmap_over_4gib),
	{}
};

static struct kunit_suite cpu_access_suite = {
	.name = "dma-buf-cpu-access",
	.test_cases = cpu_access_cases,
};

kunit_test_suite(cpu_access_suite);
