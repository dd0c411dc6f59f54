// SPDX-License-Identifier: GPL-2.0
/*
 * cbsctl - show and steer dm-cbs cache volumes over the "cbs" generic
 * netlink family (linux/dm-cbs.h). The kernel runs the same functions
 * for these commands as for the dmsetup messages.
 *
 *   cbsctl volume show [DEV] [-j]
 *   cbsctl cache flush DEV
 *   cbsctl cache set DEV KNOB VALUE [KNOB VALUE]...
 *   cbsctl cache cleaner DEV
 *   cbsctl stats clear DEV
 *   cbsctl snapshot create|delete|rollback DEV NAME
 *   cbsctl snapshot list DEV [-j]
 *   cbsctl monitor [-j]
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <linux/dm-cbs.h>

#include "json.h"
#include "nl.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static bool json;

struct knob {
	const char *name;
	uint16_t attr;
};

static const struct knob knobs[] = {
	{ "sequential_cutoff", CBS_A_VOLUME_SEQUENTIAL_CUTOFF },
	{ "promote_threshold", CBS_A_VOLUME_PROMOTE_THRESHOLD },
	{ "migration_threshold", CBS_A_VOLUME_MIGRATION_THRESHOLD },
	{ "dirty_low", CBS_A_VOLUME_DIRTY_LOW },
	{ "dirty_high", CBS_A_VOLUME_DIRTY_HIGH },
};

static const char * const mode_names[] = {
	[CBS_MODE_WRITEBACK] = "writeback",
	[CBS_MODE_WRITETHROUGH] = "writethrough",
	[CBS_MODE_PASSTHROUGH] = "passthrough",
};

static const char * const event_names[] = {
	[CBS_EVENT_CACHE_FAILED] = "cache-failed",
	[CBS_EVENT_DIRTY_HIGH] = "dirty-high",
	[CBS_EVENT_DIRTY_LOW] = "dirty-low",
	[CBS_EVENT_READ_ONLY] = "read-only",
	[CBS_EVENT_FLUSH_DONE] = "flush-done",
	[CBS_EVENT_SNAPSHOT_CREATED] = "snapshot-created",
	[CBS_EVENT_SNAPSHOT_DELETED] = "snapshot-deleted",
	[CBS_EVENT_SNAPSHOT_ROLLED_BACK] = "snapshot-rolled-back",
};

/* A parsed volume message: every attribute, integers widened. */
struct vol {
	const struct nlattr *tb[CBS_A_VOLUME_MAX + 1];
	const struct nlattr *snap[CBS_A_SNAPSHOT_MAX + 1];
	char name[CBS_NAME_LEN];
	char snap_name[CBS_SNAPSHOT_NAME_LEN];
};

static void print_help(FILE *f)
{
	fprintf(f,
		"usage: cbsctl volume show [DEV] [-j]\n"
		"       cbsctl cache flush DEV\n"
		"       cbsctl cache set DEV KNOB VALUE [KNOB VALUE]...\n"
		"       cbsctl cache cleaner DEV\n"
		"       cbsctl stats clear DEV\n"
		"       cbsctl snapshot { create | delete | rollback } DEV NAME\n"
		"       cbsctl snapshot list DEV [-j]\n"
		"       cbsctl monitor [-j]\n"
		"DEV: a device-mapper name, a block device path or MAJOR:MINOR\n"
		"knobs: sequential_cutoff promote_threshold migration_threshold\n"
		"       dirty_low dirty_high\n");
}

static int usage(void)
{
	print_help(stderr);
	return 1;
}

static struct cpnl *open_family(void)
{
	struct cpnl *nl = cpnl_open(CBS_FAMILY_NAME);

	if (!nl) {
		if (errno == ENOENT)
			fprintf(stderr, "cbsctl: no \"%s\" netlink family (is dm-cbs loaded?)\n",
				CBS_FAMILY_NAME);
		else
			fprintf(stderr, "cbsctl: netlink: %s\n", strerror(errno));
	}
	return nl;
}

/* DEV: MAJOR:MINOR, a block device path, or a device-mapper name. */
static int put_dev(struct nlmsghdr *nlh, const char *dev)
{
	unsigned int maj, min;
	struct stat st;
	char c;

	if (sscanf(dev, "%u:%u%c", &maj, &min, &c) == 2) {
		mnl_attr_put_u32(nlh, CBS_A_VOLUME_MAJOR, maj);
		mnl_attr_put_u32(nlh, CBS_A_VOLUME_MINOR, min);
		return 0;
	}
	if (dev[0] == '/') {
		if (stat(dev, &st)) {
			fprintf(stderr, "cbsctl: %s: %s\n", dev, strerror(errno));
			return -1;
		}
		if (!S_ISBLK(st.st_mode)) {
			fprintf(stderr, "cbsctl: %s: not a block device\n", dev);
			return -1;
		}
		mnl_attr_put_u32(nlh, CBS_A_VOLUME_MAJOR, major(st.st_rdev));
		mnl_attr_put_u32(nlh, CBS_A_VOLUME_MINOR, minor(st.st_rdev));
		return 0;
	}
	if (!dev[0] || strlen(dev) >= CBS_NAME_LEN) {
		fprintf(stderr, "cbsctl: invalid device name '%s'\n", dev);
		return -1;
	}
	mnl_attr_put_strz(nlh, CBS_A_VOLUME_NAME, dev);
	return 0;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	struct vol *v = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type > CBS_A_VOLUME_MAX)
		return MNL_CB_OK;	/* newer kernel */
	if (type == CBS_A_VOLUME_NAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	v->tb[type] = a;
	return MNL_CB_OK;
}

static int snap_attr_cb(const struct nlattr *a, void *data)
{
	struct vol *v = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type > CBS_A_SNAPSHOT_MAX)
		return MNL_CB_OK;	/* newer kernel */
	if (type == CBS_A_SNAPSHOT_NAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	v->snap[type] = a;
	return MNL_CB_OK;
}

static int parse_vol(const struct nlmsghdr *nlh, struct vol *v)
{
	const struct nlattr *nest;

	memset(v->tb, 0, sizeof(v->tb));
	memset(v->snap, 0, sizeof(v->snap));
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, v) < 0)
		return -1;
	snprintf(v->name, sizeof(v->name), "%s", v->tb[CBS_A_VOLUME_NAME] ?
		 mnl_attr_get_str(v->tb[CBS_A_VOLUME_NAME]) : "?");
	nest = v->tb[CBS_A_VOLUME_SNAPSHOT];
	if (nest && mnl_attr_parse_nested(nest, snap_attr_cb, v) < 0)
		return -1;
	snprintf(v->snap_name, sizeof(v->snap_name), "%s",
		 v->snap[CBS_A_SNAPSHOT_NAME] ?
		 mnl_attr_get_str(v->snap[CBS_A_SNAPSHOT_NAME]) : "?");
	return 0;
}

static uint64_t u(const struct vol *v, int type)
{
	return v->tb[type] ? cpnl_attr_get_uint(v->tb[type]) : 0;
}

static uint64_t snap_u(const struct vol *v, int type)
{
	return v->snap[type] ? cpnl_attr_get_uint(v->snap[type]) : 0;
}

static bool flag(const struct vol *v, int type)
{
	return v->tb[type];
}

static const char *mode_name(const struct vol *v)
{
	uint64_t m = u(v, CBS_A_VOLUME_MODE);

	return m < ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

static const char *event_name(uint64_t e)
{
	if (e < ARRAY_SIZE(event_names) && event_names[e])
		return event_names[e];
	return "unknown";
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * a / b : 0.0;
}

static void show_human(const struct vol *v)
{
	unsigned int k;

	printf("%s (%" PRIu64 ":%" PRIu64 "): %s%s%s, metadata %s%s\n", v->name,
	       u(v, CBS_A_VOLUME_MAJOR), u(v, CBS_A_VOLUME_MINOR), mode_name(v),
	       flag(v, CBS_A_VOLUME_CLEANER) ? " cleaner" : "",
	       flag(v, CBS_A_VOLUME_NO_DISCARD_PASSDOWN) ? " no_discard_passdown" : "",
	       flag(v, CBS_A_VOLUME_READ_ONLY) ? "ro" : "rw",
	       flag(v, CBS_A_VOLUME_NEEDS_CHECK) ? " needs_check" : "");
	if (flag(v, CBS_A_VOLUME_CACHE_FAILED))
		printf("  CACHE FAILED: %" PRIu64 " dirty blocks at risk\n",
		       u(v, CBS_A_VOLUME_DIRTY_AT_RISK));
	printf("  cache       %" PRIu64 "/%" PRIu64 " blocks of %" PRIu64
	       " KiB (%.1f%%), dirty %" PRIu64 ", metadata %" PRIu64 "/%"
	       PRIu64 " blocks\n",
	       u(v, CBS_A_VOLUME_CACHE_BLOCKS_USED), u(v, CBS_A_VOLUME_CACHE_BLOCKS),
	       u(v, CBS_A_VOLUME_BLOCK_SECTORS) / 2,
	       pct(u(v, CBS_A_VOLUME_CACHE_BLOCKS_USED), u(v, CBS_A_VOLUME_CACHE_BLOCKS)),
	       u(v, CBS_A_VOLUME_DIRTY), u(v, CBS_A_VOLUME_METADATA_BLOCKS_USED),
	       u(v, CBS_A_VOLUME_METADATA_BLOCKS));
	printf("  reads       %" PRIu64 " hits, %" PRIu64 " misses (%.2f%% hit)\n",
	       u(v, CBS_A_VOLUME_READ_HITS), u(v, CBS_A_VOLUME_READ_MISSES),
	       u(v, CBS_A_VOLUME_READ_HIT_RATIO) / 100.0);
	printf("  writes      %" PRIu64 " hits, %" PRIu64 " misses (%.2f%% hit)\n",
	       u(v, CBS_A_VOLUME_WRITE_HITS), u(v, CBS_A_VOLUME_WRITE_MISSES),
	       u(v, CBS_A_VOLUME_WRITE_HIT_RATIO) / 100.0);
	printf("  migration   %" PRIu64 " promotions, %" PRIu64 " demotions, %"
	       PRIu64 " writebacks (%" PRIu64 " in flight), %" PRIu64
	       " bypassed\n", u(v, CBS_A_VOLUME_PROMOTIONS),
	       u(v, CBS_A_VOLUME_DEMOTIONS), u(v, CBS_A_VOLUME_WRITEBACKS),
	       u(v, CBS_A_VOLUME_WRITEBACK_IN_FLIGHT), u(v, CBS_A_VOLUME_BYPASSED));
	printf("  errors      cache %" PRIu64 ", origin %" PRIu64
	       ", writeback failures %" PRIu64 "\n",
	       u(v, CBS_A_VOLUME_CACHE_ERRORS), u(v, CBS_A_VOLUME_ORIGIN_ERRORS),
	       u(v, CBS_A_VOLUME_WRITEBACK_FAILURES));
	printf("  knobs      ");
	for (k = 0; k < ARRAY_SIZE(knobs); k++)
		printf(" %s %" PRIu64, knobs[k].name, u(v, knobs[k].attr));
	printf("\n  memory      %" PRIu64 " bytes per cache block\n",
	       u(v, CBS_A_VOLUME_RAM_PER_BLOCK));
}

/* A snapshot as a JSON object (key NULL: an array element). */
static void snap_json(struct cpjson *j, const char *key, const struct vol *v)
{
	cpjson_obj_begin(j, key);
	if (v->snap[CBS_A_SNAPSHOT_ID])
		cpjson_u64(j, "id", snap_u(v, CBS_A_SNAPSHOT_ID));
	cpjson_str(j, "name", v->snap_name);
	if (v->snap[CBS_A_SNAPSHOT_ID]) {
		cpjson_u64(j, "ctime", snap_u(v, CBS_A_SNAPSHOT_CTIME));
		cpjson_u64(j, "creation_time",
			   snap_u(v, CBS_A_SNAPSHOT_CREATION_TIME));
		cpjson_u64(j, "mapped_blocks",
			   snap_u(v, CBS_A_SNAPSHOT_MAPPED_BLOCKS));
	}
	if (v->snap[CBS_A_SNAPSHOT_EXCLUSIVE_BLOCKS]) {
		cpjson_u64(j, "exclusive_blocks",
			   snap_u(v, CBS_A_SNAPSHOT_EXCLUSIVE_BLOCKS));
		cpjson_u64(j, "shared_blocks",
			   snap_u(v, CBS_A_SNAPSHOT_SHARED_BLOCKS));
	}
	cpjson_obj_end(j);
}

static void show_json(struct cpjson *j, const struct vol *v)
{
	static const struct {
		const char *key;
		int attr;
	} nums[] = {
		{ "major", CBS_A_VOLUME_MAJOR },
		{ "minor", CBS_A_VOLUME_MINOR },
		{ "start", CBS_A_VOLUME_START },
		{ "length", CBS_A_VOLUME_LENGTH },
		{ "block_sectors", CBS_A_VOLUME_BLOCK_SECTORS },
		{ "cache_blocks", CBS_A_VOLUME_CACHE_BLOCKS },
		{ "cache_blocks_used", CBS_A_VOLUME_CACHE_BLOCKS_USED },
		{ "dirty", CBS_A_VOLUME_DIRTY },
		{ "dirty_at_risk", CBS_A_VOLUME_DIRTY_AT_RISK },
		{ "metadata_blocks", CBS_A_VOLUME_METADATA_BLOCKS },
		{ "metadata_blocks_used", CBS_A_VOLUME_METADATA_BLOCKS_USED },
		{ "read_hits", CBS_A_VOLUME_READ_HITS },
		{ "read_misses", CBS_A_VOLUME_READ_MISSES },
		{ "write_hits", CBS_A_VOLUME_WRITE_HITS },
		{ "write_misses", CBS_A_VOLUME_WRITE_MISSES },
		{ "read_hit_ratio_bp", CBS_A_VOLUME_READ_HIT_RATIO },
		{ "write_hit_ratio_bp", CBS_A_VOLUME_WRITE_HIT_RATIO },
		{ "promotions", CBS_A_VOLUME_PROMOTIONS },
		{ "demotions", CBS_A_VOLUME_DEMOTIONS },
		{ "writebacks", CBS_A_VOLUME_WRITEBACKS },
		{ "writeback_in_flight", CBS_A_VOLUME_WRITEBACK_IN_FLIGHT },
		{ "writeback_failures", CBS_A_VOLUME_WRITEBACK_FAILURES },
		{ "bypassed", CBS_A_VOLUME_BYPASSED },
		{ "cache_errors", CBS_A_VOLUME_CACHE_ERRORS },
		{ "origin_errors", CBS_A_VOLUME_ORIGIN_ERRORS },
		{ "ram_per_block", CBS_A_VOLUME_RAM_PER_BLOCK },
	};
	unsigned int i;

	cpjson_obj_begin(j, NULL);
	if (v->tb[CBS_A_VOLUME_EVENT]) {
		cpjson_str(j, "event", event_name(u(v, CBS_A_VOLUME_EVENT)));
		if (v->tb[CBS_A_VOLUME_ERROR])
			cpjson_u64(j, "error", u(v, CBS_A_VOLUME_ERROR));
	}
	cpjson_str(j, "name", v->name);
	cpjson_str(j, "mode", mode_name(v));
	cpjson_bool(j, "cleaner", flag(v, CBS_A_VOLUME_CLEANER));
	cpjson_bool(j, "discard_passdown", !flag(v, CBS_A_VOLUME_NO_DISCARD_PASSDOWN));
	cpjson_bool(j, "read_only", flag(v, CBS_A_VOLUME_READ_ONLY));
	cpjson_bool(j, "needs_check", flag(v, CBS_A_VOLUME_NEEDS_CHECK));
	cpjson_bool(j, "cache_failed", flag(v, CBS_A_VOLUME_CACHE_FAILED));
	for (i = 0; i < ARRAY_SIZE(nums); i++)
		cpjson_u64(j, nums[i].key, u(v, nums[i].attr));
	cpjson_obj_begin(j, "knobs");
	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		cpjson_u64(j, knobs[i].name, u(v, knobs[i].attr));
	cpjson_obj_end(j);
	if (v->tb[CBS_A_VOLUME_SNAPSHOT])
		snap_json(j, "snapshot", v);
	cpjson_obj_end(j);
}

/*
 * Replies are kept until the dump ends: a dump restarted because the set
 * of volumes changed (NLM_F_DUMP_INTR) must not print anything twice.
 */
struct show_ctx {
	struct nlmsghdr **msgs;
	unsigned int count;
};

static void show_reset(void *data)
{
	struct show_ctx *ctx = data;

	while (ctx->count)
		free(ctx->msgs[--ctx->count]);
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show_ctx *ctx = data;
	struct nlmsghdr **msgs, *copy;

	msgs = realloc(ctx->msgs, (ctx->count + 1) * sizeof(*msgs));
	if (!msgs)
		return MNL_CB_ERROR;
	ctx->msgs = msgs;
	copy = malloc(nlh->nlmsg_len);
	if (!copy)
		return MNL_CB_ERROR;
	memcpy(copy, nlh, nlh->nlmsg_len);
	ctx->msgs[ctx->count++] = copy;
	return MNL_CB_OK;
}

static int volume_show(struct cpnl *nl, int argc, char **argv)
{
	char buf[CPNL_REQ_SIZE] __attribute__((aligned(8)));
	struct show_ctx ctx = { .msgs = NULL, .count = 0 };
	struct nlmsghdr *nlh;
	struct cpjson j;
	unsigned int i;
	struct vol v;
	int r;

	if (argc > 1)
		return usage();
	nlh = cpnl_msg_start(nl, buf, CBS_CMD_VOLUME_GET, 0);
	if (argc == 1 && put_dev(nlh, argv[0]))
		return 1;
	r = argc == 1 ? cpnl_do(nl, nlh, show_cb, &ctx) :
			cpnl_dump_ex(nl, nlh, show_cb, &ctx, show_reset);
	if (!r && json) {
		cpjson_init(&j, stdout);
		cpjson_arr_begin(&j, NULL);
	}
	for (i = 0; !r && i < ctx.count; i++) {
		if (parse_vol(ctx.msgs[i], &v)) {
			fprintf(stderr, "cbsctl: malformed reply\n");
			r = -EBADMSG;
		} else if (json) {
			show_json(&j, &v);
		} else {
			show_human(&v);
		}
	}
	if (!r && json)
		cpjson_arr_end(&j);
	show_reset(&ctx);
	free(ctx.msgs);
	return r ? 1 : 0;
}

static int simple_cmd(struct cpnl *nl, uint8_t cmd, const char *dev)
{
	char buf[CPNL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;

	nlh = cpnl_msg_start(nl, buf, cmd, 0);
	if (put_dev(nlh, dev))
		return 1;
	return cpnl_do(nl, nlh, NULL, NULL) ? 1 : 0;
}

static int cache_set(struct cpnl *nl, int argc, char **argv)
{
	char buf[CPNL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	unsigned long long v;
	unsigned int k;
	char *end;
	int i;

	if (argc < 3 || (argc - 1) % 2)
		return usage();
	nlh = cpnl_msg_start(nl, buf, CBS_CMD_CACHE_SET, 0);
	if (put_dev(nlh, argv[0]))
		return 1;
	for (i = 1; i < argc; i += 2) {
		for (k = 0; k < ARRAY_SIZE(knobs); k++) {
			const char *a = knobs[k].name, *b = argv[i];

			/* dashes or underscores */
			for (; *a && (*a == *b || (*a == '_' && *b == '-')); a++, b++)
				;
			if (!*a && !*b)
				break;
		}
		if (k == ARRAY_SIZE(knobs)) {
			fprintf(stderr, "cbsctl: unknown knob '%s'\n", argv[i]);
			return usage();
		}
		errno = 0;
		v = strtoull(argv[i + 1], &end, 0);
		if (errno || end == argv[i + 1] || *end || argv[i + 1][0] == '-' ||
		    v > UINT32_MAX) {
			fprintf(stderr, "cbsctl: invalid value '%s' for %s\n",
				argv[i + 1], knobs[k].name);
			return 1;
		}
		mnl_attr_put_u32(nlh, knobs[k].attr, v);
	}
	return cpnl_do(nl, nlh, NULL, NULL) ? 1 : 0;
}

static int cache_cleaner(struct cpnl *nl, const char *dev)
{
	char buf[CPNL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;

	nlh = cpnl_msg_start(nl, buf, CBS_CMD_CACHE_SET, 0);
	if (put_dev(nlh, dev))
		return 1;
	mnl_attr_put(nlh, CBS_A_VOLUME_CLEANER, 0, NULL);
	return cpnl_do(nl, nlh, NULL, NULL) ? 1 : 0;
}

/* NAME: what the kernel takes (the kernel checks the characters). */
static int put_snap_name(struct nlmsghdr *nlh, const char *name)
{
	struct nlattr *nest;

	if (!name[0] || strlen(name) >= CBS_SNAPSHOT_NAME_LEN) {
		fprintf(stderr, "cbsctl: invalid snapshot name '%s' (1 to %d characters)\n",
			name, CBS_SNAPSHOT_NAME_LEN - 1);
		return -1;
	}
	nest = mnl_attr_nest_start(nlh, CBS_A_VOLUME_SNAPSHOT);
	mnl_attr_put_strz(nlh, CBS_A_SNAPSHOT_NAME, name);
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static int snapshot_cmd(struct cpnl *nl, uint8_t cmd, const char *dev,
			const char *name)
{
	char buf[CPNL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;

	nlh = cpnl_msg_start(nl, buf, cmd, 0);
	if (put_dev(nlh, dev) || put_snap_name(nlh, name))
		return 1;
	return cpnl_do(nl, nlh, NULL, NULL) ? 1 : 0;
}

static void snap_human_header(void)
{
	printf("%-8s %-31s %-25s %8s %12s %12s %12s\n", "ID", "NAME", "CREATED",
	       "CLOCK", "MAPPED", "EXCLUSIVE", "SHARED");
}

static void snap_human(const struct vol *v)
{
	time_t t = snap_u(v, CBS_A_SNAPSHOT_CTIME);
	char when[64] = "?";
	struct tm tm;

	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);
	printf("%-8" PRIu64 " %-31s %-25s %8" PRIu64 " %12" PRIu64 " %12" PRIu64
	       " %12" PRIu64 "\n",
	       snap_u(v, CBS_A_SNAPSHOT_ID), v->snap_name, when,
	       snap_u(v, CBS_A_SNAPSHOT_CREATION_TIME),
	       snap_u(v, CBS_A_SNAPSHOT_MAPPED_BLOCKS),
	       snap_u(v, CBS_A_SNAPSHOT_EXCLUSIVE_BLOCKS),
	       snap_u(v, CBS_A_SNAPSHOT_SHARED_BLOCKS));
}

/* The snapshots of DEV in id order (a dump, restarted if interrupted). */
static int snapshot_list(struct cpnl *nl, int argc, char **argv)
{
	char buf[CPNL_REQ_SIZE] __attribute__((aligned(8)));
	struct show_ctx ctx = { .msgs = NULL, .count = 0 };
	struct nlmsghdr *nlh;
	struct cpjson j;
	unsigned int i;
	struct vol v;
	int r;

	if (argc != 1)
		return usage();
	nlh = cpnl_msg_start(nl, buf, CBS_CMD_SNAPSHOT_GET, 0);
	if (put_dev(nlh, argv[0]))
		return 1;
	r = cpnl_dump_ex(nl, nlh, show_cb, &ctx, show_reset);
	if (!r && json) {
		cpjson_init(&j, stdout);
		cpjson_arr_begin(&j, NULL);
	} else if (!r) {
		snap_human_header();
	}
	for (i = 0; !r && i < ctx.count; i++) {
		if (parse_vol(ctx.msgs[i], &v) || !v.tb[CBS_A_VOLUME_SNAPSHOT]) {
			fprintf(stderr, "cbsctl: malformed reply\n");
			r = -EBADMSG;
		} else if (json) {
			snap_json(&j, NULL, &v);
		} else {
			snap_human(&v);
		}
	}
	if (!r && json)
		cpjson_arr_end(&j);
	show_reset(&ctx);
	free(ctx.msgs);
	return r ? 1 : 0;
}

static int snapshot_run(struct cpnl *nl, const char *cmd, int argc, char **argv)
{
	static const struct {
		const char *name;
		uint8_t cmd;
	} ops[] = {
		{ "create", CBS_CMD_SNAPSHOT_NEW },
		{ "delete", CBS_CMD_SNAPSHOT_DEL },
		{ "rollback", CBS_CMD_SNAPSHOT_ROLLBACK },
	};
	unsigned int i;

	if (!strcmp(cmd, "list") || !strcmp(cmd, "show"))
		return snapshot_list(nl, argc, argv);
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		if (strcmp(cmd, ops[i].name))
			continue;
		if (argc != 2)
			return usage();
		return snapshot_cmd(nl, ops[i].cmd, argv[0], argv[1]);
	}
	fprintf(stderr, "cbsctl: unknown command 'snapshot %s'\n", cmd);
	return usage();
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cpjson *j = data;
	uint64_t e;
	struct vol v;

	if (parse_vol(nlh, &v))
		return MNL_CB_OK;
	if (json) {
		show_json(j, &v);
		fflush(stdout);
		return MNL_CB_OK;
	}
	e = u(&v, CBS_A_VOLUME_EVENT);
	printf("%s %s (%" PRIu64 ":%" PRIu64 "): ", event_name(e), v.name,
	       u(&v, CBS_A_VOLUME_MAJOR), u(&v, CBS_A_VOLUME_MINOR));
	switch (e) {
	case CBS_EVENT_SNAPSHOT_CREATED:
	case CBS_EVENT_SNAPSHOT_DELETED:
	case CBS_EVENT_SNAPSHOT_ROLLED_BACK:
		printf("snapshot %s", v.snap_name);
		if (v.snap[CBS_A_SNAPSHOT_ID])
			printf(" (id %" PRIu64 ")", snap_u(&v, CBS_A_SNAPSHOT_ID));
		printf(", ");
		break;
	case CBS_EVENT_CACHE_FAILED:
		printf("%" PRIu64 " dirty blocks at risk, ",
		       u(&v, CBS_A_VOLUME_DIRTY_AT_RISK));
		break;
	case CBS_EVENT_READ_ONLY:
		printf("metadata read-only%s, ",
		       flag(&v, CBS_A_VOLUME_NEEDS_CHECK) ? " needs_check" : "");
		break;
	case CBS_EVENT_FLUSH_DONE:
		if (v.tb[CBS_A_VOLUME_ERROR])
			printf("failed: %s, ", strerror(u(&v, CBS_A_VOLUME_ERROR)));
		else
			printf("ok, ");
		break;
	default:
		break;
	}
	printf("dirty %" PRIu64 "/%" PRIu64 "\n", u(&v, CBS_A_VOLUME_DIRTY),
	       u(&v, CBS_A_VOLUME_CACHE_BLOCKS));
	fflush(stdout);
	return MNL_CB_OK;
}

static int cmd_monitor(int argc)
{
	struct cpjson j;
	struct cpnl *nl;
	int r;

	if (argc)
		return usage();
	nl = cpnl_open_monitor(CBS_FAMILY_NAME, CBS_MCGRP_EVENTS);
	if (!nl) {
		fprintf(stderr, "cbsctl: cannot listen to %s/%s: %s\n",
			CBS_FAMILY_NAME, CBS_MCGRP_EVENTS, strerror(errno));
		return 1;
	}
	cpjson_init(&j, stdout);
	r = cpnl_monitor(nl, event_cb, &j);
	cpnl_close(nl);
	if (r)
		fprintf(stderr, "cbsctl: listening: %s\n", strerror(-r));
	return 1;
}

static int run(struct cpnl *nl, int argc, char **argv)
{
	const char *group = argv[0], *cmd = argc > 1 ? argv[1] : "";

	argc -= 2;
	argv += 2;
	if (!strcmp(group, "volume") && !strcmp(cmd, "show"))
		return volume_show(nl, argc, argv);
	if (!strcmp(group, "cache") && !strcmp(cmd, "set"))
		return cache_set(nl, argc, argv);
	if (!strcmp(group, "snapshot"))
		return snapshot_run(nl, cmd, argc, argv);
	if (argc != 1)
		return usage();
	if (!strcmp(group, "cache") && !strcmp(cmd, "flush"))
		return simple_cmd(nl, CBS_CMD_CACHE_FLUSH, argv[0]);
	if (!strcmp(group, "cache") && !strcmp(cmd, "cleaner"))
		return cache_cleaner(nl, argv[0]);
	if (!strcmp(group, "stats") && !strcmp(cmd, "clear"))
		return simple_cmd(nl, CBS_CMD_STATS_CLEAR, argv[0]);
	fprintf(stderr, "cbsctl: unknown command '%s %s'\n", group, cmd);
	return usage();
}

int main(int argc, char **argv)
{
	struct cpnl *nl;
	int i, n = 0, r;

	/* -j anywhere, as ip(8) takes it first and others last */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_help(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] && !isdigit((unsigned char)argv[i][1])) {
			fprintf(stderr, "cbsctl: unknown option '%s'\n", argv[i]);
			return usage();
		}
		argv[n++] = argv[i];
	}
	argc = n;
	if (!argc)
		return usage();
	if (!strcmp(argv[0], "monitor"))
		return cmd_monitor(argc - 1);
	nl = open_family();
	if (!nl)
		return 1;
	r = run(nl, argc, argv);
	cpnl_close(nl);
	return r;
}
