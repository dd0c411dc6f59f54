/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-cbs redirect-on-write map: the logical->data block map of the volume
 * and of its snapshots, kept in dm-persistent-data B-trees in the ROW area
 * of the metadata device. Design: Documentation/design/cbs-row.rst.
 */
#ifndef _CBS_ROW_H
#define _CBS_ROW_H

#include <linux/dm-cbs-format.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include "persistent-data/dm-btree.h"
#include "persistent-data/dm-space-map.h"
#include "persistent-data/dm-transaction-manager.h"

struct bio;
struct cbs_cache;
struct cbs_disk_sb;
struct work_struct;

/* a level-1 value: data block << 24 | time */
#define CBS_ROW_TIME_BITS	24
#define CBS_ROW_TIME_MASK	((1U << CBS_ROW_TIME_BITS) - 1)
#define CBS_ROW_MAX_LBLOCKS	(U32_MAX - 1)	/* volume blocks */

struct cbs_row {
	struct dm_block_manager *bm;
	struct dm_transaction_manager *tm;
	struct dm_transaction_manager *nb_tm;	/* non-blocking clone */
	struct dm_space_map *meta_sm;
	struct dm_space_map *data_sm;
	struct dm_btree_info info;	/* (dev, block) -> value, 2 levels */
	struct dm_btree_info nb_info;	/* the same over nb_tm */
	struct dm_btree_info tl_info;	/* dev -> subtree root */
	struct dm_btree_info bl_info;	/* block -> value, one subtree */
	struct dm_btree_info details_info;

	/* provisions hold it (read) from allocation to mapping; commits write */
	struct rw_semaphore gate;
	/* under lock (write for changes, read for lookups) */
	struct rw_semaphore lock;
	dm_block_t dev_root;
	dm_block_t details_root;
	u32 time;
	u64 next_id;
	u64 nr_snaps;
	u64 data_blocks;
	u64 mapped;			/* the volume's mapped blocks */
	u32 snapshotted_time;		/* the volume's */
	bool fail;			/* a metadata error: read-only */
	bool aborted;			/* back at the last commit (or no trees) */
};

/* A snapshot as cbs_row_snap_iter() reports it (cpu order). */
struct cbs_row_snap_info {
	u64 id;
	u64 mapped_blocks;
	u64 exclusive_blocks;		/* only it maps (if has_space) */
	u64 creation_time;		/* snapshot clock */
	u64 ctime;			/* wall clock seconds */
	char name[CBS_ROW_NAME_LEN + 1];
	bool has_space;			/* exclusive_blocks counted */
};

struct cbs_row_space {
	u64 data_free, data_total;
	u64 meta_free, meta_total;
	u64 mapped;
};

int cbs_row_format(struct cbs_cache *c, u64 data_blocks);
int cbs_row_open(struct cbs_cache *c, const struct cbs_disk_sb *sb,
		 char **error);
void cbs_row_close(struct cbs_cache *c);
int cbs_row_commit(struct cbs_cache *c, unsigned int slot,
		   void (*fill)(struct cbs_cache *c, struct cbs_disk_sb *sb));
int cbs_row_lookup(struct cbs_cache *c, u64 dev, u64 lblock, bool can_block,
		   u64 *dblock, bool *shared);
int cbs_row_alloc(struct cbs_cache *c, u64 *dblock);
void cbs_row_unalloc(struct cbs_cache *c, u64 dblock);
int cbs_row_insert(struct cbs_cache *c, u64 lblock, u64 dblock);
int cbs_row_space(struct cbs_cache *c, struct cbs_row_space *s);
bool cbs_row_name_ok(const char *name);
int cbs_row_snap_create(struct cbs_cache *c, const char *name,
			const char **error);
int cbs_row_snap_delete(struct cbs_cache *c, const char *name,
			const char **error);
int cbs_row_snap_rollback(struct cbs_cache *c, const char *name,
			  const char **error);
int cbs_row_snap_list(struct cbs_cache *c, char *result, unsigned int maxlen);
u64 cbs_row_nr_snaps(struct cbs_cache *c);
int cbs_row_snap_get(struct cbs_cache *c, const char *name, u64 *id,
		     u64 *mapped);
void cbs_row_snap_put(struct cbs_cache *c, u64 id);
int cbs_row_snap_iter(struct cbs_cache *c, u64 from, u64 *gen, bool space,
		      int (*fn)(void *ctx, const struct cbs_row_snap_info *s),
		      void *ctx);

/* rowio.c */
int cbs_row_map(struct cbs_cache *c, struct bio *bio, u64 dev);
void cbs_row_process(struct cbs_cache *c);
void cbs_row_prov_end(struct cbs_cache *c, struct bio *bio);
void cbs_row_work(struct work_struct *work);
int cbs_row_freeze(struct cbs_cache *c);
void cbs_row_thaw(struct cbs_cache *c);
void cbs_row_write_end(struct cbs_cache *c, struct bio *bio);

#endif /* _CBS_ROW_H */
