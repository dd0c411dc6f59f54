# SPDX-License-Identifier: GPL-2.0
# Kernel log lines that fail a test run (one ERE; read by scripts/vm-run and selftests/run.sh).
WARNING:|BUG:|Oops|KASAN|kmemleak: [0-9]+ new suspected|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|DEBUG_LOCKS_WARN_ON|suspicious RCU usage|RCU stall|rcu_sched self-detected stall|detected stall|general protection|refcount_t:|blocked for more than|Kernel panic|sleeping function called from invalid context|list_add corruption|list_del corruption
