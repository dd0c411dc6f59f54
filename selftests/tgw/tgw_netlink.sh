#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control plane: bad input is refused with an extack message and a
# non-zero exit, "service show" re-creates the configuration, JSON output
# parses, changes are notified, and only CAP_NET_ADMIN may use the family.

ALL_TESTS="test_bad_input test_show_roundtrip test_json test_notify
	   test_admin_perm test_netns_isolation test_ynl"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

# expect_err MSG CMD...: CMD fails and prints MSG on stderr
expect_err()
{
	local msg=$1 out

	shift
	out=$(tgwctl "$NS" "$@" 2>&1)
	check_fail $? "'$*' succeeded"
	echo "$out" | grep -qF -- "$msg"
	check_err $? "'$*': no \"$msg\" in \"$out\""
	log_info "tgwctl $* -> $out"
}

test_bad_input()
{
	local g="" i

	RET=0
	tgwctl "$NS" role gateway addr 10.255.0.1
	check_err $? "role gateway"
	expect_err "address must be a unicast address" role gateway addr 0.0.0.0
	expect_err "gateways are set on hosts only" \
		role gateway addr 10.255.0.1 gateway 10.0.0.1
	expect_err "role host needs at least one gateway" \
		role host addr 192.168.1.2
	expect_err "duplicate gateway" role host addr 192.168.1.2 \
		gateway 10.0.0.1 gateway 10.0.0.1
	for i in $(seq 1 17); do
		g="$g gateway 10.0.0.$i"
	done
	# shellcheck disable=SC2086
	expect_err "too many gateways" role host addr 192.168.1.2 $g
	expect_err "role none takes no address" role none addr 10.0.0.1
	expect_err "protocol must be tcp (6) or udp (17)" \
		service add 10.0.0.100:80 proto 1
	tgwctl "$NS" service add 10.0.0.100:80 proto tcp
	check_err $? "service add"
	expect_err "service already exists" service add 10.0.0.100:80 proto tcp
	expect_err "no such service" service set 10.0.0.101:80 proto tcp sched wlc
	expect_err "MSS must be 0 (auto) or >= 536" \
		service set 10.0.0.100:80 proto tcp mss 100
	expect_err "Error: Numerical result out of range" \
		service set 10.0.0.100:80 proto tcp timeout established 0
	expect_err "Error: Numerical result out of range" \
		service set 10.0.0.100:80 proto tcp timeout udp 999999999
	expect_err "VIP must be a unicast address" \
		service add 224.0.0.1:80 proto tcp
	expect_err "no such service" dest add 10.0.0.101:80 proto tcp \
		host 192.168.1.2 vm 10.1.1.2:8080
	tgwctl "$NS" dest add 10.0.0.100:80 proto tcp host 192.168.1.2 \
		vm 10.1.1.2:8080
	check_err $? "dest add"
	expect_err "destination already exists" dest add 10.0.0.100:80 \
		proto tcp host 192.168.1.2 vm 10.1.1.2:8080
	expect_err "no such destination" dest set 10.0.0.100:80 proto tcp \
		host 192.168.1.3 vm 10.1.1.2:8080 weight 3
	expect_err "host must be a unicast address" dest add 10.0.0.100:80 \
		proto tcp host 255.255.255.255 vm 10.1.1.3:8080
	expect_err "invalid number" dest set 10.0.0.100:80 proto tcp \
		host 192.168.1.2 vm 10.1.1.2:8080 weight 70000
	expect_err "no such connection" conn get proto tcp \
		client 10.0.1.2:1000 vip 10.0.0.100:80
	expect_err "no such connection" conn del proto tcp \
		client 10.0.1.2:1000 vip 10.0.0.100:80
	expect_err "expected ADDR:PORT" service add 10.0.0.100 proto tcp
	expect_err "unknown object" frobnicate
	tgwctl "$NS" service del 10.0.0.100:80 proto tcp
	check_err $? "service del"
	log_test "bad input: extack messages and non-zero exit"
}

CONFIG="service add 10.0.0.100:80 proto tcp sched wlc timeout established 600 timeout fin_wait 30 mss 1400
dest add 10.0.0.100:80 proto tcp host 192.168.1.2 vm 10.1.1.2:8080 weight 3
dest add 10.0.0.100:80 proto tcp host 192.168.2.2 vm 10.1.2.2:8081 weight 0
service add 10.0.0.100:53 proto udp sched maglev timeout udp 20
dest add 10.0.0.100:53 proto udp host 192.168.1.2 vm 10.1.1.2:53 weight 1
service add 10.0.0.101:443 proto tcp sched wrr"

test_show_roundtrip()
{
	local f saved again

	RET=0
	f=$(mktemp)
	defer rm -f "$f"
	echo "$CONFIG" > "$f"
	tgwctl "$NS" -b "$f"
	check_err $? "batch apply"
	saved=$(tgwctl "$NS" service show | sort)
	check_eq "$saved" "$(echo "$CONFIG" | sort)" "service show"
	tgwctl "$NS" service show -s > "$f"
	check_err $? "service show -s"
	tgwctl "$NS" service del 10.0.0.100:80 proto tcp &&
	tgwctl "$NS" service del 10.0.0.100:53 proto udp &&
	tgwctl "$NS" service del 10.0.0.101:443 proto tcp
	check_err $? "service del"
	check_eq "$(tgwctl "$NS" service show)" "" "empty after del"
	tgwctl "$NS" -b "$f"
	check_err $? "re-apply show -s output"
	again=$(tgwctl "$NS" service show | sort)
	check_eq "$again" "$saved" "show after re-apply"
	tgwctl "$NS" dest set 10.0.0.100:80 proto tcp host 192.168.2.2 \
		vm 10.1.2.2:8081 weight 7
	check_err $? "dest set"
	tgwctl "$NS" service show | grep -q "vm 10.1.2.2:8081 weight 7$"
	check_err $? "dest set not shown"
	log_test "service show output re-creates the configuration"
}

test_json()
{
	local limit

	RET=0
	tgwctl "$NS" -j -s service show | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
tcp = [x for x in s if x["port"] == 80][0]
assert tcp["sched"] == "wlc" and tcp["timeout"]["established"] == 600, tcp
assert len(tcp["dests"]) == 2 and "stats" in tcp, tcp
assert "drops" in tcp["stats"], tcp'
	check_err $? "service show -j -s"
	# 2 connections per 256-byte line on a production kernel; lock
	# debugging (lockdep: the debug kernel) makes every spinlock bigger
	[ -e /proc/lockdep ] && limit=512 || limit=128
	tgwctl "$NS" role show -j | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
assert r["role"] == "gateway" and r["addr"] == "10.255.0.1", r
assert r["conn_bytes"] <= int(sys.argv[1]), r' "$limit"
	check_err $? "role show -j"
	tgwctl "$NS" stats -j | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
assert set(s["stats"]["drops"]) >= {"no_conn", "table_full", "too_big"}, s'
	check_err $? "stats -j"
	log_test "JSON output"
}

test_notify()
{
	local out pid

	RET=0
	out=$(mktemp)
	defer rm -f "$out"
	ip netns exec "$NS" stdbuf -oL "$TGWCTL" monitor config > "$out" &
	pid=$!
	# wait until the monitor listens
	busywait 5000 sh -c "ip netns exec $NS $TGWCTL role gateway addr 10.255.0.1 && grep -q role-set $out"
	check_err $? "monitor did not start"
	tgwctl "$NS" service add 10.0.0.102:80 proto tcp &&
	tgwctl "$NS" dest add 10.0.0.102:80 proto tcp host 192.168.1.2 \
		vm 10.1.1.2:80 &&
	tgwctl "$NS" service del 10.0.0.102:80 proto tcp
	check_err $? "config changes"
	busywait 3000 sh -c "[ \$(wc -l < $out) -ge 3 ]"
	kill "$pid"
	wait "$pid" 2> /dev/null
	log_cmd cat "$out"
	grep -q "service-new 10.0.0.102:80 proto tcp" "$out" &&
	grep -q "dest-new 10.0.0.102:80 proto tcp" "$out" &&
	grep -q "service-del 10.0.0.102:80 proto tcp" "$out"
	check_err $? "missing notifications"
	log_test "configuration changes are notified"
}

test_admin_perm()
{
	local out

	RET=0
	out=$(nsx "$NS" capsh --drop=cap_net_admin -- -c \
		"$TGWCTL service add 10.0.0.103:80 proto tcp" 2>&1)
	check_fail $? "service add without CAP_NET_ADMIN"
	echo "$out" | grep -q "Operation not permitted"
	check_err $? "no EPERM: $out"
	out=$(nsx "$NS" capsh --drop=cap_net_admin -- -c "$TGWCTL stats" 2>&1)
	check_fail $? "stats without CAP_NET_ADMIN"
	log_test "CAP_NET_ADMIN required"
}

test_netns_isolation()
{
	RET=0
	check_eq "$(tgwctl "$NS2" service show)" "" "services leak into another netns"
	tgwctl "$NS2" role show | grep -q "^role none"
	check_err $? "role leaks into another netns"
	log_test "configuration is per network namespace"
}

# The kernel's YNL client, driven by our YAML spec, as a second client.
test_ynl()
{
	local ksrc ynl spec out

	RET=0
	for ksrc in "$REPO_DIR/.cache/linux-src" /tmp/ksrc/linux-source-6.12; do
		[ -f "$ksrc/tools/net/ynl/cli.py" ] && break
	done
	ynl=$ksrc/tools/net/ynl/cli.py
	if [ ! -f "$ynl" ]; then
		log_test_skip "YNL client with the YAML spec" "no tools/net/ynl"
		return
	fi
	spec="--spec $REPO_DIR/Documentation/netlink/specs/tgw.yaml"
	spec="$spec --schema $ksrc/Documentation/netlink/genetlink.yaml"
	# 10.0.0.110 = 167772270
	# shellcheck disable=SC2086
	nsx "$NS" "$PY" "$ynl" $spec --do service-new --json \
		'{"service": {"vip": 167772270, "port": 8000, "proto": 17, "sched": "maglev", "timeout": {"udp": 42}}}' > /dev/null
	check_err $? "ynl service-new"
	tgwctl "$NS" service show 10.0.0.110:8000 proto udp |
		grep -q "^service add 10.0.0.110:8000 proto udp sched maglev timeout udp 42$"
	check_err $? "service made by ynl not shown by tgwctl"
	# shellcheck disable=SC2086
	out=$(nsx "$NS" "$PY" "$ynl" $spec --dump service-get 2>&1)
	check_err $? "ynl dump"
	echo "$out" | grep -q "'vip': '10.0.0.110'"
	check_err $? "ynl dump: $out"
	# shellcheck disable=SC2086
	out=$(nsx "$NS" "$PY" "$ynl" $spec --do role-get 2>&1)
	echo "$out" | grep -q "'role': 'gateway'"
	check_err $? "ynl role-get: $out"
	log_test "YNL client with the YAML spec"
}

tgw_require
require_cmd capsh
trap cleanup EXIT
setup_ns NS NS2
tests_run
exit "$EXIT_STATUS"
