// SPDX-License-Identifier: GPL-2.0
/*
 * tgwctl - configure the tgw tunnel gateway (see tgwctl(8)).
 *
 *   tgwctl [-j] [-s] [-b FILE] OBJECT COMMAND [ARGS]
 *
 * -j and -s may also follow the command, as in "service show -j -s".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tgwctl.h"

#define TGW_BATCH_MAX_ARGS	64

static const struct {
	const char *name;
	int (*fn)(struct tgw_ctx *ctx, int argc, char **argv);
} tgw_objects[] = {
	{ "role", tgw_cmd_role },
	{ "service", tgw_cmd_service },
	{ "dest", tgw_cmd_dest },
	{ "conn", tgw_cmd_conn },
	{ "stats", tgw_cmd_stats },
	{ "monitor", tgw_cmd_monitor },
	{ "sync", tgw_cmd_sync },
};

static void usage(FILE *f)
{
	fputs("Usage: tgwctl [-j] [-s] [-b FILE] OBJECT COMMAND [ARGS]\n"
	      "  role gateway addr TGWIP [conn-max N]\n"
	      "  role host addr HOSTIP gateway TGWIP [gateway TGWIP]...\n"
	      "            [timeout STATE SECS]... [conn-max N]\n"
	      "  role none | role show\n"
	      "  service add|set VIP:PORT proto tcp|udp [sched wrr|wlc|maglev]\n"
	      "                  [timeout STATE SECS]... [mss N]\n"
	      "  service del VIP:PORT proto tcp|udp\n"
	      "  service show [VIP:PORT proto tcp|udp]\n"
	      "  dest add|set VIP:PORT proto P host HOSTIP vm VMIP:VMPORT [weight W]\n"
	      "  dest del VIP:PORT proto P host HOSTIP vm VMIP:VMPORT\n"
	      "  dest show [VIP:PORT proto P]\n"
	      "  conn show [proto P] [client IP[:PORT]] [vip IP[:PORT]]\n"
	      "            [vm IP[:PORT]] [peer IP]\n"
	      "  conn get|del proto P client CIP:CPORT vip VIP:VPORT|vm VMIP:VMPORT\n"
	      "  conn flush [VIP:PORT proto P]\n"
	      "  conn monitor\n"
	      "  stats\n"
	      "  monitor [config|conn|all]\n"
	      "  sync start syncid N addr ADDR [port PORT] [peer ADDR]...\n"
	      "             [group GROUP dev IFNAME] [key HEX | keyfile FILE]\n"
	      "             [refresh SECS] [bulk-rate N]\n"
	      "  sync stop | sync show | sync stats\n"
	      "STATE: syn_sent syn_recv established fin_wait time_wait close udp\n",
	      f);
}

/* Remove -j/-s anywhere in argv; returns the new argc. */
static int tgw_strip_flags(struct tgw_ctx *ctx, int argc, char **argv)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "-json"))
			ctx->json = true;
		else if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "-stats"))
			ctx->stats = true;
		else
			argv[n++] = argv[i];
	}
	return n;
}

static int tgw_run(struct tgw_ctx *ctx, int argc, char **argv)
{
	size_t i;

	argc = tgw_strip_flags(ctx, argc, argv);
	if (argc < 1) {
		usage(stderr);
		return -EINVAL;
	}
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(tgw_objects); i++)
		if (tgw_match(argv[0], tgw_objects[i].name))
			return tgw_objects[i].fn(ctx, argc - 1, argv + 1);
	return tgw_err("unknown object \"%s\", try \"tgwctl help\"", argv[0]);
}

/* One command per line; blank lines and lines starting with # skipped. */
static int tgw_batch(struct tgw_ctx *ctx, const char *path)
{
	char *line = NULL, *argv[TGW_BATCH_MAX_ARGS], *tok;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int argc, lineno = 0, ret = 0;
	bool json = ctx->json, stats = ctx->stats;
	size_t cap = 0;

	if (!f)
		return tgw_err("cannot open %s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		argc = 0;
		for (tok = strtok(line, " \t\n"); tok && argc < TGW_BATCH_MAX_ARGS;
		     tok = strtok(NULL, " \t\n"))
			argv[argc++] = tok;
		if (!argc || argv[0][0] == '#')
			continue;
		ctx->json = json;
		ctx->stats = stats;
		if (tgw_run(ctx, argc, argv)) {
			fprintf(stderr, "Command failed %s:%d\n", path, lineno);
			ret = -EINVAL;
			break;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	struct tgw_ctx ctx = { 0 };
	const char *batch = NULL;
	int ret;

	argc--;
	argv++;
	while (argc > 0 && argv[0][0] == '-') {
		if ((!strcmp(argv[0], "-b") || !strcmp(argv[0], "-batch")) &&
		    argc > 1) {
			batch = argv[1];
			argc -= 2;
			argv += 2;
		} else if (!strcmp(argv[0], "-h") ||
			   !strcmp(argv[0], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[0], "-j") || !strcmp(argv[0], "-s") ||
			   !strcmp(argv[0], "-json") ||
			   !strcmp(argv[0], "-stats")) {
			tgw_strip_flags(&ctx, 1, argv);
			argc--;
			argv++;
		} else {
			usage(stderr);
			return 1;
		}
	}
	if (!batch && argc < 1) {
		usage(stderr);
		return 1;
	}
	ctx.nl = cpnl_open(TGW_FAMILY_NAME);
	if (!ctx.nl) {
		fprintf(stderr, "Error: generic netlink family \"%s\": %s%s\n",
			TGW_FAMILY_NAME, strerror(errno),
			errno == ENOENT ? " (is tgw.ko loaded?)" : "");
		return 1;
	}
	cpjson_init(&ctx.j, stdout);
	ret = batch ? tgw_batch(&ctx, batch) : tgw_run(&ctx, argc, argv);
	cpnl_close(ctx.nl);
	fflush(stdout);
	return ret ? 1 : 0;
}
