// SPDX-License-Identifier: GPL-2.0
/*
 * dm-cbs redirect-on-write map: the volume's logical blocks map to data
 * blocks (blocks of the origin device) through a two-level
 * dm-persistent-data B-tree in the ROW area of the metadata device, as
 * dm-thin's: (device id, logical block) -> data block << 24 | time. A
 * disk space map counts the references to data blocks; the transaction
 * manager's own space map counts the metadata blocks. Both superblock
 * slots and the cache mapping copies hold a reference in the latter, so it
 * never hands them out. Design: Documentation/design/cbs-row.rst.
 */
#include <linux/blkdev.h>
#include <linux/crc32c.h>
#include <linux/ctype.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/xarray.h>

#include "cbs.h"
#include "row.h"
#include "persistent-data/dm-space-map-disk.h"

#define DM_MSG_PREFIX "cbs"

/* block locks held at once by one thread: a B-tree spine, as dm-thin */
#define CBS_ROW_MAX_LOCKS	5

static_assert(offsetof(struct cbs_disk_sb, row_meta_sm) == 152);
static_assert(sizeof(struct cbs_disk_sb) <= CBS_MD_BLOCK);

static inline u64 cbs_row_pack(u64 b, u32 t)
{
	return b << CBS_ROW_TIME_BITS | (t & CBS_ROW_TIME_MASK);
}

static inline void cbs_row_unpack(u64 v, u64 *b, u32 *t)
{
	*b = v >> CBS_ROW_TIME_BITS;
	*t = v & CBS_ROW_TIME_MASK;
}

/* ---- B-tree value types ------------------------------------------------ */

/* Apply @fn to the data blocks of @count values, in runs of consecutive blocks. */
static void cbs_row_runs(struct dm_space_map *sm, const __le64 *v,
			 unsigned int count,
			 int (*fn)(struct dm_space_map *, dm_block_t, dm_block_t))
{
	u64 b, begin = 0, end = 0;
	unsigned int i;
	u32 t;

	for (i = 0; i < count; i++) {
		cbs_row_unpack(le64_to_cpu(v[i]), &b, &t);
		if (end && b == end) {
			end++;
			continue;
		}
		if (end)
			fn(sm, begin, end);
		begin = b;
		end = b + 1;
	}
	if (end)
		fn(sm, begin, end);
}

static void cbs_row_data_inc(void *context, const void *value, unsigned int count)
{
	cbs_row_runs(context, value, count, dm_sm_inc_blocks);
}

static void cbs_row_data_dec(void *context, const void *value, unsigned int count)
{
	cbs_row_runs(context, value, count, dm_sm_dec_blocks);
}

static int cbs_row_data_equal(void *context, const void *v1, const void *v2)
{
	__le64 a, b;

	memcpy(&a, v1, sizeof(a));
	memcpy(&b, v2, sizeof(b));
	return le64_to_cpu(a) >> CBS_ROW_TIME_BITS ==
	       le64_to_cpu(b) >> CBS_ROW_TIME_BITS;
}

static void cbs_row_subtree_inc(void *context, const void *value,
				unsigned int count)
{
	struct dm_btree_info *info = context;
	const __le64 *root = value;
	unsigned int i;

	for (i = 0; i < count; i++)
		dm_tm_inc(info->tm, le64_to_cpu(root[i]));
}

static void cbs_row_subtree_dec(void *context, const void *value,
				unsigned int count)
{
	struct dm_btree_info *info = context;
	const __le64 *root = value;
	unsigned int i;

	for (i = 0; i < count; i++)
		if (dm_btree_del(info, le64_to_cpu(root[i]))) {
			/* a leak the commit must not record: fail it */
			DMERR("cannot free a mapping subtree: metadata read-only");
			container_of(info, struct cbs_row, bl_info)->fail = true;
		}
}

static int cbs_row_subtree_equal(void *context, const void *v1, const void *v2)
{
	return !memcmp(v1, v2, sizeof(__le64));
}

static void cbs_row_setup_info(struct cbs_row *row)
{
	row->info = (struct dm_btree_info){
		.tm = row->tm,
		.levels = 2,
		.value_type = {
			.context = row->data_sm,
			.size = sizeof(__le64),
			.inc = cbs_row_data_inc,
			.dec = cbs_row_data_dec,
			.equal = cbs_row_data_equal,
		},
	};
	row->nb_info = row->info;
	row->nb_info.tm = row->nb_tm;
	row->bl_info = row->info;
	row->bl_info.levels = 1;
	row->tl_info = (struct dm_btree_info){
		.tm = row->tm,
		.levels = 1,
		.value_type = {
			.context = &row->bl_info,
			.size = sizeof(__le64),
			.inc = cbs_row_subtree_inc,
			.dec = cbs_row_subtree_dec,
			.equal = cbs_row_subtree_equal,
		},
	};
	row->details_info = (struct dm_btree_info){
		.tm = row->tm,
		.levels = 1,
		.value_type.size = sizeof(struct cbs_disk_dev),
	};
}

/* ---- superblock slots through the block manager ---------------------- */

static void cbs_row_sb_prepare(const struct dm_block_validator *v,
			       struct dm_block *b, size_t size)
{
	struct cbs_disk_sb *sb = dm_block_data(b);

	sb->csum = cpu_to_le32(crc32c(~0U, (u8 *)sb + 4, CBS_MD_BLOCK - 4));
}

static int cbs_row_sb_check(const struct dm_block_validator *v,
			    struct dm_block *b, size_t size)
{
	struct cbs_disk_sb *sb = dm_block_data(b);

	if (sb->csum != cpu_to_le32(crc32c(~0U, (u8 *)sb + 4, CBS_MD_BLOCK - 4)))
		return -EILSEQ;
	return 0;
}

static const struct dm_block_validator cbs_row_sb_validator = {
	.name = "cbs_superblock",
	.prepare_for_write = cbs_row_sb_prepare,
	.check = cbs_row_sb_check,
};

/* ---- open, format, close ---------------------------------------------- */

static int cbs_row_create(struct cbs_cache *c)
{
	struct cbs_row *row;

	row = kzalloc(sizeof(*row), GFP_KERNEL);
	if (!row)
		return -ENOMEM;
	init_rwsem(&row->lock);
	init_rwsem(&row->gate);
	row->bm = dm_block_manager_create(c->mbdev, CBS_MD_BLOCK,
					  CBS_ROW_MAX_LOCKS);
	if (IS_ERR(row->bm)) {
		int r = PTR_ERR(row->bm);

		kfree(row);
		return r;
	}
	c->row = row;
	return 0;
}

/* Drop the persistent-data objects; the block manager stays. */
static void cbs_row_put_objects(struct cbs_row *row)
{
	if (row->nb_tm)
		dm_tm_destroy(row->nb_tm);
	if (row->data_sm)
		dm_sm_destroy(row->data_sm);
	if (row->tm)
		dm_tm_destroy(row->tm);
	if (row->meta_sm)
		dm_sm_destroy(row->meta_sm);
	row->nb_tm = NULL;
	row->data_sm = NULL;
	row->tm = NULL;
	row->meta_sm = NULL;
}

void cbs_row_close(struct cbs_cache *c)
{
	struct cbs_row *row = c->row;

	if (!row)
		return;
	cbs_row_put_objects(row);
	dm_block_manager_destroy(row->bm);
	kfree(row);
	c->row = NULL;
}

static int cbs_row_details_insert(struct cbs_row *row, u64 id,
				  struct cbs_disk_dev *d)
{
	__dm_bless_for_disk(d);
	return dm_btree_insert(&row->details_info, row->details_root, &id, d,
			       &row->details_root);
}

/*
 * Format the ROW area of a fresh metadata device for a data device of
 * @data_blocks blocks: empty trees with the volume (device 0) in them.
 * Nothing is on disk before the caller's first commit.
 */
int cbs_row_format(struct cbs_cache *c, u64 data_blocks)
{
	u64 reserved = CBS_COPY_START(2, c->mapping_blocks);
	struct cbs_disk_dev dev = {};
	struct cbs_row *row;
	dm_block_t sub;
	__le64 v;
	u64 key = 0;
	int r;

	r = cbs_row_create(c);
	if (r)
		return r;
	row = c->row;
	row->data_blocks = data_blocks;
	/* bootstrap allocations start at row_start = reserved */
	r = dm_tm_create_with_sm(row->bm, reserved - 1, &row->tm, &row->meta_sm);
	if (r) {
		row->tm = NULL;
		row->meta_sm = NULL;
		goto bad;
	}
	if (reserved > 1) {
		r = dm_sm_inc_blocks(row->meta_sm, 0, reserved - 1);
		if (r)
			goto bad;
	}
	row->data_sm = dm_sm_disk_create(row->tm, data_blocks);
	if (IS_ERR(row->data_sm)) {
		r = PTR_ERR(row->data_sm);
		row->data_sm = NULL;
		goto bad;
	}
	row->nb_tm = dm_tm_create_non_blocking_clone(row->tm);
	if (!row->nb_tm) {
		r = -ENOMEM;
		goto bad;
	}
	cbs_row_setup_info(row);
	r = dm_btree_empty(&row->tl_info, &row->dev_root);
	if (!r)
		r = dm_btree_empty(&row->details_info, &row->details_root);
	if (!r)
		r = dm_btree_empty(&row->bl_info, &sub);
	if (r)
		goto bad;
	v = cpu_to_le64(sub);
	__dm_bless_for_disk(&v);
	r = dm_btree_insert(&row->tl_info, row->dev_root, &key, &v, &row->dev_root);
	if (!r)
		r = cbs_row_details_insert(row, 0, &dev);
	if (r)
		goto bad;
	row->next_id = 1;
	return 0;
bad:
	cbs_row_close(c);
	return r;
}

static int cbs_row_read_details(struct cbs_row *row)
{
	struct cbs_disk_dev d;
	u64 key = 0;
	int r;

	r = dm_btree_lookup(&row->details_info, row->details_root, &key, &d);
	if (r)
		return r;
	row->mapped = le64_to_cpu(d.mapped_blocks);
	row->snapshotted_time = le64_to_cpu(d.snapshotted_time);
	return 0;
}

/*
 * Open the trees and space maps superblock @sb describes over row->bm. A
 * failure leaves none open.
 */
static int cbs_row_load(struct cbs_row *row, const struct cbs_disk_sb *sb,
			char **error)
{
	u64 row_start = le64_to_cpu(sb->row_start);
	int r;

	r = dm_tm_open_with_sm(row->bm, row_start - 1, (void *)sb->row_meta_sm,
			       sizeof(sb->row_meta_sm), &row->tm, &row->meta_sm);
	if (r) {
		row->tm = NULL;
		row->meta_sm = NULL;
		*error = "Cannot open the ROW metadata space map";
		return r;
	}
	row->data_sm = dm_sm_disk_open(row->tm, (void *)sb->row_data_sm,
				       sizeof(sb->row_data_sm));
	if (IS_ERR(row->data_sm)) {
		r = PTR_ERR(row->data_sm);
		row->data_sm = NULL;
		*error = "Cannot open the ROW data space map";
		goto bad;
	}
	row->nb_tm = dm_tm_create_non_blocking_clone(row->tm);
	if (!row->nb_tm) {
		r = -ENOMEM;
		*error = "Cannot allocate the ROW transaction manager";
		goto bad;
	}
	cbs_row_setup_info(row);
	row->dev_root = le64_to_cpu(sb->row_dev_root);
	row->details_root = le64_to_cpu(sb->row_details_root);
	row->time = le32_to_cpu(sb->row_time);
	row->next_id = le64_to_cpu(sb->row_next_id);
	row->nr_snaps = le64_to_cpu(sb->row_nr_snaps);
	row->data_blocks = le64_to_cpu(sb->row_blocks);
	r = cbs_row_read_details(row);
	if (r) {
		*error = "Cannot read the volume's ROW details";
		goto bad;
	}
	return 0;
bad:
	cbs_row_put_objects(row);
	return r;
}

/* Open the ROW area the newest superblock @sb describes. */
int cbs_row_open(struct cbs_cache *c, const struct cbs_disk_sb *sb,
		 char **error)
{
	int r;

	r = cbs_row_create(c);
	if (r) {
		*error = "Cannot create the ROW block manager";
		return r;
	}
	r = cbs_row_load(c->row, sb, error);
	if (r)
		cbs_row_close(c);
	return r;
}

/*
 * After a failed commit: forget the transaction, as dm-thin's
 * abort_transaction. The in-core trees may name nodes whose writes
 * failed, and dm-bufio drops such buffers once they are clean: reading
 * them back would fail the node check. Reopen from the last committed
 * superblock, slot @slot; writes since that commit that no flush
 * acknowledged read their old data again. If that fails too, the map
 * has no trees: every lookup fails (row->tm NULL). The map stays failed
 * (read-only). Under row->gate and row->lock for writing.
 */
static void cbs_row_abort(struct cbs_row *row, unsigned int slot)
{
	char *why = "cannot read the superblock";
	struct dm_block *b;
	int r;

	cbs_row_put_objects(row);
	dm_block_manager_reset(row->bm);
	r = dm_bm_read_lock(row->bm, slot, &cbs_row_sb_validator, &b);
	if (!r) {
		r = cbs_row_load(row, dm_block_data(b), &why);
		dm_bm_unlock(b);
	}
	if (r)
		DMERR("ROW map after a failed commit: %s (%d): I/O fails", why, r);
	else
		DMERR("ROW map back at its last commit after a failed commit");
}

/* ---- commit --------------------------------------------------------- */

static int cbs_row_write_details(struct cbs_row *row)
{
	struct cbs_disk_dev d;
	u64 key = 0;
	int r;

	r = dm_btree_lookup(&row->details_info, row->details_root, &key, &d);
	if (r)
		return r;
	if (le64_to_cpu(d.mapped_blocks) == row->mapped &&
	    le64_to_cpu(d.snapshotted_time) == row->snapshotted_time)
		return 0;
	d.mapped_blocks = cpu_to_le64(row->mapped);
	d.snapshotted_time = cpu_to_le64(row->snapshotted_time);
	return cbs_row_details_insert(row, 0, &d);
}

/*
 * The ROW part of a commit (cbs_md_commit, after the cache mapping copy is
 * on disk): B-tree nodes and space maps to disk, then superblock @slot,
 * filled by @fill with the cache fields, gets the roots and is written
 * and flushed by dm_tm_commit, which also starts a new transaction.
 */
int cbs_row_commit(struct cbs_cache *c, unsigned int slot,
		   void (*fill)(struct cbs_cache *c, struct cbs_disk_sb *sb))
{
	struct cbs_row *row = c->row;
	struct cbs_disk_sb *sb;
	struct dm_block *b;
	size_t len;
	int r;

	/* no provision between allocation and mapping (see rowio.c) */
	down_write(&row->gate);
	down_write(&row->lock);
	r = row->fail ? -EROFS : cbs_row_write_details(row);
	if (!r)
		r = dm_sm_commit(row->data_sm);
	if (!r)
		r = dm_tm_pre_commit(row->tm);
	if (r)
		goto out;
	r = dm_sm_root_size(row->meta_sm, &len);
	if (!r && len > sizeof(sb->row_meta_sm))
		r = -EINVAL;
	if (!r)
		r = dm_sm_root_size(row->data_sm, &len);
	if (!r && len > sizeof(sb->row_data_sm))
		r = -EINVAL;
	if (!r)
		r = dm_bm_write_lock_zero(row->bm, slot, &cbs_row_sb_validator, &b);
	if (r)
		goto out;
	sb = dm_block_data(b);
	fill(c, sb);
	sb->incompat = cpu_to_le64(CBS_INCOMPAT_ROW);
	sb->row_blocks = cpu_to_le64(row->data_blocks);
	sb->row_block_size = cpu_to_le32(c->block_sectors);
	sb->row_time = cpu_to_le32(row->time);
	sb->row_dev_root = cpu_to_le64(row->dev_root);
	sb->row_details_root = cpu_to_le64(row->details_root);
	sb->row_next_id = cpu_to_le64(row->next_id);
	sb->row_nr_snaps = cpu_to_le64(row->nr_snaps);
	r = dm_sm_copy_root(row->meta_sm, sb->row_meta_sm, sizeof(sb->row_meta_sm));
	if (!r)
		r = dm_sm_copy_root(row->data_sm, sb->row_data_sm,
				    sizeof(sb->row_data_sm));
	if (r) {
		dm_bm_unlock(b);
		goto out;
	}
	r = dm_tm_commit(row->tm, b);
out:
	if (r) {
		row->fail = true;
		if (!row->aborted) {
			row->aborted = true;
			cbs_row_abort(row, !slot);
		}
	}
	up_write(&row->lock);
	up_write(&row->gate);
	return r;
}

/* ---- lookups and changes ------------------------------------------- */

/*
 * Look @lblock of device @dev (0: the volume) up. @can_block false: only
 * from blocks in memory (-EWOULDBLOCK otherwise), for ->map. Returns
 * -ENODATA when the block is not mapped. *@shared (the volume): a
 * snapshot may use the data block too.
 */
int cbs_row_lookup(struct cbs_cache *c, u64 dev, u64 lblock, bool can_block,
		   u64 *dblock, bool *shared)
{
	struct cbs_row *row = c->row;
	u64 keys[2] = { dev, lblock };
	__le64 v;
	u32 t;
	int r;

	if (!can_block && !down_read_trylock(&row->lock))
		return -EWOULDBLOCK;
	if (can_block)
		down_read(&row->lock);
	if (!row->tm) {
		up_read(&row->lock);
		return -EIO;
	}
	r = dm_btree_lookup(can_block ? &row->info : &row->nb_info,
			    row->dev_root, keys, &v);
	if (!r) {
		cbs_row_unpack(le64_to_cpu(v), dblock, &t);
		/*
		 * Mapped before the last snapshot: a snapshot may use the
		 * block, through its own mapping or a shared B-tree node
		 * (whose data blocks' counts only go up when it is
		 * shadowed, so the space map cannot tell). Once no snapshot
		 * is left, nothing is shared.
		 */
		*shared = !dev && row->nr_snaps && t < row->snapshotted_time;
	}
	up_read(&row->lock);
	return r;
}

/* Allocate a data block in the in-core transaction (-ENOSPC when full). */
int cbs_row_alloc(struct cbs_cache *c, u64 *dblock)
{
	struct cbs_row *row = c->row;
	dm_block_t b;
	int r;

	down_write(&row->lock);
	r = row->fail ? -EROFS : dm_sm_new_block(row->data_sm, &b);
	up_write(&row->lock);
	if (!r)
		*dblock = b;
	return r;
}

/* Give back a block cbs_row_alloc() returned and nothing maps. */
void cbs_row_unalloc(struct cbs_cache *c, u64 dblock)
{
	struct cbs_row *row = c->row;

	down_write(&row->lock);
	if (!row->fail && dm_sm_dec_block(row->data_sm, dblock))
		row->fail = true;
	up_write(&row->lock);
}

/*
 * Map @lblock of the volume to @dblock, which holds the reference
 * cbs_row_alloc() took. A mapping it replaces loses its data block's
 * reference. A failure may leave the tree half changed: the map turns
 * read-only (no more commits).
 */
int cbs_row_insert(struct cbs_cache *c, u64 lblock, u64 dblock)
{
	struct cbs_row *row = c->row;
	u64 keys[2] = { 0, lblock };
	int inserted, r;
	__le64 v;

	down_write(&row->lock);
	if (row->fail) {
		r = -EROFS;
		goto out;
	}
	v = cpu_to_le64(cbs_row_pack(dblock, row->time));
	__dm_bless_for_disk(&v);
	r = dm_btree_insert_notify(&row->info, row->dev_root, keys, &v,
				   &row->dev_root, &inserted);
	if (r)
		row->fail = true;
	else
		row->mapped += inserted;
out:
	up_write(&row->lock);
	return r;
}

int cbs_row_space(struct cbs_cache *c, struct cbs_row_space *s)
{
	struct cbs_row *row = c->row;
	dm_block_t n;
	int r;

	down_read(&row->lock);
	if (!row->tm) {
		up_read(&row->lock);
		return -EIO;
	}
	r = dm_sm_get_nr_free(row->data_sm, &n);
	s->data_free = n;
	if (!r)
		r = dm_sm_get_nr_blocks(row->data_sm, &n);
	s->data_total = n;
	if (!r)
		r = dm_sm_get_nr_free(row->meta_sm, &n);
	s->meta_free = n;
	if (!r)
		r = dm_sm_get_nr_blocks(row->meta_sm, &n);
	s->meta_total = n;
	s->mapped = row->mapped;
	up_read(&row->lock);
	return r;
}

/* ---- snapshots ------------------------------------------------------ */

struct cbs_row_find {
	const char *name;
	u64 id;
	struct cbs_disk_dev d;
};

static int cbs_row_find_one(void *context, u64 *keys, void *leaf)
{
	struct cbs_row_find *f = context;
	struct cbs_disk_dev *d = leaf;

	if (!keys[0])
		return 0;
	if (f->name && !strncmp(d->name, f->name, sizeof(d->name))) {
		f->id = keys[0];
		memcpy(&f->d, d, sizeof(*d));
	}
	return 0;
}

/* The snapshot called @name: its id (0 when there is none). Under lock. */
static int cbs_row_find(struct cbs_row *row, const char *name, u64 *id,
			struct cbs_disk_dev *d)
{
	struct cbs_row_find f = { .name = name };
	int r;

	if (!row->tm)
		return -EIO;
	r = dm_btree_walk(&row->details_info, row->details_root,
			  cbs_row_find_one, &f);
	*id = f.id;
	if (d)
		*d = f.d;
	return r;
}

/* A snapshot name: 1 to 31 of [A-Za-z0-9._+-], not starting with '-'. */
bool cbs_row_name_ok(const char *name)
{
	size_t i, n = strnlen(name, CBS_ROW_NAME_LEN);

	if (!n || n == CBS_ROW_NAME_LEN || name[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum(name[i]) && !strchr("._+-", name[i]))
			return false;
	return true;
}

static int cbs_row_time_next(struct cbs_row *row, const char **error)
{
	if (row->time >= CBS_ROW_TIME_MASK) {
		*error = "snapshot clock exhausted";
		return -ENOSPC;
	}
	row->time++;
	row->snapshotted_time = row->time;
	return 0;
}

/*
 * Snapshot the volume as @name. The caller has quiesced writes (no bio
 * in flight, none provisioning) and commits afterwards. A failure after
 * the first tree change turns the map read-only: the last commit stays.
 */
int cbs_row_snap_create(struct cbs_cache *c, const char *name,
			const char **error)
{
	struct cbs_row *row = c->row;
	struct cbs_disk_dev d = {};
	u64 key = 0, id;
	dm_block_t sub;
	__le64 v;
	int r;

	if (!cbs_row_name_ok(name)) {
		*error = "bad snapshot name (1-31 of A-Z a-z 0-9 . _ + -)";
		return -EINVAL;
	}
	down_write(&row->lock);
	r = row->fail ? -EROFS : cbs_row_find(row, name, &id, NULL);
	if (r) {
		*error = "cannot read the snapshot list";
		goto out;
	}
	if (id) {
		*error = "a snapshot of that name exists";
		r = -EEXIST;
		goto out;
	}
	r = dm_btree_lookup(&row->tl_info, row->dev_root, &key, &v);
	if (r) {
		*error = "cannot read the volume's map";
		goto out;
	}
	r = cbs_row_time_next(row, error);
	if (r)
		goto out;
	id = row->next_id;
	sub = le64_to_cpu(v);
	d.mapped_blocks = cpu_to_le64(row->mapped);
	d.creation_time = cpu_to_le64(row->time);
	d.snapshotted_time = cpu_to_le64(row->time);
	d.ctime = cpu_to_le64(ktime_get_real_seconds());
	strscpy_pad(d.name, name, sizeof(d.name));
	/* the snapshot shares the volume's subtree */
	dm_tm_inc(row->tm, sub);
	__dm_bless_for_disk(&v);
	r = dm_btree_insert(&row->tl_info, row->dev_root, &id, &v, &row->dev_root);
	if (r) {
		dm_tm_dec(row->tm, sub);
		goto fail;
	}
	r = cbs_row_details_insert(row, id, &d);
	if (r)
		goto fail;
	row->next_id++;
	row->nr_snaps++;
	goto out;
fail:
	*error = "metadata error: read-only";
	row->fail = true;
out:
	up_write(&row->lock);
	return r;
}

/*
 * A cbs-snap device maps snapshot @name: its id, counted in c->row_active
 * (a snapshot in use cannot be deleted). Under c->row_snap_lock.
 */
int cbs_row_snap_get(struct cbs_cache *c, const char *name, u64 *id,
		     u64 *mapped)
{
	struct cbs_row *row = c->row;
	struct cbs_disk_dev d;
	unsigned long n;
	int r;

	down_read(&row->lock);
	r = cbs_row_find(row, name, id, &d);
	up_read(&row->lock);
	if (r)
		return r;
	if (!*id)
		return -ENOENT;
	*mapped = le64_to_cpu(d.mapped_blocks);
	n = xa_to_value(xa_load(&c->row_active, *id) ?: xa_mk_value(0));
	return xa_err(xa_store(&c->row_active, *id, xa_mk_value(n + 1), GFP_KERNEL));
}

/* Under c->row_snap_lock. */
void cbs_row_snap_put(struct cbs_cache *c, u64 id)
{
	unsigned long n = xa_to_value(xa_load(&c->row_active, id));

	if (n > 1)
		xa_store(&c->row_active, id, xa_mk_value(n - 1), GFP_KERNEL);
	else
		xa_erase(&c->row_active, id);
}

/*
 * Delete snapshot @name: its subtree loses a reference, and every node and
 * data block only it used is freed with it.
 */
int cbs_row_snap_delete(struct cbs_cache *c, const char *name,
			const char **error)
{
	struct cbs_row *row = c->row;
	u64 id;
	int r;

	down_write(&row->lock);
	r = row->fail ? -EROFS : cbs_row_find(row, name, &id, NULL);
	if (r) {
		*error = "cannot read the snapshot list";
		goto out;
	}
	if (!id) {
		*error = "no snapshot of that name";
		r = -ENOENT;
		goto out;
	}
	if (xa_load(&c->row_active, id)) {
		*error = "snapshot in use by a cbs-snap device";
		r = -EBUSY;
		goto out;
	}
	r = dm_btree_remove(&row->tl_info, row->dev_root, &id, &row->dev_root);
	if (!r)
		r = dm_btree_remove(&row->details_info, row->details_root, &id,
				    &row->details_root);
	if (r) {
		*error = "metadata error: read-only";
		row->fail = true;
		goto out;
	}
	row->nr_snaps--;
out:
	up_write(&row->lock);
	return r;
}

/*
 * Roll the volume back to snapshot @name: the volume's subtree becomes the
 * snapshot's (one level-0 insert), its old subtree loses a reference and
 * what only it used is freed. Every mapping is shared again. The volume is
 * suspended (no I/O); the caller commits.
 */
int cbs_row_snap_rollback(struct cbs_cache *c, const char *name,
			  const char **error)
{
	struct cbs_row *row = c->row;
	struct cbs_disk_dev d;
	u64 key = 0, id;
	__le64 v;
	int r;

	down_write(&row->lock);
	r = row->fail ? -EROFS : cbs_row_find(row, name, &id, &d);
	if (r) {
		*error = "cannot read the snapshot list";
		goto out;
	}
	if (!id) {
		*error = "no snapshot of that name";
		r = -ENOENT;
		goto out;
	}
	r = dm_btree_lookup(&row->tl_info, row->dev_root, &id, &v);
	if (r) {
		*error = "cannot read the snapshot's map";
		goto out;
	}
	r = cbs_row_time_next(row, error);
	if (r)
		goto out;
	dm_tm_inc(row->tm, le64_to_cpu(v));
	__dm_bless_for_disk(&v);
	/* the old subtree's reference drops through the value type */
	r = dm_btree_insert(&row->tl_info, row->dev_root, &key, &v, &row->dev_root);
	if (r) {
		*error = "metadata error: read-only";
		row->fail = true;
		goto out;
	}
	row->mapped = le64_to_cpu(d.mapped_blocks);
out:
	up_write(&row->lock);
	return r;
}

struct cbs_row_list {
	char *result;
	unsigned int maxlen, sz;
};

static int cbs_row_list_one(void *context, const struct cbs_row_snap_info *s)
{
	struct cbs_row_list *l = context;
	unsigned int maxlen = l->maxlen, sz = l->sz;
	char *result = l->result;

	DMEMIT("%llu %s %llu %llu %llu %llu\n", s->id, s->name, s->ctime,
	       s->mapped_blocks, s->exclusive_blocks,
	       s->mapped_blocks - s->exclusive_blocks);
	l->sz = sz;
	return 0;
}

/*
 * "snapshot list": one line per snapshot,
 * "<id> <name> <ctime> <mapped> <exclusive> <shared>".
 */
int cbs_row_snap_list(struct cbs_cache *c, char *result, unsigned int maxlen)
{
	struct cbs_row_list l = { result, maxlen, 0 };

	if (maxlen)
		result[0] = 0;
	return cbs_row_snap_iter(c, 1, NULL, true, cbs_row_list_one, &l);
}

u64 cbs_row_nr_snaps(struct cbs_cache *c)
{
	u64 n;

	down_read(&c->row->lock);
	n = c->row->nr_snaps;
	up_read(&c->row->lock);
	return n;
}

/* The on-disk B-tree node header (persistent-data/dm-btree-internal.h). */
struct cbs_row_node {
	__le32 csum;
	__le32 flags;
	__le64 blocknr;
	__le32 nr_entries;
	__le32 max_entries;
	__le32 value_size;
	__le32 padding;
	__le64 keys[];
} __packed;

static_assert(sizeof(struct cbs_row_node) == 32);

/*
 * The data blocks only subtree @root maps (those its deletion would
 * free): a block named by one leaf (data count 1), that leaf reached from
 * no other device's tree. A node another tree also holds (metadata count
 * above 1) shares all below it, so the walk skips such a subtree: it moves
 * the cursor to the last entry of each node from there down (the cursor's
 * node stack, struct dm_btree_cursor). The cost is the unshared part of
 * the tree plus one spine per shared subtree met, whatever the number of
 * snapshots. Under row->lock.
 */
static int cbs_row_exclusive(struct cbs_row *row, dm_block_t root,
			     struct dm_btree_cursor *cur, u64 *excl)
{
	const struct cbs_row_node *n;
	unsigned int i, j, nr;
	const __le64 *v;
	u32 count, t;
	u64 b;
	int r;

	*excl = 0;
	r = dm_btree_cursor_begin(&row->bl_info, root, false, cur);
	while (!r) {
		/* the first node of the path another tree shares, if any */
		for (i = 0; i < cur->depth; i++) {
			r = dm_sm_get_count(row->meta_sm,
					    dm_block_location(cur->nodes[i].b),
					    &count);
			if (r || count > 1)
				break;
		}
		if (r)
			break;
		j = cur->depth - 1;
		n = dm_block_data(cur->nodes[j].b);
		nr = le32_to_cpu(n->nr_entries);
		if (i == cur->depth) {
			/*
			 * The node check bounds max_entries by the node's own
			 * value size: with another, v[] would run off the block.
			 */
			if (le32_to_cpu(n->value_size) != sizeof(*v)) {
				r = -EINVAL;
				goto out;
			}
			v = &n->keys[le32_to_cpu(n->max_entries)];
			for (; cur->nodes[j].index < nr; cur->nodes[j].index++) {
				cbs_row_unpack(le64_to_cpu(v[cur->nodes[j].index]),
					       &b, &t);
				r = dm_sm_get_count(row->data_sm, b, &count);
				if (r)
					goto out;
				*excl += count == 1;
			}
			i = j;
		}
		/* past the rest of the leaf or of the shared subtree */
		for (j = i; j < cur->depth; j++) {
			n = dm_block_data(cur->nodes[j].b);
			cur->nodes[j].index = le32_to_cpu(n->nr_entries) - 1;
		}
		r = dm_btree_cursor_next(cur);
	}
out:
	dm_btree_cursor_end(cur);
	return r == -ENODATA ? 0 : r;
}

/*
 * Call @fn for each snapshot whose id is at least @from, in id order,
 * until it returns non-zero (then returned): a cursor for dumps that
 * span several calls. Each step is a lookup of the next key, so a
 * resumed walk neither repeats nor skips the snapshots that stay. With
 * @space, each snapshot's exclusive blocks are counted (a walk of what
 * it does not share; the lock is dropped between snapshots). Under
 * row->lock for reading: @fn must not sleep.
 * *@gen, if @gen is set: the snapshot creations and deletions so far
 * (moves on each).
 */
int cbs_row_snap_iter(struct cbs_cache *c, u64 from, u64 *gen, bool space,
		      int (*fn)(void *ctx, const struct cbs_row_snap_info *s),
		      void *ctx)
{
	struct dm_btree_cursor *cur = NULL;
	struct cbs_row *row = c->row;
	struct cbs_row_snap_info s;
	u64 key = max(from, 1ULL);
	struct cbs_disk_dev d;
	__le64 v;
	int r;

	/* no allocation may wait for the volume's I/O (it may be suspended) */
	if (space) {
		cur = kmalloc(sizeof(*cur), GFP_NOIO);
		if (!cur)
			return -ENOMEM;
	}
	down_read(&row->lock);
	if (gen)
		*gen = 2 * (row->next_id - 1) - row->nr_snaps;
	for (;;) {
		if (!row->tm) {
			r = -EIO;
			break;
		}
		r = dm_btree_lookup_next(&row->details_info, row->details_root,
					 &key, &s.id, &d);
		if (r) {
			if (r == -ENODATA)
				r = 0;
			break;
		}
		s.mapped_blocks = le64_to_cpu(d.mapped_blocks);
		s.creation_time = le64_to_cpu(d.creation_time);
		s.ctime = le64_to_cpu(d.ctime);
		memcpy(s.name, d.name, CBS_ROW_NAME_LEN);
		s.name[CBS_ROW_NAME_LEN] = 0;
		s.exclusive_blocks = 0;
		s.has_space = space;
		if (space) {
			r = dm_btree_lookup(&row->tl_info, row->dev_root, &s.id,
					    &v);
			if (!r)
				r = cbs_row_exclusive(row, le64_to_cpu(v), cur,
						      &s.exclusive_blocks);
			if (r)
				break;
		}
		r = fn(ctx, &s);
		if (r || s.id == U64_MAX)
			break;
		key = s.id + 1;
		if (space) {
			/* a long count must not hold provisions back */
			up_read(&row->lock);
			cond_resched();
			down_read(&row->lock);
		}
	}
	up_read(&row->lock);
	kfree(cur);
	return r;
}
