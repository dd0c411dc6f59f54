/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dm-cbs - SSD cache device-mapper target, control plane.
 *
 * Generic netlink family "cbs" (version 1), described by
 * Documentation/netlink/specs/cbs.yaml. A volume is a live "cbs" target,
 * named by its device-mapper name (NAME) and/or device number (MAJOR and
 * MINOR, both needed). Block devices are global: every command sees the
 * same volumes whatever the caller's network namespace. Reads need no
 * privilege; changes need CAP_NET_ADMIN (GENL_ADMIN_PERM) and, like the
 * device-mapper ioctls, CAP_SYS_ADMIN.
 *
 * CBS_CMD_VOLUME_GET	do: one volume, dump: every volume
 *   in:  NAME | MAJOR + MINOR
 *   out: NAME, MAJOR, MINOR, START, LENGTH, the state and the counters
 * CBS_CMD_CACHE_FLUSH	write back every dirty block and commit (as the
 *			"flush" message); returns when done
 *   in:  NAME | MAJOR + MINOR
 * CBS_CMD_CACHE_SET	change knobs (as the "<knob> <value>" and
 *			"cleaner" messages); all or none are applied
 *   in:  NAME | MAJOR + MINOR, at least one of SEQUENTIAL_CUTOFF,
 *        PROMOTE_THRESHOLD, MIGRATION_THRESHOLD, DIRTY_LOW, DIRTY_HIGH,
 *        CLEANER
 * CBS_CMD_STATS_CLEAR	zero the counters (as the "clear_stats" message)
 *   in:  NAME | MAJOR + MINOR
 * CBS_CMD_EVENT_NTF	"events" group: EVENT, then as VOLUME_GET; the
 *			snapshot events add SNAPSHOT
 * CBS_CMD_SNAPSHOT_NEW	snapshot a ROW volume (as "snapshot create")
 *   in:  NAME | MAJOR + MINOR, SNAPSHOT { SNAPSHOT_NAME }
 * CBS_CMD_SNAPSHOT_DEL	delete a snapshot (as "snapshot delete")
 *   in:  NAME | MAJOR + MINOR, SNAPSHOT { SNAPSHOT_NAME }
 * CBS_CMD_SNAPSHOT_ROLLBACK	roll a suspended ROW volume back to a
 *			snapshot (as "snapshot rollback")
 *   in:  NAME | MAJOR + MINOR, SNAPSHOT { SNAPSHOT_NAME }
 * CBS_CMD_SNAPSHOT_GET	dump: the snapshots of a ROW volume, in id order
 *   in:  NAME | MAJOR + MINOR
 *   out: NAME, MAJOR, MINOR, SNAPSHOT { ID, NAME, CTIME, CREATION_TIME,
 *        MAPPED_BLOCKS, EXCLUSIVE_BLOCKS, SHARED_BLOCKS }
 */
#ifndef _UAPI_LINUX_DM_CBS_H
#define _UAPI_LINUX_DM_CBS_H

#define CBS_FAMILY_NAME			"cbs"
#define CBS_FAMILY_VERSION		1
#define CBS_MCGRP_EVENTS		"events"

#define CBS_NAME_LEN			128	/* DM_NAME_LEN, with the NUL */
#define CBS_SNAPSHOT_NAME_LEN		32	/* with the NUL */

/* Knob ranges (table line, messages and netlink alike). */
#define CBS_SEQUENTIAL_CUTOFF_MAX	4194304	/* KiB */
#define CBS_PROMOTE_THRESHOLD_MIN	1
#define CBS_PROMOTE_THRESHOLD_MAX	7
#define CBS_MIGRATION_THRESHOLD_MIN	1
#define CBS_MIGRATION_THRESHOLD_MAX	1073741824	/* sectors */
#define CBS_DIRTY_PCT_MAX		100

enum cbs_mode {
	CBS_MODE_WRITEBACK,
	CBS_MODE_WRITETHROUGH,
	CBS_MODE_PASSTHROUGH,
};

enum cbs_event {
	CBS_EVENT_CACHE_FAILED = 1,	/* first cache device error; DIRTY_AT_RISK */
	CBS_EVENT_DIRTY_HIGH,		/* dirty blocks rose above dirty_high */
	CBS_EVENT_DIRTY_LOW,		/* ... and fell back to dirty_low */
	CBS_EVENT_READ_ONLY,		/* metadata failed: ro + needs_check */
	CBS_EVENT_FLUSH_DONE,		/* a flush ended; ERROR if it failed */
	CBS_EVENT_SNAPSHOT_CREATED,	/* SNAPSHOT: the new snapshot */
	CBS_EVENT_SNAPSHOT_DELETED,	/* SNAPSHOT: its name */
	CBS_EVENT_SNAPSHOT_ROLLED_BACK,	/* SNAPSHOT: the one rolled back to */
};

enum {
	CBS_A_VOLUME_UNSPEC,
	CBS_A_VOLUME_NAME,		/* string, device-mapper name */
	CBS_A_VOLUME_MAJOR,		/* u32 */
	CBS_A_VOLUME_MINOR,		/* u32 */
	CBS_A_VOLUME_START,		/* uint, sectors: the target in the table */
	CBS_A_VOLUME_LENGTH,		/* uint, sectors */
	CBS_A_VOLUME_MODE,		/* u32, enum cbs_mode */
	CBS_A_VOLUME_CLEANER,		/* flag */
	CBS_A_VOLUME_NO_DISCARD_PASSDOWN, /* flag */
	CBS_A_VOLUME_READ_ONLY,		/* flag, metadata read-only */
	CBS_A_VOLUME_NEEDS_CHECK,	/* flag */
	CBS_A_VOLUME_CACHE_FAILED,	/* flag, cache errors since clear_stats */
	CBS_A_VOLUME_BLOCK_SECTORS,	/* u32 */
	CBS_A_VOLUME_CACHE_BLOCKS,	/* uint */
	CBS_A_VOLUME_CACHE_BLOCKS_USED,	/* uint */
	CBS_A_VOLUME_DIRTY,		/* uint, dirty cache blocks */
	CBS_A_VOLUME_DIRTY_AT_RISK,	/* uint, dirty blocks on a failed cache */
	CBS_A_VOLUME_METADATA_BLOCKS,	/* uint, 4 KiB blocks */
	CBS_A_VOLUME_METADATA_BLOCKS_USED, /* uint */
	CBS_A_VOLUME_READ_HITS,		/* uint */
	CBS_A_VOLUME_READ_MISSES,	/* uint */
	CBS_A_VOLUME_WRITE_HITS,	/* uint */
	CBS_A_VOLUME_WRITE_MISSES,	/* uint */
	CBS_A_VOLUME_READ_HIT_RATIO,	/* u32, 1/10000 (basis points) */
	CBS_A_VOLUME_WRITE_HIT_RATIO,	/* u32, 1/10000 */
	CBS_A_VOLUME_PROMOTIONS,	/* uint */
	CBS_A_VOLUME_DEMOTIONS,		/* uint */
	CBS_A_VOLUME_WRITEBACKS,	/* uint */
	CBS_A_VOLUME_WRITEBACK_IN_FLIGHT, /* uint */
	CBS_A_VOLUME_WRITEBACK_FAILURES, /* uint */
	CBS_A_VOLUME_BYPASSED,		/* uint */
	CBS_A_VOLUME_CACHE_ERRORS,	/* uint */
	CBS_A_VOLUME_ORIGIN_ERRORS,	/* uint */
	CBS_A_VOLUME_RAM_PER_BLOCK,	/* u32, bytes */
	CBS_A_VOLUME_SEQUENTIAL_CUTOFF,	/* u32, KiB */
	CBS_A_VOLUME_PROMOTE_THRESHOLD,	/* u32 */
	CBS_A_VOLUME_MIGRATION_THRESHOLD, /* u32, sectors */
	CBS_A_VOLUME_DIRTY_LOW,		/* u32, percent */
	CBS_A_VOLUME_DIRTY_HIGH,	/* u32, percent */
	CBS_A_VOLUME_EVENT,		/* u32, enum cbs_event */
	CBS_A_VOLUME_ERROR,		/* u32, errno of a failed flush */
	CBS_A_VOLUME_SNAPSHOT,		/* nest, CBS_A_SNAPSHOT_* */

	__CBS_A_VOLUME_CNT,
	CBS_A_VOLUME_MAX = __CBS_A_VOLUME_CNT - 1
};

enum {
	CBS_A_SNAPSHOT_UNSPEC,
	CBS_A_SNAPSHOT_ID,		/* uint, per volume, never reused */
	CBS_A_SNAPSHOT_NAME,		/* string, 1 to 31 of A-Z a-z 0-9 . _ + - */
	CBS_A_SNAPSHOT_CTIME,		/* uint, wall clock seconds at creation */
	CBS_A_SNAPSHOT_CREATION_TIME,	/* u32, snapshot clock at creation */
	CBS_A_SNAPSHOT_MAPPED_BLOCKS,	/* uint, the volume's mapped blocks then */
	CBS_A_SNAPSHOT_EXCLUSIVE_BLOCKS, /* uint, blocks only it maps (dumps) */
	CBS_A_SNAPSHOT_SHARED_BLOCKS,	/* uint, mapped - exclusive (dumps) */

	__CBS_A_SNAPSHOT_CNT,
	CBS_A_SNAPSHOT_MAX = __CBS_A_SNAPSHOT_CNT - 1
};

enum {
	CBS_CMD_UNSPEC,
	CBS_CMD_VOLUME_GET,
	CBS_CMD_CACHE_FLUSH,
	CBS_CMD_CACHE_SET,
	CBS_CMD_STATS_CLEAR,
	CBS_CMD_EVENT_NTF,
	CBS_CMD_SNAPSHOT_NEW,
	CBS_CMD_SNAPSHOT_DEL,
	CBS_CMD_SNAPSHOT_ROLLBACK,
	CBS_CMD_SNAPSHOT_GET,

	__CBS_CMD_CNT,
	CBS_CMD_MAX = __CBS_CMD_CNT - 1
};

#endif /* _UAPI_LINUX_DM_CBS_H */
