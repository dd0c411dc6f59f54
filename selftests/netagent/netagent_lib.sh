# SPDX-License-Identifier: GPL-2.0
#
# Shared setup of the netagent selftests (sourced, not run).
#
#   init netns (the hypervisor): bridge br0 (10.0.0.254/24) with ports p1
#             (the VM's tap/veth, protected) and p2 (the neighbour's)
#   netns VM: eth0 = peer of p1, MAC $VM_MAC, sends the crafted frames
#   netns NB: eth0 = peer of p2, the neighbour/victim ($VIC_MAC)
#
# p2's tx counter shows whether a frame got through the bridge to the
# neighbour, br0's rx counter whether it reached the host. IPv6 is
# disabled on every interface so no kernel traffic disturbs the counters.
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

na_ctl()
{
	"$NACTL" "$@"
}

# na_veth HOST_DEV NS DEV [MAC]: a veth pair, HOST_DEV in the init netns
na_veth()
{
	ip link del "$1" 2> /dev/null
	ip link add "$1" mtu 9000 type veth peer name "$3" netns "$2" || return 1
	defer ip link del "$1"
	ip -n "$2" link set "$3" mtu 9000
	[ -n "${4:-}" ] && ip -n "$2" link set "$3" address "$4"
	ip -n "$2" link set "$3" up
}

na_topo()
{
	local ns

	setup_ns VM NB || return 1
	for ns in "$VM" "$NB"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip link del br0 2> /dev/null
	ip link add br0 mtu 9000 type bridge mcast_snooping 0 || return 1
	defer ip link del br0
	na_veth p1 "$VM" eth0 "$VM_MAC" || return 1
	na_veth p2 "$NB" eth0 "$VIC_MAC" || return 1
	ip link set p1 master br0 up
	ip link set p2 master br0 up
	ip link set br0 up
	ip addr add 10.0.0.254/24 dev br0
}

# na_corpus: generate the frames once, keep them in FRAMES[name]
na_corpus()
{
	local host_mac name hex

	host_mac=$(cat /sys/class/net/br0/address)
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

counter()
{
	local v

	read -r v < "/sys/class/net/$1/statistics/$2"
	echo "$v"
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
# none seen by the neighbour or the host. Sent as one batch; on failure
# each frame is replayed alone to name the culprit.
expect_all_drop()
{
	local reason=$1 r0 n0 h0 n

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
		busywait 2000 na_reason_is "$reason" $((r0 + 1))
		check_err $? "$n: not counted as $reason ($(na_ctl stats p1 | tr '\n\t' '  '))"
		check_eq "$(nb_rx)" "$n0" "$n reached the neighbour"
		check_eq "$(host_rx)" "$h0" "$n reached the host"
	done
	log_info "batch $* disturbed; every frame checked again alone"
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
	local n0 p0=0 n

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
		busywait 2000 nb_rx_ge $((n0 + 1))
		check_err $? "$n did not reach the neighbour ($(na_ctl stats p1 2>&1 | tr '\n\t' '  '))"
	done
	# Each frame passed alone: the batch was disturbed by other traffic
	# (the VM's own ND/MLD/DHCP retries), which the per-frame checks exclude.
	log_info "batch $* disturbed; every frame passed when replayed alone"
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
