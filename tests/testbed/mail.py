"""Mail transport cases of the testbed: organisations mail001.. whose MX hosts speak SMTP on port 25.

Each case is one organisation (domain mailNNN.test, MX mx.mailNNN.test on 127.30.0.N) with one
mail-transport property: STARTTLS good or absent or broken, a self-signed, expired or TLS
1.0-only certificate, an MTA-STS policy (enforce, testing, not matching the MX, unreachable,
served over a bad certificate, a broken record), TLS-RPT good, absent or malformed, DANE TLSA
matching, not matching or in an unsigned zone, and two hostile SMTP listeners. CASES holds the
settings; truth(o) the ground truth written to the manifest (expect.expected_mail_checks reads it).

Servers (tests/testbed/README.md, "Mail transport cases"):
- Postfix 3.7 (Debian's postfix) is the real SMTP server of every case a real server can show:
  one instance of the testbed's own (configuration, queue and data under DIR/mail/postfix), an
  smtpd service per case address in its master.cf with that case's TLS settings (PF_TLS): good,
  self-signed, expired, TLS 1.0 only, no STARTTLS, and STARTTLS offered but no handshake can
  complete (a cipher list for RSA certificates in front of an EC key, TLS 1.3 off).
- The two hostile listeners (never a greeting; garbage after STARTTLS) are an SMTP emulator in
  this file (`mail.py serve`): no real server can be told to misbehave so. It speaks no TLS.
- MTA-STS policies are served by an nginx of this module's own (mta-sts.mailNNN.test on
  127.30.1.N:443, the testbed CA's certificate, or a self-signed one for the bad-certificate case).
"""

import argparse
import datetime
import grp
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import daemons

WHO = "mail cases"  # names this part of the testbed in errors
SCRIPT = Path(__file__).resolve()
OPENSSL = "/usr/bin/openssl"
NGINX = "/usr/sbin/nginx"
POSTFIX = "/usr/sbin/postfix"
MASTER = "/usr/lib/postfix/sbin/master"  # postconf -d daemon_directory
RANGE = "127.30.0.0/16"
MX_NET = "127.30.0"     # MX host of mail case N: 127.30.0.N, port 25
STS_NET = "127.30.1"    # mta-sts.mailNNN.test of case N: 127.30.1.N, port 443 (nginx)
DEAD_NET = "127.30.2"   # an address nothing listens on (the unreachable policy host)
NS = ["a.nshost.test.", "c.nshost.test."]  # testbed.HELPER_NS: the delegation test. gives these zones
STS_ID = "20261203T000000"
MAX_CONNS = 200         # emulator connections kept open at once; beyond, new ones are closed
GARBAGE = bytes(range(0x80, 0xc0)) * 2  # what the garbage listener sends after "STARTTLS"

# case, SMTP server, MTA-STS, TLS-RPT, DANE, zone signed
#   smtp: good (Postfix, TLS 1.2+1.3, CA certificate), self_signed, expired, tls10 (TLS 1.0 only),
#         none (no STARTTLS), broken (STARTTLS offered, every handshake fails),
#         silent, garbage (the emulator, hostile)
#   sts:  none, enforce, enforce_wildcard, testing, mismatch (enforce, mx names another host),
#         unreachable (TXT, the policy host's address does not answer), bad_cert (policy over a
#         self-signed certificate), bad_record (a TXT record whose id= is malformed)
#   rpt:  none, good, malformed (rua= without a scheme)
#   dane: none, match (3 1 1 of the MX key), mismatch (3 1 1 of another key)
CASES = [
    ("starttls_good", "good", "enforce", "good", "match", True),
    ("no_starttls", "none", "none", "none", "none", True),
    ("self_signed", "self_signed", "testing", "malformed", "none", True),
    ("expired", "expired", "mismatch", "good", "none", True),
    ("tls10_only", "tls10", "unreachable", "none", "none", True),
    ("dane_mismatch", "good", "enforce_wildcard", "good", "mismatch", True),
    ("dane_unsigned", "good", "bad_cert", "good", "match", False),
    ("starttls_broken", "broken", "bad_record", "good", "none", True),
    ("smtp_silent", "silent", "none", "none", "none", True),
    ("starttls_garbage", "garbage", "none", "none", "none", True),
]
EMULATED = ("silent", "garbage")


def available():
    """Why the mail cases cannot run here, or None (they need Postfix, its user and nginx)."""
    for b in (POSTFIX, MASTER, NGINX, OPENSSL):
        if not os.access(b, os.X_OK):
            return f"{b} is missing (scripts/install-deps.sh installs postfix)"
    try:
        pwd.getpwnam("postfix")
        grp.getgrnam("postdrop")
    except KeyError:
        return "the postfix user or the postdrop group is missing (the postfix package makes them)"
    return None


def orgs():
    """The mail organisations, regular in shape (expect.expected_checks judges their DNS like any
    other's; no web presence), plus a "mail" part with the case."""
    out = []
    for k, (case, smtp, sts, rpt, dane, signed) in enumerate(CASES, 1):
        oid, dom = f"mail{k:03d}", f"mail{k:03d}.test"
        o = {"org_id": oid, "name": f"Mail Case {k} {case.replace('_', ' ').title()} Clinic", "domain": dom,
             "trap": False, "hostile": None, "web_addr": None, "web_dns": False,
             "dnssec": "signed" if signed else "unsigned", "spf": "fail", "dmarc": "reject", "caa": True,
             "mx": True, "ns": "two_diverse", "axfr": "refused",
             "https": None, "redirect": None, "redirect_to": None, "hsts": None, "csp": None, "xfo": None,
             "xcto": None, "referrer": None, "cookies": None, "server_version": None, "security_txt": None,
             "ns_names": list(NS), "ns_addrs": ["127.53.1.1", "127.54.2.1"], "mx_host": f"mx.{dom}",
             "mail_addr": f"{MX_NET}.{k}", "spf_records": ["v=spf1 mx -all"], "other_txt": [],
             "dmarc_records": [f"v=DMARC1; p=reject; rua=mailto:dmarc@{dom}"], "hosts": [], "addresses": []}
        o["mail"] = {"case": case, "smtp": smtp, "mta_sts": sts, "tls_rpt": rpt, "dane": dane,
                     "mx": f"mx.{dom}", "mx_addr": f"{MX_NET}.{k}",
                     "sts_addr": f"{DEAD_NET if sts == 'unreachable' else STS_NET}.{k}" if sts != "none" else None,
                     "server": "emulator" if smtp in EMULATED else "postfix"}
        o["assets"] = [{"asset": dom, "reason": "apex", "addresses": []},
                       {"asset": f"mx.{dom}", "reason": "mx", "addresses": [f"{MX_NET}.{k}"]}]
        o["assets"] += [{"asset": n.rstrip("."), "reason": "ns", "addresses": [a]}
                        for n, a in zip(NS, o["ns_addrs"])]
        o["endpoints"] = []
        out.append(o)
    return out


# ------------------------------------------------------------------ keys, records, certificates

def _run(cmd, **kw):
    return daemons.run(cmd, WHO, **kw)


def _pki(d):
    return d / "mail" / "pki"


def make_keys(d, mails):
    """One EC key per MX host and one spare ("other", the key a mismatching TLSA names); made
    before the zones, which carry their TLSA digests."""
    pki = _pki(d)
    pki.mkdir(parents=True, exist_ok=True)
    names = [o["org_id"] for o in mails] + ["other"]
    procs = [subprocess.Popen([OPENSSL, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                               "-out", str(pki / f"{n}.key")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for n in names]
    if any(p.wait() != 0 for p in procs):
        raise RuntimeError("mail cases: key generation failed")
    for n in names:
        os.chmod(pki / f"{n}.key", 0o600)  # Postfix and nginx read them as root, before dropping privileges


def spki_sha256(key):
    """SHA-256 of the DER SubjectPublicKeyInfo of a private key's public half (TLSA 3 1 1)."""
    der = subprocess.run([OPENSSL, "pkey", "-in", str(key), "-pubout", "-outform", "DER"],
                         stdout=subprocess.PIPE, check=True).stdout
    return hashlib.sha256(der).hexdigest()


def zone_records(d, o):
    """The records a mail organisation's zone has besides testbed.org_zone's (SOA, NS, MX, SPF,
    DMARC, CAA): the MX host's address, _mta-sts, mta-sts, _smtp._tls, _25._tcp.mx TLSA."""
    m, dom = o["mail"], o["domain"]
    recs = [("mx", "A", m["mx_addr"])]
    if m["mta_sts"] != "none":
        sid = "2026-12-03" if m["mta_sts"] == "bad_record" else STS_ID
        recs += [("_mta-sts", "TXT", f'"v=STSv1; id={sid}"'), ("mta-sts", "A", m["sts_addr"])]
    if m["tls_rpt"] == "good":
        recs.append(("_smtp._tls", "TXT", f'"v=TLSRPTv1; rua=mailto:tlsrpt@{dom}"'))
    elif m["tls_rpt"] == "malformed":
        recs.append(("_smtp._tls", "TXT", f'"v=TLSRPTv1; rua=tlsrpt@{dom}"'))
    if m["dane"] != "none":
        key = _pki(d) / (f"{o['org_id']}.key" if m["dane"] == "match" else "other.key")
        recs.append(("_25._tcp.mx", "TLSA", f"3 1 1 {spki_sha256(key)}"))
    return recs


CA_CNF = """\
[ ca ]
default_ca = mail_ca
[ mail_ca ]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}/newcerts
serial = {dir}/serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
x509_extensions = v3_leaf
[ policy_any ]
commonName = supplied
[ v3_leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
[ req ]
distinguished_name = dn
[ dn ]
"""


def _cert(d, name, key, host, how):
    """DIR/mail/pki/NAME.pem for host: "ca" (the testbed CA, a year), "self" (self-signed) or
    "expired" (the testbed CA, valid from 395 to 30 days ago: `openssl ca` alone can backdate)."""
    pki, ca = _pki(d), d / "pki"
    out = pki / f"{name}.pem"
    subj, san = f"/CN={host}", f"subjectAltName=DNS:{host}"
    base = [OPENSSL, "req", "-config", str(pki / "ca.cnf"), "-key", str(key), "-subj", subj, "-addext", san]
    if how == "self":
        _run(base + ["-x509", "-days", "365", "-out", str(out)])
    elif how == "ca":
        _run(base + ["-x509", "-CA", str(ca / "ca.pem"), "-CAkey", str(ca / "ca.key"), "-days", "365",
                     "-out", str(out)])
    else:
        csr = pki / f"{name}.csr"
        _run(base + ["-new", "-out", str(csr)])
        now = datetime.datetime.now(datetime.timezone.utc)
        start = (now - datetime.timedelta(days=395)).strftime("%Y%m%d%H%M%SZ")
        end = (now - datetime.timedelta(days=30)).strftime("%Y%m%d%H%M%SZ")
        _run([OPENSSL, "ca", "-batch", "-config", str(pki / "ca.cnf"), "-notext", "-cert", str(ca / "ca.pem"),
              "-keyfile", str(ca / "ca.key"), "-startdate", start, "-enddate", end, "-out", str(out),
              "-infiles", str(csr)])
    return out


def make_certs(d, mails):
    """Each MX host's certificate (by its case) and each served policy host's."""
    pki = _pki(d)
    db = pki / "ca-db"
    shutil.rmtree(db, ignore_errors=True)
    (db / "newcerts").mkdir(parents=True)
    (db / "index.txt").write_text("")
    (db / "serial").write_text("2000\n")
    (pki / "ca.cnf").write_text(CA_CNF.replace("{dir}", str(db)))
    for o in mails:
        m, key = o["mail"], pki / f"{o['org_id']}.key"
        how = {"self_signed": "self", "expired": "expired"}.get(m["smtp"], "ca")
        _cert(d, f"{o['org_id']}-mx", key, m["mx"], how)
        if m["mta_sts"] not in ("none", "unreachable"):
            _cert(d, f"{o['org_id']}-sts", key, f"mta-sts.{o['domain']}",
                  "self" if m["mta_sts"] == "bad_cert" else "ca")


def policy_text(o):
    """The MTA-STS policy body served for a case (RFC 8461 s3.2, CRLF lines)."""
    m, dom = o["mail"], o["domain"]
    mode = "testing" if m["mta_sts"] == "testing" else "enforce"
    mx = {"enforce_wildcard": f"*.{dom}", "mismatch": "mx.elsewhere.test"}.get(m["mta_sts"], m["mx"])
    return f"version: STSv1\r\nmode: {mode}\r\nmx: {mx}\r\nmax_age: 86400\r\n"


# ------------------------------------------------------------------ servers

def nginx_conf(d, mails):
    """The policy hosts: one nginx of this module's own, a server per served policy."""
    base = d / "mail"
    servers = []
    for o in mails:
        m = o["mail"]
        if m["mta_sts"] in ("none", "unreachable"):
            continue
        root = base / "www" / o["org_id"]
        (root / ".well-known").mkdir(parents=True, exist_ok=True)
        (root / ".well-known" / "mta-sts.txt").write_text(policy_text(o), newline="")
        pem, key = _pki(d) / f"{o['org_id']}-sts.pem", _pki(d) / f"{o['org_id']}.key"
        servers.append(f"""    server {{  # {o['org_id']} {m['case']}
        listen {m['sts_addr']}:443 ssl;
        server_name mta-sts.{o['domain']};
        ssl_certificate {pem};
        ssl_certificate_key {key};
        root {root};
        location = /.well-known/mta-sts.txt {{ types {{ }} default_type text/plain; }}
    }}""")
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (base / "nginx" / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    tmp = base / "nginx" / "tmp"
    conf = f"""\
# generated by tests/testbed/mail.py - do not edit
user root;
worker_processes 1;
pid {d}/pids/mail-nginx.pid;
error_log {d}/logs/mail-nginx-error.log warn;
events {{
    worker_connections 256;
}}
http {{
    access_log {d}/logs/mail-nginx-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{chr(10).join(servers)}
}}
"""
    path = base / "nginx.conf"
    path.write_text(conf)
    return path


# Postfix's TLS settings of each case (master.cf -o overrides of one smtpd service each).
# good/self_signed/expired differ only by certificate; tls10 allows TLS 1.0 alone, at
# @SECLEVEL=0 (OpenSSL 3 refuses TLS 1.0's SHA-1 signatures at the default level); broken
# offers STARTTLS with suites for RSA certificates only (aRSA) and no TLS 1.3 in front of an
# EC key: no client of any version finds a usable suite ("no shared cipher", alert 40).
PF_TLS = {
    "good": ["smtpd_tls_protocols=>=TLSv1.2", "smtpd_tls_mandatory_protocols=>=TLSv1.2"],
    "tls10": ["smtpd_tls_protocols=>=TLSv1,<=TLSv1", "smtpd_tls_mandatory_protocols=>=TLSv1,<=TLSv1",
              "smtpd_tls_ciphers=low", "tls_low_cipherlist=DEFAULT:@SECLEVEL=0"],
    "broken": ["smtpd_tls_protocols=<=TLSv1.2", "smtpd_tls_mandatory_protocols=<=TLSv1.2",
               "smtpd_tls_ciphers=high", "tls_high_cipherlist=aRSA"],
}
PF_TLS["self_signed"] = PF_TLS["expired"] = PF_TLS["good"]


# Postfix's queue directories (postfix-files: owner, group, mode), made here: `postfix check`
# makes them too, but runs a hundred processes (0.3-0.5 s) at every `up`; test_mail.py runs it.
PF_QUEUE = {"pid": ("root", "root", 0o755), "public": ("postfix", "postdrop", 0o710),
            "maildrop": ("postfix", "postdrop", 0o730)}
PF_QUEUE.update((q, ("postfix", "root", 0o700)) for q in (
    "active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private", "saved", "trace"))


PF_MAIN = """\
# generated by tests/testbed/mail.py - do not edit
compatibility_level = 3.6
queue_directory = {queue}
# relative to the queue directory, where every Postfix program works: the master opens its
# lock there as postfix, and DIR may sit under a directory postfix cannot traverse (pytest's)
data_directory = ../data
mail_owner = postfix
setgid_group = postdrop
# the cases' addresses are in master.cf; Postfix refuses an inet_interfaces address that no
# interface carries, and the 127.30.0.N are bound without being added to lo
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = mx.mail.invalid
mydestination =
mynetworks =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
smtpd_relay_restrictions = reject
smtpd_recipient_restrictions = reject
smtpd_tls_loglevel = 1
maillog_file = {logs}/mail-postfix.maillog
maillog_file_prefixes = {logs}
"""


def _pf_dir(d):
    """Postfix's configuration directory; its queue (root's) and data (postfix's) are siblings:
    `postfix check` wants the whole configuration tree owned by root."""
    return d / "mail" / "postfix" / "etc"


def _pf_service(d, o):
    """The master.cf line of one case: an smtpd on the MX address with the case's settings."""
    m, oid = o["mail"], o["org_id"]
    opts = [f"myhostname={m['mx']}"]
    if m["smtp"] == "none":
        opts.append("smtpd_tls_security_level=none")
    else:
        opts += ["smtpd_tls_security_level=may", f"smtpd_tls_cert_file={_pki(d) / (oid + '-mx.pem')}",
                 f"smtpd_tls_key_file={_pki(d) / (oid + '.key')}"] + PF_TLS[m["smtp"]]
    return f"{m['mx_addr']}:25 inet n - n - - smtpd " + " ".join(f"-o {x}" for x in opts)


def postfix_conf(d, mails):
    """The one Postfix instance of the testbed: DIR/mail/postfix/etc/{main.cf,master.cf}, its
    queue and data directories beside. It relays nothing and rejects every recipient: the scanner
    only greets and asks for STARTTLS. Returns the configuration directory."""
    pf, top = _pf_dir(d), _pf_dir(d).parent
    dirs = {pf: ("root", "root", 0o755), top / "queue": ("root", "root", 0o755), top / "data": ("postfix", "postfix", 0o700)}
    dirs.update((top / "queue" / q, v) for q, v in PF_QUEUE.items())
    for path, (user, group, mode) in dirs.items():  # parents first: dicts keep their order
        path.mkdir(parents=True, exist_ok=True)
        shutil.chown(path, user, group)
        os.chmod(path, mode)
    (pf / "main.cf").write_text(PF_MAIN.format(queue=top / "queue", logs=d / "logs"))
    services = [_pf_service(d, o) for o in mails if o["mail"]["server"] == "postfix"]
    services += ["anvil unix - - n - 1 anvil", "rewrite unix - - n - - trivial-rewrite",
                 "tlsmgr unix - - n 1000? 1 tlsmgr", "postlog unix-dgram n - n - 1 postlogd"]
    (pf / "master.cf").write_text("# generated by tests/testbed/mail.py - do not edit\n" + "\n".join(services) + "\n")
    # Postfix waits until a configuration file is at least a second old ("may be changing"),
    # seconds at every start of a fresh one: date them a minute back
    old = time.time() - 60
    for f in ("main.cf", "master.cf"):
        os.utime(pf / f, (old, old))
    return pf


def serve_conf(d, mails):
    """What the emulator serves: DIR/mail/serve.json."""
    eps = []
    for o in (o for o in mails if o["mail"]["smtp"] in EMULATED):
        m = o["mail"]
        eps.append({"addr": m["mx_addr"], "host": m["mx"], "kind": m["smtp"]})
    path = d / "mail" / "serve.json"
    path.write_text(json.dumps(eps, indent=1) + "\n")
    return path


def markers(d):
    """label -> command-line marker of every daemon start() starts (testbed.our_processes)."""
    return {"mail-nginx": str(d / "mail" / "nginx.conf"), "mail-postfix": f"master -c {_pf_dir(d)}",
            "mail-serve": f"{SCRIPT.name} serve --dir {d}"}


def start(d, mails):
    """Certificates, the policy nginx, Postfix and the emulator; returns the manifest part."""
    make_certs(d, mails)
    conf = nginx_conf(d, mails)
    r = subprocess.run([NGINX, "-c", str(conf), "-p", str(d / "mail" / "nginx") + "/",
                        "-e", str(d / "logs" / "mail-nginx-error.log")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"mail cases: nginx failed:\n{r.stdout}")
    pf = postfix_conf(d, mails)
    serve_conf(d, mails)
    # the master in the foreground under our pid file, as `postfix start` would run it (without
    # its `postfix check`: test_mail.py runs that on the testbed's configuration)
    procs = [("mail-postfix", daemons.spawn(d, "mail-postfix", [MASTER, "-c", str(pf), "-d"]))]
    procs.append(("mail-serve", daemons.spawn(d, "mail-serve", [sys.executable, str(SCRIPT), "serve", "--dir", str(d)])))
    for o in mails:
        m = o["mail"]
        daemons.wait_port(m["mx_addr"], 25, procs, WHO)
        if m["mta_sts"] not in ("none", "unreachable"):
            daemons.wait_port(m["sts_addr"], 443, [], WHO)
    return {"enabled": True, "range": RANGE, "cases": [truth(o) for o in mails]}


def truth(o):
    """A case as the manifest's mail part lists it."""
    return {"org_id": o["org_id"], **o["mail"]}


# ------------------------------------------------------------------ the SMTP emulator

def _readline(f):
    """One command line, at most 1 KiB (a longer one is cut: the peer's problem)."""
    line = f.readline(1024)
    return line.decode("latin-1").strip() if line else None


def _ehlo(host):
    lines = [host, "PIPELINING", "SIZE 10240000", "8BITMIME", "STARTTLS"]
    return "".join(f"250{'-' if i < len(lines) - 1 else ' '}{x}\r\n" for i, x in enumerate(lines)).encode()


def _session(conn, ep, slots):
    """One hostile SMTP session: "silent" never greets; "garbage" greets, offers STARTTLS and
    answers it with bytes that are neither SMTP nor TLS."""
    try:
        conn.settimeout(15)
        if ep["kind"] == "silent":
            while conn.recv(4096):
                pass
            return
        conn.sendall(f"220 {ep['host']} ESMTP vitals-testbed\r\n".encode())
        f = conn.makefile("rb")
        while True:
            cmd = _readline(f)
            if cmd is None:
                return
            verb = cmd.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                conn.sendall(_ehlo(ep["host"]) if verb == "EHLO" else f"250 {ep['host']}\r\n".encode())
            elif verb == "STARTTLS":
                conn.sendall(GARBAGE)
                return
            elif verb == "QUIT":
                conn.sendall(b"221 2.0.0 Bye\r\n")
                return
            elif verb in ("NOOP", "RSET"):
                conn.sendall(b"250 2.0.0 Ok\r\n")
            else:
                conn.sendall(b"502 5.5.2 Command not implemented\r\n")
    except (OSError, ValueError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass
        slots.release()


def _listen(ep, slots):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ep["addr"], 25))
    s.listen(128)

    def loop():
        while True:
            conn, _ = s.accept()
            if not slots.acquire(blocking=False):
                conn.close()  # the cap on open sessions: the peer's problem, not ours
                continue
            threading.Thread(target=_session, args=(conn, ep, slots), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def serve(args):
    """`mail.py serve --dir DIR`: the emulated SMTP listeners of DIR/mail/serve.json, until SIGTERM."""
    conf = Path(args.dir) / "mail" / "serve.json"
    slots = threading.BoundedSemaphore(MAX_CONNS)
    for ep in json.loads(conf.read_text()):
        _listen(ep, slots)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    return 0


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("serve", help="run the SMTP emulator of a testbed DIR")
    sp.add_argument("--dir", required=True)
    args = p.parse_args(argv[1:])
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    return serve(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
