/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-cbs control plane: the actions shared by dmsetup messages and the
 * "cbs" generic netlink family, and the hooks the target calls.
 */
#ifndef _CBS_NETLINK_H
#define _CBS_NETLINK_H

#include "cbs.h"

/* Knob ids: the index in the knob table of target.c. */
enum cbs_knob_id {
	CBS_KNOB_SEQUENTIAL_CUTOFF,
	CBS_KNOB_PROMOTE_THRESHOLD,
	CBS_KNOB_MIGRATION_THRESHOLD,
	CBS_KNOB_DIRTY_LOW,
	CBS_KNOB_DIRTY_HIGH,
	CBS_NR_KNOBS
};

/* A knob change: the knobs in @mask (BIT(id)) get val[id]. */
struct cbs_knob_set {
	unsigned long mask;
	u32 val[CBS_NR_KNOBS];
	bool cleaner;			/* enter cleaner mode too */
};

/*
 * target.c: one function per action. On failure @error names the reason
 * (a dmsetup message logs it, netlink returns it as extack).
 */
int cbs_act_flush(struct cbs_cache *c, const char **error);
int cbs_act_set(struct cbs_cache *c, const struct cbs_knob_set *set,
		const char **error);
void cbs_act_clear_stats(struct cbs_cache *c);

enum cbs_snap_op {
	CBS_SNAP_CREATE,
	CBS_SNAP_DELETE,
	CBS_SNAP_ROLLBACK,
};

int cbs_act_snap(struct cbs_cache *c, enum cbs_snap_op op, const char *name,
		 const char **error);

/* netlink.c */
int cbs_nl_init(void);
void cbs_nl_exit(void);
void cbs_nl_register(struct cbs_cache *c);
void cbs_nl_unregister(struct cbs_cache *c);
void cbs_nl_worker(struct cbs_cache *c);
void cbs_nl_flush_done(struct cbs_cache *c, int err);
void cbs_nl_snap_done(struct cbs_cache *c, enum cbs_snap_op op,
		      const char *name);

#endif /* _CBS_NETLINK_H */
