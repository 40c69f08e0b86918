"""Service cases of family 2, "sshdb" (issue 10): SSH and databases reachable from outside.

Addresses 127.40.2.0/24, one case per address, each its own organisation svc2NN (see
services.py). Real Debian servers where Debian has them:
- OpenSSH's sshd on ADDR:22: a modern one (Mozilla's modern lists), one with Debian's
  defaults (which offer umac-64: weak_mac fails) and a legacy one with
  diffie-hellman-group1-sha1, group14-sha1, group-exchange-sha1, 3des-cbc, aes128-cbc,
  hmac-md5, hmac-sha1-96, umac-64 and the ssh-rsa host key algorithm added with "+"
  (FIELD-NOTES: OpenSSH 9.2 still negotiates them).
- PostgreSQL 15 on ADDR:5432: one cluster under `trust` for every host, one under
  scram-sha-256. Both are copies of one initdb'ed template (initdb takes ~2.5 s; the
  template is kept between `up`s), run as the postgres user.
- MariaDB's mariadbd on ADDR:3306 with its own datadir (--skip-grant-tables: no system
  tables to install, the greeting is the same).
Emulators where Debian has no server (tests/testbed/README.md, "Service cases: sshdb"):
Elasticsearch 8 and OpenSearch 2 (GET / answered open, or 401 with a Basic challenge) and
MongoDB 7 (an OP_MSG hello answered as a standalone server), plus the two hostile cases
(on every port of the family: accept and never speak; 1 MiB of garbage, then close). One
Python process (`svc_sshdb.py _emulate --dir DIR`) serves them all with a selector.

PostgreSQL and MariaDB drop to their own users, which cannot enter the testbed DIR when it
lives under a private (0700) temporary folder, so their data lives in a folder of its own,
PRIV_ROOT-<hash of DIR> under /tmp, made anew by every start().
"""

import hashlib
import json
import os
import random
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import daemons  # noqa: E402

FAMILY = 2
WHO = "service cases (sshdb)"
RANGE = "127.40.2.0/24"
SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = "/usr/bin/ssh-keygen"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
MARIADBD = "/usr/sbin/mariadbd"
SETPRIV = "/usr/bin/setpriv"
PRIV_ROOT = "/tmp/vitals-svc-sshdb"
FAMILY_PORTS = [22, 3306, 5432, 9200, 27017]  # what the hostile cases listen on
GARBAGE_BYTES = 1 << 20
MONGO_REQUEST_MAX = 65536  # the emulator reads at most this much of a request

# The modern sshd: Mozilla's modern OpenSSH lists (no SHA-1 exchange, no CBC, no 64-bit MAC tag).
SSH_MODERN = {
    "KexAlgorithms": "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
                     "ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,diffie-hellman-group-exchange-sha256",
    "Ciphers": "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,"
               "aes192-ctr,aes128-ctr",
    "MACs": "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com,"
            "hmac-sha2-512,hmac-sha2-256,umac-128@openssh.com",
}
# The legacy sshd: algorithms added to OpenSSH's defaults (FIELD-NOTES.md, measured here).
SSH_LEGACY = {
    "KexAlgorithms": "+diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,"
                     "diffie-hellman-group-exchange-sha1",
    "Ciphers": "+3des-cbc,aes128-cbc",
    "MACs": "+hmac-md5,hmac-sha1-96,umac-64@openssh.com",
    "HostKeyAlgorithms": "+ssh-rsa",
}

# Every check of the family, and what it is for an address where its service is not there
# (exposure checks pass: nothing is exposed; service checks are not applicable).
CHECKS_ABSENT = {
    "svc.ssh.weak_kex": "na", "svc.ssh.weak_cipher": "na", "svc.ssh.weak_mac": "na",
    "svc.ssh.weak_hostkey": "na",
    "svc.postgresql.exposed": "pass", "svc.postgresql.trust": "na",
    "svc.mysql.exposed": "pass",
    "svc.elasticsearch.noauth": "pass",
    "svc.mongodb.exposed": "pass",
}


def _truth(**kw):
    t = dict(CHECKS_ABSENT)
    t.update({k.replace("__", "."): v for k, v in kw.items()})
    return t


SSH_WEAK = {f"svc__ssh__weak_{w}": "fail" for w in ("kex", "cipher", "mac", "hostkey")}
SSH_GOOD = {f"svc__ssh__weak_{w}": "pass" for w in ("kex", "cipher", "mac", "hostkey")}
# The hostile cases: every probe of the family ends indeterminate on the case address
# (tests/integration/test_services.py checks those findings). The organisation's status rolls
# up over its addresses (fail, pass, indeterminate, na): its shared MX address is swept too and
# has none of these services, so the exposure checks come out pass, the others indeterminate.
HOSTILE = {k: "pass" if absent == "pass" else "indeterminate" for k, absent in CHECKS_ABSENT.items()}

# The patching checks (family turn, data/versions.json, banner-inferred): Debian 12's OpenSSH
# announces 9.2p1, inside CVE-2024-6387's range (fixed by Debian without a new version: the
# banner-inferred caveat), in no end-of-life range; MariaDB 10.11.6 is in none of either.
SSH_PATCH = {"svc__patching__eol": "pass", "svc__patching__known_vuln": "fail"}
DB_PATCH = {"svc__patching__eol": "pass", "svc__patching__known_vuln": "pass"}

# id (services.py gives svc2NN in this order), case, server, ports, settings, truth
_CASES = [
    ("svc201", "ssh_modern", "sshd", [22], SSH_MODERN, _truth(**SSH_GOOD, **SSH_PATCH)),
    ("svc202", "ssh_legacy", "sshd", [22], SSH_LEGACY, _truth(**SSH_WEAK, **SSH_PATCH)),
    ("svc203", "postgresql_trust", "postgresql", [5432], {"auth": "trust"},
     _truth(svc__postgresql__exposed="fail", svc__postgresql__trust="fail")),
    ("svc204", "postgresql_scram", "postgresql", [5432], {"auth": "scram-sha-256"},
     _truth(svc__postgresql__exposed="fail", svc__postgresql__trust="pass")),
    ("svc205", "mariadb", "mariadb", [3306], {}, _truth(svc__mysql__exposed="fail", **DB_PATCH)),
    ("svc206", "elasticsearch_open", "emulator", [9200], {"answer": "es_open"},
     _truth(svc__elasticsearch__noauth="fail")),
    ("svc207", "elasticsearch_locked", "emulator", [9200], {"answer": "es_locked"},
     _truth(svc__elasticsearch__noauth="pass")),
    ("svc208", "opensearch_open", "emulator", [9200], {"answer": "os_open"},
     _truth(svc__elasticsearch__noauth="fail")),
    ("svc209", "mongodb_open", "emulator", [27017], {"answer": "mongo_hello"},
     _truth(svc__mongodb__exposed="fail")),
    ("svc210", "hostile_silent", "emulator", FAMILY_PORTS, {"answer": "silent"}, dict(HOSTILE)),
    ("svc211", "hostile_garbage", "emulator", FAMILY_PORTS, {"answer": "garbage"}, dict(HOSTILE)),
    # Debian's defaults: good but for umac-64 and umac-64-etm (64-bit tags) among the MACs
    ("svc212", "ssh_debian_default", "sshd", [22], {},
     _truth(**{**SSH_GOOD, "svc__ssh__weak_mac": "fail"}, **SSH_PATCH)),
]


def cases():
    """The family's cases (services.py numbers them svc201..): case, addr, ports, server,
    settings, truth ({check: status}), whether it is a hostile one."""
    out = []
    for i, (_, case, server, ports, settings, truth) in enumerate(_CASES, start=1):
        out.append({"case": case, "addr": f"127.40.{FAMILY}.{i}", "ports": list(ports), "server": server,
                    "settings": dict(settings), "truth": dict(truth), "hostile_case": case.startswith("hostile")})
    return out


def available():
    """None when every server can run here, else why not."""
    for b in (SSHD, SSH_KEYGEN, str(PG_BIN / "postgres"), str(PG_BIN / "initdb"), MARIADBD, SETPRIV):
        if not os.access(b, os.X_OK):
            return f"{b} is missing (scripts/install-deps.sh installs it)"
    if os.geteuid() != 0:
        return "the database servers are started as their own users: needs root"
    return None


def priv_dir(d):
    """The folder for the databases' files, which their own users can enter."""
    return Path(f"{PRIV_ROOT}-{hashlib.sha1(str(Path(d).resolve()).encode()).hexdigest()[:12]}")


# ============================================================= real servers

def _host_keys(d):
    """ed25519 and RSA host keys, kept between `up`s (ssh-keygen's RSA takes a moment)."""
    keys = []
    for kind, extra in (("ed25519", []), ("rsa", ["-b", "2048"])):
        k = d / "sshdb-cache" / f"host_{kind}"
        if not k.exists():
            daemons.run([SSH_KEYGEN, "-q", "-t", kind, *extra, "-N", "", "-f", str(k)], WHO)
        keys.append(k)
    return keys


def _sshd(d, c, keys):
    conf = d / "services" / "sshdb" / f"sshd-{c['id']}.conf"
    lines = [f"ListenAddress {c['addr']}:22", *[f"HostKey {k}" for k in keys],
             f"PidFile {d / 'services' / 'sshdb' / ('sshd-' + c['id'] + '.pid')}", "UsePAM no",
             "PasswordAuthentication no", "KbdInteractiveAuthentication no", "PermitRootLogin no",
             "StrictModes no", "MaxStartups 100:30:200",
             *[f"{k} {v}" for k, v in c["settings"].items()]]
    conf.write_text("\n".join(lines) + "\n")
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation's chroot
    return _spawn(d, f"svc-sshd-{c['id']}", [SSHD, "-D", "-f", str(conf), "-E",
                                             str(d / "logs" / f"svc-sshd-{c['id']}.log")], str(conf))


def _spawn(d, label, cmd, marker):
    """daemons.spawn, and a marker naming DIR in its .cmd file: `down` checks a recorded pid's
    command line against it, and a bare program path would match other testbeds' processes."""
    proc = daemons.spawn(d, label, cmd)
    (d / "pids" / f"{label}.cmd").write_text(marker)
    return proc


def _as(user, cmd):
    return [SETPRIV, f"--reuid={user}", f"--regid={user}", "--init-groups", "--", *cmd]


def _pg_template(d, p):
    """An initdb'ed cluster to copy, kept in DIR between `up`s (copied in: DIR may be private)."""
    keep = d / "sshdb-cache" / "pg-template.tar"
    tmpl = p / "template"
    if keep.exists():
        daemons.run(["tar", "-C", str(p), "-xf", str(keep)], WHO)
        return tmpl
    tmpl.mkdir()
    shutil.chown(tmpl, "postgres", "postgres")
    daemons.run(_as("postgres", [str(PG_BIN / "initdb"), "-D", str(tmpl), "-A", "trust", "-U", "postgres",
                                 "--no-sync"]), WHO)
    daemons.run(["tar", "-C", str(p), "-cf", str(keep), "template"], WHO)
    return tmpl


def _postgres(d, p, tmpl, c):
    data = p / c["id"]
    daemons.run(["cp", "-a", str(tmpl), str(data)], WHO)
    (data / "pg_hba.conf").write_text(f"host all all 0.0.0.0/0 {c['settings']['auth']}\n")
    return _spawn(d, f"svc-postgres-{c['id']}", _as("postgres", [
        str(PG_BIN / "postgres"), "-D", str(data), "-c", f"listen_addresses={c['addr']}", "-c", "port=5432",
        "-c", "unix_socket_directories=", "-c", "shared_buffers=8MB", "-c", "max_connections=20",
        "-c", "fsync=off", "-c", "logging_collector=off"]), f"postgres -D {data}")  # setpriv execs postgres


def _mariadb(d, p, c):
    data = p / c["id"]
    data.mkdir()
    shutil.chown(data, "mysql", "mysql")
    return _spawn(d, f"svc-mariadb-{c['id']}", [
        MARIADBD, "--no-defaults", f"--datadir={data}", f"--bind-address={c['addr']}", "--port=3306",
        f"--socket={data / 'mysqld.sock'}", f"--pid-file={data / 'mysqld.pid'}", "--user=mysql",
        "--skip-grant-tables", "--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=8M",
        "--innodb-log-file-size=4M", "--max-connections=50"], f"--datadir={data}")


def start(d, cs):
    """Starts the servers of the cases `cs` (services.py set their "id"): all at once, then waits
    for each port; the manifest part."""
    d = Path(d)
    (d / "services" / "sshdb").mkdir(parents=True, exist_ok=True)
    (d / "sshdb-cache").mkdir(exist_ok=True)
    p = priv_dir(d)
    shutil.rmtree(p, ignore_errors=True)
    p.mkdir(mode=0o755)
    procs = [("emulator", _spawn(d, "svc-sshdb-emulator", [
        sys.executable, str(Path(__file__).resolve()), "_emulate", "--dir", str(d)], f"_emulate --dir {d}"))]
    keys = _host_keys(d)
    for c in cs:
        if c["server"] == "sshd":
            procs.append((c["id"], _sshd(d, c, keys)))
        elif c["server"] == "mariadb":
            procs.append((c["id"], _mariadb(d, p, c)))
    # the PostgreSQL template (initdb, the slow part of a first `up`) while the others start
    pgs = [c for c in cs if c["server"] == "postgresql"]
    tmpl = _pg_template(d, p) if pgs else None
    procs += [(c["id"], _postgres(d, p, tmpl, c)) for c in pgs]
    for c in cs:
        for port in c["ports"]:
            daemons.wait_port(c["addr"], port, procs, WHO, timeout=30.0)
    return {"range": RANGE, "data": str(p),
            "cases": [{k: c[k] for k in ("id", "case", "addr", "ports", "server")} for c in cs]}


# ============================================================= emulators

def _bson(items):
    """A BSON document from [(name, value)]: bool, int (int32), float, str, list (a document),
    ("int64", n), ("oid", 12 bytes), ("date", ms)."""
    out = b""
    for name, v in items:
        key = name.encode() + b"\0"
        if isinstance(v, bool):
            out += b"\x08" + key + (b"\x01" if v else b"\x00")
        elif isinstance(v, int):
            out += b"\x10" + key + struct.pack("<i", v)
        elif isinstance(v, float):
            out += b"\x01" + key + struct.pack("<d", v)
        elif isinstance(v, str):
            b = v.encode() + b"\0"
            out += b"\x02" + key + struct.pack("<i", len(b)) + b
        elif isinstance(v, list):
            out += b"\x03" + key + _bson(v)
        elif v[0] == "int64":
            out += b"\x12" + key + struct.pack("<q", v[1])
        elif v[0] == "oid":
            out += b"\x07" + key + v[1]
        elif v[0] == "date":
            out += b"\x09" + key + struct.pack("<q", v[1])
    return struct.pack("<i", len(out) + 5) + out + b"\0"


def mongo_reply(request):
    """MongoDB 7.0's answer to an OP_MSG hello (the fields a standalone server sends, MongoDB
    manual "hello"); b"" for a request that is not a whole OP_MSG (the server then closes)."""
    if len(request) < 21:
        return b""
    length, req_id, _, opcode = struct.unpack("<iiii", request[:16])
    if opcode != 2013 or length != len(request):
        return b""
    doc = _bson([("isWritablePrimary", True),
                 ("topologyVersion", [("processId", ("oid", bytes(range(12)))), ("counter", ("int64", 0))]),
                 ("maxBsonObjectSize", 16777216), ("maxMessageSizeBytes", 48000000),
                 ("maxWriteBatchSize", 100000), ("localTime", ("date", int(time.time() * 1000))),
                 ("logicalSessionTimeoutMinutes", 30), ("connectionId", 12),
                 ("minWireVersion", 0), ("maxWireVersion", 21), ("readOnly", False), ("ok", 1.0)])
    body = struct.pack("<I", 0) + b"\x00" + doc
    return struct.pack("<iiii", 16 + len(body), 0x2A, req_id, 2013) + body


_ES_VERSION = {"number": "8.11.1", "build_flavor": "default", "build_type": "deb",
               "build_hash": "6f9ff581fbcde658e6f69d6ce03050f060d1fd0c",
               "build_date": "2023-11-11T10:05:59.421038163Z", "build_snapshot": False,
               "lucene_version": "9.8.0", "minimum_wire_compatibility_version": "7.17.0",
               "minimum_index_compatibility_version": "7.0.0"}
_OS_VERSION = {"distribution": "opensearch", "number": "2.11.0", "build_type": "tar",
               "build_hash": "4dcad6dd1fd45b6bd91f041a041829c8687278fa",
               "build_date": "2023-10-13T02:55:55.511945994Z", "build_snapshot": False,
               "lucene_version": "9.7.0", "minimum_wire_compatibility_version": "7.10.0",
               "minimum_index_compatibility_version": "7.0.0"}
_ES_REASON = "missing authentication credentials for REST request [/]"
_ES_CHALLENGE = {"WWW-Authenticate": ["Basic realm=\"security\" charset=\"UTF-8\"", "ApiKey"]}


def es_response(kind):
    """What Elasticsearch 8 (es_open, es_locked) or OpenSearch 2 (os_open) answers to GET / (the
    shapes of Elastic's "Root API" and OpenSearch's "Cluster information" documentation)."""
    if kind == "es_open":
        body = json.dumps({"name": "es-node-1", "cluster_name": "records-search",
                           "cluster_uuid": "Xk3u0Jm9QbC3lq6wOAnM1g", "version": _ES_VERSION,
                           "tagline": "You Know, for Search"}, indent=2).encode() + b"\n"
        head = "HTTP/1.1 200 OK\r\nX-elastic-product: Elasticsearch\r\ncontent-type: application/json\r\n"
    elif kind == "os_open":
        body = json.dumps({"name": "os-node-1", "cluster_name": "opensearch",
                           "cluster_uuid": "pBq2mHk1Sx6cYyJ3v0W5dA", "version": _OS_VERSION,
                           "tagline": "The OpenSearch Project: https://opensearch.org/"}, indent=2).encode() + b"\n"
        head = "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=UTF-8\r\n"
    else:
        err = {"type": "security_exception", "reason": _ES_REASON, "header": _ES_CHALLENGE}
        body = json.dumps({"error": {"root_cause": [err], **err}, "status": 401}, separators=(",", ":")).encode()
        head = ("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"security\" charset=\"UTF-8\"\r\n"
                "WWW-Authenticate: ApiKey\r\ncontent-type: application/json\r\n")
    return head.encode() + f"content-length: {len(body)}\r\n\r\n".encode() + body


def garbage():
    """GARBAGE_BYTES of fixed pseudo-random bytes. The first is NUL (no SSH line, no PostgreSQL
    message type) and the fourth is not 0 (no MySQL packet sequence 0): every probe of the family
    must give up on the first bytes, whatever the rest says."""
    b = bytearray(random.Random(0x73736864).randbytes(GARBAGE_BYTES))
    b[0], b[3] = 0, 0xA5
    return bytes(b)


LINGER = 5.0  # after our FIN, seconds to wait for the peer's (so our close is no RST)


class _Conn:
    def __init__(self, sock, answer):
        self.sock, self.answer, self.inbuf, self.out, self.closing = sock, answer, b"", b"", False
        self.linger_until = None  # set once our side is shut down


def _on_request(c, es_cache):
    """Bytes arrived: what the emulated server answers, once the request is whole."""
    if c.answer.startswith(("es_", "os_")) and b"\r\n\r\n" in c.inbuf:
        c.out, c.closing = es_cache[c.answer], True
    elif c.answer == "mongo_hello" and len(c.inbuf) >= 4:
        n = struct.unpack("<i", c.inbuf[:4])[0]
        if n < 21 or n > MONGO_REQUEST_MAX:
            c.closing = True
        elif len(c.inbuf) >= n:
            c.out, c.inbuf = mongo_reply(c.inbuf[:n]), c.inbuf[n:]
            c.closing = not c.out
    elif len(c.inbuf) > MONGO_REQUEST_MAX:
        c.closing = True


def emulate(d):
    """The family's emulators: one process, one selector, until SIGTERM."""
    es_cache = {k: es_response(k) for k in ("es_open", "es_locked", "os_open")}
    junk = garbage()
    sel = selectors.DefaultSelector()
    for c in cases():
        if c["server"] != "emulator":
            continue
        for port in c["ports"]:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((c["addr"], port))
            s.listen(128)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, c["settings"]["answer"])
    conns = {}

    def close(conn):
        conns.pop(conn.sock.fileno(), None)
        sel.unregister(conn.sock)
        conn.sock.close()

    def want(conn):
        sel.modify(conn.sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if conn.out else 0), conn)

    def finish(conn):
        """Everything sent: FIN, then read until the peer closes or LINGER passes."""
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            close(conn)
            return
        conn.linger_until = time.monotonic() + LINGER
        sel.modify(conn.sock, selectors.EVENT_READ, conn)

    while True:
        now = time.monotonic()
        for conn in [c for c in conns.values() if c.linger_until is not None and now > c.linger_until]:
            close(conn)
        for key, mask in sel.select(timeout=1.0):
            if isinstance(key.data, str):
                try:
                    sock, _ = key.fileobj.accept()
                except OSError:
                    continue
                sock.setblocking(False)
                conn = _Conn(sock, key.data)
                if len(conns) >= 200:
                    close(next(iter(conns.values())))
                conns[sock.fileno()] = conn
                if conn.answer == "garbage":
                    conn.out, conn.closing = memoryview(junk), True  # slices without copies
                sel.register(sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if conn.out else 0), conn)
                continue
            conn = key.data
            if mask & selectors.EVENT_READ:
                try:
                    data = conn.sock.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    close(conn)
                    continue
                if conn.answer != "silent" and conn.answer != "garbage" and conn.linger_until is None:
                    conn.inbuf += data
                    _on_request(conn, es_cache)
            if mask & selectors.EVENT_WRITE and conn.out:
                try:
                    conn.out = conn.out[conn.sock.send(conn.out[:262144], socket.MSG_NOSIGNAL):]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    close(conn)
                    continue
            if conn.linger_until is not None:
                continue
            if conn.closing and not conn.out:
                finish(conn)
                continue
            want(conn)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "_emulate" and sys.argv[2] == "--dir":
        emulate(Path(sys.argv[3]))
