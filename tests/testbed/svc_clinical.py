"""Clinical service cases of the testbed (family 3, 127.40.3.0/24): DICOM, PACS web, HL7 v2, FHIR.

Each case is one organisation svc3NN.test (services.py gives the ids) whose apex address
127.40.3.N serves one clinical posture. cases() lists them with their ground truth ({check id:
status}); start(d, cases) starts the servers; available() says why they cannot run here (None
when they can).

Servers (tests/testbed/README.md, "Clinical service cases"):
- Orthanc 1.10 (Debian's orthanc), one instance per Orthanc case with its own configuration
  (remote access open or behind a password, DicomCheckCalledAet on or off, DicomAlwaysAllowFind
  on or off, DICOM over TLS with a certificate of the testbed CA). Orthanc has no listen-address
  option: each instance listens on 0.0.0.0 at ports of its own (BACKEND_BASE + ...), and the
  capturing forwarder below gives it the case's address and usual ports.
- dcmtk's storescp (a DICOM receiver that accepts any AE title and refuses C-FIND), likewise.
- Emulators, where Debian has no server: an HL7 v2 MLLP listener answering as HAPI's default
  receiver does (an ACK with MSA-1 AR, ERR "Unsupported message type"), a FHIR R4 server
  answering as HAPI FHIR does (CapabilityStatement, _summary=count Bundles; open, or with a SMART
  security section and 401 for data), and a hostile DICOM peer answering the A-ASSOCIATE-RQ with
  a malformed PDU.
All of them run inside one process (`svc_clinical.py serve --dir DIR`): it listens on every case
address and port, forwards the Orthanc and storescp ones to their instance and records every
byte a client sends, per connection, under DIR/svc-clinical/capture/ (the patient-data safety
test reads them: tests/integration/test_patient_safety.py).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import daemons

FAMILY = 3
WHO = "service cases (clinical)"
SCRIPT = Path(__file__).resolve()
ORTHANC = "/usr/sbin/Orthanc"
STORESCP = "/usr/bin/storescp"
DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"  # Debian orthanc-dicomweb
OPENSSL = "/usr/bin/openssl"
NET = "127.40.3"
BACKEND_BASE = 47300     # Orthanc/storescp instance k: HTTP BACKEND_BASE+k, DICOM BACKEND_BASE+50+k
MAX_CONNS = 200          # connections served at once by the emulators and forwarders
CAPTURE_MAX = 1 << 20    # bytes of one connection's client stream kept
READ_MAX = 64 * 1024     # bytes of one request the emulators read before giving up on it
FHIR_PORT = 8080

CHECKS = ["svc.dicom.any_aet", "svc.dicom.find_open", "svc.dicom.cleartext", "svc.pacs_web.noauth",
          "svc.hl7.exposed", "svc.fhir.anonymous_read", "svc.fhir.no_security"]
EXPOSURE = {"svc.hl7.exposed"}  # "pass" where the service is absent; the others are "na"

# case, address byte, server, its settings, {check: status} where it differs from absent
# (the n-th case is organisation svc3NN, address 127.40.3.N)
_CASES = [
    ("dicom_open", 1, "orthanc",
     {"ports": {"dicom": 4242, "http": 8042}, "called_aet": False, "find": True, "auth": False,
      "dicomweb": True},
     {"svc.dicom.any_aet": "fail", "svc.dicom.find_open": "fail", "svc.dicom.cleartext": "fail",
      "svc.pacs_web.noauth": "fail"}),
    ("dicom_locked", 2, "orthanc",
     {"ports": {"dicom": 104, "http": 8042}, "called_aet": True, "find": False, "auth": True,
      "dicomweb": True},
     {"svc.dicom.any_aet": "pass", "svc.dicom.find_open": "pass", "svc.dicom.cleartext": "fail",
      "svc.pacs_web.noauth": "pass"}),
    ("dicom_no_find", 3, "orthanc",
     {"ports": {"dicom": 11112, "http": 8042}, "called_aet": False, "find": False, "auth": True},
     {"svc.dicom.any_aet": "fail", "svc.dicom.find_open": "pass", "svc.dicom.cleartext": "fail",
      "svc.pacs_web.noauth": "pass"}),
    ("storescp", 4, "storescp", {"ports": {"dicom": 11112}},
     {"svc.dicom.any_aet": "fail", "svc.dicom.find_open": "pass", "svc.dicom.cleartext": "fail"}),
    ("dicom_tls", 5, "orthanc",
     {"ports": {"dicom": 2762}, "called_aet": False, "find": True, "auth": True, "tls": True},
     {"svc.dicom.any_aet": "fail", "svc.dicom.find_open": "fail", "svc.dicom.cleartext": "pass"}),
    ("dicom_malformed", 6, "dicom_hostile", {"ports": {"dicom": 104}},
     {"svc.dicom.any_aet": "indeterminate", "svc.dicom.find_open": "indeterminate",
      "svc.dicom.cleartext": "indeterminate"}),
    ("hl7_open", 7, "hl7", {"ports": {"mllp": 2575}}, {"svc.hl7.exposed": "fail"}),
    ("fhir_open", 8, "fhir_open", {"ports": {"http": FHIR_PORT}},
     {"svc.fhir.anonymous_read": "fail", "svc.fhir.no_security": "fail"}),
    ("fhir_smart", 9, "fhir_smart", {"ports": {"http": FHIR_PORT}},
     {"svc.fhir.anonymous_read": "pass", "svc.fhir.no_security": "pass"}),
]


def truth(c):
    """{check id: status} of every clinical check for case c."""
    out = {k: ("pass" if k in EXPOSURE else "na") for k in CHECKS}
    out.update(c["differs"])
    return out


def cases():
    """The cases: case name, addr, ports, server and settings, truth."""
    out = []
    for k, (name, n, server, conf, differs) in enumerate(_CASES):
        c = {"case": name, "addr": f"{NET}.{n}", "ports": sorted(conf["ports"].values()),
             "server": server, "config": conf, "differs": differs, "backend": k}
        c["truth"] = truth(c)
        del c["differs"]
        out.append(c)
    return out


def available():
    """None, or why the servers of these cases cannot run here."""
    for b in (ORTHANC, STORESCP, OPENSSL):
        if not os.access(b, os.X_OK):
            return f"{b} is missing (scripts/install-deps.sh installs orthanc and dcmtk)"
    if not os.access(DICOMWEB_PLUGIN, os.R_OK):
        return f"{DICOMWEB_PLUGIN} is missing (scripts/install-deps.sh installs orthanc-dicomweb)"
    return None


def _base(d):
    return d / "svc-clinical"


def _exe(d, label, real):
    """`real` under a name of this testbed's own, DIR/svc-clinical/bin/LABEL (a symbolic link):
    daemons.spawn records a daemon's program as the marker `down` looks for in command lines,
    and /usr/sbin/Orthanc or /usr/bin/python3 would name every such process on the machine."""
    link = _base(d) / "bin" / label
    link.parent.mkdir(exist_ok=True)
    link.symlink_to(real)
    return str(link)


def _backend(c, kind):
    return BACKEND_BASE + c["backend"] + (50 if kind == "dicom" else 0)


def _cert(d, c):
    """A certificate of the testbed CA for svcNNN.test (DICOM over TLS)."""
    pki, out = d / "pki", _base(d) / c["id"]
    daemons.run([OPENSSL, "req", "-config", str(pki / "openssl.cnf"), "-key", str(pki / "leaf.key"), "-x509",
                 "-CA", str(pki / "ca.pem"), "-CAkey", str(pki / "ca.key"), "-days", "365",
                 "-subj", f"/CN={c['id']}.test", "-addext", f"subjectAltName=DNS:{c['id']}.test",
                 "-out", str(out / "cert.pem")], WHO)
    return out / "cert.pem", pki / "leaf.key"


def _orthanc_conf(d, c):
    conf, base = c["config"], _base(d) / c["id"]
    o = {"Name": f"vitals-{c['id']}", "StorageDirectory": str(base / "db"), "IndexDirectory": str(base / "db"),
         "HttpPort": _backend(c, "http"), "DicomPort": _backend(c, "dicom"), "Plugins": [],
         "HttpThreadsCount": 4, "DicomThreadsCount": 2, "ConcurrentJobs": 1, "LoadPrivateDictionary": False,
         "DicomCheckCalledAet": conf["called_aet"], "DicomAlwaysAllowFind": conf["find"],
         # Orthanc counts loopback clients as local: only a password locks the REST API here.
         "RemoteAccessAllowed": True, "AuthenticationEnabled": conf["auth"]}
    if conf.get("dicomweb"):  # Debian's orthanc-dicomweb plugin: DICOMweb under /dicom-web/
        o["Plugins"] = [DICOMWEB_PLUGIN]
        o["DicomWeb"] = {"Enable": True, "Root": "/dicom-web/"}
    if conf["auth"]:
        o["RegisteredUsers"] = {"pacsadmin": "vitals-testbed-not-a-secret"}
    if conf.get("tls"):
        cert, key = _cert(d, c)
        o.update({"DicomTlsEnabled": True, "DicomTlsCertificate": str(cert), "DicomTlsPrivateKey": str(key),
                  "DicomTlsTrustedCertificates": str(d / "pki" / "ca.pem"),
                  "DicomTlsRemoteCertificateRequired": False})
    path = base / "orthanc.json"
    path.write_text(json.dumps(o, indent=1))
    return path


def serve_conf(d, cs):
    """What `serve` listens on: [{addr, port, kind, to}], written to DIR/svc-clinical/serve.json."""
    eps = []
    for c in cs:
        for kind, port in c["config"]["ports"].items():
            ep = {"addr": c["addr"], "port": port, "case": c["id"], "kind": c["server"], "server": c["server"]}
            if c["server"] in ("orthanc", "storescp"):
                ep["kind"], ep["to"] = "forward", ["127.0.0.1", _backend(c, kind)]
            eps.append(ep)
    path = _base(d) / "serve.json"
    path.write_text(json.dumps(eps, indent=1))
    return eps


def start(d, cs):
    """Orthanc and storescp instances, then the emulators and forwarders; returns the manifest part."""
    base = _base(d)
    shutil.rmtree(base, ignore_errors=True)
    (base / "capture").mkdir(parents=True)
    procs, waits = [], []
    for c in cs:
        (base / c["id"]).mkdir()
        label = f"svc-clinical-{c['id']}"
        if c["server"] == "orthanc":
            cmd = [_exe(d, label, ORTHANC), str(_orthanc_conf(d, c))]
        elif c["server"] == "storescp":
            cmd = [_exe(d, label, STORESCP), "--aetitle", "STORESCP", "--output-directory", str(base / c["id"]),
                   str(_backend(c, "dicom"))]
        else:
            continue
        procs.append((c["id"], daemons.spawn(d, label, cmd)))
        waits += [("127.0.0.1", _backend(c, k)) for k in c["config"]["ports"]]
    eps = serve_conf(d, cs)
    python = _exe(d, "svc-clinical-serve", sys.executable)
    procs.append(("serve", daemons.spawn(d, "svc-clinical-serve", [python, str(SCRIPT), "serve", "--dir", str(d)])))
    for addr, port in waits + [(e["addr"], e["port"]) for e in eps]:
        daemons.wait_port(addr, port, procs, WHO, timeout=20.0)
    return {"range": f"{NET}.0/24", "capture": str(base / "capture"), "cases": [c["id"] for c in cs]}


# ---- the serving process: forwarders and emulators ----

class Capture:
    """The client's bytes of one connection, into DIR/svc-clinical/capture/CASE-PORT-SEQ.bin (capped)."""
    seq = 0
    lock = threading.Lock()

    def __init__(self, d, ep):
        with Capture.lock:
            Capture.seq += 1
            n = Capture.seq
        self.f = open(_base(d) / "capture" / f"{ep['case']}-{ep['port']}-{n:05d}.bin", "wb")
        self.n = 0

    def add(self, data):
        keep = data[:max(0, CAPTURE_MAX - self.n)]
        self.f.write(keep)
        self.f.flush()
        self.n += len(keep)

    def close(self):
        self.f.close()


def _recv(s, cap):
    try:
        return s.recv(cap)
    except OSError:
        return b""


def _pump(src, dst, cap):
    """src -> dst until EOF (recorded when cap is a Capture); then dst's write side is shut."""
    while True:
        data = _recv(src, 65536)
        if not data:
            break
        if cap is not None:
            cap.add(data)
        try:
            dst.sendall(data)
        except OSError:
            break
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def forward(s, ep, cap):
    try:
        b = socket.create_connection(tuple(ep["to"]), timeout=5)
    except OSError:
        return
    b.settimeout(None)
    t = threading.Thread(target=_pump, args=(b, s, None), daemon=True)
    t.start()
    _pump(s, b, cap)
    t.join(30)
    b.close()


def _read_until(s, buf, end, cap):
    """Reads into buf until `end` occurs (returns its offset past it) or EOF/too much (None)."""
    while end not in buf:
        if len(buf) > READ_MAX:
            return None
        data = _recv(s, 4096)
        if not data:
            return None
        cap.add(data)
        buf += data
    return buf.index(end) + len(end)


def dicom_hostile(s, ep, cap):
    """Reads the A-ASSOCIATE-RQ, answers with an A-ASSOCIATE-AC whose 16 bytes cannot hold one
    (an AC has at least 68 bytes of fixed fields), and waits for the peer to go."""
    head = b""
    while len(head) < 6:
        data = _recv(s, 6 - len(head))
        if not data:
            return
        cap.add(data)
        head += data
    left = min(int.from_bytes(head[2:6], "big"), READ_MAX)
    while left > 0:
        data = _recv(s, min(left, 4096))
        if not data:
            return
        cap.add(data)
        left -= len(data)
    s.sendall(bytes([0x02, 0, 0, 0, 0, 16, 0, 1, 0, 0]) + b"\xde\xad\xbe\xef" * 3)
    s.settimeout(10)
    while _recv(s, 4096):
        pass


def _hl7_fields(msg):
    seg = msg.split(b"\r")[0]
    return seg.split(seg[3:4]) if len(seg) > 3 else []


def hl7(s, ep, cap):
    """HAPI's default MLLP receiver: every message gets an ACK; a type no application handles gets
    MSA-1 AR and ERR 200 "Unsupported message type" (HL7 table 0357)."""
    buf = bytearray()
    while True:
        end = _read_until(s, buf, b"\x1c\r", cap)
        if end is None:
            return
        msg, buf = bytes(buf[:end]), buf[end:]
        f = _hl7_fields(msg.lstrip(b"\x0b"))
        get = lambda i: f[i].decode("ascii", "replace") if len(f) > i else ""
        ack = (f"MSH|^~\\&|{get(4)}|{get(5)}|{get(2)}|{get(3)}|{time.strftime('%Y%m%d%H%M%S')}||"
               f"ACK^{get(8).split('^')[1] if '^' in get(8) else ''}^ACK|{int(time.time()) % 100000}|"
               f"{get(10)}|{get(11)}\rMSA|AR|{get(9)}\rERR|^^^200&Unsupported message type&HL70357\r")
        s.sendall(b"\x0b" + ack.encode() + b"\x1c\r")


FHIR_POWERED = "HAPI FHIR 6.4.0 REST Server (FHIR Server; FHIR 4.0.1/R4)"
SMART_SECURITY = {
    "cors": True,
    "extension": [{"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                   "extension": [{"url": "authorize", "valueUri": "https://auth.svc309.test/authorize"},
                                 {"url": "token", "valueUri": "https://auth.svc309.test/token"}]}],
    "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                             "code": "SMART-on-FHIR"}], "text": "OAuth2 using SMART-on-FHIR profile"}]}


def _capability(smart):
    rest = {"mode": "server", "resource": [{"type": "Patient", "interaction": [{"code": "read"},
                                                                               {"code": "search-type"}]}]}
    if smart:
        rest["security"] = SMART_SECURITY
    return {"resourceType": "CapabilityStatement", "status": "active", "kind": "instance",
            "software": {"name": "HAPI FHIR Server", "version": "6.4.0"},
            "implementation": {"description": "HAPI FHIR R4 Server"}, "fhirVersion": "4.0.1",
            "format": ["application/fhir+xml", "application/fhir+json"], "rest": [rest]}


def _outcome(code, text):
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}


def fhir_answer(kind, method, target):
    """(status, extra headers, JSON body) for one request, as HAPI FHIR answers it."""
    path, _, query = target.partition("?")
    path = path[len("/fhir"):] if path.startswith("/fhir/") else path
    smart = kind == "fhir_smart"
    if method != "GET":
        return 405, {}, _outcome("not-supported", f"{method} is not supported here")
    if path == "/metadata":
        return 200, {}, _capability(smart)
    if path == "/.well-known/smart-configuration" and smart:
        return 200, {}, {"issuer": "https://auth.svc309.test", "authorization_endpoint":
                         "https://auth.svc309.test/authorize", "token_endpoint": "https://auth.svc309.test/token",
                         "capabilities": ["launch-standalone", "client-confidential-symmetric"]}
    if path == "/Patient" and smart:
        return 401, {"WWW-Authenticate": 'Bearer realm="fhir"'}, _outcome("login", "HTTP 401 Unauthorized")
    if path == "/Patient" and "_summary=count" in query.split("&"):
        return 200, {}, {"resourceType": "Bundle", "type": "searchset", "total": 0}
    if path == "/Patient":
        return 200, {}, {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []}
    return 404, {}, _outcome("not-found", f"Unknown resource type or operation: {path}")


def fhir(s, ep, cap):
    """A keep-alive HTTP/1.1 loop answering fhir_answer()."""
    buf = bytearray()
    while True:
        end = _read_until(s, buf, b"\r\n\r\n", cap)
        if end is None:
            return
        head, buf = bytes(buf[:end]).decode("latin-1"), buf[end:]
        parts = head.split("\r\n", 1)[0].split(" ")
        if len(parts) != 3:
            return
        status, extra, body = fhir_answer(ep["kind"], parts[0], parts[1])
        data = json.dumps(body).encode()
        reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}[status]
        hdrs = {"Content-Type": "application/fhir+json;charset=utf-8", "X-Powered-By": FHIR_POWERED,
                "Content-Length": str(len(data)), **extra}
        out = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
        s.sendall(out.encode() + (data if parts[0] != "HEAD" else b""))
        if "connection: close" in head.lower():
            return


HANDLERS = {"forward": forward, "dicom_hostile": dicom_hostile, "hl7": hl7, "fhir_open": fhir, "fhir_smart": fhir}


def _session(d, ep, s, slots):
    cap = Capture(d, ep)
    try:
        HANDLERS[ep["kind"]](s, ep, cap)
    except OSError:
        pass
    finally:
        cap.close()
        s.close()
        slots.release()


def _listen(d, ep, slots):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ep["addr"], ep["port"]))
    ls.listen(128)

    def accept():
        while True:
            s, _ = ls.accept()
            if not slots.acquire(blocking=False):
                s.close()
                continue
            s.settimeout(30)
            threading.Thread(target=_session, args=(d, ep, s, slots), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()


def serve(args):
    """`svc_clinical.py serve --dir DIR`: the listeners of DIR/svc-clinical/serve.json, until SIGTERM."""
    d = Path(args.dir)
    slots = threading.BoundedSemaphore(MAX_CONNS)
    for ep in json.loads((_base(d) / "serve.json").read_text()):
        _listen(d, ep, slots)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    return 0


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("serve", help="run the clinical emulators and forwarders of a testbed DIR")
    sp.add_argument("--dir", required=True)
    args = p.parse_args(argv[1:])
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    return serve(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
