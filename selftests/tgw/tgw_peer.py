# SPDX-License-Identifier: GPL-2.0
"""Traffic helper for the tgw selftests (run with python3, not executable).

  serve  --name N --port P          TCP + UDP server in a VM: greets each
                                    TCP client with "N CIP:CPORT", then
                                    echoes; answers each UDP datagram with
                                    "N CIP:CPORT"
  tcp    HOST PORT [--count N] [--bytes B] [--hold S]
                                    N connections; each checks the greeting,
                                    that the peer is HOST:PORT, echoes B
                                    bytes (sha256 compared), keeps the
                                    connection for S seconds with traffic
  udp    HOST PORT [--count N]      N datagrams from N source ports
  ipip   DST SRC2 DST2 PROTO SPORT DPORT [--flags F] [--count N] [--src S]
                                    send N IPIP packets S -> DST carrying
                                    SRC2:SPORT -> DST2:DPORT
Prints one JSON object: {"vm1": n, ..., "errors": n, "peers": [...]}.
"""
import argparse
import hashlib
import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time


def serve(args):
    name = args.name.encode()

    class Tcp(socketserver.BaseRequestHandler):
        def handle(self):
            s = self.request
            peer = "%s:%d" % s.getpeername()
            s.sendall(name + b" " + peer.encode() + b"\n")
            while True:
                data = s.recv(65536)
                if not data:
                    return
                s.sendall(data)

    class Udp(socketserver.BaseRequestHandler):
        def handle(self):
            data, s = self.request
            peer = "%s:%d" % self.client_address
            s.sendto(name + b" " + peer.encode(), self.client_address)

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    tcp = socketserver.ThreadingTCPServer(("0.0.0.0", args.port), Tcp)
    udp = socketserver.UDPServer(("0.0.0.0", args.port), Udp)
    threading.Thread(target=udp.serve_forever, daemon=True).start()
    tcp.serve_forever()


def recv_line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        data = s.recv(1)
        if not data:
            break
        buf += data
    return buf.decode().strip()


def echo(s, nbytes):
    data = os.urandom(min(nbytes, 1 << 20))
    want = hashlib.sha256()
    got = hashlib.sha256()
    sent = rcvd = 0
    s.settimeout(60)	# a stuck transfer fails instead of hanging

    def reader():
        nonlocal rcvd
        while rcvd < nbytes:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            got.update(chunk)
            rcvd += len(chunk)

    t = threading.Thread(target=reader)
    t.start()
    while sent < nbytes:
        chunk = data[: min(len(data), nbytes - sent)]
        s.sendall(chunk)
        want.update(chunk)
        sent += len(chunk)
    t.join()
    return rcvd == nbytes and got.digest() == want.digest()


def tcp(args):
    res = {"errors": 0, "peers": [], "mismatch": 0}
    socks = []
    for _ in range(args.count):
        try:
            s = socket.create_connection((args.host, args.port),
                                         timeout=args.timeout)
            peer = "%s:%d" % s.getpeername()
            hello = recv_line(s).split()
            if len(hello) != 2:
                raise OSError("no greeting")
            res[hello[0]] = res.get(hello[0], 0) + 1
            res["peers"].append(hello[1])
            if peer != "%s:%d" % (args.host, args.port):
                res["mismatch"] += 1
            if args.bytes and not echo(s, args.bytes):
                raise OSError("echo mismatch")
            if args.hold:
                socks.append(s)
            else:
                s.close()
        except OSError as e:
            print("tcp: %s" % e, file=sys.stderr)
            res["errors"] += 1
    end = time.time() + args.hold
    while socks and time.time() < end:
        for s in list(socks):
            try:
                s.sendall(b"ping\n")
                if recv_line(s) != "ping":
                    raise OSError("bad echo")
            except OSError as e:
                print("hold: %s" % e, file=sys.stderr)
                res["errors"] += 1
                socks.remove(s)
        time.sleep(0.2)
    for s in socks:
        s.close()
    res["held"] = len(socks)
    print(json.dumps(res))


def udp(args):
    res = {"errors": 0, "peers": [], "mismatch": 0}
    for _ in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(args.timeout)
        try:
            s.sendto(b"hi", (args.host, args.port))
            data, addr = s.recvfrom(1024)
            hello = data.decode().split()
            res[hello[0]] = res.get(hello[0], 0) + 1
            res["peers"].append(hello[1])
            if addr != (args.host, args.port):
                res["mismatch"] += 1
        except OSError as e:
            print("udp: %s" % e, file=sys.stderr)
            res["errors"] += 1
        s.close()
    print(json.dumps(res))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipip(args):
    src = socket.inet_aton(args.src2)
    dst = socket.inet_aton(args.dst2)
    proto = socket.IPPROTO_TCP if args.proto == "tcp" else socket.IPPROTO_UDP
    if proto == socket.IPPROTO_TCP:
        l4 = struct.pack("!HHIIBBHHH", args.sport, args.dport, 1, 1, 5 << 4,
                         args.flags, 65535, 0, 0)
    else:
        l4 = struct.pack("!HHHH", args.sport, args.dport, 8, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, proto, len(l4))
    c = csum(pseudo + l4)
    off = 16 if proto == socket.IPPROTO_TCP else 6
    l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0, 64,
                      proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IPIP)
    if args.src:
        s.bind((args.src, 0))
    for _ in range(args.count):
        s.sendto(hdr + l4, (args.dst, 0))
    print(json.dumps({"sent": args.count}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--name", required=True)
    s.add_argument("--port", type=int, required=True)
    for cmd in ("tcp", "udp"):
        c = sub.add_parser(cmd)
        c.add_argument("host")
        c.add_argument("port", type=int)
        c.add_argument("--count", type=int, default=1)
        c.add_argument("--bytes", type=int, default=0)
        c.add_argument("--hold", type=float, default=0)
        c.add_argument("--timeout", type=float, default=10)
    c = sub.add_parser("ipip")
    for a in ("dst", "src2", "dst2", "proto"):
        c.add_argument(a)
    c.add_argument("sport", type=int)
    c.add_argument("dport", type=int)
    c.add_argument("--flags", type=int, default=0x10)
    c.add_argument("--src", help="outer source address")
    c.add_argument("--count", type=int, default=1)
    args = p.parse_args()
    {"serve": serve, "tcp": tcp, "udp": udp, "ipip": ipip}[args.cmd](args)


if __name__ == "__main__":
    main()
