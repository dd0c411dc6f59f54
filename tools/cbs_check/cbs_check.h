/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cbs_check: what cbs_check.c (superblocks, cache mapping, output) and
 * row.c (the ROW B-trees and space maps) share.
 */
#ifndef CBS_CHECK_H
#define CBS_CHECK_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/dm-cbs-format.h>

typedef unsigned long long u64;
typedef uint32_t u32;

static inline u64 le64(__le64 v)
{
	return le64toh(v);
}

struct ck {
	const char *path;
	int fd;
	u64 nr_blocks;		/* metadata device size in blocks */
	bool quiet;
	bool dump;
	bool json;
	unsigned int errors;
	void *buf;			/* one aligned block */
};

/* What the ROW check found, for the summary line, --dump and -j. */
struct row_summary {
	bool checked;
	u64 nr_devs;		/* volume + snapshots (details tree) */
	u64 nr_snaps;
	u64 mapped;		/* entries in the volume's subtree */
	u64 data_used;		/* data space map nr_allocated */
	u64 data_total;
	u64 meta_used;		/* metadata space map nr_allocated */
	u64 meta_total;
};

void issue(struct ck *ck, const char *fmt, ...);
void note(struct ck *ck, const char *fmt, ...);
int read_block(struct ck *ck, u64 nr, void *out);
u32 block_csum(const void *block);
bool all_zero(const void *p, size_t len);

/* Check the ROW area the superblock @sb (slot @slot) describes. */
void row_check(struct ck *ck, const struct cbs_disk_sb *sb, unsigned int slot,
	       struct row_summary *sum);

#endif /* CBS_CHECK_H */
