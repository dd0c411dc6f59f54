# SPDX-License-Identifier: GPL-2.0
#
# Shared setup of the netagent selftests (sourced, not run).
#
#   netns HV (the hypervisor): bridge br0 (10.0.0.254/24) with ports p1
#             (the VM's tap/veth, protected) and p2 (the neighbour's)
#   netns VM: eth0 = peer of p1, MAC $VM_MAC, sends the crafted frames
#   netns NB: eth0 = peer of p2, the neighbour/victim ($VIC_MAC)
#
# p2's tx counter shows whether a frame got through the bridge to the
# neighbour, br0's rx counter whether it reached the host. The whole
# topology lives in its own namespaces, away from the test VM's own
# traffic, and IPv6 is disabled on every interface, so nothing but the
# test's frames moves the counters. netagentctl runs in HV (na_ctl).
# The frames come from helpers/frames.py (scapy, run once per script: it
# takes seconds to start under TCG) and are sent by helpers/na_pkt.

. "$(dirname "$0")/../lib.sh"

NA_DIR=$SELFTESTS_DIR/netagent
NACTL=$TOOLS_DIR/netagentctl/netagentctl
NA_PKT=$NA_DIR/helpers/na_pkt
NA_NL=$NA_DIR/helpers/na_nl
PYTHON=${PYTHON:-/usr/bin/python3}

VM_MAC=02:00:00:00:00:01
VM_IP=10.0.0.1
VM_IP6=2001:db8::1
VIC_MAC=02:00:00:00:00:02
VIC_IP=10.0.0.2
VIC_IP6=2001:db8::2
declare -A FRAMES

na_require()
{
	require_vm
	require_root
	require_cmd ip bridge
	[ -x "$NACTL" ] || ktap_skip_all "netagentctl not built (make tools)"
	[ -x "$NA_PKT" ] && [ -x "$NA_NL" ] ||
		ktap_skip_all "helpers not built (make selftests)"
	require_module bridge veth
	load_module netagent || ktap_skip_all "cannot load netagent.ko"
}

# na_ctl ARGS...: netagentctl in the hypervisor netns
na_ctl()
{
	ip netns exec "$HV" "$NACTL" "$@"
}

# hv CMD...: a command in the hypervisor netns
hv()
{
	ip netns exec "$HV" "$@"
}

# na_veth HOST_DEV NS DEV [MAC]: a veth pair, HOST_DEV in the HV netns
na_veth()
{
	ip -n "$HV" link add "$1" mtu 9000 type veth peer name "$3" netns "$2" ||
		return 1
	ip -n "$2" link set "$3" mtu 9000
	[ -n "${4:-}" ] && ip -n "$2" link set "$3" address "$4"
	ip -n "$2" link set "$3" up
}

# na_topo: the HV, VM and NB netns, the bridge and its two ports
na_topo()
{
	local ns

	setup_ns HV VM NB || return 1
	for ns in "$HV" "$VM" "$NB"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	# a process in HV: its /proc/PID/net/dev gives the counters cheaply
	ip netns exec "$HV" sleep 100000 &
	HV_PID=$!
	defer kill "$HV_PID"
	ip -n "$HV" link add br0 mtu 9000 type bridge mcast_snooping 0 || return 1
	na_veth p1 "$VM" eth0 "$VM_MAC" || return 1
	na_veth p2 "$NB" eth0 "$VIC_MAC" || return 1
	ip -n "$HV" link set p1 master br0 up
	ip -n "$HV" link set p2 master br0 up
	ip -n "$HV" link set br0 up
	ip -n "$HV" addr add 10.0.0.254/24 dev br0
	busywait 2000 grep -q "br0:" "/proc/$HV_PID/net/dev"
}

# na_corpus: generate the frames once, keep them in FRAMES[name]
na_corpus()
{
	local host_mac name hex

	host_mac=$(hv cat /sys/class/net/br0/address)
	while read -r name hex; do
		FRAMES[$name]=$hex
	done < <("$PYTHON" "$NA_DIR/helpers/frames.py" "$VM_MAC" "$VM_IP" \
		 "$VM_IP6" "$VIC_MAC" "$VIC_IP" "$VIC_IP6" "$host_mac" 2> /dev/null)
	[ "${#FRAMES[@]}" -gt 0 ]
}

# na_send NAME...: send frames of the corpus from the VM, in one go
na_send()
{
	local n hex=()

	for n in "$@"; do
		[ -n "${FRAMES[$n]:-}" ] || { echo "no frame '$n'" >&2; return 1; }
		hex+=("${FRAMES[$n]}")
	done
	ip netns exec "$VM" "$NA_PKT" send eth0 "${hex[@]}"
}

# na_stats [DEV]: fill STATS[reason] (and STATS[passed]) for DEV (p1)
declare -A STATS
na_stats()
{
	local k v rest

	STATS=()
	while read -r k v rest; do
		case $k in
		*:) STATS[passed]=$rest ;;
		*) STATS[$k]=$v ;;
		esac
	done < <(na_ctl stats "${1:-p1}")
	STATS[passed]=${STATS[passed]%% *}
}

na_reason()
{
	na_stats "${2:-p1}"
	echo "${STATS[$1]:-0}"
}

na_passed()
{
	na_stats "${1:-p1}"
	echo "${STATS[passed]:-0}"
}

na_reason_is()
{
	[ "$(na_reason "$1")" = "$2" ]
}

# counter DEV rx_packets|tx_packets: a counter of a device in HV, read
# from /proc/net/dev of a process there (no fork: busywait polls it)
counter()
{
	local name rest f

	while IFS=: read -r name rest; do
		[ "${name// /}" = "$1" ] || continue
		read -r -a f <<< "$rest"
		case $2 in
		rx_packets) echo "${f[1]}" ;;
		tx_packets) echo "${f[9]}" ;;
		esac
		return 0
	done < "/proc/$HV_PID/net/dev"
	echo -1
}

nb_rx()
{
	counter p2 tx_packets
}

host_rx()
{
	counter br0 rx_packets
}

nb_rx_ge()
{
	[ "$(nb_rx)" -ge "$1" ]
}

# expect_all_drop REASON NAME...: each frame counted once under REASON,
# none seen by the neighbour or the host. Sent as one batch; nothing else
# moves the counters in the test's namespaces, so a miss is a failure. The
# frames are then replayed one by one only to name the culprits.
expect_all_drop()
{
	local reason=$1 r0 n0 h0 n bad=()

	shift
	r0=$(na_reason "$reason")
	n0=$(nb_rx)
	h0=$(host_rx)
	if ! na_send "$@"; then
		check_err 1 "$*: not sent"
		return
	fi
	if busywait 3000 na_reason_is "$reason" $((r0 + $#)) &&
	   [ "$(nb_rx)" = "$n0" ] && [ "$(host_rx)" = "$h0" ]; then
		return
	fi
	for n in "$@"; do
		r0=$(na_reason "$reason")
		n0=$(nb_rx)
		h0=$(host_rx)
		na_send "$n"
		if ! busywait 2000 na_reason_is "$reason" $((r0 + 1)) ||
		   [ "$(nb_rx)" != "$n0" ] || [ "$(host_rx)" != "$h0" ]; then
			bad+=("$n")
		fi
	done
	check_err 1 "batch '$*' not all dropped as $reason; alone: ${bad[*]:-none} ($(na_ctl stats p1 | tr '\n\t' '  '))"
}

expect_drop()
{
	expect_all_drop "$2" "$1"
}

# expect_all_pass NAME...: every frame passes the port (counted as passed)
# and reaches the neighbour. NA_UNCOUNTED=1: only reaching the neighbour
# matters (monitor mode, unprotected port).
expect_all_pass()
{
	local n0 p0=0 n bad=()

	[ -n "${NA_UNCOUNTED:-}" ] || p0=$(na_passed)
	n0=$(nb_rx)
	if ! na_send "$@"; then
		check_err 1 "$*: not sent"
		return
	fi
	if busywait 3000 nb_rx_ge $((n0 + $#)) &&
	   { [ -n "${NA_UNCOUNTED:-}" ] || [ "$(na_passed)" -ge $((p0 + $#)) ]; }; then
		return
	fi
	for n in "$@"; do
		n0=$(nb_rx)
		na_send "$n"
		busywait 2000 nb_rx_ge $((n0 + 1)) || bad+=("$n")
	done
	check_err 1 "batch '$*' did not all pass; alone: ${bad[*]:-none} ($(na_ctl stats p1 2>&1 | tr '\n\t' '  '))"
}

expect_pass()
{
	expect_all_pass "$1"
}

# expect_reach NAME: reaches the neighbour (not counted as passed)
expect_reach()
{
	NA_UNCOUNTED=1 expect_all_pass "$1"
}

# na_protect [OPTIONS...]: put p1 under protection with the VM's addresses
na_protect()
{
	na_ctl port add p1 mac "$VM_MAC" ip "$VM_IP" ip "$VM_IP6" "$@"
}
