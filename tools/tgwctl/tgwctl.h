/* SPDX-License-Identifier: GPL-2.0 */
/* tgwctl - shared declarations of the verbs and helpers. */
#ifndef TGWCTL_H
#define TGWCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/tgw.h>

#include "json.h"
#include "nl.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

struct tgw_ctx {
	struct cpnl *nl;
	bool json;
	bool stats;
	struct cpjson j;
};

struct tgw_svc_key {
	uint32_t vip;		/* network order */
	uint16_t port;		/* network order */
	uint8_t proto;
};

struct tgw_conn_row {
	uint8_t proto, state;
	uint32_t cip, vip, vmip, peer, timeout, flags;
	uint16_t cport, vport, vmport;
	bool has_vip;
};

/* conn.c */
void tgw_conn_parse(const struct nlattr *nest, struct tgw_conn_row *r);
void tgw_conn_fields(struct tgw_ctx *ctx, const struct tgw_conn_row *r);

/* util.c */
int tgw_err(const char *fmt, ...);
bool tgw_match(const char *arg, const char *word);
int tgw_parse_ip(const char *s, uint32_t *ip);
int tgw_parse_ip_port(const char *s, uint32_t *ip, uint16_t *port,
		      bool port_optional);
int tgw_parse_proto(const char *s, uint8_t *proto);
int tgw_parse_u32(const char *s, uint32_t max, uint32_t *v);
int tgw_parse_svc_key(int *argc, char ***argv, struct tgw_svc_key *key);
const char *tgw_ip_str(uint32_t ip, char *buf);
const char *tgw_proto_str(uint8_t proto);
const char *tgw_sched_str(uint32_t sched);
int tgw_sched_parse(const char *s, uint32_t *sched);
const char *tgw_state_str(uint32_t state);
int tgw_state_parse(const char *s, uint32_t *state);
const char *tgw_drop_str(unsigned int reason);
const char *tgw_role_str(uint32_t role);
void tgw_put_svc_key(struct nlmsghdr *nlh, const struct tgw_svc_key *key);
/* Print a TGW_A_STATS nest (text or JSON). */
void tgw_print_stats(struct tgw_ctx *ctx, const struct nlattr *nest,
		     const char *indent);
extern const uint32_t tgw_default_timeouts[__TGW_STATE_MAX];

/* verbs */
int tgw_cmd_role(struct tgw_ctx *ctx, int argc, char **argv);
int tgw_cmd_service(struct tgw_ctx *ctx, int argc, char **argv);
int tgw_cmd_dest(struct tgw_ctx *ctx, int argc, char **argv);
int tgw_cmd_conn(struct tgw_ctx *ctx, int argc, char **argv);
int tgw_cmd_stats(struct tgw_ctx *ctx, int argc, char **argv);
int tgw_cmd_monitor(struct tgw_ctx *ctx, int argc, char **argv);
int tgw_cmd_sync(struct tgw_ctx *ctx, int argc, char **argv);
/* monitor.c: print notifications of the chosen groups until an error */
int tgw_monitor_run(struct tgw_ctx *ctx, bool config, bool conn);

#endif /* TGWCTL_H */
