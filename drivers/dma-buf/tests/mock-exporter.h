/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A mock exporter, mock importers and mock fences for the KUnit suites of
 * the dma-buf core. The exporter records every callback: how often it ran,
 * what it was given, and whether the buffer's reservation lock was held.
 * Callbacks may run at once from several threads: the record of a buffer
 * is updated under its own spinlock.
 */
#ifndef _DMA_BUF_MOCK_EXPORTER_H
#define _DMA_BUF_MOCK_EXPORTER_H

#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>

#define MOCK_PAGES 4
#define MOCK_SIZE (MOCK_PAGES * PAGE_SIZE)
#define MOCK_DMA_BASE 0x10000000ULL

enum mock_cb {
	MOCK_RELEASE, MOCK_ATTACH, MOCK_DETACH, MOCK_PIN, MOCK_UNPIN,
	MOCK_MAP, MOCK_UNMAP, MOCK_BEGIN_CPU, MOCK_END_CPU, MOCK_MMAP,
	MOCK_VMAP, MOCK_VUNMAP, MOCK_NR_CB,
};

/* Which optional callbacks the exporter leaves out or adds. */
enum mock_flags {
	MOCK_NO_ATTACH = BIT(0),
	MOCK_NO_CPU_HOOKS = BIT(1),
	MOCK_NO_MMAP = BIT(2),
	MOCK_NO_VMAP = BIT(3),
	MOCK_DYNAMIC = BIT(4),		/* has pin/unpin */
	MOCK_CACHE_SGT = BIT(5),	/* cache_sgt_mapping */
	MOCK_VMAP_IOMEM = BIT(6),	/* vmap hands out I/O memory */
	MOCK_BORROWED_RESV = BIT(7),	/* lends its own reservation object */
	MOCK_VMAP_MOVES = BIT(8),	/* each vmap hands out the next page */
};

struct mock_link;

/*
 * The record of one mock buffer, allocated with kunit_kzalloc(). A buffer
 * released after its test ended no longer reaches it (see mock-exporter.c).
 * The callbacks update calls[] to last_attach under @lock; a test reading
 * them while callbacks may still run uses mock_calls() or holds @lock.
 */
struct mock_exporter {
	struct kunit *test;
	struct dma_buf *dmabuf;
	const struct dma_buf_ops *ops;	/* valid while the buffer lives */
	struct mock_link *link;		/* NULL once released or cut */
	size_t size;			/* what the export describes */
	struct module *owner;
	bool borrowed_resv;
	struct dma_resv resv;
	struct page *pages[MOCK_PAGES];
	void *vaddr;
	bool vmap_iomem;
	bool vmap_moves;

	spinlock_t lock;		/* guards calls[] to last_attach */
	int calls[MOCK_NR_CB];
	bool locked[MOCK_NR_CB];	/* resv lock held at the last call */
	enum dma_data_direction last_dir;
	struct sg_table *last_map;	/* table the exporter handed out */
	struct sg_table *last_unmap;	/* table it was given back */
	int tables;			/* handed out and not given back */
	struct dma_buf_attachment *last_attach;

	/* errors to return; map_null makes map_dma_buf return NULL */
	int attach_err, pin_err, map_err, begin_err, end_err, mmap_err, vmap_err;
	bool map_null;
	/*
	 * Fences that map_dma_buf and begin_cpu_access add as
	 * DMA_RESV_USAGE_KERNEL, as an exporter moving the buffer does.
	 */
	struct dma_fence *map_adds_kernel_fence;
	struct dma_fence *begin_adds_kernel_fence;
};

struct mock_exporter *mock_export(struct kunit *test, unsigned long flags);
struct mock_exporter *mock_prepare(struct kunit *test, unsigned long flags);
int mock_export_now(struct mock_exporter *me, int file_flags);
int mock_calls(struct mock_exporter *me, enum mock_cb cb);
int mock_misuse_count(void);
struct module *mock_owner(void);
int mock_owner_refs(void);
void mock_owner_going(bool going);
void *mock_orphan_priv(const struct dma_buf_ops **ops);
void mock_put_sync(struct mock_exporter *me);
void mock_flush_release(void);

/* A static or dynamic importer. */
struct mock_importer {
	struct dma_buf_attach_ops ops;
	int moves;
	bool locked_in_move;
	struct dma_buf_attachment *attach;
};

struct device *mock_device(struct kunit *test, const char *name);
struct dma_buf_attachment *mock_attach_dev(struct mock_exporter *me, struct device *dev,
					   struct mock_importer *imp, bool dynamic, bool p2p);
struct dma_buf_attachment *mock_attach(struct kunit *test, struct mock_exporter *me,
				       struct mock_importer *imp, bool dynamic,
				       bool p2p);

/*
 * Mock fences: signalled by hand; an interrupting one fails waits with
 * -EINTR; another signals when a callback is armed on it.
 */
struct dma_fence *mock_fence(struct kunit *test);
struct dma_fence *mock_fence_interrupting(struct kunit *test);
struct dma_fence *mock_fence_signalling_when_armed(struct kunit *test);
void mock_resv_add(struct dma_resv *resv, struct dma_fence *fence,
		   enum dma_resv_usage usage);
int mock_resv_fences(struct dma_resv *resv);

char *mock_bufinfo(struct kunit *test);
void __user *mock_user_page(struct kunit *test);
long mock_ioctl(struct dma_buf *dmabuf, unsigned int cmd, void __user *arg);
void mock_bufinfo_totals(struct kunit *test, int *objects, size_t *bytes);

__printf(2, 3) char *mock_kasprintf(struct kunit *test, const char *fmt, ...);

#endif
