#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# dm_msg.py DEV MESSAGE...: send a device-mapper target message with the
# DM_TARGET_MSG ioctl and print how long the ioctl took, in microseconds.
# The benchmarks time messages with it: "dmsetup message" itself takes
# over 100 ms to start in a TCG guest, which would hide the target's work.
import fcntl
import struct
import sys
import time

DM_NAME_LEN, DM_UUID_LEN = 128, 129
DM_HDR = struct.Struct("=3I I I I i I I I Q %ds %ds 7x" % (DM_NAME_LEN, DM_UUID_LEN))
DM_TARGET_MSG = (3 << 30) | (DM_HDR.size << 16) | (0xfd << 8) | 14


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: dm_msg.py DEV MESSAGE...")
    msg = " ".join(sys.argv[2:]).encode() + b"\0"
    data = struct.pack("=Q", 0) + msg
    size = DM_HDR.size + len(data) + 4096  # room for the reply
    hdr = DM_HDR.pack(4, 0, 0, size, DM_HDR.size, 0, 0, 0, 0, 0, 0,
                      sys.argv[1].encode(), b"")
    buf = bytearray(hdr + data + bytes(size - DM_HDR.size - len(data)))
    with open("/dev/mapper/control", "rb", buffering=0) as ctl:
        t0 = time.perf_counter_ns()
        try:
            fcntl.ioctl(ctl, DM_TARGET_MSG, buf)
        except OSError as e:
            sys.exit("dm_msg.py: %s: %s" % (" ".join(sys.argv[2:]), e.strerror))
        t1 = time.perf_counter_ns()
    print((t1 - t0) // 1000)


if __name__ == "__main__":
    main()
