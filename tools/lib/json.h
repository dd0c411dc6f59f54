/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal streaming JSON writer for the CLIs' -j output (compact form). */
#ifndef CPNL_JSON_H
#define CPNL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CPJSON_MAX_DEPTH	16

struct cpjson {
	FILE *f;
	int depth;
	bool first[CPJSON_MAX_DEPTH];
};

void cpjson_init(struct cpjson *j, FILE *f);
/* @key is NULL for top-level values and array elements. */
void cpjson_obj_begin(struct cpjson *j, const char *key);
void cpjson_obj_end(struct cpjson *j);
void cpjson_arr_begin(struct cpjson *j, const char *key);
void cpjson_arr_end(struct cpjson *j);
void cpjson_str(struct cpjson *j, const char *key, const char *val);
void cpjson_u64(struct cpjson *j, const char *key, uint64_t val);
void cpjson_bool(struct cpjson *j, const char *key, bool val);

#endif /* CPNL_JSON_H */
