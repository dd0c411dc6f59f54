// SPDX-License-Identifier: GPL-2.0
/*
 * dm-cbs policy: hash of cached origin blocks, segmented LRU (probation and
 * protected), admission filter and sequential stream detection. Every
 * function here runs under c->lock except alloc/free.
 */
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

#include "cbs.h"

/*
 * Packed links: link i (0 hash chain, 1 prev, 2 next) is the 24-bit
 * little-endian value at link[3 * i]; all ones stands for CBS_NONE.
 */
static_assert(sizeof(struct cbs_entry) == 14);

#define CBS_HNEXT	0
#define CBS_PREV	1
#define CBS_NEXT	2
#define CBS_LINK_NONE	CBS_CORE_MAX_CBLOCKS

static u32 cbs_link(struct cbs_cache *c, u32 cblock, unsigned int i)
{
	u32 v = get_unaligned_le24(c->entries[cblock].link + 3 * i);

	return v == CBS_LINK_NONE ? CBS_NONE : v;
}

static void cbs_set_link(struct cbs_cache *c, u32 cblock, unsigned int i,
			 u32 to)
{
	put_unaligned_le24(to == CBS_NONE ? CBS_LINK_NONE : to,
			   c->entries[cblock].link + 3 * i);
}

int cbs_policy_alloc(struct cbs_cache *c)
{
	u32 n = c->nr_cblocks;
	u32 i;

	c->entries = vcalloc(n, sizeof(*c->entries));
	/* a bucket per 8 blocks (0.5 byte), a filter slot per block */
	c->nr_buckets = max(n / 8, 1U);
	c->buckets = vmalloc_array(c->nr_buckets, sizeof(u32));
	c->nr_filter = max(n, 1024U);
	c->filter = vzalloc(c->nr_filter);
	if (!c->entries || !c->buckets || !c->filter) {
		cbs_policy_free(c);
		return -ENOMEM;
	}
	memset(c->buckets, 0xff, c->nr_buckets * sizeof(u32));
	c->free = (struct cbs_list){ CBS_NONE, CBS_NONE, 0 };
	c->pending_free = c->free;
	c->lru[0] = c->free;
	c->lru[1] = c->free;
	c->promote_q = c->free;
	for (i = 0; i < n; i++) {
		cbs_set_link(c, i, CBS_HNEXT, CBS_NONE);
		cbs_set_link(c, i, CBS_PREV, CBS_NONE);
		cbs_set_link(c, i, CBS_NEXT, CBS_NONE);
	}
	return 0;
}

void cbs_policy_free(struct cbs_cache *c)
{
	vfree(c->entries);
	vfree(c->buckets);
	vfree(c->filter);
	c->entries = NULL;
	c->buckets = NULL;
	c->filter = NULL;
}

/* Bytes of RAM the policy spends per cache block (status). */
unsigned int cbs_ram_per_block(struct cbs_cache *c)
{
	u64 bytes = (u64)c->nr_cblocks * sizeof(struct cbs_entry) +
		    (u64)c->nr_buckets * sizeof(u32) + c->nr_filter;

	return DIV_ROUND_UP_ULL(bytes, max(c->nr_cblocks, 1U));
}

static u32 *cbs_bucket(struct cbs_cache *c, u32 oblock)
{
	return &c->buckets[reciprocal_scale(hash_32(oblock, 32), c->nr_buckets)];
}

u32 cbs_lookup(struct cbs_cache *c, u32 oblock)
{
	u32 cb = *cbs_bucket(c, oblock);

	while (cb != CBS_NONE && c->entries[cb].oblock != oblock)
		cb = cbs_link(c, cb, CBS_HNEXT);
	return cb;
}

void cbs_hash_insert(struct cbs_cache *c, u32 cblock)
{
	u32 *b = cbs_bucket(c, c->entries[cblock].oblock);

	cbs_set_link(c, cblock, CBS_HNEXT, *b);
	*b = cblock;
}

void cbs_hash_remove(struct cbs_cache *c, u32 cblock)
{
	u32 *b = cbs_bucket(c, c->entries[cblock].oblock);
	u32 cb = *b, prev = CBS_NONE;

	while (cb != CBS_NONE && cb != cblock) {
		prev = cb;
		cb = cbs_link(c, cb, CBS_HNEXT);
	}
	if (cb == CBS_NONE)
		return;
	if (prev == CBS_NONE)
		*b = cbs_link(c, cblock, CBS_HNEXT);
	else
		cbs_set_link(c, prev, CBS_HNEXT, cbs_link(c, cblock, CBS_HNEXT));
	cbs_set_link(c, cblock, CBS_HNEXT, CBS_NONE);
}

/* Lists: push at the head (most recent), pop from the tail (oldest). */
void cbs_list_push(struct cbs_cache *c, struct cbs_list *l, u32 cblock)
{
	cbs_set_link(c, cblock, CBS_PREV, CBS_NONE);
	cbs_set_link(c, cblock, CBS_NEXT, l->head);
	if (l->head != CBS_NONE)
		cbs_set_link(c, l->head, CBS_PREV, cblock);
	else
		l->tail = cblock;
	l->head = cblock;
	l->count++;
}

void cbs_list_del(struct cbs_cache *c, struct cbs_list *l, u32 cblock)
{
	u32 prev = cbs_link(c, cblock, CBS_PREV);
	u32 next = cbs_link(c, cblock, CBS_NEXT);

	if (prev != CBS_NONE)
		cbs_set_link(c, prev, CBS_NEXT, next);
	else
		l->head = next;
	if (next != CBS_NONE)
		cbs_set_link(c, next, CBS_PREV, prev);
	else
		l->tail = prev;
	cbs_set_link(c, cblock, CBS_PREV, CBS_NONE);
	cbs_set_link(c, cblock, CBS_NEXT, CBS_NONE);
	l->count--;
}

u32 cbs_list_pop(struct cbs_cache *c, struct cbs_list *l)
{
	u32 cb = l->tail;

	if (cb != CBS_NONE)
		cbs_list_del(c, l, cb);
	return cb;
}

static struct cbs_list *cbs_lru_of(struct cbs_cache *c, u32 cblock)
{
	return &c->lru[!!(c->entries[cblock].flags & CBS_E_PROT)];
}

void cbs_lru_add(struct cbs_cache *c, u32 cblock)
{
	c->entries[cblock].flags &= ~CBS_E_PROT;
	c->entries[cblock].flags |= CBS_E_LISTED;
	cbs_list_push(c, &c->lru[0], cblock);
}

void cbs_lru_del(struct cbs_cache *c, u32 cblock)
{
	if (!(c->entries[cblock].flags & CBS_E_LISTED))
		return;
	cbs_list_del(c, cbs_lru_of(c, cblock), cblock);
	c->entries[cblock].flags &= ~(CBS_E_LISTED | CBS_E_PROT);
}

/*
 * A hit moves a block to the head of protected; protected is capped and
 * its overflow goes back to the head of probation, so only blocks hit
 * since promotion compete for the protected share.
 */
void cbs_lru_hit(struct cbs_cache *c, u32 cblock)
{
	u32 cap = div_u64((u64)c->nr_cblocks * CBS_PROTECTED_PCT, 100);
	u32 old;

	if (!(c->entries[cblock].flags & CBS_E_LISTED))
		return;
	cbs_list_del(c, cbs_lru_of(c, cblock), cblock);
	c->entries[cblock].flags |= CBS_E_PROT;
	cbs_list_push(c, &c->lru[1], cblock);
	while (c->lru[1].count > max(cap, 1U)) {
		old = cbs_list_pop(c, &c->lru[1]);
		c->entries[old].flags &= ~CBS_E_PROT;
		cbs_list_push(c, &c->lru[0], old);
	}
}

/*
 * Admission filter: hashed byte slots of a 5-bit tag and a 3-bit count.
 * A miss on a block whose tag is in its slot counts up, any other replaces
 * the slot; the block is promoted once the count reaches
 * promote_threshold. The slot is cleared only when the promotion starts,
 * so a block deferred for lack of budget or space stays eligible. All
 * counts are halved after as many misses as there are slots, so old
 * popularity fades; a one-pass scan only ever replaces slots.
 */
#define CBS_TAG_SHIFT	3
#define CBS_COUNT_MASK	0x7

bool cbs_admit(struct cbs_cache *c, u32 oblock)
{
	u32 size = c->nr_filter;
	u8 *f = &c->filter[reciprocal_scale(hash_32(oblock, 32), size)];
	u8 tag = (hash_32(oblock ^ 0x5bd1e995, 5) | 1) << CBS_TAG_SHIFT;
	u32 i;

	if ((*f & ~CBS_COUNT_MASK) != tag)
		*f = tag;
	if ((*f & CBS_COUNT_MASK) < CBS_COUNT_MASK)
		(*f)++;
	if (++c->filter_count >= size) {
		c->filter_count = 0;
		for (i = 0; i < size; i++)
			c->filter[i] = (c->filter[i] & ~CBS_COUNT_MASK) |
				       ((c->filter[i] & CBS_COUNT_MASK) >> 1);
	}
	return (*f & CBS_COUNT_MASK) >= c->cfg.promote_threshold;
}

/* The promotion cbs_admit() allowed has started: forget the block. */
void cbs_admitted(struct cbs_cache *c, u32 oblock)
{
	c->filter[reciprocal_scale(hash_32(oblock, 32), c->nr_filter)] = 0;
}

/*
 * Sequential detection: a few stream trackers keyed by the next expected
 * sector. Returns true when @bio continues a stream that already reached
 * sequential_cutoff.
 */
bool cbs_sequential(struct cbs_cache *c, struct bio *bio)
{
	sector_t start = bio->bi_iter.bi_sector;
	unsigned int sectors = bio_sectors(bio);
	struct cbs_stream *s;
	unsigned int i;

	if (!c->cfg.sequential_cutoff)
		return false;
	for (i = 0; i < CBS_NR_STREAMS; i++) {
		s = &c->streams[i];
		if (s->end == start && s->run) {
			s->end = start + sectors;
			s->run += sectors;
			return s->run > (u64)c->cfg.sequential_cutoff * 2;
		}
	}
	s = &c->streams[c->stream_next];
	c->stream_next = (c->stream_next + 1) % CBS_NR_STREAMS;
	s->end = start + sectors;
	s->run = sectors;
	return false;
}

/*
 * Evict up to @want clean, idle blocks, probation first, oldest first.
 * They go to pending_free: reusable only after the commit that records
 * them as invalid. Returns how many were evicted.
 */
u32 cbs_evict(struct cbs_cache *c, u32 want)
{
	u32 done = 0, seen, cb, prev;
	int l;

	for (l = 0; l < 2 && done < want; l++) {
		seen = 0;
		cb = c->lru[l].tail;
		while (cb != CBS_NONE && done < want && seen++ < 4 * want + 64) {
			prev = cbs_link(c, cb, CBS_PREV);
			if (!(c->entries[cb].flags & (CBS_E_DIRTY | CBS_E_BUSY))) {
				cbs_lru_del(c, cb);
				cbs_hash_remove(c, cb);
				c->entries[cb].flags = 0;
				c->nr_valid--;
				cbs_md_mark(c, cb);
				cbs_list_push(c, &c->pending_free, cb);
				c->stats.demotions++;
				done++;
			}
			cb = prev;
		}
	}
	return done;
}
