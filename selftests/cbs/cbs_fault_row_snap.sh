#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs ROW snapshot operations under fault injection (debug kernel
# only): rollback, cbs-snap devices, snapshot create, delete and list by
# message and by cbsctl. Table construction is in cbs_fault_row.sh.

CBS_FAULT_TESTS="test_row_rollback test_row_snapdev test_row_snap" \
	exec "$(dirname "$0")/cbs_fault.sh"
