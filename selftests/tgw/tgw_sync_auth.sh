#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sync datagrams a gateway must not trust: forged (wrong key, no tag),
# replayed, truncated, of a foreign cluster or sender, and malformed in
# every field the parser checks, each dropped under the right counter with
# nothing installed; unknown TLVs skipped or ignored by their mandatory
# bit; then 10,000 random and mutated datagrams (a third of them signed
# after the mutation, so they reach the parser), every one accounted for.
# sync_forge.py builds them per kmod/tgw/sync_proto.h.
#
#   F 172.16.0.2 (the configured peer), 172.16.0.3 (a stranger)
#   |
#   T 172.16.0.1, gateway, sync peer 172.16.0.2, VIP:80 -> one destination

ALL_TESTS="test_cases test_no_key test_fuzz test_config_errors"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

FORGE=$SELFTESTS_DIR/tgw/sync_forge.py
KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
SCALE=${CLOUDPLANE_TIMEOUT_SCALE:-1}
FUZZ_COUNT=${SYNC_FUZZ_COUNT:-10000}

forge()
{
	ip netns exec "$T" "$PY" "$FORGE" "$@" --from-ns "$F" \
		--tgwctl "$TGWCTL" --syncid 7 --addr 172.16.0.1 \
		--peer 172.16.0.2 --stranger 172.16.0.3 --vip $VIP:80 \
		--host 192.168.0.11 --vm 10.1.1.2:8080 --timeout $((5 * SCALE))
}

sync_on()
{
	tgwctl "$T" sync start syncid 7 addr 172.16.0.1 peer 172.16.0.2 "$@"
}

# report FILE: one log_test per case line of sync_forge.py
report()
{
	local line name

	while read -r line; do
		RET=0
		name=$(echo "$line" | sed -n 's/^{"case": "\([^"]*\)".*/\1/p')
		echo "$line" | grep -q '"ok": true'
		check_err $? "$(echo "$line" | sed -n 's/.*"why": "\([^"]*\)".*/\1/p')"
		log_test "${2:-}$name"
	done < "$1"
}

test_cases()
{
	local out n

	out=$(mktemp)
	defer rm -f "$out"
	forge cases --key $KEY > "$out"
	n=$(wc -l < "$out")
	RET=0
	[ "$n" -ge 40 ]
	check_err $? "sync_forge.py ran $n cases"
	log_test "forged datagrams: every case ran"
	report "$out"
	log_cmd tgwctl "$T" sync stats
}

test_no_key()
{
	local out

	out=$(mktemp)
	defer rm -f "$out"
	tgwctl "$T" sync stop && sync_on
	RET=0
	check_err $? "restart without a key"
	log_test "sync restarts without a key"
	forge cases --key "" > "$out"
	report "$out" "no key: "
}

test_fuzz()
{
	local out sent acc n0 n1

	RET=0
	tgwctl "$T" sync stop && sync_on key $KEY
	check_err $? "restart with the key"
	n0=$(tgwctl "$T" -j role show | json conns)
	out=$(forge fuzz --key $KEY --count "$FUZZ_COUNT" --seed "$RANDOM")
	log_info "fuzz: $out"
	sent=$(echo "$out" | json sent)
	acc=$(echo "$out" | json accounted)
	check_eq "$sent" "$FUZZ_COUNT" "datagrams sent"
	check_eq "$acc" "$sent" "datagrams dropped, accepted or lost at the socket"
	n1=$(tgwctl "$T" -j role show | json conns)
	log_info "conns $n0 -> $n1 (mutated but valid entries may install)"
	# still working: a valid datagram from a new epoch is installed
	forge cases --key $KEY --only valid | grep -q '"ok": true'
	check_err $? "a valid datagram after the fuzz"
	log_test "$FUZZ_COUNT random and mutated datagrams: all accounted for"
}

# refused CMD... MSG: CMD fails and its output has MSG (the kernel's extack)
refused()
{
	local msg=${*: -1} out

	out=$("${@:1:$#-1}" 2>&1) && { check_err 1 "accepted: ${*:1:$#-1}"; return; }
	echo "$out" | grep -qF "$msg"
	check_err $? "'$msg' not in: $out"
}

# The kernel's own checks of sync-start, also those tgwctl makes first
# (sent raw with the YNL client) and the running/not running states.
test_config_errors()
{
	local ksrc ynl spec peers i a=2886729729	# 172.16.0.1

	RET=0
	tgwctl "$T" sync stop
	refused tgwctl "$T" sync stop "sync is not running"
	refused tgwctl "$T" sync show "sync is not running"
	refused tgwctl "$T" sync start syncid 7 addr 172.16.9.9 peer 172.16.0.2 \
		"sync address is not a local address"
	for ksrc in "$REPO_DIR/.cache/linux-src" /tmp/ksrc/linux-source-6.12; do
		[ -f "$ksrc/tools/net/ynl/cli.py" ] && break
	done
	ynl=$ksrc/tools/net/ynl/cli.py
	if [ -f "$ynl" ]; then
		spec="--spec $REPO_DIR/Documentation/netlink/specs/tgw.yaml"
		spec="$spec --schema $ksrc/Documentation/netlink/genetlink.yaml"
		peers=$(seq -s, 2886729986 2886730002)	# 17 peers
		# shellcheck disable=SC2086
		for i in "{\"syncid\": 7, \"addr\": $a, \"peer\": [$a]}|bad peer address" \
			 "{\"syncid\": 7, \"addr\": $a, \"peer\": [2886729730, 2886729730]}|peer given twice" \
			 "{\"syncid\": 7, \"addr\": $a, \"peer\": [$peers]}|too many peers" \
			 "{\"syncid\": 7, \"addr\": $a}|no peer and no group" \
			 "{\"syncid\": 7, \"addr\": $a, \"group\": 3758096389, \"ifindex\": 1}|not a routable multicast group" \
			 "{\"syncid\": 7, \"addr\": $a, \"group\": 3909091843}|a group needs a device" \
			 "{\"syncid\": 7, \"addr\": $a, \"group\": 3909091843, \"ifindex\": 9999}|no such device" \
			 "{\"syncid\": 7, \"addr\": $a, \"peer\": [2886729730], \"ifindex\": 1}|a device without a group" \
			 "{\"syncid\": 0, \"addr\": $a, \"peer\": [2886729730]}|integer out of range" \
			 "{\"syncid\": 7, \"peer\": [2886729730]}|missing attribute" \
			 "{\"syncid\": 7, \"addr\": $a, \"peer\": [2886729730], \"key\": \"0011\"}|binary attribute size out of range"; do
			refused nsx "$T" "$PY" "$ynl" $spec --do sync-start \
				--json "{\"sync\": ${i%%|*}}" "${i#*|}"
		done
	else
		log_info "no tools/net/ynl: raw sync-start cases not run"
	fi
	refused tgwctl "$T" sync show "sync is not running"
	sync_on key $KEY
	check_err $? "start after the refused ones"
	refused tgwctl "$T" sync start syncid 7 addr 172.16.0.1 peer 172.16.0.2 \
		"stop it first"
	log_test "sync start: bad configuration refused with a clear error"
}

tgw_require
"$TGWCTL" help | grep -q '^  sync ' ||
	ktap_skip_all "tgwctl has no sync commands"
trap cleanup EXIT
setup_ns T F || ktap_skip_all "no netns"
veth "$T" s0 "$F" s0 &&
ip -n "$T" addr add 172.16.0.1/24 dev s0 &&
ip -n "$F" addr add 172.16.0.2/24 dev s0 &&
ip -n "$F" addr add 172.16.0.3/24 dev s0 || ktap_skip_all "topology"
tgwctl "$T" -b - <<- EOF || exit 1
	role gateway addr 10.255.0.1
	service add $VIP:80 proto tcp
	dest add $VIP:80 proto tcp host 192.168.0.11 vm 10.1.1.2:8080
EOF
sync_on key $KEY || exit 1
tests_run
exit "$EXIT_STATUS"
