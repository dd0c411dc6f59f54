/* SPDX-License-Identifier: GPL-2.0 */
/* cbsctl: dm-cbs status parser and dmsetup runner. */
#ifndef CBSCTL_H
#define CBSCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CBS_MAX_KNOBS	8

struct cbs_knob_val {
	char name[32];
	uint64_t value;
};

/* One parsed INFO status line (see Documentation/cbs.rst, Status). */
struct cbs_status {
	bool fail;
	uint64_t md_block, md_used, md_total;
	uint64_t block_sectors, used, total;
	uint64_t read_hits, read_misses, write_hits, write_misses;
	uint64_t demotions, promotions, dirty;
	char mode[16];
	bool no_discard_passdown, cleaner;
	char policy[16];
	unsigned int nr_knobs;
	struct cbs_knob_val knobs[CBS_MAX_KNOBS];
	bool ro, needs_check;
	uint64_t bypassed, wb_inflight, writebacks;
	uint64_t cache_errors, origin_errors, ram_per_block;
};

int cbs_parse_status(const char *line, struct cbs_status *st);
/* Run dmsetup with @argv (NULL-terminated, without "dmsetup"); the output
 * goes to @out (malloc'ed, may be NULL). Returns the exit status.
 */
int cbs_dmsetup(const char * const argv[], char **out);

#endif /* CBSCTL_H */
