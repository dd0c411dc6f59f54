#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection over netlink configuration (debug kernel only; skips
# elsewhere): every allocation made by tgw code while serving one tgwctl
# command fails in turn (fault_inject_each, selftests/lib.sh). After each
# run the namespace must hold exactly the state before the command (it
# failed) or exactly the state after a clean run (it succeeded): role,
# services, timeouts, destinations, weights, Maglev slots per destination
# (the table rebuild is all-or-nothing and deterministic) and the number
# of connections. A monitor listens all along, so notifications and
# connection events allocate (and fail) too. No splat, no leak (kmemleak
# scan by the runner), and the module unloads at the end.

# The commands run in the VM's own namespace: "ip netns exec" per run is
# too slow on the debug kernel under emulation. test_dest_add_wrr and
# test_service_sched exist too (TESTS="..." to run them).
ALL_TESTS="test_dest_add test_dest_set test_dest_del test_service_add
	   test_role_host test_role_gateway test_service_del test_conn_flush
	   test_unload"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

MAX_RUNS=400

ctl()
{
	"$TGWCTL" "$@"
}

# The state a command may change, as text (one tgwctl run: the debug
# kernel under emulation is slow).
snap()
{
	printf 'role show\nservice show -s\n' > "$SNAP_CMDS"
	ctl -b "$SNAP_CMDS"
	echo "conns $(ctl conn show | wc -l)"
}

# reset_ns [SETUP]: back to no role and no service, then SETUP's commands,
# in one batch
reset_ns()
{
	ctl service show |
		sed -n 's/^service add \([^ ]*\) proto \([a-z]*\).*/service del \1 proto \2/p' > "$BATCH"
	echo "role none conn-max 1048576" >> "$BATCH"
	[ -z "${1:-}" ] || $1 >> "$BATCH"
	ctl -b "$BATCH" || return 1
	[ -z "${1:-}" ] || ! declare -F "$1_post" > /dev/null || "$1_post"
}

setup_none()
{
	:
}

setup_gw()
{
	echo "role gateway addr $TGWIP conn-max 5000"
}

# a gateway with a service of 2 destinations (weights 1 and 3)
setup_svc()
{
	setup_gw
	echo "service add $VIP:80 proto tcp sched ${1:-maglev} timeout established 600"
	echo "dest add $VIP:80 proto tcp host 192.168.1.2 vm 10.1.1.2:8080 weight 1"
	echo "dest add $VIP:80 proto tcp host 192.168.2.2 vm 10.1.2.2:8080 weight 3"
}

setup_svc_wrr()
{
	setup_svc wrr
}

# a UDP service and 5 connections (the tunnel route is missing: the
# packets are dropped after their connection is made)
setup_conns()
{
	setup_gw
	echo "service add $VIP:53 proto udp"
	echo "dest add $VIP:53 proto udp host 192.168.1.2 vm 10.1.1.2:53"
}

setup_conns_post()
{
	nsx "$CLI" bash -c 'for i in 1 2 3 4 5; do echo x > /dev/udp/10.0.0.100/53; done'
	busywait 5000 sh -c "[ \$($TGWCTL conn show | wc -l) -eq 5 ]"
}

fault_check()
{
	local now

	now=$(snap)
	if [ "$FAULT_RC" = 0 ] && [ "$now" != "$AFTER" ]; then
		log_info "command succeeded, state is not the clean result:"
		diff <(echo "$AFTER") <(echo "$now") | sed 's/^/# /'
		return 1
	fi
	if [ "$FAULT_RC" != 0 ] && [ "$now" != "$BEFORE" ]; then
		log_info "command failed ($FAULT_RC), state changed:"
		diff <(echo "$BEFORE") <(echo "$now") | sed 's/^/# /'
		return 1
	fi
	[ "$FAULT_RC" = 0 ] && OKS=$((OKS + 1))
	reset_ns $SETUP
}

# fault_op SETUP ARGS...: "tgwctl ARGS" after SETUP, each allocation
# failing in turn.
fault_op()
{
	local rc

	SETUP=$1
	shift
	reset_ns $SETUP || return 1
	BEFORE=$(snap)
	ctl "$@" > /dev/null || return 1
	AFTER=$(snap)
	[ "$BEFORE" != "$AFTER" ] || {
		log_info "'$*' changes nothing"
		return 1
	}
	reset_ns $SETUP || return 1
	OKS=0
	FAULT_AFTER=fault_check fault_inject_each $MAX_RUNS "$TGWCTL" "$@"
	rc=$?
	log_info "'tgwctl $*': $FAULT_POINTS points failed, $OKS runs succeeded anyway"
	[ "$FAULT_POINTS" -gt 0 ] || rc=1
	reset_ns
	return $rc
}

run_op()
{
	local name=$1

	shift
	RET=0
	fault_op "$@"
	check_err $? "state not all-or-nothing, or a run failed"
	log_test "fault injection: $name"
}

test_role_gateway()
{
	run_op "role gateway" setup_none role gateway addr $TGWIP conn-max 3000
}

test_role_host()
{
	run_op "role host, 3 gateways, timeouts" setup_gw role host \
		addr 192.168.1.2 gateway $TGWIP gateway $TGWIP2 \
		gateway 10.255.0.3 timeout udp 5 timeout established 99
}

test_service_add()
{
	run_op "service add with timeouts" setup_gw service add $VIP:80 \
		proto tcp sched maglev timeout established 600 \
		timeout syn_sent 5 timeout fin_wait 7 mss 1400
}

test_dest_add()
{
	run_op "dest add (maglev rebuild)" setup_svc dest add $VIP:80 \
		proto tcp host 192.168.3.2 vm 10.1.3.2:8080 weight 2
}

test_dest_add_wrr()
{
	run_op "dest add (wrr rebuild)" setup_svc_wrr dest add $VIP:80 \
		proto tcp host 192.168.3.2 vm 10.1.3.2:8080 weight 2
}

test_dest_set()
{
	run_op "dest set weight" setup_svc dest set $VIP:80 proto tcp \
		host 192.168.1.2 vm 10.1.1.2:8080 weight 5
}

test_dest_del()
{
	run_op "dest del" setup_svc dest del $VIP:80 proto tcp \
		host 192.168.2.2 vm 10.1.2.2:8080
}

test_service_sched()
{
	run_op "service set sched" setup_svc service set $VIP:80 proto tcp \
		sched wrr
}

test_service_del()
{
	run_op "service del" setup_svc service del $VIP:80 proto tcp
}

test_conn_flush()
{
	run_op "conn flush" setup_conns conn flush
}

test_unload()
{
	RET=0
	rmmod tgw
	check_err $? "rmmod"
	log_test "module unloads after the fault runs"
}

require_vm
require_root
fault_inject_setup || exit 1
# no stack trace per failure on the (slow, emulated) serial console
echo 0 > "$FAULT_DEBUGFS/failslab/verbose"
echo 0 > "$FAULT_DEBUGFS/fail_page_alloc/verbose"
tgw_require
trap cleanup EXIT
setup_ns CLI || exit 1
ip link add tgwf0 type veth peer name eth0 netns "$CLI" &&
ip link set tgwf0 up && ip -n "$CLI" link set eth0 up &&
ip -n "$CLI" addr add 10.0.1.2/24 dev eth0 &&
ip -n "$CLI" route add default via 10.0.1.1 &&
ip addr add 10.0.1.1/24 dev tgwf0 || exit 1
defer ip link del tgwf0
defer "$TGWCTL" role none
MON=$(mktemp)
SNAP_CMDS=$(mktemp)
BATCH=$(mktemp)
defer rm -f "$MON" "$SNAP_CMDS" "$BATCH"
"$TGWCTL" monitor > "$MON" 2>&1 &
defer kill $!
# test_unload runs last, with the monitor still listening
tests_run
exit "$EXIT_STATUS"
