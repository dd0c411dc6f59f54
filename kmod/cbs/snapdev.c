// SPDX-License-Identifier: GPL-2.0
/*
 * dm-cbs read-only snapshot devices, target "cbs-snap":
 *
 *   cbs-snap <metadata dev> <snapshot name>
 *
 * maps the blocks of a snapshot of the ROW volume whose table uses that
 * metadata device (loaded first), through the volume's cache object: the
 * same B-trees, cache and data device, while the volume stays live. The
 * table must be read-only (dmsetup create --readonly). A snapshot in use
 * by such a device cannot be deleted.
 */
#include <linux/blkdev.h>

#include "cbs.h"
#include "io.h"
#include "row.h"

#define DM_MSG_PREFIX "cbs-snap"

static int cbs_snap_get_dev(struct dm_target *ti, dev_t dev,
			    struct dm_dev **result)
{
	char name[16];

	snprintf(name, sizeof(name), "%u:%u", MAJOR(dev), MINOR(dev));
	return dm_get_device(ti, name, BLK_OPEN_READ, result);
}

static void cbs_snap_put_devs(struct dm_target *ti, struct cbs_c *cc)
{
	if (cc->cdev)
		dm_put_device(ti, cc->cdev);
	if (cc->odev)
		dm_put_device(ti, cc->odev);
	dm_put_device(ti, cc->mdev);
}

static int cbs_snap_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct cbs_cache *c;
	struct cbs_c *cc;
	u64 mapped;
	int r;

	if (argc != 2) {
		ti->error = "Expects <metadata dev> <snapshot name>";
		return -EINVAL;
	}
	if (dm_table_get_mode(ti->table) & BLK_OPEN_WRITE) {
		ti->error = "Snapshot devices are read-only: load the table read-only";
		return -EROFS;
	}
	if (!cbs_row_name_ok(argv[1])) {
		ti->error = "Bad snapshot name";
		return -EINVAL;
	}
	cc = kzalloc(sizeof(*cc), GFP_KERNEL);
	if (!cc) {
		ti->error = "Cannot allocate the target context";
		return -ENOMEM;
	}
	cc->ti = ti;
	r = dm_get_device(ti, argv[0], BLK_OPEN_READ, &cc->mdev);
	if (r) {
		ti->error = "Cannot open the metadata device";
		goto bad;
	}
	c = cbs_cache_get_row(cc->mdev->bdev->bd_dev);
	if (!c) {
		ti->error = "No ROW volume loaded on that metadata device";
		r = -ENODEV;
		goto bad_dev;
	}
	cc->cache = c;
	cc->row = true;
	/* the cache object uses them: hold them while this table exists */
	r = cbs_snap_get_dev(ti, c->cdev, &cc->cdev);
	if (!r)
		r = cbs_snap_get_dev(ti, c->odev, &cc->odev);
	if (r) {
		ti->error = "Cannot open the volume's cache or data device";
		goto bad_cache;
	}
	cc->block_sectors = c->block_sectors;
	if (ti->len % c->block_sectors ||
	    ti->len >> c->block_shift > c->nr_lblocks) {
		ti->error = "Length not a multiple of the block size or beyond the volume";
		r = -EINVAL;
		goto bad_cache;
	}
	mutex_lock(&c->row_snap_lock);
	r = READ_ONCE(c->ro) ? -EROFS : cbs_row_snap_get(c, argv[1], &cc->snap_id, &mapped);
	mutex_unlock(&c->row_snap_lock);
	if (r) {
		ti->error = r == -ENOENT ? "No snapshot of that name" :
			    r == -EROFS ? "Metadata is read-only" :
			    "Cannot read the snapshot list";
		goto bad_cache;
	}
	cc->words = kstrdup(argv[1], GFP_KERNEL);
	if (!cc->words) {
		ti->error = "Cannot allocate the target context";
		r = -ENOMEM;
		goto bad_snap;
	}
	ti->private = cc;
	ti->per_io_data_size = sizeof(struct cbs_pb);
	ti->num_flush_bios = 1;
	return 0;

bad_snap:
	mutex_lock(&c->row_snap_lock);
	cbs_row_snap_put(c, cc->snap_id);
	mutex_unlock(&c->row_snap_lock);
bad_cache:
	cbs_cache_put(c);
bad_dev:
	cbs_snap_put_devs(ti, cc);
bad:
	kfree(cc);
	return r;
}

static void cbs_snap_dtr(struct dm_target *ti)
{
	struct cbs_c *cc = ti->private;
	struct cbs_cache *c = cc->cache;

	mutex_lock(&c->row_snap_lock);
	cbs_row_snap_put(c, cc->snap_id);
	mutex_unlock(&c->row_snap_lock);
	cbs_cache_put(c);
	cbs_snap_put_devs(ti, cc);
	kfree(cc->words);
	kfree(cc);
}

static int cbs_snap_map(struct dm_target *ti, struct bio *bio)
{
	struct cbs_c *cc = ti->private;
	struct cbs_pb *pb = cbs_pb(bio);

	memset(pb, 0, sizeof(*pb));
	pb->cblock = CBS_NONE;
	if (op_is_write(bio_op(bio)) && !(bio->bi_opf & REQ_PREFLUSH && !bio_sectors(bio)))
		return DM_MAPIO_KILL;
	if (bio->bi_opf & REQ_PREFLUSH) {
		/* nothing of ours to make durable */
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	bio->bi_iter.bi_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	pb->iter = bio->bi_iter;
	return cbs_row_map(cc->cache, bio, cc->snap_id);
}

/* INFO: "<snapshot id>"; TABLE: the constructor line. */
static void cbs_snap_status(struct dm_target *ti, status_type_t type,
			    unsigned int status_flags, char *result,
			    unsigned int maxlen)
{
	struct cbs_c *cc = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		DMEMIT("%llu", cc->snap_id);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s %s", cc->mdev->name, cc->words);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",metadata_device=%s,snapshot=%s;", cc->mdev->name, cc->words);
		break;
	}
}

static int cbs_snap_iterate_devices(struct dm_target *ti,
				    iterate_devices_callout_fn fn, void *data)
{
	struct cbs_c *cc = ti->private;

	int r;

	r = fn(ti, cc->cdev, 0, bdev_nr_sectors(cc->cdev->bdev), data);
	if (!r)
		r = fn(ti, cc->odev, 0, bdev_nr_sectors(cc->odev->bdev), data);
	return r;
}

static void cbs_snap_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct cbs_c *cc = ti->private;
	u32 bytes = cc->block_sectors << SECTOR_SHIFT;

	limits->io_min = bytes;
	limits->io_opt = bytes;
}

struct target_type cbs_snap_target = {
	.name = "cbs-snap",
	.version = { 1, 0, 0 },
	.module = THIS_MODULE,
	.ctr = cbs_snap_ctr,
	.dtr = cbs_snap_dtr,
	.map = cbs_snap_map,
	.end_io = cbs_end_io,
	.status = cbs_snap_status,
	.iterate_devices = cbs_snap_iterate_devices,
	.io_hints = cbs_snap_io_hints,
};
