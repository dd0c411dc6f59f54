# SPDX-License-Identifier: GPL-2.0
"""Many long-lived TCP flows with verified data (run with python3).

  serve --port P [--stats FILE]
        epoll echo server (in a VM): echoes every byte back and checks that
        each flow carries the pattern the client sends; writes its counters
        as JSON to FILE every second and at exit (SIGTERM)
  client HOST PORT [--flows N] [--src IP[,IP...]] [--interval S]
         [--size B] [--duration S] [--stall S] [--drain S]
         [--status FILE] [--connect-burst N] [--connect-timeout S]
        N flows from one process (epoll, non-blocking), the source address
        of flow i is src[i % len(src)] with a kernel-chosen port (so an L4
        ECMP hash spreads them). After connecting, each flow sends one
        record of B bytes every S seconds (start times staggered over S),
        the server echoes it, the client compares it with what it sent.
        Record k of flow i: be32 magic, be32 i, be64 k, then B - 16 bytes
        of a pattern that depends on (i, k).
        SIGUSR1 sets a mark (e.g. "a gateway died now"); the status file
        and the summary count the flows that got a record sent after the
        last mark back intact. SIGUSR2 (or --duration) ends the run: no
        more sends, wait up to --drain S for the echoes in flight.
        Prints one JSON object: counts (ok, broken, resets, stalls, ...),
        echo times, the first failed, stalled and slowest flows.

  probe HOST PORT [--count N] [--gap S] [--src IP] [--hold S]
        N connections one after the other, S seconds apart; prints one
        line per connection, "T IP:PORT", T = CLOCK_MONOTONIC just before
        connect(); keeps them open for --hold seconds, then closes them
  stamp
        copies stdin to stdout, each line prefixed with CLOCK_MONOTONIC
        (e.g. behind "tgwctl monitor conn")

Cost, TCG guest on a busy 2-core host, client -> router -> gateway -> host
-> VM and back: 1000 flows x 64 B every 0.5 s keep echoes around 100 ms
(p99 1-2 s); every 0.2 s (5000 records/s) the guest falls behind, echoes
queue for seconds. 10,000 flows x 64 B every 5 s work too.
"""
import argparse
import collections
import errno
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time

MAGIC = 0x53594E43  # "SYNC"
HDR = struct.Struct("!IIQ")
PAT = bytes(range(256)) * 40
DISCONNECTS = (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED)


def record(flow, k, size):
    off = (flow * 31 + k * 17) & 0xFF
    return HDR.pack(MAGIC, flow, k) + PAT[off:off + size - HDR.size]


def raise_nofile(want=1 << 16):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= want:
        return
    try:	# root may raise the hard limit too
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(want, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def write_json(path, obj):
    tmp = path + ".tmp"
    try:
        with open(tmp, "w") as f:
            json.dump(obj, f)
        os.rename(tmp, path)
    except OSError:
        pass	# the test is cleaning up


# ---- server ---------------------------------------------------------------

class SConn:
    __slots__ = ("sock", "rx", "tx", "flow", "k")

    def __init__(self, sock):
        self.sock = sock
        self.rx = b""
        self.tx = b""
        self.flow = None
        self.k = 0


def serve(args):
    raise_nofile()
    st = {"conns": 0, "open": 0, "records": 0, "mismatch": 0, "resets": 0,
          "eof": 0}
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", args.port))
    ls.listen(4096)
    ls.setblocking(False)
    ep = select.epoll()
    ep.register(ls.fileno(), select.EPOLLIN)
    conns = {}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    size = args.size
    next_stats = 0

    def close(c, why):
        st[why] += 1
        st["open"] -= 1
        ep.unregister(c.sock.fileno())
        del conns[c.sock.fileno()]
        c.sock.close()

    while not stop:
        now = time.monotonic()
        if args.stats and now >= next_stats:
            write_json(args.stats, st)
            next_stats = now + 1
        try:
            events = ep.poll(0.5)
        except InterruptedError:
            continue
        for fd, ev in events:
            if fd == ls.fileno():
                while True:
                    try:
                        s, _ = ls.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        break
                    s.setblocking(False)
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    c = SConn(s)
                    conns[s.fileno()] = c
                    ep.register(s.fileno(), select.EPOLLIN)
                    st["conns"] += 1
                    st["open"] += 1
                continue
            c = conns.get(fd)
            if c is None:
                continue
            if ev & select.EPOLLIN or ev & (select.EPOLLERR | select.EPOLLHUP):
                try:
                    data = c.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    data = None
                except OSError:
                    close(c, "resets")
                    continue
                if data == b"":
                    close(c, "eof")
                    continue
                if data:
                    c.tx += data
                    c.rx += data
                    while len(c.rx) >= size:
                        rec, c.rx = c.rx[:size], c.rx[size:]
                        if c.flow is None:
                            c.flow = HDR.unpack_from(rec)[1]
                        if rec != record(c.flow, c.k, size):
                            st["mismatch"] += 1
                        c.k += 1
                        st["records"] += 1
            if c.tx:
                try:
                    n = c.sock.send(c.tx)
                    c.tx = c.tx[n:]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    close(c, "resets")
                    continue
                ep.modify(fd, select.EPOLLIN |
                          (select.EPOLLOUT if c.tx else 0))
    if args.stats:
        write_json(args.stats, st)


# ---- client ---------------------------------------------------------------

class Flow:
    __slots__ = ("i", "sock", "state", "k_tx", "k_rx", "rx", "tx", "sent_at",
                 "t_conn", "err", "stalled", "ok_after", "max_rtt", "name",
                 "t_err", "t_stall", "t_max_rtt")

    def __init__(self, i):
        self.i = i
        self.sock = None
        self.state = "new"	# new connecting up dead
        self.k_tx = 0
        self.k_rx = 0
        self.rx = b""
        self.tx = b""
        self.sent_at = collections.deque()
        self.t_conn = 0.0
        self.err = None
        self.stalled = False
        self.t_stall = 0.0	# when the oldest unanswered record went
        self.t_max_rtt = 0.0	# when the slowest record went
        self.ok_after = -1	# last mark index with a record verified after
        self.max_rtt = 0.0
        self.name = ""
        self.t_err = 0.0


def client(args):
    raise_nofile()
    srcs = args.src.split(",") if args.src else [None]
    size = args.size
    flows = [Flow(i) for i in range(args.flows)]
    byfd = {}
    ep = select.epoll()
    marks = []
    ending = []
    res = collections.Counter()
    rtts = []
    t_start = time.monotonic()

    signal.signal(signal.SIGUSR1, lambda *a: marks.append(time.monotonic()))
    signal.signal(signal.SIGUSR2, lambda *a: ending.append(1))
    signal.signal(signal.SIGTERM, lambda *a: ending.append(1))

    def kill(f, why):
        if f.state == "dead":
            return
        if f.sock is not None:
            try:
                ep.unregister(f.sock.fileno())
            except (OSError, ValueError):
                pass
            byfd.pop(f.sock.fileno(), None)
            f.sock.close()
        f.state = "dead"
        f.err = why
        f.t_err = time.monotonic()
        res[why] += 1

    def start_connect(f):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        src = srcs[f.i % len(srcs)]
        if src:
            s.bind((src, 0))
        f.sock = s
        f.state = "connecting"
        f.t_conn = time.monotonic()
        byfd[s.fileno()] = f
        rc = s.connect_ex((args.host, args.port))
        if rc not in (0, errno.EINPROGRESS):
            res["errno_" + errno.errorcode.get(rc, str(rc))] += 1
            kill(f, "connect_errors")
            return
        ep.register(s.fileno(), select.EPOLLOUT)

    def flush(f):
        try:
            n = f.sock.send(f.tx)
            f.tx = f.tx[n:]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as e:
            kill(f, "resets" if e.errno in DISCONNECTS else "errors")
            return
        ep.modify(f.sock.fileno(), select.EPOLLIN |
                  (select.EPOLLOUT if f.tx else 0))

    def on_event(f, ev):
        if f.state == "connecting":
            err = f.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                res["errno_" + errno.errorcode.get(err, str(err))] += 1
                kill(f, "connect_errors")
                return
            f.state = "up"
            f.name = "%s:%d" % f.sock.getsockname()
            ep.modify(f.sock.fileno(), select.EPOLLIN)
            return
        if ev & (select.EPOLLIN | select.EPOLLERR | select.EPOLLHUP):
            try:
                data = f.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError as e:
                kill(f, "resets" if e.errno in DISCONNECTS else "errors")
                return
            if data == b"":
                kill(f, "eof")
                return
            if data:
                f.rx += data
                now = time.monotonic()
                while len(f.rx) >= size:
                    rec, f.rx = f.rx[:size], f.rx[size:]
                    if rec != record(f.i, f.k_rx, size):
                        kill(f, "mismatch")
                        return
                    t = f.sent_at.popleft()
                    rtt = now - t
                    rtts.append(rtt)
                    if rtt > f.max_rtt:
                        f.max_rtt = rtt
                        f.t_max_rtt = t
                    if marks and t >= marks[-1]:
                        f.ok_after = len(marks) - 1
                    f.k_rx += 1
                    res["verified"] += 1
        if f.tx and ev & select.EPOLLOUT and f.state == "up":
            flush(f)

    def poll(timeout):
        try:
            events = ep.poll(max(timeout, 0))
        except InterruptedError:
            return
        for fd, ev in events:
            f = byfd.get(fd)
            if f is not None:
                on_event(f, ev)

    def status(phase):
        if not args.status:
            return
        up = [f for f in flows if f.state == "up"]
        write_json(args.status, {
            "phase": phase, "flows": len(flows), "up": len(up),
            "connect_ms": int((time.monotonic() - t_start) * 1000
                              if phase == "connect" else res["connect_s"] * 1000),
            "marks": len(marks),
            "ok_after_mark": sum(1 for f in up
                                 if marks and f.ok_after == len(marks) - 1),
            "verified": res["verified"], "resets": res["resets"],
            "errors": res["errors"] + res["eof"] + res["mismatch"],
            "stalled_now": sum(1 for f in up if f.sent_at and
                               time.monotonic() - f.sent_at[0] > args.stall)})

    # 1. connect, at most connect_burst in flight
    pending = collections.deque(flows)
    connecting = 0
    next_status = 0
    while (pending or connecting) and not ending:
        while pending and connecting < args.connect_burst:
            start_connect(pending.popleft())
            connecting += 1
        poll(0.05)
        now = time.monotonic()
        for f in flows:
            if (f.state == "connecting" and
                    now - f.t_conn > args.connect_timeout):
                res["errno_ETIMEDOUT"] += 1
                kill(f, "connect_errors")
        connecting = sum(1 for f in flows if f.state == "connecting")
        if now >= next_status:
            status("connect")
            next_status = now + 1
    t_up = time.monotonic()
    res["connect_s"] = round(t_up - t_start, 3)

    # 2. steady data: flow i sends at t0 + i/N*interval + k*interval
    t0 = time.monotonic()
    n = max(len(flows), 1)
    sched = collections.deque((t0 + f.i * args.interval / n, f) for f in flows
                              if f.state == "up")
    end = t0 + args.duration if args.duration else None
    last_check = t0
    status("data")
    while not ending and (end is None or time.monotonic() < end):
        now = time.monotonic()
        # at most 64 sends between polls: receiving must keep up
        burst = 64
        while sched and sched[0][0] <= now and burst:
            burst -= 1
            t, f = sched.popleft()
            if f.state != "up":
                continue
            f.tx += record(f.i, f.k_tx, size)
            f.sent_at.append(now)
            f.k_tx += 1
            res["sent"] += 1
            flush(f)
            sched.append((t + args.interval, f))
        if now - last_check >= 1:
            last_check = now
            for f in flows:
                if (f.state == "up" and not f.stalled and f.sent_at and
                        now - f.sent_at[0] > args.stall):
                    f.stalled = True
                    f.t_stall = f.sent_at[0]
                    res["stalls"] += 1
            status("data")
        poll(min(sched[0][0] - time.monotonic(), 0.2) if sched else 0.2)

    # 3. drain: wait for the echoes in flight
    dl = time.monotonic() + args.drain
    status("drain")
    while time.monotonic() < dl:
        if not any(f.state == "up" and f.sent_at for f in flows):
            break
        poll(0.1)
    for f in flows:
        if f.state == "up" and f.sent_at:
            res["unfinished"] += 1
    status("done")
    rtts.sort()

    def pct(p):
        return round(rtts[min(len(rtts) - 1, int(len(rtts) * p))] * 1000,
                     1) if rtts else 0

    ok = [f for f in flows if f.state == "up" and not f.sent_at]
    out = {
        "flows": len(flows),
        "established": sum(1 for f in flows
                           if f.state == "up" or f.err not in
                           (None, "connect_errors")),
        "ok": len(ok),
        "broken": len(flows) - len(ok),
        "connect_errors": res["connect_errors"],
        "resets": res["resets"],
        "eof": res["eof"],
        "errors": res["errors"],
        "mismatch": res["mismatch"],
        "stalls": res["stalls"],
        "unfinished": res["unfinished"],
        "sent": res["sent"],
        "verified": res["verified"],
        "connect_s": res["connect_s"],
        "rtt_p50_ms": pct(0.5),
        "rtt_p99_ms": pct(0.99),
        "rtt_max_ms": round(rtts[-1] * 1000, 1) if rtts else 0,
        "marks": len(marks),
        # flows with a record sent after mark m echoed intact, per mark
        "ok_after_mark": [sum(1 for f in ok if f.ok_after >= m)
                          for m in range(len(marks))],
        "stalled_flows": sum(1 for f in flows if f.stalled),
    }
    out.update((k, v) for k, v in res.items() if k.startswith("errno_"))
    # the first broken flows: client address, why, when (s from start)
    out["failed"] = ["%s %s %.1f" % (f.name, f.err, f.t_err - t_start)
                     for f in flows if f.err and f.name][:20]
    # the first stalled flows: address, since when (s from start), and
    # the longest wait for an echo of that flow (s)
    out["stalled"] = ["%s %.1f %.1f" % (f.name, f.t_stall - t_start,
                                        f.max_rtt)
                      for f in flows if f.stalled][:20]
    # the slowest flows: address, when their slowest record went, its wait
    slow = sorted((f for f in flows if f.max_rtt > 2), key=lambda f:
                  -f.max_rtt)
    out["slow_flows"] = len(slow)
    out["slowest"] = ["%s %.1f %.1f" % (f.name, f.t_max_rtt - t_start,
                                        f.max_rtt) for f in slow[:10]]
    out["mark_t"] = [round(m - t_start, 1) for m in marks]
    out["start"] = round(t_start, 1)	# CLOCK_MONOTONIC
    for f in flows:
        if f.sock is not None and f.state == "up":
            f.sock.close()
    print(json.dumps(out))
    sys.stdout.flush()


def probe(args):
    raise_nofile()
    socks = []
    for _ in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if args.src:
            s.bind((args.src, 0))
        s.settimeout(10)
        t = time.monotonic()
        try:
            s.connect((args.host, args.port))
        except OSError as e:
            print("# %s" % e, file=sys.stderr)
            s.close()
            continue
        print("%.6f %s:%d" % ((t,) + s.getsockname()), flush=True)
        socks.append(s)
        time.sleep(args.gap)
    time.sleep(args.hold)
    for s in socks:
        s.close()


def stamp(args):
    while True:
        line = sys.stdin.buffer.readline()
        if not line:
            return
        sys.stdout.write("%.6f %s" % (time.monotonic(),
                                      line.decode(errors="replace")))
        sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--size", type=int, default=64)
    s.add_argument("--stats")
    c = sub.add_parser("client")
    c.add_argument("host")
    c.add_argument("port", type=int)
    c.add_argument("--flows", type=int, default=1000)
    c.add_argument("--src", help="comma-separated source addresses")
    c.add_argument("--interval", type=float, default=0.2)
    c.add_argument("--size", type=int, default=64)
    c.add_argument("--duration", type=float, default=0,
                   help="seconds of data, 0: until SIGUSR2")
    c.add_argument("--stall", type=float, default=5)
    c.add_argument("--drain", type=float, default=20)
    c.add_argument("--status")
    c.add_argument("--connect-burst", type=int, default=64)
    c.add_argument("--connect-timeout", type=float, default=30)
    c = sub.add_parser("probe")
    c.add_argument("host")
    c.add_argument("port", type=int)
    c.add_argument("--count", type=int, default=200)
    c.add_argument("--gap", type=float, default=0.2)
    c.add_argument("--src")
    c.add_argument("--hold", type=float, default=0)
    sub.add_parser("stamp")
    args = p.parse_args()
    if args.cmd in ("probe", "stamp"):
        {"probe": probe, "stamp": stamp}[args.cmd](args)
        return
    if args.size < HDR.size or args.size > len(PAT) - 256 + HDR.size:
        p.error("--size out of range")
    {"serve": serve, "client": client}[args.cmd](args)


if __name__ == "__main__":
    main()
