// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for buffer lifetime: export, references, release, files,
 * names, the list of live buffers and debugfs (dma-buf-export.c,
 * dma-buf-file.c, dma-buf-debugfs.c).
 */

#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/dcache.h>
#include <linux/delay.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/dma-buf.h>

#include "../dma-buf-internal.h"
#include "mock-exporter.h"

/* Callbacks of exporters that never get as far as a buffer. */
static void noop_release(struct dma_buf *dmabuf)
{
}

static struct sg_table *noop_map(struct dma_buf_attachment *a, enum dma_data_direction d)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static void noop_unmap(struct dma_buf_attachment *a, struct sg_table *s,
		       enum dma_data_direction d)
{
}

static int noop_pin(struct dma_buf_attachment *a)
{
	return 0;
}

static void noop_unpin(struct dma_buf_attachment *a)
{
}

struct bad_info_case {
	const char *what;
	struct dma_buf_ops ops;
	bool no_ops;
	bool no_priv;
};

static const struct bad_info_case bad_info_cases[] = {
	{ .what = "no ops", .no_ops = true },
	{ .what = "no priv", .no_priv = true,
	  .ops = { .map_dma_buf = noop_map, .unmap_dma_buf = noop_unmap,
		   .release = noop_release } },
	{ .what = "no map_dma_buf",
	  .ops = { .unmap_dma_buf = noop_unmap, .release = noop_release } },
	{ .what = "no unmap_dma_buf",
	  .ops = { .map_dma_buf = noop_map, .release = noop_release } },
	{ .what = "no release",
	  .ops = { .map_dma_buf = noop_map, .unmap_dma_buf = noop_unmap } },
	{ .what = "pin without unpin",
	  .ops = { .map_dma_buf = noop_map, .unmap_dma_buf = noop_unmap,
		   .release = noop_release, .pin = noop_pin } },
	{ .what = "unpin without pin",
	  .ops = { .map_dma_buf = noop_map, .unmap_dma_buf = noop_unmap,
		   .release = noop_release, .unpin = noop_unpin } },
	{ .what = "cache_sgt_mapping with pin",
	  .ops = { .map_dma_buf = noop_map, .unmap_dma_buf = noop_unmap,
		   .release = noop_release, .pin = noop_pin, .unpin = noop_unpin,
		   .cache_sgt_mapping = true } },
};

static void bad_info_desc(const struct bad_info_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_info, bad_info_cases, bad_info_desc);

static void export_rejects_bad_info(struct kunit *test)
{
	const struct bad_info_case *c = test->param_value;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;

	info.owner = mock_owner();
	info.ops = c->no_ops ? NULL : &c->ops;
	info.priv = c->no_priv ? NULL : test;
	info.size = PAGE_SIZE;

	int misuse = mock_misuse_count();

	/* each of these also warns: it is an exporter bug */
	dmabuf = dma_buf_export(&info);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(dmabuf), -EINVAL);
	KUNIT_EXPECT_EQ(test, mock_owner_refs(), 0);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 1);
}

static void export_keeps_what_it_is_given(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_buf *dmabuf = me->dmabuf;

	KUNIT_EXPECT_PTR_EQ(test, dmabuf->ops, me->ops);
	KUNIT_EXPECT_EQ(test, dmabuf->size, (size_t)MOCK_SIZE);
	KUNIT_EXPECT_STREQ(test, dmabuf->exp_name, "mock");
	KUNIT_EXPECT_NOT_NULL(test, dmabuf->priv);
	KUNIT_EXPECT_NOT_NULL(test, dmabuf->resv);
	KUNIT_EXPECT_TRUE(test, list_empty(&dmabuf->attachments));
	KUNIT_EXPECT_EQ(test, file_count(dmabuf->file), 1L);
	KUNIT_EXPECT_EQ(test, i_size_read(file_inode(dmabuf->file)), (loff_t)MOCK_SIZE);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 0);
	mock_put_sync(me);
}

static void export_pins_owner_module(struct kunit *test)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;

	if (!IS_ENABLED(CONFIG_MODULE_UNLOAD))
		kunit_skip(test, "module references need CONFIG_MODULE_UNLOAD");
	info.owner = mock_owner();
	info.size = PAGE_SIZE;
	info.priv = mock_orphan_priv(&info.ops);
	KUNIT_ASSERT_NOT_NULL(test, info.priv);

	dmabuf = dma_buf_export(&info);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_EXPECT_PTR_EQ(test, dmabuf->owner, info.owner);
	KUNIT_EXPECT_EQ(test, mock_owner_refs(), 1);

	dma_buf_put(dmabuf);		/* frees info.priv */
	mock_flush_release();
	KUNIT_EXPECT_EQ(test, mock_owner_refs(), 0);

	/* a module on its way out cannot gain buffers */
	mock_owner_going(true);
	info.priv = mock_orphan_priv(&info.ops);
	KUNIT_ASSERT_NOT_NULL(test, info.priv);
	dmabuf = dma_buf_export(&info);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(dmabuf), -ENOENT);
	KUNIT_EXPECT_EQ(test, mock_owner_refs(), 0);
	mock_owner_going(false);
	if (IS_ERR(dmabuf))
		kfree(info.priv);	/* a failed export leaves priv to its owner */
	else
		dma_buf_put(dmabuf);
	mock_flush_release();
}

static void export_owns_or_borrows_resv(struct kunit *test)
{
	struct mock_exporter *a = mock_export(test, 0);
	struct mock_exporter *b = mock_export(test, 0);
	struct mock_exporter *lent = mock_export(test, MOCK_BORROWED_RESV);

	KUNIT_EXPECT_PTR_NE(test, a->dmabuf->resv, b->dmabuf->resv);
	KUNIT_EXPECT_PTR_EQ(test, lent->dmabuf->resv, &lent->resv);
	mock_put_sync(a);
	mock_put_sync(b);
	mock_put_sync(lent);

	/* a lent reservation object outlives the buffer, untouched */
	KUNIT_EXPECT_EQ(test, dma_resv_lock(&lent->resv, NULL), 0);
	dma_resv_unlock(&lent->resv);
}

static void release_runs_once_after_last_put(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);

	get_dma_buf(me->dmabuf);
	get_dma_buf(me->dmabuf);
	KUNIT_EXPECT_EQ(test, file_count(me->dmabuf->file), 3L);

	dma_buf_put(me->dmabuf);
	dma_buf_put(me->dmabuf);
	mock_flush_release();
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 0);

	dma_buf_put(me->dmabuf);
	mock_flush_release();
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 1);
	KUNIT_EXPECT_FALSE(test, me->locked[MOCK_RELEASE]);

	mock_flush_release();
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 1);
}

static void fd_get_put_round_trip(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_buf *got;
	int fd;

	KUNIT_EXPECT_EQ(test, dma_buf_fd(NULL, O_CLOEXEC), -EINVAL);

	fd = dma_buf_fd(me->dmabuf, O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fd, 0);

	got = dma_buf_get(fd);
	KUNIT_EXPECT_PTR_EQ(test, got, me->dmabuf);
	KUNIT_EXPECT_EQ(test, file_count(me->dmabuf->file), 2L);
	dma_buf_put(got);

	/* the fd owns the export's reference now */
	KUNIT_EXPECT_EQ(test, close_fd(fd), 0);
	mock_flush_release();
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 1);
}

static const struct file_operations not_a_dmabuf_fops;

static void get_rejects_bad_fds(struct kunit *test)
{
	int fd;

	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_get(-1)), -EBADF);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_get(INT_MAX)), -EBADF);

	fd = anon_inode_getfd("not-a-dmabuf", &not_a_dmabuf_fops, NULL, O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fd, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_get(fd)), -EINVAL);
	close_fd(fd);
}

struct seek_case {
	loff_t offset;
	int whence;
	loff_t expect;
};

static const struct seek_case seek_cases[] = {
	{ 0, SEEK_END, MOCK_SIZE },
	{ 0, SEEK_SET, 0 },
	{ 0, SEEK_CUR, -EINVAL },
	{ 1, SEEK_SET, -EINVAL },
	{ -1, SEEK_END, -EINVAL },
	{ PAGE_SIZE, SEEK_SET, -EINVAL },
	{ 0, SEEK_DATA, -EINVAL },
	{ 0, SEEK_HOLE, -EINVAL },
};

static void llseek_answers_start_and_size_only(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	int i;

	for (i = 0; i < ARRAY_SIZE(seek_cases); i++) {
		const struct seek_case *c = &seek_cases[i];

		KUNIT_EXPECT_EQ_MSG(test, vfs_llseek(me->dmabuf->file, c->offset, c->whence),
				    c->expect, "offset %lld whence %d", c->offset, c->whence);
	}
	mock_put_sync(me);
}

static const char *dname(struct dma_buf *dmabuf, char *buf, int len)
{
	struct dentry *dentry = dmabuf->file->f_path.dentry;

	return dentry->d_op->d_dname(dentry, buf, len);
}

static void name_shows_in_dentry_path(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	char buf[64];
	char *name;

	KUNIT_EXPECT_STREQ(test, dname(me->dmabuf, buf, sizeof(buf)), "/dmabuf:");

	/* what DMA_BUF_SET_NAME stores */
	name = kstrdup("scanout", GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, name);
	spin_lock(&me->dmabuf->name_lock);
	me->dmabuf->name = name;
	spin_unlock(&me->dmabuf->name_lock);
	KUNIT_EXPECT_STREQ(test, dname(me->dmabuf, buf, sizeof(buf)), "/dmabuf:scanout");

	/* too small a buffer for the path is an error, not an overflow */
	KUNIT_EXPECT_EQ(test, PTR_ERR(dname(me->dmabuf, buf, 8)), -ENAMETOOLONG);
	mock_put_sync(me);
}

static void inode_numbers_are_unique(struct kunit *test)
{
	struct mock_exporter *a = mock_export(test, 0);
	struct mock_exporter *b = mock_export(test, 0);
	unsigned long ia = file_inode(a->dmabuf->file)->i_ino;
	unsigned long ib = file_inode(b->dmabuf->file)->i_ino;

	KUNIT_EXPECT_GT(test, ib, ia);
	mock_put_sync(a);
	mock_put_sync(b);

	a = mock_export(test, 0);
	KUNIT_EXPECT_GT(test, file_inode(a->dmabuf->file)->i_ino, ib);
	mock_put_sync(a);
}

struct file_flags_case {
	const char *what;
	int given, kept;
};

/* The file keeps the access mode and O_NONBLOCK, nothing else. */
static const struct file_flags_case file_flags_cases[] = {
	{ "read-write, close-on-exec", O_RDWR | O_CLOEXEC, O_RDWR },
	{ "read-only, close-on-exec", O_RDONLY | O_CLOEXEC, O_RDONLY },
	{ "write-only", O_WRONLY, O_WRONLY },
	{ "non-blocking", O_RDWR | O_NONBLOCK | O_CLOEXEC, O_RDWR | O_NONBLOCK },
	{ "open flags", O_RDWR | O_APPEND | O_SYNC | O_CREAT | O_TRUNC, O_RDWR },
};

static void file_flags_desc(const struct file_flags_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(file_flags, file_flags_cases, file_flags_desc);

static void file_keeps_access_mode_and_nonblock(struct kunit *test)
{
	const struct file_flags_case *c = test->param_value;
	struct mock_exporter *me = mock_prepare(test, 0);

	KUNIT_ASSERT_EQ(test, mock_export_now(me, c->given), 0);
	KUNIT_EXPECT_EQ(test, me->dmabuf->file->f_flags, (unsigned int)c->kept);
	mock_put_sync(me);
}

static void put_of_nothing_warns(struct kunit *test)
{
	int misuse = mock_misuse_count();

	dma_buf_put(NULL);
	KUNIT_EXPECT_EQ(test, mock_misuse_count(), misuse + 1);
}

/*
 * Without a free fd the export's reference stays with the caller, and
 * one put frees everything.
 */
static void fd_at_the_limit_leaves_the_reference(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct rlimit *nofile = &current->signal->rlim[RLIMIT_NOFILE];
	unsigned long saved = nofile->rlim_cur;
	int fd;

	nofile->rlim_cur = 0;
	fd = dma_buf_fd(me->dmabuf, O_CLOEXEC);
	nofile->rlim_cur = saved;
	KUNIT_EXPECT_EQ(test, fd, -EMFILE);
	KUNIT_EXPECT_EQ(test, file_count(me->dmabuf->file), 1L);
	mock_put_sync(me);
}

static bool listed(struct dma_buf *wanted)
{
	struct dma_buf *dmabuf;
	bool found = false;

	for (dmabuf = dma_buf_iter_begin(); dmabuf; dmabuf = dma_buf_iter_next(dmabuf))
		found |= dmabuf == wanted;
	return found;
}

/*
 * The bug class of a name printed after the buffer was freed: whoever
 * holds the dentry, as a readlink() of /proc/<pid>/fd does, keeps the
 * buffer's memory, but not its place on the list.
 */
static void release_waits_for_the_dentry(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_buf *dmabuf = me->dmabuf;
	struct dentry *dentry = dget(dmabuf->file->f_path.dentry);
	char buf[64];

	KUNIT_EXPECT_TRUE(test, listed(dmabuf));
	dma_buf_put(dmabuf);
	mock_flush_release();
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 0);
	KUNIT_EXPECT_FALSE(test, listed(dmabuf));
	KUNIT_EXPECT_STREQ(test, dentry->d_op->d_dname(dentry, buf, sizeof(buf)), "/dmabuf:");

	dput(dentry);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 1);
	mock_flush_release();
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_RELEASE], 1);
}

#define ITER_BUFFERS 64

struct iter_ctx {
	struct mock_exporter *me[ITER_BUFFERS];
	int seen[ITER_BUFFERS];
	struct completion started;
};

static int iter_find(struct iter_ctx *ctx, struct dma_buf *dmabuf)
{
	int i;

	for (i = 0; i < ITER_BUFFERS; i++)
		if (ctx->me[i] && ctx->me[i]->dmabuf == dmabuf)
			return i;
	return -1;
}

/* Drops the odd buffers while the test walks the list. */
static int iter_release_odd(void *data)
{
	struct iter_ctx *ctx = data;
	int i;

	wait_for_completion(&ctx->started);
	for (i = 1; i < ITER_BUFFERS; i += 2) {
		dma_buf_put(ctx->me[i]->dmabuf);
		if (i % 8 == 1)
			mock_flush_release();
		usleep_range(10, 50);
	}
	mock_flush_release();
	return 0;
}

static void iteration_sees_every_live_buffer_once(struct kunit *test)
{
	struct iter_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct task_struct *releaser;
	struct dma_buf *dmabuf;
	int i, idx;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	init_completion(&ctx->started);
	for (i = 0; i < ITER_BUFFERS; i++)
		ctx->me[i] = mock_export(test, 0);

	releaser = kthread_run(iter_release_odd, ctx, "dma-buf-iter-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(releaser));
	get_task_struct(releaser);

	for (dmabuf = dma_buf_iter_begin(); dmabuf; dmabuf = dma_buf_iter_next(dmabuf)) {
		complete(&ctx->started);
		/* every buffer handed out is alive and ours to hold */
		KUNIT_EXPECT_GT(test, file_count(dmabuf->file), 0L);
		idx = iter_find(ctx, dmabuf);
		if (idx >= 0)
			ctx->seen[idx]++;
		usleep_range(10, 50);
	}
	complete(&ctx->started);
	kthread_stop(releaser);
	put_task_struct(releaser);

	for (i = 0; i < ITER_BUFFERS; i += 2)
		KUNIT_EXPECT_EQ_MSG(test, ctx->seen[i], 1, "live buffer %d", i);
	for (i = 1; i < ITER_BUFFERS; i += 2)
		KUNIT_EXPECT_LE_MSG(test, ctx->seen[i], 1, "released buffer %d", i);

	for (i = 0; i < ITER_BUFFERS; i += 2)
		mock_put_sync(ctx->me[i]);
	for (i = 1; i < ITER_BUFFERS; i += 2)
		KUNIT_EXPECT_EQ(test, ctx->me[i]->calls[MOCK_RELEASE], 1);
}

static void iteration_can_stop_early(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct dma_buf *first = dma_buf_iter_begin();

	KUNIT_ASSERT_NOT_NULL(test, first);
	dma_buf_put(first);
	mock_put_sync(me);
}

static void bufinfo_lists_buffers_and_devices(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct mock_importer imp = { };
	struct dma_buf_attachment *attach;
	char *text, *mine, *entry, *gone, *devices;
	const char *header;
	int objects;
	size_t bytes;

	attach = mock_attach(test, me, &imp, false, false);
	mine = mock_kasprintf(test, "%08zu\t%08x\t%08x\t%08ld\t%s\t%08lu\t%s\n",
			      (size_t)MOCK_SIZE, me->dmabuf->file->f_flags,
			      (__force unsigned int)me->dmabuf->file->f_mode, 1L, "mock",
			      file_inode(me->dmabuf->file)->i_ino, "<none>");
	gone = mock_kasprintf(test, "\tmock\t%08lu\t", file_inode(me->dmabuf->file)->i_ino);

	text = mock_bufinfo(test);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "\nDma-buf Objects:\n"));
	header = "size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n";
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, header));
	entry = strstr(text, mine);
	KUNIT_ASSERT_NOT_NULL_MSG(test, entry, "no line %s in:\n%s", mine, text);
	devices = mock_kasprintf(test, "\tAttached Devices:\n\t%s\nTotal 1 devices attached\n\n",
				 dev_name(attach->dev));
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(entry, devices), "in:\n%s", text);

	mock_bufinfo_totals(test, &objects, &bytes);
	KUNIT_EXPECT_GE(test, objects, 1);
	KUNIT_EXPECT_GE(test, bytes, (size_t)MOCK_SIZE);

	dma_buf_detach(me->dmabuf, attach);
	entry = strstr(mock_bufinfo(test), mine);
	KUNIT_ASSERT_NOT_NULL(test, entry);
	devices = "\tAttached Devices:\nTotal 0 devices attached\n";
	KUNIT_EXPECT_NOT_NULL(test, strstr(entry, devices));

	mock_put_sync(me);
	KUNIT_EXPECT_NULL(test, strstr(mock_bufinfo(test), gone));
}

/*
 * The entry of a named buffer with several references and two devices,
 * against what the format string of 6.12 prints for it.
 */
static void bufinfo_entry_matches_the_6_12_format(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, O_RDWR);
	struct mock_importer a = { }, b = { };
	struct dma_buf_attachment *aa, *ab;
	char __user *uname = mock_user_page(test);
	char *want, *text;

	KUNIT_ASSERT_EQ(test, copy_to_user(uname, "scanout-42", 11), 0);
	KUNIT_ASSERT_EQ(test, mock_ioctl(me->dmabuf, DMA_BUF_SET_NAME, uname), 0);
	aa = mock_attach(test, me, &a, false, false);
	ab = mock_attach(test, me, &b, true, false);
	get_dma_buf(me->dmabuf);
	get_dma_buf(me->dmabuf);

	want = mock_kasprintf(test, "%08zu\t%08x\t%08x\t%08ld\t%s\t%08lu\t%s\n"
			      "\tAttached Devices:\n\t%s\n\t%s\nTotal %d devices attached\n\n",
			      (size_t)MOCK_SIZE, me->dmabuf->file->f_flags,
			      (__force unsigned int)me->dmabuf->file->f_mode,
			      file_count(me->dmabuf->file), "mock",
			      file_inode(me->dmabuf->file)->i_ino, "scanout-42",
			      /* the newest attachment first, as in 6.12 */
			      dev_name(ab->dev), dev_name(aa->dev), 2);
	text = mock_bufinfo(test);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(text, want), "no entry\n%s in:\n%s", want, text);

	dma_buf_detach(me->dmabuf, aa);
	dma_buf_detach(me->dmabuf, ab);
	dma_buf_put(me->dmabuf);
	dma_buf_put(me->dmabuf);
	mock_put_sync(me);
}

/* A size that does not fit 32 bits, described by the mock, never backed. */
#define HUGE_SIZE (5ULL << 30)

static void buffer_over_4gib(struct kunit *test)
{
	struct mock_exporter *me = mock_prepare(test, 0);
	struct file *file;
	char *line, *text;
	size_t bytes;
	int objects;

	if (sizeof(size_t) < sizeof(u64))
		kunit_skip(test, "size_t has 32 bits");
	me->size = HUGE_SIZE;
	KUNIT_ASSERT_EQ(test, mock_export_now(me, O_RDWR), 0);
	file = me->dmabuf->file;

	KUNIT_EXPECT_EQ(test, vfs_llseek(file, 0, SEEK_END), (loff_t)HUGE_SIZE);
	KUNIT_EXPECT_EQ(test, i_size_read(file_inode(file)), (loff_t)HUGE_SIZE);

	line = mock_kasprintf(test, "%08llu\t%08x\t%08x\t%08ld\tmock\t%08lu\t<none>\n",
			      HUGE_SIZE, file->f_flags, (__force unsigned int)file->f_mode,
			      1L, file_inode(file)->i_ino);
	text = mock_bufinfo(test);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(text, line), "no line %s in:\n%s", line, text);
	mock_bufinfo_totals(test, &objects, &bytes);
	KUNIT_EXPECT_GE(test, bytes, (size_t)HUGE_SIZE);
	mock_put_sync(me);
}

static struct kunit_case lifecycle_cases[] = {
	KUNIT_CASE_PARAM(export_rejects_bad_info, bad_info_gen_params),
	KUNIT_CASE(export_keeps_what_it_is_given),
	KUNIT_CASE(export_pins_owner_module),
	KUNIT_CASE(export_owns_or_borrows_resv),
	KUNIT_CASE(release_runs_once_after_last_put),
	KUNIT_CASE_PARAM(file_keeps_access_mode_and_nonblock, file_flags_gen_params),
	KUNIT_CASE(put_of_nothing_warns),
	KUNIT_CASE(fd_get_put_round_trip),
	KUNIT_CASE(fd_at_the_limit_leaves_the_reference),
	KUNIT_CASE(release_waits_for_the_dentry),
	KUNIT_CASE(get_rejects_bad_fds),
	KUNIT_CASE(llseek_answers_start_and_size_only),
	KUNIT_CASE(name_shows_in_dentry_path),
	KUNIT_CASE(inode_numbers_are_unique),
	KUNIT_CASE(iteration_sees_every_live_buffer_once),
	KUNIT_CASE(iteration_can_stop_early),
	KUNIT_CASE(bufinfo_lists_buffers_and_devices),
	KUNIT_CASE(bufinfo_entry_matches_the_6_12_format),
	KUNIT_CASE(buffer_over_4gib),
	{}
};

static struct kunit_suite lifecycle_suite = {
	.name = "dma-buf-lifecycle",
	.test_cases = lifecycle_cases,
};

kunit_test_suite(lifecycle_suite);
