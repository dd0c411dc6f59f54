// SPDX-License-Identifier: GPL-2.0
/*
 * cbsctl - show and steer dm-cbs cache devices. A thin layer over dmsetup:
 * the status line is parsed into named fields (human or -j JSON), and
 * every action is the dmsetup message of the same name, so cbsctl and
 * dmsetup reach the same kernel code.
 *
 *   cbsctl [-j] volume show [DEV]
 *   cbsctl cache flush|cleaner|clear-stats DEV
 *   cbsctl cache set DEV KNOB VALUE [KNOB VALUE]...
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbsctl.h"
#include "json.h"

static bool json;

static void print_help(FILE *f)
{
	fprintf(f,
		"usage: cbsctl [-j] volume show [DEV]\n"
		"       cbsctl cache flush DEV\n"
		"       cbsctl cache cleaner DEV\n"
		"       cbsctl cache clear-stats DEV\n"
		"       cbsctl cache set DEV KNOB VALUE [KNOB VALUE]...\n"
		"knobs: sequential_cutoff promote_threshold migration_threshold\n"
		"       dirty_low dirty_high\n");
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * a / b : 0.0;
}

static void show_human(const char *name, const struct cbs_status *st)
{
	unsigned int k;

	if (st->fail) {
		printf("%s: Fail\n", name);
		return;
	}
	printf("%s: %s%s%s metadata %s%s\n", name, st->mode,
	       st->cleaner ? " cleaner" : "",
	       st->no_discard_passdown ? " no_discard_passdown" : "",
	       st->ro ? "ro" : "rw", st->needs_check ? " needs_check" : "");
	printf("  cache       %" PRIu64 "/%" PRIu64 " blocks of %" PRIu64
	       " KiB (%.1f%%), dirty %" PRIu64 ", metadata %" PRIu64 "/%"
	       PRIu64 " blocks\n", st->used, st->total, st->block_sectors / 2,
	       pct(st->used, st->total), st->dirty, st->md_used, st->md_total);
	printf("  reads       %" PRIu64 " hits, %" PRIu64 " misses (%.1f%% hit)\n",
	       st->read_hits, st->read_misses,
	       pct(st->read_hits, st->read_hits + st->read_misses));
	printf("  writes      %" PRIu64 " hits, %" PRIu64 " misses (%.1f%% hit)\n",
	       st->write_hits, st->write_misses,
	       pct(st->write_hits, st->write_hits + st->write_misses));
	printf("  migration   %" PRIu64 " promotions, %" PRIu64 " demotions, %"
	       PRIu64 " writebacks (%" PRIu64 " in flight), %" PRIu64
	       " bypassed\n", st->promotions, st->demotions, st->writebacks,
	       st->wb_inflight, st->bypassed);
	printf("  errors      cache %" PRIu64 ", origin %" PRIu64 "\n",
	       st->cache_errors, st->origin_errors);
	printf("  policy      %s", st->policy);
	for (k = 0; k < st->nr_knobs; k++)
		printf(" %s %" PRIu64, st->knobs[k].name, st->knobs[k].value);
	printf("\n  memory      %" PRIu64 " bytes per cache block\n",
	       st->ram_per_block);
}

static void show_json(struct cpjson *j, const char *name,
		      const struct cbs_status *st)
{
	unsigned int k;

	cpjson_obj_begin(j, NULL);
	cpjson_str(j, "name", name);
	cpjson_bool(j, "fail", st->fail);
	if (!st->fail) {
		cpjson_str(j, "mode", st->mode);
		cpjson_bool(j, "cleaner", st->cleaner);
		cpjson_bool(j, "discard_passdown", !st->no_discard_passdown);
		cpjson_bool(j, "read_only", st->ro);
		cpjson_bool(j, "needs_check", st->needs_check);
		cpjson_u64(j, "block_sectors", st->block_sectors);
		cpjson_u64(j, "cache_blocks_used", st->used);
		cpjson_u64(j, "cache_blocks", st->total);
		cpjson_u64(j, "metadata_blocks_used", st->md_used);
		cpjson_u64(j, "metadata_blocks", st->md_total);
		cpjson_u64(j, "dirty", st->dirty);
		cpjson_u64(j, "read_hits", st->read_hits);
		cpjson_u64(j, "read_misses", st->read_misses);
		cpjson_u64(j, "write_hits", st->write_hits);
		cpjson_u64(j, "write_misses", st->write_misses);
		cpjson_u64(j, "promotions", st->promotions);
		cpjson_u64(j, "demotions", st->demotions);
		cpjson_u64(j, "writebacks", st->writebacks);
		cpjson_u64(j, "writeback_in_flight", st->wb_inflight);
		cpjson_u64(j, "bypassed", st->bypassed);
		cpjson_u64(j, "cache_errors", st->cache_errors);
		cpjson_u64(j, "origin_errors", st->origin_errors);
		cpjson_u64(j, "ram_per_block", st->ram_per_block);
		cpjson_obj_begin(j, "policy");
		cpjson_str(j, "name", st->policy);
		for (k = 0; k < st->nr_knobs; k++)
			cpjson_u64(j, st->knobs[k].name, st->knobs[k].value);
		cpjson_obj_end(j);
	}
	cpjson_obj_end(j);
}

/* The cbs line of `dmsetup status NAME`, parsed. */
static int get_status(const char *name, struct cbs_status *st)
{
	const char *argv[3];
	char *out, *line, *save, *p;
	int r;

	argv[0] = "status";
	argv[1] = name;
	argv[2] = NULL;
	r = cbs_dmsetup(argv, &out);
	if (r || !out) {
		free(out);
		fprintf(stderr, "cbsctl: cannot read the status of '%s'\n", name);
		return -1;
	}
	r = -1;
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* "<start> <length> cbs <fields>" */
		p = strstr(line, " cbs ");
		if (!p)
			continue;
		r = cbs_parse_status(p + 5, st);
		break;
	}
	free(out);
	if (r)
		fprintf(stderr, "cbsctl: '%s' is not a cbs device or its status is malformed\n",
			name);
	return r;
}

static int volume_show(int argc, char **argv)
{
	static const char * const lsargv[] = { "ls", "--target", "cbs", NULL };
	char *out = NULL, *line, *save, *tab;
	struct cbs_status st;
	struct cpjson j;
	int r = 0;

	if (argc > 1) {
		print_help(stderr);
		return 1;
	}
	if (argc == 1) {
		out = strdup(argv[0]);
	} else if (cbs_dmsetup(lsargv, &out)) {
		free(out);
		return 1;
	}
	if (json) {
		cpjson_init(&j, stdout);
		cpjson_arr_begin(&j, NULL);
	}
	for (line = out ? strtok_r(out, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, "No devices found"))
			break;
		tab = strpbrk(line, " \t");
		if (tab)
			*tab = '\0';
		if (get_status(line, &st)) {
			r = 1;
			continue;
		}
		if (json)
			show_json(&j, line, &st);
		else
			show_human(line, &st);
	}
	if (json) {
		cpjson_arr_end(&j);
		putchar('\n');
	}
	free(out);
	return r;
}

static int message(const char *dev, const char * const *words, int n)
{
	const char *argv[32];
	int i;

	if (n > 28)
		return 1;
	argv[0] = "message";
	argv[1] = dev;
	argv[2] = "0";
	for (i = 0; i < n; i++)
		argv[3 + i] = words[i];
	argv[3 + n] = NULL;
	if (cbs_dmsetup(argv, NULL)) {
		fprintf(stderr, "cbsctl: '%s' refused (the kernel log names the reason)\n",
			words[0]);
		return 1;
	}
	return 0;
}

static int cache_cmd(int argc, char **argv)
{
	const char *word;
	int i;

	if (argc < 2) {
		print_help(stderr);
		return 1;
	}
	if (!strcmp(argv[0], "set")) {
		if (argc < 4 || (argc - 2) % 2) {
			print_help(stderr);
			return 1;
		}
		for (i = 2; i < argc; i += 2)
			if (message(argv[1], (const char * const *)argv + i, 2))
				return 1;
		return 0;
	}
	if (argc != 2) {
		print_help(stderr);
		return 1;
	}
	if (!strcmp(argv[0], "flush") || !strcmp(argv[0], "cleaner")) {
		word = argv[0];
	} else if (!strcmp(argv[0], "clear-stats")) {
		word = "clear_stats";
	} else {
		fprintf(stderr, "cbsctl: unknown cache command '%s'\n", argv[0]);
		print_help(stderr);
		return 1;
	}
	return message(argv[1], &word, 1);
}

int main(int argc, char **argv)
{
	argc--;
	argv++;
	while (argc && argv[0][0] == '-') {
		if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
			print_help(stdout);
			return 0;
		}
		if (strcmp(argv[0], "-j") && strcmp(argv[0], "--json")) {
			fprintf(stderr, "cbsctl: unknown option '%s'\n", argv[0]);
			print_help(stderr);
			return 1;
		}
		json = true;
		argc--;
		argv++;
	}
	if (argc >= 2 && !strcmp(argv[0], "volume") && !strcmp(argv[1], "show"))
		return volume_show(argc - 2, argv + 2);
	if (argc >= 1 && !strcmp(argv[0], "cache"))
		return cache_cmd(argc - 1, argv + 1);
	print_help(stderr);
	return 1;
}
