#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - run cloudplane selftests and print TAP, then one summary line
# "N passed, N failed, N skipped".
#
# usage: selftests/run.sh [-d BASE] [-o SUMMARY] [-k] [-l] [DIR|DIR/TEST ...]
#
#   -d BASE     directory holding the test folders (default: selftests/)
#   -o SUMMARY  also write "pass fail skip" to SUMMARY (scripts/check reads it)
#   -k          kmemleak: scan after each folder's tests and after unloading
#               every module of ours at the end; each scan is a test
#   -l          list the tests and exit
#
# A test is every executable file directly inside a test folder; the
# folder's "settings" file may set timeout=SECONDS (default 300), and
# timeout.TEST=SECONDS for one test of the folder. Exit 0 is
# a pass, 4 a skip, anything else a failure; a test that outlives its
# timeout is killed with its whole session and counted as failed. A kernel
# splat logged while a test runs fails that test. The folder "host" holds
# tests run on the host by scripts/check and is skipped here.

set -u

BASE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SUMMARY=
LIST=0
KMEMLEAK=0
DEFAULT_TIMEOUT=300
# The same splat pattern as scripts/vm-run.
SPLAT=$(grep -v "^#" "$BASE/../scripts/vm/splat.re")
SPLAT_IGNORE=$(grep -v "^#" "$BASE/../scripts/vm/splat-ignore.re")

while getopts "d:o:klh" opt; do
	case $opt in
	d) BASE=$(cd "$OPTARG" && pwd) || exit 2 ;;
	o) SUMMARY=$OPTARG ;;
	k) KMEMLEAK=1 ;;
	l) LIST=1 ;;
	*) sed -n '6,13s/^# \?//p' "$0" >&2; exit 2 ;;
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

# test_timeout DIR TEST: timeout.TEST= of DIR/settings, else timeout=
test_timeout()
{
	local s=$BASE/$1/settings v

	v=$(awk -F= -v t="timeout.$2" '$1 == t && $2 ~ /^[0-9]+$/ { v = $2 }
		END { print v }' "$s" 2> /dev/null)
	[ -n "$v" ] ||
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
recap=

KMEMLEAK_FILE=/sys/kernel/debug/kmemleak
if [ "$KMEMLEAK" = 1 ]; then
	if [ -w "$KMEMLEAK_FILE" ]; then
		echo clear > "$KMEMLEAK_FILE"
	else
		echo "run.sh: -k: no $KMEMLEAK_FILE (kernel without kmemleak?)" >&2
		exit 2
	fi
fi

# kmemleak_check WHAT: two scans (objects must stay unreferenced across
# both), then a test line; the reports are cleared for the next check.
kmemleak_check()
{
	local what=$1 leaks

	n=$((n + 1))
	echo scan > "$KMEMLEAK_FILE"
	echo scan > "$KMEMLEAK_FILE"
	leaks=$(cat "$KMEMLEAK_FILE")
	if [ -n "$leaks" ]; then
		echo "$leaks" | head -n 60 | sed 's/^/# /'
		echo "not ok $n kmemleak: $what # $(grep -c '^unreferenced object' <<< "$leaks") leak(s)"
		fail=$((fail + 1))
	else
		echo "ok $n kmemleak: $what"
		pass=$((pass + 1))
	fi
	echo clear > "$KMEMLEAK_FILE"
}

# Our modules (kmod/*/Kbuild obj-m names), for the final unload.
our_modules()
{
	sed -n 's/^obj-m[[:space:]]*[:+]\?=[[:space:]]*\([A-Za-z0-9_-]*\)\.o.*/\1/p' \
		"$BASE"/../kmod/*/Kbuild 2> /dev/null | tr - _
}
start_all=$(date +%s)
# With -k, one more result per folder and one for the final unload.
plan=${#TESTS[@]}
if [ "$KMEMLEAK" = 1 ]; then
	plan=$((plan + $(printf '%s\n' "${TESTS[@]%/*}" | sort -u | wc -l) + 1))
fi
echo "TAP version 13"
echo "1..$plan"
prev_dir=
for t in "${TESTS[@]}"; do
	dir=${t%/*}
	if [ "$KMEMLEAK" = 1 ] && [ -n "$prev_dir" ] && [ "$dir" != "$prev_dir" ]; then
		kmemleak_check "after $prev_dir"
	fi
	prev_dir=$dir
	n=$((n + 1))
	name=${t##*/}
	# Slow kernels (KASAN + lockdep under TCG) scale every timeout.
	to=$(($(test_timeout "$dir" "$name") * ${CLOUDPLANE_TIMEOUT_SCALE:-1}))
	sidfile=$(mktemp)
	before=$(kmsg_lines)
	start=$(date +%s)
	echo "# selftests: $dir: $name"

	# New session, so a timeout can kill everything the test started.
	# Not a pipe: a leftover child holding the output open must not
	# keep the runner waiting; it is killed with the session below.
	fifo=$(mktemp -u)
	outf=$(mktemp)
	mkfifo "$fifo"
	sed -u 's/^/# /' < "$fifo" | tee "$outf" &
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

	splat=$(dmesg 2> /dev/null | tail -n +"$((before + 1))" | grep -E "$SPLAT")
	if [ -n "$SPLAT_IGNORE" ] && grep -Eq "$SPLAT_IGNORE" <<< "$splat"; then
		grep -E "$SPLAT_IGNORE" <<< "$splat" | head -n 5 |
			sed 's/^/# kernel (emulator artifact, not a failure): /'
		splat=$(grep -Ev "$SPLAT_IGNORE" <<< "$splat")
	fi
	splat=$(head -n 5 <<< "$splat")
	desc="selftests: $dir: $name"
	why=
	if [ -n "$splat" ]; then
		echo "$splat" | sed 's/^/# kernel: /'
		why="kernel splat (${took}s)"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		why="TIMEOUT ${to}s"
	elif [ "$rc" = 4 ]; then
		echo "ok $n $desc # SKIP (${took}s)"
		skip=$((skip + 1))
	elif [ "$rc" = 0 ]; then
		echo "ok $n $desc (${took}s)"
		pass=$((pass + 1))
	else
		why="exit=$rc (${took}s)"
	fi
	if [ -n "$why" ]; then
		echo "not ok $n $desc # $why"
		fail=$((fail + 1))
		# What failed inside, for the recap at the end (a CI log is
		# often read from its tail).
		recap+="# $dir/$name: $why"$'\n'
		inner=$({ grep -A1 '^# not ok ' "$outf" | grep -v '^--$' | head -n 20
			  [ -n "$splat" ] && head -n 2 <<< "$splat" | sed 's/^/kernel: /'; } |
			sed 's/^/#   /')
		[ -n "$inner" ] && recap+="$inner"$'\n'
	fi
	rm -f "$outf"
	# A test killed at its timeout leaves its namespaces, and processes
	# in them that started their own session (flow generators): they
	# would load the next tests. Warn, kill them, remove the namespaces.
	leftover=$(ip netns list 2> /dev/null | awk '{ print $1 }')
	if [ -n "$leftover" ]; then
		echo "# warning: $desc left $(wc -w <<< "$leftover") network namespace(s), removed: $(xargs <<< "$leftover")"
		for ns in $leftover; do
			ip netns pids "$ns" 2> /dev/null | xargs -r kill -KILL 2> /dev/null
			ip netns del "$ns" 2> /dev/null
		done
	fi
	# Its device-mapper devices and loop devices too: they would keep
	# the RAM disks under them busy (the next test could not reload brd
	# with its own sizes and would skip).
	leftover=$(dmsetup ls 2> /dev/null | awk '$1 != "No" { print $1 }')
	if [ -n "$leftover" ]; then
		echo "# warning: $desc left $(wc -w <<< "$leftover") device-mapper device(s), removed: $(xargs <<< "$leftover")"
		dmsetup remove_all --force > /dev/null 2>&1
	fi
	leftover=$(losetup -n -O NAME 2> /dev/null)
	if [ -n "$leftover" ]; then
		echo "# warning: $desc left $(wc -w <<< "$leftover") loop device(s), detached: $(xargs <<< "$leftover")"
		losetup -D 2> /dev/null
	fi
done

if [ "$KMEMLEAK" = 1 ]; then
	[ -n "$prev_dir" ] && kmemleak_check "after $prev_dir"
	for m in $(our_modules); do
		grep -q "^$m " /proc/modules && rmmod "$m"
	done
	kmemleak_check "after unloading every module"
fi

echo "# total time $(($(date +%s) - start_all))s"
if [ -n "$recap" ]; then
	echo "# failed:"
	printf '%s' "$recap"
fi
[ -n "$SUMMARY" ] && echo "$pass $fail $skip" > "$SUMMARY"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
