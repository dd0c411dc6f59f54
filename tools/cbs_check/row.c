// SPDX-License-Identifier: GPL-2.0
/*
 * cbs_check, ROW part: walk the dm-persistent-data structures of a ROW
 * volume from the current superblock (Documentation/design/cbs-row.rst)
 * and recompute every reference count, metadata and data (bug S4: no
 * leak, no over-count).
 *
 * The formats are the kernel's (drivers/md/persistent-data): B-tree nodes
 * (dm-btree-internal.h), space map roots, index entries, the metadata
 * index block and bitmap blocks (dm-space-map-common.h). A block's
 * checksum is CRC32C of bytes 4.. (as block_csum()) xor a constant per
 * block type.
 *
 * Every node is read once; a node several parents share (snapshots share
 * subtrees) gets one reference per parent pointer, and its data blocks one
 * reference per leaf, as dm-btree counts them.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbs_check.h"

#define BTREE_CSUM_XOR		121107
#define BITMAP_CSUM_XOR		240779
#define INDEX_CSUM_XOR		160478
#define INTERNAL_NODE		1
#define LEAF_NODE		2
#define MAX_METADATA_BITMAPS	255
#define BITMAP_HEADER		16
#define ENTRIES_PER_BITMAP	((CBS_MD_BLOCK - BITMAP_HEADER) * 4)
#define ROW_TIME_BITS		24
#define ROW_TIME_MASK		((1U << ROW_TIME_BITS) - 1)
#define MAX_DEPTH		32	/* far more levels than any tree has */
#define MAX_COUNT_ERRORS	32	/* count errors printed per space map */

struct node_header {
	__le32 csum;
	__le32 flags;
	__le64 blocknr;		/* where the node is supposed to live */
	__le32 nr_entries;
	__le32 max_entries;
	__le32 value_size;
	__le32 padding;
};

struct disk_index_entry {
	__le64 blocknr;
	__le32 nr_free;
	__le32 none_free_before;
};

struct disk_metadata_index {
	__le32 csum;
	__le32 padding;
	__le64 blocknr;
	struct disk_index_entry index[MAX_METADATA_BITMAPS];
};

struct disk_sm_root {
	__le64 nr_blocks;
	__le64 nr_allocated;
	__le64 bitmap_root;
	__le64 ref_count_root;
};

struct disk_bitmap_header {
	__le32 csum;
	__le32 not_used;
	__le64 blocknr;
};

static_assert(sizeof(struct node_header) == 32, "node header");
static_assert(sizeof(struct disk_metadata_index) == CBS_MD_BLOCK,
	      "metadata index");
static_assert(sizeof(struct disk_bitmap_header) == BITMAP_HEADER,
	      "bitmap header");

/* What a metadata block is used as. */
enum blk_kind {
	K_NONE,
	K_RESERVED,
	K_TOP,
	K_SUB,
	K_DETAILS,
	K_DINDEX,
	K_DRC,
	K_MRC,
	K_MINDEX,
	K_MBITMAP,
	K_DBITMAP,
};

static const char *const kind_name[] = {
	[K_NONE] = "unused",
	[K_RESERVED] = "reserved (superblock or cache mapping)",
	[K_TOP] = "mapping tree",
	[K_SUB] = "mapping subtree",
	[K_DETAILS] = "details tree",
	[K_DINDEX] = "data space map index",
	[K_DRC] = "data ref count tree",
	[K_MRC] = "metadata ref count tree",
	[K_MINDEX] = "metadata space map index",
	[K_MBITMAP] = "metadata space map bitmap",
	[K_DBITMAP] = "data space map bitmap",
};

/* leaf value sizes of the B-trees */
static const u32 leaf_value_size[] = {
	[K_TOP] = sizeof(__le64),
	[K_SUB] = sizeof(__le64),
	[K_DETAILS] = sizeof(struct cbs_disk_dev),
	[K_DINDEX] = sizeof(struct disk_index_entry),
	[K_DRC] = sizeof(__le32),
	[K_MRC] = sizeof(__le32),
};

enum visit { V_NEW, V_BUSY, V_BAD, V_GOOD };

/* One metadata block: the references found, and what its subtree holds. */
struct mblk {
	u64 entries;		/* leaf entries below (mapping subtrees) */
	u64 lo, hi;		/* lowest and highest key below */
	u32 refs;		/* references found */
	u32 max_time;		/* newest mapping time below */
	unsigned char kind;
	unsigned char state;
	unsigned char height;	/* 0: leaf */
};

struct rc_ent {
	u64 block;
	u32 count;
	bool used;
};

/* A space map as the superblock's root describes it. */
struct sm {
	const char *name;	/* "metadata" or "data" */
	struct disk_sm_root root;
	u64 nr_blocks;
	u64 nr_bitmaps;
	struct disk_index_entry *ie;
	unsigned char *ie_seen;
	struct rc_ent *rc;
	size_t nr_rc, cap_rc;
	unsigned int errors;	/* count errors (printing is limited) */
	bool bad;		/* structure unreadable: counts unknown */
};

struct dev_map {		/* top-level entry */
	u64 id;
	u64 root;
	bool ok;		/* subtree read completely */
};

struct dev_det {		/* details entry */
	u64 id;
	struct cbs_disk_dev d;
};

struct row {
	struct ck *ck;
	const struct cbs_disk_sb *sb;
	u64 start;		/* row_start */
	u64 nr_meta;		/* blocks of the metadata device */
	u64 nr_data;		/* row_blocks */
	u32 time;		/* row_time */
	struct mblk *m;		/* per metadata block */
	u32 *dref;		/* references found per data block */
	struct sm msm, dsm;
	struct dev_map *maps;
	size_t nr_maps, cap_maps;
	struct dev_det *dets;
	size_t nr_dets, cap_dets;
	bool damaged;		/* some tree unreadable: counts not compared */
};

static u64 get64(const void *p)
{
	__le64 v;

	memcpy(&v, p, sizeof(v));
	return le64(v);
}

static u32 get32(const void *p)
{
	__le32 v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

/* dm-btree's calc_max_entries(): a multiple of 3 */
static u32 max_entries_for(u32 value_size)
{
	u32 total = (CBS_MD_BLOCK - sizeof(struct node_header)) /
		    (sizeof(__le64) + value_size);

	return total / 3 * 3;
}

/* Make room for one more element of @size in *@p (@n used of *@cap). */
static bool grow(struct row *r, void **p, size_t n, size_t *cap, size_t size)
{
	size_t c = *cap ? *cap * 2 : 64;
	void *q;

	if (n < *cap)
		return true;
	q = realloc(*p, c * size);
	if (!q) {
		issue(r->ck, "out of memory");
		r->damaged = true;
		return false;
	}
	*p = q;
	*cap = c;
	return true;
}

/* A space map count error; only the first MAX_COUNT_ERRORS are printed. */
static void count_issue(struct row *r, struct sm *sm, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (sm->errors++ >= MAX_COUNT_ERRORS) {
		r->ck->errors++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	issue(r->ck, "%s", msg);
}

/* Count one reference to metadata block @b, used as a @kind. */
static struct mblk *ref_block(struct row *r, u64 b, enum blk_kind kind)
{
	struct mblk *m;

	if (b < r->start || b >= r->nr_meta) {
		issue(r->ck, "%s: block %llu outside the ROW area (%llu..%llu)",
		      kind_name[kind], b, r->start, r->nr_meta - 1);
		r->damaged = true;
		return NULL;
	}
	m = &r->m[b];
	if (m->refs < UINT32_MAX)
		m->refs++;
	if (m->kind == K_NONE)
		m->kind = kind;
	else if (m->kind != kind)
		issue(r->ck, "block %llu used as %s and as %s", b,
		      kind_name[m->kind], kind_name[kind]);
	return m;
}

/* Read metadata block @b and check its header: 0 if it is good. */
static int read_checked(struct row *r, u64 b, void *blk, enum blk_kind kind,
			u32 csum_xor)
{
	const struct disk_bitmap_header *h = blk;	/* same first 16 bytes */
	const char *what = kind_name[kind];
	u32 csum;

	if (read_block(r->ck, b, blk))
		return -1;
	if (all_zero(blk, CBS_MD_BLOCK)) {
		issue(r->ck, "%s block %llu: all zero", what, b);
		return -1;
	}
	if (le64(h->blocknr) != b) {
		issue(r->ck, "%s block %llu: holds block number %llu (misdirected write)",
		      what, b, le64(h->blocknr));
		return -1;
	}
	csum = block_csum(blk) ^ csum_xor;
	if (le32toh(h->csum) != csum) {
		issue(r->ck, "%s block %llu: checksum mismatch (stored 0x%08x, computed 0x%08x)",
		      what, b, le32toh(h->csum), csum);
		return -1;
	}
	return 0;
}

static int walk(struct row *r, u64 b, enum blk_kind kind, u64 lo, u64 hi,
		bool root, unsigned int depth);

static void top_leaf(struct row *r, const __le64 *keys, const void *vals,
		     u32 n)
{
	struct dev_map *d;
	u32 i;

	for (i = 0; i < n; i++) {
		if (!grow(r, (void **)&r->maps, r->nr_maps, &r->cap_maps,
			  sizeof(*r->maps)))
			return;
		d = &r->maps[r->nr_maps++];
		d->id = le64(keys[i]);
		d->root = get64((const char *)vals + 8 * i);
		d->ok = walk(r, d->root, K_SUB, 0, UINT64_MAX, true, 0) >= 0;
	}
}

static void sub_leaf(struct row *r, u64 b, const __le64 *keys,
		     const void *vals, u32 n)
{
	u64 v, data;
	u32 i, t;

	for (i = 0; i < n; i++) {
		v = get64((const char *)vals + 8 * i);
		data = v >> ROW_TIME_BITS;
		t = v & ROW_TIME_MASK;
		if (t > r->time)
			issue(r->ck,
			      "mapping subtree node %llu: logical block %llu mapped at time %u, after the clock (%u)",
			      b, le64(keys[i]), t, r->time);
		if (t > r->m[b].max_time)
			r->m[b].max_time = t;
		if (data >= r->nr_data)
			issue(r->ck,
			      "mapping subtree node %llu: logical block %llu maps data block %llu, beyond the %llu data blocks",
			      b, le64(keys[i]), data, r->nr_data);
		else if (r->dref[data] < UINT32_MAX)
			r->dref[data]++;
	}
}

static void details_leaf(struct row *r, const __le64 *keys, const void *vals,
			 u32 n)
{
	struct dev_det *d;
	u32 i;

	for (i = 0; i < n; i++) {
		if (!grow(r, (void **)&r->dets, r->nr_dets, &r->cap_dets,
			  sizeof(*r->dets)))
			return;
		d = &r->dets[r->nr_dets++];
		d->id = le64(keys[i]);
		memcpy(&d->d, (const char *)vals + i * sizeof(d->d),
		       sizeof(d->d));
	}
}

static void dindex_leaf(struct row *r, const __le64 *keys, const void *vals,
			u32 n)
{
	struct sm *sm = &r->dsm;
	u64 k;
	u32 i;

	for (i = 0; i < n; i++) {
		k = le64(keys[i]);
		if (k >= sm->nr_bitmaps) {
			issue(r->ck,
			      "data space map index: entry for bitmap %llu, beyond its %llu bitmaps",
			      k, sm->nr_bitmaps);
			continue;
		}
		sm->ie_seen[k] = 1;
		memcpy(&sm->ie[k], (const char *)vals + i * sizeof(*sm->ie),
		       sizeof(*sm->ie));
	}
}

static void rc_leaf(struct row *r, struct sm *sm, const __le64 *keys,
		    const void *vals, u32 n)
{
	struct rc_ent *e;
	u32 i;

	for (i = 0; i < n; i++) {
		if (!grow(r, (void **)&sm->rc, sm->nr_rc, &sm->cap_rc,
			  sizeof(*sm->rc)))
			return;
		e = &sm->rc[sm->nr_rc++];
		e->block = le64(keys[i]);
		e->count = get32((const char *)vals + 4 * i);
		e->used = false;
		if (e->count < 3)
			issue(r->ck,
			      "%s ref count tree: block %llu has count %u (the tree holds counts of 3 and more)",
			      sm->name, e->block, e->count);
		if (e->block >= sm->nr_blocks)
			issue(r->ck,
			      "%s ref count tree: block %llu beyond the %llu blocks of the space map",
			      sm->name, e->block, sm->nr_blocks);
	}
}

static void leaf(struct row *r, enum blk_kind kind, u64 b, const __le64 *keys,
		 const void *vals, u32 n)
{
	switch (kind) {
	case K_TOP:
		top_leaf(r, keys, vals, n);
		break;
	case K_SUB:
		sub_leaf(r, b, keys, vals, n);
		break;
	case K_DETAILS:
		details_leaf(r, keys, vals, n);
		break;
	case K_DINDEX:
		dindex_leaf(r, keys, vals, n);
		break;
	case K_DRC:
		rc_leaf(r, &r->dsm, keys, vals, n);
		break;
	case K_MRC:
		rc_leaf(r, &r->msm, keys, vals, n);
		break;
	default:
		break;
	}
}

/* Header and keys of node @b (read into @blk): 0 if the node is usable. */
static int check_node(struct row *r, u64 b, const void *blk, enum blk_kind kind,
		      u64 lo, u64 hi, bool root)
{
	const struct node_header *h = blk;
	const __le64 *keys = (const __le64 *)(h + 1);
	const char *what = kind_name[kind];
	u32 flags = le32toh(h->flags);
	u32 n = le32toh(h->nr_entries);
	u32 max = le32toh(h->max_entries);
	u32 vs = le32toh(h->value_size);
	u32 want_vs, i;
	u64 k;

	if (flags != INTERNAL_NODE && flags != LEAF_NODE) {
		issue(r->ck, "%s node %llu: bad flags 0x%x", what, b, flags);
		return -1;
	}
	want_vs = flags == INTERNAL_NODE ? sizeof(__le64) : leaf_value_size[kind];
	if (vs != want_vs || max != max_entries_for(vs)) {
		issue(r->ck, "%s node %llu: value size %u, max entries %u (want %u, %u)",
		      what, b, vs, max, want_vs, max_entries_for(want_vs));
		return -1;
	}
	if (n > max) {
		issue(r->ck, "%s node %llu: %u entries, at most %u fit", what, b,
		      n, max);
		return -1;
	}
	if (!n && (!root || flags == INTERNAL_NODE)) {
		issue(r->ck, "%s node %llu: empty %s node", what, b,
		      flags == INTERNAL_NODE ? "internal" : "non-root");
		return -1;
	}
	for (i = 0; i < n; i++) {
		k = le64(keys[i]);
		if (i && k <= le64(keys[i - 1]))
			issue(r->ck, "%s node %llu: keys not strictly increasing (%llu after %llu)",
			      what, b, k, le64(keys[i - 1]));
		else if (k < lo || k > hi)
			issue(r->ck,
			      "%s node %llu: key %llu outside the range %llu..%llu of its parent",
			      what, b, k, lo, hi);
	}
	return 0;
}

/* Children of internal node @b; returns their height or -1. */
static int walk_children(struct row *r, u64 b, const void *blk,
			 enum blk_kind kind, u64 hi, unsigned int depth)
{
	const struct node_header *h = blk;
	const __le64 *keys = (const __le64 *)(h + 1);
	const char *vals = (const char *)(keys + le32toh(h->max_entries));
	u32 n = le32toh(h->nr_entries), i;
	struct mblk *m = &r->m[b], *c;
	int height = -1, ch;
	bool bad = false;
	u64 clo, chi, child;

	for (i = 0; i < n; i++) {
		clo = le64(keys[i]);
		chi = hi;
		if (i + 1 < n && le64(keys[i + 1]) > clo)
			chi = le64(keys[i + 1]) - 1;
		child = get64(vals + 8 * i);
		ch = walk(r, child, kind, clo, chi, false, depth + 1);
		if (ch < 0) {
			bad = true;
			continue;
		}
		if (height >= 0 && ch != height)
			issue(r->ck, "%s node %llu: children of different heights (%d and %d)",
			      kind_name[kind], b, height, ch);
		height = ch;
		c = &r->m[child];
		m->entries += c->entries;
		m->hi = c->hi;
		if (c->max_time > m->max_time)
			m->max_time = c->max_time;
	}
	return bad ? -1 : height;
}

/*
 * Visit B-tree node @b of a @kind tree, referenced by a parent whose keys
 * give it the range @lo..@hi: one reference, and on the first visit the
 * node is checked and its children walked. Returns the node's height, or
 * -1 if it or a node below cannot be used (then r->damaged is set).
 */
static int walk(struct row *r, u64 b, enum blk_kind kind, u64 lo, u64 hi,
		bool root, unsigned int depth)
{
	bool damaged = r->damaged;
	const struct node_header *h;
	struct mblk *m;
	void *blk;
	int height;
	u32 n;

	m = ref_block(r, b, kind);
	if (!m)
		return -1;
	switch (m->state) {
	case V_NEW:
		break;
	case V_BUSY:
		issue(r->ck, "%s node %llu: a cycle (the node is below itself)",
		      kind_name[kind], b);
		r->damaged = true;
		return -1;
	case V_BAD:
		return -1;
	default:
		if (m->entries && (m->lo < lo || m->hi > hi))
			issue(r->ck,
			      "%s node %llu: keys %llu..%llu outside the range %llu..%llu of another parent",
			      kind_name[kind], b, m->lo, m->hi, lo, hi);
		return m->height;
	}
	m->state = V_BAD;
	r->damaged = true;	/* unless the node checks out */
	if (depth > MAX_DEPTH) {
		issue(r->ck, "%s node %llu: more than %u levels", kind_name[kind],
		      b, MAX_DEPTH);
		return -1;
	}
	blk = malloc(CBS_MD_BLOCK);
	if (!blk) {
		issue(r->ck, "out of memory");
		return -1;
	}
	if (read_checked(r, b, blk, kind, BTREE_CSUM_XOR) ||
	    check_node(r, b, blk, kind, lo, hi, root)) {
		free(blk);
		return -1;
	}
	r->damaged = damaged;
	h = blk;
	n = le32toh(h->nr_entries);
	m->state = V_BUSY;
	m->lo = n ? le64(((const __le64 *)(h + 1))[0]) : 0;
	if (le32toh(h->flags) == INTERNAL_NODE) {
		height = walk_children(r, b, blk, kind, hi, depth);
		if (height >= 0)
			height++;
	} else {
		height = 0;
		m->entries = n;
		m->hi = n ? le64(((const __le64 *)(h + 1))[n - 1]) : 0;
		leaf(r, kind, b, (const __le64 *)(h + 1),
		     (const __le64 *)(h + 1) + le32toh(h->max_entries), n);
	}
	free(blk);
	if (height < 0) {
		m->state = V_BAD;
		r->damaged = true;
		return -1;
	}
	m->height = height;
	m->state = V_GOOD;
	return height;
}

static void load_root(struct sm *sm, const char *name, const __u8 *raw)
{
	sm->name = name;
	memcpy(&sm->root, raw, sizeof(sm->root));
	sm->nr_blocks = le64(sm->root.nr_blocks);
	sm->nr_bitmaps = sm->nr_blocks / ENTRIES_PER_BITMAP +
			 !!(sm->nr_blocks % ENTRIES_PER_BITMAP);
}

/* The metadata space map: its index block, bitmaps and ref count tree. */
static void walk_meta_sm(struct row *r)
{
	struct sm *sm = &r->msm;
	struct disk_metadata_index *mi;
	u64 b = le64(sm->root.bitmap_root), i;

	sm->bad = true;
	if (sm->nr_blocks > r->nr_meta || sm->nr_blocks <= r->start) {
		issue(r->ck,
		      "metadata space map: %llu blocks, the device has %llu and the ROW area starts at %llu",
		      sm->nr_blocks, r->nr_meta, r->start);
		return;
	}
	if (sm->nr_bitmaps > MAX_METADATA_BITMAPS) {
		issue(r->ck, "metadata space map: %llu blocks need %llu bitmaps, more than %u",
		      sm->nr_blocks, sm->nr_bitmaps, MAX_METADATA_BITMAPS);
		return;
	}
	sm->ie = calloc(sm->nr_bitmaps, sizeof(*sm->ie));
	mi = malloc(sizeof(*mi));
	if (!sm->ie || !mi) {
		issue(r->ck, "out of memory");
		free(mi);
		return;
	}
	if (!ref_block(r, b, K_MINDEX) ||
	    read_checked(r, b, mi, K_MINDEX, INDEX_CSUM_XOR)) {
		free(mi);
		return;
	}
	memcpy(sm->ie, mi->index, sm->nr_bitmaps * sizeof(*sm->ie));
	free(mi);
	for (i = 0; i < sm->nr_bitmaps; i++)
		if (!ref_block(r, le64(sm->ie[i].blocknr), K_MBITMAP))
			return;
	if (walk(r, le64(sm->root.ref_count_root), K_MRC, 0, UINT64_MAX,
		 true, 0) < 0)
		return;
	sm->bad = false;
}

/* The data space map: its index B-tree, bitmaps and ref count tree. */
static void walk_data_sm(struct row *r)
{
	struct sm *sm = &r->dsm;
	u64 i;

	sm->bad = true;
	if (sm->nr_blocks != r->nr_data) {
		issue(r->ck, "data space map: %llu blocks, the superblock has %llu data blocks",
		      sm->nr_blocks, r->nr_data);
		return;
	}
	sm->ie = calloc(sm->nr_bitmaps, sizeof(*sm->ie));
	sm->ie_seen = calloc(sm->nr_bitmaps, 1);
	if (!sm->ie || !sm->ie_seen) {
		issue(r->ck, "out of memory");
		return;
	}
	if (walk(r, le64(sm->root.bitmap_root), K_DINDEX, 0, UINT64_MAX,
		 true, 0) < 0)
		return;
	for (i = 0; i < sm->nr_bitmaps; i++) {
		if (!sm->ie_seen[i]) {
			issue(r->ck, "data space map index: no entry for bitmap %llu",
			      i);
			return;
		}
		if (!ref_block(r, le64(sm->ie[i].blocknr), K_DBITMAP))
			return;
	}
	if (walk(r, le64(sm->root.ref_count_root), K_DRC, 0, UINT64_MAX,
		 true, 0) < 0)
		return;
	sm->bad = false;
}

static int cmp_rc(const void *x, const void *y)
{
	const struct rc_ent *a = x, *b = y;

	return a->block < b->block ? -1 : a->block > b->block;
}

static struct rc_ent *find_rc(struct sm *sm, u64 block)
{
	struct rc_ent key = { .block = block };

	return bsearch(&key, sm->rc, sm->nr_rc, sizeof(*sm->rc), cmp_rc);
}

/* 2-bit entry @j of a bitmap: 0 free, 1, 2, 3 = see the ref count tree */
static u32 bitmap_entry(const unsigned char *bm, u32 j)
{
	unsigned int byte = bm[BITMAP_HEADER + j / 4], shift = (j % 4) * 2;

	return ((byte >> shift) & 1) << 1 | ((byte >> (shift + 1)) & 1);
}

static u32 found_refs(struct row *r, struct sm *sm, u64 b)
{
	return sm == &r->msm ? r->m[b].refs : r->dref[b];
}

/* Compare the count of block @b (@v from the space map) with the references. */
static void compare_count(struct row *r, struct sm *sm, u64 b, u32 v)
{
	u32 want = found_refs(r, sm, b);

	if (v == want)
		return;
	if (!want)
		count_issue(r, sm,
			    "%s block %llu: leaked (count %u in the space map, nothing references it)",
			    sm->name, b, v);
	else if (!v)
		count_issue(r, sm, "%s block %llu: free in the space map, %u reference(s) found",
			    sm->name, b, want);
	else
		count_issue(r, sm,
			    "%s block %llu: %s (count %u in the space map, %u reference(s) found)",
			    sm->name, b, v > want ? "over-counted" : "under-counted",
			    v, want);
}

/*
 * Read the bitmaps of @sm: header, free counts of the index entries and,
 * with @counts, every block's count against the references found.
 */
static void compare_sm(struct row *r, struct sm *sm, bool counts)
{
	enum blk_kind kind = sm == &r->msm ? K_MBITMAP : K_DBITMAP;
	u64 i, b, loc, allocated = 0;
	const struct disk_index_entry *ie;
	bool all_read = true;
	u32 j, v, nfree, first_free;
	struct rc_ent *e;
	unsigned char *bm;
	size_t k;

	bm = malloc(CBS_MD_BLOCK);
	if (!bm) {
		issue(r->ck, "out of memory");
		return;
	}
	for (i = 0; i < sm->nr_bitmaps; i++) {
		ie = &sm->ie[i];
		loc = le64(ie->blocknr);
		if (read_checked(r, loc, bm, kind, BITMAP_CSUM_XOR)) {
			all_read = false;
			continue;
		}
		nfree = 0;
		first_free = ENTRIES_PER_BITMAP;
		for (j = 0; j < ENTRIES_PER_BITMAP; j++) {
			b = i * ENTRIES_PER_BITMAP + j;
			v = bitmap_entry(bm, j);
			if (!v) {
				nfree++;
				if (first_free == ENTRIES_PER_BITMAP)
					first_free = j;
				if (b >= sm->nr_blocks || !counts)
					continue;
			}
			if (b >= sm->nr_blocks) {
				count_issue(r, sm,
					    "%s space map: entry for block %llu beyond its %llu blocks is %u, not 0",
					    sm->name, b, sm->nr_blocks, v);
				continue;
			}
			if (v == 3) {
				e = find_rc(sm, b);
				if (e) {
					e->used = true;
					v = e->count;
				} else {
					count_issue(r, sm,
						    "%s block %llu: count 3 or more in the bitmap but not in the ref count tree",
						    sm->name, b);
				}
			}
			allocated += !!v;
			if (counts)
				compare_count(r, sm, b, v);
		}
		if (nfree != le32toh(ie->nr_free))
			issue(r->ck,
			      "%s space map bitmap %llu (block %llu): the index counts %u free entries, the bitmap has %u",
			      sm->name, i, loc, le32toh(ie->nr_free), nfree);
		if (first_free < le32toh(ie->none_free_before))
			issue(r->ck,
			      "%s space map bitmap %llu (block %llu): entry %u free, below none_free_before %u",
			      sm->name, i, loc, first_free,
			      le32toh(ie->none_free_before));
	}
	free(bm);
	if (!all_read)
		return;
	for (k = 0; k < sm->nr_rc; k++)
		if (!sm->rc[k].used && sm->rc[k].block < sm->nr_blocks)
			count_issue(r, sm,
				    "%s ref count tree: entry for block %llu, whose bitmap entry is not 3",
				    sm->name, sm->rc[k].block);
	if (allocated != le64(sm->root.nr_allocated))
		issue(r->ck, "%s space map: nr_allocated %llu, the bitmaps have %llu blocks in use",
		      sm->name, le64(sm->root.nr_allocated), allocated);
	if (!counts || sm != &r->msm)
		return;
	for (b = sm->nr_blocks; b < r->nr_meta; b++)
		if (r->m[b].refs)
			count_issue(r, sm,
				    "metadata block %llu: referenced, beyond the %llu blocks of the space map",
				    b, sm->nr_blocks);
}

static const char *dev_label(const struct dev_det *d, char *buf, size_t len)
{
	if (!d->id)
		snprintf(buf, len, "device 0 (the volume)");
	else
		snprintf(buf, len, "snapshot %llu (%.*s)", d->id,
			 CBS_ROW_NAME_LEN, (const char *)d->d.name);
	return buf;
}

static void check_dev(struct row *r, const struct dev_map *mp,
		      const struct dev_det *dt)
{
	const struct cbs_disk_dev *d = &dt->d;
	size_t len = strnlen((const char *)d->name, CBS_ROW_NAME_LEN);
	u64 created = le64(d->creation_time);
	char who[96];
	struct mblk *m;

	dev_label(dt, who, sizeof(who));
	if (dt->id >= le64(r->sb->row_next_id))
		issue(r->ck, "%s: id not below row_next_id %llu", who,
		      le64(r->sb->row_next_id));
	if (!dt->id && len)
		issue(r->ck, "%s: has a name", who);
	if (dt->id && !len)
		issue(r->ck, "%s: empty name", who);
	if (len == CBS_ROW_NAME_LEN)
		issue(r->ck, "%s: name not NUL terminated", who);
	else if (!all_zero(d->name + len, CBS_ROW_NAME_LEN - len))
		issue(r->ck, "%s: name not NUL padded", who);
	if (created > r->time)
		issue(r->ck, "%s: creation time %llu after the clock (%u)", who,
		      created, r->time);
	if (le64(d->snapshotted_time) > r->time)
		issue(r->ck, "%s: snapshotted time %llu after the clock (%u)", who,
		      le64(d->snapshotted_time), r->time);
	if (!mp->ok)
		return;
	m = &r->m[mp->root];
	if (m->entries != le64(d->mapped_blocks))
		issue(r->ck, "%s: mapped_blocks %llu, its subtree has %llu mappings",
		      who, le64(d->mapped_blocks), m->entries);
	/* a snapshot's subtree never changes after its creation */
	if (dt->id && m->entries && m->max_time >= created)
		issue(r->ck, "%s: a mapping has time %u, not before its creation time %llu",
		      who, m->max_time, created);
}

/* The top-level keys and the details keys: same ids, and each device. */
static void check_devices(struct row *r, struct row_summary *sum)
{
	const struct dev_det *a, *b;
	size_t i = 0, j = 0;
	bool volume = false;
	char who[96];

	while (i < r->nr_maps || j < r->nr_dets) {
		if (j == r->nr_dets ||
		    (i < r->nr_maps && r->maps[i].id < r->dets[j].id)) {
			issue(r->ck, "device %llu: in the mapping tree, not in the details tree",
			      r->maps[i++].id);
			continue;
		}
		if (i == r->nr_maps || r->dets[j].id < r->maps[i].id) {
			issue(r->ck, "device %llu: in the details tree, not in the mapping tree",
			      r->dets[j++].id);
			continue;
		}
		check_dev(r, &r->maps[i], &r->dets[j]);
		if (!r->dets[j].id) {
			volume = true;
			if (r->maps[i].ok)
				sum->mapped = r->m[r->maps[i].root].entries;
		}
		i++;
		j++;
	}
	if (!volume)
		issue(r->ck, "no volume (device 0) in both the mapping and the details tree");
	sum->nr_devs = r->nr_dets;
	for (j = 0; j < r->nr_dets; j++) {
		a = &r->dets[j];
		sum->nr_snaps += !!a->id;
		for (i = j + 1; a->id && i < r->nr_dets; i++) {
			b = &r->dets[i];
			if (!memcmp(a->d.name, b->d.name, CBS_ROW_NAME_LEN))
				issue(r->ck, "%s: same name as snapshot %llu",
				      dev_label(a, who, sizeof(who)), b->id);
		}
	}
	if (sum->nr_snaps != le64(r->sb->row_nr_snaps))
		issue(r->ck, "the superblock counts %llu snapshots, the details tree has %llu",
		      le64(r->sb->row_nr_snaps), sum->nr_snaps);
}

static bool check_row_fields(struct row *r, const char *slot)
{
	const struct cbs_disk_sb *sb = r->sb;
	bool ok = true;

	if (le32toh(sb->row_block_size) != le32toh(sb->block_size))
		issue(r->ck, "superblock %s: ROW block size %u, block size %u",
		      slot, le32toh(sb->row_block_size), le32toh(sb->block_size));
	if (!r->nr_data || r->nr_data >> (64 - ROW_TIME_BITS)) {
		issue(r->ck, "superblock %s: %llu ROW data blocks", slot,
		      r->nr_data);
		ok = false;
	}
	if (r->time > ROW_TIME_MASK)
		issue(r->ck, "superblock %s: snapshot clock %u beyond 24 bits",
		      slot, r->time);
	if (!le64(sb->row_next_id))
		issue(r->ck, "superblock %s: row_next_id 0", slot);
	if (!all_zero(sb->row_meta_sm + sizeof(struct disk_sm_root),
		      sizeof(sb->row_meta_sm) - sizeof(struct disk_sm_root)) ||
	    !all_zero(sb->row_data_sm + sizeof(struct disk_sm_root),
		      sizeof(sb->row_data_sm) - sizeof(struct disk_sm_root)))
		issue(r->ck, "superblock %s: bytes after a space map root not zero",
		      slot);
	if (r->start < 4 || r->start >= r->nr_meta) {
		issue(r->ck, "superblock %s: no ROW area (starts at %llu, device has %llu blocks)",
		      slot, r->start, r->nr_meta);
		ok = false;
	}
	return ok;
}

void row_check(struct ck *ck, const struct cbs_disk_sb *sb, unsigned int slot,
	       struct row_summary *sum)
{
	struct row r = { .ck = ck, .sb = sb };
	u64 b;

	memset(sum, 0, sizeof(*sum));
	r.start = le64(sb->row_start);
	r.nr_meta = ck->nr_blocks;
	r.nr_data = le64(sb->row_blocks);
	r.time = le32toh(sb->row_time);
	if (!check_row_fields(&r, slot ? "B" : "A"))
		return;
	r.m = calloc(r.nr_meta, sizeof(*r.m));
	r.dref = calloc(r.nr_data, sizeof(*r.dref));
	if (!r.m || !r.dref) {
		issue(ck, "out of memory for %llu metadata and %llu data blocks",
		      r.nr_meta, r.nr_data);
		goto out;
	}
	load_root(&r.msm, "metadata", sb->row_meta_sm);
	load_root(&r.dsm, "data", sb->row_data_sm);
	/* superblocks and cache mapping copies, row_start - 1 included */
	for (b = 0; b < r.start; b++) {
		r.m[b].refs = 1;
		r.m[b].kind = K_RESERVED;
	}
	walk_meta_sm(&r);
	walk_data_sm(&r);
	if (r.msm.bad || r.dsm.bad)
		r.damaged = true;
	walk(&r, le64(sb->row_dev_root), K_TOP, 0, UINT64_MAX, true, 0);
	walk(&r, le64(sb->row_details_root), K_DETAILS, 0, UINT64_MAX, true, 0);
	qsort(r.msm.rc, r.msm.nr_rc, sizeof(*r.msm.rc), cmp_rc);
	qsort(r.dsm.rc, r.dsm.nr_rc, sizeof(*r.dsm.rc), cmp_rc);
	check_devices(&r, sum);
	if (r.damaged)
		note(ck, "ROW reference counts not compared: damaged B-trees or space maps");
	if (!r.msm.bad)
		compare_sm(&r, &r.msm, !r.damaged);
	if (!r.dsm.bad)
		compare_sm(&r, &r.dsm, !r.damaged);
	if (r.msm.errors > MAX_COUNT_ERRORS || r.dsm.errors > MAX_COUNT_ERRORS)
		note(ck, "%u more space map count errors not shown",
		     (r.msm.errors > MAX_COUNT_ERRORS ?
		      r.msm.errors - MAX_COUNT_ERRORS : 0) +
		     (r.dsm.errors > MAX_COUNT_ERRORS ?
		      r.dsm.errors - MAX_COUNT_ERRORS : 0));
	sum->checked = true;
	sum->data_used = le64(r.dsm.root.nr_allocated);
	sum->data_total = r.dsm.nr_blocks;
	sum->meta_used = le64(r.msm.root.nr_allocated);
	sum->meta_total = r.msm.nr_blocks;
out:
	free(r.m);
	free(r.dref);
	free(r.msm.ie);
	free(r.msm.rc);
	free(r.dsm.ie);
	free(r.dsm.ie_seen);
	free(r.dsm.rc);
	free(r.maps);
	free(r.dets);
}
