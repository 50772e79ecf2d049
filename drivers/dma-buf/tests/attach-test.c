// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for attachments: attach, detach, pin, map, unmap and
 * move_notify under the locking convention (dma-buf-attach.c).
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "../dma-buf-internal.h"
#include "mock-exporter.h"

static struct sg_table *map_locked(struct dma_buf_attachment *attach,
				   enum dma_data_direction dir)
{
	struct sg_table *sgt;

	dma_resv_lock(attach->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, dir);
	dma_resv_unlock(attach->dmabuf->resv);
	return sgt;
}

static void unmap_locked(struct dma_buf_attachment *attach, struct sg_table *sgt,
			 enum dma_data_direction dir)
{
	dma_resv_lock(attach->dmabuf->resv, NULL);
	dma_buf_unmap_attachment(attach, sgt, dir);
	dma_resv_unlock(attach->dmabuf->resv);
}

static size_t attachments(struct dma_buf *dmabuf)
{
	return list_count_nodes(&dmabuf->attachments);
}

static void dynamic_attach_needs_move_notify(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	static const struct dma_buf_attach_ops no_notify = { .allow_peer2peer = true };
	struct dma_buf_attachment *attach;
	struct device *dev = mock_device(test, "dma-buf-test-bad");

	int misuse = mock_misuse_count();

	/* warns: an importer bug */
	attach = dma_buf_dynamic_attach(me->dmabuf, dev, &no_notify, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 1);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_ATTACH], 0);
	KUNIT_EXPECT_EQ(test, attachments(me->dmabuf), 0);
	mock_put_sync(me);
}

static void attach_needs_a_buffer_and_a_device(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct device *dev = mock_device(test, "dma-buf-test-args");
	struct dma_buf_attachment *attach;
	int misuse = mock_misuse_count();

	/* each warns: an importer bug */
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(dma_buf_attach(NULL, dev)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(dma_buf_attach(me->dmabuf, NULL)), -EINVAL);
	attach = dma_buf_dynamic_attach(NULL, dev, NULL, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 3);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_ATTACH], 0);
	KUNIT_EXPECT_EQ(test, attachments(me->dmabuf), 0);

	/* a static importer's data is kept too, as in 6.12 */
	attach = dma_buf_dynamic_attach(me->dmabuf, dev, NULL, test);
	KUNIT_ASSERT_FALSE(test, IS_ERR(attach));
	KUNIT_EXPECT_PTR_EQ(test, attach->importer_priv, (void *)test);
	KUNIT_EXPECT_NULL(test, attach->importer_ops);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	KUNIT_EXPECT_FALSE(test, dma_buf_attachment_is_dynamic(attach));
	dma_buf_detach(me->dmabuf, attach);
	mock_put_sync(me);
}

static void attach_records_the_importer(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct mock_importer dyn = { }, stat = { };
	struct dma_buf_attachment *a, *b;

	a = mock_attach(test, me, &dyn, true, true);
	KUNIT_EXPECT_PTR_EQ(test, a->dmabuf, me->dmabuf);
	KUNIT_EXPECT_NOT_NULL(test, strstr(dev_name(a->dev), ".mock-dynamic-"));
	KUNIT_EXPECT_TRUE(test, a->peer2peer);
	KUNIT_EXPECT_PTR_EQ(test, a->importer_priv, (void *)&dyn);
	KUNIT_EXPECT_TRUE(test, dma_buf_attachment_is_dynamic(a));
	KUNIT_EXPECT_PTR_EQ(test, me->last_attach, a);
	KUNIT_EXPECT_FALSE(test, me->locked[MOCK_ATTACH]);

	b = mock_attach(test, me, &stat, false, false);
	KUNIT_EXPECT_FALSE(test, b->peer2peer);
	KUNIT_EXPECT_FALSE(test, dma_buf_attachment_is_dynamic(b));
	KUNIT_EXPECT_EQ(test, attachments(me->dmabuf), 2);

	dma_buf_detach(me->dmabuf, a);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_DETACH], 1);
	KUNIT_EXPECT_FALSE(test, me->locked[MOCK_DETACH]);
	KUNIT_EXPECT_EQ(test, attachments(me->dmabuf), 1);
	dma_buf_detach(me->dmabuf, b);
	KUNIT_EXPECT_EQ(test, attachments(me->dmabuf), 0);
	mock_put_sync(me);
}

static void attach_refused_by_exporter(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_buf_attachment *attach;

	me->attach_err = -EBUSY;
	attach = dma_buf_attach(me->dmabuf, mock_device(test, "dma-buf-test-refused"));
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(attach), -EBUSY);
	KUNIT_EXPECT_EQ(test, attachments(me->dmabuf), 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_DETACH], 0);
	mock_put_sync(me);
}

static void attach_without_exporter_hooks(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_NO_ATTACH);
	struct mock_importer imp = { };

	mock_attach(test, me, &imp, false, false);
	dma_buf_detach(me->dmabuf, imp.attach);
	KUNIT_EXPECT_EQ(test, attachments(me->dmabuf), 0);
	mock_put_sync(me);
}

static void detach_ignores_bad_arguments(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0), *other = mock_export(test, 0);
	struct mock_importer imp = { };

	int misuse;

	mock_attach(test, me, &imp, false, false);
	/* each warns and leaves the attachment alone */
	misuse = mock_misuse_count();
	dma_buf_detach(other->dmabuf, imp.attach);
	dma_buf_detach(NULL, imp.attach);
	dma_buf_detach(me->dmabuf, NULL);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 3);
	KUNIT_EXPECT_EQ(test, attachments(me->dmabuf), 1);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_DETACH], 0);

	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
	mock_put_sync(other);
}

static void map_and_unmap_under_the_lock(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct mock_importer imp = { };
	struct sg_table *sgt;

	mock_attach(test, me, &imp, false, false);
	sgt = map_locked(imp.attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_MAP], 1);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_MAP]);
	KUNIT_EXPECT_EQ(test, me->last_dir, DMA_TO_DEVICE);
	KUNIT_EXPECT_NULL(test, imp.attach->sgt);

	unmap_locked(imp.attach, sgt, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], 1);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_UNMAP]);
	KUNIT_EXPECT_PTR_EQ(test, me->last_unmap, me->last_map);

	/* the _unlocked variants take the lock themselves */
	sgt = dma_buf_map_attachment_unlocked(imp.attach, DMA_FROM_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_MAP]);
	dma_buf_unmap_attachment_unlocked(imp.attach, sgt, DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_UNMAP]);
	KUNIT_EXPECT_EQ(test, me->last_dir, DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE(test, ww_mutex_is_locked(&me->dmabuf->resv->lock));

	dma_buf_detach(me->dmabuf, imp.attach);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], 2);
	mock_put_sync(me);
}

struct map_error_case {
	const char *what;
	int err;
	bool null;
	int expect;
};

static const struct map_error_case map_error_cases[] = {
	{ "NULL table", 0, true, -ENOMEM },
	{ "-ENOMEM", -ENOMEM, false, -ENOMEM },
	{ "-EINTR", -EINTR, false, -EINTR },
	{ "-EBUSY", -EBUSY, false, -EBUSY },
};

static void map_error_desc(const struct map_error_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(map_error, map_error_cases, map_error_desc);

static void map_failure_is_undone(struct kunit *test)
{
	const struct map_error_case *c = test->param_value;
	struct mock_exporter *me = mock_export(test, MOCK_DYNAMIC);
	struct mock_importer imp = { };
	struct sg_table *sgt;

	mock_attach(test, me, &imp, false, false);
	me->map_err = c->err;
	me->map_null = c->null;
	sgt = map_locked(imp.attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sgt), c->expect);
	/* the pin the map took for the static importer is given back */
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_PIN], 1);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNPIN], 1);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], 0);

	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
}

static void map_fails_when_pin_fails(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_DYNAMIC);
	struct mock_importer imp = { };

	mock_attach(test, me, &imp, false, false);
	me->pin_err = -ENOSPC;
	KUNIT_EXPECT_EQ(test, PTR_ERR(map_locked(imp.attach, DMA_TO_DEVICE)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_MAP], 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNPIN], 0);
	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
}

static void static_importer_is_pinned_while_mapped(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_DYNAMIC);
	struct mock_importer imp = { };
	struct sg_table *a, *b;

	mock_attach(test, me, &imp, false, false);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_PIN], 0);

	a = map_locked(imp.attach, DMA_TO_DEVICE);
	b = map_locked(imp.attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_PIN], 2);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_PIN]);

	unmap_locked(imp.attach, a, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNPIN], 1);
	unmap_locked(imp.attach, b, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNPIN], 2);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_UNPIN]);

	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
}

static void dynamic_importer_pinned_only_without_move_notify(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_DYNAMIC);
	int expect = IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? 0 : 1;
	struct mock_importer imp = { };
	struct sg_table *sgt;

	mock_attach(test, me, &imp, true, false);
	sgt = map_locked(imp.attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_PIN], expect);
	unmap_locked(imp.attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNPIN], expect);

	/* explicit pins are the dynamic importer's own */
	dma_resv_lock(me->dmabuf->resv, NULL);
	KUNIT_EXPECT_EQ(test, dma_buf_pin(imp.attach), 0);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_PIN]);
	dma_buf_unpin(imp.attach);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_UNPIN]);
	me->pin_err = -ENOMEM;
	KUNIT_EXPECT_EQ(test, dma_buf_pin(imp.attach), -ENOMEM);
	dma_resv_unlock(me->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_PIN], expect + 1);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNPIN], expect + 1);

	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
}

/* A static importer pinning is a bug, but 6.12 still pins: so do we. */
static void static_pin_warns_and_asks_the_exporter(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_DYNAMIC);
	struct mock_importer imp = { };
	int misuse;

	mock_attach(test, me, &imp, false, false);
	misuse = mock_misuse_count();
	dma_resv_lock(me->dmabuf->resv, NULL);
	KUNIT_EXPECT_EQ(test, dma_buf_pin(imp.attach), 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_PIN], 1);
	dma_buf_unpin(imp.attach);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNPIN], 1);
	me->pin_err = -EBUSY;
	KUNIT_EXPECT_EQ(test, dma_buf_pin(imp.attach), -EBUSY);
	dma_resv_unlock(me->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 3);
	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
}

/* Free an exporter table the core gave up on. */
static void free_table(struct sg_table *sgt)
{
	sg_free_table(sgt);
	kfree(sgt);
}

/*
 * Detaching with mappings left warns. With CONFIG_DMABUF_DEBUG the core
 * undoes them, pins included; without it they stay with the exporter.
 */
static void detach_while_mapped(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_DYNAMIC);
	bool debug = IS_ENABLED(CONFIG_DMABUF_DEBUG);
	struct mock_importer imp = { };
	struct sg_table *a, *b;
	int misuse;

	mock_attach(test, me, &imp, false, false);
	a = map_locked(imp.attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	b = map_locked(imp.attach, DMA_FROM_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_PIN], 2);

	misuse = mock_misuse_count();
	dma_buf_detach(me->dmabuf, imp.attach);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 1);
	KUNIT_EXPECT_EQ(test, attachments(me->dmabuf), 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_DETACH], 1);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], debug ? 2 : 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNPIN], debug ? 2 : 0);
	if (!debug) {
		free_table(a);
		free_table(b);
	}
	mock_put_sync(me);
}

static void unmap_more_than_mapped(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct mock_importer imp = { };
	struct sg_table *sgt;
	int misuse;

	mock_attach(test, me, &imp, false, false);
	sgt = map_locked(imp.attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	unmap_locked(imp.attach, sgt, DMA_TO_DEVICE);

	misuse = mock_misuse_count();
	unmap_locked(imp.attach, sgt, DMA_TO_DEVICE);
	unmap_locked(imp.attach, NULL, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 2);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], 1);
	dma_buf_detach(me->dmabuf, imp.attach);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 2);
	mock_put_sync(me);
}

static void unmap_of_a_foreign_table(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct mock_importer one = { }, two = { };
	struct sg_table *mine, *theirs;
	int misuse;

	if (!IS_ENABLED(CONFIG_DMABUF_DEBUG))
		kunit_skip(test, "only CONFIG_DMABUF_DEBUG records the tables");
	mock_attach(test, me, &one, false, false);
	mock_attach(test, me, &two, false, false);
	mine = map_locked(one.attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mine);
	theirs = map_locked(two.attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, theirs);

	misuse = mock_misuse_count();
	unmap_locked(one.attach, theirs, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 1);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], 0);

	unmap_locked(one.attach, mine, DMA_TO_DEVICE);
	unmap_locked(two.attach, theirs, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], 2);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 1);
	dma_buf_detach(me->dmabuf, one.attach);
	dma_buf_detach(me->dmabuf, two.attach);
	mock_put_sync(me);
}

/* The exporter hears the direction it mapped with, where the core knows it. */
static void unmap_with_another_direction(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	bool debug = IS_ENABLED(CONFIG_DMABUF_DEBUG);
	struct mock_importer imp = { };
	struct sg_table *sgt;
	int misuse;

	mock_attach(test, me, &imp, false, false);
	sgt = map_locked(imp.attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	misuse = mock_misuse_count();
	unmap_locked(imp.attach, sgt, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + debug);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], 1);
	KUNIT_EXPECT_EQ(test, me->last_dir, debug ? DMA_TO_DEVICE : DMA_FROM_DEVICE);
	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
}

struct map_thread {
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	struct completion done;
};

static int map_in_thread(void *data)
{
	struct map_thread *mt = data;

	mt->sgt = dma_buf_map_attachment_unlocked(mt->attach, DMA_TO_DEVICE);
	complete(&mt->done);
	return 0;
}

static void static_map_waits_for_kernel_fences(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_fence *move = mock_fence(test), *write = mock_fence(test);
	struct mock_importer imp = { };
	struct map_thread mt = { };
	struct task_struct *t;

	mock_attach(test, me, &imp, false, false);
	/* only kernel fences (moves, clears) gate a static importer's map */
	mock_resv_add(me->dmabuf->resv, write, DMA_RESV_USAGE_WRITE);
	mock_resv_add(me->dmabuf->resv, move, DMA_RESV_USAGE_KERNEL);

	mt.attach = imp.attach;
	init_completion(&mt.done);
	t = kthread_run(map_in_thread, &mt, "dma-buf-map-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&mt.done, HZ / 5), 0UL);

	dma_fence_signal(move);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&mt.done, 10 * HZ), 0UL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mt.sgt);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(write));

	dma_buf_unmap_attachment_unlocked(imp.attach, mt.sgt, DMA_TO_DEVICE);
	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
}

static void static_map_waits_for_fence_added_by_map(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct mock_importer imp = { };
	struct map_thread mt = { };
	struct task_struct *t;

	mock_attach(test, me, &imp, false, false);
	me->map_adds_kernel_fence = mock_fence(test);

	mt.attach = imp.attach;
	init_completion(&mt.done);
	t = kthread_run(map_in_thread, &mt, "dma-buf-map-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&mt.done, HZ / 5), 0UL);
	dma_fence_signal(me->map_adds_kernel_fence);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&mt.done, 10 * HZ), 0UL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mt.sgt);

	dma_buf_unmap_attachment_unlocked(imp.attach, mt.sgt, DMA_TO_DEVICE);
	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
}

static void interrupted_map_wait_is_undone(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_DYNAMIC);
	struct mock_importer imp = { };

	mock_attach(test, me, &imp, false, false);
	mock_resv_add(me->dmabuf->resv, mock_fence_interrupting(test), DMA_RESV_USAGE_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(map_locked(imp.attach, DMA_TO_DEVICE)), -ERESTARTSYS);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_MAP], 1);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], 1);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_PIN], me->calls[MOCK_UNPIN]);
	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
}

static void dynamic_map_does_not_wait(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct mock_importer imp = { };
	struct sg_table *sgt;

	mock_attach(test, me, &imp, true, false);
	mock_resv_add(me->dmabuf->resv, mock_fence(test), DMA_RESV_USAGE_KERNEL);
	sgt = map_locked(imp.attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	unmap_locked(imp.attach, sgt, DMA_TO_DEVICE);
	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
}

static void cached_mapping_is_reused_until_detach(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_CACHE_SGT);
	struct mock_importer imp = { };
	struct sg_table *a, *b;

	mock_attach(test, me, &imp, false, false);
	a = map_locked(imp.attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	b = map_locked(imp.attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_MAP], 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(map_locked(imp.attach, DMA_FROM_DEVICE)), -EBUSY);

	unmap_locked(imp.attach, a, DMA_TO_DEVICE);
	unmap_locked(imp.attach, b, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], 0);

	dma_buf_detach(me->dmabuf, imp.attach);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], 1);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_UNMAP]);
	KUNIT_EXPECT_PTR_EQ(test, me->last_unmap, me->last_map);
	KUNIT_EXPECT_EQ(test, me->last_dir, DMA_TO_DEVICE);
	mock_put_sync(me);
}

static void cached_bidirectional_mapping_serves_all(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_CACHE_SGT);
	struct mock_importer imp = { };
	struct sg_table *a;

	mock_attach(test, me, &imp, false, false);
	a = map_locked(imp.attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	KUNIT_EXPECT_PTR_EQ(test, map_locked(imp.attach, DMA_TO_DEVICE), a);
	KUNIT_EXPECT_PTR_EQ(test, map_locked(imp.attach, DMA_FROM_DEVICE), a);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_MAP], 1);
	dma_buf_detach(me->dmabuf, imp.attach);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], 1);
	mock_put_sync(me);
}

static void move_notify_reaches_dynamic_importers_only(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_DYNAMIC);
	struct mock_importer imp[4] = { };
	int i;

	for (i = 0; i < 4; i++)
		mock_attach(test, me, &imp[i], i % 2, false);

	dma_resv_lock(me->dmabuf->resv, NULL);
	dma_buf_move_notify(me->dmabuf);
	dma_resv_unlock(me->dmabuf->resv);

	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ_MSG(test, imp[i].moves, i % 2, "importer %d", i);
		if (i % 2)
			KUNIT_EXPECT_TRUE(test, imp[i].locked_in_move);
		dma_buf_detach(me->dmabuf, imp[i].attach);
	}
	mock_put_sync(me);
}

#define MANY 32

static void many_importers_come_and_go(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct mock_importer *imp = kunit_kcalloc(test, MANY, sizeof(*imp), GFP_KERNEL);
	struct sg_table *sgt[MANY];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, imp);
	for (i = 0; i < MANY; i++) {
		mock_attach(test, me, &imp[i], i & 1, false);
		sgt[i] = map_locked(imp[i].attach, DMA_BIDIRECTIONAL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt[i]);
	}
	KUNIT_EXPECT_EQ(test, attachments(me->dmabuf), MANY);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_ATTACH], MANY);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_MAP], MANY);

	/* detach in another order than attach */
	for (i = MANY - 1; i >= 0; i -= 2) {
		unmap_locked(imp[i].attach, sgt[i], DMA_BIDIRECTIONAL);
		dma_buf_detach(me->dmabuf, imp[i].attach);
	}
	for (i = 0; i < MANY; i += 2) {
		unmap_locked(imp[i].attach, sgt[i], DMA_BIDIRECTIONAL);
		dma_buf_detach(me->dmabuf, imp[i].attach);
	}
	KUNIT_EXPECT_EQ(test, attachments(me->dmabuf), 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_DETACH], MANY);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], MANY);
	mock_put_sync(me);
}

static void debug_hides_pages_from_importers(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct scatterlist *mine, *theirs;
	struct mock_importer imp = { };
	struct sg_table *sgt;
	int i;

	if (!IS_ENABLED(CONFIG_DMABUF_DEBUG))
		kunit_skip(test, "needs CONFIG_DMABUF_DEBUG");

	mock_attach(test, me, &imp, false, false);
	sgt = map_locked(imp.attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_PTR_NE(test, sgt, me->last_map);
	KUNIT_ASSERT_EQ(test, sgt->nents, me->last_map->nents);

	theirs = sgt->sgl;
	for_each_sgtable_dma_sg(me->last_map, mine, i) {
		KUNIT_EXPECT_EQ(test, sg_dma_address(theirs), sg_dma_address(mine));
		KUNIT_EXPECT_EQ(test, sg_dma_len(theirs), sg_dma_len(mine));
		KUNIT_EXPECT_PTR_NE(test, sg_page(theirs), sg_page(mine));
		theirs = sg_next(theirs);
	}

	unmap_locked(imp.attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_PTR_EQ(test, me->last_unmap, me->last_map);
	dma_buf_detach(me->dmabuf, imp.attach);
	mock_put_sync(me);
}

struct unaligned_case {
	const char *desc;
	dma_addr_t addr[3];
	unsigned int len[3];
	int first_bad;		/* index of the segment reported, -1 for none */
};

#define P PAGE_SIZE
static const struct unaligned_case unaligned_cases[] = {
	{ "all aligned", { 0, 2 * P, 8 * P }, { P, 4 * P, P }, -1 },
	{ "address", { 0, P + 64, 8 * P }, { P, P, P }, 1 },
	{ "length", { 0, P, 8 * P }, { P, P, 100 }, 2 },
	{ "both, first wins", { 12, P, 8 * P }, { P, 12, P }, 0 },
};

#undef P

KUNIT_ARRAY_PARAM_DESC(unaligned, unaligned_cases, desc);

/* What DMA_API_DEBUG builds warn about when an exporter maps a buffer. */
static void unaligned_segment_is_found(struct kunit *test)
{
	const struct unaligned_case *c = test->param_value;
	struct scatterlist *sg, *bad = NULL;
	struct sg_table sgt;
	int i;

	KUNIT_ASSERT_EQ(test, sg_alloc_table(&sgt, 3, GFP_KERNEL), 0);
	for_each_sgtable_dma_sg(&sgt, sg, i) {
		sg_dma_address(sg) = c->addr[i];
		sg_dma_len(sg) = c->len[i];
		if (i == c->first_bad)
			bad = sg;
	}
	KUNIT_EXPECT_PTR_EQ(test, dma_buf_first_unaligned(&sgt), bad);
	sg_free_table(&sgt);
}

static struct kunit_case attach_cases[] = {
	KUNIT_CASE(dynamic_attach_needs_move_notify),
	KUNIT_CASE(attach_needs_a_buffer_and_a_device),
	KUNIT_CASE(attach_records_the_importer),
	KUNIT_CASE(attach_refused_by_exporter),
	KUNIT_CASE(attach_without_exporter_hooks),
	KUNIT_CASE(detach_ignores_bad_arguments),
	KUNIT_CASE(map_and_unmap_under_the_lock),
	KUNIT_CASE_PARAM(map_failure_is_undone, map_error_gen_params),
	KUNIT_CASE(map_fails_when_pin_fails),
	KUNIT_CASE(static_importer_is_pinned_while_mapped),
	KUNIT_CASE(dynamic_importer_pinned_only_without_move_notify),
	KUNIT_CASE(static_pin_warns_and_asks_the_exporter),
	KUNIT_CASE(detach_while_mapped),
	KUNIT_CASE(unmap_more_than_mapped),
	KUNIT_CASE(unmap_of_a_foreign_table),
	KUNIT_CASE(unmap_with_another_direction),
	KUNIT_CASE(static_map_waits_for_kernel_fences),
	KUNIT_CASE(static_map_waits_for_fence_added_by_map),
	KUNIT_CASE(interrupted_map_wait_is_undone),
	KUNIT_CASE(dynamic_map_does_not_wait),
	KUNIT_CASE(cached_mapping_is_reused_until_detach),
	KUNIT_CASE(cached_bidirectional_mapping_serves_all),
	KUNIT_CASE(move_notify_reaches_dynamic_importers_only),
	KUNIT_CASE(many_importers_come_and_go),
	KUNIT_CASE(debug_hides_pages_from_importers),
	KUNIT_CASE_PARAM(unaligned_segment_is_found, unaligned_gen_params),
	{}
};

static struct kunit_suite attach_suite = {
	.name = "dma-buf-attach",
	.test_cases = attach_cases,
};

kunit_test_suite(attach_suite);
