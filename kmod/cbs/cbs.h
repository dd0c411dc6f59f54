/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-cbs: SSD cache target. Shared in-core structures; the user contract and
 * the on-disk format are described in Documentation/cbs.rst.
 */
#ifndef _CBS_H
#define _CBS_H

#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/dm-bufio.h>
#include <linux/dm-cbs-format.h>
#include <linux/dm-kcopyd.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

struct cbs_row;

#define CBS_NONE		U32_MAX
#define CBS_NR_STREAMS		8
#define CBS_WA_BUCKETS		1024
#define CBS_PROTECTED_PCT	80
#define CBS_WB_BATCH		256
#define CBS_PROV_BITS		6	/* provision hash: 64 buckets */

/* cbs_entry.flags bits */
#define CBS_E_VALID	0x01	/* the cache block holds the origin block */
#define CBS_E_DIRTY	0x02	/* newer than the origin */
#define CBS_E_BUSY	0x04	/* migration or commit pending: bios wait */
#define CBS_E_PROT	0x08	/* on the protected list */
#define CBS_E_LISTED	0x10	/* on one of the two LRU lists */

enum cbs_io_mode {
	CBS_WRITEBACK,
	CBS_WRITETHROUGH,
	CBS_PASSTHROUGH,
};

/* The knobs a table line or a message can set. */
struct cbs_cfg {
	enum cbs_io_mode mode;
	bool cleaner;
	bool discard_passdown;
	u32 sequential_cutoff;		/* KiB, 0 = off */
	u32 promote_threshold;
	u32 migration_threshold;	/* sectors */
	u32 dirty_low;			/* percent */
	u32 dirty_high;
};

/*
 * 14 bytes per cache block: the origin block, the CBS_E_* flags and three
 * 24-bit cache block indexes in link[] (hash chain, list prev and next;
 * see policy.c). So at most CBS_CORE_MAX_CBLOCKS cache blocks.
 */
#define CBS_LINK_BITS		24
#define CBS_CORE_MAX_CBLOCKS	(BIT(CBS_LINK_BITS) - 1)

struct cbs_entry {
	u32 oblock;
	u8 flags;
	u8 link[9];
} __packed;

struct cbs_list {
	u32 head;
	u32 tail;
	u32 count;
};

struct cbs_stream {
	sector_t end;
	u64 run;			/* sectors */
};

struct cbs_stats {
	u64 read_hits;
	u64 read_misses;
	u64 write_hits;
	u64 write_misses;
	u64 demotions;
	u64 promotions;
	u64 bypassed;
	u64 writebacks;
	u64 cache_errors;
	u64 origin_errors;
};

/*
 * One per metadata device, shared by every table that names it (a reload
 * reuses the object, never re-reads metadata the old table is changing).
 */
struct cbs_cache {
	struct list_head node;		/* cbs_caches, under cbs_caches_lock */
	unsigned int refs;
	dev_t mdev, cdev, odev;
	struct block_device *mbdev, *cbdev, *obdev;
	struct mutex ti_lock;		/* protects ti */
	struct dm_target *ti;		/* the live table, for events */

	sector_t block_sectors;
	unsigned int block_shift;
	u32 nr_cblocks;
	u32 nr_oblocks;
	u32 mapping_blocks;

	spinlock_t lock;		/* everything below up to commit_lock */
	struct cbs_cfg cfg;
	struct cbs_entry *entries;
	u32 *buckets;
	u32 nr_buckets;			/* nr_cblocks / 8 */
	u8 *filter;			/* admission tags + counts */
	u32 nr_filter;			/* nr_cblocks slots */
	u32 filter_count;
	struct cbs_list free;		/* usable now */
	struct cbs_list pending_free;	/* usable after the next commit */
	struct cbs_list lru[2];		/* 0 probation, 1 protected */
	struct cbs_list promote_q;	/* BUSY entries waiting for a copy */
	u32 nr_dirty;
	u32 nr_valid;
	u32 mig_sectors;		/* copies in flight */
	u32 wb_inflight;
	u32 wb_cursor;
	u32 wb_batch_n, wb_batch_pos;	/* wb_batch[pos..n) still to issue */
	u64 wb_batch[CBS_WB_BATCH];	/* oblock << 32 | cblock, sorted */
	u64 wb_failures;
	unsigned long *mdirty[2];	/* mapping blocks to rewrite per copy */
	bool meta_changed;
	bool commit_wanted;
	bool suspended;
	bool ro;
	bool needs_check;
	bool flushing;
	bool cache_failed;		/* an error since the last clear_stats */
	bool event_pending;
	u16 wa_inflight[CBS_WA_BUCKETS];
	struct cbs_stream streams[CBS_NR_STREAMS];
	unsigned int stream_next;
	struct cbs_stats stats;
	struct bio_list deferred;	/* reprocess through the map logic */
	struct bio_list after_commit;	/* submit once committed */
	struct bio_list end_after_commit; /* complete once committed */
	struct bio_list retry_origin;	/* cache I/O failed: redo on origin */

	struct mutex commit_lock;	/* serialises commits */
	u64 generation;
	unsigned int live_copy;
	unsigned int commit_copy;	/* of the commit in progress */
	bool commit_clean;
	unsigned long *commit_bm;
	u16 *md_ndirty[2];		/* dirty entries per mapping block */
	u8 uuid[16];

	bool row_wanted;		/* the table says row */
	struct cbs_row *row;		/* the ROW map (row.c), or NULL */
	u64 nr_lblocks;			/* ROW: the volume's blocks */
	/* rowio.c, lists and counters under c->lock */
	struct hlist_head prov_hash[1 << CBS_PROV_BITS];
	struct bio_list row_deferred;	/* to the worker */
	struct bio_list row_retry;	/* next worker run */
	struct bio_list row_done;	/* provisions to finish (row_work) */
	u32 row_provisions;		/* in flight */
	u64 row_redirects;		/* writes redirected off a shared block */
	u32 row_writes;			/* writes in flight (mapped, not ended) */
	bool row_frozen;		/* a snapshot is being taken */
	struct bio_list row_held;	/* writes meanwhile */
	struct mutex row_snap_lock;	/* serialises snapshot operations */
	struct xarray row_active;	/* snapshot id -> cbs-snap devices */
	u64 row_nospc;			/* writes failed: data device full */
	bool row_nospc_raised;		/* event sent since clear_stats */
	struct workqueue_struct *row_wq;
	struct work_struct row_work;

	struct dm_bufio_client *bufio;
	struct dm_kcopyd_client *kc;
	struct workqueue_struct *wq;
	struct work_struct worker;
	struct delayed_work waker;
	wait_queue_head_t wait;
	struct bio_set bs;

	/* netlink.c: the volume registry (under cbs_nl_lock) and events */
	struct list_head nl_node;	/* on cbs_nl_vols while live */
	u64 nl_id;			/* dump cursor, 0 = not listed */
	unsigned int nl_users;		/* netlink commands using it */
	u8 nl_sent;			/* states notified (worker only) */
};

/* A consistent copy of a volume's state: dmsetup status and netlink. */
struct cbs_snap {
	struct cbs_stats s;
	struct cbs_cfg cfg;
	u64 wb_failures;
	u32 valid, dirty, wb;
	bool ro, needs_check, cache_failed;
};

void cbs_snapshot(struct cbs_cache *c, struct cbs_snap *snap);

/* metadata.c */
int cbs_md_open(struct cbs_cache *c, char **error);
void cbs_md_close(struct cbs_cache *c);
int cbs_md_commit(struct cbs_cache *c, bool clean);
void cbs_md_mark(struct cbs_cache *c, u32 cblock);
u32 cbs_md_blocks_needed(u32 nr_cblocks);

/* policy.c */
int cbs_policy_alloc(struct cbs_cache *c);
void cbs_policy_free(struct cbs_cache *c);
u32 cbs_lookup(struct cbs_cache *c, u32 oblock);
void cbs_hash_insert(struct cbs_cache *c, u32 cblock);
void cbs_hash_remove(struct cbs_cache *c, u32 cblock);
void cbs_list_push(struct cbs_cache *c, struct cbs_list *l, u32 cblock);
void cbs_list_del(struct cbs_cache *c, struct cbs_list *l, u32 cblock);
u32 cbs_list_pop(struct cbs_cache *c, struct cbs_list *l);
void cbs_lru_add(struct cbs_cache *c, u32 cblock);
void cbs_lru_del(struct cbs_cache *c, u32 cblock);
void cbs_lru_hit(struct cbs_cache *c, u32 cblock);
bool cbs_admit(struct cbs_cache *c, u32 oblock);
void cbs_admitted(struct cbs_cache *c, u32 oblock);
bool cbs_sequential(struct cbs_cache *c, struct bio *bio);
u32 cbs_evict(struct cbs_cache *c, u32 want);
unsigned int cbs_ram_per_block(struct cbs_cache *c);

#endif /* _CBS_H */
