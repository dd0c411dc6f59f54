#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs ROW snapshots over the "cbs" netlink family: cbsctl snapshot
# create|delete|rollback|list (text and -j) and the raw snapshot-new,
# -del, -rollback requests and snapshot-get dump agree with the dmsetup
# messages; the events group reports every snapshot operation, from
# netlink and messages alike, in order; bad requests are refused with
# their extack text (no such volume, non-ROW volume, bad, long, empty
# and taken names, rollback of a live volume, missing, unknown and
# misplaced attributes); listing needs no privilege, changing does; a
# dump of 1200 snapshots lists each exactly once, in id order, over
# several messages, also while snapshots come and go; the YAML spec
# drives ynl cli.py.

ALL_TESTS="
	test_cli
	test_raw
	test_events
	test_bad_input
	test_not_row
	test_permission
	test_ynl_client
	test_dump_many
	test_dump_churn
"

RAM_MB=128
ORIGIN_MB=32
CACHE_MB=8
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

CBSCTL=$TOOLS_DIR/cbsctl/cbsctl
NL="python3 $(dirname "$0")/cbs_nl.py"
DEV=/dev/mapper/cbs0
VOL_MB=64
T=/tmp/cbs_row_nl
NR_SNAPS=1200
MON_PID=

fresh_row()
{
	dm_remove cbs0
	wipe_md
	row_create
}

# snaps DEV: "id:name:creation_time:mapped_blocks ..." from cbsctl -j
snaps()
{
	"$CBSCTL" -j snapshot list "$1" | python3 -c 'import json, sys
print(" ".join("%d:%s:%d:%d" % (s["id"], s["name"], s["creation_time"],
      s["mapped_blocks"]) for s in json.load(sys.stdin)))'
}

# msg_names: the names "dmsetup message ... snapshot list" gives
msg_names()
{
	dmsetup message cbs0 0 snapshot list | awk '{ print $2 }' | xargs
}

# cli_fails PATTERN CMD...: cbsctl exits non-zero and says PATTERN
cli_fails()
{
	local pattern=$1 out

	shift
	out=$("$CBSCTL" "$@" 2>&1)
	check_fail $? "cbsctl $* succeeded"
	case $out in
	*"$pattern"*) ;;
	*) check_err 1 "cbsctl $*: '$out', want '$pattern'" ;;
	esac
}

# dump_fails WANT_ERRNO EXTACK_SUBSTRING ATTRS...: a snapshot-get dump fails
dump_fails()
{
	local want=$1 text=$2 out

	shift 2
	out=$($NL dump snapshot-get "$@" | tail -n 1)
	check_eq "${out%% *}" "$want" "dump $*: errno"
	case $out in
	*"$text"*) ;;
	*) check_err 1 "dump $*: '$out', want '$text'" ;;
	esac
}

mon_start()
{
	"$CBSCTL" monitor -j > $T.mon &
	MON_PID=$!
	sleep 0.3
}

mon_stop()
{
	[ -n "$MON_PID" ] || return 0
	kill "$MON_PID" 2> /dev/null
	wait "$MON_PID" 2> /dev/null
	MON_PID=
}

test_cli()
{
	local t0 t1

	RET=0
	fresh_row
	head -c 1M /dev/urandom > $T.a
	head -c 1M /dev/urandom > $T.b
	put $T.a 0
	t0=$(date +%s)
	"$CBSCTL" snapshot create cbs0 s1
	check_err $? "snapshot create"
	put $T.b 1
	"$CBSCTL" snapshot create "$(devno $DEV)" s2
	check_err $? "snapshot create by major:minor"
	"$CBSCTL" snapshot create $DEV s3
	check_err $? "snapshot create by path"
	t1=$(date +%s)
	check_eq "$(snaps cbs0)" "1:s1:1:256 2:s2:2:512 3:s3:3:512" "list -j"
	check_eq "$(msg_names)" "s1 s2 s3" "the message lists them"
	# ids, names, ctime and mapped, exclusive, shared blocks as the message has them
	"$CBSCTL" -j snapshot list cbs0 > $T.json
	dmsetup message cbs0 0 snapshot list > $T.msg
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
m = [l.split() for l in open(sys.argv[2])]
t0, t1 = int(sys.argv[3]), int(sys.argv[4])
want = [[str(s[k]) for k in ("id", "name", "ctime", "mapped_blocks",
                              "exclusive_blocks", "shared_blocks")] for s in j]
sys.exit(want != m or not all(t0 <= s["ctime"] <= t1 and
                              s["exclusive_blocks"] + s["shared_blocks"] ==
                              s["mapped_blocks"] for s in j))' \
		$T.json $T.msg "$t0" "$t1"
	check_err $? "JSON and message list differ: $(cat $T.json) / $(cat $T.msg)"
	"$CBSCTL" snapshot list cbs0 > $T.txt
	check_err $? "snapshot list"
	sed 's/^/# /' $T.txt
	check_eq "$(head -n 1 $T.txt | awk '{ print $1, $2, $3 }')" "ID NAME CREATED" "header"
	check_eq "$(awk 'NR > 1 { printf "%s %s %s %s,", $1, $2, $(NF - 3), $(NF - 2) }' $T.txt)" \
		"1 s1 1 256,2 s2 2 512,3 s3 3 512," "text rows"
	check_eq "$("$CBSCTL" snapshot show cbs0 -j)" "$(cat $T.json)" "show, -j last"
	"$CBSCTL" snapshot delete cbs0 s2
	check_err $? "snapshot delete"
	check_eq "$(msg_names)" "s1 s3" "after delete"
	put $T.b 0
	dmsetup suspend cbs0
	"$CBSCTL" snapshot rollback cbs0 s1
	check_err $? "snapshot rollback (suspended)"
	dmsetup resume cbs0
	same $T.a 0
	check_err $? "the volume has s1's data after the rollback"
	check_eq "$(status_named mapped)" 256 "mapped blocks after the rollback"
	check_eq "$(snaps cbs0)" "1:s1:1:256 3:s3:3:512" "snapshots after the rollback"
	log_test "cbsctl snapshot create, list (text, -j), delete, rollback"
}

test_raw()
{
	local out

	RET=0
	nl_case 0 "" snapshot-new name=str:cbs0 snapshot.name=str:r1
	nl_case 0 "" snapshot-new major=u32:"$(devno $DEV | cut -d: -f1)" \
		minor=u32:"$(devno $DEV | cut -d: -f2)" snapshot.name=str:r2
	nl_case 0 "" snapshot-del name=str:cbs0 snapshot.name=str:r2
	nl_run
	out=$($NL dump snapshot-get name=str:cbs0)
	check_eq "$(echo "$out" | awk '/^snap/ { printf "%s:%s:%s:%s ", $2, $3, $5, $6 }')" \
		"1:s1:1:256 3:s3:3:512 4:r1:5:256 " "raw dump"
	check_eq "$(echo "$out" | tail -n 1)" "0  msgs=1 intr=0" "raw dump end"
	put $T.b 0
	dmsetup suspend cbs0
	nl_case 0 "" snapshot-rollback name=str:cbs0 snapshot.name=str:s3
	nl_run
	dmsetup resume cbs0
	same $T.a 0 && same $T.b 1
	check_err $? "the volume has s3's data after a raw rollback"
	check_eq "$(msg_names)" "s1 s3 r1" "the message list after raw requests"
	log_test "raw snapshot-new, -del, -rollback and the snapshot-get dump"
}

# mon_events: "event:snapshot name:id ..." (id "-" when absent)
mon_events()
{
	python3 -c 'import json, sys
out = []
for line in open(sys.argv[1]):
	e = json.loads(line)
	s = e.get("snapshot", {})
	out.append("%s:%s:%s" % (e["event"], s.get("name"), s.get("id", "-")))
print(" ".join(out))' $T.mon
}

test_events()
{
	local want

	RET=0
	fresh_row
	mon_start
	"$CBSCTL" snapshot create cbs0 e1
	dmsetup message cbs0 0 snapshot create e2
	"$CBSCTL" snapshot delete cbs0 e1
	"$CBSCTL" snapshot create cbs0 e2 2> /dev/null
	check_fail $? "duplicate accepted"
	dmsetup suspend cbs0
	"$CBSCTL" snapshot rollback cbs0 e2
	dmsetup message cbs0 0 snapshot rollback e2
	dmsetup resume cbs0
	dmsetup message cbs0 0 snapshot delete e2
	want="snapshot-created:e1:1 snapshot-created:e2:2 snapshot-deleted:e1:-"
	want+=" snapshot-rolled-back:e2:2 snapshot-rolled-back:e2:2 snapshot-deleted:e2:-"
	busywait 5000 test "$(wc -l < $T.mon)" -ge 6
	mon_stop
	check_eq "$(mon_events)" "$want" "events (failed operations send none)"
	python3 -c 'import json, sys
e = json.loads(open(sys.argv[1]).readline())
s = e["snapshot"]
sys.exit(not (e["name"] == "cbs0" and s["creation_time"] == 1 and
	      s["ctime"] > 0 and "mapped_blocks" in s and "dirty" in e))' $T.mon
	check_err $? "snapshot-created carries the volume and the snapshot: $(head -n 1 $T.mon)"
	"$CBSCTL" monitor > $T.mon &
	MON_PID=$!
	sleep 0.3
	"$CBSCTL" snapshot create cbs0 e3
	busywait 3000 grep -q "^snapshot-created cbs0 ([0-9:]*): snapshot e3 (id 3), dirty" $T.mon
	check_err $? "text event: $(cat $T.mon)"
	mon_stop
	log_test "events: snapshot-created, -deleted, -rolled-back, from netlink and messages"
}

test_bad_input()
{
	local devno long max

	RET=0
	fresh_row
	"$CBSCTL" snapshot create cbs0 s1
	devno=$(devno $DEV)
	long=$(printf 'x%.0s' {1..32})
	max=$(printf 'y%.0s' {1..31})
	nl_case -22 "missing volume (name, or major and minor)" snapshot-new snapshot.name=str:x
	nl_case -22 "missing volume" snapshot-rollback snapshot.name=str:s1
	nl_case -22 "major and minor go together" snapshot-new major=u32:"${devno%:*}" \
		snapshot.name=str:x
	nl_case -22 "dm_cbs: missing snapshot" snapshot-new name=str:cbs0
	nl_case -22 "dm_cbs: missing snapshot" snapshot-del name=str:cbs0
	nl_case -22 "dm_cbs: missing snapshot" snapshot-rollback name=str:cbs0
	nl_case -22 "missing snapshot name" snapshot-new name=str:cbs0 snapshot=nest:
	nl_case -19 "no such cbs volume" snapshot-new name=str:nosuch snapshot.name=str:x
	nl_case -19 "no such cbs volume" snapshot-del name=str:cbs_ssd snapshot.name=str:s1
	nl_case -19 "no such cbs volume" snapshot-new major=u32:1 minor=u32:3 snapshot.name=str:x
	nl_case -17 "a snapshot of that name exists" snapshot-new name=str:cbs0 snapshot.name=str:s1
	nl_case -22 "bad snapshot name" snapshot-new name=str:cbs0 snapshot.name=str:a/b
	nl_case -22 "bad snapshot name" snapshot-new name=str:cbs0 snapshot.name=str:-x
	nl_case -22 "empty snapshot name" snapshot-new name=str:cbs0 snapshot.name=str:
	nl_case -22 "empty snapshot name" snapshot-del name=str:cbs0 snapshot.name=str:
	nl_case -22 "Attribute failed policy validation" snapshot-new name=str:cbs0 \
		snapshot.name=str:"$long"
	nl_case -22 "Attribute failed policy validation" snapshot-del name=str:cbs0 \
		snapshot.name=bytes:s1
	nl_case 0 "" snapshot-new name=str:cbs0 snapshot.name=str:"$max"
	nl_case -2 "no snapshot of that name" snapshot-del name=str:cbs0 snapshot.name=str:nosuch
	nl_case -16 "suspend the volume first" snapshot-rollback name=str:cbs0 snapshot.name=str:s1
	nl_case -22 "NLA_F_NESTED is missing" snapshot-new name=str:cbs0 snapshot~name=str:x
	nl_case -22 "Unsupported attribute" snapshot-new name=str:cbs0 snapshot.name=str:x \
		snapshot.id=u64:1
	nl_case -22 "Unknown attribute type" snapshot-new name=str:cbs0 snapshot.name=str:x \
		snapshot.9=u32:1
	nl_case -22 "Unsupported attribute" snapshot-new name=str:cbs0 mode=u32:1 \
		snapshot.name=str:x
	nl_case -22 "Unknown attribute type" snapshot-del name=str:cbs0 99=u32:1 snapshot.name=str:s1
	nl_case 0 "" snapshot-del name=str:cbs0 snapshot.name=str:"$max"
	nl_run
	dump_fails -22 "missing volume"
	dump_fails -19 "no such cbs volume" name=str:nosuch
	dump_fails -19 "no such cbs volume" name=str:cbs_ssd
	dump_fails -22 "Unknown attribute type" name=str:cbs0 snapshot.name=str:s1
	cli_fails "no such cbs volume" snapshot create nosuch x
	cli_fails "no such cbs volume" snapshot list nosuch
	cli_fails "a snapshot of that name exists" snapshot create cbs0 s1
	cli_fails "bad snapshot name" snapshot create cbs0 a/b
	cli_fails "invalid snapshot name" snapshot create cbs0 "$long"
	cli_fails "invalid snapshot name" snapshot delete cbs0 ""
	cli_fails "no snapshot of that name" snapshot delete cbs0 nosuch
	cli_fails "suspend the volume first" snapshot rollback cbs0 s1
	cli_fails "usage" snapshot create cbs0
	cli_fails "usage" snapshot list
	cli_fails "usage" snapshot list cbs0 s1
	cli_fails "unknown command 'snapshot frob'" snapshot frob cbs0 x
	check_eq "$(msg_names)" "s1" "snapshots after the bad requests"
	log_test "bad snapshot requests refused with their extack text, cbsctl exits non-zero"
}

test_not_row()
{
	RET=0
	dm_remove cbs0
	wipe_md
	cbs_create writeback
	nl_case -95 "not a ROW volume" snapshot-new name=str:cbs0 snapshot.name=str:x
	nl_case -95 "not a ROW volume" snapshot-del name=str:cbs0 snapshot.name=str:x
	nl_case -95 "not a ROW volume" snapshot-rollback name=str:cbs0 snapshot.name=str:x
	nl_run
	dump_fails -95 "not a ROW volume" name=str:cbs0
	cli_fails "not a ROW volume" snapshot create cbs0 x
	cli_fails "not a ROW volume" snapshot list cbs0
	dm_remove cbs0
	log_test "a cache-only volume has no snapshots (EOPNOTSUPP)"
}

test_permission()
{
	local nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"

	RET=0
	fresh_row
	"$CBSCTL" snapshot create cbs0 p1
	$nobody "$CBSCTL" snapshot list cbs0 | grep -q "^1 *p1 "
	check_err $? "an unprivileged user cannot list the snapshots"
	$nobody "$CBSCTL" snapshot create cbs0 p2 2> $T.err
	check_fail $? "an unprivileged user created a snapshot"
	grep -q "Operation not permitted" $T.err
	check_err $? "not EPERM: $(cat $T.err)"
	$nobody "$CBSCTL" snapshot delete cbs0 p1 2> /dev/null
	check_fail $? "an unprivileged user deleted a snapshot"
	dmsetup suspend cbs0
	$nobody "$CBSCTL" snapshot rollback cbs0 p1 2> /dev/null
	check_fail $? "an unprivileged user rolled back"
	dmsetup resume cbs0
	check_eq "$(msg_names)" "p1" "snapshots after the refused changes"
	log_test "listing needs no privilege, changes need CAP_NET_ADMIN/CAP_SYS_ADMIN"
}

# The YAML spec drives the kernel's ynl cli.py as a second client.
test_ynl_client()
{
	local out

	RET=0
	if ! cbs_ynl_ok; then
		log_test_skip "YAML spec drives ynl cli.py" "ynl or python3-yaml missing"
		return
	fi
	cbs_ynl --do snapshot-new \
		--json '{"name": "cbs0", "snapshot": {"name": "y1"}}' > /dev/null
	check_err $? "ynl snapshot-new failed"
	out=$(cbs_ynl --dump snapshot-get \
		--json '{"name": "cbs0"}')
	check_err $? "ynl snapshot-get dump failed"
	case $out in
	*"'name': 'p1'"*"'creation-time': 2"*"'name': 'y1'"*) ;;
	*) check_err 1 "ynl dump: $out" ;;
	esac
	check_eq "$(msg_names)" "p1 y1" "snapshots after ynl"
	nl_case 0 "" snapshot-del name=str:cbs0 snapshot.name=str:y1
	nl_run
	log_test "the YAML spec drives ynl cli.py (second client)"
}

# check_dump FILE IDS_FILE: FILE (a raw dump) lists exactly IDS_FILE's ids,
# each once, in order, over several messages, and ended well
check_dump()
{
	python3 -c 'import sys
lines = open(sys.argv[1]).read().split("\n")[:-1]
want = [int(x) for x in open(sys.argv[2]).read().split()]
got = [int(l.split()[1]) for l in lines[:-1] if l.startswith("snap ")]
end = lines[-1].split()
msgs = int(end[-2].split("=")[1])
if end[0] != "0" or got != want or msgs < 2:
	missing = sorted(set(want) - set(got))[:10]
	dup = sorted(i for i in set(got) if got.count(i) > 1)[:10]
	print("# %s: %d of %d ids, missing %s, repeated %s, %d messages" %
	      (lines[-1], len(got), len(want), missing, dup, msgs))
	sys.exit(1)
print("# %d snapshots in %d messages" % (len(got), msgs))' "$@"
}

test_dump_many()
{
	local i start

	RET=0
	fresh_row
	start=$SECONDS
	# dmsetup message takes 0.3-0.6 s each under emulation: a few of them,
	# the rest in one netlink batch (about 15 ms each)
	for ((i = 1; i <= 10; i++)); do
		dmsetup message cbs0 0 snapshot create m$i || break
	done
	check_err $? "snapshot create m$i (message)"
	for ((i = 11; i <= NR_SNAPS; i++)); do
		echo "snapshot-new name=str:cbs0 snapshot.name=str:m$i"
	done | $NL - | sort | uniq -c > $T.out
	check_eq "$(xargs < $T.out)" "$((NR_SNAPS - 10)) 0" "netlink creates"
	log_info "$NR_SNAPS snapshots created in $((SECONDS - start)) s"
	check_eq "$(status_named snapshots)" $NR_SNAPS "snapshots in the status"
	seq 1 $NR_SNAPS > $T.ids
	$NL dump snapshot-get name=str:cbs0 > $T.dump
	check_dump $T.dump $T.ids
	check_err $? "raw dump of $NR_SNAPS snapshots"
	python3 -c 'import sys
for l in open(sys.argv[1]):
	w = l.split()
	if w[0] == "snap" and (w[2] != "m" + w[1] or w[4] != w[1]):
		sys.exit("# " + l)' $T.dump
	check_err $? "names or creation times wrong"
	# every 97th goes: the dump skips exactly them
	for ((i = 97; i <= NR_SNAPS; i += 97)); do
		echo "snapshot-del name=str:cbs0 snapshot.name=str:m$i"
	done | $NL - | sort -u > $T.out
	check_eq "$(xargs < $T.out)" "0" "netlink deletes"
	seq 1 $NR_SNAPS | awk '$1 % 97' > $T.ids
	$NL dump snapshot-get name=str:cbs0 > $T.dump
	check_dump $T.dump $T.ids
	check_err $? "raw dump after deletes"
	"$CBSCTL" -j snapshot list cbs0 | python3 -c 'import json, sys
ids = [s["id"] for s in json.load(sys.stdin)]
want = [int(x) for x in open(sys.argv[1]).read().split()]
sys.exit(ids != want)' $T.ids
	check_err $? "cbsctl -j list of $(wc -l < $T.ids) snapshots"
	check_eq "$("$CBSCTL" snapshot list cbs0 | wc -l)" $(($(wc -l < $T.ids) + 1)) \
		"cbsctl text list"
	log_test "a dump of $NR_SNAPS snapshots: each once, in id order, several messages"
}

# Dumps while snapshots are created and deleted: the snapshots that stay
# are listed exactly once each, in id order; new ones come after them.
test_dump_churn()
{
	local pid runs=0 i

	RET=0
	# the odd ids up to 400 go (but 97 and 291, gone already), n1..n200
	# come (ids after the others)
	for ((i = 1; i <= 200; i++)); do
		if (((2 * i - 1) % 97)); then
			echo "snapshot-del name=str:cbs0 snapshot.name=str:m$((2 * i - 1))"
		fi
		echo "snapshot-new name=str:cbs0 snapshot.name=str:n$i"
	done > $T.churn
	$NL - < $T.churn > $T.churn.out &
	pid=$!
	awk '$1 % 97 && ($1 > 400 || $1 % 2 == 0)' $T.ids > $T.stable
	# five dumps per python run (its start is slow under emulation)
	while kill -0 "$pid" 2> /dev/null; do
		printf 'dump snapshot-get name=str:cbs0\n%.0s' 1 2 3 4 5 | $NL - > $T.dump.$runs
		runs=$((runs + 1))
	done
	wait "$pid"
	check_eq "$(grep -cv '^0 ' $T.churn.out)" 0 "failed snapshot operations"
	python3 -c 'import sys
stable = [int(x) for x in open(sys.argv[1]).read().split()]
s = set(stable)
dumps = intr = bad = 0
for f in sys.argv[2:]:
	got = []
	for l in open(f):
		if l.startswith("snap "):
			got.append(int(l.split()[1]))
			continue
		# the end of one dump
		dumps += 1
		intr += "intr=1" in l
		if not (l.startswith("0 ") and got == sorted(set(got)) and
			[i for i in got if i in s] == stable):
			print("# bad dump: %s, %d ids" % (l.strip(), len(got)))
			bad += 1
		got = []
print("# %d dumps, %d flagged interrupted" % (dumps, intr))
sys.exit(bad or dumps < 5)' $T.stable $T.dump.*
	check_err $? "a stable snapshot missing, repeated or out of order"
	log_info "dumps during $(wc -l < $T.churn) snapshot operations"
	check_eq "$("$CBSCTL" -j snapshot list cbs0 | python3 -c 'import json, sys
print(len(json.load(sys.stdin)))')" $(($(wc -l < $T.stable) + 200)) "snapshots after the churn"
	rm -f $T.dump.*
	log_test "dumps while snapshots come and go: no repeat, no skip"
}

[ -x "$CBSCTL" ] || ktap_skip_all "cbsctl not built (make tools)"
cbs_setup
require_cmd python3 setpriv
row_data_setup || exit 1
trap 'mon_stop; dm_remove_all; cleanup' EXIT
defer rm -f "$T".*
tests_run
exit "$EXIT_STATUS"
