/* SPDX-License-Identifier: GPL-2.0 */
/* dm-cbs: per-table context, per-bio state and the data path entry points. */
#ifndef _CBS_IO_H
#define _CBS_IO_H

#include "cbs.h"

/* One per table (ti->private); the cache object may outlive it. */
struct cbs_c {
	struct dm_target *ti;
	struct cbs_cache *cache;
	struct dm_dev *mdev, *cdev, *odev;
	u32 block_sectors;
	bool row;			/* feature "row": a ROW volume */
	u64 snap_id;			/* cbs-snap: the snapshot mapped */
	struct cbs_cfg cfg;
	unsigned int nr_words;		/* feature words, as given */
	char *words;
};

enum cbs_pb_kind {
	CBS_PB_NONE,
	CBS_PB_WRITEAROUND,		/* counted in wa_inflight[bucket] */
	CBS_PB_CACHE_READ,		/* clean: retry on origin on error */
	CBS_PB_DIRTY_READ,		/* dirty: an error is a cache error */
	CBS_PB_CACHE_NEW,		/* whole-block write allocating cblock */
};

enum cbs_after {
	CBS_AFTER_END,			/* complete (flush, local discard) */
	CBS_AFTER_CACHE,
	CBS_AFTER_ORIGIN,
};

struct cbs_pb {
	struct bvec_iter iter;		/* target-relative, for retries */
	u32 cblock;
	u16 bucket;
	u8 kind;
	u8 after;
	/* ROW volumes (rowio.c) */
	bool row_prov;			/* provisions dblock for lblock */
	bool row_counted;		/* in c->row_writes */
	u32 lblock;
	u64 dev;			/* 0: the volume, else a snapshot */
	u64 dblock;
	struct cbs_cache *c;
	struct hlist_node prov_node;	/* on c->prov_hash while provisioning */
	struct bio_list waiters;	/* bios to lblock meanwhile */
	u32 pin_cb;			/* cache block a copy reads, or CBS_NONE */
	atomic_t zeroing;		/* fills of the rest in flight */
	bool zero_err;
};

static inline struct cbs_pb *cbs_pb(struct bio *bio)
{
	return dm_per_bio_data(bio, sizeof(struct cbs_pb));
}

/* target.c, snapdev.c */
struct cbs_cache *cbs_cache_get_row(dev_t mdev);
void cbs_cache_put(struct cbs_cache *c);
extern struct target_type cbs_snap_target;

int cbs_map(struct dm_target *ti, struct bio *bio);
int cbs_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error);
void cbs_worker(struct work_struct *work);
void cbs_waker(struct work_struct *work);
void cbs_kick(struct cbs_cache *c);
void cbs_handle_deferred(struct cbs_cache *c, struct bio *bio);
int cbs_handle(struct cbs_cache *c, struct bio *bio);
void cbs_defer_end(struct cbs_cache *c, struct bio *bio, struct bio_list *list);
void cbs_invalidate(struct cbs_cache *c, u32 cb);
int cbs_resize_origin(struct cbs_cache *c, u32 nr_oblocks, bool apply);
u32 cbs_drop_clean(struct cbs_cache *c);

#endif /* _CBS_IO_H */
