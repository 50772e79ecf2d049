// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for implicit synchronisation: poll readiness and its fence
 * callbacks, and the sync_file export and import ioctls (dma-buf-sync.c).
 */

#include <kunit/test.h>
#include <linux/dma-fence-array.h>
#include <linux/dma-fence-unwrap.h>
#include <linux/fdtable.h>
#include <linux/kthread.h>
#include <linux/file.h>
#include <linux/mman.h>
#include <linux/poll.h>
#include <linux/sched/task.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>
#include <uapi/linux/dma-buf.h>

#include "mock-exporter.h"

/* Poll events as plain numbers, so that KUnit can compare them. */
#define IN	((__force unsigned int)EPOLLIN)
#define OUT	((__force unsigned int)EPOLLOUT)
#define PRI	((__force unsigned int)EPOLLPRI)

static unsigned int poll_for(struct dma_buf *dmabuf, unsigned int events)
{
	struct poll_table_struct pt = { ._key = (__force __poll_t)events };

	return (__force unsigned int)dmabuf->file->f_op->poll(dmabuf->file, &pt) & (IN | OUT);
}

static unsigned int armed(struct dma_buf_poll_cb_t *cb)
{
	return (__force unsigned int)cb->active;
}

struct ready_case {
	const char *what;
	enum dma_resv_usage usage;
	unsigned int ready;	/* while the fence is pending */
};

/* EPOLLIN waits for writers, EPOLLOUT for every access; bookkeeping never. */
static const struct ready_case ready_cases[] = {
	{ "kernel fence", DMA_RESV_USAGE_KERNEL, 0 },
	{ "write fence", DMA_RESV_USAGE_WRITE, 0 },
	{ "read fence", DMA_RESV_USAGE_READ, IN },
	{ "bookkeep fence", DMA_RESV_USAGE_BOOKKEEP, IN | OUT },
};

static void ready_case_desc(const struct ready_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ready, ready_cases, ready_case_desc);

static void poll_readiness_follows_fences(struct kunit *test)
{
	const struct ready_case *c = test->param_value;
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_fence *fence = mock_fence(test);

	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, IN | OUT), IN | OUT);
	mock_resv_add(me->dmabuf->resv, fence, c->usage);
	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, IN | OUT), c->ready);
	dma_fence_signal(fence);
	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, IN | OUT), IN | OUT);
	mock_put_sync(me);
}

static void poll_reports_only_what_was_asked(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);

	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, IN), IN);
	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, OUT), OUT);
	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, PRI), 0);
	KUNIT_EXPECT_EQ(test, armed(&me->dmabuf->cb_in) | armed(&me->dmabuf->cb_out), 0U);
	mock_put_sync(me);
}

struct waker {
	struct wait_queue_entry wq;
	int wakeups;
	unsigned int keys;
};

static int waker_wake(struct wait_queue_entry *wq, unsigned int mode, int sync, void *key)
{
	struct waker *w = container_of(wq, struct waker, wq);

	w->wakeups++;
	w->keys |= (__force unsigned int)key_to_poll(key);
	return 0;
}

static void pending_poll_holds_the_file_and_wakes(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_fence *fence = mock_fence(test);
	struct waker w = { };

	init_waitqueue_func_entry(&w.wq, waker_wake);
	add_wait_queue(&me->dmabuf->poll, &w.wq);
	mock_resv_add(me->dmabuf->resv, fence, DMA_RESV_USAGE_WRITE);

	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, IN | OUT), 0);
	KUNIT_EXPECT_EQ(test, armed(&me->dmabuf->cb_in), IN);
	KUNIT_EXPECT_EQ(test, armed(&me->dmabuf->cb_out), OUT);
	KUNIT_EXPECT_EQ(test, file_count(me->dmabuf->file), 3L);

	/* one callback per direction, however often userspace polls */
	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, IN | OUT), 0);
	KUNIT_EXPECT_EQ(test, file_count(me->dmabuf->file), 3L);
	KUNIT_EXPECT_EQ(test, w.wakeups, 0);

	dma_fence_signal(fence);
	KUNIT_EXPECT_EQ(test, w.keys & (IN | OUT), IN | OUT);
	KUNIT_EXPECT_GE(test, w.wakeups, 1);
	KUNIT_EXPECT_EQ(test, armed(&me->dmabuf->cb_in) | armed(&me->dmabuf->cb_out), 0U);
	KUNIT_EXPECT_EQ(test, file_count(me->dmabuf->file), 1L);

	remove_wait_queue(&me->dmabuf->poll, &w.wq);
	mock_put_sync(me);
}

static void buffer_outlives_its_fds_while_poll_is_pending(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_fence *fence = mock_fence(test);

	mock_resv_add(me->dmabuf->resv, fence, DMA_RESV_USAGE_READ);
	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, OUT), 0);

	dma_buf_put(me->dmabuf);
	mock_flush_release();
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 0);

	dma_fence_signal(fence);
	mock_flush_release();
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 1);
}

struct lockless_poll {
	struct dma_buf *dmabuf;
	unsigned int ready;
	struct completion done;
};

static int lockless_poll_fn(void *data)
{
	struct lockless_poll *lp = data;

	lp->ready = poll_for(lp->dmabuf, IN | OUT);
	complete(&lp->done);
	return 0;
}

/* Poll from another thread while this one holds the reservation lock. */
static void poll_while_locked(struct kunit *test, struct dma_buf *dmabuf)
{
	struct lockless_poll lp = { .dmabuf = dmabuf };
	struct task_struct *task;
	bool answered;

	init_completion(&lp.done);
	dma_resv_lock(dmabuf->resv, NULL);
	task = kthread_create(lockless_poll_fn, &lp, "dma-buf-poll");
	if (IS_ERR(task)) {
		dma_resv_unlock(dmabuf->resv);
		KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(task));
		return;
	}
	get_task_struct(task);
	wake_up_process(task);
	/* a poll that took the lock would wait here until the unlock */
	answered = wait_for_completion_timeout(&lp.done, 10 * HZ);
	dma_resv_unlock(dmabuf->resv);
	if (!answered)
		wait_for_completion(&lp.done);
	kthread_stop_put(task);

	KUNIT_EXPECT_TRUE_MSG(test, answered, "poll waited for the reservation lock");
	KUNIT_EXPECT_EQ(test, lp.ready, IN | OUT);
	KUNIT_EXPECT_EQ(test, armed(&dmabuf->cb_in) | armed(&dmabuf->cb_out), 0U);
	KUNIT_EXPECT_EQ(test, file_count(dmabuf->file), 1L);
}

/*
 * An idle buffer, one that never had a fence and one with a signalled
 * fence still in it, answers poll while someone else holds the
 * reservation lock, and arms nothing.
 */
static void idle_poll_takes_no_lock(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_fence *fence = mock_fence(test);

	KUNIT_EXPECT_EQ(test, mock_resv_fences(me->dmabuf->resv), 0);
	poll_while_locked(test, me->dmabuf);

	mock_resv_add(me->dmabuf->resv, fence, DMA_RESV_USAGE_WRITE);
	dma_fence_signal(fence);
	KUNIT_EXPECT_EQ(test, mock_resv_fences(me->dmabuf->resv), 1);
	poll_while_locked(test, me->dmabuf);
	mock_put_sync(me);
}

/*
 * The lockless check sees a fence pending; by the time poll arms its
 * callback under the lock the fence has signalled: ready, with a wake-up
 * and nothing left armed.
 */
static void fence_signalling_between_check_and_arming(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_fence *fence = mock_fence_signalling_when_armed(test);
	struct waker w = { };

	init_waitqueue_func_entry(&w.wq, waker_wake);
	add_wait_queue(&me->dmabuf->poll, &w.wq);
	mock_resv_add(me->dmabuf->resv, fence, DMA_RESV_USAGE_WRITE);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(fence));

	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, OUT), OUT);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(fence));
	KUNIT_EXPECT_GE(test, w.wakeups, 1);
	KUNIT_EXPECT_EQ(test, armed(&me->dmabuf->cb_out), 0U);
	KUNIT_EXPECT_EQ(test, file_count(me->dmabuf->file), 1L);

	remove_wait_queue(&me->dmabuf->poll, &w.wq);
	mock_put_sync(me);
}

/* A fence added after a poll found the buffer idle holds the next one up. */
static void fence_added_after_an_idle_poll(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_fence *fence = mock_fence(test);

	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, IN | OUT), IN | OUT);
	mock_resv_add(me->dmabuf->resv, fence, DMA_RESV_USAGE_READ);
	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, IN | OUT), IN);
	KUNIT_EXPECT_EQ(test, armed(&me->dmabuf->cb_out), OUT);
	dma_fence_signal(fence);
	KUNIT_EXPECT_EQ(test, armed(&me->dmabuf->cb_out), 0U);
	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, IN | OUT), IN | OUT);
	mock_put_sync(me);
}

#if IS_ENABLED(CONFIG_SYNC_FILE)
static struct dma_fence *export_fence(struct kunit *test, struct dma_buf *dmabuf, u32 flags)
{
	struct dma_buf_export_sync_file __user *uarg = mock_user_page(test);
	struct dma_buf_export_sync_file arg = { .flags = flags, .fd = -1 };
	struct dma_fence *fence;

	KUNIT_ASSERT_EQ(test, copy_to_user(uarg, &arg, sizeof(arg)), 0);
	KUNIT_ASSERT_EQ(test, mock_ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, uarg), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(&arg, uarg, sizeof(arg)), 0);
	KUNIT_ASSERT_GE(test, arg.fd, 0);
	rcu_read_lock();
	KUNIT_EXPECT_TRUE(test, close_on_exec(arg.fd, current->files));
	rcu_read_unlock();
	fence = sync_file_get_fence(arg.fd);
	close_fd(arg.fd);
	KUNIT_ASSERT_NOT_NULL(test, fence);
	return fence;
}

static int fences_in(struct dma_fence *fence)
{
	struct dma_fence_unwrap iter;
	struct dma_fence *f;
	int n = 0;

	dma_fence_unwrap_for_each(f, &iter, fence)
		n++;
	return n;
}

static void export_snapshots_the_right_fences(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_fence *w = mock_fence(test), *r = mock_fence(test), *f;

	/* nothing pending: an already signalled fence */
	f = export_fence(test, me->dmabuf, DMA_BUF_SYNC_RW);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(f));
	dma_fence_put(f);

	mock_resv_add(me->dmabuf->resv, w, DMA_RESV_USAGE_WRITE);
	f = export_fence(test, me->dmabuf, DMA_BUF_SYNC_READ);
	KUNIT_EXPECT_PTR_EQ(test, f, w);
	dma_fence_put(f);

	/* a writer waits for readers too: several fences merge into one */
	mock_resv_add(me->dmabuf->resv, r, DMA_RESV_USAGE_READ);
	f = export_fence(test, me->dmabuf, DMA_BUF_SYNC_WRITE);
	KUNIT_EXPECT_EQ(test, fences_in(f), 2);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(f));
	dma_fence_signal(w);
	dma_fence_signal(r);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(f));
	dma_fence_put(f);
	mock_put_sync(me);
}

static int sync_file_fd(struct kunit *test, struct dma_fence *fence)
{
	struct sync_file *sf = sync_file_create(fence);
	int fd;

	KUNIT_ASSERT_NOT_NULL(test, sf);
	fd = get_unused_fd_flags(O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fd, 0);
	fd_install(fd, sf->file);
	return fd;
}

static bool resv_has(struct dma_resv *resv, struct dma_fence *fence,
		     enum dma_resv_usage usage)
{
	struct dma_resv_iter cursor;
	struct dma_fence *f;
	bool found = false;

	dma_resv_lock(resv, NULL);
	dma_resv_for_each_fence(&cursor, resv, DMA_RESV_USAGE_BOOKKEEP, f)
		if (f == fence && dma_resv_iter_usage(&cursor) == usage)
			found = true;
	dma_resv_unlock(resv);
	return found;
}

static long import(struct kunit *test, struct dma_buf *dmabuf, u32 flags, int fd)
{
	struct dma_buf_import_sync_file __user *uarg = mock_user_page(test);
	struct dma_buf_import_sync_file arg = { .flags = flags, .fd = fd };

	KUNIT_ASSERT_EQ(test, copy_to_user(uarg, &arg, sizeof(arg)), 0);
	return mock_ioctl(dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, uarg);
}

static void import_adds_every_fence(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_fence *a = mock_fence(test), *b = mock_fence(test), *c = mock_fence(test);
	struct dma_fence *merged;
	int fd;

	fd = sync_file_fd(test, a);
	KUNIT_EXPECT_EQ(test, import(test, me->dmabuf, DMA_BUF_SYNC_WRITE, fd), 0);
	close_fd(fd);
	KUNIT_EXPECT_TRUE(test, resv_has(me->dmabuf->resv, a, DMA_RESV_USAGE_WRITE));
	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, IN), 0);

	/* a container is unwrapped, each fence added as a reader */
	merged = dma_fence_unwrap_merge(b, c);
	KUNIT_ASSERT_NOT_NULL(test, merged);
	fd = sync_file_fd(test, merged);
	dma_fence_put(merged);
	KUNIT_EXPECT_EQ(test, import(test, me->dmabuf, DMA_BUF_SYNC_READ, fd), 0);
	close_fd(fd);
	KUNIT_EXPECT_TRUE(test, resv_has(me->dmabuf->resv, b, DMA_RESV_USAGE_READ));
	KUNIT_EXPECT_TRUE(test, resv_has(me->dmabuf->resv, c, DMA_RESV_USAGE_READ));

	dma_fence_signal(a);
	dma_fence_signal(b);
	dma_fence_signal(c);
	KUNIT_EXPECT_EQ(test, poll_for(me->dmabuf, IN | OUT), IN | OUT);
	mock_put_sync(me);
}

/*
 * A container with nothing inside: dma_fence_array_init() refuses to make
 * one, so it is put together by hand.
 */
static struct dma_fence *empty_container(struct kunit *test)
{
	struct dma_fence_array *array = dma_fence_array_alloc(0);

	KUNIT_ASSERT_NOT_NULL(test, array);
	spin_lock_init(&array->lock);
	dma_fence_init(&array->base, &dma_fence_array_ops, &array->lock,
		       dma_fence_context_alloc(1), 1);
	dma_fence_signal(&array->base);
	return &array->base;
}

static void import_of_an_empty_container_adds_nothing(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_fence *empty = empty_container(test);
	int fd = sync_file_fd(test, empty);

	KUNIT_EXPECT_EQ(test, fences_in(empty), 0);
	dma_fence_put(empty);		/* the sync_file holds it now */
	KUNIT_EXPECT_EQ(test, import(test, me->dmabuf, DMA_BUF_SYNC_WRITE, fd), 0);
	close_fd(fd);
	KUNIT_EXPECT_EQ(test, mock_resv_fences(me->dmabuf->resv), 0);
	mock_put_sync(me);
}

static void sync_file_ioctls_reject_bad_arguments(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_buf_export_sync_file __user *uexp = mock_user_page(test);
	struct dma_buf_export_sync_file exp = { .fd = -1 };
	static const u32 bad_flags[] = { 0, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ, 1u << 31, 8 };
	int i, fd;
	long ret;

	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		exp.flags = bad_flags[i];
		KUNIT_ASSERT_EQ(test, copy_to_user(uexp, &exp, sizeof(exp)), 0);
		ret = mock_ioctl(me->dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, uexp);
		KUNIT_EXPECT_EQ(test, ret, -EINVAL);
		KUNIT_EXPECT_EQ(test, import(test, me->dmabuf, bad_flags[i], -1), -EINVAL);
	}
	/* the fd is only written back on success */
	KUNIT_ASSERT_EQ(test, copy_from_user(&exp, uexp, sizeof(exp)), 0);
	KUNIT_EXPECT_EQ(test, exp.fd, -1);

	KUNIT_EXPECT_EQ(test, import(test, me->dmabuf, DMA_BUF_SYNC_READ, -1), -EINVAL);
	fd = dma_buf_fd(me->dmabuf, O_CLOEXEC);	/* a dma-buf is no sync_file */
	KUNIT_ASSERT_GE(test, fd, 0);
	get_dma_buf(me->dmabuf);
	KUNIT_EXPECT_EQ(test, import(test, me->dmabuf, DMA_BUF_SYNC_READ, fd), -EINVAL);
	close_fd(fd);

	KUNIT_EXPECT_EQ(test, mock_ioctl(me->dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, NULL),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, mock_ioctl(me->dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, NULL),
			-EFAULT);
	mock_put_sync(me);
}

#endif /* CONFIG_SYNC_FILE */

/*
 * The sync_file ioctls are built only with CONFIG_SYNC_FILE; without it they
 * are unknown ioctls. harness/kunit.sh runs this suite in both configurations.
 */
static void sync_file_ioctls_follow_config(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_buf_export_sync_file exp = { .flags = 0, .fd = -1 };
	struct dma_buf_import_sync_file imp = { .flags = 0, .fd = -1 };
	void __user *uarg = mock_user_page(test);
	long expected = IS_ENABLED(CONFIG_SYNC_FILE) ? -EINVAL : -ENOTTY;

	KUNIT_ASSERT_EQ(test, copy_to_user(uarg, &exp, sizeof(exp)), 0);
	KUNIT_EXPECT_EQ(test, mock_ioctl(me->dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, uarg),
			expected);
	KUNIT_ASSERT_EQ(test, copy_to_user(uarg, &imp, sizeof(imp)), 0);
	KUNIT_EXPECT_EQ(test, mock_ioctl(me->dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, uarg),
			expected);
	mock_put_sync(me);
}

static struct kunit_case sync_cases[] = {
	KUNIT_CASE_PARAM(poll_readiness_follows_fences, ready_gen_params),
	KUNIT_CASE(poll_reports_only_what_was_asked),
	KUNIT_CASE(pending_poll_holds_the_file_and_wakes),
	KUNIT_CASE(buffer_outlives_its_fds_while_poll_is_pending),
	KUNIT_CASE(idle_poll_takes_no_lock),
	KUNIT_CASE(fence_signalling_between_check_and_arming),
	KUNIT_CASE(fence_added_after_an_idle_poll),
#if IS_ENABLED(CONFIG_SYNC_FILE)
	KUNIT_CASE(export_snapshots_the_right_fences),
	KUNIT_CASE(import_adds_every_fence),
	KUNIT_CASE(import_of_an_empty_container_adds_nothing),
	KUNIT_CASE(sync_file_ioctls_reject_bad_arguments),
#endif
	KUNIT_CASE(sync_file_ioctls_follow_config),
	{}
};

static struct kunit_suite sync_suite = {
	.name = "dma-buf-sync",
	.test_cases = sync_cases,
};

kunit_test_suite(sync_suite);
