// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the tracepoints of the core: the two events whose place
 * decides whether a probe can see a freed buffer (put and fd), and one
 * case per family of events checking what each records. Probes are
 * registered by the test and copy what they see into the test's record;
 * the test checks it afterwards, since a probe must not sleep or abort.
 * Built only with CONFIG_TRACEPOINTS (see the Makefile).
 */

#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/device.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <trace/events/dma_buf.h>
#include <uapi/linux/dma-buf.h>

#include "../dma-buf-internal.h"
#include "mock-exporter.h"

/* What one event showed, the last time it fired for the watched buffer. */
struct seen {
	struct dma_buf *target;		/* NULL: any buffer of this thread */
	struct task_struct *task;
	int hits;
	struct dma_buf *dmabuf;
	char exp_name[16];
	size_t size;
	unsigned long ino;
	long file_count;
	struct dma_buf_attachment *attach;
	char dev_name[64];
	bool dynamic;
	int dir, fd;
	bool fd_installed;
	unsigned long pgoff, pages;
	u32 flags;
	char name[DMA_BUF_NAME_LEN];
};

/*
 * Whether an event is for the buffer the test watches. Release runs from
 * the delayed-fput worker, so the buffer decides, not the thread; other
 * buffers are not touched at all, they may be on their way out.
 */
static bool seen_wants(struct seen *s, struct dma_buf *dmabuf)
{
	return s->target ? s->target == dmabuf : s->task == current;
}

static void seen_buffer(struct seen *s, struct dma_buf *dmabuf, bool file_alive)
{
	s->hits++;
	s->dmabuf = dmabuf;
	strscpy(s->exp_name, dmabuf->exp_name, sizeof(s->exp_name));
	s->size = dmabuf->size;
	if (file_alive) {
		s->ino = file_inode(dmabuf->file)->i_ino;
		s->file_count = file_count(dmabuf->file);
	}
}

static void seen_attach(struct seen *s, struct dma_buf_attachment *attach)
{
	s->attach = attach;
	strscpy(s->dev_name, dev_name(attach->dev), sizeof(s->dev_name));
	s->dynamic = dma_buf_attachment_is_dynamic(attach);
}

static void probe_buf(void *data, struct dma_buf *dmabuf)
{
	if (seen_wants(data, dmabuf))
		seen_buffer(data, dmabuf, true);
}

static void probe_release(void *data, struct dma_buf *dmabuf, unsigned long ino)
{
	struct seen *s = data;

	if (!seen_wants(s, dmabuf))
		return;
	seen_buffer(s, dmabuf, false);
	s->ino = ino;
}

static void probe_fd(void *data, struct dma_buf *dmabuf, int fd)
{
	struct seen *s = data;

	if (!seen_wants(s, dmabuf))
		return;
	seen_buffer(s, dmabuf, true);
	s->fd = fd;
	rcu_read_lock();
	s->fd_installed = fd >= 0 && files_lookup_fd_raw(current->files, fd);
	rcu_read_unlock();
}

static void probe_attach(void *data, struct dma_buf_attachment *attach)
{
	struct seen *s = data;

	if (!seen_wants(s, attach->dmabuf))
		return;
	seen_buffer(s, attach->dmabuf, true);
	seen_attach(s, attach);
}

static void probe_map(void *data, struct dma_buf_attachment *attach,
		      enum dma_data_direction dir)
{
	struct seen *s = data;

	if (!seen_wants(s, attach->dmabuf))
		return;
	seen_buffer(s, attach->dmabuf, true);
	seen_attach(s, attach);
	s->dir = dir;
}

static void probe_cpu(void *data, struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct seen *s = data;

	if (!seen_wants(s, dmabuf))
		return;
	seen_buffer(s, dmabuf, true);
	s->dir = dir;
}

static void probe_mmap(void *data, struct dma_buf *dmabuf, unsigned long pgoff,
		       unsigned long pages)
{
	struct seen *s = data;

	if (!seen_wants(s, dmabuf))
		return;
	seen_buffer(s, dmabuf, true);
	s->pgoff = pgoff;
	s->pages = pages;
}

static void probe_sync_file(void *data, struct dma_buf *dmabuf, u32 flags)
{
	struct seen *s = data;

	if (!seen_wants(s, dmabuf))
		return;
	seen_buffer(s, dmabuf, true);
	s->flags = flags;
}

static void probe_set_name(void *data, struct dma_buf *dmabuf, const char *name)
{
	struct seen *s = data;

	if (!seen_wants(s, dmabuf))
		return;
	seen_buffer(s, dmabuf, true);
	strscpy(s->name, name, sizeof(s->name));
}

struct watch {
	struct tracepoint *tp;
	void *probe;
	void *data;
};

static void unwatch(void *arg)
{
	struct watch *w = arg;

	tracepoint_probe_unregister(w->tp, w->probe, w->data);
}

/* Runs after every unwatch() of the test: no probe is left running. */
static void unwatch_sync(void *unused)
{
	tracepoint_synchronize_unregister();
}

static struct seen *watch_new(struct kunit *test, struct dma_buf *target)
{
	struct seen *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->target = target;
	s->task = current;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unwatch_sync, NULL), 0);
	return s;
}

static void watch_added(struct kunit *test, int ret, struct tracepoint *tp,
			void *probe, struct seen *s)
{
	struct watch *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->tp = tp;
	w->probe = probe;
	w->data = s;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unwatch, w), 0);
}

/*
 * watch(test, event, probe, target): a record of @event for @target (NULL:
 * any buffer this thread touches), through the typed register function.
 */
#define watch(test, event, probe, target) ({				\
	struct kunit *__t = (test);					\
	typeof(probe) *__p = (probe);					\
	struct seen *__s = watch_new(__t, target);			\
									\
	watch_added(__t, register_trace_##event(__p, __s),		\
		    &__tracepoint_##event, __p, __s);			\
	__s;								\
})

/* The fields every event has, for the mock buffer @me. */
static void expect_buffer(struct kunit *test, struct seen *s, struct mock_exporter *me,
			  unsigned long ino)
{
	KUNIT_EXPECT_PTR_EQ(test, s->dmabuf, me->dmabuf);
	KUNIT_EXPECT_STREQ(test, s->exp_name, "mock");
	KUNIT_EXPECT_EQ(test, s->size, (size_t)MOCK_SIZE);
	KUNIT_EXPECT_EQ(test, s->ino, ino);
}

/* @dev rather than @attach->dev: detach checks an attachment already freed */
static void expect_attach(struct kunit *test, struct seen *s,
			  struct dma_buf_attachment *attach, struct device *dev,
			  bool dynamic)
{
	KUNIT_EXPECT_PTR_EQ(test, s->attach, attach);
	KUNIT_EXPECT_STREQ(test, s->dev_name, dev_name(dev));
	KUNIT_EXPECT_EQ(test, s->dynamic, dynamic);
}

static unsigned long ino_of(struct mock_exporter *me)
{
	return file_inode(me->dmabuf->file)->i_ino;
}

/*
 * dma_buf_put is recorded while the reference it drops still counts: the
 * probe sees the file count before the drop (2, then 1 for the last
 * reference) and the exporter not yet released. Recorded after the drop,
 * the counts would read 1 and 0, and after a last put that released at
 * once the probe would read freed memory, which KASAN reports.
 */
static void put_is_traced_before_the_drop(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct seen *put = watch(test, dma_buf_put, probe_buf, me->dmabuf);
	unsigned long ino = ino_of(me);

	get_dma_buf(me->dmabuf);
	dma_buf_put(me->dmabuf);
	KUNIT_EXPECT_EQ(test, put->hits, 1);
	KUNIT_EXPECT_EQ(test, put->file_count, 2L);

	dma_buf_put(me->dmabuf);
	KUNIT_EXPECT_EQ(test, put->hits, 2);
	KUNIT_EXPECT_EQ(test, put->file_count, 1L);
	expect_buffer(test, put, me, ino);

	mock_flush_release();
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 1);
}

/*
 * dma_buf_fd is recorded before the fd is installed: once it is, another
 * thread may close it and free the buffer under the probe. The probe looks
 * the fd up in the table of the calling thread and must not find it.
 */
static void fd_is_traced_before_install(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct seen *fdev = watch(test, dma_buf_fd, probe_fd, me->dmabuf);
	unsigned long ino = ino_of(me);
	struct file *file;
	int fd;

	fd = dma_buf_fd(me->dmabuf, O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fd, 0);
	KUNIT_EXPECT_EQ(test, fdev->hits, 1);
	KUNIT_EXPECT_EQ(test, fdev->fd, fd);
	KUNIT_EXPECT_FALSE_MSG(test, fdev->fd_installed,
			       "the event fired after fd_install()");
	KUNIT_EXPECT_EQ(test, fdev->file_count, 1L);
	expect_buffer(test, fdev, me, ino);

	/* and now it is there */
	file = fget(fd);
	KUNIT_EXPECT_PTR_EQ(test, file, me->dmabuf->file);
	if (file)
		fput(file);

	KUNIT_EXPECT_EQ(test, close_fd(fd), 0);
	mock_flush_release();
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 1);
}

/*
 * A walk over the buffers takes and drops references of its own, without
 * events: a trace of dma_buf_put shows what drivers do, not who walked.
 */
static void iteration_is_not_traced(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct seen *put = watch(test, dma_buf_put, probe_buf, me->dmabuf);
	struct dma_buf *dmabuf;
	int found = 0;

	for (dmabuf = dma_buf_iter_begin(); dmabuf; dmabuf = dma_buf_iter_next(dmabuf))
		found += dmabuf == me->dmabuf;
	KUNIT_EXPECT_EQ(test, found, 1);
	KUNIT_EXPECT_EQ(test, put->hits, 0);

	/* while a driver's put still is */
	get_dma_buf(me->dmabuf);
	dma_buf_put(me->dmabuf);
	KUNIT_EXPECT_EQ(test, put->hits, 1);
}

/* Export, fd, get, put and release, each once, with the same buffer fields. */
static void lifecycle_events(struct kunit *test)
{
	struct seen *exp = watch(test, dma_buf_export, probe_buf, NULL);
	struct seen *get = watch(test, dma_buf_get, probe_fd, NULL);
	struct mock_exporter *me = mock_export(test, 0);
	struct seen *rel = watch(test, dma_buf_release, probe_release, me->dmabuf);
	unsigned long ino = ino_of(me);
	struct dma_buf *got;
	int fd;

	KUNIT_EXPECT_EQ(test, exp->hits, 1);
	KUNIT_EXPECT_EQ(test, exp->file_count, 1L);
	expect_buffer(test, exp, me, ino);

	fd = dma_buf_fd(me->dmabuf, O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fd, 0);
	got = dma_buf_get(fd);
	KUNIT_ASSERT_PTR_EQ(test, got, me->dmabuf);
	KUNIT_EXPECT_EQ(test, get->hits, 1);
	KUNIT_EXPECT_EQ(test, get->fd, fd);
	KUNIT_EXPECT_TRUE(test, get->fd_installed);
	KUNIT_EXPECT_EQ(test, get->file_count, 2L);
	expect_buffer(test, get, me, ino);
	dma_buf_put(got);

	/* a failed get is not an event */
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_get(-1)), -EBADF);
	KUNIT_EXPECT_EQ(test, get->hits, 1);

	KUNIT_EXPECT_EQ(test, close_fd(fd), 0);
	mock_flush_release();
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 1);
	KUNIT_EXPECT_EQ(test, rel->hits, 1);
	expect_buffer(test, rel, me, ino);
}

/* attach, dynamic_attach, map, unmap, pin, unpin, move_notify, detach */
static void attachment_events(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, MOCK_DYNAMIC);
	struct dma_buf *dmabuf = me->dmabuf;
	struct seen *att = watch(test, dma_buf_attach, probe_attach, dmabuf);
	struct seen *dyn = watch(test, dma_buf_dynamic_attach, probe_attach, dmabuf);
	struct seen *det = watch(test, dma_buf_detach, probe_attach, dmabuf);
	struct seen *map = watch(test, dma_buf_map_attachment, probe_map, dmabuf);
	struct seen *unmap = watch(test, dma_buf_unmap_attachment, probe_map, dmabuf);
	struct seen *pin = watch(test, dma_buf_pin, probe_attach, dmabuf);
	struct seen *unpin = watch(test, dma_buf_unpin, probe_attach, dmabuf);
	struct seen *move = watch(test, dma_buf_move_notify, probe_buf, dmabuf);
	struct mock_importer simp = {}, dimp = {};
	struct dma_buf_attachment *s, *d;
	unsigned long ino = ino_of(me);
	struct device *sdev, *ddev;
	struct sg_table *sgt;

	s = mock_attach(test, me, &simp, false, false);
	sdev = s->dev;
	KUNIT_EXPECT_EQ(test, att->hits, 1);
	KUNIT_EXPECT_EQ(test, dyn->hits, 0);
	expect_buffer(test, att, me, ino);
	expect_attach(test, att, s, sdev, false);

	d = mock_attach(test, me, &dimp, true, false);
	ddev = d->dev;
	KUNIT_EXPECT_EQ(test, att->hits, 1);
	KUNIT_EXPECT_EQ(test, dyn->hits, 1);
	expect_buffer(test, dyn, me, ino);
	expect_attach(test, dyn, d, ddev, true);

	sgt = dma_buf_map_attachment_unlocked(s, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));
	KUNIT_EXPECT_EQ(test, map->hits, 1);
	KUNIT_EXPECT_EQ(test, map->dir, DMA_TO_DEVICE);
	expect_buffer(test, map, me, ino);
	expect_attach(test, map, s, sdev, false);
	dma_buf_unmap_attachment_unlocked(s, sgt, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, unmap->hits, 1);
	KUNIT_EXPECT_EQ(test, unmap->dir, DMA_TO_DEVICE);
	expect_buffer(test, unmap, me, ino);
	expect_attach(test, unmap, s, sdev, false);

	dma_resv_lock(dmabuf->resv, NULL);
	KUNIT_EXPECT_EQ(test, dma_buf_pin(d), 0);
	dma_buf_move_notify(dmabuf);
	dma_buf_unpin(d);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_EXPECT_EQ(test, pin->hits, 1);
	expect_buffer(test, pin, me, ino);
	expect_attach(test, pin, d, ddev, true);
	KUNIT_EXPECT_EQ(test, unpin->hits, 1);
	expect_buffer(test, unpin, me, ino);
	expect_attach(test, unpin, d, ddev, true);
	KUNIT_EXPECT_EQ(test, move->hits, 1);
	expect_buffer(test, move, me, ino);
	KUNIT_EXPECT_EQ(test, dimp.moves, 1);

	dma_buf_detach(dmabuf, d);
	KUNIT_EXPECT_EQ(test, det->hits, 1);
	expect_buffer(test, det, me, ino);
	expect_attach(test, det, d, ddev, true);
	dma_buf_detach(dmabuf, s);
	KUNIT_EXPECT_EQ(test, det->hits, 2);
	expect_attach(test, det, s, sdev, false);

	mock_put_sync(me);
}

/* An importer's file whose mmap forwards to dma_buf_mmap(). */
static int forward_mmap(struct file *file, struct vm_area_struct *vma)
{
	return dma_buf_mmap(file->private_data, vma, 1);
}

static const struct file_operations forward_fops = {
	.mmap = forward_mmap,
};

/* begin/end CPU access, vmap, vunmap and both kinds of mmap */
static void cpu_access_events(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_buf *dmabuf = me->dmabuf;
	struct seen *begin = watch(test, dma_buf_begin_cpu_access, probe_cpu, dmabuf);
	struct seen *end = watch(test, dma_buf_end_cpu_access, probe_cpu, dmabuf);
	struct seen *vmap = watch(test, dma_buf_vmap, probe_buf, dmabuf);
	struct seen *vunmap = watch(test, dma_buf_vunmap, probe_buf, dmabuf);
	struct seen *user = watch(test, dma_buf_mmap_internal, probe_mmap, dmabuf);
	struct seen *fwd = watch(test, dma_buf_mmap, probe_mmap, dmabuf);
	unsigned long ino = ino_of(me), addr;
	struct iosys_map map;
	struct file *file;

	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, begin->hits, 1);
	KUNIT_EXPECT_EQ(test, begin->dir, DMA_FROM_DEVICE);
	expect_buffer(test, begin, me, ino);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL), 0);
	KUNIT_EXPECT_EQ(test, end->hits, 1);
	KUNIT_EXPECT_EQ(test, end->dir, DMA_BIDIRECTIONAL);
	expect_buffer(test, end, me, ino);

	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(dmabuf, &map), 0);
	KUNIT_EXPECT_EQ(test, vmap->hits, 1);
	expect_buffer(test, vmap, me, ino);
	dma_buf_vunmap_unlocked(dmabuf, &map);
	KUNIT_EXPECT_EQ(test, vunmap->hits, 1);
	expect_buffer(test, vunmap, me, ino);

	addr = kunit_vm_mmap(test, dmabuf->file, 0, 2 * PAGE_SIZE, PROT_READ,
			     MAP_SHARED, PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_EXPECT_EQ(test, user->hits, 1);
	KUNIT_EXPECT_EQ(test, user->pgoff, 1UL);
	KUNIT_EXPECT_EQ(test, user->pages, 2UL);
	expect_buffer(test, user, me, ino);
	KUNIT_EXPECT_EQ(test, fwd->hits, 0);

	file = anon_inode_getfile("dma-buf-importer", &forward_fops, dmabuf, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
	KUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(addr));
	fput(file);
	KUNIT_EXPECT_EQ(test, fwd->hits, 1);
	KUNIT_EXPECT_EQ(test, fwd->pgoff, 1UL);
	KUNIT_EXPECT_EQ(test, fwd->pages, 1UL);
	expect_buffer(test, fwd, me, ino);
	KUNIT_EXPECT_EQ(test, user->hits, 1);

	/* the mappings go with the test's mm; drop our reference only */
	dma_buf_put(dmabuf);
}

/* DMA_BUF_SET_NAME records the new name */
static void set_name_event(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct seen *set = watch(test, dma_buf_set_name, probe_set_name, me->dmabuf);
	char __user *uname = mock_user_page(test);
	unsigned long ino = ino_of(me);

	KUNIT_ASSERT_EQ(test, copy_to_user(uname, "trace-me", 9), 0);
	KUNIT_ASSERT_EQ(test, mock_ioctl(me->dmabuf, DMA_BUF_SET_NAME, uname), 0);
	KUNIT_EXPECT_EQ(test, set->hits, 1);
	KUNIT_EXPECT_STREQ(test, set->name, "trace-me");
	expect_buffer(test, set, me, ino);
	mock_put_sync(me);
}

/* DMA_BUF_IOCTL_EXPORT_SYNC_FILE and _IMPORT_SYNC_FILE record their flags */
static void sync_file_events(struct kunit *test)
{
	struct mock_exporter *me;
	struct seen *exp, *imp;
	struct dma_buf_export_sync_file __user *uexp;
	struct dma_buf_import_sync_file __user *uimp;
	struct dma_buf_export_sync_file earg = { .flags = DMA_BUF_SYNC_READ };
	struct dma_buf_import_sync_file iarg = { .flags = DMA_BUF_SYNC_RW };
	unsigned long ino;

	if (!IS_ENABLED(CONFIG_SYNC_FILE))
		kunit_skip(test, "needs CONFIG_SYNC_FILE");

	me = mock_export(test, 0);
	exp = watch(test, dma_buf_export_sync_file, probe_sync_file, me->dmabuf);
	imp = watch(test, dma_buf_import_sync_file, probe_sync_file, me->dmabuf);
	uexp = mock_user_page(test);
	uimp = (void __user *)uexp + 64;
	ino = ino_of(me);

	KUNIT_ASSERT_EQ(test, copy_to_user(uexp, &earg, sizeof(earg)), 0);
	KUNIT_ASSERT_EQ(test, mock_ioctl(me->dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, uexp), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(&earg, uexp, sizeof(earg)), 0);
	KUNIT_EXPECT_EQ(test, exp->hits, 1);
	KUNIT_EXPECT_EQ(test, exp->flags, (u32)DMA_BUF_SYNC_READ);
	expect_buffer(test, exp, me, ino);

	iarg.fd = earg.fd;
	KUNIT_ASSERT_EQ(test, copy_to_user(uimp, &iarg, sizeof(iarg)), 0);
	KUNIT_EXPECT_EQ(test, mock_ioctl(me->dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, uimp), 0);
	KUNIT_EXPECT_EQ(test, imp->hits, 1);
	KUNIT_EXPECT_EQ(test, imp->flags, (u32)DMA_BUF_SYNC_RW);
	expect_buffer(test, imp, me, ino);

	close_fd(earg.fd);
	mock_put_sync(me);
}

static struct kunit_case trace_cases[] = {
	KUNIT_CASE(put_is_traced_before_the_drop),
	KUNIT_CASE(fd_is_traced_before_install),
	KUNIT_CASE(iteration_is_not_traced),
	KUNIT_CASE(lifecycle_events),
	KUNIT_CASE(attachment_events),
	KUNIT_CASE(cpu_access_events),
	KUNIT_CASE(set_name_event),
	KUNIT_CASE(sync_file_events),
	{}
};

static struct kunit_suite trace_suite = {
	.name = "dma-buf-trace",
	.test_cases = trace_cases,
};

kunit_test_suite(trace_suite);
