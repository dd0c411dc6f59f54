# SPDX-License-Identifier: GPL-2.0
"""Write blocks 0, 1, 2 ... of a device in order, one O_DIRECT write at a
time, each 4 KiB block filled with its own number, until a file appears.
After every completed write the number of blocks written goes to a state
file, so a test knows which writes were acked before and after an event.

  python3 seq_writer.py DEV START_BLOCK NR_BLOCKS STATE STOPFILE
  python3 seq_writer.py --check DEV START_BLOCK NR_BLOCKS LOW HIGH
      The device holds a prefix of such a run: blocks START .. START+k-1
      numbered, the rest zero, for some k with LOW <= k <= HIGH. Prints k;
      exit 1 if not.
"""
import mmap
import os
import struct
import sys

BLOCK = 4096


def pattern(n):
    return struct.pack("<Q", n + 1) * (BLOCK // 8)


def write(dev, start, count, state, stop):
    buf = mmap.mmap(-1, BLOCK)
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
    done = 0
    while done < count and not os.path.exists(stop):
        buf.seek(0)
        buf.write(pattern(done))
        os.pwrite(fd, buf, (start + done) * BLOCK)
        done += 1
        with open(state + ".tmp", "w") as f:
            f.write("%d\n" % done)
        os.rename(state + ".tmp", state)
    os.close(fd)


def check(dev, start, count, low, high):
    buf = mmap.mmap(-1, BLOCK)
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    zero = bytes(BLOCK)
    k = 0
    while k < count:
        os.preadv(fd, [buf], (start + k) * BLOCK)
        if buf[:] != pattern(k):
            break
        k += 1
    for i in range(k, count):
        os.preadv(fd, [buf], (start + i) * BLOCK)
        if buf[:] != zero:
            print("block %d is neither block %d's data nor zero after a "
                  "prefix of %d" % (start + i, i, k))
            return 1
    os.close(fd)
    print(k)
    return 0 if low <= k <= high else 1


def main():
    if sys.argv[1] == "--check":
        dev, start, count, low, high = sys.argv[2:7]
        return check(dev, int(start), int(count), int(low), int(high))
    dev, start, count, state, stop = sys.argv[1:6]
    write(dev, int(start), int(count), state, stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
