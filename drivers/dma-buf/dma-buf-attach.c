// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attachments: how a device gets at a buffer for DMA.
 */

#include <kunit/visibility.h>
#include <linux/dma-resv.h>
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <trace/events/dma_buf.h>

#include "dma-buf-internal.h"

/**
 * DOC: attachments
 *
 * An importer attaches its device to a buffer, maps the attachment to get
 * a scatter table of DMA addresses, unmaps it and finally detaches. The
 * states of one attachment and the calls that move between them:
 *
 * ============================== ========== ==========
 * call                           from       to
 * ============================== ========== ==========
 * dma_buf_attach()               (none)     attached
 * dma_buf_map_attachment()       attached   mapped
 * dma_buf_unmap_attachment()     mapped     attached
 * dma_buf_pin()                  attached   pinned
 * dma_buf_unpin()                pinned     attached
 * dma_buf_detach()               attached   (none)
 * ============================== ========== ==========
 *
 * Pins and mappings nest and count independently; detach tears down a
 * mapping the core kept for the exporter (see below), anything else must
 * be undone by the importer first.
 *
 * A static importer (dma_buf_attach()) cannot follow the buffer if the
 * exporter moves it. When the exporter can move buffers (it implements
 * pin), mapping for a static importer pins the buffer until the mapping is
 * undone, and the map call waits for the kernel fences of the buffer, such
 * as a pending move, so that the addresses are valid when it returns.
 *
 * A dynamic importer (dma_buf_dynamic_attach()) supplies move_notify: the
 * exporter calls dma_buf_move_notify() before it moves the buffer, and the
 * importer maps again when it next needs the buffer. Its mappings are not
 * pinned unless CONFIG_DMABUF_MOVE_NOTIFY is off, in which case moves are
 * not allowed while it is mapped. It must wait for the buffer's fences
 * itself before using a mapping.
 *
 * Exporters that set &dma_buf_ops.cache_sgt_mapping get map_dma_buf called
 * once per attachment; the core hands the same table out again and unmaps
 * it at detach time. All three in-tree users of that flag in 6.12
 * (drm_prime, virtio-gpu, udmabuf) depend on it, so it is honoured.
 *
 * With CONFIG_DMABUF_DEBUG an importer receives a copy of the exporter's
 * table that carries the DMA addresses and lengths only, so that an
 * importer touching the pages of the buffer faults at once; the exporter
 * always gets its own table back at unmap time.
 *
 * Importer bugs the core notices, warns about once and survives:
 *
 * - Unmapping more often than mapping: ignored, the exporter is not called.
 * - Unmapping a table the attachment never returned, or with another
 *   direction than it was mapped with: noticed with CONFIG_DMABUF_DEBUG,
 *   which knows every table it handed out. The first is ignored; for the
 *   second the exporter is given the direction of the mapping.
 * - Detaching while still mapped: the attachment goes away regardless.
 *   With CONFIG_DMABUF_DEBUG the core undoes the leftover mappings first,
 *   so the exporter sees every map and pin balanced; without it the
 *   exporter keeps them, as the core has no record of the tables.
 */

/*
 * What the core keeps per attachment besides the public structure, all
 * protected by the reservation lock: the number of mappings the importer
 * holds (the cached one is the core's and not counted), and with
 * CONFIG_DMABUF_DEBUG the record of every table handed out.
 */
struct dma_buf_attach_box {
	struct dma_buf_attachment attach;
	unsigned int maps;
#ifdef CONFIG_DMABUF_DEBUG
	struct list_head views;
#endif
};

static struct dma_buf_attach_box *to_attach_box(struct dma_buf_attachment *attach)
{
	return container_of(attach, struct dma_buf_attach_box, attach);
}

/* Whether an entry point got an attachment it can work with. */
static __always_inline bool dma_buf_attachment_ok(struct dma_buf_attachment *attach)
{
	return !dma_buf_misuse(!attach || !attach->dmabuf);
}

/* Mapping for a static importer of a movable buffer pins it. */
static bool dma_buf_pin_on_map(struct dma_buf_attachment *attach)
{
	return attach->dmabuf->ops->pin &&
	       (!dma_buf_attachment_is_dynamic(attach) ||
		!IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY));
}

#ifdef CONFIG_DMABUF_DEBUG
/* The importer's view of a table: DMA addresses only, no pages. */
struct dma_buf_view {
	struct sg_table view;
	struct sg_table *orig;
	enum dma_data_direction dir;
	struct list_head node;		/* in dma_buf_attach_box.views */
};

static struct sg_table *dma_buf_hide_pages(struct dma_buf_attachment *attach,
					   struct sg_table *orig,
					   enum dma_data_direction dir)
{
	struct dma_buf_view *copy;
	struct scatterlist *from, *to;
	int i;

	copy = kzalloc(sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return ERR_PTR(-ENOMEM);

	/* an empty table stays empty; sg_alloc_table() refuses zero entries */
	if (orig->nents && sg_alloc_table(&copy->view, orig->nents, GFP_KERNEL)) {
		kfree(copy);
		return ERR_PTR(-ENOMEM);
	}

	to = copy->view.sgl;
	for_each_sgtable_dma_sg(orig, from, i) {
		sg_dma_address(to) = sg_dma_address(from);
		sg_dma_len(to) = sg_dma_len(from);
#ifdef CONFIG_NEED_SG_DMA_FLAGS
		to->dma_flags = from->dma_flags;
#endif
		to = sg_next(to);
	}
	copy->view.nents = orig->nents;
	copy->orig = orig;
	copy->dir = dir;
	list_add(&copy->node, &to_attach_box(attach)->views);
	return &copy->view;
}

/*
 * The exporter's table and direction behind @view, which is forgotten; NULL
 * if @view was not handed out for @attach.
 */
static struct sg_table *dma_buf_restore_pages(struct dma_buf_attachment *attach,
					      struct sg_table *view,
					      enum dma_data_direction *dir)
{
	struct dma_buf_view *copy;
	struct sg_table *orig;

	list_for_each_entry(copy, &to_attach_box(attach)->views, node) {
		if (&copy->view != view)
			continue;
		dma_buf_misuse(copy->dir != *dir);
		*dir = copy->dir;
		orig = copy->orig;
		list_del(&copy->node);
		sg_free_table(&copy->view);
		kfree(copy);
		return orig;
	}
	return NULL;
}

/* An importer table still recorded for @attach, other than the cached one. */
static struct sg_table *dma_buf_leftover_view(struct dma_buf_attachment *attach,
					      enum dma_data_direction *dir)
{
	struct dma_buf_view *copy;

	list_for_each_entry(copy, &to_attach_box(attach)->views, node) {
		if (&copy->view != attach->sgt) {
			*dir = copy->dir;
			return &copy->view;
		}
	}
	return NULL;
}
#else
static struct sg_table *dma_buf_hide_pages(struct dma_buf_attachment *attach,
					   struct sg_table *orig,
					   enum dma_data_direction dir)
{
	return orig;
}

static struct sg_table *dma_buf_restore_pages(struct dma_buf_attachment *attach,
					      struct sg_table *view,
					      enum dma_data_direction *dir)
{
	return view;
}

static struct sg_table *dma_buf_leftover_view(struct dma_buf_attachment *attach,
					      enum dma_data_direction *dir)
{
	return NULL;
}
#endif

/*
 * Importers assume whole pages: report the first DMA segment whose address or
 * length is not page aligned, NULL when they all are.
 */
struct scatterlist *dma_buf_first_unaligned(struct sg_table *sgt)
{
	struct scatterlist *sg;
	int i;

	for_each_sgtable_dma_sg(sgt, sg, i)
		if (!PAGE_ALIGNED(sg_dma_address(sg)) || !PAGE_ALIGNED(sg_dma_len(sg)))
			return sg;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_first_unaligned);

static void dma_buf_check_alignment(struct sg_table *sgt)
{
	struct scatterlist *sg;
	dma_addr_t addr;

	if (!IS_ENABLED(CONFIG_DMA_API_DEBUG))
		return;

	sg = dma_buf_first_unaligned(sgt);
	if (sg) {
		addr = sg_dma_address(sg);
		pr_warn_once("dma-buf: exporter mapped %pad+%#x, not page aligned\n",
			     &addr, sg_dma_len(sg));
	}
}

/*
 * Undo one mapping the importer saw as @view: hand the exporter its own
 * table back, then drop the pin the mapping took, if any. A table that was
 * never handed out is refused: false. Inline: it is most of an unmap.
 */
static __always_inline bool
dma_buf_unmap_locked(struct dma_buf_attachment *attach, struct sg_table *view,
		     enum dma_data_direction dir)
{
	struct dma_buf *dmabuf = attach->dmabuf;
	struct sg_table *sgt = dma_buf_restore_pages(attach, view, &dir);

	if (dma_buf_misuse(!sgt))
		return false;
	dmabuf->ops->unmap_dma_buf(attach, sgt, dir);
	if (dma_buf_pin_on_map(attach))
		dmabuf->ops->unpin(attach);
	return true;
}

/*
 * A new attachment of @dev to @dmabuf, arguments checked by the caller:
 * offered to the exporter, then listed. Inlined into both entry points, so
 * that a static importer's attach has its NULL importer folded in.
 */
static __always_inline struct dma_buf_attachment *
dma_buf_attach_new(struct dma_buf *dmabuf, struct device *dev,
		   const struct dma_buf_attach_ops *importer_ops,
		   void *importer_priv)
{
	struct dma_buf_attachment *attach;
	struct dma_buf_attach_box *box;
	int ret;

	might_lock(&dmabuf->resv->lock.base);
	box = kzalloc(sizeof(*box), GFP_KERNEL);
	if (!box)
		return ERR_PTR(-ENOMEM);
#ifdef CONFIG_DMABUF_DEBUG
	INIT_LIST_HEAD(&box->views);
#endif

	attach = &box->attach;
	attach->dmabuf = dmabuf;
	attach->dev = dev;
	attach->importer_priv = importer_priv;
	/* the allocation is zeroed: a static importer has nothing more */
	if (importer_ops) {
		attach->importer_ops = importer_ops;
		attach->peer2peer = importer_ops->allow_peer2peer;
	}

	if (dmabuf->ops->attach) {
		ret = dmabuf->ops->attach(dmabuf, attach);
		if (ret) {
			kfree(box);
			return ERR_PTR(ret);
		}
	}

	scoped_guard(dma_buf_locked, dmabuf)
		list_add(&attach->node, &dmabuf->attachments);
	return attach;
}

/**
 * dma_buf_dynamic_attach - attach a device to a buffer
 * @dmabuf: the buffer.
 * @dev: the importing device.
 * @importer_ops: callbacks of a dynamic importer, or NULL for a static
 *	one; if given, &dma_buf_attach_ops.move_notify is required.
 * @importer_priv: the importer's data, stored in
 *	&dma_buf_attachment.importer_priv.
 *
 * The exporter's attach callback, if any, may refuse the device; then
 * nothing stays attached.
 *
 * Return: the new attachment, or an ERR_PTR: -EINVAL for missing
 * arguments, -ENOMEM, or the exporter's error.
 *
 * Context: Process context. Takes the reservation lock, which must not be
 * held.
 */
struct dma_buf_attachment *
dma_buf_dynamic_attach(struct dma_buf *dmabuf, struct device *dev,
		       const struct dma_buf_attach_ops *importer_ops,
		       void *importer_priv)
{
	bool dynamic = importer_ops;
	struct dma_buf_attachment *attach;

	/* a dynamic importer that cannot be told about moves is a bug */
	if (dma_buf_misuse(!dmabuf || !dev || (dynamic && !importer_ops->move_notify)))
		return ERR_PTR(-EINVAL);

	attach = dma_buf_attach_new(dmabuf, dev, importer_ops, importer_priv);
	if (IS_ERR(attach))
		return attach;
	if (dynamic)
		trace_dma_buf_dynamic_attach(attach);
	else
		trace_dma_buf_attach(attach);
	return attach;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_dynamic_attach, DMA_BUF);

/**
 * dma_buf_attach - attach a device as a static importer
 * @dmabuf: the buffer.
 * @dev: the importing device.
 *
 * Same as dma_buf_dynamic_attach() without importer callbacks.
 *
 * Return: the new attachment or an ERR_PTR.
 *
 * Context: Process context. Takes the reservation lock, which must not be
 * held.
 */
struct dma_buf_attachment *dma_buf_attach(struct dma_buf *dmabuf,
					  struct device *dev)
{
	struct dma_buf_attachment *attach;

	if (dma_buf_misuse(!dmabuf || !dev))
		return ERR_PTR(-EINVAL);

	attach = dma_buf_attach_new(dmabuf, dev, NULL, NULL);
	if (!IS_ERR(attach))
		trace_dma_buf_attach(attach);
	return attach;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_attach, DMA_BUF);

/*
 * The mappings an attachment still has at detach: the kept one, and with
 * CONFIG_DMABUF_DEBUG those the importer leaked. Out of line: most
 * attachments have none, and their detach needs no registers for this.
 */
static noinline void dma_buf_unmap_left(struct dma_buf_attachment *attach)
{
	enum dma_data_direction dir;
	struct sg_table *view;

	while ((view = dma_buf_leftover_view(attach, &dir)))
		dma_buf_unmap_locked(attach, view, dir);
	if (attach->sgt)
		dma_buf_unmap_locked(attach, attach->sgt, attach->dir);
}

/**
 * dma_buf_detach - detach a device from a buffer
 * @dmabuf: the buffer.
 * @attach: the attachment, which is freed.
 *
 * A mapping that the core kept for a cache_sgt_mapping exporter is undone
 * first; mappings and pins the importer made must already be undone.
 * Detaching while mapped warns once (see DOC: attachments for what
 * happens to the mappings). A NULL or mismatched argument warns once and
 * does nothing.
 *
 * Context: Process context. Takes the reservation lock, which must not be
 * held.
 */
void dma_buf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct dma_buf_attach_box *box;

	if (dma_buf_misuse(!dmabuf || !attach || attach->dmabuf != dmabuf))
		return;
	box = to_attach_box(attach);
	trace_dma_buf_detach(attach);

	scoped_guard(dma_buf_locked, dmabuf) {
		dma_buf_misuse(box->maps);
		if (attach->sgt || IS_ENABLED(CONFIG_DMABUF_DEBUG))
			dma_buf_unmap_left(attach);
		list_del(&attach->node);
	}

	if (dmabuf->ops->detach)
		dmabuf->ops->detach(dmabuf, attach);

	kfree(box);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_detach, DMA_BUF);

/* Pin if needed, map, wait for moves, hide pages: the whole map, undone on failure. */
static struct sg_table *dma_buf_map_locked(struct dma_buf_attachment *attach,
					   enum dma_data_direction dir)
{
	struct dma_buf *dmabuf = attach->dmabuf;
	struct sg_table *sgt, *view;
	long ret;

	if (dma_buf_pin_on_map(attach)) {
		ret = dmabuf->ops->pin(attach);
		if (ret)
			return ERR_PTR(ret);
	}

	sgt = dmabuf->ops->map_dma_buf(attach, dir);
	if (!sgt)
		sgt = ERR_PTR(-ENOMEM);
	if (IS_ERR(sgt))
		goto err_unpin;

	/* after map_dma_buf, which may have started a move */
	if (!dma_buf_attachment_is_dynamic(attach) &&
	    !dma_buf_resv_never_fenced(dmabuf->resv)) {
		ret = dma_resv_wait_timeout(dmabuf->resv, DMA_RESV_USAGE_KERNEL,
					    true, MAX_SCHEDULE_TIMEOUT);
		if (ret < 0)
			goto err_unmap;
	}

	dma_buf_check_alignment(sgt);

	view = dma_buf_hide_pages(attach, sgt, dir);
	if (IS_ERR(view)) {
		ret = PTR_ERR(view);
		goto err_unmap;
	}
	return view;

err_unmap:
	dmabuf->ops->unmap_dma_buf(attach, sgt, dir);
	sgt = ERR_PTR(ret);
err_unpin:
	if (dma_buf_pin_on_map(attach))
		dmabuf->ops->unpin(attach);
	return sgt;
}

/*
 * A mapping made by the exporter, counted or kept. Out of line so that
 * handing out a kept table does not pay for the register saves of this.
 */
static noinline struct sg_table *dma_buf_map_new(struct dma_buf_attachment *attach,
						 enum dma_data_direction direction)
{
	struct sg_table *sgt;

	sgt = dma_buf_map_locked(attach, direction);
	if (IS_ERR(sgt))
		return sgt;

	if (attach->dmabuf->ops->cache_sgt_mapping) {
		attach->sgt = sgt;
		attach->dir = direction;
	} else {
		to_attach_box(attach)->maps++;
	}
	return sgt;
}

static __always_inline struct sg_table *
dma_buf_map(struct dma_buf_attachment *attach, enum dma_data_direction direction)
{
	/* a kept mapping serves its own direction, or any if bidirectional */
	if (attach->sgt)
		return attach->dir == direction || attach->dir == DMA_BIDIRECTIONAL ?
		       attach->sgt : ERR_PTR(-EBUSY);

	return dma_buf_map_new(attach, direction);
}

/* with the event on: out of line, so that the kept-table path needs no frame */
static noinline struct sg_table *
dma_buf_map_traced(struct dma_buf_attachment *attach,
		   enum dma_data_direction direction)
{
	trace_dma_buf_map_attachment(attach, direction);
	return dma_buf_map(attach, direction);
}

/**
 * dma_buf_map_attachment - map a buffer for the attached device
 * @attach: the attachment.
 * @direction: direction of the DMA.
 *
 * For a static importer of a movable buffer the buffer is pinned until
 * the mapping is undone, and the call waits for the buffer's kernel fences
 * (interruptibly). With a cache_sgt_mapping exporter the first mapping is
 * kept and returned again; asking for another direction than the kept
 * one (unless that is DMA_BIDIRECTIONAL) fails with -EBUSY.
 *
 * Return: the scatter table, or an ERR_PTR: the exporter's error (-EINTR
 * means try again), -ENOMEM when it returned nothing, -EBUSY, or the
 * error of an interrupted wait.
 *
 * Context: Process context. The reservation lock must be held.
 */
struct sg_table *dma_buf_map_attachment(struct dma_buf_attachment *attach,
					enum dma_data_direction direction)
{
	if (!dma_buf_attachment_ok(attach))
		return ERR_PTR(-EINVAL);
	dma_resv_assert_held(attach->dmabuf->resv);

	if (trace_dma_buf_map_attachment_enabled())
		return dma_buf_map_traced(attach, direction);
	return dma_buf_map(attach, direction);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_map_attachment, DMA_BUF);

/**
 * dma_buf_map_attachment_unlocked - dma_buf_map_attachment() for callers
 *	not holding the reservation lock
 * @attach: the attachment.
 * @direction: direction of the DMA.
 *
 * Return: as dma_buf_map_attachment().
 *
 * Context: Process context. Takes the reservation lock, which must not be
 * held.
 */
struct sg_table *
dma_buf_map_attachment_unlocked(struct dma_buf_attachment *attach,
				enum dma_data_direction direction)
{
	struct dma_resv *resv;
	struct sg_table *sgt;

	if (!dma_buf_attachment_ok(attach))
		return ERR_PTR(-EINVAL);

	/* no guard(): its cleanup tests the pointer again, on a hot path */
	resv = attach->dmabuf->resv;
	dma_resv_lock(resv, NULL);
	sgt = dma_buf_map_attachment(attach, direction);
	dma_resv_unlock(resv);
	return sgt;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_map_attachment_unlocked, DMA_BUF);

/**
 * dma_buf_unmap_attachment - undo dma_buf_map_attachment()
 * @attach: the attachment.
 * @sg_table: the table dma_buf_map_attachment() returned.
 * @direction: the direction it was mapped with.
 *
 * A mapping kept for a cache_sgt_mapping exporter stays until detach.
 * Unmapping with nothing mapped warns once and is ignored (see DOC:
 * attachments for the checks made with CONFIG_DMABUF_DEBUG).
 *
 * Context: Process context. The reservation lock must be held.
 */
void dma_buf_unmap_attachment(struct dma_buf_attachment *attach,
			      struct sg_table *sg_table,
			      enum dma_data_direction direction)
{
	struct dma_buf_attach_box *box;

	if (!dma_buf_attachment_ok(attach) || dma_buf_misuse(!sg_table))
		return;
	dma_resv_assert_held(attach->dmabuf->resv);
	trace_dma_buf_unmap_attachment(attach, direction);

	/* a kept mapping lives until detach */
	if (attach->sgt == sg_table)
		return;

	box = to_attach_box(attach);
	if (!dma_buf_misuse(!box->maps) &&
	    dma_buf_unmap_locked(attach, sg_table, direction))
		box->maps--;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_unmap_attachment, DMA_BUF);

/**
 * dma_buf_unmap_attachment_unlocked - dma_buf_unmap_attachment() for
 *	callers not holding the reservation lock
 * @attach: the attachment.
 * @sg_table: the table dma_buf_map_attachment_unlocked() returned.
 * @direction: the direction it was mapped with.
 *
 * Context: Process context. Takes the reservation lock, which must not be
 * held.
 */
void dma_buf_unmap_attachment_unlocked(struct dma_buf_attachment *attach,
				       struct sg_table *sg_table,
				       enum dma_data_direction direction)
{
	struct dma_resv *resv;

	if (!dma_buf_attachment_ok(attach))
		return;

	resv = attach->dmabuf->resv;
	dma_resv_lock(resv, NULL);
	dma_buf_unmap_attachment(attach, sg_table, direction);
	dma_resv_unlock(resv);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_unmap_attachment_unlocked, DMA_BUF);

/**
 * dma_buf_move_notify - tell dynamic importers the buffer is about to move
 * @dmabuf: the buffer.
 *
 * The exporter calls this before it moves the buffer; every dynamic
 * importer's move_notify runs, static importers are not told (their
 * mappings keep the buffer pinned).
 *
 * Context: Process context. The reservation lock must be held.
 */
void dma_buf_move_notify(struct dma_buf *dmabuf)
{
	struct dma_buf_attachment *attach;

	dma_resv_assert_held(dmabuf->resv);
	trace_dma_buf_move_notify(dmabuf);

	list_for_each_entry(attach, &dmabuf->attachments, node)
		if (dma_buf_attachment_is_dynamic(attach))
			attach->importer_ops->move_notify(attach);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_move_notify, DMA_BUF);

/**
 * dma_buf_pin - keep a buffer from moving
 * @attach: a dynamic importer's attachment.
 *
 * For dynamic importers that need the buffer to stay put for a while,
 * such as while it is scanned out. Undo with dma_buf_unpin(). A static
 * importer has no business pinning (its mappings pin already): that warns
 * once, and the exporter is still asked, so that a caller ignoring the
 * result is no worse off than with a dynamic attachment.
 *
 * Return: 0 or the exporter's error.
 *
 * Context: Process context. The reservation lock must be held.
 */
int dma_buf_pin(struct dma_buf_attachment *attach)
{
	const struct dma_buf_ops *ops = attach->dmabuf->ops;

	dma_buf_misuse(!dma_buf_attachment_is_dynamic(attach));
	dma_resv_assert_held(attach->dmabuf->resv);
	trace_dma_buf_pin(attach);

	return ops->pin ? ops->pin(attach) : 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pin, DMA_BUF);

/**
 * dma_buf_unpin - let a pinned buffer move again
 * @attach: the attachment dma_buf_pin() was called for.
 *
 * A static attachment warns once, as in dma_buf_pin(), and still unpins.
 *
 * Context: Process context. The reservation lock must be held.
 */
void dma_buf_unpin(struct dma_buf_attachment *attach)
{
	const struct dma_buf_ops *ops = attach->dmabuf->ops;

	dma_buf_misuse(!dma_buf_attachment_is_dynamic(attach));
	dma_resv_assert_held(attach->dmabuf->resv);
	trace_dma_buf_unpin(attach);

	if (ops->unpin)
		ops->unpin(attach);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_unpin, DMA_BUF);
