// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-kernel half of make bench: times the dma-buf driver API against a tiny
 * exporter of its own and prints one line per figure,
 *
 *	BENCH <name> <median total ns> <operations>
 *
 * or "BENCH <name> n/a" and "BENCH <name> fail <errno>". Timing only: the
 * figures are compared between kernels by harness/bench.py, nothing here
 * passes or fails. Everything runs from module init, in insmod's context.
 */
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>

static unsigned int iters = 1000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "operations per timed batch (default 1000)");

static unsigned int reps = 5;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "timed batches per figure, the median is printed (default 5)");

static unsigned int max_live = 100000;
module_param(max_live, uint, 0444);
MODULE_PARM_DESC(max_live, "largest number of live buffers for the scaling figures");

static bool quiesce_only;
module_param(quiesce_only, bool, 0444);
MODULE_PARM_DESC(quiesce_only, "time nothing, serve dmabuf-bench-quiesce in debugfs to the userspace half");

#define BENCH_MAX_REPS 15

static struct platform_device *bench_pdev;
static struct page *bench_page;
/* the exporter keeps no per-buffer state; priv only has to be non-NULL */
static int bench_priv;

/*
 * The tiny exporter: one page shared by every buffer, one scatter table per
 * attachment made on its first map and kept until detach, so that the
 * figures are the core's cost rather than the exporter's.
 */
static struct sg_table *bench_map(struct dma_buf_attachment *attach,
				  enum dma_data_direction dir)
{
	struct sg_table *sgt = attach->priv;

	if (sgt)
		return sgt;
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	if (sg_alloc_table(sgt, 1, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	/* no real device behind it: the physical address serves as DMA address */
	sg_set_page(sgt->sgl, bench_page, PAGE_SIZE, 0);
	sg_dma_address(sgt->sgl) = page_to_phys(bench_page);
	sg_dma_len(sgt->sgl) = PAGE_SIZE;
	attach->priv = sgt;
	return sgt;
}

static void bench_unmap(struct dma_buf_attachment *attach,
			struct sg_table *sgt, enum dma_data_direction dir)
{
}

static void bench_detach(struct dma_buf *dmabuf,
			 struct dma_buf_attachment *attach)
{
	struct sg_table *sgt = attach->priv;

	if (sgt) {
		sg_free_table(sgt);
		kfree(sgt);
	}
}

static void bench_release(struct dma_buf *dmabuf)
{
}

static int bench_pin(struct dma_buf_attachment *attach)
{
	return 0;
}

static void bench_unpin(struct dma_buf_attachment *attach)
{
}

static int bench_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	iosys_map_set_vaddr(map, page_address(bench_page));
	return 0;
}

static void bench_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
}

static int bench_cpu_access(struct dma_buf *dmabuf,
			    enum dma_data_direction dir)
{
	return 0;
}

/* static exporter, every map goes to the exporter */
static const struct dma_buf_ops bench_static_ops = {
	.detach = bench_detach,
	.map_dma_buf = bench_map,
	.unmap_dma_buf = bench_unmap,
	.release = bench_release,
	.begin_cpu_access = bench_cpu_access,
	.end_cpu_access = bench_cpu_access,
	.vmap = bench_vmap,
	.vunmap = bench_vunmap,
};

/* static exporter whose first mapping the core keeps per attachment */
static const struct dma_buf_ops bench_cached_ops = {
	.cache_sgt_mapping = true,
	.detach = bench_detach,
	.map_dma_buf = bench_map,
	.unmap_dma_buf = bench_unmap,
	.release = bench_release,
};

/* dynamic exporter: can pin, so static importers get pinned mappings */
static const struct dma_buf_ops bench_dynamic_ops = {
	.detach = bench_detach,
	.pin = bench_pin,
	.unpin = bench_unpin,
	.map_dma_buf = bench_map,
	.unmap_dma_buf = bench_unmap,
	.release = bench_release,
};

static void bench_move_notify(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops bench_importer_ops = {
	.move_notify = bench_move_notify,
};

static struct dma_buf *bench_export(const struct dma_buf_ops *ops)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);

	info.ops = ops;
	info.size = PAGE_SIZE;
	info.flags = O_RDWR;
	info.priv = &bench_priv;
	return dma_buf_export(&info);
}

/*
 * The final reference. dma_buf_put() would leave the release to task work
 * that runs only when insmod returns to userspace; __fput_sync() is the
 * same last fput, done at once, so the release is timed where it happens.
 */
static void bench_final_put(struct dma_buf *dmabuf)
{
	__fput_sync(dmabuf->file);
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 bench_median(u64 *t)
{
	sort(t, reps, sizeof(*t), bench_cmp_u64, NULL);
	return t[reps / 2];
}

static void bench_print(const char *name, u64 ns, u64 ops)
{
	pr_info("BENCH %s %llu %llu\n", name, ns, ops);
}

static void bench_fail(const char *name, int err)
{
	pr_info("BENCH %s fail %d\n", name, err);
}

/*
 * Start a timed batch with no RCU callback pending, right after a grace
 * period. The frees that the batches before it deferred to RCU (the kernfs
 * nodes of the sysfs directories, inodes) would otherwise run in this
 * batch's softirqs, as many as the grace periods of the moment allow: with
 * SYSFS_STATS up to a third more time for a batch of final puts, a
 * different amount on each boot. What a batch defers itself runs after it
 * is timed, in every kernel alike.
 */
static void bench_quiesce(void)
{
	rcu_barrier();
	cond_resched();
}

/* the userspace half's way to the same start: any write quiesces */
static struct dentry *bench_quiesce_file;

static ssize_t bench_quiesce_write(struct file *file, const char __user *buf,
				   size_t len, loff_t *ppos)
{
	bench_quiesce();
	return len;
}

static const struct file_operations bench_quiesce_fops = {
	.owner = THIS_MODULE,
	.write = bench_quiesce_write,
};

typedef int (*bench_loop_t)(void *arg, unsigned int n);

/* Time @reps batches of @n runs of @loop, print the median batch. */
static void bench_run(const char *name, bench_loop_t loop, void *arg,
		      unsigned int n)
{
	u64 t[BENCH_MAX_REPS], start;
	unsigned int r;
	int err;

	for (r = 0; r < reps; r++) {
		bench_quiesce();
		start = ktime_get_ns();
		err = loop(arg, n);
		t[r] = ktime_get_ns() - start;
		if (err) {
			bench_fail(name, err);
			return;
		}
	}
	bench_print(name, bench_median(t), n);
}

static int bench_export_put(void *arg, unsigned int n)
{
	const struct dma_buf_ops *ops = arg;
	struct dma_buf *dmabuf;

	while (n--) {
		dmabuf = bench_export(ops);
		if (IS_ERR(dmabuf))
			return PTR_ERR(dmabuf);
		bench_final_put(dmabuf);
	}
	return 0;
}

static int bench_get_put(void *arg, unsigned int n)
{
	struct dma_buf *dmabuf = arg;

	while (n--) {
		get_dma_buf(dmabuf);
		dma_buf_put(dmabuf);
	}
	return 0;
}

struct bench_attach_args {
	struct dma_buf *dmabuf;
	const struct dma_buf_attach_ops *importer_ops;
};

static int bench_attach_detach(void *arg, unsigned int n)
{
	struct bench_attach_args *args = arg;
	struct dma_buf_attachment *attach;

	while (n--) {
		if (args->importer_ops)
			attach = dma_buf_dynamic_attach(args->dmabuf,
							&bench_pdev->dev,
							args->importer_ops,
							NULL);
		else
			attach = dma_buf_attach(args->dmabuf, &bench_pdev->dev);
		if (IS_ERR(attach))
			return PTR_ERR(attach);
		dma_buf_detach(args->dmabuf, attach);
	}
	return 0;
}

static int bench_map_unmap(void *arg, unsigned int n)
{
	struct dma_buf_attachment *attach = arg;
	struct sg_table *sgt;

	while (n--) {
		sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt))
			return PTR_ERR(sgt);
		dma_buf_unmap_attachment_unlocked(attach, sgt,
						  DMA_BIDIRECTIONAL);
	}
	return 0;
}

/* what a dynamic importer does: map and unmap under the reservation lock */
static int bench_map_unmap_locked(void *arg, unsigned int n)
{
	struct dma_buf_attachment *attach = arg;
	struct dma_resv *resv = attach->dmabuf->resv;
	struct sg_table *sgt;

	while (n--) {
		dma_resv_lock(resv, NULL);
		sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt)) {
			dma_resv_unlock(resv);
			return PTR_ERR(sgt);
		}
		dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
		dma_resv_unlock(resv);
	}
	return 0;
}

static int bench_vmap_vunmap(void *arg, unsigned int n)
{
	struct dma_buf *dmabuf = arg;
	struct iosys_map map;
	int ret;

	while (n--) {
		ret = dma_buf_vmap_unlocked(dmabuf, &map);
		if (ret)
			return ret;
		dma_buf_vunmap_unlocked(dmabuf, &map);
	}
	return 0;
}

static int bench_cpu_begin_end(void *arg, unsigned int n)
{
	struct dma_buf *dmabuf = arg;
	int ret;

	while (n--) {
		ret = dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
		if (ret)
			return ret;
		ret = dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
		if (ret)
			return ret;
	}
	return 0;
}

/* attach, detach and map in their variants, on one buffer of each exporter */
static void bench_attach_map(void)
{
	const struct {
		const char *name;
		const struct dma_buf_ops *ops;
		bool dynamic_importer;
	} maps[] = {
		{ "map+unmap-cached", &bench_cached_ops, false },
		{ "map+unmap-uncached", &bench_static_ops, false },
		{ "map+unmap-pin-on-map", &bench_dynamic_ops, false },
		{ "map+unmap-dynamic-importer", &bench_dynamic_ops, true },
	};
	struct bench_attach_args args;
	struct dma_buf_attachment *attach;
	struct dma_buf *stat, *dyn, *dmabuf;
	struct sg_table *sgt;
	unsigned int i;

	stat = bench_export(&bench_static_ops);
	dyn = bench_export(&bench_dynamic_ops);
	if (IS_ERR(stat) || IS_ERR(dyn)) {
		bench_fail("attach+detach-static", -ENOMEM);
		goto out;
	}

	args.dmabuf = stat;
	args.importer_ops = NULL;
	bench_run("attach+detach-static", bench_attach_detach, &args, iters);
	args.dmabuf = dyn;
	args.importer_ops = &bench_importer_ops;
	bench_run("attach+detach-dynamic", bench_attach_detach, &args, iters);
	/* 6.12 pins and maps a static importer of a dynamic exporter at attach */
	args.importer_ops = NULL;
	bench_run("attach+detach-static-on-dynamic", bench_attach_detach,
		  &args, iters);

	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		dmabuf = bench_export(maps[i].ops);
		if (IS_ERR(dmabuf)) {
			bench_fail(maps[i].name, PTR_ERR(dmabuf));
			continue;
		}
		if (maps[i].dynamic_importer)
			attach = dma_buf_dynamic_attach(dmabuf, &bench_pdev->dev,
							&bench_importer_ops,
							NULL);
		else
			attach = dma_buf_attach(dmabuf, &bench_pdev->dev);
		if (IS_ERR(attach)) {
			bench_fail(maps[i].name, PTR_ERR(attach));
			bench_final_put(dmabuf);
			continue;
		}
		/* the exporter's table is made on the first map: not timed */
		sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
		if (!IS_ERR(sgt))
			dma_buf_unmap_attachment_unlocked(attach, sgt,
							  DMA_BIDIRECTIONAL);
		bench_run(maps[i].name, maps[i].dynamic_importer ?
			  bench_map_unmap_locked : bench_map_unmap, attach,
			  iters);
		dma_buf_detach(dmabuf, attach);
		bench_final_put(dmabuf);
	}

out:
	if (!IS_ERR(stat))
		bench_final_put(stat);
	if (!IS_ERR(dyn))
		bench_final_put(dyn);
}

static void bench_references_and_cpu(void)
{
	struct dma_buf *dmabuf;
	struct iosys_map held;

	bench_run("export+put", bench_export_put, (void *)&bench_static_ops,
		  iters);

	dmabuf = bench_export(&bench_static_ops);
	if (IS_ERR(dmabuf)) {
		bench_fail("get+put", PTR_ERR(dmabuf));
		return;
	}
	/* the cheap ones run ten times as often to stay clear of clock noise */
	bench_run("get+put", bench_get_put, dmabuf, 10 * iters);
	bench_run("vmap+vunmap-first", bench_vmap_vunmap, dmabuf, iters);
	if (dma_buf_vmap_unlocked(dmabuf, &held)) {
		bench_fail("vmap+vunmap-nested", -ENOMEM);
	} else {
		bench_run("vmap+vunmap-nested", bench_vmap_vunmap, dmabuf,
			  10 * iters);
		dma_buf_vunmap_unlocked(dmabuf, &held);
	}
	bench_run("begin+end-cpu-access", bench_cpu_begin_end, dmabuf, iters);
	bench_final_put(dmabuf);
}

/* the live buffers of the scaling and iteration figures */
static struct dma_buf **bench_live;
static unsigned int bench_nlive;

static int bench_grow_live(unsigned int target)
{
	struct dma_buf *dmabuf;

	while (bench_nlive < target) {
		dmabuf = bench_export(&bench_static_ops);
		if (IS_ERR(dmabuf))
			return PTR_ERR(dmabuf);
		bench_live[bench_nlive++] = dmabuf;
		if (!(bench_nlive % 1024))
			cond_resched();
	}
	return 0;
}

static void bench_release_live(void)
{
	while (bench_nlive) {
		bench_final_put(bench_live[--bench_nlive]);
		if (!(bench_nlive % 1024))
			cond_resched();
	}
}

/*
 * Exporting and finally releasing @iters buffers next to the live ones,
 * timed apart: neither may grow with the number of live buffers.
 */
static void bench_scaling(struct dma_buf **batch)
{
	u64 t_export[BENCH_MAX_REPS], t_put[BENCH_MAX_REPS], start;
	char name[48];
	unsigned int i, n, r;
	int err = 0;

	for (r = 0; r < reps && !err; r++) {
		bench_quiesce();
		start = ktime_get_ns();
		for (n = 0; n < iters; n++) {
			batch[n] = bench_export(&bench_static_ops);
			if (IS_ERR(batch[n])) {
				err = PTR_ERR(batch[n]);
				break;
			}
		}
		t_export[r] = ktime_get_ns() - start;
		bench_quiesce();
		start = ktime_get_ns();
		for (i = 0; i < n; i++)
			bench_final_put(batch[i]);
		t_put[r] = ktime_get_ns() - start;
	}

	snprintf(name, sizeof(name), "export@%u", bench_nlive);
	if (err) {
		bench_fail(name, err);
		return;
	}
	bench_print(name, bench_median(t_export), iters);
	snprintf(name, sizeof(name), "final-put@%u", bench_nlive);
	bench_print(name, bench_median(t_put), iters);
}

#ifdef HAVE_DMA_BUF_ITER
/* One walk over every live buffer; the number seen in *@arg. */
static int bench_iter_walk(void *arg, unsigned int n)
{
	unsigned int *seen = arg;
	struct dma_buf *dmabuf;

	while (n--) {
		*seen = 0;
		for (dmabuf = dma_buf_iter_begin(); dmabuf;
		     dmabuf = dma_buf_iter_next(dmabuf))
			(*seen)++;
	}
	return 0;
}

static void bench_iteration(void)
{
	u64 t[BENCH_MAX_REPS], start;
	unsigned int r, seen = 0, walks;
	char name[48];

	/* about 100,000 buffers visited per batch whatever their number */
	walks = max(1U, 100000U / max(bench_nlive, 1U));
	for (r = 0; r < reps; r++) {
		bench_quiesce();
		start = ktime_get_ns();
		bench_iter_walk(&seen, walks);
		t[r] = ktime_get_ns() - start;
	}
	snprintf(name, sizeof(name), "iter@%u", bench_nlive);
	bench_print(name, bench_median(t), walks);
	/* per buffer seen: other users' buffers count too */
	snprintf(name, sizeof(name), "iter@%u/buf", bench_nlive);
	bench_print(name, t[reps / 2], (u64)walks * max(seen, 1U));
}
#else
static void bench_iteration(void)
{
	/* stock 6.12 has no buffer iterator */
	pr_info("BENCH iter@%u n/a\n", bench_nlive);
	pr_info("BENCH iter@%u/buf n/a\n", bench_nlive);
}
#endif

static void bench_live_buffers(void)
{
	static const unsigned int scale[] = { 0, 1000, 10000, 100000 };
	static const unsigned int walk[] = { 100, 1000, 10000 };
	struct dma_buf **batch;
	unsigned int s = 0, w = 0, next;
	int err;

	bench_live = kvmalloc_array(max(max_live, 10000U), sizeof(*bench_live),
				    GFP_KERNEL);
	batch = kvmalloc_array(iters, sizeof(*batch), GFP_KERNEL);
	if (!bench_live || !batch) {
		bench_fail("export@0", -ENOMEM);
		goto out;
	}

	/* grow the live set through every size either figure wants */
	while (s < ARRAY_SIZE(scale) || w < ARRAY_SIZE(walk)) {
		next = UINT_MAX;
		if (s < ARRAY_SIZE(scale) && scale[s] <= max_live)
			next = scale[s];
		if (w < ARRAY_SIZE(walk))
			next = min(next, walk[w]);
		if (next == UINT_MAX)
			break;
		err = bench_grow_live(next);
		if (err) {
			pr_info("BENCH live@%u fail %d\n", next, err);
			break;
		}
		if (w < ARRAY_SIZE(walk) && walk[w] == next) {
			bench_iteration();
			w++;
		}
		if (s < ARRAY_SIZE(scale) && scale[s] == next) {
			bench_scaling(batch);
			s++;
		}
	}

out:
	bench_release_live();
	kvfree(batch);
	kvfree(bench_live);
}

static int __init dmabuf_bench_init(void)
{
	int ret = 0;

	if (quiesce_only) {
		bench_quiesce_file = debugfs_create_file("dmabuf-bench-quiesce",
							 0200, NULL, NULL,
							 &bench_quiesce_fops);
		return PTR_ERR_OR_ZERO(bench_quiesce_file);
	}
	if (!iters || !reps || reps > BENCH_MAX_REPS)
		return -EINVAL;

	bench_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!bench_page)
		return -ENOMEM;
	bench_pdev = platform_device_register_simple("dmabuf-bench",
						     PLATFORM_DEVID_NONE,
						     NULL, 0);
	if (IS_ERR(bench_pdev)) {
		ret = PTR_ERR(bench_pdev);
		goto err_page;
	}

	pr_info("BENCH-KMOD BEGIN iters=%u reps=%u\n", iters, reps);
	bench_references_and_cpu();
	bench_attach_map();
	bench_live_buffers();
	pr_info("BENCH-KMOD END\n");
	return 0;

err_page:
	__free_page(bench_page);
	return ret;
}

static void __exit dmabuf_bench_exit(void)
{
	if (quiesce_only) {
		debugfs_remove(bench_quiesce_file);
		return;
	}
	platform_device_unregister(bench_pdev);
	__free_page(bench_page);
}

module_init(dmabuf_bench_init);
module_exit(dmabuf_bench_exit);

MODULE_DESCRIPTION("dma-buf core benchmark (timing only)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
#ifdef HAVE_DMA_BUF_ITER
/* the iterator is exported to KUnit's namespace only (CONFIG_KUNIT) */
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
#endif
