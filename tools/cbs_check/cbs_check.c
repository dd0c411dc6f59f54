// SPDX-License-Identifier: GPL-2.0
/*
 * cbs_check: offline checker of dm-cbs metadata (a metadata device or an
 * image of one). Verifies every invariant of the on-disk format described
 * in Documentation/cbs.rst and kmod/include/uapi/linux/dm-cbs-format.h.
 *
 * Exit status (as thin_check): 0 the metadata is clean (or all zero: a
 * fresh device the target formats), 1 errors were found or the device
 * cannot be read, 2 bad command line.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include "cbs_check.h"

#define EXIT_CLEAN	0
#define EXIT_ERRORS	1
#define EXIT_USAGE	2

enum sb_state { SB_EMPTY, SB_BAD, SB_VALID };

struct slot {
	enum sb_state state;
	struct cbs_disk_sb sb;
	unsigned char raw[CBS_MD_BLOCK];
};

struct map_ent {
	u64 oblock;
	u32 cblock;
	bool dirty;
};

static u32 crc_table[8][256];

/* CRC32C tables for slicing by 8 (thousands of images in the crash test) */
static void crc32c_init(void)
{
	u32 c, i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78 : c >> 1;
		crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^
					  crc_table[0][crc_table[k - 1][i] & 0xff];
}

static u32 get_le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

/* The kernel's crc32c(~0, ...): no final inversion. */
u32 block_csum(const void *block)
{
	const unsigned char *p = (const unsigned char *)block + 4;
	size_t i, n = CBS_MD_BLOCK - 4;
	u32 crc = ~0U, lo, hi;

	for (i = 0; i + 8 <= n; i += 8) {
		lo = crc ^ get_le32(p + i);
		hi = get_le32(p + i + 4);
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
	}
	for (; i < n; i++)
		crc = crc_table[0][(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc;
}

void issue(struct ck *ck, const char *fmt, ...)
{
	va_list ap;

	ck->errors++;
	if (ck->quiet)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "cbs_check: %s: error: ", ck->path);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void note(struct ck *ck, const char *fmt, ...)
{
	va_list ap;

	if (ck->quiet || ck->json)
		return;
	va_start(ap, fmt);
	printf("%s: ", ck->path);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

int read_block(struct ck *ck, u64 nr, void *out)
{
	ssize_t n;

	n = pread(ck->fd, ck->buf, CBS_MD_BLOCK, nr * CBS_MD_BLOCK);
	if (n != CBS_MD_BLOCK) {
		issue(ck, "cannot read block %llu: %s", nr,
		      n < 0 ? strerror(errno) : "short read");
		return -1;
	}
	memcpy(out, ck->buf, CBS_MD_BLOCK);
	return 0;
}

static int open_dev(struct ck *ck)
{
	u64 bytes;
	struct stat st;

	/* O_DIRECT: bypass a page cache the kernel's writes do not update */
	ck->fd = open(ck->path, O_RDONLY | O_DIRECT);
	if (ck->fd < 0 && errno == EINVAL)
		ck->fd = open(ck->path, O_RDONLY);
	if (ck->fd < 0 || fstat(ck->fd, &st)) {
		issue(ck, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(ck->fd, BLKGETSIZE64, &bytes)) {
			issue(ck, "cannot get the size: %s", strerror(errno));
			return -1;
		}
	} else {
		bytes = st.st_size;
	}
	ck->nr_blocks = bytes / CBS_MD_BLOCK;
	if (posix_memalign(&ck->buf, CBS_MD_BLOCK, CBS_MD_BLOCK)) {
		issue(ck, "out of memory");
		return -1;
	}
	return 0;
}

bool all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static u32 mapping_blocks_for(u64 nr_cblocks)
{
	return (nr_cblocks + CBS_ENTRIES_PER_BLOCK - 1) / CBS_ENTRIES_PER_BLOCK;
}

/* Magic, checksum and version of slot @i; fields are checked later. */
static void load_slot(struct ck *ck, unsigned int i, struct slot *s)
{
	const char *name = i ? "B" : "A";

	s->state = SB_BAD;
	if (read_block(ck, i, s->raw))
		return;
	memcpy(&s->sb, s->raw, sizeof(s->sb));
	if (all_zero(s->raw, CBS_MD_BLOCK)) {
		s->state = SB_EMPTY;
		return;
	}
	if (le32toh(s->sb.magic) != CBS_SB_MAGIC) {
		issue(ck, "superblock %s: bad magic 0x%08x", name,
		      le32toh(s->sb.magic));
		return;
	}
	if (le32toh(s->sb.csum) != block_csum(s->raw)) {
		issue(ck, "superblock %s: checksum mismatch (stored 0x%08x, computed 0x%08x)",
		      name, le32toh(s->sb.csum), block_csum(s->raw));
		return;
	}
	if (le32toh(s->sb.version) != CBS_VERSION) {
		issue(ck, "superblock %s: unsupported version %u", name,
		      le32toh(s->sb.version));
		return;
	}
	s->state = SB_VALID;
}

/* Field invariants of one valid superblock in slot @i. */
static void check_sb_fields(struct ck *ck, unsigned int i, struct slot *s)
{
	const struct cbs_disk_sb *sb = &s->sb;
	u32 bs = le32toh(sb->block_size);
	u64 ncb = le64(sb->nr_cblocks);
	u32 m = le32toh(sb->mapping_blocks);
	u64 osec = le64(sb->origin_sectors);
	u64 incompat = le64(sb->incompat);
	const char *name = i ? "B" : "A";

	if (le32toh(sb->flags) & ~CBS_SB_FLAGS_KNOWN)
		issue(ck, "superblock %s: unknown flags 0x%x", name,
		      le32toh(sb->flags));
	if (incompat & ~CBS_INCOMPAT_SUPPORTED)
		issue(ck, "superblock %s: incompat features 0x%llx this cbs_check cannot check",
		      name, incompat);
	if (!le64(sb->generation))
		issue(ck, "superblock %s: generation 0", name);
	if (bs < CBS_MIN_BLOCK_SECTORS || bs > CBS_MAX_BLOCK_SECTORS ||
	    (bs & (bs - 1)))
		issue(ck, "superblock %s: invalid block size %u sectors", name, bs);
	if (!ncb || ncb >= CBS_MAX_CBLOCKS)
		issue(ck, "superblock %s: invalid number of cache blocks %llu",
		      name, ncb);
	if (m != mapping_blocks_for(ncb))
		issue(ck, "superblock %s: %u mapping blocks for %llu cache blocks (want %u)",
		      name, m, ncb, mapping_blocks_for(ncb));
	if (bs && osec % bs)
		issue(ck, "superblock %s: origin length %llu not a multiple of the block size",
		      name, osec);
	if (bs && osec / bs >= CBS_MAX_OBLOCKS)
		issue(ck, "superblock %s: origin too large (%llu sectors)",
		      name, osec);
	if (le64(sb->mapping_start) != CBS_COPY_START(i, m))
		issue(ck, "superblock %s: mapping_start %llu, want %llu (slot %s uses copy %u)",
		      name, le64(sb->mapping_start),
		      (u64)CBS_COPY_START(i, m), name, i);
	if (le64(sb->row_start) != CBS_COPY_START(2, m))
		issue(ck, "superblock %s: row_start %llu, want %llu", name,
		      le64(sb->row_start),
		      (u64)CBS_COPY_START(2, m));
	if (CBS_COPY_START(2, m) > ck->nr_blocks)
		issue(ck, "superblock %s: metadata needs %llu blocks, device has %llu",
		      name, (u64)CBS_COPY_START(2, m),
		      ck->nr_blocks);
	if (le64(sb->nr_dirty) > ncb)
		issue(ck, "superblock %s: %llu dirty of %llu blocks",
		      name, le64(sb->nr_dirty), ncb);
	if (!(incompat & CBS_INCOMPAT_ROW) &&
	    (sb->row_blocks || sb->row_block_size || sb->row_time ||
	     sb->row_dev_root || sb->row_details_root || sb->row_next_id ||
	     sb->row_nr_snaps || !all_zero(sb->row_meta_sm, sizeof(sb->row_meta_sm)) ||
	     !all_zero(sb->row_data_sm, sizeof(sb->row_data_sm))))
		issue(ck, "superblock %s: ROW fields set without the ROW feature",
		      name);
	if (all_zero(sb->uuid, sizeof(sb->uuid)))
		issue(ck, "superblock %s: zero uuid", name);
	if (!all_zero(s->raw + sizeof(*sb), CBS_MD_BLOCK - sizeof(*sb)))
		issue(ck, "superblock %s: bytes after the superblock not zero",
		      name);
}

/* The two valid superblocks describe the same cache, one commit apart. */
static void check_pair(struct ck *ck, struct slot *s, unsigned int cur)
{
	const struct cbs_disk_sb *a = &s[cur].sb, *b = &s[!cur].sb;
	u64 ga = le64(a->generation), gb = le64(b->generation);

	if (memcmp(a->uuid, b->uuid, sizeof(a->uuid)))
		issue(ck, "superblocks A and B have different uuids");
	if (a->block_size != b->block_size || a->nr_cblocks != b->nr_cblocks ||
	    a->mapping_blocks != b->mapping_blocks)
		issue(ck, "superblocks A and B differ in geometry");
	if (a->incompat != b->incompat)
		issue(ck, "superblocks A and B differ in incompat features");
	if (ga != gb + 1)
		issue(ck, "superblock generations %llu and %llu are not consecutive",
		      ga, gb);
}

static int cmp_ent(const void *x, const void *y)
{
	const struct map_ent *a = x, *b = y;

	if (a->oblock != b->oblock)
		return a->oblock < b->oblock ? -1 : 1;
	return a->cblock < b->cblock ? -1 : a->cblock > b->cblock;
}

/* Check the live mapping copy; returns the valid entries (cblock order). */
static struct map_ent *check_mapping(struct ck *ck, const struct cbs_disk_sb *sb,
				     u64 *nvalid, u64 *ndirty)
{
	u64 ncb = le64(sb->nr_cblocks);
	u64 start = le64(sb->mapping_start);
	u32 m = le32toh(sb->mapping_blocks);
	u32 bs = le32toh(sb->block_size);
	u64 nob = bs ? le64(sb->origin_sectors) / bs : 0;
	struct map_ent *ents, *sorted;
	struct cbs_disk_map map;
	u64 cb, v, n = 0, i;
	u32 mb, e;

	*nvalid = 0;
	*ndirty = 0;
	ents = calloc(ncb ? ncb : 1, sizeof(*ents));
	if (!ents) {
		issue(ck, "out of memory for %llu entries", ncb);
		return NULL;
	}
	for (mb = 0; mb < m; mb++) {
		if (start + mb >= ck->nr_blocks || read_block(ck, start + mb, &map)) {
			issue(ck, "mapping block %u: beyond the device or unreadable", mb);
			continue;
		}
		if (le32toh(map.magic) != CBS_MAP_MAGIC) {
			issue(ck, "mapping block %u (device block %llu): bad magic 0x%08x",
			      mb, start + mb, le32toh(map.magic));
			continue;
		}
		if (le32toh(map.csum) != block_csum(&map)) {
			issue(ck, "mapping block %u (device block %llu): checksum mismatch",
			      mb, start + mb);
			continue;
		}
		if (le64(map.blocknr) != mb) {
			issue(ck, "mapping block %u: holds block number %llu (misdirected write)",
			      mb, le64(map.blocknr));
			continue;
		}
		for (e = 0; e < CBS_ENTRIES_PER_BLOCK; e++) {
			cb = (u64)mb * CBS_ENTRIES_PER_BLOCK + e;
			v = le64(map.entry[e]);
			if (!v)
				continue;
			if (cb >= ncb) {
				issue(ck, "entry for cache block %llu beyond the %llu cache blocks",
				      cb, ncb);
				continue;
			}
			if (!(v & CBS_ME_VALID)) {
				issue(ck, "cache block %llu: %s entry not valid, not 0 (%016llx)",
				      cb, v & CBS_ME_DIRTY ? "dirty" : "an", v);
				continue;
			}
			if (v & ~(CBS_ME_VALID | CBS_ME_DIRTY | CBS_ME_OBLOCK))
				issue(ck, "cache block %llu: reserved entry bits set (0x%016llx)",
				      cb, v);
			if ((v & CBS_ME_OBLOCK) >= nob) {
				issue(ck, "cache block %llu: origin block %llu beyond the origin",
				      cb, v & CBS_ME_OBLOCK);
				continue;
			}
			ents[n].cblock = cb;
			ents[n].oblock = v & CBS_ME_OBLOCK;
			ents[n].dirty = v & CBS_ME_DIRTY;
			*ndirty += ents[n].dirty;
			n++;
		}
	}
	*nvalid = n;
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (!sorted) {
		issue(ck, "out of memory");
		return ents;
	}
	memcpy(sorted, ents, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_ent);
	for (i = 1; i < n; i++)
		if (sorted[i].oblock == sorted[i - 1].oblock)
			issue(ck, "origin block %llu mapped by cache blocks %u and %u",
			      sorted[i].oblock, sorted[i - 1].cblock,
			      sorted[i].cblock);
	free(sorted);
	return ents;
}

static const char *state_name(const struct slot *s)
{
	return s->state == SB_VALID ? "valid" :
	       s->state == SB_EMPTY ? "empty" : "invalid";
}

static void print_uuid(FILE *f, const uint8_t *u)
{
	int i;

	for (i = 0; i < 16; i++)
		fprintf(f, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ?
			"-" : "", u[i]);
}

static void dump_text(struct slot *s, int cur, struct map_ent *ents,
		      u64 nvalid, u64 ndirty, const struct row_summary *row)
{
	const struct cbs_disk_sb *sb;
	unsigned int i;
	u64 k;

	for (i = 0; i < 2; i++) {
		sb = &s[i].sb;
		printf("superblock %s: %s%s\n", i ? "B" : "A", state_name(&s[i]),
		       (int)i == cur ? " (current)" : "");
		if (s[i].state != SB_VALID)
			continue;
		printf("  generation %llu flags 0x%x%s%s version %u\n",
		       le64(sb->generation), le32toh(sb->flags),
		       le32toh(sb->flags) & CBS_SB_CLEAN ? " clean" : "",
		       le32toh(sb->flags) & CBS_SB_NEEDS_CHECK ? " needs_check" : "",
		       le32toh(sb->version));
		printf("  uuid ");
		print_uuid(stdout, sb->uuid);
		printf("\n  block_size %u nr_cblocks %llu mapping_blocks %u mapping_start %llu\n",
		       le32toh(sb->block_size), le64(sb->nr_cblocks),
		       le32toh(sb->mapping_blocks), le64(sb->mapping_start));
		printf("  origin_sectors %llu nr_dirty %llu",
		       le64(sb->origin_sectors), le64(sb->nr_dirty));
		printf(" compat 0x%llx incompat 0x%llx row_start %llu\n",
		       le64(sb->compat), le64(sb->incompat),
		       le64(sb->row_start));
	}
	if (row->checked) {
		printf("row: devices %llu snapshots %llu mapped %llu",
		       row->nr_devs, row->nr_snaps, row->mapped);
		printf(" data %llu/%llu metadata %llu/%llu\n", row->data_used,
		       row->data_total, row->meta_used, row->meta_total);
	}
	if (cur < 0 || !ents)
		return;
	printf("mapping: valid_blocks %llu dirty_blocks %llu\n",
	       nvalid, ndirty);
	for (k = 0; k < nvalid; k++)
		printf("  cblock %u oblock %llu%s\n", ents[k].cblock,
		       ents[k].oblock, ents[k].dirty ? " dirty" : "");
}

static void dump_json(struct ck *ck, struct slot *s, int cur,
		      struct map_ent *ents, u64 nvalid, u64 ndirty,
		      const struct row_summary *row)
{
	const struct cbs_disk_sb *sb;
	unsigned int i;
	u64 k;

	printf("{\"device\":\"%s\",\"errors\":%u,\"current\":", ck->path,
	       ck->errors);
	if (cur < 0)
		printf("null");
	else
		printf("\"%s\"", cur ? "B" : "A");
	printf(",\"superblocks\":[");
	for (i = 0; i < 2; i++) {
		sb = &s[i].sb;
		printf("%s{\"slot\":\"%s\",\"state\":\"%s\"", i ? "," : "",
		       i ? "B" : "A", state_name(&s[i]));
		if (s[i].state == SB_VALID) {
			printf(",\"generation\":%llu,\"flags\":%u,\"uuid\":\"",
			       le64(sb->generation), le32toh(sb->flags));
			print_uuid(stdout, sb->uuid);
			printf("\",\"block_size\":%u,\"nr_cblocks\":%llu",
			       le32toh(sb->block_size), le64(sb->nr_cblocks));
			printf(",\"mapping_blocks\":%u,\"mapping_start\":%llu",
			       le32toh(sb->mapping_blocks),
			       le64(sb->mapping_start));
			printf(",\"origin_sectors\":%llu,\"nr_dirty\":%llu}",
			       le64(sb->origin_sectors), le64(sb->nr_dirty));
		} else {
			printf("}");
		}
	}
	printf("],\"valid_blocks\":%llu,\"dirty_blocks\":%llu",
	       nvalid, ndirty);
	if (row->checked) {
		printf(",\"row\":{\"devices\":%llu,\"snapshots\":%llu,\"mapped\":%llu",
		       row->nr_devs, row->nr_snaps, row->mapped);
		printf(",\"data_used\":%llu,\"data_total\":%llu",
		       row->data_used, row->data_total);
		printf(",\"meta_used\":%llu,\"meta_total\":%llu}",
		       row->meta_used, row->meta_total);
	}
	if (ck->dump && ents) {
		printf(",\"mapping\":[");
		for (k = 0; k < nvalid; k++)
			printf("%s{\"cblock\":%u,\"oblock\":%llu,\"dirty\":%s}",
			       k ? "," : "", ents[k].cblock, ents[k].oblock,
			       ents[k].dirty ? "true" : "false");
		printf("]");
	}
	printf("}\n");
}

static void print_row(const struct ck *ck, const struct row_summary *row)
{
	printf("%s: ROW: %llu snapshots, the volume maps %llu blocks, ",
	       ck->path, row->nr_snaps, row->mapped);
	printf("data %llu/%llu, metadata %llu/%llu blocks used\n",
	       row->data_used, row->data_total, row->meta_used,
	       row->meta_total);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cbs_check [-q] [-d|--dump] [-j] METADATA_DEV|IMAGE...\n"
		"Check dm-cbs metadata offline (the target must not be active on it,\n"
		"or must be suspended). Several devices or images are checked in turn.\n"
		"  -q, --quiet   print nothing, only set the exit status\n"
		"  -d, --dump    print the superblocks and every mapping entry\n"
		"  -j, --json    print the result (and with --dump the mapping) as JSON\n"
		"  -h, --help    this text\n"
		"Exit status: 0 clean (or all zero: not formatted yet),\n"
		"             1 errors found (in any) or a device cannot be read,\n"
		"             2 bad command line.\n");
}

static int check(struct ck *ck)
{
	struct row_summary row = { .checked = false };
	u64 nvalid = 0, ndirty = 0;
	struct map_ent *ents = NULL;
	struct slot s[2];
	int cur = -1;
	unsigned int i;

	if (open_dev(ck))
		return EXIT_ERRORS;
	if (ck->nr_blocks < 2) {
		issue(ck, "too small for two superblocks (%llu blocks)",
		      ck->nr_blocks);
		return EXIT_ERRORS;
	}
	for (i = 0; i < 2; i++)
		load_slot(ck, i, &s[i]);
	if (s[0].state == SB_EMPTY && s[1].state == SB_EMPTY) {
		note(ck, "not formatted (both superblocks zero): formatted at first use");
		goto out;
	}
	for (i = 0; i < 2; i++)
		if (s[i].state == SB_VALID)
			check_sb_fields(ck, i, &s[i]);
	if (s[0].state == SB_VALID && s[1].state == SB_VALID) {
		if (s[0].sb.generation == s[1].sb.generation)
			issue(ck, "both superblocks have generation %llu",
			      le64(s[0].sb.generation));
		cur = le64(s[1].sb.generation) > le64(s[0].sb.generation);
		check_pair(ck, s, cur);
	} else if (s[0].state == SB_VALID || s[1].state == SB_VALID) {
		cur = s[1].state == SB_VALID;
		/* only the first commit (generation 1) leaves the other slot empty */
		if (s[!cur].state == SB_EMPTY &&
		    le64(s[cur].sb.generation) != 1)
			issue(ck, "superblock %s empty although %s has generation %llu",
			      cur ? "A" : "B", cur ? "B" : "A",
			      le64(s[cur].sb.generation));
	} else {
		issue(ck, "no valid superblock");
		goto out;
	}
	if (le32toh(s[cur].sb.flags) & CBS_SB_NEEDS_CHECK)
		note(ck, "needs_check is set in the current superblock");
	ents = check_mapping(ck, &s[cur].sb, &nvalid, &ndirty);
	if (ents && ndirty != le64(s[cur].sb.nr_dirty))
		issue(ck, "superblock %s counts %llu dirty blocks, the mapping has %llu",
		      cur ? "B" : "A", le64(s[cur].sb.nr_dirty), ndirty);
	if (le64(s[cur].sb.incompat) & CBS_INCOMPAT_ROW)
		row_check(ck, &s[cur].sb, cur, &row);
out:
	if (ck->json)
		dump_json(ck, s, cur, ents, nvalid, ndirty, &row);
	else if (ck->dump && !ck->quiet)
		dump_text(s, cur, ents, nvalid, ndirty, &row);
	if (!ck->json && !ck->quiet && cur >= 0) {
		if (ck->errors) {
			printf("%s: %u error(s)\n", ck->path, ck->errors);
		} else {
			printf("%s: clean: superblock %s current (generation %llu), ",
			       ck->path, cur ? "B" : "A",
			       le64(s[cur].sb.generation));
			printf("%llu cache blocks, %llu valid, %llu dirty\n",
			       le64(s[cur].sb.nr_cblocks), nvalid, ndirty);
			if (row.checked)
				print_row(ck, &row);
		}
	}
	free(ents);
	return ck->errors ? EXIT_ERRORS : EXIT_CLEAN;
}

static int check_one(const struct ck *opts, const char *path)
{
	struct ck ck = *opts;
	int r;

	ck.path = path;
	r = check(&ck);
	if (ck.fd >= 0)
		close(ck.fd);
	free(ck.buf);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "dump", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ck ck = { .fd = -1 };
	int c, r = EXIT_CLEAN;

	while ((c = getopt_long(argc, argv, "qdjh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			ck.quiet = true;
			break;
		case 'd':
			ck.dump = true;
			break;
		case 'j':
			ck.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_CLEAN;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (ck.quiet)
		ck.json = false;
	crc32c_init();
	for (; optind < argc; optind++)
		if (check_one(&ck, argv[optind]) != EXIT_CLEAN)
			r = EXIT_ERRORS;
	return r;
}
