// SPDX-License-Identifier: GPL-2.0
/*
 * netagentctl - configure netagent, the per-VM anti-spoofing module.
 *
 *   netagentctl [-j] port add|set|del|show ...
 *   netagentctl [-j] stats [DEV]
 *   netagentctl [-j] monitor
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netagentctl.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct nactl nactl;

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} verbs[] = {
	{ "port", port_main },
	{ "stats", stats_main },
	{ "monitor", monitor_main },
};

static void print_help(FILE *f)
{
	fprintf(f,
		"usage: netagentctl [-j] port add DEV mac MAC [ip ADDR[/PLEN]]... [mode enforce|learn|monitor]\n"
		"                            [allow-ethertype HEX]... [allow-vlan]\n"
		"       netagentctl [-j] port set DEV [mac MAC] [ip ADDR[/PLEN]]... [mode MODE]\n"
		"                            [allow-ethertype HEX]... [allow-vlan [on|off]] [flush]\n"
		"       netagentctl port del DEV\n"
		"       netagentctl [-j] port show [DEV]\n"
		"       netagentctl [-j] stats [DEV]\n"
		"       netagentctl [-j] monitor\n"
		"       netagentctl -batch FILE   (one command per line, '-' = stdin)\n");
}

static int run_verb(int argc, char **argv)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(verbs); k++)
		if (!strcmp(argv[0], verbs[k].name))
			return verbs[k].fn(argc - 1, argv + 1) ? 1 : 0;
	fprintf(stderr, "netagentctl: unknown command '%s'\n", argv[0]);
	print_help(stderr);
	return 1;
}

/* -batch FILE: run each line as a command; stop at the first failure. */
static int run_batch(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *args[64], *tok, *save;
	unsigned int lineno = 0;
	size_t cap = 0;
	int argc, ret = 0;

	if (!f) {
		nactl_err("cannot open %s", path);
		return 1;
	}
	while (!ret && getline(&line, &cap, f) > 0) {
		lineno++;
		argc = 0;
		for (tok = strtok_r(line, " \t\n", &save); tok && argc < 63;
		     tok = strtok_r(NULL, " \t\n", &save))
			args[argc++] = tok;
		if (!argc || args[0][0] == '#')
			continue;
		args[argc] = NULL;
		ret = run_verb(argc, args);
		if (ret)
			fprintf(stderr, "netagentctl: batch line %u failed\n", lineno);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	int i, j;

	/* -j / --json may appear anywhere, as in iproute2 */
	for (i = 1, j = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ||
		    !strcmp(argv[i], "help")) {
			print_help(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			nactl.json = true;
		else
			argv[j++] = argv[i];
	}
	argc = j;
	argv[argc] = NULL;
	if (argc < 2) {
		print_help(stderr);
		return 1;
	}
	cpjson_init(&nactl.js, stdout);
	if (!strcmp(argv[1], "-batch") || !strcmp(argv[1], "-b")) {
		if (argc != 3) {
			print_help(stderr);
			return 1;
		}
		return run_batch(argv[2]);
	}
	return run_verb(argc - 1, argv + 1);
}
