// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>

#include "json.h"

static void cpjson_escape(FILE *f, const char *s)
{
	unsigned char c;

	fputc('"', f);
	for (; (c = *s); s++) {
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Emit the separator and "key": for the next value. */
static void cpjson_key(struct cpjson *j, const char *key)
{
	int lvl = j->depth < CPJSON_MAX_DEPTH ? j->depth : CPJSON_MAX_DEPTH;

	if (lvl > 0) {
		if (!j->first[lvl - 1])
			fputc(',', j->f);
		j->first[lvl - 1] = false;
	}
	if (key) {
		cpjson_escape(j->f, key);
		fputc(':', j->f);
	}
}

static void cpjson_open(struct cpjson *j, const char *key, char c)
{
	cpjson_key(j, key);
	fputc(c, j->f);
	if (j->depth < CPJSON_MAX_DEPTH)
		j->first[j->depth] = true;
	j->depth++;
}

static void cpjson_close(struct cpjson *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0 && --j->depth == 0)
		fputc('\n', j->f);
}

void cpjson_init(struct cpjson *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
}

void cpjson_obj_begin(struct cpjson *j, const char *key)
{
	cpjson_open(j, key, '{');
}

void cpjson_obj_end(struct cpjson *j)
{
	cpjson_close(j, '}');
}

void cpjson_arr_begin(struct cpjson *j, const char *key)
{
	cpjson_open(j, key, '[');
}

void cpjson_arr_end(struct cpjson *j)
{
	cpjson_close(j, ']');
}

void cpjson_str(struct cpjson *j, const char *key, const char *val)
{
	cpjson_key(j, key);
	if (val)
		cpjson_escape(j->f, val);
	else
		fputs("null", j->f);
}

void cpjson_u64(struct cpjson *j, const char *key, uint64_t val)
{
	cpjson_key(j, key);
	fprintf(j->f, "%" PRIu64, val);
}

void cpjson_bool(struct cpjson *j, const char *key, bool val)
{
	cpjson_key(j, key);
	fputs(val ? "true" : "false", j->f);
}
