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
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "../dma-buf-internal.h"
#include "mock-exporter.h"

/*
 * The buffer points at a link rather than at the record, and its ops live
 * in the link too: the link is the exporter's side of the buffer, freed by
 * release. The record belongs to the test. When a buffer outlives its test
 * (a failed assertion, or a mapping torn down with the test's mm), the
 * test's cleanup cuts the link and the late callbacks touch nothing the
 * test owned. Whichever of release and cleanup comes first unhooks the
 * other side, under mock_link_lock, as release may run from a workqueue.
 */
struct mock_link {
	struct mock_exporter *me;
	struct dma_buf_ops ops;
};

static DEFINE_SPINLOCK(mock_link_lock);

static struct mock_exporter *mock_of(struct dma_buf *dmabuf)
{
	struct mock_link *link = dmabuf->priv;

	return link->me;
}

/*
 * Attach, detach and the CPU hooks run without the reservation lock, so
 * callbacks of one buffer may run at once: they record under me->lock.
 */
static void mock_record(struct mock_exporter *me, struct dma_buf *dmabuf,
			enum mock_cb cb)
{
	lockdep_assert_held(&me->lock);
	me->calls[cb]++;
	me->locked[cb] = ww_mutex_is_locked(&dmabuf->resv->lock);
}

static void mock_release(struct dma_buf *dmabuf)
{
	struct mock_link *link = dmabuf->priv;

	spin_lock(&mock_link_lock);
	if (link->me) {
		scoped_guard(spinlock, &link->me->lock)
			mock_record(link->me, dmabuf, MOCK_RELEASE);
		link->me->link = NULL;
	}
	spin_unlock(&mock_link_lock);
	kfree(link);
}

static int mock_attach_cb(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (!me)
		return -ENODEV;
	scoped_guard(spinlock, &me->lock) {
		mock_record(me, dmabuf, MOCK_ATTACH);
		me->last_attach = attach;
	}
	return me->attach_err;
}

static void mock_detach_cb(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (me) {
		scoped_guard(spinlock, &me->lock) {
			mock_record(me, dmabuf, MOCK_DETACH);
			me->last_attach = attach;
		}
	}
}

static int mock_pin(struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = mock_of(attach->dmabuf);

	if (!me)
		return -ENODEV;
	scoped_guard(spinlock, &me->lock) {
		mock_record(me, attach->dmabuf, MOCK_PIN);
		if (me->pin_err)
			me->calls[MOCK_PIN]--;	/* a failed pin holds nothing */
	}
	return me->pin_err;
}

static void mock_unpin(struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = mock_of(attach->dmabuf);

	if (!me)
		return;
	scoped_guard(spinlock, &me->lock)
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
	scoped_guard(spinlock, &me->lock) {
		mock_record(me, attach->dmabuf, MOCK_MAP);
		me->last_dir = dir;
	}
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
	scoped_guard(spinlock, &me->lock) {
		me->last_map = sgt;
		me->tables++;
	}
	return sgt;
}

static void mock_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct mock_exporter *me = mock_of(attach->dmabuf);

	if (me) {
		scoped_guard(spinlock, &me->lock) {
			mock_record(me, attach->dmabuf, MOCK_UNMAP);
			me->tables--;
			me->last_unmap = sgt;
			me->last_dir = dir;
		}
	}
	sg_free_table(sgt);
	kfree(sgt);
}

static int mock_begin_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (!me)
		return -ENODEV;
	scoped_guard(spinlock, &me->lock) {
		mock_record(me, dmabuf, MOCK_BEGIN_CPU);
		me->last_dir = dir;
	}
	if (me->begin_adds_kernel_fence)
		mock_resv_add(dmabuf->resv, me->begin_adds_kernel_fence,
			      DMA_RESV_USAGE_KERNEL);
	return me->begin_err;
}

static int mock_end_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (!me)
		return -ENODEV;
	scoped_guard(spinlock, &me->lock) {
		mock_record(me, dmabuf, MOCK_END_CPU);
		me->last_dir = dir;
	}
	return me->end_err;
}

static int mock_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (!me)
		return -ENODEV;
	scoped_guard(spinlock, &me->lock)
		mock_record(me, dmabuf, MOCK_MMAP);
	/*
	 * As real exporters do: a plain vma next to another of the same
	 * file could be extended by the VFS without asking us.
	 */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return me->mmap_err;
}

static int mock_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct mock_exporter *me = mock_of(dmabuf);
	void *vaddr;

	if (!me)
		return -ENODEV;
	scoped_guard(spinlock, &me->lock) {
		mock_record(me, dmabuf, MOCK_VMAP);
		/* a mapping shared when it should not be shows as a stale address */
		vaddr = me->vaddr;
		if (me->vmap_moves)
			vaddr += ((me->calls[MOCK_VMAP] - 1) % MOCK_PAGES) * PAGE_SIZE;
	}
	if (me->vmap_err)
		return me->vmap_err;
	/* never dereferenced: only the core's bookkeeping is under test */
	if (me->vmap_iomem)
		iosys_map_set_vaddr_iomem(map, (void __iomem *)vaddr);
	else
		iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void mock_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct mock_exporter *me = mock_of(dmabuf);

	if (!me)
		return;
	scoped_guard(spinlock, &me->lock)
		mock_record(me, dmabuf, MOCK_VUNMAP);
}

static void mock_cut_link(void *data)
{
	struct mock_exporter *me = data;
	struct mock_link *unexported = NULL;

	/* if the buffer outlived its test, its late callbacks see no record */
	spin_lock(&mock_link_lock);
	if (me->link && !me->dmabuf)
		unexported = me->link;
	else if (me->link)
		me->link->me = NULL;
	me->link = NULL;
	spin_unlock(&mock_link_lock);
	kfree(unexported);
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

/* The exporter's side of a new buffer, with the callbacks @flags ask for. */
static struct mock_link *mock_link_new(unsigned long flags)
{
	struct mock_link *link = kzalloc(sizeof(*link), GFP_KERNEL);
	struct dma_buf_ops *ops;

	if (!link)
		return NULL;
	ops = &link->ops;
	ops->release = mock_release;
	ops->map_dma_buf = mock_map;
	ops->unmap_dma_buf = mock_unmap;
	if (!(flags & MOCK_NO_ATTACH)) {
		ops->attach = mock_attach_cb;
		ops->detach = mock_detach_cb;
	}
	if (!(flags & MOCK_NO_CPU_HOOKS)) {
		ops->begin_cpu_access = mock_begin_cpu;
		ops->end_cpu_access = mock_end_cpu;
	}
	if (!(flags & MOCK_NO_MMAP))
		ops->mmap = mock_mmap;
	if (!(flags & MOCK_NO_VMAP)) {
		ops->vmap = mock_vmap;
		ops->vunmap = mock_vunmap;
	}
	if (flags & MOCK_DYNAMIC) {
		ops->pin = mock_pin;
		ops->unpin = mock_unpin;
	}
	ops->cache_sgt_mapping = flags & MOCK_CACHE_SGT;
	return link;
}

/**
 * mock_orphan_priv - exporter data for a buffer exported by hand
 * @ops: set to the mock's callbacks, which record nothing for this buffer.
 *
 * For tests that fill in &struct dma_buf_export_info themselves. The
 * buffer's release frees the data; a failed export leaves it to the caller.
 *
 * Return: the data for &dma_buf_export_info.priv, or NULL.
 */
void *mock_orphan_priv(const struct dma_buf_ops **ops)
{
	struct mock_link *link = mock_link_new(0);

	*ops = link ? &link->ops : NULL;
	return link;
}

/**
 * mock_prepare - the record of a mock buffer, not exported yet
 * @test: the running test.
 * @flags: &enum mock_flags.
 *
 * Export it with mock_export_now(). Tests that sweep allocation failures
 * use the two steps to fail only the allocations of the export itself.
 *
 * Return: the record.
 */
struct mock_exporter *mock_prepare(struct kunit *test, unsigned long flags)
{
	struct mock_exporter *me;
	int i;

	me = kunit_kzalloc(test, sizeof(*me), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, me);
	me->test = test;
	me->size = MOCK_SIZE;
	spin_lock_init(&me->lock);
	me->vmap_iomem = flags & MOCK_VMAP_IOMEM;
	me->vmap_moves = flags & MOCK_VMAP_MOVES;
	me->vaddr = kunit_kzalloc(test, MOCK_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, me->vaddr);

	for (i = 0; i < MOCK_PAGES; i++) {
		me->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, me->pages[i]);
	}
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mock_free_pages, me));

	if (flags & MOCK_BORROWED_RESV) {
		dma_resv_init(&me->resv);
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test, mock_fini_resv, &me->resv));
	}
	me->borrowed_resv = flags & MOCK_BORROWED_RESV;

	me->link = mock_link_new(flags);
	KUNIT_ASSERT_NOT_NULL(test, me->link);
	me->link->me = me;
	me->ops = &me->link->ops;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mock_cut_link, me));
	return me;
}

/**
 * mock_export_now - export a prepared mock buffer
 * @me: the record from mock_prepare(); &mock_exporter.size may be changed
 *	before, to describe a buffer larger than its backing.
 * @file_flags: &dma_buf_export_info.flags.
 *
 * Return: 0 with &mock_exporter.dmabuf holding one reference, or the error
 * of dma_buf_export(); the record can then be exported again.
 */
int mock_export_now(struct mock_exporter *me, int file_flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;

	info.ops = me->ops;
	info.size = me->size;
	info.flags = file_flags;
	info.priv = me->link;
	info.exp_name = "mock";
	info.owner = me->owner;
	if (me->borrowed_resv)
		info.resv = &me->resv;

	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	me->dmabuf = dmabuf;
	return 0;
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
	struct mock_exporter *me = mock_prepare(test, flags);

	KUNIT_ASSERT_EQ(test, mock_export_now(me, O_RDWR), 0);
	return me;
}

/*
 * A module the buffers can pin: built-in tests have no THIS_MODULE, so a
 * live stand-in with a reference count shows what the core does to its
 * owner. Without CONFIG_MODULE_UNLOAD there is no count to look at.
 */
#ifdef CONFIG_MODULE_UNLOAD
static struct module mock_owner_module = { .name = "dma-buf-mock-owner" };

/**
 * mock_owner - the stand-in owner module, live
 *
 * Its count starts at no reference and is never reset, so that a
 * reference the core forgot shows in every later test.
 *
 * Return: the module, or NULL without CONFIG_MODULE_UNLOAD.
 */
struct module *mock_owner(void)
{
	mock_owner_module.state = MODULE_STATE_LIVE;
	/* a module's own count is 1 while it is loaded */
	atomic_cmpxchg(&mock_owner_module.refcnt, 0, 1);
	return &mock_owner_module;
}

/**
 * mock_owner_refs - references the core holds on mock_owner()
 *
 * Return: the count.
 */
int mock_owner_refs(void)
{
	return atomic_read(&mock_owner_module.refcnt) - 1;
}

/**
 * mock_owner_going - let mock_owner() look like it is unloading
 * @going: true while it should.
 */
void mock_owner_going(bool going)
{
	mock_owner_module.state = going ? MODULE_STATE_GOING : MODULE_STATE_LIVE;
}
#else
struct module *mock_owner(void)
{
	return NULL;
}

int mock_owner_refs(void)
{
	return 0;
}

void mock_owner_going(bool going)
{
}
#endif

/**
 * mock_calls - how often a callback of a mock buffer ran so far
 * @me: the buffer's record.
 * @cb: the callback.
 *
 * For tests that look while callbacks may still be running in other
 * threads.
 *
 * Return: the count.
 */
int mock_calls(struct mock_exporter *me, enum mock_cb cb)
{
	int calls;

	spin_lock(&me->lock);
	calls = me->calls[cb];
	spin_unlock(&me->lock);
	return calls;
}

/**
 * mock_misuse_count - API misuses the core has noticed so far
 *
 * Tests that misuse the API on purpose check that this grew, which shows
 * the core's warning fired.
 *
 * Return: the count.
 */
int mock_misuse_count(void)
{
	return atomic_read(&dma_buf_misuse_count);
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
 * mock_attach_dev - attach a mock importer's device, which may fail
 * @me: the buffer.
 * @dev: the device.
 * @imp: the importer's record; &mock_importer.attach is set.
 * @dynamic: attach with move_notify.
 * @p2p: ask for peer-to-peer.
 *
 * Return: the attachment or the ERR_PTR of the attach call.
 */
struct dma_buf_attachment *mock_attach_dev(struct mock_exporter *me, struct device *dev,
					   struct mock_importer *imp, bool dynamic, bool p2p)
{
	imp->ops.move_notify = mock_move_notify;
	imp->ops.allow_peer2peer = p2p;
	imp->attach = dynamic ?
		dma_buf_dynamic_attach(me->dmabuf, dev, &imp->ops, imp) :
		dma_buf_attach(me->dmabuf, dev);
	return imp->attach;
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
	mock_attach_dev(me, dev, imp, dynamic, p2p);
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

/* Nobody asked before: the fence turns out done when someone arms a callback. */
static bool mock_fence_done_when_armed(struct dma_fence *fence)
{
	return false;
}

static const struct dma_fence_ops mock_fence_done_when_armed_ops = {
	.get_driver_name = mock_fence_name,
	.get_timeline_name = mock_fence_name,
	.enable_signaling = mock_fence_done_when_armed,
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
 * mock_fence_signalling_when_armed - a fence that signals once a callback is armed
 * @test: the running test.
 *
 * dma_fence_is_signaled() says no until then, as for a fence whose work
 * completes between a check and the arming of a callback.
 *
 * Return: the fence; the test's reference is dropped at the end of the test.
 */
struct dma_fence *mock_fence_signalling_when_armed(struct kunit *test)
{
	return mock_fence_new(test, &mock_fence_done_when_armed_ops);
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
 * mock_bufinfo - the text of debugfs bufinfo now
 * @test: the running test.
 *
 * Return: the text, freed when the test ends.
 */
char *mock_bufinfo(struct kunit *test)
{
	struct seq_file *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = 1 << 20;
	m->buf = kunit_kzalloc(test, m->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	KUNIT_ASSERT_EQ(test, dma_buf_bufinfo_show(m, NULL), 0);
	KUNIT_ASSERT_LT(test, m->count, m->size);
	m->buf[m->count] = '\0';
	return m->buf;
}

/**
 * mock_bufinfo_totals - the totals line of bufinfo
 * @test: the running test.
 * @objects: set to the number of buffers.
 * @bytes: set to their size in bytes.
 */
void mock_bufinfo_totals(struct kunit *test, int *objects, size_t *bytes)
{
	char *text = mock_bufinfo(test);
	char *total = strstr(text, "\nTotal "), *next;
	int scanned;

	/* the last "Total" line: the others count devices */
	while (total && (next = strstr(total + 1, "\nTotal ")))
		total = next;
	KUNIT_ASSERT_NOT_NULL(test, total);
	scanned = sscanf(total, "\nTotal %d objects, %zu bytes", objects, bytes);
	KUNIT_ASSERT_EQ(test, scanned, 2);
}

/**
 * mock_user_page - user memory for ioctl arguments
 * @test: the running test, whose mm KUnit sets up.
 *
 * Return: a readable and writable page.
 */
void __user *mock_user_page(struct kunit *test)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
					   MAP_ANONYMOUS | MAP_PRIVATE, 0);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "kunit_vm_mmap: %ld", (long)addr);
	return (void __user *)addr;
}

/**
 * mock_ioctl - an ioctl on a buffer's file, as userspace makes it
 * @dmabuf: the buffer.
 * @cmd: the ioctl.
 * @arg: its argument, in user memory.
 *
 * Return: what the ioctl returns.
 */
long mock_ioctl(struct dma_buf *dmabuf, unsigned int cmd, void __user *arg)
{
	return dmabuf->file->f_op->unlocked_ioctl(dmabuf->file, cmd, (unsigned long)arg);
}

/**
 * mock_resv_fences - the fences in a reservation object, of any usage
 * @resv: the reservation object.
 *
 * Return: how many there are.
 */
int mock_resv_fences(struct dma_resv *resv)
{
	struct dma_resv_iter cursor;
	struct dma_fence *f;
	int n = 0;

	dma_resv_lock(resv, NULL);
	dma_resv_for_each_fence(&cursor, resv, DMA_RESV_USAGE_BOOKKEEP, f)
		n++;
	dma_resv_unlock(resv);
	return n;
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
