#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# GRO packets cross the tunnel: every sender segments (TSO/GSO off) and
# every receiving veth of the gateway and the host aggregates (GRO on, veth
# NAPI), so tgw sees GRO super-packets on all four legs: client TCP at the
# gateway, IPIP at the host (decap), VM TCP at the host (encap) and IPIP on
# the gateway's reply path (decap). Large transfers both ways arrive intact
# (sha256 of the echoed stream), tgw's average packet size proves it
# handled aggregated packets, and no stack counts a checksum error.

ALL_TESTS="test_gro_transfer"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

# seg NS DEV: the device sends MTU-sized packets only
seg()
{
	nsx "$1" ethtool -K "$2" tso off gso off > /dev/null 2>&1
}

# gro NS DEV: the device aggregates what it receives
gro()
{
	nsx "$1" ethtool -K "$2" gro on > /dev/null 2>&1 &&
	nsx "$1" ethtool -k "$2" | grep -q "^generic-receive-offload: on"
}

# avg NS DIR: tgw's average packet size in direction DIR (in or out)
avg()
{
	tgwctl "$1" -j stats | "$PY" -c '
import json, sys
s = json.load(sys.stdin)["stats"]
d = sys.argv[1]
print(s["bytes_" + d] // max(s["pkts_" + d], 1))' "$2"
}

# csum_errors NS: checksum and header errors counted by the stack
csum_errors()
{
	nsx "$1" nstat -az | awk '/InCsumErrors|IpInHdrErrors/ { s += $2 } END { print s + 0 }'
}

test_gro_transfer()
{
	local out ns e

	RET=0
	seg "$CLI" eth0 && seg "$GW" h1 && seg "$GW" c0 && seg "$H1" eth0 &&
	seg "$H1" vm && seg "$VM1" eth0
	check_err $? "turn segmentation offloads off"
	gro "$GW" c0 && gro "$H1" eth0 && gro "$H1" vm && gro "$GW" h1 &&
	gro "$CLI" eth0 && gro "$VM1" eth0
	check_err $? "turn GRO on"
	for ns in "$CLI" "$GW" "$H1" "$VM1"; do
		nsx "$ns" nstat -n
	done
	out=$(nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 2 --bytes 8000000)
	log_info "$out"
	check_eq "$(echo "$out" | json errors)" 0 "8 MB echo failed or differed"
	check_eq "$(echo "$out" | json vm1)" 2 "flows on vm1"
	log_info "avg packet: gateway in $(avg "$GW" in) out $(avg "$GW" out), host in $(avg "$H1" in) out $(avg "$H1" out)"
	[ "$(avg "$GW" in)" -gt 1500 ]
	check_err $? "gateway saw no GRO packets from the client"
	[ "$(avg "$GW" out)" -gt 1500 ]
	check_err $? "gateway reply path saw no GRO IPIP packets"
	[ "$(avg "$H1" in)" -gt 1500 ]
	check_err $? "host saw no GRO IPIP packets"
	[ "$(avg "$H1" out)" -gt 1500 ]
	check_err $? "host saw no GRO packets from the VM"
	for ns in "$CLI" "$GW" "$H1" "$VM1"; do
		e=$(csum_errors "$ns")
		check_eq "$e" 0 "checksum/header errors in $ns"
	done
	check_eq "$(stat_drop "$GW" malformed)" 0 "gateway malformed drops"
	check_eq "$(stat_drop "$H1" malformed)" 0 "host malformed drops"
	log_test "GRO on gateway and host ingress: 8 MB each way, intact"
}

tgw_require
require_cmd ethtool nstat
trap cleanup EXIT
tgw_setup || ktap_skip_all "topology setup failed"
serve "$VM1" vm1 8080
# one destination: every flow takes the GRO path through H1
tgwctl "$GW" service add $VIP:80 proto tcp &&
tgwctl "$GW" dest add $VIP:80 proto tcp host 192.168.1.2 vm 10.1.1.2:8080 ||
	exit 1
tests_run
exit "$EXIT_STATUS"
