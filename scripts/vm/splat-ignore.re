# SPDX-License-Identifier: GPL-2.0
# Kernel log lines that match splat.re but are the emulator's, not a bug of
# the kernel or of our modules (one ERE; read by scripts/vm-run,
# scripts/vm/init and selftests/run.sh, which still print what they let
# through). Keep this list short, each entry with its reason.
#
# x86 exc_debug_kernel() WARNs on a single-step #DB taken in kernel mode;
# its comment names QEMU leaking #DB into the guest as the known cause. Seen
# under TCG once (2026-11-26, from a timer interrupt over a user-space grep,
# no debugger attached, nothing of ours on the stack).
WARNING: CPU: [0-9]+ PID: [0-9]+ at arch/x86/kernel/traps\.c:[0-9]+ exc_debug_kernel\+
