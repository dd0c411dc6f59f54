#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs table construction under fault injection (debug kernel only):
# the create tests of cbs_fault.sh, over fresh and over formatted metadata,
# in a script of their own so they get their own timeout.

CBS_FAULT_TESTS="test_create_fresh test_create_load" exec "$(dirname "$0")/cbs_fault.sh"
