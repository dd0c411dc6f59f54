#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netagent control plane: netlink bad input (each with its extack text),
# netagentctl errors and exit codes, show/stats text and JSON, admin
# permission, port release on device unregister and netns exit, two netns
# isolated from each other, module unload with ports configured.

ALL_TESTS="
	test_nl_bad_input
	test_cli_errors
	test_show_json
	test_ynl_client
	test_permission
	test_release_on_unregister
	test_netns_isolated
	test_netns_exit
	test_unload_with_ports
"

. "$(dirname "$0")/netagent_lib.sh"

# nl_case CASE WANT_ERRNO EXTACK_SUBSTRING
nl_case()
{
	local out err msg

	out=$(hv "$NA_NL" "$1" p1)
	err=${out%% *}
	msg=${out#* }
	check_eq "$err" "$2" "$1: errno"
	case $msg in
	*"$3"*) ;;
	*) check_err 1 "$1: extack '$msg', want '$3'" ;;
	esac
}

test_nl_bad_input()
{
	RET=0
	nl_case missing_dev -22 "missing device (ifindex or ifname)"
	nl_case missing_mac -22 "missing MAC address"
	nl_case unknown_dev -19 "no such device"
	nl_case unknown_ifindex -19 "no such device"
	nl_case ifindex_zero -34 "integer out of range"
	nl_case ifindex_mismatch -22 "ifindex and ifname name different devices"
	nl_case mac_short -34 "binary attribute size out of range"
	nl_case mac_mcast -22 "MAC must be unicast and non-zero"
	nl_case mode_range -34 "integer out of range"
	nl_case mode_type -22 "invalid attribute length"
	nl_case addr_both -22 "address needs exactly one of ipv4 and ipv6"
	nl_case addr_none -22 "address needs exactly one of ipv4 and ipv6"
	nl_case plen_v4 -22 "IPv4 prefix length above 32"
	nl_case plen_range -34 "integer out of range"
	nl_case addr_mcast -22 "multicast or broadcast source address"
	nl_case too_many_addrs -7 "too many addresses"
	nl_case ethertype_low -34 "integer out of range"
	nl_case unknown_attr -22 "Unknown attribute type"
	nl_case flush_on_add -22 "Unknown attribute type"
	nl_case output_attr -22 "Unknown attribute type"
	nl_case del_unprotected -2 "device is not protected"
	nl_case set_unprotected -2 "device is not protected"
	na_ctl port show | grep -q p1
	check_fail $? "a bad request left a port behind"
	na_protect
	check_err $? "valid port add failed"
	nl_case missing_mac -22 "missing MAC address"
	hv "$NA_NL" ok p1 > /dev/null
	nl_case duplicate -17 "device is already protected"
	na_ctl port del p1
	check_err $? "port del failed"
	log_test "netlink: every bad request rejected with its extack message"
}

# cli_fails PATTERN CMD...: CMD exits non-zero and prints PATTERN on stderr
cli_fails()
{
	local pattern=$1 out

	shift
	out=$(na_ctl "$@" 2>&1)
	check_fail $? "'netagentctl $*' exited 0"
	case $out in
	*"$pattern"*) ;;
	*) check_err 1 "'netagentctl $*': '$out', want '$pattern'" ;;
	esac
}

test_cli_errors()
{
	RET=0
	cli_fails "Error: No such device: no such device" port add nosuch0 mac "$VM_MAC"
	cli_fails "missing MAC address" port add p1 ip "$VM_IP"
	cli_fails "invalid MAC address" port add p1 mac 02:00:00:00:00
	cli_fails "invalid address" port add p1 mac "$VM_MAC" ip 10.0.0.256
	cli_fails "invalid prefix length" port add p1 mac "$VM_MAC" ip 10.0.0.0/33
	cli_fails "invalid mode" port add p1 mac "$VM_MAC" mode strict
	cli_fails "invalid ethertype" port add p1 mac "$VM_MAC" allow-ethertype xyz
	cli_fails "integer out of range" port add p1 mac "$VM_MAC" allow-ethertype 10
	cli_fails "unknown option" port add p1 mac "$VM_MAC" colour blue
	cli_fails "not an Ethernet device" port add lo mac "$VM_MAC"
	cli_fails "device is not protected" port del p1
	cli_fails "device is not protected" stats p1
	cli_fails "unknown command" frobnicate
	na_protect
	cli_fails "device is already protected" port add p1 mac "$VM_MAC"
	na_ctl port del p1
	log_test "netagentctl: kernel extack and usage errors printed, exit 1"
}

test_show_json()
{
	local out

	RET=0
	na_protect mode monitor allow-ethertype 88cc allow-ethertype 0x88b5 allow-vlan
	check_err $? "port add failed"
	out=$(na_ctl port show p1)
	check_eq "$(echo "$out" | head -n 1)" "p1: mac $VM_MAC mode monitor allow-vlan" "show header"
	echo "$out" | grep -q "ip $VM_IP/32"
	check_err $? "no IPv4 in show: $out"
	echo "$out" | grep -q "ip $VM_IP6/128"
	check_err $? "no IPv6 in show: $out"
	echo "$out" | grep -q "allow-ethertype 0x88b5"
	check_err $? "no ethertype in show: $out"
	na_ctl -j port show | "$PYTHON" -c '
import json, sys
p = json.load(sys.stdin)[0]
assert p["ifname"] == "p1" and p["mode"] == "monitor" and p["allow_vlan"]
assert [a["addr"] for a in p["addrs"]] == ["10.0.0.1", "2001:db8::1"]
assert p["ethertypes"] == ["0x88cc", "0x88b5"]'
	check_err $? "port show -j"
	na_ctl stats -j | "$PYTHON" -c '
import json, sys
s = json.load(sys.stdin)[0]
assert s["ifname"] == "p1" and "passed" in s and s["reasons"]["arp-sha"] == 0
assert len(s["reasons"]) == 18'
	check_err $? "stats -j"
	na_ctl port set p1 mode enforce allow-vlan off
	check_eq "$(na_ctl port show p1 | head -n 1)" "p1: mac $VM_MAC mode enforce" "set kept"
	na_ctl port show p1 | grep -q "allow-ethertype 0x88cc"
	check_err $? "port set dropped the ethertypes"
	na_ctl port del p1
	check_eq "$(na_ctl -j port show)" "[]" "empty dump"
	log_test "port show / stats: text and JSON (-j)"
}

# The YAML spec drives the kernel's ynl cli.py as a second client.
test_ynl_client()
{
	local ynl=$REPO_DIR/.cache/linux-src/tools/net/ynl/cli.py
	local schema=$REPO_DIR/.cache/linux-src/Documentation/netlink/genetlink.yaml
	local spec=$REPO_DIR/Documentation/netlink/specs/netagent.yaml out

	RET=0
	if [ ! -f "$ynl" ] || ! "$PYTHON" -c 'import yaml, jsonschema' 2> /dev/null; then
		log_test_skip "YAML spec drives ynl cli.py" "ynl or python3-yaml missing"
		return
	fi
	hv "$PYTHON" "$ynl" --schema "$schema" --spec "$spec" --do port-add --json \
		'{"ifname": "p1", "mac": "020000000001", "mode": "learn",
		  "addr": [{"ipv4": 167772161}, {"ipv6": "20010db8000000000000000000000000", "prefixlen": 64}]}' \
		> /dev/null
	check_err $? "ynl port-add failed"
	out=$(na_ctl port show p1)
	check_eq "$(echo "$out" | tr '\n\t' '  ')" \
		"p1: mac $VM_MAC mode learn  ip 10.0.0.1/32  ip 2001:db8::/64 " "ynl-added port"
	out=$(hv "$PYTHON" "$ynl" --schema "$schema" --spec "$spec" --dump port-get)
	case $out in
	*"'mac': '$VM_MAC'"*"'mode': 'learn'"*) ;;
	*) check_err 1 "ynl dump: $out" ;;
	esac
	na_ctl port del p1
	log_test "the YAML spec drives ynl cli.py (second client)"
}

test_permission()
{
	RET=0
	if ! command -v setpriv > /dev/null; then
		log_test_skip "netlink needs CAP_NET_ADMIN" "setpriv missing"
		return
	fi
	na_protect
	hv setpriv --reuid=65534 --regid=65534 --clear-groups "$NACTL" port show \
		> /dev/null 2>&1
	check_fail $? "an unprivileged user could dump the ports"
	hv setpriv --reuid=65534 --regid=65534 --clear-groups "$NACTL" port del p1 \
		> /dev/null 2>&1
	check_fail $? "an unprivileged user could delete a port"
	na_ctl port del p1
	check_err $? "the port did not survive"
	log_test "netlink needs CAP_NET_ADMIN"
}

test_release_on_unregister()
{
	RET=0
	ip -n "$HV" link add p9 type veth peer name p9b
	na_ctl port add p9 mac "$VM_MAC" ip "$VM_IP"
	check_err $? "port add p9 failed"
	ip -n "$HV" link del p9
	na_ctl port show | grep -q p9
	check_fail $? "port survived its device"
	log_test "port released on device unregister"
}

test_netns_isolated()
{
	local a b

	RET=0
	setup_ns NSA NSB
	for ns in "$NSA" "$NSB"; do
		ip -n "$ns" link add vp type veth peer name vq
		ip -n "$ns" link set vp up
		ip -n "$ns" link set vq up
	done
	ip netns exec "$NSA" "$NACTL" port add vp mac "$VM_MAC" ip "$VM_IP"
	check_err $? "port add in netns A failed"
	ip netns exec "$NSB" "$NACTL" port show | grep -q vp
	check_fail $? "netns B sees netns A's port"
	na_ctl port show | grep -q vp
	check_fail $? "the HV netns sees netns A's port"
	"$NACTL" port show | grep -q vp
	check_fail $? "the init netns sees netns A's port"
	ip netns exec "$NSB" "$NACTL" port add vp mac "$VIC_MAC"
	check_err $? "same device name in netns B refused"
	ip netns exec "$NSA" "$NACTL" port del vp
	ip netns exec "$NSB" "$NACTL" port show | grep -q "vp: mac $VIC_MAC"
	check_err $? "netns B's port gone with netns A's"
	a=$(ip netns exec "$NSA" "$NACTL" port show | wc -l)
	b=$(ip netns exec "$NSB" "$NACTL" port show | wc -l)
	check_eq "$a" 0 "netns A not empty"
	check_eq "$b" 1 "netns B lost its port"
	log_test "two netns isolated from each other"
}

test_netns_exit()
{
	RET=0
	setup_ns NSC
	ip -n "$NSC" link add vp type veth peer name vq
	ip netns exec "$NSC" "$NACTL" port add vp mac "$VM_MAC" ip "$VM_IP"
	check_err $? "port add in netns C failed"
	ip netns exec "$NSC" "$NACTL" port add vq mac "$VIC_MAC" ip "$VIC_IP" mode learn
	check_err $? "learn port add in netns C failed"
	ip netns del "$NSC"
	check_err $? "netns del failed"
	# a second netns reusing the names starts empty
	setup_ns NSD
	check_eq "$(ip netns exec "$NSD" "$NACTL" port show | wc -l)" 0 "stale ports"
	log_test "ports released on netns exit"
}

test_unload_with_ports()
{
	RET=0
	na_protect
	ip -n "$HV" link add p8 type veth peer name p8b
	na_ctl port add p8 mac "$VIC_MAC" mode learn
	rmmod netagent
	check_err $? "rmmod with ports failed"
	ip -n "$HV" link del p8
	load_module netagent default_mode=2
	check_err $? "reload failed"
	check_eq "$(na_ctl port show | wc -l)" 0 "ports survived the module"
	na_ctl port add p1 mac "$VM_MAC"
	check_eq "$(na_ctl port show p1)" "p1: mac $VM_MAC mode monitor" "default_mode"
	echo 0 > /sys/module/netagent/parameters/default_mode
	na_ctl port del p1
	na_ctl port add p1 mac "$VM_MAC"
	check_eq "$(na_ctl port show p1)" "p1: mac $VM_MAC mode enforce" "default_mode knob"
	echo 3 > /sys/module/netagent/parameters/default_mode 2> /dev/null
	check_fail $? "default_mode accepted 3"
	na_ctl port del p1
	log_test "module unload with ports configured; default_mode parameter"
}

na_require
trap cleanup EXIT
na_topo || ktap_skip_all "cannot build the bridge topology"
tests_run
exit "$EXIT_STATUS"
