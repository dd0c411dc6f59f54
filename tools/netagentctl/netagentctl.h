/* SPDX-License-Identifier: GPL-2.0 */
/* netagentctl - shared declarations of the verbs. */
#ifndef NETAGENTCTL_H
#define NETAGENTCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#include "json.h"
#include "nl.h"

struct nactl {
	bool json;
	struct cpjson js;
};

extern struct nactl nactl;

int port_main(int argc, char **argv);
int stats_main(int argc, char **argv);
int monitor_main(int argc, char **argv);

/* util.c */
struct cpnl *nactl_open(void);
const char *nactl_mode_name(uint32_t mode);
const char *nactl_reason_name(uint32_t reason);
void nactl_fmt_mac(char *buf, size_t len, const uint8_t *mac);
int nactl_parse_tb(const struct nlattr *attr, void *data);
/* Print one NETAGENT_A_PORT_ADDR nest (text: " ip A/P [learned ...]"). */
void nactl_print_addr(const struct nlattr *nest);
int nactl_get(uint8_t cmd, int argc, char **argv, mnl_cb_t cb);
int nactl_err(const char *fmt, ...);

#endif /* NETAGENTCTL_H */
