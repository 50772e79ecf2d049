// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for races: kernel threads drive the same buffers at once,
 * and once every thread is joined the test checks that nothing was
 * counted twice, lost, or seen after it went away:
 *
 * - attach and detach against dma_buf_move_notify(): a dynamic importer
 *   hears of every move made while it is attached, under the reservation
 *   lock, and of none once detached (dma-buf-attach.c);
 * - map and unmap, locked and _unlocked, by static and dynamic importers
 *   of a pinning, a caching and a plain exporter: every table and every
 *   pin is given back (dma-buf-attach.c);
 * - vmap counting: the exporter maps on the first vmap only and unmaps on
 *   the last vunmap only, and all holders see one address (dma-buf-cpu.c);
 * - begin/end CPU access from several threads (dma-buf-cpu.c);
 * - the last dma_buf_put() against walks with dma_buf_iter_next() and
 *   against bufinfo, and dma_buf_get() of an fd against its close: no
 *   buffer is handed out once its release began, and each is released
 *   exactly once (dma-buf-export.c, dma-buf-debugfs.c);
 * - poll() against fences added and signalled: a poll that finds a fence
 *   pending, on the lockless path or the locked one, is always followed by
 *   a wake-up (dma-buf-sync.c);
 * - DMA_BUF_SET_NAME against the fd's path and fdinfo: a reader sees one
 *   whole name, never parts of two (dma-buf-file.c).
 *
 * The threads of a case start together behind a barrier. On UML, with one
 * CPU and no preemption, they give the CPU away between steps
 * (race_pause()) so that their steps interleave; on SMP the races are
 * real. Threads never assert: they record failures in their race, which
 * the test reports once it has joined them all.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/mmu_context.h>
#include <linux/minmax.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <uapi/linux/dma-buf.h>

#include "../dma-buf-internal.h"
#include "mock-exporter.h"

#define RACE_MAX_THREADS 10

struct race;

/**
 * struct race_thread - one thread of a race
 * @race: the race it runs in.
 * @task: the thread; NULL once joined.
 * @fn: its work, started once every thread of the race is ready.
 * @arg: the argument of @fn.
 * @id: its index in the race, in the order of race_add().
 * @seed: state of the pseudo-random choice made by race_pause().
 * @steps: calls of race_pause() it made.
 * @pausing: it waits in race_pause().
 * @done: its work is done.
 */
struct race_thread {
	struct race *race;
	struct task_struct *task;
	void (*fn)(struct race_thread *rt);
	void *arg;
	int id;
	u32 seed;
	int steps;
	bool pausing;
	bool done;
};

/**
 * struct race - kernel threads started together and joined together
 * @thread: the threads.
 * @nr: how many race_add() created.
 * @arrived: threads at the start line so far.
 * @go: completed by the last thread to arrive.
 * @running: threads whose work is not done.
 * @done: completed by the last thread to finish its work.
 * @failures: checks that failed in the threads.
 * @first: what the first of them was.
 * @steps: steps the threads took, as race_pause() counts them.
 * @stepped: where threads wait for another to take a step.
 * @fair: race_pause() waits for threads that fall behind: with one CPU only.
 */
struct race {
	struct race_thread thread[RACE_MAX_THREADS];
	int nr;
	atomic_t arrived;
	struct completion go;
	atomic_t running;
	struct completion done;
	atomic_t failures;
	char first[192];
	atomic_t steps;
	wait_queue_head_t stepped;
	bool fair;
};

static int race_main(void *data)
{
	struct race_thread *rt = data;
	struct race *race = rt->race;

	if (atomic_inc_return(&race->arrived) == race->nr)
		complete_all(&race->go);
	else
		wait_for_completion(&race->go);

	rt->fn(rt);

	WRITE_ONCE(rt->done, true);
	wake_up_all(&race->stepped);
	if (atomic_dec_and_test(&race->running))
		complete(&race->done);
	return 0;
}

/* Threads never woken exit without running their work. */
static void race_join(void *data)
{
	struct race *race = data;
	int i;

	for (i = 0; i < race->nr; i++) {
		if (race->thread[i].task)
			kthread_stop_put(race->thread[i].task);
		race->thread[i].task = NULL;
	}
}

/**
 * race_new - a race without threads yet
 * @test: the running test. Should it end before race_run() (a failed
 *	assertion), its cleanup joins the threads created so far, which then
 *	exit without having run anything.
 *
 * Return: the race, freed when the test ends.
 */
static struct race *race_new(struct kunit *test)
{
	struct race *race = kunit_kzalloc(test, sizeof(*race), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, race);
	init_completion(&race->go);
	init_completion(&race->done);
	init_waitqueue_head(&race->stepped);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, race_join, race));
	return race;
}

/**
 * race_add - create a thread of a race, not running yet
 * @test: the running test.
 * @race: the race.
 * @fn: the thread's work.
 * @arg: the argument @fn finds in &race_thread.arg.
 */
static void race_add(struct kunit *test, struct race *race,
		     void (*fn)(struct race_thread *rt), void *arg)
{
	struct race_thread *rt;
	struct task_struct *task;

	KUNIT_ASSERT_LT(test, race->nr, RACE_MAX_THREADS);
	rt = &race->thread[race->nr];
	rt->race = race;
	rt->fn = fn;
	rt->arg = arg;
	rt->id = race->nr;
	rt->seed = race->nr + 1;
	task = kthread_create(race_main, rt, "dma-buf-race/%d", race->nr);
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	get_task_struct(task);
	rt->task = task;
	race->nr++;
}

/**
 * race_run - run every thread of a race to its end
 * @test: the running test.
 * @race: the race, with at least one thread.
 *
 * Wakes the threads, waits until each has done its work, joins them all
 * and reports the first failure a thread recorded.
 */
static void race_run(struct kunit *test, struct race *race)
{
	int i;

	race->fair = num_online_cpus() == 1;
	atomic_set(&race->running, race->nr);
	for (i = 0; i < race->nr; i++)
		wake_up_process(race->thread[i].task);
	/* stopping a thread before it ran would leave the others at the start line */
	wait_for_completion(&race->done);
	race_join(race);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&race->failures), 0, "first: %s", race->first);
}

static __printf(3, 4) void race_fail(struct race_thread *rt, int line, const char *fmt, ...)
{
	struct race *race = rt->race;
	va_list args;
	int n;

	/* only the first failure is described, by the thread that had it */
	if (atomic_inc_return(&race->failures) > 1)
		return;
	n = scnprintf(race->first, sizeof(race->first), "thread %d, line %d: ", rt->id, line);
	va_start(args, fmt);
	vscnprintf(race->first + n, sizeof(race->first) - n, fmt, args);
	va_end(args);
}

/* A check in a thread: records a failure and says whether @cond held. */
#define race_expect(rt, cond, fmt, ...) ({					\
	bool __ok = !!(cond);							\
										\
	if (unlikely(!__ok))							\
		race_fail(rt, __LINE__, "%s: " fmt, #cond, ##__VA_ARGS__);	\
	__ok;									\
})

/* Steps a thread may be ahead of another that could run. */
#define RACE_SLACK 2

/*
 * Whether a thread that has taken its step @step may carry on: when no
 * other thread can take a step (they are done, or wait for something else
 * than a step, such as a lock this one holds), or when another has taken a
 * step since and, on one CPU, none that can run has fallen behind it.
 */
static bool race_may_go(struct race_thread *rt, int step)
{
	struct race *race = rt->race;
	bool alone = true;
	int i;

	for (i = 0; i < race->nr; i++) {
		struct race_thread *other = &race->thread[i];
		bool running;

		if (other == rt || READ_ONCE(other->done))
			continue;
		running = task_is_running(other->task);
		if (running || READ_ONCE(other->pausing))
			alone = false;
		if (race->fair && running && READ_ONCE(other->steps) + RACE_SLACK < rt->steps)
			return false;
	}
	return alone || atomic_read(&race->steps) != step;
}

/*
 * Let the other threads run between two steps. On UML nothing else would:
 * there is one CPU and no preemption, a thread that calls schedule() gets
 * the CPU back until its slice is used up, and a thread woken often is
 * preferred to one that waits to run. So the thread sleeps until another
 * has taken a step and no thread that could run lags behind (until the
 * next tick at most, should a thread block unseen). Now and then
 * it carries on at once, so that it also takes steps in a row. With more
 * CPUs the others run anyway: the wait is short, and a thread that lags
 * behind may only be on a CPU the hypervisor holds up, so nobody waits
 * for it.
 */
static void race_pause(struct race_thread *rt)
{
	struct race *race = rt->race;
	int step;

	WRITE_ONCE(rt->steps, rt->steps + 1);
	step = atomic_inc_return(&race->steps);
	wake_up_all(&race->stepped);

	rt->seed = next_pseudo_random32(rt->seed);
	if (rt->seed >> 30 == 0 && race_may_go(rt, step - 1)) {
		cond_resched();
		return;
	}
	WRITE_ONCE(rt->pausing, true);
	wait_event_timeout(race->stepped, race_may_go(rt, step), 1);
	WRITE_ONCE(rt->pausing, false);
}

/*
 * race_pause() for a thread holding a lock the others take. On one CPU it
 * must not wait: a thread it waits for could block on the lock, and
 * nothing would tell it. With more CPUs the others contend for the lock
 * meanwhile.
 */
static void race_pause_locked(struct race_thread *rt)
{
	if (rt->race->fair)
		cond_resched();
	else
		race_pause(rt);
}

/* attach and detach against move notification */

#define NOTIFY_ATTACHERS	3
#define NOTIFY_ATTACHES		150	/* per attaching thread */
#define NOTIFY_MAX_ROUNDS	20000

struct notify_race;

/**
 * struct notify_rec - what one dynamic attachment was told
 * @ctx: the race it belongs to.
 * @moves: move_notify calls, counted under the reservation lock.
 * @moves_at_detach: @moves when detach had returned.
 * @detached: set once detach returned.
 * @used: the attachment was made.
 */
struct notify_rec {
	struct notify_race *ctx;
	int moves;
	int moves_at_detach;
	bool detached;
	bool used;
};

/**
 * struct notify_race - attach and detach against move notification
 * @me: the buffer.
 * @ops: the dynamic importers' callbacks.
 * @dev: a device for each attaching thread, the static one last.
 * @rec: a record for each attachment ever made, never reused.
 * @holder: the notifying thread while it holds the reservation lock.
 * @rounds: dma_buf_move_notify() calls made, counted under the lock.
 * @attachers: attaching threads still running.
 * @static_attaches: attachments the static importer made.
 * @unlocked: notifications that ran outside the notifier's locked section.
 * @late: notifications of attachments already detached.
 */
struct notify_race {
	struct mock_exporter *me;
	struct dma_buf_attach_ops ops;
	struct device *dev[NOTIFY_ATTACHERS + 1];
	struct notify_rec rec[NOTIFY_ATTACHERS][NOTIFY_ATTACHES];
	struct task_struct *holder;
	atomic_t rounds;
	atomic_t attachers;
	int static_attaches;
	atomic_t unlocked;
	atomic_t late;
};

static void notify_move(struct dma_buf_attachment *attach)
{
	struct notify_rec *rec = attach->importer_priv;
	struct notify_race *ctx = rec->ctx;
	struct dma_resv *resv = attach->dmabuf->resv;

	if (READ_ONCE(ctx->holder) != current || !ww_mutex_is_locked(&resv->lock) ||
	    (IS_ENABLED(CONFIG_LOCKDEP) && !dma_resv_held(resv)))
		atomic_inc(&ctx->unlocked);
	if (READ_ONCE(rec->detached))
		atomic_inc(&ctx->late);
	WRITE_ONCE(rec->moves, rec->moves + 1);
}

/* The exporter: announces moves, under the lock, while importers come and go. */
static void notify_thread(struct race_thread *rt)
{
	struct notify_race *ctx = rt->arg;
	struct dma_buf *dmabuf = ctx->me->dmabuf;
	int i;

	for (i = 0; i < NOTIFY_MAX_ROUNDS && atomic_read(&ctx->attachers); i++) {
		dma_resv_lock(dmabuf->resv, NULL);
		WRITE_ONCE(ctx->holder, current);
		dma_buf_move_notify(dmabuf);
		atomic_inc(&ctx->rounds);
		/* now and then keep the lock a while, as a real move does */
		if (i % 8 == 0)
			race_pause_locked(rt);
		WRITE_ONCE(ctx->holder, NULL);
		dma_resv_unlock(dmabuf->resv);
		race_pause(rt);
	}
}

static void notify_attach_thread(struct race_thread *rt)
{
	struct notify_race *ctx = rt->arg;
	struct dma_buf *dmabuf = ctx->me->dmabuf;
	struct dma_buf_attachment *attach;
	int i, before, first, last, after, moves;

	for (i = 0; i < NOTIFY_ATTACHES; i++) {
		struct notify_rec *rec = &ctx->rec[rt->id][i];

		before = atomic_read(&ctx->rounds);
		attach = dma_buf_dynamic_attach(dmabuf, ctx->dev[rt->id], &ctx->ops, rec);
		if (!race_expect(rt, !IS_ERR(attach), "attach %d: %ld", i, PTR_ERR(attach)))
			break;
		rec->used = true;
		first = atomic_read(&ctx->rounds);
		race_pause(rt);
		last = atomic_read(&ctx->rounds);
		dma_buf_detach(dmabuf, attach);
		after = atomic_read(&ctx->rounds);
		WRITE_ONCE(rec->detached, true);

		/*
		 * Each round counted between the return of attach and the call
		 * of detach ran with the attachment listed: it was told. No
		 * round counted before attach or after detach can have told it.
		 */
		moves = READ_ONCE(rec->moves);
		rec->moves_at_detach = moves;
		race_expect(rt, moves >= last - first && moves <= after - before,
			    "attachment %d told %d times, rounds %d, %d, %d, %d",
			    i, moves, before, first, last, after);
		race_pause(rt);
	}
	atomic_dec(&ctx->attachers);
}

static void notify_static_thread(struct race_thread *rt)
{
	struct notify_race *ctx = rt->arg;
	struct dma_buf *dmabuf = ctx->me->dmabuf;
	struct dma_buf_attachment *attach;
	int i;

	for (i = 0; i < NOTIFY_ATTACHES; i++) {
		attach = dma_buf_attach(dmabuf, ctx->dev[NOTIFY_ATTACHERS]);
		if (!race_expect(rt, !IS_ERR(attach), "attach %d: %ld", i, PTR_ERR(attach)))
			break;
		ctx->static_attaches++;
		race_pause(rt);
		dma_buf_detach(dmabuf, attach);
		race_pause(rt);
	}
	atomic_dec(&ctx->attachers);
}

static void attach_detach_vs_move_notify(struct kunit *test)
{
	struct notify_race *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct race *race = race_new(test);
	int i, j, attaches, moves = 0, told_late = 0;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->me = mock_export(test, MOCK_DYNAMIC);
	ctx->ops.move_notify = notify_move;
	for (i = 0; i <= NOTIFY_ATTACHERS; i++)
		ctx->dev[i] = mock_device(test, mock_kasprintf(test, "dma-buf-race-%d", i));
	for (i = 0; i < NOTIFY_ATTACHERS; i++)
		for (j = 0; j < NOTIFY_ATTACHES; j++)
			ctx->rec[i][j].ctx = ctx;
	atomic_set(&ctx->attachers, NOTIFY_ATTACHERS + 1);

	/* the dynamic attachers first: their index picks their records */
	for (i = 0; i < NOTIFY_ATTACHERS; i++)
		race_add(test, race, notify_attach_thread, ctx);
	race_add(test, race, notify_static_thread, ctx);
	race_add(test, race, notify_thread, ctx);
	race_run(test, race);

	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->unlocked), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->late), 0);
	attaches = ctx->static_attaches;
	for (i = 0; i < NOTIFY_ATTACHERS; i++) {
		for (j = 0; j < NOTIFY_ATTACHES; j++) {
			struct notify_rec *rec = &ctx->rec[i][j];

			if (!rec->used)
				continue;
			attaches++;
			moves += rec->moves;
			told_late += rec->moves != rec->moves_at_detach;
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, told_late, 0, "attachments told after detach");
	KUNIT_EXPECT_EQ(test, attaches, (NOTIFY_ATTACHERS + 1) * NOTIFY_ATTACHES);
	KUNIT_EXPECT_EQ(test, ctx->me->calls[MOCK_ATTACH], attaches);
	KUNIT_EXPECT_EQ(test, ctx->me->calls[MOCK_DETACH], attaches);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->me->dmabuf->attachments));
	/* the threads did overlap: some attachment was there for a move */
	KUNIT_EXPECT_GT(test, moves, 0);
	mock_put_sync(ctx->me);
}

/* map and unmap from many importers */

#define MAP_ITERATIONS	100	/* per thread */
#define MAP_DEPTH	3	/* mappings a thread holds at most */

/**
 * struct map_importer - an importer that one or more threads map through
 * @imp: the mock importer.
 * @dir: the direction it maps with.
 * @maps: mappings its threads made.
 * @pins: pins its threads took with dma_buf_pin().
 * @cached: the table a caching exporter's attachment hands out every time.
 */
struct map_importer {
	struct mock_importer imp;
	enum dma_data_direction dir;
	atomic_t maps;
	atomic_t pins;
	struct sg_table *cached;
};

static void map_check(struct race_thread *rt, struct map_importer *mi,
		      struct sg_table **held, int depth)
{
	struct sg_table *sgt = held[depth], *old;
	int i;

	if (mi->imp.attach->dmabuf->ops->cache_sgt_mapping) {
		old = cmpxchg(&mi->cached, NULL, sgt);
		race_expect(rt, !old || old == sgt, "cached table %p, then %p", old, sgt);
		return;
	}
	for (i = 0; i < depth; i++)
		race_expect(rt, held[i] != sgt, "table %p handed out twice", sgt);
}

static void map_thread(struct race_thread *rt)
{
	struct map_importer *mi = rt->arg;
	struct dma_buf_attachment *attach = mi->imp.attach;
	struct dma_resv *resv = attach->dmabuf->resv;
	bool can_pin = dma_buf_attachment_is_dynamic(attach) && attach->dmabuf->ops->pin;
	struct sg_table *held[MAP_DEPTH], *sgt;
	int i, depth, ret;

	for (i = 0; i < MAP_ITERATIONS; i++) {
		/* the locked variants keep the lock over the whole sequence */
		bool locked = (i + rt->id) % 2;
		bool pinned = false;

		if (locked) {
			dma_resv_lock(resv, NULL);
			if (can_pin && i % 3 == 0) {
				ret = dma_buf_pin(attach);
				pinned = race_expect(rt, !ret, "pin %d: %d", i, ret);
				if (pinned)
					atomic_inc(&mi->pins);
			}
		}
		for (depth = 0; depth < 1 + i % MAP_DEPTH; depth++) {
			sgt = locked ? dma_buf_map_attachment(attach, mi->dir) :
				       dma_buf_map_attachment_unlocked(attach, mi->dir);
			if (!race_expect(rt, !IS_ERR_OR_NULL(sgt), "map %d: %ld", i, PTR_ERR(sgt)))
				break;
			atomic_inc(&mi->maps);
			held[depth] = sgt;
			map_check(rt, mi, held, depth);
			if (locked)
				race_pause_locked(rt);
			else
				race_pause(rt);
		}
		while (depth--) {
			if (locked) {
				dma_buf_unmap_attachment(attach, held[depth], mi->dir);
				race_pause_locked(rt);
			} else {
				dma_buf_unmap_attachment_unlocked(attach, held[depth], mi->dir);
				race_pause(rt);
			}
		}
		if (pinned)
			dma_buf_unpin(attach);
		if (locked)
			dma_resv_unlock(resv);
		race_pause(rt);
	}
}

/* A static importer shared by two threads and a dynamic one, per buffer. */
#define MAP_IMPORTERS 2

static void map_check_buffer(struct kunit *test, struct mock_exporter *me,
			     struct map_importer *mi)
{
	bool caching = me->ops->cache_sgt_mapping;
	bool pinning = me->ops->pin;
	int stat = atomic_read(&mi[0].maps), dyn = atomic_read(&mi[1].maps);
	int maps = caching ? MAP_IMPORTERS : stat + dyn;
	int pins = 0;
	int i;

	/* static importers are pinned while mapped, dynamic ones pin themselves */
	if (pinning)
		pins = stat + atomic_read(&mi[1].pins) +
		       (IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? 0 : dyn);

	KUNIT_EXPECT_EQ(test, me->calls[MOCK_MAP], maps);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], caching ? 0 : maps);
	KUNIT_EXPECT_EQ(test, me->tables, caching ? MAP_IMPORTERS : 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_PIN], pins);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNPIN], pins);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_MAP]);
	if (!caching)
		KUNIT_EXPECT_TRUE(test, me->locked[MOCK_UNMAP]);

	/* a caching exporter gets its tables back at detach */
	for (i = 0; i < MAP_IMPORTERS; i++)
		dma_buf_detach(me->dmabuf, mi[i].imp.attach);
	KUNIT_EXPECT_EQ(test, me->tables, 0);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_UNMAP], maps);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_DETACH], MAP_IMPORTERS);
	mock_put_sync(me);
}

static void map_unmap_from_many_importers(struct kunit *test)
{
	static const unsigned long flags[] = { MOCK_DYNAMIC, MOCK_CACHE_SGT, 0 };
	struct race *race = race_new(test);
	struct mock_exporter *me[ARRAY_SIZE(flags)];
	struct map_importer *mi;
	int b;

	mi = kunit_kcalloc(test, ARRAY_SIZE(flags) * MAP_IMPORTERS, sizeof(*mi), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mi);
	for (b = 0; b < ARRAY_SIZE(flags); b++) {
		struct map_importer *stat = &mi[b * MAP_IMPORTERS], *dyn = stat + 1;

		me[b] = mock_export(test, flags[b]);
		mock_attach(test, me[b], &stat->imp, false, false);
		stat->dir = DMA_BIDIRECTIONAL;
		mock_attach(test, me[b], &dyn->imp, true, false);
		dyn->dir = DMA_TO_DEVICE;
	}
	for (b = 0; b < ARRAY_SIZE(flags); b++) {
		race_add(test, race, map_thread, &mi[b * MAP_IMPORTERS]);
		race_add(test, race, map_thread, &mi[b * MAP_IMPORTERS]);
		race_add(test, race, map_thread, &mi[b * MAP_IMPORTERS + 1]);
	}
	race_run(test, race);

	for (b = 0; b < ARRAY_SIZE(flags); b++)
		map_check_buffer(test, me[b], &mi[b * MAP_IMPORTERS]);
}

/* vmap counting */

#define VMAP_THREADS	4
#define VMAP_ITERATIONS	200	/* per thread */

/**
 * struct vmap_race - vmap and vunmap of one buffer from several threads
 * @me: the buffer; its exporter hands out another address on every vmap.
 * @lock: guards the fields below.
 * @holders: threads holding a mapping, as the threads count them.
 * @vaddr: the address they hold.
 * @most: the most holders there were at once.
 */
struct vmap_race {
	struct mock_exporter *me;
	spinlock_t lock;	/* guards the fields below */
	int holders;
	void *vaddr;
	int most;
};

/* dma_buf_vmap() under the lock, which lets us see whether the exporter ran. */
static int vmap_locked(struct race_thread *rt, struct vmap_race *ctx, struct iosys_map *map)
{
	struct dma_buf *dmabuf = ctx->me->dmabuf;
	unsigned int count;
	int calls, ret;

	dma_resv_lock(dmabuf->resv, NULL);
	count = dmabuf->vmapping_counter;
	calls = mock_calls(ctx->me, MOCK_VMAP);
	ret = dma_buf_vmap(dmabuf, map);
	calls = mock_calls(ctx->me, MOCK_VMAP) - calls;
	if (race_expect(rt, !ret, "vmap: %d", ret)) {
		race_expect(rt, calls == !count, "%d exporter vmaps at count %u", calls, count);
		race_expect(rt, dmabuf->vmapping_counter == count + 1,
			    "count %u after %u", dmabuf->vmapping_counter, count);
	}
	dma_resv_unlock(dmabuf->resv);
	return ret;
}

static void vunmap_locked(struct race_thread *rt, struct vmap_race *ctx, struct iosys_map *map)
{
	struct dma_buf *dmabuf = ctx->me->dmabuf;
	unsigned int count;
	int calls;

	dma_resv_lock(dmabuf->resv, NULL);
	count = dmabuf->vmapping_counter;
	calls = mock_calls(ctx->me, MOCK_VUNMAP);
	dma_buf_vunmap(dmabuf, map);
	calls = mock_calls(ctx->me, MOCK_VUNMAP) - calls;
	race_expect(rt, calls == (count == 1), "%d exporter vunmaps at count %u", calls, count);
	race_expect(rt, dmabuf->vmapping_counter == count - 1,
		    "count %u after %u", dmabuf->vmapping_counter, count);
	dma_resv_unlock(dmabuf->resv);
}

/* Whoever holds a mapping while others do holds the same address. */
static void vmap_hold(struct race_thread *rt, struct vmap_race *ctx, struct iosys_map *map)
{
	spin_lock(&ctx->lock);
	if (!ctx->holders++)
		ctx->vaddr = map->vaddr;
	else
		race_expect(rt, map->vaddr == ctx->vaddr, "held %p while others held %p",
			    map->vaddr, ctx->vaddr);
	ctx->most = max(ctx->most, ctx->holders);
	spin_unlock(&ctx->lock);
}

static void vmap_let_go(struct vmap_race *ctx)
{
	spin_lock(&ctx->lock);
	ctx->holders--;
	spin_unlock(&ctx->lock);
}

static void vmap_thread(struct race_thread *rt)
{
	struct vmap_race *ctx = rt->arg;
	struct dma_buf *dmabuf = ctx->me->dmabuf;
	struct iosys_map map;
	int i, ret, vmaps, vunmaps;

	for (i = 0; i < VMAP_ITERATIONS; i++) {
		bool locked = (i + rt->id) % 2;

		ret = locked ? vmap_locked(rt, ctx, &map) : dma_buf_vmap_unlocked(dmabuf, &map);
		if (!race_expect(rt, !ret, "vmap %d: %d", i, ret))
			continue;
		race_expect(rt, !map.is_iomem && map.vaddr, "vmap %d: nothing mapped", i);
		vmap_hold(rt, ctx, &map);
		race_pause(rt);

		if (i % 4 == 0) {
			/* the exporter's one mapping is the one we hold */
			dma_resv_lock(dmabuf->resv, NULL);
			vmaps = mock_calls(ctx->me, MOCK_VMAP);
			vunmaps = mock_calls(ctx->me, MOCK_VUNMAP);
			race_expect(rt, vmaps == vunmaps + 1, "%d vmaps, %d vunmaps",
				    vmaps, vunmaps);
			race_expect(rt, iosys_map_is_equal(&map, &dmabuf->vmap_ptr),
				    "holding %p, buffer at %p", map.vaddr, dmabuf->vmap_ptr.vaddr);
			dma_resv_unlock(dmabuf->resv);
		}

		vmap_let_go(ctx);
		if (locked)
			vunmap_locked(rt, ctx, &map);
		else
			dma_buf_vunmap_unlocked(dmabuf, &map);
		race_pause(rt);
	}
}

static void vmap_count_from_many_threads(struct kunit *test)
{
	struct vmap_race *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct race *race = race_new(test);
	struct mock_exporter *me;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	spin_lock_init(&ctx->lock);
	me = mock_export(test, MOCK_VMAP_MOVES);
	ctx->me = me;
	for (i = 0; i < VMAP_THREADS; i++)
		race_add(test, race, vmap_thread, ctx);
	race_run(test, race);

	KUNIT_EXPECT_EQ(test, me->dmabuf->vmapping_counter, 0U);
	KUNIT_EXPECT_TRUE(test, iosys_map_is_null(&me->dmabuf->vmap_ptr));
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VMAP], me->calls[MOCK_VUNMAP]);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_VMAP]);
	KUNIT_EXPECT_TRUE(test, me->locked[MOCK_VUNMAP]);
	/* mappings were shared, and made again: both halves of the count ran */
	KUNIT_EXPECT_GT(test, ctx->most, 1);
	KUNIT_EXPECT_GT(test, me->calls[MOCK_VMAP], 1);
	mock_put_sync(me);
}

/* CPU access */

#define CPU_THREADS	4
#define CPU_ITERATIONS	200	/* per thread */

static void cpu_access_thread(struct race_thread *rt)
{
	static const enum dma_data_direction dirs[] = {
		DMA_FROM_DEVICE, DMA_TO_DEVICE, DMA_BIDIRECTIONAL,
	};
	struct mock_exporter *me = rt->arg;
	enum dma_data_direction dir;
	struct iosys_map map;
	int i, ret;

	for (i = 0; i < CPU_ITERATIONS; i++) {
		dir = dirs[(i + rt->id) % ARRAY_SIZE(dirs)];
		ret = dma_buf_begin_cpu_access(me->dmabuf, dir);
		if (!race_expect(rt, !ret, "begin %d: %d", i, ret))
			continue;
		race_pause(rt);
		/* half the threads also map the buffer inside the bracket */
		if (rt->id % 2) {
			ret = dma_buf_vmap_unlocked(me->dmabuf, &map);
			if (race_expect(rt, !ret, "vmap %d: %d", i, ret)) {
				race_pause(rt);
				dma_buf_vunmap_unlocked(me->dmabuf, &map);
			}
		}
		ret = dma_buf_end_cpu_access(me->dmabuf, dir);
		race_expect(rt, !ret, "end %d: %d", i, ret);
		race_pause(rt);
	}
}

static void cpu_access_from_many_threads(struct kunit *test)
{
	struct mock_exporter *me = mock_export(test, 0);
	struct race *race = race_new(test);
	int i;

	for (i = 0; i < CPU_THREADS; i++)
		race_add(test, race, cpu_access_thread, me);
	race_run(test, race);

	KUNIT_EXPECT_EQ(test, me->calls[MOCK_BEGIN_CPU], CPU_THREADS * CPU_ITERATIONS);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_END_CPU], CPU_THREADS * CPU_ITERATIONS);
	KUNIT_EXPECT_EQ(test, me->calls[MOCK_VMAP], me->calls[MOCK_VUNMAP]);
	KUNIT_EXPECT_EQ(test, me->dmabuf->vmapping_counter, 0U);
	mock_put_sync(me);
}

/* the last put against the list's readers */

#define PUT_BUFFERS	96
#define PUT_KEEP	4	/* every 4th buffer lives through the race */
#define PUT_PUTTERS	2
#define PUT_MAX_READS	100	/* walks, or reads of bufinfo */
#define PUT_STRIDE	37	/* puts go all over the list: prime to PUT_BUFFERS */

/**
 * struct put_race - buffers released while others look at the list
 * @me: the buffers. Buffer i describes MOCK_SIZE plus i pages, which
 *	tells it from a buffer allocated where a released one was.
 * @kept: for every buffer that lives through the race, its bufinfo text.
 * @putters: putting threads still running.
 * @seen: how often the current walk met each buffer.
 * @reads: walks or reads of bufinfo made.
 * @bufinfo: where bufinfo is read into.
 */
struct put_race {
	struct mock_exporter *me[PUT_BUFFERS];
	const char *kept[PUT_BUFFERS / PUT_KEEP];
	atomic_t putters;
	int seen[PUT_BUFFERS];
	int reads;
	struct seq_file *bufinfo;
};

static struct put_race *put_race_new(struct kunit *test)
{
	struct put_race *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct mock_exporter *me;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	for (i = 0; i < PUT_BUFFERS; i++) {
		me = mock_prepare(test, 0);
		me->size = MOCK_SIZE + i * PAGE_SIZE;
		KUNIT_ASSERT_EQ(test, mock_export_now(me, O_RDWR), 0);
		ctx->me[i] = me;
		if (i % PUT_KEEP == 0)
			ctx->kept[i / PUT_KEEP] =
				mock_kasprintf(test, "\tmock\t%08lu\t",
					       file_inode(me->dmabuf->file)->i_ino);
	}
	atomic_set(&ctx->putters, PUT_PUTTERS);
	return ctx;
}

/* Index of one of our buffers, -1 for any other. */
static int put_find(struct put_race *ctx, struct dma_buf *dmabuf)
{
	size_t pages = dmabuf->size / PAGE_SIZE;

	if (dmabuf->size % PAGE_SIZE || pages < MOCK_PAGES ||
	    pages - MOCK_PAGES >= PUT_BUFFERS)
		return -1;
	return ctx->me[pages - MOCK_PAGES]->dmabuf == dmabuf ? pages - MOCK_PAGES : -1;
}

/*
 * Drops the last reference of its share of the buffers that do not stay,
 * in an order that has nothing to do with the order of the list.
 */
static void put_thread(struct race_thread *rt)
{
	struct put_race *ctx = rt->arg;
	struct dma_buf *kept;
	int i, k, n = 0;

	for (k = 0; k < PUT_BUFFERS; k++) {
		i = k * PUT_STRIDE % PUT_BUFFERS;
		if (i % PUT_KEEP == 0 || n++ % PUT_PUTTERS != rt->id)
			continue;
		/* and a reference that comes and goes on a buffer that stays */
		kept = ctx->me[i - i % PUT_KEEP]->dmabuf;
		get_dma_buf(kept);
		dma_buf_put(ctx->me[i]->dmabuf);
		race_pause(rt);
		dma_buf_put(kept);
		/* a kernel thread's last fput waits for a workqueue: run it now */
		if (n % 4 == 0)
			flush_delayed_fput();
		race_pause(rt);
	}
	flush_delayed_fput();
	atomic_dec(&ctx->putters);
}

static void walk_check(struct race_thread *rt, struct put_race *ctx, struct dma_buf *dmabuf)
{
	int i = put_find(ctx, dmabuf);

	/*
	 * Release begins with the buffer leaving the list. Ours is a
	 * reference, so the buffer stays listed, and the list lock is not
	 * needed to see that.
	 */
	race_expect(rt, file_count(dmabuf->file) > 0, "buffer %d handed out unreferenced", i);
	race_expect(rt, !list_empty(&dmabuf->list_node), "buffer %d handed out unlisted", i);
	if (i < 0)
		return;
	ctx->seen[i]++;
	race_expect(rt, !mock_calls(ctx->me[i], MOCK_RELEASE),
		    "buffer %d handed out after its release", i);
}

static void walk_thread(struct race_thread *rt)
{
	struct put_race *ctx = rt->arg;
	struct dma_buf *dmabuf;
	bool again, whole;
	int i, step;

	do {
		/* one more walk once the putters are done */
		again = atomic_read(&ctx->putters);
		memset(ctx->seen, 0, sizeof(ctx->seen));
		whole = true;
		step = 0;
		for (dmabuf = dma_buf_iter_begin(); dmabuf; dmabuf = dma_buf_iter_next(dmabuf)) {
			walk_check(rt, ctx, dmabuf);
			step++;
			/* now and then stop half-way, dropping the reference by hand */
			if (ctx->reads % 3 == 2 && step == PUT_BUFFERS / 2) {
				dma_buf_put(dmabuf);
				whole = false;
				break;
			}
			/* the putters go on while it holds a buffer */
			if (step % 4 == 0)
				race_pause(rt);
		}
		for (i = 0; i < PUT_BUFFERS; i++) {
			/* a buffer alive throughout a whole walk is met once */
			if (i % PUT_KEEP || !whole)
				race_expect(rt, ctx->seen[i] <= 1, "walk %d, buffer %d: %d",
					    ctx->reads, i, ctx->seen[i]);
			else
				race_expect(rt, ctx->seen[i] == 1, "walk %d, buffer %d: %d",
					    ctx->reads, i, ctx->seen[i]);
		}
		ctx->reads++;
	} while (again && ctx->reads < PUT_MAX_READS);
	flush_delayed_fput();
}

static void bufinfo_thread(struct race_thread *rt)
{
	struct put_race *ctx = rt->arg;
	struct seq_file *m = ctx->bufinfo;
	char *total, *next;
	int i, ret, objects;
	bool again;

	do {
		again = atomic_read(&ctx->putters);
		m->count = 0;
		ret = dma_buf_bufinfo_show(m, NULL);
		if (!race_expect(rt, !ret, "bufinfo: %d", ret) ||
		    !race_expect(rt, m->count < m->size, "bufinfo: %zu bytes", m->count))
			break;
		m->buf[m->count] = '\0';

		/* the last "Total" line counts buffers, the others devices */
		total = strstr(m->buf, "\nTotal ");
		while (total && (next = strstr(total + 1, "\nTotal ")))
			total = next;
		if (!race_expect(rt, total && sscanf(total, "\nTotal %d objects", &objects) == 1,
				 "no total in bufinfo"))
			break;
		race_expect(rt, objects >= (int)ARRAY_SIZE(ctx->kept), "%d listed", objects);
		for (i = 0; i < ARRAY_SIZE(ctx->kept); i++)
			race_expect(rt, strstr(m->buf, ctx->kept[i]),
				    "kept buffer %d not listed", i * PUT_KEEP);
		ctx->reads++;
		race_pause(rt);
	} while (again && ctx->reads < PUT_MAX_READS);
}

/*
 * A buffer not released when every thread is done and the deferred fputs
 * are flushed: say whether a reference is still held (a leak) or the
 * release only came late, so that a rare failure explains itself.
 */
static void put_race_explain(struct kunit *test, struct mock_exporter *me)
{
	int ms;

	for (ms = 0; ms < 2000 && !mock_calls(me, MOCK_RELEASE); ms += 20) {
		mock_flush_release();
		msleep(20);
	}
	/* the file is read only if the buffer still is not released */
	if (mock_calls(me, MOCK_RELEASE))
		kunit_info(test, "released %d ms after the check\n", ms);
	else
		kunit_info(test, "not released 2 s after the check, file count %ld\n",
			   file_count(me->dmabuf->file));
}

/* Every reference the readers took is back; each buffer is released once. */
static void put_race_finish(struct kunit *test, struct put_race *ctx)
{
	int i;

	mock_flush_release();
	for (i = 0; i < PUT_BUFFERS; i += PUT_KEEP) {
		KUNIT_EXPECT_EQ_MSG(test, file_count(ctx->me[i]->dmabuf->file), 1L, "buffer %d", i);
		dma_buf_put(ctx->me[i]->dmabuf);
	}
	mock_flush_release();
	for (i = 0; i < PUT_BUFFERS; i++) {
		int released = mock_calls(ctx->me[i], MOCK_RELEASE);

		KUNIT_EXPECT_EQ_MSG(test, released, 1, "buffer %d", i);
		if (!released)
			put_race_explain(test, ctx->me[i]);
	}
	KUNIT_EXPECT_GT(test, ctx->reads, 1);
}

static void put_vs_iteration(struct kunit *test)
{
	struct put_race *ctx = put_race_new(test);
	struct race *race = race_new(test);
	int i;

	/* the putters first: their index picks their share */
	for (i = 0; i < PUT_PUTTERS; i++)
		race_add(test, race, put_thread, ctx);
	race_add(test, race, walk_thread, ctx);
	race_run(test, race);
	put_race_finish(test, ctx);
}

static void put_vs_bufinfo(struct kunit *test)
{
	struct put_race *ctx = put_race_new(test);
	struct race *race = race_new(test);
	struct seq_file *m;
	int i;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = 128 << 10;
	m->buf = kunit_kzalloc(test, m->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	ctx->bufinfo = m;

	for (i = 0; i < PUT_PUTTERS; i++)
		race_add(test, race, put_thread, ctx);
	race_add(test, race, bufinfo_thread, ctx);
	race_run(test, race);
	put_race_finish(test, ctx);
}

/* dma_buf_get() of an fd against its close */

#define FD_GETTERS	3
#define FD_GETS		400	/* per thread */

/**
 * struct fd_race - references taken through an fd while it is closed
 * @me: the buffer.
 * @fd: its fd, in the file table kernel threads share.
 * @closing: set before the fd is closed.
 * @gets: references taken through the fd so far.
 */
struct fd_race {
	struct mock_exporter *me;
	int fd;
	bool closing;
	atomic_t gets;
};

static void fd_get_thread(struct race_thread *rt)
{
	struct fd_race *ctx = rt->arg;
	struct dma_buf *dmabuf;
	int i;

	for (i = 0; i < FD_GETS; i++) {
		dmabuf = dma_buf_get(ctx->fd);
		if (IS_ERR(dmabuf)) {
			/* pairs with the ordering of close_fd() after setting closing */
			smp_rmb();
			race_expect(rt, PTR_ERR(dmabuf) == -EBADF && READ_ONCE(ctx->closing),
				    "get %d: %ld", i, PTR_ERR(dmabuf));
			break;
		}
		if (!race_expect(rt, dmabuf == ctx->me->dmabuf, "get %d: another buffer", i)) {
			dma_buf_put(dmabuf);
			break;
		}
		atomic_inc(&ctx->gets);
		/* the test's reference and ours at least */
		race_expect(rt, file_count(dmabuf->file) >= 2, "get %d: count %ld",
			    i, file_count(dmabuf->file));
		if (i % 2) {
			get_dma_buf(dmabuf);
			race_pause(rt);
			dma_buf_put(dmabuf);
		}
		race_pause(rt);
		dma_buf_put(dmabuf);
		race_pause(rt);
	}
}

static void fd_close_thread(struct race_thread *rt)
{
	struct fd_race *ctx = rt->arg;
	int i, ret;

	/* let the getters get going, then close while they are at it */
	for (i = 0; i < 100 * FD_GETS && atomic_read(&ctx->gets) < FD_GETTERS * FD_GETS / 4; i++)
		race_pause(rt);
	WRITE_ONCE(ctx->closing, true);
	ret = close_fd(ctx->fd);
	race_expect(rt, !ret, "close: %d", ret);
}

static void fd_get_put_vs_close(struct kunit *test)
{
	struct fd_race *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct race *race = race_new(test);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->me = mock_export(test, 0);
	/* the export's reference goes to the fd; the test keeps one of its own */
	get_dma_buf(ctx->me->dmabuf);
	ctx->fd = dma_buf_fd(ctx->me->dmabuf, O_CLOEXEC);
	KUNIT_ASSERT_GE(test, ctx->fd, 0);

	for (i = 0; i < FD_GETTERS; i++)
		race_add(test, race, fd_get_thread, ctx);
	race_add(test, race, fd_close_thread, ctx);
	race_run(test, race);

	KUNIT_EXPECT_GT(test, atomic_read(&ctx->gets), 0);
	KUNIT_EXPECT_EQ(test, file_count(ctx->me->dmabuf->file), 1L);
	KUNIT_EXPECT_EQ(test, ctx->me->calls[MOCK_RELEASE], 0);
	mock_put_sync(ctx->me);
}

/* poll against fences coming and going */

#define POLL_FENCES	150

/**
 * struct poll_race - poll() while another thread adds and signals fences
 * @me: the buffer.
 * @fence: the fences, added and signalled in turn.
 * @wq: the poller's entry on the buffer's wait queue.
 * @wakeups: wake-ups @wq received.
 * @fencer_done: every fence was added and signalled.
 * @not_ready: polls that reported a pending fence.
 */
struct poll_race {
	struct mock_exporter *me;
	struct dma_fence *fence[POLL_FENCES];
	struct wait_queue_entry wq;
	atomic_t wakeups;
	bool fencer_done;
	int not_ready;
};

static int poll_race_wake(struct wait_queue_entry *wq, unsigned int mode, int sync, void *key)
{
	struct poll_race *ctx = container_of(wq, struct poll_race, wq);

	atomic_inc(&ctx->wakeups);
	return 0;
}

static void poll_fencer_thread(struct race_thread *rt)
{
	struct poll_race *ctx = rt->arg;
	struct dma_resv *resv = ctx->me->dmabuf->resv;
	int i;

	for (i = 0; i < POLL_FENCES; i++) {
		dma_resv_lock(resv, NULL);
		if (race_expect(rt, !dma_resv_reserve_fences(resv, 1), "fence %d", i))
			dma_resv_add_fence(resv, ctx->fence[i], i % 3 ?
					   DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
		dma_resv_unlock(resv);
		race_pause(rt);
		dma_fence_signal(ctx->fence[i]);
		race_pause(rt);
	}
	/* pairs with the read in poll_thread: every fence signalled before */
	smp_store_release(&ctx->fencer_done, true);
}

static bool poll_fencer_done(struct poll_race *ctx)
{
	/* pairs with the release in poll_fencer_thread() */
	return smp_load_acquire(&ctx->fencer_done);
}

/*
 * A poll that finds a fence pending, whether on the lockless path or the
 * locked one, must be followed by a wake-up once the fences signal: the
 * callback it armed, or one armed before, fires. None may be lost.
 */
static void poll_thread(struct race_thread *rt)
{
	struct poll_race *ctx = rt->arg;
	struct file *file = ctx->me->dmabuf->file;
	struct poll_table_struct pt = { ._key = EPOLLIN | EPOLLOUT };
	int before;
	bool done;

	do {
		done = poll_fencer_done(ctx);
		before = atomic_read(&ctx->wakeups);
		if (file->f_op->poll(file, &pt) != (EPOLLIN | EPOLLOUT)) {
			ctx->not_ready++;
			/* once the fencer is done, every fence has signalled */
			while (atomic_read(&ctx->wakeups) == before && !poll_fencer_done(ctx))
				race_pause(rt);
			if (!race_expect(rt, atomic_read(&ctx->wakeups) != before,
					 "no wake-up after poll %d", ctx->not_ready))
				return;
		}
		race_pause(rt);
	} while (!done);
}

static void poll_vs_fence_add_and_signal(struct kunit *test)
{
	struct poll_race *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct race *race = race_new(test);
	struct dma_buf *dmabuf;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->me = mock_export(test, 0);
	dmabuf = ctx->me->dmabuf;
	for (i = 0; i < POLL_FENCES; i++)
		ctx->fence[i] = mock_fence(test);
	init_waitqueue_func_entry(&ctx->wq, poll_race_wake);
	add_wait_queue(&dmabuf->poll, &ctx->wq);

	race_add(test, race, poll_fencer_thread, ctx);
	race_add(test, race, poll_thread, ctx);
	race_run(test, race);
	remove_wait_queue(&dmabuf->poll, &ctx->wq);

	kunit_info(test, "%d of the polls found a fence pending", ctx->not_ready);
	/* every callback fired and gave its file reference back */
	KUNIT_EXPECT_EQ(test, (__force u32)(dmabuf->cb_in.active | dmabuf->cb_out.active), 0U);
	KUNIT_EXPECT_EQ(test, file_count(dmabuf->file), 1L);
	mock_put_sync(ctx->me);
}

/* DMA_BUF_SET_NAME against the readers of the name */

#define NAME_SETS	300
#define NAME_READERS	2
#define NAME_SHORT	"a"
#define NAME_LONG	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"	/* the longest allowed */

/**
 * struct name_race - renames while the name is printed
 * @me: the buffer.
 * @mm: the test's address space, where the names are.
 * @uname: the two names in user memory, 64 bytes apart.
 * @setter_done: every rename was made.
 */
struct name_race {
	struct mock_exporter *me;
	struct mm_struct *mm;
	char __user *uname;
	bool setter_done;
};

static void name_setter_thread(struct race_thread *rt)
{
	struct name_race *ctx = rt->arg;
	long ret;
	int i;

	kthread_use_mm(ctx->mm);
	for (i = 0; i < NAME_SETS; i++) {
		ret = mock_ioctl(ctx->me->dmabuf, DMA_BUF_SET_NAME, ctx->uname + (i % 2) * 64);
		if (!race_expect(rt, !ret, "rename %d: %ld", i, ret))
			break;
		race_pause(rt);
	}
	kthread_unuse_mm(ctx->mm);
	WRITE_ONCE(ctx->setter_done, true);
}

/* Whether @text is @prefix followed by no name or one of the two whole. */
static bool name_whole(const char *text, const char *prefix, const char *suffix)
{
	static const char * const names[] = { "", NAME_SHORT, NAME_LONG };
	char want[64];
	int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(want, sizeof(want), "%s%s%s", prefix, names[i], suffix);
		if (!strcmp(text, want))
			return true;
	}
	return false;
}

static void name_reader_thread(struct race_thread *rt)
{
	struct name_race *ctx = rt->arg;
	struct file *file = ctx->me->dmabuf->file;
	struct dentry *dentry = file->f_path.dentry;
	char path[64], info[256], *p, *line;
	struct seq_file m = { .buf = info, .size = sizeof(info) };

	while (!READ_ONCE(ctx->setter_done)) {
		p = dentry->d_op->d_dname(dentry, path, sizeof(path));
		if (!race_expect(rt, !IS_ERR(p) && name_whole(p, "/dmabuf:", ""),
				 "path %s", IS_ERR(p) ? "(error)" : p))
			return;

		m.count = 0;
		file->f_op->show_fdinfo(&m, file);
		info[min(m.count, sizeof(info) - 1)] = 0;
		/* not exp_name; and there is no name line while there is no name */
		line = strstr(info, "\nname:\t");
		if (line && !race_expect(rt, name_whole(line + 1, "name:\t", "\n"),
					 "fdinfo %s", line))
			return;
		race_pause(rt);
	}
}

static void set_name_vs_readers(struct kunit *test)
{
	struct name_race *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct race *race = race_new(test);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->me = mock_export(test, 0);
	ctx->uname = mock_user_page(test);
	ctx->mm = current->mm;
	KUNIT_ASSERT_NOT_NULL(test, ctx->mm);
	KUNIT_ASSERT_EQ(test, copy_to_user(ctx->uname, NAME_SHORT, sizeof(NAME_SHORT)), 0);
	KUNIT_ASSERT_EQ(test, copy_to_user(ctx->uname + 64, NAME_LONG, sizeof(NAME_LONG)), 0);

	race_add(test, race, name_setter_thread, ctx);
	for (i = 0; i < NAME_READERS; i++)
		race_add(test, race, name_reader_thread, ctx);
	race_run(test, race);

	/* the last rename was the long name */
	KUNIT_EXPECT_STREQ(test, ctx->me->dmabuf->name, NAME_LONG);
	mock_put_sync(ctx->me);
}

static struct kunit_case races_cases[] = {
	KUNIT_CASE(attach_detach_vs_move_notify),
	KUNIT_CASE(map_unmap_from_many_importers),
	KUNIT_CASE(vmap_count_from_many_threads),
	KUNIT_CASE(cpu_access_from_many_threads),
	KUNIT_CASE(put_vs_iteration),
	KUNIT_CASE(put_vs_bufinfo),
	KUNIT_CASE(fd_get_put_vs_close),
	KUNIT_CASE(poll_vs_fence_add_and_signal),
	KUNIT_CASE(set_name_vs_readers),
	{}
};

static struct kunit_suite races_suite = {
	.name = "dma-buf-races",
	.test_cases = races_cases,
};

kunit_test_suite(races_suite);
