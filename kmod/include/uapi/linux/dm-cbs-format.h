/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dm-cbs on-disk metadata format, shared by the kernel target
 * (kmod/cbs/metadata.c) and the offline checker (tools/cbs_check).
 * Described in Documentation/cbs.rst, "On-disk format".
 *
 * The metadata device is an array of CBS_MD_BLOCK-byte blocks: superblock
 * slots A (block 0) and B (block 1), mapping copy 0 (blocks 2..2+M-1),
 * mapping copy 1 (2+M..2+2M-1), then the ROW area. All integers are
 * little endian. The checksum of a block is CRC32C (seed ~0, no final
 * inversion, as the kernel's crc32c()) of bytes 4..CBS_MD_BLOCK-1.
 */
#ifndef _UAPI_LINUX_DM_CBS_FORMAT_H
#define _UAPI_LINUX_DM_CBS_FORMAT_H

#include <linux/const.h>
#include <linux/types.h>

#define CBS_MD_BLOCK		4096
#define CBS_SB_MAGIC		0x43425331	/* "CBS1" */
#define CBS_MAP_MAGIC		0x43424d50	/* "CBMP" */
#define CBS_VERSION		1

/* superblock flags */
#define CBS_SB_CLEAN		_BITUL(0)	/* clean shutdown */
#define CBS_SB_NEEDS_CHECK	_BITUL(1)
#define CBS_SB_FLAGS_KNOWN	(CBS_SB_CLEAN | CBS_SB_NEEDS_CHECK)

/* incompat feature bits */
#define CBS_INCOMPAT_ROW	_BITULL(0)	/* redirect-on-write map */
#define CBS_INCOMPAT_SUPPORTED	CBS_INCOMPAT_ROW

/* geometry limits */
#define CBS_MIN_BLOCK_SECTORS	8U
#define CBS_MAX_BLOCK_SECTORS	2097152U
#define CBS_MAX_CBLOCKS		_BITUL(31)
#define CBS_MAX_OBLOCKS		0xffffffffULL	/* exclusive */

/* mapping entries: 510 per block, cache block i in block i / 510 */
#define CBS_ENTRIES_PER_BLOCK	510
#define CBS_ME_VALID		_BITULL(63)
#define CBS_ME_DIRTY		_BITULL(62)
#define CBS_ME_OBLOCK		(_BITULL(56) - 1)	/* bits 0..55 */

/* first block of mapping copy @copy (0 or 1) for M mapping blocks */
#define CBS_COPY_START(copy, m)	(2 + (__u64)(copy) * (m))

struct cbs_disk_sb {
	__le32 csum;
	__le32 magic;
	__le32 version;
	__le32 flags;
	__le64 generation;
	__le64 compat;
	__le64 incompat;
	__le32 block_size;		/* sectors */
	__le32 mapping_blocks;		/* M */
	__le64 nr_cblocks;
	__le64 origin_sectors;
	__le64 mapping_start;		/* CBS_COPY_START(slot, M) */
	__le64 nr_dirty;		/* dirty entries in that copy */
	__le64 row_start;		/* CBS_COPY_START(2, M) */
	/* ROW (incompat bit 0) only, zero otherwise: */
	__le64 row_blocks;		/* data blocks (data device / block) */
	__le32 row_block_size;		/* sectors, = block_size */
	__le32 row_time;		/* snapshot clock (24 bits) */
	__le64 row_dev_root;		/* device id -> mapping subtree root */
	__le64 row_details_root;	/* device id -> struct cbs_disk_dev */
	__le64 row_next_id;		/* next snapshot id */
	__le64 row_nr_snaps;
	__u8 uuid[16];
	__u8 row_meta_sm[128];		/* metadata space map root */
	__u8 row_data_sm[128];		/* data space map root */
};

/*
 * ROW: a device's details (value of the details B-tree). Device 0 is the
 * volume; a snapshot has a unique non-empty name.
 */
#define CBS_ROW_NAME_LEN	32
struct cbs_disk_dev {
	__le64 mapped_blocks;
	__le64 creation_time;		/* snapshot clock at creation */
	__le64 snapshotted_time;	/* clock at its newest snapshot */
	__le64 ctime;			/* wall clock seconds */
	__u8 name[CBS_ROW_NAME_LEN];	/* NUL padded */
};

struct cbs_disk_map {
	__le32 csum;
	__le32 magic;
	__le64 blocknr;			/* index within the copy */
	__le64 entry[CBS_ENTRIES_PER_BLOCK];
};

#endif /* _UAPI_LINUX_DM_CBS_FORMAT_H */
