// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for allocation failures: every entry point of the core that
 * allocates is called again and again with its 1st, 2nd, ... allocation
 * failing, until it gets through. Each failure must reach the caller as
 * its errno, leave every count where it was and warn about nothing.
 *
 * The failures come from the kernel's fault injection: CONFIG_FAILSLAB and
 * the per-task fail_nth counter that /proc/<pid>/fail-nth sets for
 * userspace. Without those options every case is skipped.
 */

#include <kunit/test.h>
#include <linux/debugfs.h>
#include <linux/dma-fence-unwrap.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>
#include <uapi/linux/dma-buf.h>

#include "mock-exporter.h"

/* More allocations than any entry point makes: reaching it is a failure. */
#define SWEEP_LIMIT 64

#if IS_ENABLED(CONFIG_FAILSLAB) && IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
/*
 * failslab leaves allocations that may sleep alone unless told otherwise,
 * and prints a stack trace for every failure it injects; those knobs only
 * exist as debugfs files, whose private data is the setting itself.
 */
static void *failslab_knob(const char *name)
{
	struct dentry *dir, *knob;
	void *data = NULL;

	dir = debugfs_lookup("failslab", NULL);
	if (IS_ERR_OR_NULL(dir))
		return NULL;
	knob = debugfs_lookup(name, dir);
	if (!IS_ERR_OR_NULL(knob)) {
		data = d_inode(knob)->i_private;
		dput(knob);
	}
	dput(dir);
	return data;
}

struct failslab_saved {
	bool *ignore_sleeping, was_ignoring;
	unsigned long *verbose, was_verbose;
};

static void failslab_restore(void *data)
{
	struct failslab_saved *saved = data;

	*saved->ignore_sleeping = saved->was_ignoring;
	*saved->verbose = saved->was_verbose;
}

static void sweep_init(struct kunit *test)
{
	struct failslab_saved *saved = kunit_kzalloc(test, sizeof(*saved), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, saved);
	saved->ignore_sleeping = failslab_knob("ignore-gfp-wait");
	saved->verbose = failslab_knob("verbose");
	KUNIT_ASSERT_NOT_NULL_MSG(test, saved->ignore_sleeping, "no failslab/ignore-gfp-wait");
	KUNIT_ASSERT_NOT_NULL_MSG(test, saved->verbose, "no failslab/verbose");
	saved->was_ignoring = *saved->ignore_sleeping;
	saved->was_verbose = *saved->verbose;
	*saved->ignore_sleeping = false;
	*saved->verbose = 0;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, failslab_restore, saved));
}

/* Fail the @nth allocation of this task from now on. */
static void fail_nth(int nth)
{
	current->fail_nth = nth;
}

/* Disarm; true if the failure was injected. */
static bool failed(void)
{
	bool injected = !current->fail_nth;

	current->fail_nth = 0;
	return injected;
}
#else
static void sweep_init(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS");
}

static void fail_nth(int nth)
{
}

static bool failed(void)
{
	return false;
}
#endif

/* What must be back where it was after each step of a sweep. */
struct baseline {
	int objects;
	size_t bytes;
	int owner_refs;
};

static void baseline_take(struct kunit *test, struct baseline *b)
{
	mock_flush_release();
	mock_bufinfo_totals(test, &b->objects, &b->bytes);
	b->owner_refs = mock_owner_refs();
}

static void baseline_check(struct kunit *test, const struct baseline *b, int step)
{
	struct baseline now;

	baseline_take(test, &now);
	KUNIT_EXPECT_EQ_MSG(test, now.objects, b->objects, "step %d", step);
	KUNIT_EXPECT_EQ_MSG(test, now.bytes, b->bytes, "step %d", step);
	KUNIT_EXPECT_EQ_MSG(test, now.owner_refs, b->owner_refs, "step %d", step);
}

/* The lowest free fd: a leaked fd would take it. */
static int next_fd(struct kunit *test)
{
	int fd = get_unused_fd_flags(0);

	KUNIT_ASSERT_GE(test, fd, 0);
	put_unused_fd(fd);
	return fd;
}

/*
 * A sweep: step N runs the operation with its Nth allocation failing, and
 * the sweep ends at the first step whose failure was never reached, where
 * the operation must have succeeded. An injected failure may be absorbed
 * (an allocation with a fallback), so success is allowed at every step.
 * A sweep that reaches SWEEP_LIMIT fails.
 */
static void sweep_done(struct kunit *test, const char *what, int step)
{
	KUNIT_EXPECT_LT_MSG(test, step, SWEEP_LIMIT, "%s: still failing", what);
	kunit_info(test, "%s: %d allocation(s) failed in turn", what, step - 1);
}

/*
 * Export, from the file (and with CONFIG_DMABUF_SYSFS_STATS its statistics
 * directory) to the list: a failure leaves nothing behind and never calls
 * the exporter's release.
 */
static void export_survives_failures(struct kunit *test)
{
	int step, ret, misuse = mock_misuse_count();
	struct mock_exporter *me;
	struct baseline base;
	struct module *owner;
	bool injected;

	sweep_init(test);
	owner = mock_owner();
	baseline_take(test, &base);
	for (step = 1; step < SWEEP_LIMIT; step++) {
		me = mock_prepare(test, 0);
		me->owner = owner;
		fail_nth(step);
		ret = mock_export_now(me, O_RDWR | O_CLOEXEC);
		injected = failed();
		if (!ret) {
			KUNIT_EXPECT_EQ(test, mock_owner_refs(), base.owner_refs + 1);
			mock_put_sync(me);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "step %d", step);
			KUNIT_EXPECT_TRUE(test, injected);
			KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 0);
		}
		baseline_check(test, &base, step);
		if (!injected)
			break;
	}
	sweep_done(test, "export", step);
	KUNIT_EXPECT_GT(test, step, 1);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse);
}

struct importer_case {
	const char *what;
	unsigned long flags;
	bool dynamic;
};

static const struct importer_case importer_cases[] = {
	{ "static", 0, false },
	{ "dynamic", MOCK_DYNAMIC, true },
	{ "static, pinned on map", MOCK_DYNAMIC, false },
	{ "static, cached table", MOCK_CACHE_SGT, false },
};

KUNIT_ARRAY_PARAM_DESC(importer, importer_cases, what);

static void attach_survives_failures(struct kunit *test)
{
	const struct importer_case *c = test->param_value;
	struct mock_exporter *me = mock_export(test, c->flags);
	struct device *dev = mock_device(test, "dma-buf-faults");
	struct dma_buf_attachment *attach;
	struct mock_importer imp = { };
	bool injected;
	int step;

	sweep_init(test);
	for (step = 1; step < SWEEP_LIMIT; step++) {
		fail_nth(step);
		attach = mock_attach_dev(me, dev, &imp, c->dynamic, false);
		injected = failed();
		if (!IS_ERR(attach)) {
			dma_buf_detach(me->dmabuf, attach);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(attach), -ENOMEM, "step %d", step);
			KUNIT_EXPECT_TRUE(test, injected);
		}
		KUNIT_EXPECT_TRUE(test, list_empty(&me->dmabuf->attachments));
		KUNIT_EXPECT_EQ(test, me->calls[MOCK_ATTACH], me->calls[MOCK_DETACH]);
		if (!injected)
			break;
	}
	sweep_done(test, c->what, step);
	mock_put_sync(me);
}

/* Map: the exporter's table, the pin, the debug copy, the cached table. */
static void map_survives_failures(struct kunit *test)
{
	const struct importer_case *c = test->param_value;
	struct mock_exporter *me = mock_export(test, c->flags);
	struct device *dev = mock_device(test, "dma-buf-faults");
	struct dma_buf_attachment *attach;
	struct mock_importer imp = { };
	struct sg_table *sgt;
	bool injected;
	int step;

	sweep_init(test);
	for (step = 1; step < SWEEP_LIMIT; step++) {
		attach = mock_attach_dev(me, dev, &imp, c->dynamic, false);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
		fail_nth(step);
		sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
		injected = failed();
		if (!IS_ERR(sgt)) {
			dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(sgt), -ENOMEM, "step %d", step);
			KUNIT_EXPECT_TRUE(test, injected);
			KUNIT_EXPECT_NULL(test, attach->sgt);
		}
		dma_buf_detach(me->dmabuf, attach);
		/* every table given back, every pin dropped */
		KUNIT_EXPECT_EQ_MSG(test, me->tables, 0, "step %d", step);
		KUNIT_EXPECT_EQ_MSG(test, me->calls[MOCK_PIN], me->calls[MOCK_UNPIN],
				    "step %d", step);
		if (!injected)
			break;
	}
	sweep_done(test, c->what, step);
	KUNIT_EXPECT_GT(test, step, 1);
	mock_put_sync(me);
}

/* vmap and poll allocate nothing in the core: their sweeps end at once. */
static void vmap_and_poll_allocate_nothing(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct poll_table_struct pt = { ._key = EPOLLIN | EPOLLOUT };
	struct dma_fence *fence = mock_fence(test);
	struct iosys_map map;
	int ret;

	sweep_init(test);
	fail_nth(1);
	ret = dma_buf_vmap_unlocked(me->dmabuf, &map);
	KUNIT_EXPECT_FALSE(test, failed());
	KUNIT_EXPECT_EQ(test, ret, 0);
	dma_buf_vunmap_unlocked(me->dmabuf, &map);

	/* arming the poll callback on a pending fence */
	mock_resv_add(me->dmabuf->resv, fence, DMA_RESV_USAGE_WRITE);
	fail_nth(1);
	ret = (__force int)vfs_poll(me->dmabuf->file, &pt);
	KUNIT_EXPECT_FALSE(test, failed());
	KUNIT_EXPECT_EQ(test, ret, 0);
	/* the armed callback holds the file until the fence signals */
	dma_fence_signal(fence);
	mock_put_sync(me);
}

/*
 * A rename copies the name into the buffer's own storage: no allocation
 * can fail it, so it succeeds with the first allocation set to fail.
 */
static void set_name_allocates_nothing(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	char __user *uname = mock_user_page(test);

	sweep_init(test);
	KUNIT_ASSERT_EQ(test, copy_to_user(uname, "before", 7), 0);
	KUNIT_ASSERT_EQ(test, mock_ioctl(me->dmabuf, DMA_BUF_SET_NAME, uname), 0);
	KUNIT_ASSERT_EQ(test, copy_to_user(uname, "after", 6), 0);
	fail_nth(1);
	KUNIT_EXPECT_EQ(test, mock_ioctl(me->dmabuf, DMA_BUF_SET_NAME, uname), 0);
	KUNIT_EXPECT_FALSE(test, failed());
	KUNIT_EXPECT_STREQ(test, me->dmabuf->name, "after");
	mock_put_sync(me);
}

#if IS_ENABLED(CONFIG_SYNC_FILE)
/* No fence (a stub stands in), one, and two that merge into a new one. */
static void export_sync_file_survives_failures(struct kunit *test)
{
	struct dma_buf_export_sync_file __user *uarg = mock_user_page(test);
	struct dma_buf_export_sync_file arg = { .flags = DMA_BUF_SYNC_WRITE, .fd = -1 };
	struct mock_exporter *me = mock_export(test, 0);
	int fences, step, free_fd;
	bool injected;
	long ret;

	sweep_init(test);
	for (fences = 0; fences <= 2; fences++) {
		if (fences)
			mock_resv_add(me->dmabuf->resv, mock_fence(test), DMA_RESV_USAGE_READ);
		for (step = 1; step < SWEEP_LIMIT; step++) {
			free_fd = next_fd(test);
			arg.fd = -1;
			KUNIT_ASSERT_EQ(test, copy_to_user(uarg, &arg, sizeof(arg)), 0);
			fail_nth(step);
			ret = mock_ioctl(me->dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, uarg);
			injected = failed();
			KUNIT_EXPECT_EQ(test, get_user(arg.fd, &uarg->fd), 0);
			if (!ret) {
				KUNIT_EXPECT_EQ(test, arg.fd, free_fd);
				close_fd(arg.fd);
			} else {
				KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "%d fences, step %d",
						    fences, step);
				KUNIT_EXPECT_TRUE(test, injected);
				/* no fd written back, none left open */
				KUNIT_EXPECT_EQ(test, arg.fd, -1);
				KUNIT_EXPECT_EQ(test, next_fd(test), free_fd);
			}
			if (!injected)
				break;
		}
		sweep_done(test, "EXPORT_SYNC_FILE", step);
	}
	mock_put_sync(me);
}

/* Room for every fence is reserved first: a failure adds none. */
static void import_sync_file_survives_failures(struct kunit *test)
{
	struct dma_buf_import_sync_file __user *uarg = mock_user_page(test);
	struct dma_buf_import_sync_file arg = { .flags = DMA_BUF_SYNC_WRITE };
	struct dma_fence *merged;
	struct mock_exporter *me;
	struct sync_file *sf;
	bool injected;
	int step;
	long ret;

	sweep_init(test);
	merged = dma_fence_unwrap_merge(mock_fence(test), mock_fence(test));
	KUNIT_ASSERT_NOT_NULL(test, merged);
	sf = sync_file_create(merged);
	dma_fence_put(merged);
	KUNIT_ASSERT_NOT_NULL(test, sf);
	arg.fd = get_unused_fd_flags(O_CLOEXEC);
	KUNIT_ASSERT_GE(test, arg.fd, 0);
	fd_install(arg.fd, sf->file);
	KUNIT_ASSERT_EQ(test, copy_to_user(uarg, &arg, sizeof(arg)), 0);

	for (step = 1; step < SWEEP_LIMIT; step++) {
		me = mock_export(test, 0);
		fail_nth(step);
		ret = mock_ioctl(me->dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, uarg);
		injected = failed();
		if (ret) {
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "step %d", step);
			KUNIT_EXPECT_TRUE(test, injected);
		}
		KUNIT_EXPECT_EQ_MSG(test, mock_resv_fences(me->dmabuf->resv), ret ? 0 : 2,
				    "step %d", step);
		mock_put_sync(me);
		if (!injected)
			break;
	}
	sweep_done(test, "IMPORT_SYNC_FILE", step);
	close_fd(arg.fd);
}
#endif

static struct kunit_case faults_cases[] = {
	KUNIT_CASE(export_survives_failures),
	KUNIT_CASE_PARAM(attach_survives_failures, importer_gen_params),
	KUNIT_CASE_PARAM(map_survives_failures, importer_gen_params),
	KUNIT_CASE(vmap_and_poll_allocate_nothing),
	KUNIT_CASE(set_name_allocates_nothing),
#if IS_ENABLED(CONFIG_SYNC_FILE)
	KUNIT_CASE(export_sync_file_survives_failures),
	KUNIT_CASE(import_sync_file_survives_failures),
#endif
	{}
};

static struct kunit_suite faults_suite = {
	.name = "dma-buf-faults",
	.test_cases = faults_cases,
};

kunit_test_suite(faults_suite);
