#!/usr/bin/env python3
"""The test node's cluster DNS: A records of Services, nothing else (Python standard library only).

Answers `<service>.<namespace>.svc.<domain>` with the Service's ClusterIP (what CoreDNS's
kubernetes plugin answers for it), read from the apiserver with a client certificate and cached
for two seconds. Every other name is NXDOMAIN: there is no upstream, so no query leaves the
machine. AAAA and other types of a Service name get an empty answer (NODATA). UDP and TCP on one
address (the node's bridge address, which the kubelet's clusterDNS gives pods).

  cluster-dns.py serve --listen IP [--port 53] --apiserver URL --ca F --cert F --key F [--domain D]
  cluster-dns.py query --server IP [--port 53] NAME   (prints the addresses; exit 1 when none)
"""

import argparse
import http.client
import ipaddress
import json
import random
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import urllib.parse

TYPE_A, TYPE_ANY, CLASS_IN = 1, 255, 1
NOERROR, SERVFAIL, NXDOMAIN, NOTIMP = 0, 2, 3, 4
CACHE_SECONDS = 2.0


def parse_question(msg):
    """(id, flags, labels, qtype, end offset) of a query's first question."""
    ident, flags, qdcount = struct.unpack_from("!HHH", msg, 0)
    if qdcount < 1:
        raise ValueError("no question")
    labels, i = [], 12
    while True:
        n = msg[i]
        i += 1
        if n == 0:
            break
        if n & 0xC0:
            raise ValueError("compressed question name")
        labels.append(msg[i : i + n].decode("ascii", "replace").lower())
        i += n
    qtype, _qclass = struct.unpack_from("!HH", msg, i)
    return ident, flags, labels, qtype, i + 4


def response(query, rcode, address=None):
    ident, flags, _labels, _qtype, end = parse_question(query)
    # QR, the query's opcode and RD, AA; no recursion available.
    out_flags = 0x8000 | (flags & 0x7900) | 0x0400 | rcode
    header = struct.pack("!HHHHHH", ident, out_flags, 1, 1 if address else 0, 0, 0)
    body = query[12:end]
    if address:
        body += struct.pack("!HHHIH", 0xC00C, TYPE_A, CLASS_IN, 5, 4)
        body += ipaddress.IPv4Address(address).packed
    return header + body


class Services:
    """ClusterIPs by (namespace, name), from the apiserver, briefly cached."""

    def __init__(self, apiserver, ca, cert, key):
        url = urllib.parse.urlsplit(apiserver)
        self.host, self.port = url.hostname, url.port or 443
        self.tls = ssl.create_default_context(cafile=ca)
        self.tls.load_cert_chain(cert, key)
        self.cache, self.lock = {}, threading.Lock()

    def cluster_ip(self, namespace, name):
        """The ClusterIP, '' for a Service without one, None when there is no such Service."""
        key, now = (namespace, name), time.monotonic()
        with self.lock:
            hit = self.cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.tls, timeout=5)
        try:
            path = "/api/v1/namespaces/%s/services/%s" % (
                urllib.parse.quote(namespace),
                urllib.parse.quote(name),
            )
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
        finally:
            conn.close()
        if r.status == 404:
            value = None
        elif r.status == 200:
            ip = json.loads(body).get("spec", {}).get("clusterIP", "")
            value = ip if ip and ip != "None" and ":" not in ip else ""
        else:
            raise RuntimeError("apiserver answered %d for %s" % (r.status, path))
        with self.lock:
            self.cache[key] = (now + CACHE_SECONDS, value)
        return value


def answer(query, services, domain):
    try:
        _ident, flags, labels, qtype, _end = parse_question(query)
    except (ValueError, IndexError, struct.error):
        return None
    if (flags >> 11) & 0xF != 0:
        return response(query, NOTIMP)
    suffix = ["svc"] + domain.split(".")
    if len(labels) != 2 + len(suffix) or labels[2:] != suffix:
        return response(query, NXDOMAIN)
    try:
        ip = services.cluster_ip(labels[1], labels[0])
    except Exception as err:  # noqa: BLE001 - any failure is SERVFAIL, and logged
        print("cluster-dns: %s.%s: %s" % (labels[0], labels[1], err), file=sys.stderr)
        return response(query, SERVFAIL)
    if ip is None:
        return response(query, NXDOMAIN)
    return response(query, NOERROR, ip if ip and qtype in (TYPE_A, TYPE_ANY) else None)


def serve(args):
    services = Services(args.apiserver, args.ca, args.cert, args.key)

    class Udp(socketserver.BaseRequestHandler):
        def handle(self):
            data, sock = self.request
            out = answer(data, services, args.domain)
            if out:
                sock.sendto(out, self.client_address)

    class Tcp(socketserver.StreamRequestHandler):
        def handle(self):
            while True:
                head = self.rfile.read(2)
                if len(head) < 2:
                    return
                out = answer(self.rfile.read(struct.unpack("!H", head)[0]), services, args.domain)
                if not out:
                    return
                self.wfile.write(struct.pack("!H", len(out)) + out)

    socketserver.ThreadingUDPServer.daemon_threads = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    udp = socketserver.ThreadingUDPServer((args.listen, args.port), Udp)
    tcp = socketserver.ThreadingTCPServer((args.listen, args.port), Tcp)
    threading.Thread(target=tcp.serve_forever, daemon=True).start()
    print("cluster-dns: serving *.svc.%s on %s:%d" % (args.domain, args.listen, args.port), file=sys.stderr)
    sys.stderr.flush()
    udp.serve_forever()


def query(args):
    ident = random.randrange(65536)
    name = b"".join(bytes([len(p)]) + p.encode() for p in args.name.strip(".").split("."))
    msg = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + name + b"\0"
    msg += struct.pack("!HH", TYPE_A, CLASS_IN)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.sendto(msg, (args.server, args.port))
        data = s.recv(512)
    rcode, ancount = data[3] & 0xF, struct.unpack_from("!H", data, 6)[0]
    found = [socket.inet_ntoa(data[-4:])] if rcode == NOERROR and ancount == 1 else []
    for ip in found:
        print(ip)
    return 0 if found else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--listen", required=True)
    s.add_argument("--port", type=int, default=53)
    s.add_argument("--apiserver", required=True)
    s.add_argument("--ca", required=True)
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--domain", default="cluster.local")
    q = sub.add_parser("query")
    q.add_argument("--server", required=True)
    q.add_argument("--port", type=int, default=53)
    q.add_argument("name")
    args = p.parse_args()
    sys.exit(serve(args) if args.command == "serve" else query(args))


if __name__ == "__main__":
    main()
