// SPDX-License-Identifier: GPL-2.0
/*
 * dm-cbs: SSD cache target ("cbs"). Constructor, status, messages and the
 * registry of cache objects (one per metadata device). The user contract
 * is Documentation/cbs.rst.
 */
#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/dm-cbs.h>

#include "cbs.h"
#include "io.h"
#include "netlink.h"
#include "row.h"

#define DM_MSG_PREFIX "cbs"

static LIST_HEAD(cbs_caches);
static DEFINE_MUTEX(cbs_caches_lock);

struct cbs_knob {
	const char *name;
	size_t offset;
	u32 min, max;
	char *error;
};

/* The ranges are the netlink policy's too (linux/dm-cbs.h). */
static const struct cbs_knob cbs_knobs[CBS_NR_KNOBS] = {
	[CBS_KNOB_SEQUENTIAL_CUTOFF] = {
		"sequential_cutoff", offsetof(struct cbs_cfg, sequential_cutoff),
		0, CBS_SEQUENTIAL_CUTOFF_MAX, "Invalid sequential_cutoff" },
	[CBS_KNOB_PROMOTE_THRESHOLD] = {
		"promote_threshold", offsetof(struct cbs_cfg, promote_threshold),
		CBS_PROMOTE_THRESHOLD_MIN, CBS_PROMOTE_THRESHOLD_MAX,
		"Invalid promote_threshold" },
	[CBS_KNOB_MIGRATION_THRESHOLD] = {
		"migration_threshold", offsetof(struct cbs_cfg, migration_threshold),
		CBS_MIGRATION_THRESHOLD_MIN, CBS_MIGRATION_THRESHOLD_MAX,
		"Invalid migration_threshold" },
	[CBS_KNOB_DIRTY_LOW] = {
		"dirty_low", offsetof(struct cbs_cfg, dirty_low),
		0, CBS_DIRTY_PCT_MAX, "Invalid dirty_low" },
	[CBS_KNOB_DIRTY_HIGH] = {
		"dirty_high", offsetof(struct cbs_cfg, dirty_high),
		0, CBS_DIRTY_PCT_MAX, "Invalid dirty_high" },
};

static const char * const cbs_mode_names[] = {
	[CBS_WRITEBACK] = "writeback",
	[CBS_WRITETHROUGH] = "writethrough",
	[CBS_PASSTHROUGH] = "passthrough",
};

static const struct cbs_knob *cbs_find_knob(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cbs_knobs); i++)
		if (!strcasecmp(name, cbs_knobs[i].name))
			return &cbs_knobs[i];
	return NULL;
}

static int cbs_set_knob(struct cbs_cfg *cfg, const struct cbs_knob *k,
			const char *value, char **error)
{
	unsigned int v;
	char dummy;

	if (sscanf(value, "%u%c", &v, &dummy) != 1 || v < k->min || v > k->max) {
		*error = k->error;
		return -EINVAL;
	}
	*(u32 *)((u8 *)cfg + k->offset) = v;
	return 0;
}

static void cbs_default_cfg(struct cbs_cfg *cfg)
{
	cfg->mode = CBS_WRITEBACK;
	cfg->cleaner = false;
	cfg->discard_passdown = true;
	cfg->sequential_cutoff = 4096;
	cfg->promote_threshold = 2;
	cfg->migration_threshold = 2048;
	cfg->dirty_low = 10;
	cfg->dirty_high = 50;
}

/* Features: io mode, flags and knobs (a knob and its value are two words). */
static int cbs_parse_features(struct cbs_c *cc, struct dm_arg_set *as,
			      char **error)
{
	static const struct dm_arg _args[] = {
		{ 0, 32, "Invalid number of feature args" },
	};
	unsigned long seen = 0;
	const struct cbs_knob *k;
	bool mode_set = false;
	unsigned int argc, i;
	const char *arg;
	int r;

	r = dm_read_arg_group(_args, as, &argc, error);
	if (r)
		return r;
	cc->nr_words = argc;
	while (argc--) {
		arg = dm_shift_arg(as);
		for (i = 0; i < ARRAY_SIZE(cbs_mode_names); i++)
			if (!strcasecmp(arg, cbs_mode_names[i]))
				break;
		if (i < ARRAY_SIZE(cbs_mode_names)) {
			if (mode_set) {
				*error = "Duplicate io mode";
				return -EINVAL;
			}
			mode_set = true;
			cc->cfg.mode = i;
			continue;
		}
		if (!strcasecmp(arg, "no_discard_passdown")) {
			if (!cc->cfg.discard_passdown) {
				*error = "Duplicate no_discard_passdown";
				return -EINVAL;
			}
			cc->cfg.discard_passdown = false;
			continue;
		}
		if (!strcasecmp(arg, "row")) {
			if (cc->row) {
				*error = "Duplicate row";
				return -EINVAL;
			}
			cc->row = true;
			continue;
		}
		if (!strcasecmp(arg, "cleaner")) {
			if (cc->cfg.cleaner) {
				*error = "Duplicate cleaner";
				return -EINVAL;
			}
			cc->cfg.cleaner = true;
			continue;
		}
		k = cbs_find_knob(arg);
		if (!k) {
			*error = "Unknown feature argument";
			return -EINVAL;
		}
		if (test_and_set_bit(k - cbs_knobs, &seen)) {
			*error = "Duplicate feature argument";
			return -EINVAL;
		}
		if (!argc) {
			*error = "Missing value for a feature argument";
			return -EINVAL;
		}
		argc--;
		r = cbs_set_knob(&cc->cfg, k, dm_shift_arg(as), error);
		if (r)
			return r;
	}
	if (cc->cfg.dirty_low > cc->cfg.dirty_high) {
		*error = "dirty_low above dirty_high";
		return -EINVAL;
	}
	return 0;
}

static char *cbs_join(unsigned int argc, char **argv)
{
	size_t len = 1;
	unsigned int i;
	char *s;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = kzalloc(len, GFP_KERNEL);
	if (!s)
		return NULL;
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int cbs_get_dev(struct dm_target *ti, const char *path,
		       struct dm_dev **dev, char *error)
{
	int r = dm_get_device(ti, path, dm_table_get_mode(ti->table), dev);

	if (r)
		ti->error = error;
	return r;
}

static struct cbs_cache *cbs_cache_create(struct cbs_c *cc, char **error)
{
	struct cbs_cache *c;
	int r = -ENOMEM;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		*error = "Cannot allocate the cache object";
		return ERR_PTR(-ENOMEM);
	}
	c->refs = 1;
	c->mdev = cc->mdev->bdev->bd_dev;
	c->cdev = cc->cdev->bdev->bd_dev;
	c->odev = cc->odev->bdev->bd_dev;
	c->mbdev = cc->mdev->bdev;
	c->cbdev = cc->cdev->bdev;
	c->obdev = cc->odev->bdev;
	c->block_sectors = cc->block_sectors;
	c->block_shift = __ffs(cc->block_sectors);
	c->nr_cblocks = bdev_nr_sectors(c->cbdev) >> c->block_shift;
	c->row_wanted = cc->row;
	if (cc->row) {
		/* the origin holds data blocks; the volume is the table */
		c->nr_oblocks = bdev_nr_sectors(c->obdev) >> c->block_shift;
		c->nr_lblocks = cc->ti->len >> c->block_shift;
	} else {
		c->nr_oblocks = cc->ti->len >> c->block_shift;
	}
	c->mapping_blocks = cbs_md_blocks_needed(c->nr_cblocks);
	c->cfg = cc->cfg;
	c->suspended = true;
	spin_lock_init(&c->lock);
	mutex_init(&c->commit_lock);
	mutex_init(&c->ti_lock);
	mutex_init(&c->row_snap_lock);
	xa_init(&c->row_active);
	init_waitqueue_head(&c->wait);
	INIT_WORK(&c->worker, cbs_worker);
	INIT_DELAYED_WORK(&c->waker, cbs_waker);
	INIT_WORK(&c->row_work, cbs_row_work);
	bio_list_init(&c->deferred);
	bio_list_init(&c->after_commit);
	bio_list_init(&c->end_after_commit);
	bio_list_init(&c->retry_origin);

	if (bioset_init(&c->bs, BIO_POOL_SIZE, 0, 0)) {
		*error = "Cannot allocate the bio set";
		goto out_free;
	}
	c->wq = alloc_ordered_workqueue("dm-cbs", WQ_MEM_RECLAIM);
	if (!c->wq) {
		*error = "Cannot allocate the workqueue";
		goto out_bioset;
	}
	if (cc->row) {
		/* provisions end here while a commit waits for them */
		c->row_wq = alloc_ordered_workqueue("dm-cbs-row", WQ_MEM_RECLAIM);
		if (!c->row_wq) {
			*error = "Cannot allocate the workqueue";
			goto out_wq;
		}
	}
	c->kc = dm_kcopyd_client_create(NULL);
	if (IS_ERR(c->kc)) {
		r = PTR_ERR(c->kc);
		*error = "Cannot create the kcopyd client";
		goto out_wq;
	}
	r = cbs_policy_alloc(c);
	if (r) {
		*error = "Cannot allocate the policy";
		goto out_kc;
	}
	r = cbs_md_open(c, error);
	if (r)
		goto out_md;
	return c;

out_md:
	cbs_md_close(c);
	cbs_policy_free(c);
out_kc:
	dm_kcopyd_client_destroy(c->kc);
out_wq:
	if (c->row_wq)
		destroy_workqueue(c->row_wq);
	destroy_workqueue(c->wq);
out_bioset:
	bioset_exit(&c->bs);
out_free:
	kfree(c);
	return ERR_PTR(r);
}

static void cbs_quiesce(struct cbs_cache *c)
{
	cancel_delayed_work_sync(&c->waker);
	while (wait_event_timeout(c->wait, !READ_ONCE(c->mig_sectors), HZ / 10) == 0)
		cbs_kick(c);
	flush_workqueue(c->wq);
	if (c->row_wq)
		flush_workqueue(c->row_wq);
}

static void cbs_cache_destroy(struct cbs_cache *c)
{
	spin_lock_irq(&c->lock);
	c->suspended = true;
	spin_unlock_irq(&c->lock);
	cbs_quiesce(c);
	if (!c->ro)
		cbs_md_commit(c, true);
	cbs_md_close(c);
	cbs_policy_free(c);
	dm_kcopyd_client_destroy(c->kc);
	if (c->row_wq)
		destroy_workqueue(c->row_wq);
	destroy_workqueue(c->wq);
	bioset_exit(&c->bs);
	xa_destroy(&c->row_active);
	kfree(c);
}

void cbs_cache_put(struct cbs_cache *c)
{
	mutex_lock(&cbs_caches_lock);
	if (--c->refs) {
		mutex_unlock(&cbs_caches_lock);
		return;
	}
	list_del(&c->node);
	mutex_unlock(&cbs_caches_lock);
	cbs_cache_destroy(c);
}

/* Attach to the metadata device's cache object, creating it on first use. */
static int cbs_cache_get(struct cbs_c *cc, char **error)
{
	dev_t mdev = cc->mdev->bdev->bd_dev;
	struct cbs_cache *c;
	int r = 0;

	mutex_lock(&cbs_caches_lock);
	list_for_each_entry(c, &cbs_caches, node) {
		if (c->mdev != mdev)
			continue;
		if (c->cdev != cc->cdev->bdev->bd_dev ||
		    c->odev != cc->odev->bdev->bd_dev ||
		    c->block_sectors != cc->block_sectors) {
			*error = "Metadata device in use with other devices or block size";
			r = -EBUSY;
		} else if (c->row_wanted != cc->row) {
			*error = "Metadata device in use with another row setting";
			r = -EBUSY;
		} else if (c->row_wanted && cc->ti->len >> c->block_shift != c->nr_lblocks) {
			*error = "Cannot resize a ROW volume";
			r = -EINVAL;
		} else if (!c->row_wanted &&
			   cbs_resize_origin(c, cc->ti->len >> c->block_shift, false)) {
			/* checked again at resume, when it takes effect */
			*error = "Cannot shrink the origin below a dirty cache block: flush first";
			r = -EINVAL;
		} else {
			c->refs++;
			cc->cache = c;
		}
		goto out_unlock;
	}
	c = cbs_cache_create(cc, error);
	if (IS_ERR(c)) {
		r = PTR_ERR(c);
		goto out_unlock;
	}
	list_add(&c->node, &cbs_caches);
	cc->cache = c;
out_unlock:
	mutex_unlock(&cbs_caches_lock);
	return r;
}

/* The ROW volume's cache object on metadata device @mdev, referenced. */
struct cbs_cache *cbs_cache_get_row(dev_t mdev)
{
	struct cbs_cache *c;

	mutex_lock(&cbs_caches_lock);
	list_for_each_entry(c, &cbs_caches, node) {
		if (c->mdev == mdev && c->row) {
			c->refs++;
			mutex_unlock(&cbs_caches_lock);
			return c;
		}
	}
	mutex_unlock(&cbs_caches_lock);
	return NULL;
}

static int cbs_check_sizes(struct cbs_c *cc, char **error)
{
	sector_t csize = bdev_nr_sectors(cc->cdev->bdev);
	sector_t osize = bdev_nr_sectors(cc->odev->bdev);
	sector_t bs = cc->block_sectors;
	u64 ncb = csize / bs;

	if (!cc->row && osize < cc->ti->len) {
		*error = "Origin device is smaller than the target";
		return -EINVAL;
	}
	if (cc->row && (osize < bs || cc->ti->len % bs ||
			cc->ti->len / bs > CBS_ROW_MAX_LBLOCKS)) {
		*error = cc->ti->len % bs ? "ROW volume length not a multiple of the block size" :
			 "Invalid ROW volume or data device size";
		return -EINVAL;
	}
	if (!ncb) {
		*error = "Cache device too small";
		return -EINVAL;
	}
	if (ncb >= CBS_CORE_MAX_CBLOCKS) {
		*error = "Cache device too large for this block size";
		return -EINVAL;
	}
	if ((cc->row ? osize : cc->ti->len) / bs >= CBS_NONE) {
		*error = "Origin device too large for this block size";
		return -EINVAL;
	}
	if (bdev_nr_sectors(cc->mdev->bdev) <
	    (2 + 2 * (sector_t)cbs_md_blocks_needed(ncb)) * 8) {
		*error = "Metadata device too small";
		return -EINVAL;
	}
	return 0;
}

static void cbs_put_devs(struct cbs_c *cc)
{
	if (cc->mdev)
		dm_put_device(cc->ti, cc->mdev);
	if (cc->cdev)
		dm_put_device(cc->ti, cc->cdev);
	if (cc->odev)
		dm_put_device(cc->ti, cc->odev);
}

/*
 * Construct a cache device:
 *   cbs <metadata dev> <cache dev> <origin dev> <block size>
 *       <#feature args> [<feature arg>]*
 */
static int cbs_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dm_arg_set as;
	struct cbs_c *cc;
	char dummy;
	int r;

	if (argc < 5) {
		ti->error = "Invalid argument count";
		return -EINVAL;
	}
	cc = kzalloc(sizeof(*cc), GFP_KERNEL);
	if (!cc) {
		ti->error = "Cannot allocate the target context";
		return -ENOMEM;
	}
	cc->ti = ti;
	ti->private = cc;
	cbs_default_cfg(&cc->cfg);

	r = cbs_get_dev(ti, argv[0], &cc->mdev, "Error opening metadata device");
	if (!r)
		r = cbs_get_dev(ti, argv[1], &cc->cdev, "Error opening cache device");
	if (!r)
		r = cbs_get_dev(ti, argv[2], &cc->odev, "Error opening origin device");
	if (r)
		goto out_devs;
	if (cc->mdev->bdev == cc->cdev->bdev || cc->mdev->bdev == cc->odev->bdev ||
	    cc->cdev->bdev == cc->odev->bdev) {
		ti->error = "Metadata, cache and origin must be different devices";
		r = -EINVAL;
		goto out_devs;
	}
	if (sscanf(argv[3], "%u%c", &cc->block_sectors, &dummy) != 1 ||
	    cc->block_sectors < CBS_MIN_BLOCK_SECTORS ||
	    cc->block_sectors > CBS_MAX_BLOCK_SECTORS ||
	    !is_power_of_2(cc->block_sectors)) {
		ti->error = "Invalid block size";
		r = -EINVAL;
		goto out_devs;
	}
	as.argc = argc - 4;
	as.argv = argv + 4;
	r = cbs_parse_features(cc, &as, &ti->error);
	if (r)
		goto out_devs;
	if (as.argc) {
		ti->error = "Too many arguments";
		r = -EINVAL;
		goto out_devs;
	}
	cc->words = cbs_join(cc->nr_words, argv + 5);
	if (!cc->words) {
		ti->error = "Cannot allocate the table copy";
		r = -ENOMEM;
		goto out_devs;
	}
	r = cbs_check_sizes(cc, &ti->error);
	if (r)
		goto out_words;
	r = cbs_cache_get(cc, &ti->error);
	if (r)
		goto out_words;
	if (cc->cfg.mode == CBS_PASSTHROUGH && READ_ONCE(cc->cache->nr_dirty)) {
		ti->error = "Cannot enter passthrough mode with dirty blocks";
		r = -EINVAL;
		goto out_put;
	}
	r = dm_set_target_max_io_len(ti, cc->block_sectors);
	if (r)
		goto out_put;
	/* FLUSH commits metadata even over devices without a write cache */
	ti->flush_supported = true;
	ti->num_flush_bios = 1;
	ti->num_discard_bios = 1;
	ti->discards_supported = true;
	ti->per_io_data_size = sizeof(struct cbs_pb);
	return 0;

out_put:
	cbs_cache_put(cc->cache);
out_words:
	kfree(cc->words);
out_devs:
	cbs_put_devs(cc);
	kfree(cc);
	return r;
}

static void cbs_dtr(struct dm_target *ti)
{
	struct cbs_c *cc = ti->private;
	struct cbs_cache *c = cc->cache;
	bool live;

	mutex_lock(&c->ti_lock);
	live = c->ti == ti;
	if (live)
		c->ti = NULL;
	mutex_unlock(&c->ti_lock);
	if (live)
		cbs_nl_unregister(c);
	cbs_cache_put(c);
	kfree(cc->words);
	cbs_put_devs(cc);
	kfree(cc);
}

static void cbs_postsuspend(struct dm_target *ti)
{
	struct cbs_c *cc = ti->private;
	struct cbs_cache *c = cc->cache;

	spin_lock_irq(&c->lock);
	c->suspended = true;
	spin_unlock_irq(&c->lock);
	cbs_quiesce(c);
	if (c->ro)
		return;
	/* cleaner: suspending is how a cache is detached (see "Writeback") */
	if (READ_ONCE(c->cfg.cleaner))
		cbs_drop_clean(c);
	cbs_md_commit(c, true);
}

static int cbs_preresume(struct dm_target *ti)
{
	struct cbs_c *cc = ti->private;
	struct cbs_cache *c = cc->cache;
	int r;

	if (cc->cfg.mode == CBS_PASSTHROUGH && READ_ONCE(c->nr_dirty)) {
		DMERR("cannot enter passthrough mode with dirty blocks");
		return -EINVAL;
	}
	/* a table with another length resizes the origin (see "Resize") */
	if (!c->row && ti->len >> c->block_shift != c->nr_oblocks) {
		r = cbs_resize_origin(c, ti->len >> c->block_shift, true);
		if (r) {
			DMERR("cannot shrink the origin below a dirty cache block: flush first");
			return r;
		}
	}
	return 0;
}

static void cbs_resume(struct dm_target *ti)
{
	struct cbs_c *cc = ti->private;
	struct cbs_cache *c = cc->cache;

	mutex_lock(&c->ti_lock);
	c->ti = ti;
	mutex_unlock(&c->ti_lock);
	cbs_nl_register(c);
	spin_lock_irq(&c->lock);
	c->cfg = cc->cfg;
	c->suspended = false;
	spin_unlock_irq(&c->lock);
	queue_delayed_work(c->wq, &c->waker, HZ);
	cbs_kick(c);
}

/*
 * Status line (INFO): dm-cache's fields, then our counters; see
 * "Status" in Documentation/cbs.rst. TABLE: the constructor line.
 */
void cbs_snapshot(struct cbs_cache *c, struct cbs_snap *snap)
{
	spin_lock_irq(&c->lock);
	snap->s = c->stats;
	snap->cfg = c->cfg;
	snap->wb_failures = c->wb_failures;
	snap->valid = c->nr_valid;
	snap->dirty = c->nr_dirty;
	snap->wb = c->wb_inflight;
	snap->ro = c->ro;
	snap->needs_check = c->needs_check;
	snap->cache_failed = c->cache_failed;
	spin_unlock_irq(&c->lock);
}

/*
 * ROW volumes: " row <data used>/<total> <metadata used>/<total> <mapped>
 * <no_space> <snapshots> <redirects>"
 */
static void cbs_row_status(struct cbs_cache *c, char *result, unsigned int maxlen,
			   unsigned int *szp)
{
	struct cbs_row_space sp;
	unsigned int sz = *szp;
	u64 nospc, redirects;

	spin_lock_irq(&c->lock);
	nospc = c->row_nospc;
	redirects = c->row_redirects;
	spin_unlock_irq(&c->lock);
	if (cbs_row_space(c, &sp)) {
		DMEMIT(" row error");
	} else {
		DMEMIT(" row %llu/%llu %llu/%llu %llu %llu %llu %llu",
		       sp.data_total - sp.data_free, sp.data_total,
		       sp.meta_total - sp.meta_free, sp.meta_total,
		       sp.mapped, nospc, cbs_row_nr_snaps(c), redirects);
	}
	*szp = sz;
}

static void cbs_status(struct dm_target *ti, status_type_t type,
		       unsigned int status_flags, char *result,
		       unsigned int maxlen)
{
	struct cbs_c *cc = ti->private;
	struct cbs_cache *c = cc->cache;
	unsigned int sz = 0, nfeat;
	struct cbs_snap st;

	switch (type) {
	case STATUSTYPE_INFO:
		cbs_snapshot(c, &st);
		nfeat = 1 + !st.cfg.discard_passdown + st.cfg.cleaner + !!c->row;
		DMEMIT("8 %llu/%llu %llu %u/%u %llu %llu %llu %llu %llu %llu %u ",
		       2 + 2 * (u64)c->mapping_blocks,
		       (u64)bdev_nr_sectors(c->mbdev) / 8,
		       (u64)c->block_sectors, st.valid, c->nr_cblocks,
		       st.s.read_hits, st.s.read_misses, st.s.write_hits, st.s.write_misses,
		       st.s.demotions, st.s.promotions, st.dirty);
		DMEMIT("%u %s%s%s%s ", nfeat, cbs_mode_names[st.cfg.mode],
		       st.cfg.discard_passdown ? "" : " no_discard_passdown",
		       st.cfg.cleaner ? " cleaner" : "", c->row ? " row" : "");
		DMEMIT("2 migration_threshold %u ", st.cfg.migration_threshold);
		DMEMIT("slru 8 sequential_cutoff %u promote_threshold %u ",
		       st.cfg.sequential_cutoff, st.cfg.promote_threshold);
		DMEMIT("dirty_low %u dirty_high %u ", st.cfg.dirty_low,
		       st.cfg.dirty_high);
		DMEMIT("%s %s ", st.ro ? "ro" : "rw", st.needs_check ? "needs_check" : "-");
		DMEMIT("%llu %u %llu %llu %llu %u", st.s.bypassed, st.wb, st.s.writebacks,
		       st.s.cache_errors, st.s.origin_errors, cbs_ram_per_block(c));
		if (c->row)
			cbs_row_status(c, result, maxlen, &sz);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s %s %s %u %u%s%s", cc->mdev->name, cc->cdev->name,
		       cc->odev->name, cc->block_sectors, cc->nr_words,
		       cc->nr_words ? " " : "", cc->words);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",metadata_device=%s,cache_device=%s,origin_device=%s;",
		       cc->mdev->name, cc->cdev->name, cc->odev->name);
		break;
	}
}

static bool cbs_flushed(struct cbs_cache *c)
{
	return (!READ_ONCE(c->nr_dirty) && !READ_ONCE(c->wb_inflight)) ||
	       READ_ONCE(c->ro) || READ_ONCE(c->suspended);
}

/*
 * Write back everything, then commit; interruptible, fails on errors and
 * when the device gets suspended (writeback stops there).
 */
static int cbs_flush_all(struct cbs_cache *c, const char **error)
{
	u64 failures;
	int r = 0;

	spin_lock_irq(&c->lock);
	c->flushing = true;
	failures = c->wb_failures;
	spin_unlock_irq(&c->lock);
	while (!cbs_flushed(c)) {
		cbs_kick(c);
		r = wait_event_interruptible_timeout(c->wait, cbs_flushed(c),
						     HZ / 10);
		if (r < 0) {
			*error = "flush interrupted";
			break;
		}
		r = 0;
		if (READ_ONCE(c->wb_failures) != failures) {
			*error = "writeback failed, blocks still dirty";
			r = -EIO;
			break;
		}
	}
	spin_lock_irq(&c->lock);
	c->flushing = false;
	spin_unlock_irq(&c->lock);
	if (r)
		return r;
	if (READ_ONCE(c->ro)) {
		*error = "metadata is read-only";
		return -EROFS;
	}
	if (READ_ONCE(c->nr_dirty) && READ_ONCE(c->suspended)) {
		*error = "device suspended: writeback stopped";
		return -EBUSY;
	}
	if (READ_ONCE(c->nr_dirty)) {
		*error = "blocks written during the flush are dirty";
		return -EIO;
	}
	r = cbs_md_commit(c, false);
	if (r)
		*error = "metadata commit failed";
	return r;
}

/*
 * The actions: one function each, called by cbs_message() and by the
 * netlink commands (netlink.c).
 */
int cbs_act_flush(struct cbs_cache *c, const char **error)
{
	int r;

	if (READ_ONCE(c->ro)) {
		*error = "metadata is read-only";
		return -EROFS;
	}
	r = cbs_flush_all(c, error);
	cbs_nl_flush_done(c, r);
	return r;
}

/* Change the knobs of @set (and/or enter cleaner mode) all at once. */
int cbs_act_set(struct cbs_cache *c, const struct cbs_knob_set *set,
		const char **error)
{
	const struct cbs_knob *k;
	struct cbs_cfg cfg;
	unsigned int i;

	if (READ_ONCE(c->ro)) {
		*error = "metadata is read-only";
		return -EROFS;
	}
	for (i = 0; i < CBS_NR_KNOBS; i++) {
		k = &cbs_knobs[i];
		if ((set->mask & BIT(i)) &&
		    (set->val[i] < k->min || set->val[i] > k->max)) {
			*error = k->error;
			return -EINVAL;
		}
	}
	spin_lock_irq(&c->lock);
	cfg = c->cfg;
	for (i = 0; i < CBS_NR_KNOBS; i++)
		if (set->mask & BIT(i))
			*(u32 *)((u8 *)&cfg + cbs_knobs[i].offset) = set->val[i];
	if (cfg.dirty_low > cfg.dirty_high) {
		spin_unlock_irq(&c->lock);
		*error = "dirty_low above dirty_high";
		return -EINVAL;
	}
	cfg.cleaner |= set->cleaner;
	c->cfg = cfg;
	spin_unlock_irq(&c->lock);
	cbs_kick(c);
	return 0;
}

void cbs_act_clear_stats(struct cbs_cache *c)
{
	spin_lock_irq(&c->lock);
	memset(&c->stats, 0, sizeof(c->stats));
	c->cache_failed = false;
	c->row_nospc = 0;
	c->row_nospc_raised = false;
	spin_unlock_irq(&c->lock);
}

/*
 * Snapshot operations of a ROW volume (Documentation/cbs.rst, "Snapshots"),
 * each ending with a commit: the operation is on disk when it returns.
 * Create quiesces the volume's writes itself; rollback wants the volume
 * suspended.
 */
int cbs_act_snap(struct cbs_cache *c, enum cbs_snap_op op, const char *name,
		 const char **error)
{
	int r;

	if (!c->row) {
		*error = "not a ROW volume (table feature row)";
		return -EOPNOTSUPP;
	}
	if (READ_ONCE(c->ro)) {
		*error = "metadata is read-only";
		return -EROFS;
	}
	mutex_lock(&c->row_snap_lock);
	switch (op) {
	case CBS_SNAP_CREATE:
		r = cbs_row_freeze(c);
		if (r) {
			*error = "interrupted while writes drained";
			break;
		}
		r = cbs_row_snap_create(c, name, error);
		if (!r)
			r = cbs_md_commit(c, false);
		cbs_row_thaw(c);
		break;
	case CBS_SNAP_DELETE:
		r = cbs_row_snap_delete(c, name, error);
		if (!r)
			r = cbs_md_commit(c, false);
		break;
	case CBS_SNAP_ROLLBACK:
		if (!READ_ONCE(c->suspended)) {
			*error = "suspend the volume first";
			r = -EBUSY;
			break;
		}
		r = cbs_row_snap_rollback(c, name, error);
		if (!r)
			r = cbs_md_commit(c, true);
		break;
	default:
		*error = "unknown snapshot operation";
		r = -EINVAL;
		break;
	}
	/* under the lock: the events come in the order of the operations */
	if (!r)
		cbs_nl_snap_done(c, op, name);
	mutex_unlock(&c->row_snap_lock);
	if (r == -EROFS || (r && READ_ONCE(c->ro)))
		*error = "metadata error: read-only";
	return r;
}

static const char * const cbs_snap_ops[] = {
	[CBS_SNAP_CREATE] = "create",
	[CBS_SNAP_DELETE] = "delete",
	[CBS_SNAP_ROLLBACK] = "rollback",
};

/* "snapshot create|delete|rollback NAME", "snapshot list" */
static int cbs_message_snap(struct cbs_cache *c, unsigned int argc, char **argv,
			    char *result, unsigned int maxlen)
{
	const char *error;
	unsigned int i;
	int r;

	if (argc == 2 && !strcasecmp(argv[1], "list")) {
		if (!c->row) {
			DMERR("snapshot: not a ROW volume (table feature row)");
			return -EOPNOTSUPP;
		}
		r = cbs_row_snap_list(c, result, maxlen);
		if (r)
			DMERR("snapshot list: cannot read the snapshot list");
		return r ? r : 1;
	}
	for (i = 0; i < ARRAY_SIZE(cbs_snap_ops); i++)
		if (argc >= 2 && !strcasecmp(argv[1], cbs_snap_ops[i]))
			break;
	if (i == ARRAY_SIZE(cbs_snap_ops)) {
		DMERR("snapshot: expects create, delete, rollback or list");
		return -EINVAL;
	}
	if (argc != 3) {
		DMERR("snapshot %s: expects one name", cbs_snap_ops[i]);
		return -EINVAL;
	}
	r = cbs_act_snap(c, i, argv[2], &error);
	if (r)
		DMERR("snapshot %s %s: %s", cbs_snap_ops[i], argv[2], error);
	return r;
}

/*
 * Messages supported:
 *   flush
 *   cleaner
 *   clear_stats
 *   <knob> <value>      (sequential_cutoff, promote_threshold,
 *                        migration_threshold, dirty_low, dirty_high)
 *   snapshot create|delete|rollback <name>, snapshot list (ROW volumes)
 */
static int cbs_message(struct dm_target *ti, unsigned int argc, char **argv,
		       char *result, unsigned int maxlen)
{
	struct cbs_c *cc = ti->private;
	struct cbs_cache *c = cc->cache;
	struct cbs_knob_set set = {};
	const struct cbs_knob *k;
	const char *error;
	char dummy;
	int r;

	if (argc == 1 && !strcasecmp(argv[0], "clear_stats")) {
		cbs_act_clear_stats(c);
		return 0;
	}
	if (!strcasecmp(argv[0], "snapshot"))
		return cbs_message_snap(c, argc, argv, result, maxlen);
	if (READ_ONCE(c->ro)) {
		DMERR("%s: metadata is read-only, message refused", argv[0]);
		return -EROFS;
	}
	if (argc == 1 && !strcasecmp(argv[0], "flush")) {
		r = cbs_act_flush(c, &error);
		goto out;
	}
	if (argc == 1 && !strcasecmp(argv[0], "cleaner")) {
		set.cleaner = true;
		r = cbs_act_set(c, &set, &error);
		goto out;
	}
	k = cbs_find_knob(argv[0]);
	if (!k) {
		DMERR("unrecognised message '%s'", argv[0]);
		return -EINVAL;
	}
	if (argc != 2) {
		DMERR("%s: expects one value", argv[0]);
		return -EINVAL;
	}
	if (sscanf(argv[1], "%u%c", &set.val[k - cbs_knobs], &dummy) != 1) {
		DMERR("%s", k->error);
		return -EINVAL;
	}
	set.mask = BIT(k - cbs_knobs);
	r = cbs_act_set(c, &set, &error);
out:
	if (r)
		DMERR("%s: %s", argv[0], error);
	return r;
}

static int cbs_iterate_devices(struct dm_target *ti,
			       iterate_devices_callout_fn fn, void *data)
{
	struct cbs_c *cc = ti->private;
	int r;

	r = fn(ti, cc->cdev, 0, bdev_nr_sectors(cc->cdev->bdev), data);
	if (!r)
		r = fn(ti, cc->odev, 0, cc->row ? bdev_nr_sectors(cc->odev->bdev) :
			ti->len, data);
	return r;
}

static void cbs_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct cbs_c *cc = ti->private;
	struct block_device *origin = cc->odev->bdev;
	u32 bytes = cc->block_sectors << SECTOR_SHIFT;

	if (limits->io_opt < bytes || limits->io_opt % bytes) {
		limits->io_min = bytes;
		limits->io_opt = bytes;
	}
	if (cc->cfg.discard_passdown && bdev_max_discard_sectors(origin)) {
		limits->max_hw_discard_sectors =
			bdev_get_queue(origin)->limits.max_hw_discard_sectors;
		limits->discard_granularity =
			bdev_get_queue(origin)->limits.discard_granularity;
		return;
	}
	limits->max_hw_discard_sectors = min_t(sector_t, cc->block_sectors * 1024ULL,
					       ti->len);
	limits->discard_granularity = bytes;
}

static struct target_type cbs_target = {
	.name = "cbs",
	.version = { 1, 0, 0 },
	.module = THIS_MODULE,
	.ctr = cbs_ctr,
	.dtr = cbs_dtr,
	.map = cbs_map,
	.end_io = cbs_end_io,
	.postsuspend = cbs_postsuspend,
	.preresume = cbs_preresume,
	.resume = cbs_resume,
	.status = cbs_status,
	.message = cbs_message,
	.iterate_devices = cbs_iterate_devices,
	.io_hints = cbs_io_hints,
};

static int __init cbs_init(void)
{
	int r;

	r = dm_register_target(&cbs_target);
	if (r)
		return r;
	r = dm_register_target(&cbs_snap_target);
	if (r)
		goto bad_snap;
	r = cbs_nl_init();
	if (r)
		goto bad_nl;
	return 0;
bad_nl:
	dm_unregister_target(&cbs_snap_target);
bad_snap:
	dm_unregister_target(&cbs_target);
	return r;
}

static void __exit cbs_exit(void)
{
	cbs_nl_exit();
	dm_unregister_target(&cbs_snap_target);
	dm_unregister_target(&cbs_target);
}

module_init(cbs_init);
module_exit(cbs_exit);

MODULE_DESCRIPTION(DM_NAME " SSD cache target with scan-resistant LRU and ROW snapshots");
MODULE_ALIAS("dm-cbs-snap");
MODULE_AUTHOR("cloudplane");
MODULE_LICENSE("GPL");
