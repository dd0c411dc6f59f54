// SPDX-License-Identifier: GPL-2.0
/*
 * dm-cbs metadata: two checksummed superblocks alternating over two copies
 * of the cache block mapping (shadow paging), kept through dm-bufio. See
 * "On-disk format" in Documentation/cbs.rst.
 */
#include <linux/bitmap.h>
#include <linux/blkdev.h>
#include <linux/crc32c.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cbs.h"
#include "row.h"

#define DM_MSG_PREFIX "cbs"

static_assert(sizeof(struct cbs_disk_map) == CBS_MD_BLOCK);
static_assert(sizeof(struct cbs_disk_sb) == 408);
static_assert(offsetof(struct cbs_disk_sb, uuid) == 136);

static __le32 cbs_csum(const void *block)
{
	return cpu_to_le32(crc32c(~0U, block + 4, CBS_MD_BLOCK - 4));
}

u32 cbs_md_blocks_needed(u32 nr_cblocks)
{
	return DIV_ROUND_UP(nr_cblocks, CBS_ENTRIES_PER_BLOCK);
}

static sector_t cbs_copy_start(struct cbs_cache *c, unsigned int copy)
{
	return CBS_COPY_START(copy, c->mapping_blocks);
}

/* A mapping change: rewrite its block in both copies. Under c->lock. */
void cbs_md_mark(struct cbs_cache *c, u32 cblock)
{
	u32 mb = cblock / CBS_ENTRIES_PER_BLOCK;

	__set_bit(mb, c->mdirty[0]);
	__set_bit(mb, c->mdirty[1]);
	c->meta_changed = true;
}

/*
 * Fill mapping block @mb of @copy from the in-core state and remember how
 * many of its entries are dirty, so the superblock's nr_dirty counts
 * exactly the dirty entries of the copy it points at.
 */
static void cbs_fill_map(struct cbs_cache *c, struct cbs_disk_map *m, u32 mb,
			 unsigned int copy)
{
	u32 first = mb * CBS_ENTRIES_PER_BLOCK;
	u32 i, cb, ndirty = 0;
	u64 v;

	memset(m, 0, sizeof(*m));
	m->magic = cpu_to_le32(CBS_MAP_MAGIC);
	m->blocknr = cpu_to_le64(mb);
	spin_lock_irq(&c->lock);
	for (i = 0; i < CBS_ENTRIES_PER_BLOCK; i++) {
		cb = first + i;
		if (cb >= c->nr_cblocks)
			break;
		if (!(c->entries[cb].flags & CBS_E_VALID))
			continue;
		v = CBS_ME_VALID | c->entries[cb].oblock;
		if (c->entries[cb].flags & CBS_E_DIRTY) {
			v |= CBS_ME_DIRTY;
			ndirty++;
		}
		m->entry[i] = cpu_to_le64(v);
	}
	spin_unlock_irq(&c->lock);
	c->md_ndirty[copy][mb] = ndirty;
	m->csum = cbs_csum(m);
}

static void cbs_fill_sb(struct cbs_cache *c, struct cbs_disk_sb *sb,
			unsigned int copy, u64 gen, bool clean)
{
	u64 ndirty = 0;
	u32 mb;

	for (mb = 0; mb < c->mapping_blocks; mb++)
		ndirty += c->md_ndirty[copy][mb];
	memset(sb, 0, CBS_MD_BLOCK);
	sb->magic = cpu_to_le32(CBS_SB_MAGIC);
	sb->version = cpu_to_le32(CBS_VERSION);
	sb->flags = cpu_to_le32((clean ? CBS_SB_CLEAN : 0) |
				(c->needs_check ? CBS_SB_NEEDS_CHECK : 0));
	sb->generation = cpu_to_le64(gen);
	sb->block_size = cpu_to_le32(c->block_sectors);
	sb->mapping_blocks = cpu_to_le32(c->mapping_blocks);
	sb->nr_cblocks = cpu_to_le64(c->nr_cblocks);
	sb->origin_sectors = cpu_to_le64((u64)c->nr_oblocks << c->block_shift);
	sb->mapping_start = cpu_to_le64(cbs_copy_start(c, copy));
	sb->nr_dirty = cpu_to_le64(ndirty);
	sb->row_start = cpu_to_le64(cbs_copy_start(c, 2));
	memcpy(sb->uuid, c->uuid, sizeof(sb->uuid));
	sb->csum = cbs_csum(sb);
}

/* The superblock of the commit in progress (under commit_lock). */
static void cbs_fill_commit_sb(struct cbs_cache *c, struct cbs_disk_sb *sb)
{
	cbs_fill_sb(c, sb, c->commit_copy, c->generation + 1, c->commit_clean);
}

static int cbs_write_block(struct cbs_cache *c, sector_t block, void **data,
			   struct dm_buffer **bp)
{
	*data = dm_bufio_new(c->bufio, block, bp);
	if (IS_ERR(*data))
		return PTR_ERR(*data);
	return 0;
}

/*
 * Commit: make the in-core mapping durable. Data first (flush cache and
 * origin), then the changed mapping blocks into the copy the newest
 * superblock does not use, then that copy's superblock, generation + 1.
 */
int cbs_md_commit(struct cbs_cache *c, bool clean)
{
	unsigned int copy = !c->live_copy;
	struct dm_buffer *b;
	void *data;
	u32 mb;
	int r;

	mutex_lock(&c->commit_lock);
	if (c->ro) {
		r = -EROFS;
		goto out_unlock;
	}
	spin_lock_irq(&c->lock);
	bitmap_copy(c->commit_bm, c->mdirty[copy], c->mapping_blocks);
	bitmap_zero(c->mdirty[copy], c->mapping_blocks);
	c->meta_changed = false;
	spin_unlock_irq(&c->lock);

	r = blkdev_issue_flush(c->cbdev);
	if (!r)
		r = blkdev_issue_flush(c->obdev);
	if (r)
		goto out_restore;

	for_each_set_bit(mb, c->commit_bm, c->mapping_blocks) {
		r = cbs_write_block(c, cbs_copy_start(c, copy) + mb, &data, &b);
		if (r)
			goto out_restore;
		cbs_fill_map(c, data, mb, copy);
		dm_bufio_mark_buffer_dirty(b);
		dm_bufio_release(b);
	}
	r = dm_bufio_write_dirty_buffers(c->bufio);
	if (!r)
		r = dm_bufio_issue_flush(c->bufio);
	if (r)
		goto out_restore;

	c->commit_copy = copy;
	c->commit_clean = clean;
	if (c->row) {
		r = cbs_row_commit(c, copy, cbs_fill_commit_sb);
		if (r)
			goto out_restore;
	} else {
		r = cbs_write_block(c, copy, &data, &b);
		if (r)
			goto out_restore;
		cbs_fill_commit_sb(c, data);
		dm_bufio_mark_buffer_dirty(b);
		dm_bufio_release(b);
		r = dm_bufio_write_dirty_buffers(c->bufio);
		if (!r)
			r = dm_bufio_issue_flush(c->bufio);
		if (r)
			goto out_restore;
	}
	c->generation++;
	c->live_copy = copy;
	mutex_unlock(&c->commit_lock);
	return 0;

out_restore:
	spin_lock_irq(&c->lock);
	bitmap_or(c->mdirty[copy], c->mdirty[copy], c->commit_bm,
		  c->mapping_blocks);
	c->ro = true;
	c->needs_check = true;
	spin_unlock_irq(&c->lock);
	DMERR("metadata commit failed (%d): metadata is read-only, needs_check", r);
out_unlock:
	mutex_unlock(&c->commit_lock);
	return r;
}

static bool cbs_block_is_zero(const void *data)
{
	return !memchr_inv(data, 0, CBS_MD_BLOCK);
}

static int cbs_sb_valid(const struct cbs_disk_sb *sb)
{
	if (le32_to_cpu(sb->magic) != CBS_SB_MAGIC)
		return -EILSEQ;
	if (sb->csum != cbs_csum(sb))
		return -EILSEQ;
	if (le32_to_cpu(sb->version) != CBS_VERSION)
		return -EPROTO;
	return 0;
}

/* Format a fresh metadata device: copy 0 empty, superblock A generation 1. */
static int cbs_md_format(struct cbs_cache *c)
{
	u32 i;

	get_random_bytes(c->uuid, sizeof(c->uuid));
	c->generation = 0;
	c->live_copy = 1;
	for (i = 0; i < c->nr_cblocks; i++)
		cbs_list_push(c, &c->free, c->nr_cblocks - 1 - i);
	bitmap_fill(c->mdirty[0], c->mapping_blocks);
	bitmap_fill(c->mdirty[1], c->mapping_blocks);
	if (c->row_wanted) {
		int r = cbs_row_format(c, c->nr_oblocks);

		if (r)
			return r;
	}
	return cbs_md_commit(c, false);
}

static int cbs_md_check_sb(struct cbs_cache *c, struct cbs_disk_sb *sb,
			   char **error)
{
	if (le64_to_cpu(sb->incompat) & ~CBS_INCOMPAT_SUPPORTED) {
		*error = "Metadata uses unsupported features";
		return -EOPNOTSUPP;
	}
	if (le32_to_cpu(sb->block_size) != c->block_sectors) {
		*error = "Block size differs from the one in the metadata";
		return -EINVAL;
	}
	if (le64_to_cpu(sb->nr_cblocks) != c->nr_cblocks ||
	    le32_to_cpu(sb->mapping_blocks) != c->mapping_blocks) {
		*error = "Cache device size differs from the one in the metadata";
		return -EINVAL;
	}
	if (le64_to_cpu(sb->mapping_start) != cbs_copy_start(c, 0) &&
	    le64_to_cpu(sb->mapping_start) != cbs_copy_start(c, 1)) {
		*error = "Superblock points outside the mapping area";
		return -EILSEQ;
	}
	if (le32_to_cpu(sb->flags) & CBS_SB_NEEDS_CHECK) {
		*error = "Metadata needs_check: run cbs_check";
		return -EUCLEAN;
	}
	if (!!(le64_to_cpu(sb->incompat) & CBS_INCOMPAT_ROW) != c->row_wanted) {
		*error = c->row_wanted ? "Metadata has no ROW map: the table says row" :
			 "Metadata has a ROW map: the table must say row";
		return -EINVAL;
	}
	if (c->row_wanted &&
	    (le64_to_cpu(sb->row_blocks) != c->nr_oblocks ||
	     le32_to_cpu(sb->row_block_size) != c->block_sectors ||
	     le64_to_cpu(sb->row_start) != cbs_copy_start(c, 2))) {
		*error = "Data device size differs from the ROW map's";
		return -EINVAL;
	}
	return 0;
}

static int cbs_md_load_entry(struct cbs_cache *c, u32 cb, u64 v, char **error)
{
	u64 ob = v & CBS_ME_OBLOCK;

	if (!(v & CBS_ME_VALID))
		return 0;
	if (ob >= c->nr_oblocks) {
		if (v & CBS_ME_DIRTY) {
			*error = "Origin smaller than a dirty cached block";
			return -EINVAL;
		}
		cbs_md_mark(c, cb);
		return 0;
	}
	if (cbs_lookup(c, ob) != CBS_NONE) {
		*error = "Origin block mapped twice in the metadata";
		return -EILSEQ;
	}
	c->entries[cb].oblock = ob;
	c->entries[cb].flags = CBS_E_VALID;
	if (v & CBS_ME_DIRTY) {
		c->entries[cb].flags |= CBS_E_DIRTY;
		c->nr_dirty++;
	}
	c->nr_valid++;
	cbs_hash_insert(c, cb);
	cbs_lru_add(c, cb);
	return 1;
}

static int cbs_md_load_map(struct cbs_cache *c, char **error)
{
	const struct cbs_disk_map *m;
	struct dm_buffer *b;
	u32 mb, i, cb;
	int r = 0;

	for (mb = 0; mb < c->mapping_blocks; mb++) {
		m = dm_bufio_read(c->bufio, cbs_copy_start(c, c->live_copy) + mb, &b);
		if (IS_ERR(m)) {
			*error = "Cannot read the mapping";
			return PTR_ERR(m);
		}
		if (le32_to_cpu(m->magic) != CBS_MAP_MAGIC ||
		    m->csum != cbs_csum(m) || le64_to_cpu(m->blocknr) != mb) {
			dm_bufio_release(b);
			DMERR("mapping block %u of copy %u is corrupt", mb,
			      c->live_copy);
			*error = "Mapping block checksum mismatch: run cbs_check";
			return -EILSEQ;
		}
		for (i = 0; i < CBS_ENTRIES_PER_BLOCK && !r; i++) {
			cb = mb * CBS_ENTRIES_PER_BLOCK + i;
			if (cb >= c->nr_cblocks)
				break;
			r = cbs_md_load_entry(c, cb, le64_to_cpu(m->entry[i]), error);
			if (r == 0)
				cbs_list_push(c, &c->free, cb);
			if (r > 0) {
				c->md_ndirty[c->live_copy][mb] +=
					!!(c->entries[cb].flags & CBS_E_DIRTY);
				r = 0;
			}
		}
		dm_bufio_release(b);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Open the metadata: format a device whose two superblock slots are all
 * zeroes, else load the newest valid superblock and its mapping copy.
 * Never formats over anything else.
 */
int cbs_md_open(struct cbs_cache *c, char **error)
{
	struct cbs_disk_sb *sb[2] = { NULL, NULL };
	struct dm_buffer *b;
	int valid[2], zero = 0, best, r, i;
	const void *data;

	c->mdirty[0] = bitmap_zalloc(c->mapping_blocks, GFP_KERNEL);
	c->mdirty[1] = bitmap_zalloc(c->mapping_blocks, GFP_KERNEL);
	c->commit_bm = bitmap_zalloc(c->mapping_blocks, GFP_KERNEL);
	c->md_ndirty[0] = kvcalloc(c->mapping_blocks, sizeof(u16), GFP_KERNEL);
	c->md_ndirty[1] = kvcalloc(c->mapping_blocks, sizeof(u16), GFP_KERNEL);
	sb[0] = kmalloc(CBS_MD_BLOCK, GFP_KERNEL);
	sb[1] = kmalloc(CBS_MD_BLOCK, GFP_KERNEL);
	if (!c->mdirty[0] || !c->mdirty[1] || !c->commit_bm || !sb[0] ||
	    !sb[1] || !c->md_ndirty[0] || !c->md_ndirty[1]) {
		*error = "Cannot allocate metadata bitmaps";
		r = -ENOMEM;
		goto out_free;
	}
	c->bufio = dm_bufio_client_create(c->mbdev, CBS_MD_BLOCK, 1, 0,
					  NULL, NULL, 0);
	if (IS_ERR(c->bufio)) {
		r = PTR_ERR(c->bufio);
		c->bufio = NULL;
		*error = "Cannot create the metadata buffer client";
		goto out_free;
	}
	for (i = 0; i < 2; i++) {
		data = dm_bufio_read(c->bufio, i, &b);
		if (IS_ERR(data)) {
			r = PTR_ERR(data);
			*error = "Cannot read the superblock";
			goto out_free;
		}
		memcpy(sb[i], data, CBS_MD_BLOCK);
		dm_bufio_release(b);
		zero += cbs_block_is_zero(sb[i]);
		valid[i] = cbs_sb_valid(sb[i]);
	}
	if (zero == 2) {
		r = cbs_md_format(c);
		if (r)
			*error = "Cannot format the metadata device";
		if (c->row_wanted) {
			/* from now on the block manager alone writes the slots */
			dm_bufio_forget(c->bufio, 0);
			dm_bufio_forget(c->bufio, 1);
		}
		goto out_free;
	}
	if (valid[0] && valid[1]) {
		r = valid[0] == -EPROTO || valid[1] == -EPROTO ? -EPROTO : -EILSEQ;
		*error = r == -EPROTO ? "Unsupported metadata version" :
			 "No valid superblock (bad magic or checksum)";
		goto out_free;
	}
	best = valid[0] ? 1 : valid[1] ? 0 :
	       le64_to_cpu(sb[1]->generation) > le64_to_cpu(sb[0]->generation);
	r = cbs_md_check_sb(c, sb[best], error);
	if (r)
		goto out_free;
	c->generation = le64_to_cpu(sb[best]->generation);
	c->live_copy = le64_to_cpu(sb[best]->mapping_start) != cbs_copy_start(c, 0);
	memcpy(c->uuid, sb[best]->uuid, sizeof(c->uuid));
	/* the other copy's age is unknown: rewrite it whole at the next commit */
	bitmap_fill(c->mdirty[!c->live_copy], c->mapping_blocks);
	r = cbs_md_load_map(c, error);
	if (!r && c->row_wanted) {
		r = cbs_row_open(c, sb[best], error);
		/* from now on the block manager alone writes the slots */
		dm_bufio_forget(c->bufio, 0);
		dm_bufio_forget(c->bufio, 1);
	}
out_free:
	kfree(sb[0]);
	kfree(sb[1]);
	return r;
}

void cbs_md_close(struct cbs_cache *c)
{
	cbs_row_close(c);
	if (c->bufio)
		dm_bufio_client_destroy(c->bufio);
	bitmap_free(c->mdirty[0]);
	bitmap_free(c->mdirty[1]);
	bitmap_free(c->commit_bm);
	kvfree(c->md_ndirty[0]);
	kvfree(c->md_ndirty[1]);
}
