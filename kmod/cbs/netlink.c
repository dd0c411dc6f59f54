// SPDX-License-Identifier: GPL-2.0
/*
 * dm-cbs generic netlink family "cbs": volume get/dump, cache flush, cache
 * set, stats clear, snapshot new/del/rollback/dump (ROW volumes), and the
 * "events" multicast group. The commands call the same action functions
 * as the dmsetup messages (netlink.h).
 *
 * A volume is a cache object whose table is live (c->ti, set at resume).
 * It is listed on cbs_nl_vols from its first resume until the destructor
 * of its live table, which waits for the commands still using it; a
 * reload keeps the object and its place. Lock order: cbs_nl_lock, then
 * c->ti_lock, then device-mapper's name lock (dm_copy_name_and_uuid).
 * Block devices are global: every network namespace sees every volume.
 */
#include <linux/capability.h>
#include <linux/dm-cbs.h>
#include <linux/kdev_t.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <net/genetlink.h>

#include "cbs.h"
#include "io.h"
#include "netlink.h"
#include "row.h"

#define DM_MSG_PREFIX "cbs"

/* nl_sent bits: states already notified */
#define CBS_NL_CACHE_FAILED	BIT(0)
#define CBS_NL_READ_ONLY	BIT(1)
#define CBS_NL_DIRTY_HIGH	BIT(2)

static LIST_HEAD(cbs_nl_vols);
static DEFINE_MUTEX(cbs_nl_lock);
static DECLARE_WAIT_QUEUE_HEAD(cbs_nl_wait);
static u64 cbs_nl_next_id = 1;
static unsigned int cbs_nl_gen = 1;

static struct genl_family cbs_nl_family __ro_after_init;

/* Who a volume is, copied under c->ti_lock. */
struct cbs_nl_id {
	char name[CBS_NAME_LEN];
	dev_t devt;
	sector_t start;
	sector_t len;
};

static const struct netlink_range_validation cbs_nl_seq_cutoff_range = {
	.min = 0,
	.max = CBS_SEQUENTIAL_CUTOFF_MAX,
};

static const struct netlink_range_validation cbs_nl_migration_range = {
	.min = CBS_MIGRATION_THRESHOLD_MIN,
	.max = CBS_MIGRATION_THRESHOLD_MAX,
};

/* volume-get, cache-flush, stats-clear: the volume only */
static const struct nla_policy cbs_nl_dev_policy[CBS_A_VOLUME_MINOR + 1] = {
	[CBS_A_VOLUME_NAME] = { .type = NLA_NUL_STRING, .len = CBS_NAME_LEN - 1 },
	[CBS_A_VOLUME_MAJOR] = { .type = NLA_U32 },
	[CBS_A_VOLUME_MINOR] = { .type = NLA_U32 },
};

/* cache-set: the volume and the knobs */
static const struct nla_policy cbs_nl_set_policy[CBS_A_VOLUME_DIRTY_HIGH + 1] = {
	[CBS_A_VOLUME_NAME] = { .type = NLA_NUL_STRING, .len = CBS_NAME_LEN - 1 },
	[CBS_A_VOLUME_MAJOR] = { .type = NLA_U32 },
	[CBS_A_VOLUME_MINOR] = { .type = NLA_U32 },
	[CBS_A_VOLUME_CLEANER] = { .type = NLA_FLAG },
	[CBS_A_VOLUME_SEQUENTIAL_CUTOFF] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &cbs_nl_seq_cutoff_range),
	[CBS_A_VOLUME_PROMOTE_THRESHOLD] =
		NLA_POLICY_RANGE(NLA_U32, CBS_PROMOTE_THRESHOLD_MIN,
				 CBS_PROMOTE_THRESHOLD_MAX),
	[CBS_A_VOLUME_MIGRATION_THRESHOLD] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &cbs_nl_migration_range),
	[CBS_A_VOLUME_DIRTY_LOW] = NLA_POLICY_MAX(NLA_U32, CBS_DIRTY_PCT_MAX),
	[CBS_A_VOLUME_DIRTY_HIGH] = NLA_POLICY_MAX(NLA_U32, CBS_DIRTY_PCT_MAX),
};

/* A snapshot name is not empty (the policy bounds its length). */
static int cbs_nl_snap_name_check(const struct nlattr *attr,
				  struct netlink_ext_ack *extack)
{
	if (*(const char *)nla_data(attr))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr, "empty snapshot name");
	return -EINVAL;
}

/* snapshot-new, -del, -rollback: the snapshot, by name (1 to 31 + NUL) */
static const struct nla_policy cbs_nl_snap_name_policy[CBS_A_SNAPSHOT_NAME + 1] = {
	[CBS_A_SNAPSHOT_NAME] = {
		.type = NLA_NUL_STRING,
		.len = CBS_SNAPSHOT_NAME_LEN - 1,
		.validation_type = NLA_VALIDATE_FUNCTION,
		.validate = cbs_nl_snap_name_check,
	},
};

/* snapshot-new, -del, -rollback: the volume and the snapshot */
static const struct nla_policy cbs_nl_snap_policy[CBS_A_VOLUME_SNAPSHOT + 1] = {
	[CBS_A_VOLUME_NAME] = { .type = NLA_NUL_STRING, .len = CBS_NAME_LEN - 1 },
	[CBS_A_VOLUME_MAJOR] = { .type = NLA_U32 },
	[CBS_A_VOLUME_MINOR] = { .type = NLA_U32 },
	[CBS_A_VOLUME_SNAPSHOT] = NLA_POLICY_NESTED(cbs_nl_snap_name_policy),
};

static const struct genl_multicast_group cbs_nl_mcgrps[] = {
	{ .name = CBS_MCGRP_EVENTS },
};

/* ---- registry ------------------------------------------------------- */

/* The table went live (resume): list the volume, or keep its place. */
void cbs_nl_register(struct cbs_cache *c)
{
	mutex_lock(&cbs_nl_lock);
	if (!c->nl_id) {
		c->nl_id = cbs_nl_next_id++;
		list_add_tail(&c->nl_node, &cbs_nl_vols);
	}
	cbs_nl_gen++;
	mutex_unlock(&cbs_nl_lock);
}

/* The live table is destroyed: unlist, wait for the commands using it. */
void cbs_nl_unregister(struct cbs_cache *c)
{
	mutex_lock(&cbs_nl_lock);
	if (c->nl_id) {
		list_del(&c->nl_node);
		c->nl_id = 0;
		cbs_nl_gen++;
	}
	mutex_unlock(&cbs_nl_lock);
	wait_event(cbs_nl_wait, !READ_ONCE(c->nl_users));
}

static void cbs_nl_put(struct cbs_cache *c)
{
	mutex_lock(&cbs_nl_lock);
	c->nl_users--;
	mutex_unlock(&cbs_nl_lock);
	wake_up_all(&cbs_nl_wait);
}

/* Name, device number and place of a live volume; -ENODEV if none. */
static int cbs_nl_ident(struct cbs_cache *c, struct cbs_nl_id *id)
{
	struct mapped_device *md;
	int r = -ENODEV;

	mutex_lock(&c->ti_lock);
	if (c->ti) {
		md = dm_table_get_md(c->ti->table);
		id->devt = disk_devt(dm_disk(md));
		id->start = c->ti->begin;
		id->len = c->ti->len;
		/* -ENXIO once the name is gone (device being removed) */
		r = dm_copy_name_and_uuid(md, id->name, NULL) ? -ENODEV : 0;
	}
	mutex_unlock(&c->ti_lock);
	return r;
}

/*
 * The volume named by NAME and/or MAJOR + MINOR, held (cbs_nl_put) so
 * its live table cannot be destroyed under the command.
 */
static struct cbs_cache *cbs_nl_get_volume(const struct genl_info *info,
					   struct cbs_nl_id *id)
{
	struct nlattr *name = info->attrs[CBS_A_VOLUME_NAME];
	struct nlattr *major = info->attrs[CBS_A_VOLUME_MAJOR];
	struct nlattr *minor = info->attrs[CBS_A_VOLUME_MINOR];
	struct cbs_cache *c, *found = NULL;
	dev_t devt = 0;

	if (!name && !major && !minor) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "missing volume (name, or major and minor)");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, CBS_A_VOLUME_NAME);
		return ERR_PTR(-EINVAL);
	}
	if (!major != !minor) {
		NL_SET_ERR_MSG_ATTR(info->extack, major ?: minor,
				    "major and minor go together");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, major ?
				     CBS_A_VOLUME_MINOR : CBS_A_VOLUME_MAJOR);
		return ERR_PTR(-EINVAL);
	}
	if (major) {
		if (nla_get_u32(major) > MAJOR(~0U) ||
		    nla_get_u32(minor) > MINOR(~0U)) {
			NL_SET_ERR_MSG_ATTR(info->extack, major,
					    "invalid device number");
			return ERR_PTR(-EINVAL);
		}
		devt = MKDEV(nla_get_u32(major), nla_get_u32(minor));
	}

	mutex_lock(&cbs_nl_lock);
	list_for_each_entry(c, &cbs_nl_vols, nl_node) {
		if (cbs_nl_ident(c, id))
			continue;
		if (major && id->devt != devt)
			continue;
		if (name && strcmp(id->name, nla_data(name)))
			continue;
		c->nl_users++;
		found = c;
		break;
	}
	mutex_unlock(&cbs_nl_lock);
	if (!found) {
		if (name && major)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "no cbs volume with this name and device number");
		else
			NL_SET_ERR_MSG_MOD(info->extack, "no such cbs volume");
		NL_SET_BAD_ATTR(info->extack, name ?: major);
		return ERR_PTR(-ENODEV);
	}
	return found;
}

/* ---- messages ------------------------------------------------------- */

static u32 cbs_nl_ratio(u64 hits, u64 misses)
{
	u64 all = hits + misses;

	return all ? div64_u64(hits * 10000, all) : 0;
}

static int cbs_nl_put_flag(struct sk_buff *skb, int type, bool set)
{
	return set ? nla_put_flag(skb, type) : 0;
}

/* The identity, state and counters of a volume (and an event). */
static int cbs_nl_fill_volume(struct sk_buff *skb, struct cbs_cache *c,
			      const struct cbs_nl_id *id, u32 event, int err)
{
	struct cbs_snap st;

	cbs_snapshot(c, &st);

	if ((event && nla_put_u32(skb, CBS_A_VOLUME_EVENT, event)) ||
	    (err && nla_put_u32(skb, CBS_A_VOLUME_ERROR, -err)) ||
	    nla_put_string(skb, CBS_A_VOLUME_NAME, id->name) ||
	    nla_put_u32(skb, CBS_A_VOLUME_MAJOR, MAJOR(id->devt)) ||
	    nla_put_u32(skb, CBS_A_VOLUME_MINOR, MINOR(id->devt)) ||
	    nla_put_uint(skb, CBS_A_VOLUME_START, id->start) ||
	    nla_put_uint(skb, CBS_A_VOLUME_LENGTH, id->len) ||
	    nla_put_u32(skb, CBS_A_VOLUME_MODE, st.cfg.mode) ||
	    cbs_nl_put_flag(skb, CBS_A_VOLUME_CLEANER, st.cfg.cleaner) ||
	    cbs_nl_put_flag(skb, CBS_A_VOLUME_NO_DISCARD_PASSDOWN,
			    !st.cfg.discard_passdown) ||
	    cbs_nl_put_flag(skb, CBS_A_VOLUME_READ_ONLY, st.ro) ||
	    cbs_nl_put_flag(skb, CBS_A_VOLUME_NEEDS_CHECK, st.needs_check) ||
	    cbs_nl_put_flag(skb, CBS_A_VOLUME_CACHE_FAILED, st.cache_failed) ||
	    nla_put_u32(skb, CBS_A_VOLUME_BLOCK_SECTORS, c->block_sectors) ||
	    nla_put_uint(skb, CBS_A_VOLUME_CACHE_BLOCKS, c->nr_cblocks) ||
	    nla_put_uint(skb, CBS_A_VOLUME_CACHE_BLOCKS_USED, st.valid) ||
	    nla_put_uint(skb, CBS_A_VOLUME_DIRTY, st.dirty) ||
	    nla_put_uint(skb, CBS_A_VOLUME_DIRTY_AT_RISK,
			 st.cache_failed ? st.dirty : 0) ||
	    nla_put_uint(skb, CBS_A_VOLUME_METADATA_BLOCKS,
			 bdev_nr_sectors(c->mbdev) / 8) ||
	    nla_put_uint(skb, CBS_A_VOLUME_METADATA_BLOCKS_USED,
			 2 + 2 * (u64)c->mapping_blocks))
		return -EMSGSIZE;
	if (nla_put_uint(skb, CBS_A_VOLUME_READ_HITS, st.s.read_hits) ||
	    nla_put_uint(skb, CBS_A_VOLUME_READ_MISSES, st.s.read_misses) ||
	    nla_put_uint(skb, CBS_A_VOLUME_WRITE_HITS, st.s.write_hits) ||
	    nla_put_uint(skb, CBS_A_VOLUME_WRITE_MISSES, st.s.write_misses) ||
	    nla_put_u32(skb, CBS_A_VOLUME_READ_HIT_RATIO,
			cbs_nl_ratio(st.s.read_hits, st.s.read_misses)) ||
	    nla_put_u32(skb, CBS_A_VOLUME_WRITE_HIT_RATIO,
			cbs_nl_ratio(st.s.write_hits, st.s.write_misses)) ||
	    nla_put_uint(skb, CBS_A_VOLUME_PROMOTIONS, st.s.promotions) ||
	    nla_put_uint(skb, CBS_A_VOLUME_DEMOTIONS, st.s.demotions) ||
	    nla_put_uint(skb, CBS_A_VOLUME_WRITEBACKS, st.s.writebacks) ||
	    nla_put_uint(skb, CBS_A_VOLUME_WRITEBACK_IN_FLIGHT, st.wb) ||
	    nla_put_uint(skb, CBS_A_VOLUME_WRITEBACK_FAILURES, st.wb_failures) ||
	    nla_put_uint(skb, CBS_A_VOLUME_BYPASSED, st.s.bypassed) ||
	    nla_put_uint(skb, CBS_A_VOLUME_CACHE_ERRORS, st.s.cache_errors) ||
	    nla_put_uint(skb, CBS_A_VOLUME_ORIGIN_ERRORS, st.s.origin_errors) ||
	    nla_put_u32(skb, CBS_A_VOLUME_RAM_PER_BLOCK, cbs_ram_per_block(c)) ||
	    nla_put_u32(skb, CBS_A_VOLUME_SEQUENTIAL_CUTOFF,
			st.cfg.sequential_cutoff) ||
	    nla_put_u32(skb, CBS_A_VOLUME_PROMOTE_THRESHOLD,
			st.cfg.promote_threshold) ||
	    nla_put_u32(skb, CBS_A_VOLUME_MIGRATION_THRESHOLD,
			st.cfg.migration_threshold) ||
	    nla_put_u32(skb, CBS_A_VOLUME_DIRTY_LOW, st.cfg.dirty_low) ||
	    nla_put_u32(skb, CBS_A_VOLUME_DIRTY_HIGH, st.cfg.dirty_high))
		return -EMSGSIZE;
	return 0;
}

static int cbs_nl_fill(struct sk_buff *skb, struct cbs_cache *c,
		       const struct cbs_nl_id *id, u32 portid, u32 seq,
		       int flags, struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &cbs_nl_family, flags,
			  CBS_CMD_VOLUME_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (cbs_nl_fill_volume(skb, c, id, 0, 0)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* ---- commands ------------------------------------------------------- */

/* Changes need CAP_SYS_ADMIN, as the device-mapper ioctls do. */
static int cbs_nl_check_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG_MOD(info->extack, "changing a volume needs CAP_SYS_ADMIN");
	return -EPERM;
}

static int cbs_nl_volume_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cbs_nl_id id;
	struct cbs_cache *c;
	struct sk_buff *msg;
	int r;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory");
		return -ENOMEM;
	}
	c = cbs_nl_get_volume(info, &id);
	if (IS_ERR(c)) {
		nlmsg_free(msg);
		return PTR_ERR(c);
	}
	r = cbs_nl_fill(msg, c, &id, info->snd_portid, info->snd_seq, 0, NULL);
	cbs_nl_put(c);
	if (r) {
		NL_SET_ERR_MSG_MOD(info->extack, "reply too large");
		nlmsg_free(msg);
		return r;
	}
	return genlmsg_reply(msg, info);
}

/* Dump: cb->args[0] is the cursor (next volume id), cb->seq the generation. */
static int cbs_nl_volume_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct cbs_nl_id id;
	struct cbs_cache *c;
	int r = 0;

	mutex_lock(&cbs_nl_lock);
	cb->seq = cbs_nl_gen;
	list_for_each_entry(c, &cbs_nl_vols, nl_node) {
		if (c->nl_id < cb->args[0] || cbs_nl_ident(c, &id))
			continue;
		r = cbs_nl_fill(skb, c, &id, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (r)
			break;
		cb->args[0] = c->nl_id + 1;
	}
	mutex_unlock(&cbs_nl_lock);
	/* a volume that does not fit an empty message cannot be dumped */
	if (r && !skb->len)
		return r;
	return skb->len;
}

static int cbs_nl_cache_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	const char *error = NULL;
	struct cbs_nl_id id;
	struct cbs_cache *c;
	int r;

	r = cbs_nl_check_admin(skb, info);
	if (r)
		return r;
	c = cbs_nl_get_volume(info, &id);
	if (IS_ERR(c))
		return PTR_ERR(c);
	r = cbs_act_flush(c, &error);
	cbs_nl_put(c);
	if (r == -ERESTARTSYS)
		r = -EINTR;
	if (r)
		NL_SET_ERR_MSG_FMT_MOD(info->extack, "%s", error ?: "flush failed");
	return r;
}

static const u16 cbs_nl_knob_attrs[CBS_NR_KNOBS] = {
	[CBS_KNOB_SEQUENTIAL_CUTOFF] = CBS_A_VOLUME_SEQUENTIAL_CUTOFF,
	[CBS_KNOB_PROMOTE_THRESHOLD] = CBS_A_VOLUME_PROMOTE_THRESHOLD,
	[CBS_KNOB_MIGRATION_THRESHOLD] = CBS_A_VOLUME_MIGRATION_THRESHOLD,
	[CBS_KNOB_DIRTY_LOW] = CBS_A_VOLUME_DIRTY_LOW,
	[CBS_KNOB_DIRTY_HIGH] = CBS_A_VOLUME_DIRTY_HIGH,
};

static int cbs_nl_cache_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cbs_knob_set set = {};
	const char *error = NULL;
	struct cbs_nl_id id;
	struct cbs_cache *c;
	struct nlattr *a;
	unsigned int k;
	int r;

	r = cbs_nl_check_admin(skb, info);
	if (r)
		return r;
	for (k = 0; k < CBS_NR_KNOBS; k++) {
		a = info->attrs[cbs_nl_knob_attrs[k]];
		if (!a)
			continue;
		set.mask |= BIT(k);
		set.val[k] = nla_get_u32(a);
	}
	set.cleaner = nla_get_flag(info->attrs[CBS_A_VOLUME_CLEANER]);
	if (!set.mask && !set.cleaner) {
		NL_SET_ERR_MSG_MOD(info->extack, "no knob to change");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL,
				     CBS_A_VOLUME_SEQUENTIAL_CUTOFF);
		return -EINVAL;
	}
	c = cbs_nl_get_volume(info, &id);
	if (IS_ERR(c))
		return PTR_ERR(c);
	r = cbs_act_set(c, &set, &error);
	cbs_nl_put(c);
	if (r)
		NL_SET_ERR_MSG_FMT_MOD(info->extack, "%s",
				       error ?: "cannot change the knobs");
	return r;
}

static int cbs_nl_stats_clear_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cbs_nl_id id;
	struct cbs_cache *c;
	int r;

	r = cbs_nl_check_admin(skb, info);
	if (r)
		return r;
	c = cbs_nl_get_volume(info, &id);
	if (IS_ERR(c))
		return PTR_ERR(c);
	cbs_act_clear_stats(c);
	cbs_nl_put(c);
	return 0;
}

/* ---- snapshots (ROW volumes) ------------------------------------------ */

/* A snapshot nested in a volume message; @s->id 0: only the name is known. */
static int cbs_nl_put_snap(struct sk_buff *skb,
			   const struct cbs_row_snap_info *s)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, CBS_A_VOLUME_SNAPSHOT);
	if (!nest)
		return -EMSGSIZE;
	if ((s->id && nla_put_uint(skb, CBS_A_SNAPSHOT_ID, s->id)) ||
	    nla_put_string(skb, CBS_A_SNAPSHOT_NAME, s->name) ||
	    (s->id && (nla_put_uint(skb, CBS_A_SNAPSHOT_CTIME, s->ctime) ||
		       nla_put_u32(skb, CBS_A_SNAPSHOT_CREATION_TIME,
				   s->creation_time) ||
		       nla_put_uint(skb, CBS_A_SNAPSHOT_MAPPED_BLOCKS,
				    s->mapped_blocks))) ||
	    (s->id && s->has_space &&
	     (nla_put_uint(skb, CBS_A_SNAPSHOT_EXCLUSIVE_BLOCKS,
			   s->exclusive_blocks) ||
	      nla_put_uint(skb, CBS_A_SNAPSHOT_SHARED_BLOCKS,
			   s->mapped_blocks - s->exclusive_blocks)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int cbs_nl_snap_doit(struct sk_buff *skb, struct genl_info *info,
			    enum cbs_snap_op op)
{
	struct nlattr *nest = info->attrs[CBS_A_VOLUME_SNAPSHOT];
	struct nlattr *tb[CBS_A_SNAPSHOT_NAME + 1];
	const char *error = NULL;
	struct cbs_nl_id id;
	struct cbs_cache *c;
	int r;

	r = cbs_nl_check_admin(skb, info);
	if (r)
		return r;
	if (GENL_REQ_ATTR_CHECK(info, CBS_A_VOLUME_SNAPSHOT)) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing snapshot");
		return -EINVAL;
	}
	r = nla_parse_nested(tb, CBS_A_SNAPSHOT_NAME, nest,
			     cbs_nl_snap_name_policy, info->extack);
	if (r)
		return r;
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, CBS_A_SNAPSHOT_NAME)) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing snapshot name");
		return -EINVAL;
	}
	c = cbs_nl_get_volume(info, &id);
	if (IS_ERR(c))
		return PTR_ERR(c);
	r = cbs_act_snap(c, op, nla_data(tb[CBS_A_SNAPSHOT_NAME]), &error);
	cbs_nl_put(c);
	if (r == -ERESTARTSYS)
		r = -EINTR;
	if (r) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack, "%s",
				       error ?: "snapshot operation failed");
		/* the name was bad, taken or unknown */
		if (r == -EINVAL || r == -EEXIST || r == -ENOENT)
			NL_SET_BAD_ATTR(info->extack, tb[CBS_A_SNAPSHOT_NAME]);
	}
	return r;
}

static int cbs_nl_snapshot_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	return cbs_nl_snap_doit(skb, info, CBS_SNAP_CREATE);
}

static int cbs_nl_snapshot_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return cbs_nl_snap_doit(skb, info, CBS_SNAP_DELETE);
}

static int cbs_nl_snapshot_rollback_doit(struct sk_buff *skb,
					 struct genl_info *info)
{
	return cbs_nl_snap_doit(skb, info, CBS_SNAP_ROLLBACK);
}

struct cbs_nl_snap_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const struct cbs_nl_id *id;
	u64 gen;
};

/* The dump's generation: nonzero, moves with the set of snapshots. */
static unsigned int cbs_nl_snap_seq(u64 gen)
{
	return lower_32_bits(gen + 1) ?: 1;
}

static int cbs_nl_snap_dump_one(void *ctx, const struct cbs_row_snap_info *s)
{
	struct cbs_nl_snap_dump *d = ctx;
	struct netlink_callback *cb = d->cb;
	void *hdr;

	cb->seq = cbs_nl_snap_seq(d->gen);
	hdr = genlmsg_put(d->skb, NETLINK_CB(cb->skb).portid,
			  cb->nlh->nlmsg_seq, &cbs_nl_family, NLM_F_MULTI,
			  CBS_CMD_SNAPSHOT_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_string(d->skb, CBS_A_VOLUME_NAME, d->id->name) ||
	    nla_put_u32(d->skb, CBS_A_VOLUME_MAJOR, MAJOR(d->id->devt)) ||
	    nla_put_u32(d->skb, CBS_A_VOLUME_MINOR, MINOR(d->id->devt)) ||
	    cbs_nl_put_snap(d->skb, s)) {
		genlmsg_cancel(d->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(d->skb, hdr);
	cb->args[0] = s->id + 1;
	return 0;
}

/*
 * Dump the snapshots of one volume, in id order: cb->args[0] is the
 * cursor (next snapshot id), cb->args[1] the volume's registry id (a
 * volume replaced under the same name ends the dump), cb->seq the
 * generation of the volume's set of snapshots.
 */
static int cbs_nl_snapshot_get_dumpit(struct sk_buff *skb,
				      struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct cbs_nl_snap_dump d = { .skb = skb, .cb = cb };
	struct cbs_nl_id id;
	struct cbs_cache *c;
	u64 nl_id;
	int r;

	c = cbs_nl_get_volume(info, &id);
	if (IS_ERR(c))
		return PTR_ERR(c);
	d.id = &id;
	nl_id = READ_ONCE(c->nl_id);
	if (!c->row) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "not a ROW volume (table feature row)");
		r = -EOPNOTSUPP;
		goto out;
	}
	if (cb->args[1] && cb->args[1] != nl_id) {
		NL_SET_ERR_MSG_MOD(info->extack, "volume replaced during the dump");
		r = -ENODEV;
		goto out;
	}
	cb->args[1] = nl_id;
	r = cbs_row_snap_iter(c, cb->args[0], &d.gen, true,
			      cbs_nl_snap_dump_one, &d);
	cb->seq = cbs_nl_snap_seq(d.gen);
	/* a snapshot that does not fit an empty message cannot be dumped */
	if (r == -EMSGSIZE && skb->len)
		r = 0;
	else if (r && r != -EMSGSIZE)
		NL_SET_ERR_MSG_MOD(info->extack, "cannot read the snapshot list");
out:
	cbs_nl_put(c);
	return r ?: skb->len;
}

static const struct genl_split_ops cbs_nl_ops[] = {
	{
		.cmd = CBS_CMD_VOLUME_GET,
		.doit = cbs_nl_volume_get_doit,
		.policy = cbs_nl_dev_policy,
		.maxattr = CBS_A_VOLUME_MINOR,
		.flags = GENL_CMD_CAP_DO,
	},
	{
		.cmd = CBS_CMD_VOLUME_GET,
		.dumpit = cbs_nl_volume_get_dumpit,
		.flags = GENL_CMD_CAP_DUMP,
	},
	{
		.cmd = CBS_CMD_CACHE_FLUSH,
		.doit = cbs_nl_cache_flush_doit,
		.policy = cbs_nl_dev_policy,
		.maxattr = CBS_A_VOLUME_MINOR,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = CBS_CMD_CACHE_SET,
		.doit = cbs_nl_cache_set_doit,
		.policy = cbs_nl_set_policy,
		.maxattr = CBS_A_VOLUME_DIRTY_HIGH,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = CBS_CMD_STATS_CLEAR,
		.doit = cbs_nl_stats_clear_doit,
		.policy = cbs_nl_dev_policy,
		.maxattr = CBS_A_VOLUME_MINOR,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = CBS_CMD_SNAPSHOT_NEW,
		.doit = cbs_nl_snapshot_new_doit,
		.policy = cbs_nl_snap_policy,
		.maxattr = CBS_A_VOLUME_SNAPSHOT,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = CBS_CMD_SNAPSHOT_DEL,
		.doit = cbs_nl_snapshot_del_doit,
		.policy = cbs_nl_snap_policy,
		.maxattr = CBS_A_VOLUME_SNAPSHOT,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = CBS_CMD_SNAPSHOT_ROLLBACK,
		.doit = cbs_nl_snapshot_rollback_doit,
		.policy = cbs_nl_snap_policy,
		.maxattr = CBS_A_VOLUME_SNAPSHOT,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = CBS_CMD_SNAPSHOT_GET,
		.dumpit = cbs_nl_snapshot_get_dumpit,
		.policy = cbs_nl_dev_policy,
		.maxattr = CBS_A_VOLUME_MINOR,
		.flags = GENL_CMD_CAP_DUMP,
	},
};

static struct genl_family cbs_nl_family __ro_after_init = {
	.name = CBS_FAMILY_NAME,
	.version = CBS_FAMILY_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.split_ops = cbs_nl_ops,
	.n_split_ops = ARRAY_SIZE(cbs_nl_ops),
	.mcgrps = cbs_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(cbs_nl_mcgrps),
};

/* ---- events --------------------------------------------------------- */

/*
 * Notify every namespace (block devices are global), with @snap nested
 * if set. May sleep.
 */
static void cbs_nl_notify(struct cbs_cache *c, u32 event, int err,
			  const struct cbs_row_snap_info *snap, gfp_t gfp)
{
	struct cbs_nl_id id;
	struct sk_buff *msg;
	void *hdr;

	if (cbs_nl_ident(c, &id))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &cbs_nl_family, 0, CBS_CMD_EVENT_NTF);
	if (!hdr || cbs_nl_fill_volume(msg, c, &id, event, err) ||
	    (snap && cbs_nl_put_snap(msg, snap))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_allns(&cbs_nl_family, msg, 0, 0);
}

static void cbs_nl_event(struct cbs_cache *c, u32 event, int err, gfp_t gfp)
{
	cbs_nl_notify(c, event, err, NULL, gfp);
}

/*
 * From the worker (process context, on the I/O path: GFP_NOIO): notify
 * the state changes since the last run. The cache failed and read-only
 * events fire once per occurrence (cleared by clear_stats and a new
 * cache object respectively); the dirty events have hysteresis: above
 * dirty_high, then back at or below dirty_low.
 */
void cbs_nl_worker(struct cbs_cache *c)
{
	u8 now = 0, sent = c->nl_sent;
	u32 dirty, low, high;

	spin_lock_irq(&c->lock);
	if (c->cache_failed)
		now |= CBS_NL_CACHE_FAILED;
	if (c->ro)
		now |= CBS_NL_READ_ONLY;
	dirty = c->nr_dirty;
	low = div_u64((u64)c->nr_cblocks * c->cfg.dirty_low, 100);
	high = div_u64((u64)c->nr_cblocks * c->cfg.dirty_high, 100);
	spin_unlock_irq(&c->lock);
	if (dirty > ((sent & CBS_NL_DIRTY_HIGH) ? low : high))
		now |= CBS_NL_DIRTY_HIGH;
	if (now == sent)
		return;
	c->nl_sent = now;
	if (now & ~sent & CBS_NL_CACHE_FAILED)
		cbs_nl_event(c, CBS_EVENT_CACHE_FAILED, 0, GFP_NOIO);
	if (now & ~sent & CBS_NL_READ_ONLY)
		cbs_nl_event(c, CBS_EVENT_READ_ONLY, 0, GFP_NOIO);
	if (now & ~sent & CBS_NL_DIRTY_HIGH)
		cbs_nl_event(c, CBS_EVENT_DIRTY_HIGH, 0, GFP_NOIO);
	if (sent & ~now & CBS_NL_DIRTY_HIGH)
		cbs_nl_event(c, CBS_EVENT_DIRTY_LOW, 0, GFP_NOIO);
}

/* A flush (message or netlink) ended with @err. */
void cbs_nl_flush_done(struct cbs_cache *c, int err)
{
	cbs_nl_event(c, CBS_EVENT_FLUSH_DONE, err == -ERESTARTSYS ? -EINTR : err,
		     GFP_KERNEL);
}

static int cbs_nl_snap_find(void *ctx, const struct cbs_row_snap_info *s)
{
	struct cbs_row_snap_info *want = ctx;

	if (strcmp(s->name, want->name))
		return 0;
	*want = *s;
	return 1;
}

/*
 * A snapshot operation (message or command) of @c succeeded; called under
 * c->row_snap_lock, so the events follow the operations' order. The
 * volume may be suspended (rollback): no allocation may wait for its I/O.
 */
void cbs_nl_snap_done(struct cbs_cache *c, enum cbs_snap_op op,
		      const char *name)
{
	static const u32 events[] = {
		[CBS_SNAP_CREATE] = CBS_EVENT_SNAPSHOT_CREATED,
		[CBS_SNAP_DELETE] = CBS_EVENT_SNAPSHOT_DELETED,
		[CBS_SNAP_ROLLBACK] = CBS_EVENT_SNAPSHOT_ROLLED_BACK,
	};
	struct cbs_row_snap_info s = {};

	if (op >= ARRAY_SIZE(events))
		return;
	strscpy(s.name, name, sizeof(s.name));
	/* the snapshot's details, unless it is gone; only the name if not found */
	if (op != CBS_SNAP_DELETE &&
	    cbs_row_snap_iter(c, 1, NULL, false, cbs_nl_snap_find, &s) != 1)
		s.id = 0;
	cbs_nl_notify(c, events[op], 0, &s, GFP_NOIO);
}

int cbs_nl_init(void)
{
	BUILD_BUG_ON(CBS_SNAPSHOT_NAME_LEN != CBS_ROW_NAME_LEN);
	BUILD_BUG_ON((int)CBS_MODE_WRITEBACK != (int)CBS_WRITEBACK);
	BUILD_BUG_ON((int)CBS_MODE_WRITETHROUGH != (int)CBS_WRITETHROUGH);
	BUILD_BUG_ON((int)CBS_MODE_PASSTHROUGH != (int)CBS_PASSTHROUGH);
	return genl_register_family(&cbs_nl_family);
}

void cbs_nl_exit(void)
{
	genl_unregister_family(&cbs_nl_family);
}

MODULE_ALIAS_GENL_FAMILY(CBS_FAMILY_NAME);
