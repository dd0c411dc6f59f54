// SPDX-License-Identifier: GPL-2.0
/*
 * dm-cbs data path: bio mapping, completion, the worker (commits, deferred
 * bios, promotions, writeback) and the copies it starts through dm-kcopyd.
 *
 * A cache block whose state is changing is BUSY: bios to it wait on
 * c->deferred and go through the map logic again when it is released.
 * A change that must be on disk before a bio may be issued (dirty bit of a
 * clean block about to be written, invalidation before newer data goes to
 * the origin) parks the bio on c->after_commit; the worker commits once
 * for all of them.
 */
#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "cbs.h"
#include "io.h"
#include "netlink.h"
#include "row.h"

#define DM_MSG_PREFIX "cbs"

enum cbs_act {
	CBS_ACT_DEFER,		/* queued by us, return DM_MAPIO_SUBMITTED */
	CBS_ACT_ORIGIN,
	CBS_ACT_CACHE,
	CBS_ACT_BOTH,		/* writethrough */
	CBS_ACT_END,		/* complete now (discard without passdown) */
};

struct cbs_mig {
	struct cbs_cache *c;
	u32 cblock;
};

void cbs_kick(struct cbs_cache *c)
{
	queue_work(c->wq, &c->worker);
}

static sector_t cbs_cache_sector(struct cbs_cache *c, u32 cb, sector_t s)
{
	return ((sector_t)cb << c->block_shift) + (s & (c->block_sectors - 1));
}

static unsigned int cbs_wa_bucket(u32 ob)
{
	return ob % CBS_WA_BUCKETS;
}

static bool cbs_mig_budget(struct cbs_cache *c)
{
	return !c->mig_sectors ||
	       c->mig_sectors + c->block_sectors <= c->cfg.migration_threshold;
}

/* Take a free block, evicting a batch for the next commit when short. */
static u32 cbs_alloc_cblock(struct cbs_cache *c)
{
	if (!c->free.count) {
		if (!c->pending_free.count &&
		    cbs_evict(c, min(64U, c->nr_cblocks / 16 + 1)))
			c->commit_wanted = true;
		if (c->pending_free.count)
			c->commit_wanted = true;
		return CBS_NONE;
	}
	return cbs_list_pop(c, &c->free);
}

/*
 * Count a cache device error; the first one since the last clear_stats
 * raises a dm event (edge-triggered, sent by the worker). Under c->lock.
 */
static void cbs_cache_error(struct cbs_cache *c, unsigned int n)
{
	c->stats.cache_errors += n;
	if (n && !c->cache_failed) {
		c->cache_failed = true;
		c->event_pending = true;
	}
}

void cbs_invalidate(struct cbs_cache *c, u32 cb)
{
	if (c->entries[cb].flags & CBS_E_DIRTY)
		c->nr_dirty--;
	cbs_lru_del(c, cb);
	cbs_hash_remove(c, cb);
	c->entries[cb].flags = 0;
	c->nr_valid--;
	cbs_md_mark(c, cb);
	cbs_list_push(c, &c->pending_free, cb);
	c->stats.demotions++;
}

/*
 * Origin resize (a table reload with another length). Growing needs
 * nothing but the new bound. Shrinking is refused (-EINVAL) while a cache
 * block beyond the new end is dirty or busy; clean ones are invalidated.
 * @apply false only checks (ctr, the old table still live); true (preresume,
 * old table suspended) changes the state and commits it, under commit_lock
 * so no commit mixes the old bound with the new mapping.
 */
int cbs_resize_origin(struct cbs_cache *c, u32 nr_oblocks, bool apply)
{
	int r = 0;
	u32 cb;

	if (apply)
		mutex_lock(&c->commit_lock);
	spin_lock_irq(&c->lock);
	for (cb = 0; cb < c->nr_cblocks && nr_oblocks < c->nr_oblocks; cb++) {
		if (!c->entries[cb].flags || c->entries[cb].oblock < nr_oblocks)
			continue;
		if (c->entries[cb].flags & (CBS_E_DIRTY | (apply ? CBS_E_BUSY : 0))) {
			r = -EINVAL;
			break;
		}
	}
	for (cb = 0; apply && !r && cb < c->nr_cblocks; cb++) {
		if ((c->entries[cb].flags & CBS_E_VALID) &&
		    c->entries[cb].oblock >= nr_oblocks)
			cbs_invalidate(c, cb);
		if (!(cb % 4096)) {
			/* long walks: let interrupts in (the worker is idle) */
			spin_unlock_irq(&c->lock);
			cond_resched();
			spin_lock_irq(&c->lock);
		}
	}
	if (apply && !r)
		c->nr_oblocks = nr_oblocks;
	spin_unlock_irq(&c->lock);
	if (!apply)
		return r;
	mutex_unlock(&c->commit_lock);
	if (!r && !READ_ONCE(c->ro))
		r = cbs_md_commit(c, false);
	return r;
}

/*
 * Forget every clean, idle cache block (cleaner mode at suspend): once the
 * mapping without them is committed the cache holds nothing the origin
 * lacks, so the origin may be written behind our back (detached) and a
 * later attach serves no stale copy (research B2). Returns the number
 * dropped.
 */
u32 cbs_drop_clean(struct cbs_cache *c)
{
	u32 cb, n = 0;

	spin_lock_irq(&c->lock);
	for (cb = 0; cb < c->nr_cblocks; cb++) {
		if ((c->entries[cb].flags & (CBS_E_VALID | CBS_E_DIRTY | CBS_E_BUSY)) ==
		    CBS_E_VALID) {
			cbs_invalidate(c, cb);
			n++;
		}
		if (!(cb % 4096)) {
			spin_unlock_irq(&c->lock);
			cond_resched();
			spin_lock_irq(&c->lock);
		}
	}
	spin_unlock_irq(&c->lock);
	return n;
}

/* Send a write to the origin, tracked so no promotion copies under it. */
static enum cbs_act cbs_writearound(struct cbs_cache *c, struct cbs_pb *pb,
				    u32 ob)
{
	pb->kind = CBS_PB_WRITEAROUND;
	pb->bucket = cbs_wa_bucket(ob);
	c->wa_inflight[pb->bucket]++;
	return CBS_ACT_ORIGIN;
}

static enum cbs_act cbs_park(struct cbs_cache *c, struct bio *bio,
			     struct cbs_pb *pb, enum cbs_after after, u32 cb)
{
	pb->after = after;
	pb->cblock = cb;
	bio_list_add(&c->after_commit, bio);
	c->commit_wanted = true;
	return CBS_ACT_DEFER;
}

static enum cbs_act cbs_hit(struct cbs_cache *c, struct bio *bio,
			    struct cbs_pb *pb, u32 cb)
{
	u8 *ef = &c->entries[cb].flags;

	pb->cblock = cb;
	if (bio_data_dir(bio) == READ) {
		c->stats.read_hits++;
		cbs_lru_hit(c, cb);
		if (c->cfg.mode == CBS_PASSTHROUGH && !(*ef & CBS_E_DIRTY))
			return CBS_ACT_ORIGIN;
		pb->kind = *ef & CBS_E_DIRTY ? CBS_PB_DIRTY_READ : CBS_PB_CACHE_READ;
		return CBS_ACT_CACHE;
	}
	c->stats.write_hits++;
	cbs_lru_hit(c, cb);
	if (*ef & CBS_E_DIRTY)
		return CBS_ACT_CACHE;
	if (c->ro || c->cfg.cleaner || c->cfg.mode == CBS_WRITETHROUGH)
		return CBS_ACT_BOTH;
	if (c->cfg.mode == CBS_PASSTHROUGH) {
		cbs_invalidate(c, cb);
		return cbs_park(c, bio, pb, CBS_AFTER_ORIGIN, CBS_NONE);
	}
	/* writeback to a clean block: its dirty bit goes to disk first */
	*ef |= CBS_E_DIRTY | CBS_E_BUSY;
	c->nr_dirty++;
	cbs_md_mark(c, cb);
	return cbs_park(c, bio, pb, CBS_AFTER_CACHE, cb);
}

static enum cbs_act cbs_miss(struct cbs_cache *c, struct bio *bio,
			     struct cbs_pb *pb, u32 ob, bool seq)
{
	bool write = bio_data_dir(bio) == WRITE;
	u32 cb;

	if (write)
		c->stats.write_misses++;
	else
		c->stats.read_misses++;
	if (seq) {
		c->stats.bypassed++;
		goto origin;
	}
	if (c->cfg.mode == CBS_PASSTHROUGH || c->cfg.cleaner || c->ro ||
	    c->suspended || c->wa_inflight[cbs_wa_bucket(ob)] ||
	    !cbs_admit(c, ob))
		goto origin;
	if (write && (c->cfg.mode != CBS_WRITEBACK ||
		      bio_sectors(bio) != c->block_sectors))
		goto origin;
	if (!write && !cbs_mig_budget(c))
		goto origin;
	cb = cbs_alloc_cblock(c);
	if (cb == CBS_NONE)
		goto origin;
	cbs_admitted(c, ob);
	c->entries[cb].oblock = ob;
	c->entries[cb].flags = CBS_E_BUSY;
	cbs_hash_insert(c, cb);
	if (write) {
		/* a whole-block write fills the block: no copy needed */
		pb->kind = CBS_PB_CACHE_NEW;
		pb->cblock = cb;
		return CBS_ACT_CACHE;
	}
	c->mig_sectors += c->block_sectors;
	cbs_list_push(c, &c->promote_q, cb);
origin:
	return write ? cbs_writearound(c, pb, ob) : CBS_ACT_ORIGIN;
}

static enum cbs_act cbs_discard(struct cbs_cache *c, struct bio *bio,
				struct cbs_pb *pb)
{
	sector_t start = bio->bi_iter.bi_sector, end = bio_end_sector(bio);
	u64 b0 = DIV_ROUND_UP_ULL(start, c->block_sectors);
	u64 b1 = min_t(u64, end >> c->block_shift, c->nr_oblocks);
	enum cbs_act done;
	u32 cb, n = 0;
	int pass;

	done = c->cfg.discard_passdown && bdev_max_discard_sectors(c->obdev) ?
	       CBS_ACT_ORIGIN : CBS_ACT_END;
	if (b0 >= b1)
		return done;
	/* pass 0: wait if any block is busy; pass 1: invalidate */
	for (pass = 0; pass < 2; pass++) {
		for (cb = 0; cb < c->nr_cblocks; cb++) {
			if (!c->entries[cb].flags || c->entries[cb].oblock < b0 ||
			    c->entries[cb].oblock >= b1)
				continue;
			if (pass == 0 && (c->entries[cb].flags & CBS_E_BUSY)) {
				bio_list_add(&c->deferred, bio);
				return CBS_ACT_DEFER;
			}
			if (pass == 1) {
				cbs_invalidate(c, cb);
				n++;
			}
		}
	}
	if (!n)
		return done;
	return cbs_park(c, bio, pb, done == CBS_ACT_END ? CBS_AFTER_END :
			CBS_AFTER_ORIGIN, CBS_NONE);
}

static enum cbs_act cbs_decide(struct cbs_cache *c, struct bio *bio,
			       struct cbs_pb *pb)
{
	u32 ob = bio->bi_iter.bi_sector >> c->block_shift;
	bool seq;
	u32 cb;

	if (bio_op(bio) == REQ_OP_DISCARD)
		return cbs_discard(c, bio, pb);
	seq = cbs_sequential(c, bio);
	if (ob >= c->nr_oblocks)	/* partial tail block: never cached */
		return bio_data_dir(bio) == WRITE ?
		       cbs_writearound(c, pb, ob) : CBS_ACT_ORIGIN;
	cb = cbs_lookup(c, ob);
	if (cb != CBS_NONE && (c->entries[cb].flags & CBS_E_BUSY)) {
		bio_list_add(&c->deferred, bio);
		return CBS_ACT_DEFER;
	}
	if (cb != CBS_NONE)
		return cbs_hit(c, bio, pb, cb);
	return cbs_miss(c, bio, pb, ob, seq);
}

static void cbs_remap(struct cbs_cache *c, struct bio *bio, enum cbs_act act)
{
	struct cbs_pb *pb = cbs_pb(bio);
	struct bio *clone;

	switch (act) {
	case CBS_ACT_BOTH:
		clone = bio_alloc_clone(c->obdev, bio, GFP_NOIO, &c->bs);
		bio_chain(clone, bio);
		submit_bio_noacct(clone);
		fallthrough;
	case CBS_ACT_CACHE:
		bio_set_dev(bio, c->cbdev);
		bio->bi_iter.bi_sector = cbs_cache_sector(c, pb->cblock,
							  bio->bi_iter.bi_sector);
		break;
	default:
		bio_set_dev(bio, c->obdev);
		break;
	}
}

/* Map logic shared by ->map and the worker. Returns a DM_MAPIO_* code. */
int cbs_handle(struct cbs_cache *c, struct bio *bio)
{
	enum cbs_act act;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	act = cbs_decide(c, bio, cbs_pb(bio));
	spin_unlock_irqrestore(&c->lock, flags);
	if (READ_ONCE(c->promote_q.count) || READ_ONCE(c->commit_wanted))
		cbs_kick(c);
	switch (act) {
	case CBS_ACT_DEFER:
		cbs_kick(c);
		return DM_MAPIO_SUBMITTED;
	case CBS_ACT_END:
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	default:
		cbs_remap(c, bio, act);
		return DM_MAPIO_REMAPPED;
	}
}

int cbs_map(struct dm_target *ti, struct bio *bio)
{
	struct cbs_c *cc = ti->private;
	struct cbs_cache *c = cc->cache;
	struct cbs_pb *pb = cbs_pb(bio);
	unsigned long flags;

	memset(pb, 0, sizeof(*pb));
	pb->cblock = CBS_NONE;
	bio->bi_iter.bi_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	pb->iter = bio->bi_iter;
	if (bio->bi_opf & REQ_PREFLUSH) {
		spin_lock_irqsave(&c->lock, flags);
		pb->after = CBS_AFTER_END;
		bio_list_add(&c->after_commit, bio);
		c->commit_wanted = true;
		spin_unlock_irqrestore(&c->lock, flags);
		cbs_kick(c);
		return DM_MAPIO_SUBMITTED;
	}
	if (c->row)
		return cbs_row_map(c, bio, 0);
	return cbs_handle(c, bio);
}

void cbs_defer_end(struct cbs_cache *c, struct bio *bio, struct bio_list *list)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	bio_list_add(list, bio);
	c->commit_wanted = true;
	spin_unlock_irqrestore(&c->lock, flags);
	cbs_kick(c);
}

int cbs_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error)
{
	struct cbs_c *cc = ti->private;
	struct cbs_cache *c = cc->cache;
	struct cbs_pb *pb = cbs_pb(bio);
	unsigned long flags;
	u8 kind = pb->kind;
	u32 cb = pb->cblock;

	pb->kind = CBS_PB_NONE;
	switch (kind) {
	case CBS_PB_WRITEAROUND:
		spin_lock_irqsave(&c->lock, flags);
		c->wa_inflight[pb->bucket]--;
		if (*error)
			c->stats.origin_errors++;
		spin_unlock_irqrestore(&c->lock, flags);
		break;
	case CBS_PB_CACHE_READ:
		if (!*error)
			break;
		/*
		 * A clean block: the origin has the same data. Stop using the
		 * cached copy (it is dropped at the next commit).
		 */
		spin_lock_irqsave(&c->lock, flags);
		cbs_cache_error(c, 1);
		if (c->entries[cb].flags == (CBS_E_VALID | CBS_E_LISTED) ||
		    c->entries[cb].flags == (CBS_E_VALID | CBS_E_LISTED | CBS_E_PROT))
			cbs_invalidate(c, cb);
		bio_list_add(&c->retry_origin, bio);
		spin_unlock_irqrestore(&c->lock, flags);
		DMERR_LIMIT("cache read error on block %u: served from origin", cb);
		cbs_kick(c);
		return DM_ENDIO_INCOMPLETE;
	case CBS_PB_DIRTY_READ:
		/* only the cache has this data: the error goes up, counted */
		if (!*error)
			break;
		spin_lock_irqsave(&c->lock, flags);
		cbs_cache_error(c, 1);
		spin_unlock_irqrestore(&c->lock, flags);
		DMERR_LIMIT("cache read error on dirty block %u: data at risk", cb);
		cbs_kick(c);
		break;
	case CBS_PB_CACHE_NEW:
		spin_lock_irqsave(&c->lock, flags);
		if (*error) {
			/* never recorded on disk: the block is free again */
			cbs_hash_remove(c, cb);
			c->entries[cb].flags = 0;
			cbs_list_push(c, &c->free, cb);
			cbs_cache_error(c, 1);
			bio_list_add(&c->retry_origin, bio);
			spin_unlock_irqrestore(&c->lock, flags);
			cbs_kick(c);
			return DM_ENDIO_INCOMPLETE;
		}
		c->entries[cb].flags = CBS_E_VALID | CBS_E_DIRTY;
		c->nr_valid++;
		c->nr_dirty++;
		cbs_lru_add(c, cb);
		cbs_md_mark(c, cb);
		spin_unlock_irqrestore(&c->lock, flags);
		cbs_kick(c);
		/* a provision: FUA covers the mapping too (rowio.c) */
		if ((bio->bi_opf & REQ_FUA) && !pb->row_prov) {
			cbs_defer_end(c, bio, &c->end_after_commit);
			return DM_ENDIO_INCOMPLETE;
		}
		break;
	default:
		break;
	}
	if (pb->row_prov) {
		cbs_row_prov_end(c, bio);
		return DM_ENDIO_INCOMPLETE;
	}
	if (pb->row_counted)
		cbs_row_write_end(c, bio);
	return DM_ENDIO_DONE;
}

/* ---- worker ---------------------------------------------------------- */

/*
 * A promotion (entry not VALID yet) or writeback copy ended. @aborted: it
 * never started (no memory); nothing is counted.
 */
static void cbs_copy_end(struct cbs_cache *c, u32 cb, bool read_err,
			 bool write_err, bool aborted)
{
	bool err = read_err || write_err || aborted;
	unsigned long flags;
	bool wb;

	spin_lock_irqsave(&c->lock, flags);
	wb = c->entries[cb].flags & CBS_E_VALID;
	c->mig_sectors -= c->block_sectors;
	if (wb) {
		c->wb_inflight--;
		c->entries[cb].flags &= ~CBS_E_BUSY;
		cbs_cache_error(c, read_err);
		c->stats.origin_errors += write_err;
		if (err) {
			c->wb_failures++;
		} else {
			c->entries[cb].flags &= ~CBS_E_DIRTY;
			c->nr_dirty--;
			c->stats.writebacks++;
			cbs_md_mark(c, cb);
		}
	} else if (err) {
		cbs_hash_remove(c, cb);
		c->entries[cb].flags = 0;
		cbs_list_push(c, &c->free, cb);
		c->stats.origin_errors += read_err;
		cbs_cache_error(c, write_err);
	} else {
		c->entries[cb].flags = CBS_E_VALID;
		c->nr_valid++;
		c->stats.promotions++;
		cbs_lru_add(c, cb);
		cbs_md_mark(c, cb);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	wake_up_all(&c->wait);
	/* after an error the periodic waker retries, not a tight loop */
	if (!err)
		cbs_kick(c);
}

static void cbs_copy_done(int read_err, unsigned long write_err, void *context)
{
	struct cbs_mig *m = context;

	cbs_copy_end(m->c, m->cblock, read_err, write_err, false);
	kfree(m);
}

static void cbs_copy(struct cbs_cache *c, u32 cb, bool writeback)
{
	struct dm_io_region cache = {
		.bdev = c->cbdev,
		.sector = (sector_t)cb << c->block_shift,
		.count = c->block_sectors,
	};
	struct dm_io_region origin = {
		.bdev = c->obdev,
		.sector = (sector_t)c->entries[cb].oblock << c->block_shift,
		.count = c->block_sectors,
	};
	struct cbs_mig *m;

	m = kmalloc(sizeof(*m), GFP_NOIO | __GFP_NOWARN);
	if (!m) {
		cbs_copy_end(c, cb, false, false, true);
		return;
	}
	m->c = c;
	m->cblock = cb;
	if (writeback)
		dm_kcopyd_copy(c->kc, &cache, 1, &origin, 0, cbs_copy_done, m);
	else
		dm_kcopyd_copy(c->kc, &origin, 1, &cache, 0, cbs_copy_done, m);
}

static void cbs_start_promotions(struct cbs_cache *c)
{
	u32 cb;

	for (;;) {
		spin_lock_irq(&c->lock);
		cb = cbs_list_pop(c, &c->promote_q);
		spin_unlock_irq(&c->lock);
		if (cb == CBS_NONE)
			return;
		cbs_copy(c, cb, false);
	}
}

static int cbs_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Collect the next batch of dirty blocks: up to CBS_WB_BATCH found within
 * 8192 cache blocks from the rotating cursor, sorted by origin block (the
 * origin is the slow, seeking device). Entries are (oblock << 32 | cblock)
 * and are re-checked when issued. Under c->lock.
 */
static void cbs_wb_refill(struct cbs_cache *c)
{
	u32 scanned = 0, n = 0, cb;

	while (scanned++ < min(c->nr_cblocks, 8192U) && n < CBS_WB_BATCH) {
		cb = c->wb_cursor;
		c->wb_cursor = (cb + 1) % c->nr_cblocks;
		if ((c->entries[cb].flags & (CBS_E_DIRTY | CBS_E_BUSY)) != CBS_E_DIRTY)
			continue;
		c->wb_batch[n++] = (u64)c->entries[cb].oblock << 32 | cb;
	}
	sort(c->wb_batch, n, sizeof(u64), cbs_cmp_u64, NULL);
	c->wb_batch_n = n;
	c->wb_batch_pos = 0;
}

/*
 * Background writeback: above dirty_low one copy at a time, above
 * dirty_high (or cleaner, or a flush message) as many as the migration
 * budget allows, in ascending origin order within each batch.
 */
static void cbs_start_writeback(struct cbs_cache *c)
{
	u32 low, high, max_jobs, n = 0, cb, i;
	bool all, refilled = false;
	u32 picked[32];
	u64 v;

	spin_lock_irq(&c->lock);
	all = c->cfg.cleaner || c->flushing;
	low = div_u64((u64)c->nr_cblocks * c->cfg.dirty_low, 100);
	high = div_u64((u64)c->nr_cblocks * c->cfg.dirty_high, 100);
	if (c->ro || c->suspended || !c->nr_dirty || (!all && c->nr_dirty <= low)) {
		spin_unlock_irq(&c->lock);
		return;
	}
	max_jobs = all || c->nr_dirty > high ? ARRAY_SIZE(picked) : 1;
	while (n < max_jobs && c->wb_inflight < max_jobs && cbs_mig_budget(c)) {
		if (c->wb_batch_pos == c->wb_batch_n) {
			if (refilled)
				break;
			cbs_wb_refill(c);
			refilled = true;
			continue;
		}
		v = c->wb_batch[c->wb_batch_pos++];
		cb = (u32)v;
		if ((c->entries[cb].flags & (CBS_E_DIRTY | CBS_E_BUSY)) != CBS_E_DIRTY ||
		    c->entries[cb].oblock != v >> 32)
			continue;
		c->entries[cb].flags |= CBS_E_BUSY;
		c->wb_inflight++;
		c->mig_sectors += c->block_sectors;
		picked[n++] = cb;
	}
	spin_unlock_irq(&c->lock);
	for (i = 0; i < n; i++)
		cbs_copy(c, picked[i], true);
}

static void cbs_issue_after_commit(struct cbs_cache *c, struct bio *bio,
				   int r)
{
	struct cbs_pb *pb = cbs_pb(bio);

	if (r && pb->after == CBS_AFTER_CACHE) {
		/* the dirty bit could not be recorded: write through instead */
		spin_lock_irq(&c->lock);
		c->entries[pb->cblock].flags &= ~(CBS_E_DIRTY | CBS_E_BUSY);
		c->nr_dirty--;
		spin_unlock_irq(&c->lock);
		cbs_handle_deferred(c, bio);
		return;
	}
	switch (pb->after) {
	case CBS_AFTER_CACHE:
		spin_lock_irq(&c->lock);
		c->entries[pb->cblock].flags &= ~CBS_E_BUSY;
		spin_unlock_irq(&c->lock);
		cbs_remap(c, bio, CBS_ACT_CACHE);
		dm_submit_bio_remap(bio, NULL);
		break;
	case CBS_AFTER_ORIGIN:
		cbs_remap(c, bio, CBS_ACT_ORIGIN);
		dm_submit_bio_remap(bio, NULL);
		break;
	default:
		/*
		 * A flush. On a commit failure a cache-only volume's data is
		 * still on its devices (read-only mode writes through), so
		 * flushing them keeps the promise; a ROW volume's new blocks
		 * are unreachable without the commit: the flush fails (as
		 * dm-thin's, research T3).
		 */
		if (r && (c->row || blkdev_issue_flush(c->cbdev) ||
			  blkdev_issue_flush(c->obdev)))
			bio->bi_status = BLK_STS_IOERR;
		bio_endio(bio);
		break;
	}
}

void cbs_handle_deferred(struct cbs_cache *c, struct bio *bio)
{
	if (cbs_handle(c, bio) == DM_MAPIO_REMAPPED)
		dm_submit_bio_remap(bio, NULL);
}

static void cbs_retry_origin(struct cbs_cache *c, struct bio *bio)
{
	struct cbs_pb *pb = cbs_pb(bio);

	bio->bi_iter = pb->iter;
	bio->bi_status = BLK_STS_OK;
	bio_set_dev(bio, c->obdev);
	if (bio_data_dir(bio) == WRITE) {
		spin_lock_irq(&c->lock);
		cbs_writearound(c, pb, pb->iter.bi_sector >> c->block_shift);
		spin_unlock_irq(&c->lock);
	}
	submit_bio_noacct(bio);
}

static void cbs_do_commit(struct cbs_cache *c)
{
	struct bio_list issue, end;
	struct cbs_list freed;
	struct bio *bio;
	bool wanted;
	int r = -EROFS;
	u32 cb;

	spin_lock_irq(&c->lock);
	wanted = c->commit_wanted;
	c->commit_wanted = false;
	issue = c->after_commit;
	end = c->end_after_commit;
	bio_list_init(&c->after_commit);
	bio_list_init(&c->end_after_commit);
	freed = c->pending_free;
	c->pending_free = (struct cbs_list){ CBS_NONE, CBS_NONE, 0 };
	spin_unlock_irq(&c->lock);
	if (!wanted && bio_list_empty(&issue) && bio_list_empty(&end) &&
	    !freed.count)
		return;

	if (!c->ro)
		r = cbs_md_commit(c, false);

	spin_lock_irq(&c->lock);
	while ((cb = cbs_list_pop(c, &freed)) != CBS_NONE)
		cbs_list_push(c, r ? &c->pending_free : &c->free, cb);
	spin_unlock_irq(&c->lock);
	if (r && r != -EROFS) {
		spin_lock_irq(&c->lock);
		c->event_pending = true;
		spin_unlock_irq(&c->lock);
	}

	while ((bio = bio_list_pop(&issue)))
		cbs_issue_after_commit(c, bio, r);
	while ((bio = bio_list_pop(&end))) {
		if (r)
			bio->bi_status = BLK_STS_IOERR;
		bio_endio(bio);
	}
}

/* dm events: cache device failing, metadata turned read-only. */
static void cbs_send_event(struct cbs_cache *c)
{
	bool send;

	spin_lock_irq(&c->lock);
	send = c->event_pending;
	c->event_pending = false;
	spin_unlock_irq(&c->lock);
	if (!send)
		return;
	mutex_lock(&c->ti_lock);
	if (c->ti)
		dm_table_event(c->ti->table);
	mutex_unlock(&c->ti_lock);
}

void cbs_worker(struct work_struct *work)
{
	struct cbs_cache *c = container_of(work, struct cbs_cache, worker);
	struct bio_list deferred, retry;
	struct bio *bio;

	spin_lock_irq(&c->lock);
	retry = c->retry_origin;
	deferred = c->deferred;
	bio_list_init(&c->retry_origin);
	bio_list_init(&c->deferred);
	spin_unlock_irq(&c->lock);

	while ((bio = bio_list_pop(&retry)))
		cbs_retry_origin(c, bio);
	if (c->row)
		cbs_row_process(c);
	cbs_do_commit(c);
	cbs_send_event(c);
	cbs_nl_worker(c);
	while ((bio = bio_list_pop(&deferred)))
		cbs_handle_deferred(c, bio);
	cbs_start_promotions(c);
	cbs_start_writeback(c);
}

void cbs_waker(struct work_struct *work)
{
	struct cbs_cache *c = container_of(to_delayed_work(work),
					   struct cbs_cache, waker);

	spin_lock_irq(&c->lock);
	if (c->meta_changed || c->pending_free.count)
		c->commit_wanted = true;
	spin_unlock_irq(&c->lock);
	cbs_kick(c);
	queue_delayed_work(c->wq, &c->waker, HZ);
}
