// SPDX-License-Identifier: GPL-2.0
/*
 * Parse the dm-cbs INFO status line (the part after "<start> <len> cbs"):
 * dm-cache's fields, then our counters, or "Fail".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cbsctl.h"

#define MAX_WORDS	96

static int split(char *s, char **w)
{
	int n = 0;
	char *save, *tok;

	for (tok = strtok_r(s, " \t\n", &save); tok && n < MAX_WORDS;
	     tok = strtok_r(NULL, " \t\n", &save))
		w[n++] = tok;
	return n;
}

static int num(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

static int pair(const char *s, uint64_t *a, uint64_t *b)
{
	size_t len = strlen(s);
	char buf[64], *slash;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len + 1);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return num(buf, a) || num(slash + 1, b) ? -1 : 0;
}

static int parse_words(char **w, int n, struct cbs_status *st)
{
	uint64_t *fixed[] = {
		&st->read_hits, &st->read_misses, &st->write_hits,
		&st->write_misses, &st->demotions, &st->promotions, &st->dirty,
	};
	uint64_t *tail[] = {
		&st->bypassed, &st->wb_inflight, &st->writebacks,
		&st->cache_errors, &st->origin_errors, &st->ram_per_block,
	};
	uint64_t cnt, k;
	int i = 0, j;

	if (n < 11 || num(w[0], &st->md_block) ||
	    pair(w[1], &st->md_used, &st->md_total) ||
	    num(w[2], &st->block_sectors) || pair(w[3], &st->used, &st->total))
		return -1;
	for (j = 0; j < 7; j++)
		if (num(w[4 + j], fixed[j]))
			return -1;
	i = 11;
	/* features: io mode first, then flags */
	if (i >= n || num(w[i++], &cnt) || cnt < 1 || i + cnt > (uint64_t)n)
		return -1;
	snprintf(st->mode, sizeof(st->mode), "%s", w[i]);
	for (k = 1; k < cnt; k++) {
		st->no_discard_passdown |= !strcmp(w[i + k], "no_discard_passdown");
		st->cleaner |= !strcmp(w[i + k], "cleaner");
	}
	i += cnt;
	/* core args, then the policy: both key/value lists */
	for (j = 0; j < 2; j++) {
		if (j == 1) {
			if (i >= n)
				return -1;
			snprintf(st->policy, sizeof(st->policy), "%s", w[i++]);
		}
		if (i >= n || num(w[i++], &cnt) || cnt % 2 || i + cnt > (uint64_t)n)
			return -1;
		for (k = 0; k < cnt; k += 2, i += 2) {
			struct cbs_knob_val *kv = &st->knobs[st->nr_knobs];

			if (st->nr_knobs == CBS_MAX_KNOBS)
				return -1;
			snprintf(kv->name, sizeof(kv->name), "%s", w[i]);
			if (num(w[i + 1], &kv->value))
				return -1;
			st->nr_knobs++;
		}
	}
	if (i + 8 > n)
		return -1;
	st->ro = !strcmp(w[i++], "ro");
	st->needs_check = !strcmp(w[i++], "needs_check");
	for (j = 0; j < 6; j++)
		if (num(w[i + j], tail[j]))
			return -1;
	return 0;
}

int cbs_parse_status(const char *line, struct cbs_status *st)
{
	char *copy, *w[MAX_WORDS];
	int n, r;

	memset(st, 0, sizeof(*st));
	copy = strdup(line);
	if (!copy)
		return -1;
	n = split(copy, w);
	if (n == 1 && !strcmp(w[0], "Fail")) {
		st->fail = true;
		r = 0;
	} else {
		r = parse_words(w, n, st);
	}
	free(copy);
	return r;
}

int cbs_dmsetup(const char * const argv[], char **out)
{
	char *args[32];
	size_t len = 0, cap = 0;
	int fd[2], status, i;
	char buf[4096];
	ssize_t got;
	pid_t pid;

	args[0] = "dmsetup";
	for (i = 0; argv[i] && i < 30; i++)
		args[i + 1] = (char *)argv[i];
	args[i + 1] = NULL;
	if (out)
		*out = NULL;
	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(fd[0]);
		if (out)
			dup2(fd[1], STDOUT_FILENO);
		close(fd[1]);
		execvp("dmsetup", args);
		perror("cbsctl: dmsetup");
		_exit(127);
	}
	close(fd[1]);
	while ((got = read(fd[0], buf, sizeof(buf))) > 0) {
		if (!out)
			continue;
		if (len + got + 1 > cap) {
			char *n;

			cap = (len + got + 1) * 2;
			n = realloc(*out, cap);
			if (!n)
				break;
			*out = n;
		}
		memcpy(*out + len, buf, got);
		len += got;
		(*out)[len] = '\0';
	}
	close(fd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
