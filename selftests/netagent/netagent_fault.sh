#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netagent under fault injection (debug kernel only; skips elsewhere): for
# each netlink configuration command, and for learning and revoking
# bindings from a DHCP reply the host sends to the VM, the n-th allocation
# made from netagent.ko fails, for every n until the command runs
# untouched (fault_inject_each, selftests/lib.sh). After each run the
# state must be all or nothing: the port absent or complete, the old or
# the new policy, never a mix; port show (do and dump) consistent; a
# frame through the port harmless; the module unloads at the end. Leaks
# are found by the kmemleak scan of run.sh -k, splats by vm-run.

ALL_TESTS="
	test_fault_port_add
	test_fault_port_set_mode
	test_fault_port_set_learned
	test_fault_learn
	test_fault_revoke
	test_fault_port_del
	test_fault_show
	test_fault_unload
"

. "$(dirname "$0")/netagent_lib.sh"

MAX=200
BASE=(mac "$VM_MAC" ip "$VM_IP")
FULL=(mac "$VM_MAC" ip "$VM_IP" ip 10.0.1.0/24 ip "$VM_IP6" ip 2001:db8:1::/64
      ip fe80::1234 allow-ethertype 88cc allow-ethertype 88b5 allow-vlan mode learn)
SET=(ip "$VM_IP" ip 10.0.2.0/24 ip 192.0.2.7 ip "$VM_IP6" ip 2001:db8:2::/48
     allow-ethertype 88cc allow-vlan on)

# show [DEV]: port show DEV (p1), remaining lease times blanked out
show()
{
	na_ctl port show "${1:-p1}" 2> /dev/null | sed 's/expires [0-9]*s/expires Ns/'
}

dump()
{
	na_ctl port show | sed 's/expires [0-9]*s/expires Ns/'
}

# fail MSG: FAULT_AFTER's verdict, with the reason in the TAP output
fail()
{
	log_info "after failure #$((FAULT_POINTS + 1)): $*"
	return 1
}

# traffic: one frame from the VM through p1, whatever p1's state
traffic()
{
	ip netns exec "$VM" "$NA_PKT" send eth0 "${FRAMES[ipv4_own]}" \
		"${FRAMES[ipv4_spoof]}" > /dev/null 2>&1
}

# reset ARGS...: p1 protected with exactly ARGS
reset()
{
	na_ctl port del p1 2> /dev/null
	na_ctl port add p1 "$@"
}

# learn_now: p1 learns 10.0.0.100 from an ACK the host sends to the VM
learn_now()
{
	hv "$NA_PKT" send br0 "${FRAMES[dhcp_ack_to_vm]}" &&
		busywait 3000 sh -c "ip netns exec $HV $NACTL port show p1 | grep -q 10.0.0.100/32"
}

after_add()
{
	local out

	out=$(show)
	if [ -n "$out" ]; then
		[ "$FAULT_RC" = 0 ] || fail "port add failed ($FAULT_RC) but left a port: $out" || return 1
		[ "$out" = "$FULL_SHOW" ] || fail "incomplete port: $out" || return 1
	else
		[ "$FAULT_RC" != 0 ] || fail "port add succeeded without a port" || return 1
	fi
	traffic
	# nothing stale: the next run adds the port again from scratch
	[ -z "$out" ] || na_ctl port del p1 || fail "port del after the run"
}

test_fault_port_add()
{
	RET=0
	na_ctl port del p1 2> /dev/null
	na_ctl port add p1 "${FULL[@]}"
	check_err $? "port add without faults failed"
	FULL_SHOW=$(show)
	na_ctl port del p1
	FAULT_AFTER=after_add fault_inject_each $MAX \
		ip netns exec "$HV" "$NACTL" port add p1 "${FULL[@]}"
	check_err $? "port add not all or nothing"
	log_info "port add: $FAULT_POINTS injection points"
	log_test "fault injection: port add (addresses, prefixes, ethertypes, vlan, learn)"
}

# after_set: the old policy or the new one, as the exit status says
after_set()
{
	local out

	out=$(show)
	if [ "$FAULT_RC" = 0 ]; then
		[ "$out" = "$NEW_SHOW" ] || fail "port set succeeded, policy: $out" || return 1
	else
		[ "$out" = "$OLD_SHOW" ] || fail "port set failed, policy changed: $out" || return 1
	fi
	[ "$(dump)" = "$out" ] || fail "dump differs from do: $(dump)" || return 1
	traffic
	$RESET
}

reset_set_mode()
{
	reset "${BASE[@]}" mode enforce
}

test_fault_port_set_mode()
{
	RET=0
	reset_set_mode
	OLD_SHOW=$(show)
	na_ctl port set p1 "${SET[@]}" mode learn
	check_err $? "port set without faults failed"
	NEW_SHOW=$(show)
	reset_set_mode
	RESET=reset_set_mode FAULT_AFTER=after_set fault_inject_each $MAX \
		ip netns exec "$HV" "$NACTL" port set p1 "${SET[@]}" mode learn
	check_err $? "port set not all or nothing"
	log_info "port set (enforce to learn): $FAULT_POINTS injection points"
	na_ctl port del p1
	log_test "fault injection: port set, enforce to learn (egress hook)"
}

reset_set_learned()
{
	reset "${BASE[@]}" mode learn && learn_now
}

test_fault_port_set_learned()
{
	RET=0
	reset_set_learned
	check_err $? "no learned binding: $(show)"
	OLD_SHOW=$(show)
	na_ctl port set p1 "${SET[@]}"
	check_err $? "port set without faults failed"
	NEW_SHOW=$(show)
	echo "$NEW_SHOW" | grep -q "10.0.0.100/32 learned"
	check_err $? "port set lost the learned binding: $NEW_SHOW"
	reset_set_learned
	RESET=reset_set_learned FAULT_AFTER=after_set fault_inject_each $MAX \
		ip netns exec "$HV" "$NACTL" port set p1 "${SET[@]}"
	check_err $? "port set not all or nothing"
	log_info "port set (learned bindings kept): $FAULT_POINTS injection points"
	na_ctl port del p1
	log_test "fault injection: port set keeping learned bindings"
}

after_del()
{
	local out

	out=$(show)
	if [ "$FAULT_RC" = 0 ]; then
		[ -z "$out" ] || fail "port del succeeded, port left: $out" || return 1
	else
		[ "$out" = "$FULL_SHOW" ] || fail "port del failed, port changed: $out" || return 1
	fi
	traffic
	reset "${FULL[@]}"
}

test_fault_port_del()
{
	RET=0
	reset "${FULL[@]}"
	FAULT_AFTER=after_del fault_inject_each $MAX \
		ip netns exec "$HV" "$NACTL" port del p1
	check_err $? "port del not all or nothing"
	log_info "port del: $FAULT_POINTS injection points"
	na_ctl port del p1
	log_test "fault injection: port del"
}

# after_read: a read-only command changes nothing
after_read()
{
	[ "$(show)" = "$FULL_SHOW" ] || fail "port changed: $(show)"
}

test_fault_show()
{
	local points=0 cmd

	RET=0
	reset "${FULL[@]}"
	for cmd in "port show p1" "port show" "stats p1" "stats"; do
		# shellcheck disable=SC2086 # words of $cmd
		FAULT_AFTER=after_read fault_inject_each $MAX \
			ip netns exec "$HV" "$NACTL" $cmd
		check_err $? "$cmd changed the port"
		points=$((points + FAULT_POINTS))
	done
	log_info "port show, stats: $points injection points"
	na_ctl port del p1
	log_test "fault injection: port show and stats (do and dump)"
}

# The host's frames to the VM go through p1's egress hook in the sending
# task, so a learned binding is reachable from a command: na_pkt on br0.
# A monitor listens, so the event allocations are on the path too.
after_learn()
{
	local out

	out=$(show)
	[ "$out" = "$OLD_SHOW" ] || [ "$out" = "$NEW_SHOW" ] ||
		fail "neither without nor with the binding: $out" || return 1
	traffic
	$RESET
}

reset_learn()
{
	reset "${BASE[@]}" mode learn
}

test_fault_learn()
{
	local pid

	RET=0
	ip netns exec "$HV" "$NACTL" monitor > /dev/null &
	pid=$!
	reset_learn
	OLD_SHOW=$(show)
	learn_now
	check_err $? "not learned without faults"
	NEW_SHOW=$(show)
	reset_learn
	RESET=reset_learn FAULT_AFTER=after_learn fault_inject_each $MAX \
		ip netns exec "$HV" "$NA_PKT" send br0 "${FRAMES[dhcp_ack_to_vm]}"
	check_err $? "learning not all or nothing"
	log_info "learning from a DHCPACK: $FAULT_POINTS injection points"
	kill "$pid"
	wait "$pid" 2> /dev/null
	na_ctl port del p1
	log_test "fault injection: learning a binding from a DHCPACK"
}

reset_revoke()
{
	reset "${BASE[@]}" mode learn && learn_now
}

test_fault_revoke()
{
	local pid

	RET=0
	ip netns exec "$HV" "$NACTL" monitor > /dev/null &
	pid=$!
	reset_learn
	NEW_SHOW=$(show)
	reset_revoke
	check_err $? "not learned without faults"
	OLD_SHOW=$(show)
	RESET=reset_revoke FAULT_AFTER=after_learn fault_inject_each $MAX \
		ip netns exec "$HV" "$NA_PKT" send br0 "${FRAMES[dhcp_nak_to_vm]}"
	check_err $? "revoking not all or nothing"
	log_info "revoking on a DHCPNAK: $FAULT_POINTS injection points"
	kill "$pid"
	wait "$pid" 2> /dev/null
	na_ctl port del p1
	log_test "fault injection: revoking a binding on a DHCPNAK"
}

test_fault_unload()
{
	RET=0
	reset "${FULL[@]}"
	check_err $? "port add failed"
	na_ctl port add p2 "${BASE[@]}" mode monitor
	rmmod netagent
	check_err $? "the module does not unload after the fault runs"
	load_module netagent
	check_err $? "the module does not load again"
	log_test "fault injection: the module unloads with ports after the fault runs"
}

require_vm
fault_inject_setup || exit 1
na_require
trap cleanup EXIT
na_topo || ktap_skip_all "cannot build the bridge topology"
while read -r name hex; do
	case $name in \#* | "") continue ;; esac
	FRAMES[$name]=$hex
done < "$NA_DIR/helpers/fault_frames"
tests_run
exit "$EXIT_STATUS"
