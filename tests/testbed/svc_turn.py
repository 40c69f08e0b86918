"""STUN/TURN service cases of the testbed (family 4, addresses 127.40.4.0/24).

Each case is one address with a TURN server on TCP 3478 (and, where the case says so, TURN
over TLS on 5349) in one configuration a telehealth relay is found in:
- open relay, no denied-peer-ip: Allocate succeeds without credentials and CreatePermission is
  granted toward private, link-local (cloud metadata) and carrier-grade NAT peers (coturn's
  default refuses only loopback);
- open relay with denied-peer-ip for every internal range: Allocate succeeds, every internal
  peer is refused (403);
- long-term credentials with a user: anonymous Allocate gets 401 with REALM and NONCE;
- hostile: a listener that answers every STUN request with a reply whose attributes are
  malformed (an XOR-MAPPED-ADDRESS of family 3, an attribute running past the message).

Servers (tests/testbed/README.md, "Service cases: STUN/TURN"): coturn 4.6 (Debian's coturn,
binary turnserver), one instance per case bound to the case address only (--listening-ip,
--relay-ip), its CLI off, its own relay port range. The hostile listener is an emulator in
this file (`svc_turn.py serve`): no real server sends malformed attributes on purpose.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
from pathlib import Path

import daemons

FAMILY = 4  # services.py: cases on 127.40.4.0/24, organisations svc401, svc402, ...
WHO = "service cases (turn)"
SCRIPT = Path(__file__).resolve()
TURNSERVER = "/usr/bin/turnserver"
OPENSSL = "/usr/bin/openssl"
NET = "127.40.4"
RANGE = "127.40.4.0/24"
REALM = "turn.svc.test"
USER = "clinic:not-a-real-secret"
MAGIC = 0x2112A442
MAX_CONNS = 100  # emulator sessions at once; beyond, new ones are closed

# The peers the probe asks permissions for, with their class (the probe's list: probe_turn.c).
PEERS = [("loopback", "127.0.0.1"), ("rfc1918", "10.0.0.1"), ("rfc1918", "172.16.0.1"),
         ("rfc1918", "192.168.0.1"), ("link_local", "169.254.169.254"), ("cgnat", "100.64.0.1")]
# Every internal range a well-configured relay denies (coturn ranges, lowest-highest).
DENIED = ["0.0.0.0-0.255.255.255", "10.0.0.0-10.255.255.255", "100.64.0.0-100.127.255.255",
          "127.0.0.0-127.255.255.255", "169.254.0.0-169.254.255.255", "172.16.0.0-172.31.255.255",
          "192.168.0.0-192.168.255.255"]

# case, host octet, server, TLS on 5349, truth {check: status}. coturn 4.6.1 (Debian 12)
# announces "Coturn-4.6.1 'Gorst'": in no range of data/versions.json (CVE-2020-26262 ends
# below 4.5.2), so the patching checks pass where a TURN server answers; the emulator announces
# nothing readable (na).
PATCH_OK = {"svc.patching.eol": "pass", "svc.patching.known_vuln": "pass"}
PATCH_NA = {"svc.patching.eol": "na", "svc.patching.known_vuln": "na"}
CASES = [
    ("turn_open_relay", 1, "coturn-open", True,
     {"svc.turn.open_relay": "fail", "svc.turn.peer_filtering": "fail", **PATCH_OK}),
    ("turn_open_filtered", 2, "coturn-denied", False,
     {"svc.turn.open_relay": "fail", "svc.turn.peer_filtering": "pass", **PATCH_OK}),
    ("turn_credentials", 3, "coturn-ltcred", True,
     {"svc.turn.open_relay": "pass", "svc.turn.peer_filtering": "na", **PATCH_OK}),
    ("turn_malformed", 4, "emulator-malformed", False,
     {"svc.turn.open_relay": "indeterminate", "svc.turn.peer_filtering": "indeterminate", **PATCH_NA}),
]


def available():
    """Why the TURN cases cannot run here, or None (they need coturn and openssl)."""
    for path in (TURNSERVER, OPENSSL):
        if not os.access(path, os.X_OK):
            return f"{path} not installed (Debian package {'coturn' if path == TURNSERVER else 'openssl'})"
    return None


def cases():
    """The cases as services.py registers them."""
    out = []
    for name, octet, server, tls, truth in CASES:
        out.append({"case": name, "addr": f"{NET}.{octet}", "ports": [3478] + ([5349] if tls else []),
                    "server": server, "truth": dict(truth)})
    return out


def _cert(t):
    """A self-signed EC certificate for TURN over TLS (trust is not what these cases show)."""
    key, pem = t / "turn.key", t / "turn.pem"
    if not pem.exists():
        daemons.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-keyout", str(key), "-out", str(pem), "-days", "3650",
                     "-subj", f"/CN={REALM}"], WHO)
    return key, pem


def turn_log(d, c):
    """coturn's own log of case c (requests handled, sessions' usage)."""
    return d / "logs" / f"svc-turn-{c['id']}.turn.log"


def _coturn_cmd(d, c, i, key, pem):
    """turnserver's command line for case c (the i-th coturn case: its relay port range)."""
    t = d / "services" / "turn"
    cmd = [TURNSERVER, "-n", "--listening-ip", c["addr"], "--relay-ip", c["addr"],
           "--listening-port", "3478", "--min-port", str(49152 + 500 * i), "--max-port", str(49152 + 500 * i + 499),
           "--no-cli", "--no-dtls", "--pidfile", f"{t / c['id']}.pid",
           # verbose: one line per request handled and each session's relayed-traffic counts, which
           # test_turn.py reads to show the probe asks permissions and relays nothing
           "--verbose", "--log-file", str(turn_log(d, c)), "--simple-log",
           "--no-rfc5780", "--no-stun-backward-compatibility", "--realm", REALM,
           "--db", str(t / f"{c['id']}.sqlite")]
    cmd += ["--tls-listening-port", "5349", "--cert", str(pem), "--pkey", str(key)] if 5349 in c["ports"] else ["--no-tls"]
    if c["server"] == "coturn-ltcred":
        cmd += ["--lt-cred-mech", "--user", USER]
    else:
        cmd += ["--no-auth"]
    if c["server"] == "coturn-denied":
        cmd += [f"--denied-peer-ip={r}" for r in DENIED]
    return cmd


def start(d, cs):
    """coturn per case and the emulator; returns the manifest part."""
    t = d / "services" / "turn"
    shutil.rmtree(t, ignore_errors=True)
    t.mkdir(parents=True)
    key, pem = _cert(t)
    procs, real = [], [c for c in cs if not c["server"].startswith("emulator")]
    for i, c in enumerate(real):
        label = f"svc-turn-{c['id']}"
        procs.append((label, daemons.spawn(d, label, _coturn_cmd(d, c, i, key, pem))))
    fake = [{"addr": c["addr"], "kind": c["server"]} for c in cs if c["server"].startswith("emulator")]
    (t / "serve.json").write_text(json.dumps(fake))
    if fake:
        procs.append(("svc-turn-serve", daemons.spawn(d, "svc-turn-serve", [sys.executable, str(SCRIPT), "serve", "--dir", str(d)])))
    for c in cs:
        for port in c["ports"]:
            daemons.wait_port(c["addr"], port, procs, WHO)
    return {"server": "coturn (turnserver), the emulator for the hostile case",
            "cases": [{"id": c["id"], "case": c["case"], "addr": c["addr"], "server": c["server"]} for c in cs]}


# ------------------------------------------------------------------ a STUN client (hand checks)

def _attr(t, v):
    return struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)


def _request(method, attrs=b""):
    tx = secrets.token_bytes(12)
    typ = (method & 0xF) | ((method & 0x70) << 1) | ((method & 0xF80) << 2)
    return struct.pack("!HHI", typ, len(attrs), MAGIC) + tx + attrs


def _xpeer(ip):
    raw = bytes(a ^ b for a, b in zip(socket.inet_aton(ip), struct.pack("!I", MAGIC)))
    return _attr(0x0012, struct.pack("!BBH", 0, 1, 0 ^ (MAGIC >> 16)) + raw)


def _exchange(s, msg):
    """Sends msg, reads one framed reply: (class bits, error code or 0, {attr type: value})."""
    s.sendall(msg)
    hdr = _recv(s, 20)
    typ, n = struct.unpack("!HH", hdr[:4])
    body, attrs, off = _recv(s, n), {}, 0
    while off + 4 <= n:
        at, al = struct.unpack("!HH", body[off:off + 4])
        attrs.setdefault(at, body[off + 4:off + 4 + al])
        off += 4 + al + (-al % 4)
    err = attrs.get(0x0009)
    return typ & 0x0110, (err[2] & 7) * 100 + err[3] if err else 0, attrs


def _recv(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise OSError("closed")
        b += chunk
    return b


def probe(addr, port, use_tls=False):
    """What the probe would see: SOFTWARE, Allocate's outcome and each peer class's permission."""
    s = socket.create_connection((addr, port), timeout=5)
    if use_tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    with s:
        _, _, a = _exchange(s, _request(0x001))
        out = {"software": a.get(0x8022, b"").decode("utf-8", "replace") or None}
        cls, err, a = _exchange(s, _request(0x003, _attr(0x0019, bytes([17, 0, 0, 0]))))
        out["allocate"] = "granted" if cls == 0x0100 else f"error {err}"
        out["realm"] = a.get(0x0014, b"").decode() or None
        if cls == 0x0100:
            out["peers"] = {}
            for k, ip in PEERS:
                cls, err, _ = _exchange(s, _request(0x008, _xpeer(ip)))
                out["peers"][ip] = f"{k} " + ("permitted" if cls == 0x0100 else f"refused {err}")
            _exchange(s, _request(0x004, _attr(0x000D, struct.pack("!I", 0))))
    return out


# ------------------------------------------------------------------ the hostile emulator

def _bad_reply(req):
    """A success reply to req whose attributes are malformed: an XOR-MAPPED-ADDRESS of address
    family 3, and a SOFTWARE attribute whose length runs past the end of the message."""
    typ = struct.unpack("!H", req[:2])[0] | 0x0100
    attrs = struct.pack("!HHBBH", 0x0020, 8, 0, 3, 0x1234) + b"\x01\x02\x03\x04"
    attrs += struct.pack("!HH", 0x8022, 200) + b"evil"
    return struct.pack("!HHI", typ, len(attrs), MAGIC) + req[8:20] + attrs


def _session(conn, slots):
    try:
        conn.settimeout(15)
        while True:
            hdr = _recv(conn, 20)
            n = struct.unpack("!H", hdr[2:4])[0]
            if n > 4096:
                return
            _recv(conn, n)
            conn.sendall(_bad_reply(hdr))
    except OSError:
        pass
    finally:
        conn.close()
        slots.release()


def _listen(ep, slots):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ep["addr"], 3478))
    s.listen(64)

    def loop():
        while True:
            conn, _ = s.accept()
            if not slots.acquire(blocking=False):
                conn.close()
                continue
            threading.Thread(target=_session, args=(conn, slots), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def serve(args):
    """`svc_turn.py serve --dir DIR`: the emulated listeners of DIR/services/turn/serve.json, until SIGTERM."""
    slots = threading.BoundedSemaphore(MAX_CONNS)
    for ep in json.loads((Path(args.dir) / "services" / "turn" / "serve.json").read_text()):
        _listen(ep, slots)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    return 0


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("serve", help="run the hostile TURN emulator of a testbed DIR")
    sp.add_argument("--dir", required=True)
    cp = sub.add_parser("check", help="probe every case of a running testbed by hand (STUN client)")
    cp.add_argument("--dir", required=True)
    args = p.parse_args(argv[1:])
    if args.cmd == "check":
        for c in cases():
            for port in c["ports"]:
                try:
                    r = probe(c["addr"], port, port == 5349)
                except (OSError, struct.error, ValueError) as e:
                    r = f"error: {e}"
                print(c["case"], c["addr"], port, json.dumps(r))
        return 0
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    return serve(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
