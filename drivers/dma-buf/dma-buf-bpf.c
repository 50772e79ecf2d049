// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF access to the list of live dma-bufs.
 */

/**
 * DOC: BPF buffer iterator
 *
 * Two ways for a BPF program to visit every live buffer, both built on
 * dma_buf_iter_begin() and dma_buf_iter_next(), so both hold a reference to
 * the buffer in hand and pass over buffers whose last reference is already
 * gone:
 *
 * - the ``bpf_iter`` target ``dmabuf``: a program attached with
 *   ``SEC("iter/dmabuf")`` (or ``iter.s/dmabuf`` to sleep) is called once
 *   per buffer with a &struct bpf_iter__dmabuf context, and once more with
 *   a NULL buffer at the end; what it prints through the seq_file is what
 *   a read() of the iterator's fd returns;
 * - the open-coded iterator kfuncs bpf_iter_dmabuf_new(),
 *   bpf_iter_dmabuf_next() and bpf_iter_dmabuf_destroy(), for sleepable
 *   programs (a ``SEC("syscall")`` program, for instance).
 *
 * A walk sees every buffer that lives throughout it exactly once; a buffer
 * exported or released meanwhile may or may not be seen. Built only with
 * CONFIG_BPF_SYSCALL and CONFIG_DEBUG_INFO_BTF.
 */

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/seq_file.h>

#include "dma-buf-internal.h"

/* what an iter/dmabuf program gets; NULL buffer on the final call */
struct bpf_iter__dmabuf {
	__bpf_md_ptr(struct bpf_iter_meta *, meta);
	__bpf_md_ptr(struct dma_buf *, dmabuf);
};

DEFINE_BPF_ITER_FUNC(dmabuf, struct bpf_iter_meta *meta, struct dma_buf *dmabuf)

/*
 * A read() of the iterator stops when its buffer is full, with the next
 * buffer already fetched (and referenced) but not shown: keep it for the
 * next read().
 */
struct dmabuf_iter_seq {
	struct dma_buf *resume;
	bool started;
};

static void *dmabuf_iter_seq_start(struct seq_file *seq, loff_t *pos)
{
	struct dmabuf_iter_seq *it = seq->private;
	struct dma_buf *dmabuf = it->resume;

	if (dmabuf) {
		it->resume = NULL;
		return dmabuf;
	}
	/* a later read() without a kept buffer: the walk has ended */
	if (it->started)
		return NULL;
	it->started = true;
	return dma_buf_iter_begin();
}

static void *dmabuf_iter_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	++*pos;
	return dma_buf_iter_next(v);
}

static int dmabuf_iter_run(struct seq_file *seq, struct dma_buf *dmabuf,
			   bool in_stop)
{
	struct bpf_iter__dmabuf ctx;
	struct bpf_iter_meta meta = { .seq = seq };
	struct bpf_prog *prog;

	prog = bpf_iter_get_info(&meta, in_stop);
	if (!prog)
		return 0;
	ctx.meta = &meta;
	ctx.dmabuf = dmabuf;
	return bpf_iter_run_prog(prog, &ctx);
}

static int dmabuf_iter_seq_show(struct seq_file *seq, void *v)
{
	return dmabuf_iter_run(seq, v, false);
}

static void dmabuf_iter_seq_stop(struct seq_file *seq, void *v)
{
	struct dmabuf_iter_seq *it = seq->private;

	if (v)
		it->resume = v;
	else
		dmabuf_iter_run(seq, NULL, true);
}

static void dmabuf_iter_seq_fini(void *priv)
{
	struct dmabuf_iter_seq *it = priv;

	/* the reader closed the iterator in the middle of a walk */
	if (it->resume)
		dma_buf_iter_drop(it->resume);
}

static const struct seq_operations dmabuf_iter_seq_ops = {
	.start = dmabuf_iter_seq_start,
	.next = dmabuf_iter_seq_next,
	.stop = dmabuf_iter_seq_stop,
	.show = dmabuf_iter_seq_show,
};

static const struct bpf_iter_seq_info dmabuf_iter_seq_info = {
	.seq_ops = &dmabuf_iter_seq_ops,
	.fini_seq_private = dmabuf_iter_seq_fini,
	.seq_priv_size = sizeof(struct dmabuf_iter_seq),
};

static struct bpf_iter_reg dmabuf_iter_target = {
	.target = "dmabuf",
	/* the walk sleeps on the list lock, so iter.s programs are fine */
	.feature = BPF_ITER_RESCHED,
	.ctx_arg_info_size = 1,
	.ctx_arg_info = {
		{ offsetof(struct bpf_iter__dmabuf, dmabuf),
		  PTR_TO_BTF_ID_OR_NULL | PTR_TRUSTED },
	},
	.seq_info = &dmabuf_iter_seq_info,
};

/*
 * The open-coded iterator lives on the BPF program's stack: 8 bytes, as
 * the verifier sees them in BTF. Inside, one pointer: NULL before the first
 * call to next, then the buffer last returned (its reference held), and an
 * error pointer once the walk is over.
 */
struct bpf_iter_dmabuf {
	__u64 __opaque[1];
} __aligned(8);

struct dmabuf_iter_kfunc {
	struct dma_buf *last;
};

static_assert(sizeof(struct dmabuf_iter_kfunc) <= sizeof(struct bpf_iter_dmabuf));
static_assert(__alignof__(struct dmabuf_iter_kfunc) <=
	      __alignof__(struct bpf_iter_dmabuf));

__bpf_kfunc_start_defs();

/**
 * bpf_iter_dmabuf_new - set up an open-coded walk over every live buffer
 * @it: the iterator, on the BPF program's stack
 *
 * Return: 0.
 *
 * Context: Sleepable BPF program.
 */
__bpf_kfunc int bpf_iter_dmabuf_new(struct bpf_iter_dmabuf *it)
{
	struct dmabuf_iter_kfunc *kit = (void *)it;

	kit->last = NULL;
	return 0;
}

/**
 * bpf_iter_dmabuf_next - the next live buffer of the walk
 * @it: the iterator
 *
 * Drops the reference to the buffer the previous call returned.
 *
 * Return: the next buffer, referenced until the following call to
 * bpf_iter_dmabuf_next() or bpf_iter_dmabuf_destroy(); NULL at the end.
 *
 * Context: Sleepable BPF program. Takes the core's list lock.
 */
__bpf_kfunc struct dma_buf *bpf_iter_dmabuf_next(struct bpf_iter_dmabuf *it)
{
	struct dmabuf_iter_kfunc *kit = (void *)it;
	struct dma_buf *next;

	if (IS_ERR(kit->last))
		return NULL;
	next = kit->last ? dma_buf_iter_next(kit->last) : dma_buf_iter_begin();
	kit->last = next ?: ERR_PTR(-ENOENT);
	return next;
}

/**
 * bpf_iter_dmabuf_destroy - end a walk
 * @it: the iterator
 *
 * Drops the reference to the buffer last returned, if the walk stopped
 * before its end.
 *
 * Context: Sleepable BPF program.
 */
__bpf_kfunc void bpf_iter_dmabuf_destroy(struct bpf_iter_dmabuf *it)
{
	struct dmabuf_iter_kfunc *kit = (void *)it;

	if (!IS_ERR_OR_NULL(kit->last))
		dma_buf_iter_drop(kit->last);
	kit->last = ERR_PTR(-ENOENT);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(dmabuf_iter_kfunc_ids)
BTF_ID_FLAGS(func, bpf_iter_dmabuf_new, KF_ITER_NEW | KF_SLEEPABLE)
BTF_ID_FLAGS(func, bpf_iter_dmabuf_next, KF_ITER_NEXT | KF_RET_NULL | KF_SLEEPABLE)
BTF_ID_FLAGS(func, bpf_iter_dmabuf_destroy, KF_ITER_DESTROY | KF_SLEEPABLE)
BTF_KFUNCS_END(dmabuf_iter_kfunc_ids)

static const struct btf_kfunc_id_set dmabuf_iter_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &dmabuf_iter_kfunc_ids,
};

BTF_ID_LIST_SINGLE(dmabuf_btf_id, struct, dma_buf)

static int __init dma_buf_bpf_init(void)
{
	int ret;

	dmabuf_iter_target.ctx_arg_info[0].btf_id = dmabuf_btf_id[0];
	ret = bpf_iter_reg_target(&dmabuf_iter_target);
	if (ret)
		return ret;
	/* any program type may call them; the verifier checks sleepability */
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_UNSPEC,
					 &dmabuf_iter_kfunc_set);
}
late_initcall(dma_buf_bpf_init);
