// SPDX-License-Identifier: GPL-2.0
/*
 * dm-cbs ROW data path: logical blocks of a ROW volume to data blocks.
 *
 * ->map looks the block up without blocking; a mapped block (not shared,
 * for a write) is remapped to its data block and goes on through the cache
 * logic of io.c, which sees data blocks as origin blocks. An unmapped
 * block reads zeroes. Everything else goes to the worker: lookups that
 * need metadata I/O, and writes to unmapped blocks, which are provisioned:
 *
 *  1. a data block is allocated in the in-core transaction (-ENOSPC fails
 *     the bio, counted, with a dm event) and any stale cache entry for it
 *     is dropped;
 *  2. the bio is written there (a partial write after zeroing the rest of
 *     the block, or copying it from the old block for a redirect), through
 *     the cache logic like any other write;
 *  3. when it completes, row_work inserts the mapping, then the bio ends
 *     (REQ_FUA: after the commit that makes the mapping durable, bug T1).
 *
 * Between 1 and 3 the bio is on the provision hash: bios to the same
 * logical block wait on it and are looked up again afterwards, so nothing
 * reads a block whose data is not written yet. Provisions hold the gate
 * (row->gate, read side) from 1 to 3 and a commit takes it for writing:
 * no commit records an allocated block without its mapping, so a crash
 * never leaks one (bug S4) and never maps one to unwritten data.
 */
#include <linux/blkdev.h>
#include <linux/hash.h>

#include "cbs.h"
#include "io.h"
#include "row.h"

#define DM_MSG_PREFIX "cbs"

/* The provision in flight for @lblock, or NULL. Under c->lock. */
static struct cbs_pb *cbs_prov_find(struct cbs_cache *c, u32 lblock)
{
	struct cbs_pb *pb;

	hlist_for_each_entry(pb, &c->prov_hash[hash_32(lblock, CBS_PROV_BITS)],
			     prov_node)
		if (pb->lblock == lblock)
			return pb;
	return NULL;
}

/* Wait behind the provision of our block, if any. Under c->lock. */
static bool cbs_prov_wait(struct cbs_cache *c, struct bio *bio)
{
	struct cbs_pb *holder = cbs_prov_find(c, cbs_pb(bio)->lblock);

	if (!holder)
		return false;
	bio_list_add(&holder->waiters, bio);
	return true;
}

static void cbs_row_remap(struct cbs_cache *c, struct bio *bio, u64 dblock)
{
	struct cbs_pb *pb = cbs_pb(bio);

	bio->bi_iter.bi_sector = (dblock << c->block_shift) |
				 (bio->bi_iter.bi_sector & (c->block_sectors - 1));
	pb->iter = bio->bi_iter;
}

static void cbs_row_defer(struct cbs_cache *c, struct bio *bio)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	bio_list_add(&c->row_deferred, bio);
	spin_unlock_irqrestore(&c->lock, flags);
	cbs_kick(c);
}

/*
 * ->map of a ROW volume (@dev 0) or of one of its snapshots (cbs-snap,
 * reads only); flushes are handled by the caller.
 */
int cbs_row_map(struct cbs_cache *c, struct bio *bio, u64 dev)
{
	struct cbs_pb *pb = cbs_pb(bio);
	bool write = op_is_write(bio_op(bio)), shared, wait;
	unsigned long flags;
	u64 dblock;
	int r;

	pb->lblock = bio->bi_iter.bi_sector >> c->block_shift;
	pb->dev = dev;
	if (dev) {
		/* a snapshot (cbs-snap, reads only): its blocks never change */
		r = cbs_row_lookup(c, dev, pb->lblock, false, &dblock, &shared);
		if (!r) {
			cbs_row_remap(c, bio, dblock);
			return cbs_handle(c, bio);
		}
		if (r == -ENODATA) {
			zero_fill_bio(bio);
			bio_endio(bio);
			return DM_MAPIO_SUBMITTED;
		}
		cbs_row_defer(c, bio);
		return DM_MAPIO_SUBMITTED;
	}
	if (bio_op(bio) == REQ_OP_DISCARD) {
		/* blocks stay mapped: reads return the data (allowed) */
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	spin_lock_irqsave(&c->lock, flags);
	if (write && c->row_frozen) {
		/* a snapshot is being taken: after it (cbs_row_thaw) */
		bio_list_add(&c->row_held, bio);
		spin_unlock_irqrestore(&c->lock, flags);
		return DM_MAPIO_SUBMITTED;
	}
	if (write) {
		c->row_writes++;
		pb->row_counted = true;
	}
	wait = cbs_prov_wait(c, bio);
	spin_unlock_irqrestore(&c->lock, flags);
	if (wait)
		return DM_MAPIO_SUBMITTED;

	r = cbs_row_lookup(c, 0, pb->lblock, false, &dblock, &shared);
	if (!r && !(write && shared)) {
		cbs_row_remap(c, bio, dblock);
		return cbs_handle(c, bio);
	}
	if (r == -ENODATA && !write) {
		zero_fill_bio(bio);
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	cbs_row_defer(c, bio);
	return DM_MAPIO_SUBMITTED;
}

/* ---- provisioning ---------------------------------------------------- */

static void cbs_row_nospc(struct cbs_cache *c)
{
	spin_lock_irq(&c->lock);
	c->row_nospc++;
	if (!c->row_nospc_raised) {
		c->row_nospc_raised = true;
		c->event_pending = true;
	}
	spin_unlock_irq(&c->lock);
}

/*
 * Drop a stale cache entry for a newly allocated data block. Returns false
 * when the entry is busy (a copy in flight): try again later.
 */
static bool cbs_row_forget_cached(struct cbs_cache *c, u64 dblock)
{
	bool ok = true;
	u32 cb;

	spin_lock_irq(&c->lock);
	cb = cbs_lookup(c, dblock);
	if (cb != CBS_NONE) {
		if (c->entries[cb].flags & CBS_E_BUSY)
			ok = false;
		else
			cbs_invalidate(c, cb);
	}
	spin_unlock_irq(&c->lock);
	return ok;
}

/* Unpin the dirty cache block a copy read from. */
static void cbs_row_unpin(struct cbs_cache *c, struct cbs_pb *pb)
{
	unsigned long flags;

	if (pb->pin_cb == CBS_NONE)
		return;
	spin_lock_irqsave(&c->lock, flags);
	c->entries[pb->pin_cb].flags &= ~CBS_E_BUSY;
	spin_unlock_irqrestore(&c->lock, flags);
	pb->pin_cb = CBS_NONE;
	/* bios to that block waited on it */
	cbs_kick(c);
}

/* One of the zeroings or copies of a partial provision ended. */
static void cbs_row_filled(int read_err, unsigned long write_err, void *context)
{
	struct bio *bio = context;
	struct cbs_pb *pb = cbs_pb(bio);

	if (read_err || write_err)
		WRITE_ONCE(pb->zero_err, true);
	if (!atomic_dec_and_test(&pb->zeroing))
		return;
	cbs_row_unpin(pb->c, pb);
	if (READ_ONCE(pb->zero_err)) {
		/* ends the provision through row_work, without a mapping */
		bio->bi_status = BLK_STS_IOERR;
		cbs_row_prov_end(pb->c, bio);
		return;
	}
	cbs_handle_deferred(pb->c, bio);
}

/*
 * Fill the parts of the new data block the bio does not cover, then write
 * the bio: zeroes for a block that was not mapped, the old block's data for
 * a redirect (from @src, the cache or the data device). Never the whole
 * block: a fill that overlaps the bio could reach the disk after it (it is
 * not flushed before the bio is issued, and dm-log-writes replays such
 * writes in that order).
 */
static void cbs_row_fill_rest(struct cbs_cache *c, struct bio *bio,
			      const struct dm_io_region *src)
{
	sector_t start = bio->bi_iter.bi_sector & ~(sector_t)(c->block_sectors - 1);
	sector_t end = start + c->block_sectors;
	struct cbs_pb *pb = cbs_pb(bio);
	struct dm_io_region r[2], from[2];
	unsigned int n = 0, i;

	if (bio->bi_iter.bi_sector > start)
		r[n++] = (struct dm_io_region){ c->obdev, start,
						bio->bi_iter.bi_sector - start };
	if (bio_end_sector(bio) < end)
		r[n++] = (struct dm_io_region){ c->obdev, bio_end_sector(bio),
						end - bio_end_sector(bio) };
	pb->zero_err = false;
	atomic_set(&pb->zeroing, n);
	for (i = 0; i < n; i++) {
		if (!src) {
			dm_kcopyd_zero(c->kc, 1, &r[i], 0, cbs_row_filled, bio);
			continue;
		}
		from[i] = (struct dm_io_region){ src->bdev,
						 src->sector + r[i].sector - start,
						 r[i].count };
		dm_kcopyd_copy(c->kc, &from[i], 1, &r[i], 0, cbs_row_filled, bio);
	}
}

/*
 * Where the data of shared block @old is: a dirty cache block (pinned BUSY
 * until the copy ends, so writeback and eviction leave it alone) or the
 * data device. False when the cache block is busy: try again later.
 */
static bool cbs_row_copy_source(struct cbs_cache *c, struct cbs_pb *pb,
				u64 old, struct dm_io_region *src)
{
	u32 cb;
	u8 *ef;

	pb->pin_cb = CBS_NONE;
	*src = (struct dm_io_region){ c->obdev, old << c->block_shift,
				      c->block_sectors };
	spin_lock_irq(&c->lock);
	cb = cbs_lookup(c, old);
	if (cb != CBS_NONE) {
		ef = &c->entries[cb].flags;
		if (*ef & CBS_E_BUSY) {
			spin_unlock_irq(&c->lock);
			return false;
		}
		if (*ef & CBS_E_DIRTY) {
			*ef |= CBS_E_BUSY;
			pb->pin_cb = cb;
			*src = (struct dm_io_region){ c->cbdev,
				(sector_t)cb << c->block_shift, c->block_sectors };
		}
	}
	spin_unlock_irq(&c->lock);
	return true;
}

static void cbs_row_retry(struct cbs_cache *c, struct bio *bio)
{
	spin_lock_irq(&c->lock);
	bio_list_add(&c->row_retry, bio);
	spin_unlock_irq(&c->lock);
}

/*
 * A write to an unmapped block (@shared false), or to a block a snapshot
 * shares, @old (@shared true): steps 1 and 2 above, the rest of the block
 * zeroed or copied from @old. From the worker.
 */
static void cbs_row_provision_start(struct cbs_cache *c, struct bio *bio,
				    bool shared, u64 old)
{
	bool partial = bio_sectors(bio) != c->block_sectors;
	struct cbs_row *row = c->row;
	struct cbs_pb *pb = cbs_pb(bio);
	struct dm_io_region src;
	u64 dblock;
	int r;

	pb->pin_cb = CBS_NONE;
	if (shared && partial && !cbs_row_copy_source(c, pb, old, &src)) {
		cbs_row_retry(c, bio);
		return;
	}
	down_read_non_owner(&row->gate);
	r = cbs_row_alloc(c, &dblock);
	if (r) {
		up_read_non_owner(&row->gate);
		cbs_row_unpin(c, pb);
		if (r == -ENOSPC)
			cbs_row_nospc(c);
		bio->bi_status = r == -ENOSPC ? BLK_STS_NOSPC : BLK_STS_IOERR;
		bio_endio(bio);
		return;
	}
	if (!cbs_row_forget_cached(c, dblock)) {
		cbs_row_unalloc(c, dblock);
		up_read_non_owner(&row->gate);
		cbs_row_unpin(c, pb);
		cbs_row_retry(c, bio);
		return;
	}
	pb->c = c;
	pb->dblock = dblock;
	pb->row_prov = true;
	bio_list_init(&pb->waiters);
	spin_lock_irq(&c->lock);
	hlist_add_head(&pb->prov_node,
		       &c->prov_hash[hash_32(pb->lblock, CBS_PROV_BITS)]);
	c->row_provisions++;
	if (shared)
		c->row_redirects++;
	spin_unlock_irq(&c->lock);

	cbs_row_remap(c, bio, dblock);
	if (!partial)
		cbs_handle_deferred(c, bio);
	else
		cbs_row_fill_rest(c, bio, shared ? &src : NULL);
}

/* The worker's share: deferred lookups and provisions. */
void cbs_row_process(struct cbs_cache *c)
{
	struct bio_list deferred;
	struct cbs_pb *pb;
	struct bio *bio;
	bool shared, wait;
	u64 dblock;
	int r;

	spin_lock_irq(&c->lock);
	deferred = c->row_deferred;
	bio_list_merge(&deferred, &c->row_retry);
	bio_list_init(&c->row_deferred);
	bio_list_init(&c->row_retry);
	spin_unlock_irq(&c->lock);

	while ((bio = bio_list_pop(&deferred))) {
		pb = cbs_pb(bio);
		spin_lock_irq(&c->lock);
		wait = !pb->dev && cbs_prov_wait(c, bio);
		spin_unlock_irq(&c->lock);
		if (wait)
			continue;
		r = cbs_row_lookup(c, pb->dev, pb->lblock, true, &dblock, &shared);
		if (!r && !(op_is_write(bio_op(bio)) && shared)) {
			cbs_row_remap(c, bio, dblock);
			cbs_handle_deferred(c, bio);
		} else if (r == -ENODATA && !op_is_write(bio_op(bio))) {
			zero_fill_bio(bio);
			bio_endio(bio);
		} else if (r == -ENODATA) {
			cbs_row_provision_start(c, bio, false, 0);
		} else if (!r) {
			/* a snapshot shares the block: redirect the write */
			cbs_row_provision_start(c, bio, true, dblock);
		} else {
			DMERR_LIMIT("ROW lookup of block %u failed (%d)", pb->lblock, r);
			bio_io_error(bio);
		}
	}
}

/* ---- completion (step 3) ------------------------------------------- */

/* From ->end_io (or a failed zeroing): hand the provision to row_work. */
void cbs_row_prov_end(struct cbs_cache *c, struct bio *bio)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	bio_list_add(&c->row_done, bio);
	spin_unlock_irqrestore(&c->lock, flags);
	queue_work(c->row_wq, &c->row_work);
}

void cbs_row_work(struct work_struct *work)
{
	struct cbs_cache *c = container_of(work, struct cbs_cache, row_work);
	struct bio_list done, waiters;
	struct cbs_pb *pb;
	struct bio *bio;
	int r;

	spin_lock_irq(&c->lock);
	done = c->row_done;
	bio_list_init(&c->row_done);
	spin_unlock_irq(&c->lock);

	while ((bio = bio_list_pop(&done))) {
		pb = cbs_pb(bio);
		if (bio->bi_status) {
			cbs_row_unalloc(c, pb->dblock);
		} else {
			r = cbs_row_insert(c, pb->lblock, pb->dblock);
			if (r) {
				DMERR_LIMIT("cannot map block %u (%d): metadata read-only",
					    pb->lblock, r);
				bio->bi_status = BLK_STS_IOERR;
			}
		}
		up_read_non_owner(&c->row->gate);

		spin_lock_irq(&c->lock);
		/* the waker commits within a second */
		c->meta_changed = true;
		hlist_del(&pb->prov_node);
		c->row_provisions--;
		waiters = pb->waiters;
		bio_list_merge(&c->row_deferred, &waiters);
		spin_unlock_irq(&c->lock);
		if (!bio_list_empty(&waiters))
			cbs_kick(c);

		pb->row_prov = false;
		if (!bio->bi_status && (bio->bi_opf & REQ_FUA))
			cbs_defer_end(c, bio, &c->end_after_commit);
		else
			bio_endio(bio);
	}
}

/* ---- quiescing for snapshots ---------------------------------------- */

/* A counted write (see cbs_row_map) completed. */
void cbs_row_write_end(struct cbs_cache *c, struct bio *bio)
{
	unsigned long flags;
	bool wake;

	cbs_pb(bio)->row_counted = false;
	spin_lock_irqsave(&c->lock, flags);
	wake = !--c->row_writes && c->row_frozen;
	spin_unlock_irqrestore(&c->lock, flags);
	if (wake)
		wake_up_all(&c->wait);
}

/*
 * Hold new writes and wait until none is in flight (provisions included):
 * the volume is at one point in time. Interruptible: -EINTR, thawed.
 */
int cbs_row_freeze(struct cbs_cache *c)
{
	spin_lock_irq(&c->lock);
	c->row_frozen = true;
	spin_unlock_irq(&c->lock);
	if (wait_event_interruptible(c->wait, !READ_ONCE(c->row_writes))) {
		cbs_row_thaw(c);
		return -EINTR;
	}
	return 0;
}

/* Let the held writes go, looked up anew (sharing may have changed). */
void cbs_row_thaw(struct cbs_cache *c)
{
	struct bio *bio;

	spin_lock_irq(&c->lock);
	c->row_frozen = false;
	while ((bio = bio_list_pop(&c->row_held))) {
		cbs_pb(bio)->row_counted = true;
		c->row_writes++;
		bio_list_add(&c->row_deferred, bio);
	}
	spin_unlock_irq(&c->lock);
	cbs_kick(c);
}
