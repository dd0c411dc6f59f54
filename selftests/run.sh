#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - run cloudplane selftests and print TAP, then one summary line
# "N passed, N failed, N skipped".
#
# usage: selftests/run.sh [-d BASE] [-o SUMMARY] [-l] [DIR|DIR/TEST ...]
#
#   -d BASE     directory holding the test folders (default: selftests/)
#   -o SUMMARY  also write "pass fail skip" to SUMMARY (scripts/check reads it)
#   -l          list the tests and exit
#
# A test is every executable file directly inside a test folder; the
# folder's "settings" file may set timeout=SECONDS (default 300). Exit 0 is
# a pass, 4 a skip, anything else a failure; a test that outlives its
# timeout is killed with its whole session and counted as failed. A kernel
# splat logged while a test runs fails that test. The folder "host" holds
# tests run on the host by scripts/check and is skipped here.

set -u

BASE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SUMMARY=
LIST=0
DEFAULT_TIMEOUT=300
SPLAT='WARNING:|BUG:|Oops|KASAN|kmemleak:.*(leak|suspected)|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|RCU stall|detected stall|general protection|refcount_t:|blocked for more than|sleeping function called from invalid context|list_(add|del) corruption'

while getopts "d:o:lh" opt; do
	case $opt in
	d) BASE=$(cd "$OPTARG" && pwd) || exit 2 ;;
	o) SUMMARY=$OPTARG ;;
	l) LIST=1 ;;
	*) sed -n '6,10s/^# \?//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# collect TESTS as "dir/file" relative to BASE
TESTS=()
add_dir()
{
	local d=$1 f

	for f in "$BASE/$d"/*; do
		[ -f "$f" ] && [ -x "$f" ] && TESTS+=("$d/${f##*/}")
	done
}

if [ $# -eq 0 ]; then
	for d in "$BASE"/*/; do
		d=${d%/}
		d=${d##*/}
		[ "$d" = host ] && continue
		add_dir "$d"
	done
else
	for t in "$@"; do
		t=${t#selftests/}
		t=${t%/}
		if [ -d "$BASE/$t" ]; then
			add_dir "$t"
		elif [ -x "$BASE/$t" ]; then
			TESTS+=("$t")
		else
			echo "run.sh: no such test: $t" >&2
			exit 2
		fi
	done
fi

if [ "$LIST" = 1 ]; then
	printf '%s\n' "${TESTS[@]}"
	exit 0
fi

dir_timeout()
{
	local s=$BASE/$1/settings v

	v=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$s" 2> /dev/null | tail -n 1)
	echo "${v:-$DEFAULT_TIMEOUT}"
}

kmsg_lines()
{
	dmesg 2> /dev/null | wc -l
}

pass=0
fail=0
skip=0
n=0
start_all=$(date +%s)
echo "TAP version 13"
echo "1..${#TESTS[@]}"
for t in "${TESTS[@]}"; do
	n=$((n + 1))
	dir=${t%/*}
	name=${t##*/}
	to=$(dir_timeout "$dir")
	sidfile=$(mktemp)
	before=$(kmsg_lines)
	start=$(date +%s)
	echo "# selftests: $dir: $name"

	# New session, so a timeout can kill everything the test started.
	# Not a pipe: a leftover child holding the output open must not
	# keep the runner waiting; it is killed with the session below.
	fifo=$(mktemp -u)
	mkfifo "$fifo"
	sed -u 's/^/# /' < "$fifo" &
	filter=$!
	(cd "$BASE/$dir" &&
	 exec timeout --kill-after=5 "$to" \
		setsid sh -c 'echo $$ > "$0"; exec "$@"' "$sidfile" "./$name") \
		< /dev/null > "$fifo" 2>&1
	rc=$?
	sid=$(cat "$sidfile" 2> /dev/null)
	rm -f "$sidfile"
	if [ -n "$sid" ]; then
		pkill -KILL -s "$sid" 2> /dev/null
	fi
	wait "$filter" 2> /dev/null
	rm -f "$fifo"
	took=$(($(date +%s) - start))

	splat=$(dmesg 2> /dev/null | tail -n +"$((before + 1))" | grep -E "$SPLAT" | head -n 5)
	desc="selftests: $dir: $name"
	if [ -n "$splat" ]; then
		echo "$splat" | sed 's/^/# kernel: /'
		echo "not ok $n $desc # kernel splat (${took}s)"
		fail=$((fail + 1))
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "not ok $n $desc # TIMEOUT ${to}s"
		fail=$((fail + 1))
	elif [ "$rc" = 4 ]; then
		echo "ok $n $desc # SKIP (${took}s)"
		skip=$((skip + 1))
	elif [ "$rc" = 0 ]; then
		echo "ok $n $desc (${took}s)"
		pass=$((pass + 1))
	else
		echo "not ok $n $desc # exit=$rc (${took}s)"
		fail=$((fail + 1))
	fi
	leftover=$(ip netns list 2> /dev/null | wc -l)
	[ "$leftover" -gt 0 ] && echo "# warning: $desc left $leftover network namespace(s)"
done

echo "# total time $(($(date +%s) - start_all))s"
[ -n "$SUMMARY" ] && echo "$pass $fail $skip" > "$SUMMARY"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
