// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mock exporter, mock importers and mock fences shared by the KUnit
 * suites of the dma-buf core.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "mock-exporter.h"

/*
 * The buffer points at a link rather than at the record: when a test ends
 * with its buffer still alive (a failed assertion), the link is cut and the
 * late callbacks touch nothing the test owned.
 */
struct mock_link {
	struct mock_exporter *me;
};

static struct mock_exporter *mock_of(struct dma_buf *dmabuf)
{
	struct mock_link *link = dmabuf->priv;

	return link->me;
}

static void mock_record(struct mock_exporter *me, struct dma_buf *dmabuf,
			enum mock_cb cb)
{
	me->calls[cb]++;
	me->locked[cb] = ww_mutex_is_locked(&dmabuf->resv->lock);
}

static void mock_release(struct dma_buf *dmabuf)
{
	struct mock_link *link = dmabuf->priv;

	if (link->me)
		mock_record(link->me, dmabuf, MOCK_RELEASE);
	kfree(link);
}

static int mock_attach_cb(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (!me)
		return -ENODEV;
	mock_record(me, dmabuf, MOCK_ATTACH);
	me->last_attach = attach;
	return me->attach_err;
}

static void mock_detach_cb(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (me) {
		mock_record(me, dmabuf, MOCK_DETACH);
		me->last_attach = attach;
	}
}

static int mock_pin(struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = mock_of(attach->dmabuf);

	if (!me)
		return -ENODEV;
	mock_record(me, attach->dmabuf, MOCK_PIN);
	if (me->pin_err)
		me->calls[MOCK_PIN]--;	/* a failed pin holds nothing */
	return me->pin_err;
}

static void mock_unpin(struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = mock_of(attach->dmabuf);

	if (me)
		mock_record(me, attach->dmabuf, MOCK_UNPIN);
}

static struct sg_table *mock_map(struct dma_buf_attachment *attach,
				 enum dma_data_direction dir)
{
	struct mock_exporter *me = mock_of(attach->dmabuf);
	struct scatterlist *sg;
	struct sg_table *sgt;
	int i;

	if (!me)
		return ERR_PTR(-ENODEV);
	mock_record(me, attach->dmabuf, MOCK_MAP);
	me->last_dir = dir;
	if (me->map_null)
		return NULL;
	if (me->map_err)
		return ERR_PTR(me->map_err);

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt || sg_alloc_table(sgt, MOCK_PAGES, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	/* no DMA API on UML: made-up, page-aligned bus addresses */
	for_each_sgtable_sg(sgt, sg, i) {
		sg_set_page(sg, me->pages[i], PAGE_SIZE, 0);
		sg_dma_address(sg) = MOCK_DMA_BASE + i * PAGE_SIZE;
		sg_dma_len(sg) = PAGE_SIZE;
	}
	sgt->nents = sgt->orig_nents;

	if (me->map_adds_kernel_fence)
		mock_resv_add(attach->dmabuf->resv, me->map_adds_kernel_fence,
			      DMA_RESV_USAGE_KERNEL);
	me->last_map = sgt;
	return sgt;
}

static void mock_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct mock_exporter *me = mock_of(attach->dmabuf);

	if (me) {
		mock_record(me, attach->dmabuf, MOCK_UNMAP);
		me->last_unmap = sgt;
		me->last_dir = dir;
	}
	sg_free_table(sgt);
	kfree(sgt);
}

static int mock_begin_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (!me)
		return -ENODEV;
	mock_record(me, dmabuf, MOCK_BEGIN_CPU);
	me->last_dir = dir;
	return me->begin_err;
}

static int mock_end_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (!me)
		return -ENODEV;
	mock_record(me, dmabuf, MOCK_END_CPU);
	me->last_dir = dir;
	return me->end_err;
}

static int mock_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (!me)
		return -ENODEV;
	mock_record(me, dmabuf, MOCK_MMAP);
	return me->mmap_err;
}

static int mock_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (!me)
		return -ENODEV;
	mock_record(me, dmabuf, MOCK_VMAP);
	if (me->vmap_err)
		return me->vmap_err;
	/* never dereferenced: only the core's bookkeeping is under test */
	if (me->vmap_iomem)
		iosys_map_set_vaddr_iomem(map, (void __iomem *)me->vaddr);
	else
		iosys_map_set_vaddr(map, me->vaddr);
	return 0;
}

static void mock_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (me)
		mock_record(me, dmabuf, MOCK_VUNMAP);
}

static void mock_cut_link(void *data)
{
	struct mock_link *link = data;

	/* the buffer outlived its test: make its late callbacks harmless */
	link->me = NULL;
}

static void mock_free_pages(void *data)
{
	struct mock_exporter *me = data;
	int i;

	for (i = 0; i < MOCK_PAGES; i++)
		if (me->pages[i])
			__free_page(me->pages[i]);
}

static void mock_fini_resv(void *data)
{
	dma_resv_fini(data);
}

/**
 * mock_export - export a mock buffer of MOCK_SIZE bytes
 * @test: the running test.
 * @flags: &enum mock_flags.
 *
 * Return: the record of the new buffer, which holds one reference.
 */
struct mock_exporter *mock_export(struct kunit *test, unsigned long flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct mock_exporter *me;
	struct mock_link *link;
	int i;

	me = kunit_kzalloc(test, sizeof(*me), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, me);
	me->test = test;
	me->vmap_iomem = flags & MOCK_VMAP_IOMEM;
	me->vaddr = kunit_kzalloc(test, MOCK_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, me->vaddr);

	for (i = 0; i < MOCK_PAGES; i++) {
		me->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, me->pages[i]);
	}
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mock_free_pages, me));

	me->ops.release = mock_release;
	me->ops.map_dma_buf = mock_map;
	me->ops.unmap_dma_buf = mock_unmap;
	if (!(flags & MOCK_NO_ATTACH)) {
		me->ops.attach = mock_attach_cb;
		me->ops.detach = mock_detach_cb;
	}
	if (!(flags & MOCK_NO_CPU_HOOKS)) {
		me->ops.begin_cpu_access = mock_begin_cpu;
		me->ops.end_cpu_access = mock_end_cpu;
	}
	if (!(flags & MOCK_NO_MMAP))
		me->ops.mmap = mock_mmap;
	if (!(flags & MOCK_NO_VMAP)) {
		me->ops.vmap = mock_vmap;
		me->ops.vunmap = mock_vunmap;
	}
	if (flags & MOCK_DYNAMIC) {
		me->ops.pin = mock_pin;
		me->ops.unpin = mock_unpin;
	}
	me->ops.cache_sgt_mapping = flags & MOCK_CACHE_SGT;

	if (flags & MOCK_BORROWED_RESV) {
		dma_resv_init(&me->resv);
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test, mock_fini_resv, &me->resv));
		info.resv = &me->resv;
	}

	link = kzalloc(sizeof(*link), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, link);
	link->me = me;

	info.ops = &me->ops;
	info.size = MOCK_SIZE;
	info.flags = O_RDWR;
	info.priv = link;
	info.exp_name = "mock";
	me->dmabuf = dma_buf_export(&info);
	if (IS_ERR(me->dmabuf))
		kfree(link);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, me->dmabuf);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mock_cut_link, link));
	return me;
}

/**
 * mock_flush_release - finish the releases that dropped references queued
 *
 * KUnit runs in a kernel thread, whose last fput() is deferred to a
 * workqueue; this runs it now.
 */
void mock_flush_release(void)
{
	flush_delayed_fput();
}

/**
 * mock_put_sync - drop the test's reference and check the buffer is gone
 * @me: a mock buffer whose only reference the test holds.
 */
void mock_put_sync(struct mock_exporter *me)
{
	dma_buf_put(me->dmabuf);
	mock_flush_release();
	KUNIT_EXPECT_EQ(me->test, me->calls[MOCK_RELEASE], 1);
}

/**
 * mock_device - a device for an importer
 * @test: the running test.
 * @name: its name, as bufinfo shows it.
 *
 * Return: the device, unregistered when the test ends.
 */
struct device *mock_device(struct kunit *test, const char *name)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	return dev;
}

static void mock_move_notify(struct dma_buf_attachment *attach)
{
	struct mock_importer *imp = attach->importer_priv;

	imp->moves++;
	imp->locked_in_move = ww_mutex_is_locked(&attach->dmabuf->resv->lock);
}

/**
 * mock_attach - attach a mock importer to a mock buffer
 * @test: the running test.
 * @me: the buffer.
 * @imp: the importer's record.
 * @dynamic: attach with move_notify.
 * @p2p: ask for peer-to-peer.
 *
 * Return: the attachment.
 */
struct dma_buf_attachment *mock_attach(struct kunit *test, struct mock_exporter *me,
				       struct mock_importer *imp, bool dynamic, bool p2p)
{
	static atomic_t serial;
	struct device *dev;

	/* device names must be unique while they live */
	dev = mock_device(test, mock_kasprintf(test, "mock-%s-%d",
					       dynamic ? "dynamic" : "static",
					       atomic_inc_return(&serial)));

	imp->ops.move_notify = mock_move_notify;
	imp->ops.allow_peer2peer = p2p;
	imp->attach = dynamic ?
		dma_buf_dynamic_attach(me->dmabuf, dev, &imp->ops, imp) :
		dma_buf_attach(me->dmabuf, dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, imp->attach);
	return imp->attach;
}

static const char *mock_fence_name(struct dma_fence *fence)
{
	return "mock";
}

static const struct dma_fence_ops mock_fence_ops = {
	.get_driver_name = mock_fence_name,
	.get_timeline_name = mock_fence_name,
};

static signed long mock_fence_wait_interrupted(struct dma_fence *fence, bool intr,
					       signed long timeout)
{
	return -ERESTARTSYS;
}

static const struct dma_fence_ops mock_fence_interrupting_ops = {
	.get_driver_name = mock_fence_name,
	.get_timeline_name = mock_fence_name,
	.wait = mock_fence_wait_interrupted,
};

static DEFINE_SPINLOCK(mock_fence_lock);

static void mock_fence_cleanup(void *data)
{
	struct dma_fence *fence = data;

	/* a test must not leave anyone waiting for ever */
	dma_fence_signal(fence);
	dma_fence_put(fence);
}

static struct dma_fence *mock_fence_new(struct kunit *test,
					const struct dma_fence_ops *ops)
{
	struct dma_fence *fence = kzalloc(sizeof(*fence), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fence);
	dma_fence_init(fence, ops, &mock_fence_lock, dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mock_fence_cleanup, fence));
	return fence;
}

/**
 * mock_fence - an unsignalled fence, signalled and put when the test ends
 * @test: the running test.
 *
 * Return: the fence; the test's reference is dropped at the end of the test.
 */
struct dma_fence *mock_fence(struct kunit *test)
{
	return mock_fence_new(test, &mock_fence_ops);
}

/**
 * mock_fence_interrupting - a fence whose waits fail as if a signal came
 * @test: the running test.
 *
 * Return: the fence; the test's reference is dropped at the end of the test.
 */
struct dma_fence *mock_fence_interrupting(struct kunit *test)
{
	return mock_fence_new(test, &mock_fence_interrupting_ops);
}

/**
 * mock_resv_add - add a fence to a reservation object
 * @resv: the reservation object.
 * @fence: the fence.
 * @usage: how it is used.
 */
void mock_resv_add(struct dma_resv *resv, struct dma_fence *fence,
		   enum dma_resv_usage usage)
{
	bool locked = ww_mutex_is_locked(&resv->lock);

	/* map_dma_buf adds its fence with the lock already held */
	if (!locked)
		dma_resv_lock(resv, NULL);
	if (!dma_resv_reserve_fences(resv, 1))
		dma_resv_add_fence(resv, fence, usage);
	if (!locked)
		dma_resv_unlock(resv);
}

/**
 * mock_kasprintf - kasprintf() freed when the test ends
 * @test: the running test.
 * @fmt: format.
 *
 * Return: the string.
 */
char *mock_kasprintf(struct kunit *test, const char *fmt, ...)
{
	va_list args;
	char *s;

	va_start(args, fmt);
	s = kvasprintf(GFP_KERNEL, fmt, args);
	va_end(args);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, (kunit_action_t *)kfree, s));
	return s;
}

MODULE_IMPORT_NS(DMA_BUF);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit suites of the dma-buf core");
MODULE_LICENSE("GPL");
