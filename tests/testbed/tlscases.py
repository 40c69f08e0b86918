"""Deep-TLS cases of the testbed (`testbed.py up --tls-cases`): one endpoint per case.

Each case is a TLS server on port 443 of its own address in 127.97.0.0/24 whose protocols,
cipher suites, key exchange and certificate are set so that one deep-TLS property shows and
the others are ordinary. CASES holds both the server settings and the ground truth written to
manifest.json under "tls_cases" (truth(), the vocabulary of tests/peers/ and of the scanner).

Most cases are served by one nginx of their own (Debian's OpenSSL 3.0 at @SECLEVEL=0); RC4 and
3DES, which that OpenSSL no longer has, by gnutls-serv. gnutls-serv binds every address for its
port, so each instance gets a port of its own on 127.0.0.1 and socat forwards the case's
address:443 to it. SSLv3 and EXPORT suites cannot be served by any Debian server here: no case
shows them (tests/testbed/README.md, "Deep-TLS cases").

Each case is also an organisation of the testbed (testbed.py tls_case_orgs(): id tlsNNN, domain
tlsNNN.test, apex and www on the case's address, ordinary good signed DNS), so a scan of the
testbed assesses every case; its certificate names tlsNNN.test, www.tlsNNN.test and the address.
"""

import datetime
import os
import shutil
import subprocess

import daemons

OPENSSL = "/usr/bin/openssl"
NGINX = "/usr/sbin/nginx"
GNUTLS_SERV = "/usr/bin/gnutls-serv"
SOCAT = "/usr/bin/socat"
RANGE = "127.97.0.0/24"
PROTOCOLS = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
# cipher-suite classes: present = at least one accepted suite is of the kind; the last three
# describe the whole accepted set (every suite CBC, none with forward secrecy, none AEAD)
CLASSES = ["null", "export", "anon", "rc4", "3des", "cbc_only", "no_fs", "no_aead"]
GNUTLS_BASE_PORT = 44300  # gnutls-serv instance k listens on 127.0.0.1:(44300 + k), all addresses

GCM = "ECDHE-ECDSA-AES128-GCM-SHA256"
# Written out by hand, not derived from the cipher strings: the classes are the ground truth the
# peers' and the scanner's parsing is judged against.
_NGINX_CASES = [
    # case, protocols, nginx ssl_ciphers, classes, certificate, extra
    ("modern", ["TLSv1.2", "TLSv1.3"], f"{GCM}:ECDHE-ECDSA-CHACHA20-POLY1305", [], {}, {}),
    ("legacy_protocols", ["TLSv1.0", "TLSv1.1", "TLSv1.2"], f"{GCM}:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0", [],
     {}, {}),
    ("tls13_only", ["TLSv1.3"], GCM, [], {}, {}),
    ("null_cipher", ["TLSv1.2"], f"{GCM}:ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0", ["null"], {}, {}),
    ("anon_cipher", ["TLSv1.2"], f"{GCM}:AECDH-AES128-SHA:@SECLEVEL=0", ["anon"], {}, {}),
    ("cbc_only", ["TLSv1.2"], "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384", ["cbc_only", "no_aead"], {}, {}),
    ("static_rsa", ["TLSv1.2"], "AES128-GCM-SHA256:AES256-SHA", ["no_fs"], {"key": "rsa2048"}, {}),
    ("dhe_1024", ["TLSv1.2"], "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", [], {"key": "rsa2048"}, {"dh_bits": 1024}),
    ("rsa_1024", ["TLSv1.2"], "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", [], {"key": "rsa1024"}, {}),
    ("sha1_signature", ["TLSv1.2"], f"{GCM}:@SECLEVEL=0", [], {"md": "sha1"}, {}),
    ("chain_incomplete", ["TLSv1.2", "TLSv1.3"], GCM, [], {"chain": "missing_intermediate"}, {}),
    ("long_validity", ["TLSv1.2", "TLSv1.3"], GCM, [], {"days": 1825}, {}),
    ("expired", ["TLSv1.2", "TLSv1.3"], GCM, [], {"window": (-400, -35)}, {}),
    ("not_yet_valid", ["TLSv1.2", "TLSv1.3"], GCM, [], {"window": (30, 395)}, {}),
    ("self_signed", ["TLSv1.2", "TLSv1.3"], GCM, [], {"self_signed": True}, {}),
    ("ocsp_stapled", ["TLSv1.2", "TLSv1.3"], GCM, [], {}, {"ocsp": True}),
]
# gnutls-serv priority strings: TLS 1.2 only, ECDHE-RSA only, so the weak bulk cipher is the one
# property that shows (GnuTLS 3.7 still has both when named explicitly)
_GNUTLS_BASE = "NONE:+VERS-TLS1.2:+ECDHE-RSA:+SIGN-ALL:+GROUP-ALL:+COMP-NULL:+CTYPE-X509"
_GNUTLS_CASES = [
    ("rc4_cipher", f"{_GNUTLS_BASE}:+AES-128-GCM:+AEAD:+ARCFOUR-128:+SHA1", ["rc4"]),
    ("3des_cipher", f"{_GNUTLS_BASE}:+AES-128-GCM:+AEAD:+3DES-CBC:+SHA1", ["3des"]),
]


WHO = "tls cases"  # names this part of the testbed in errors


def _run(cmd):
    daemons.run(cmd, WHO)


def cases():
    """Every case: {"id", "case", "addr", "server", ...settings, "truth"}, in address order."""
    out = []
    for k, (case, protos, ciphers, classes, cert, extra) in enumerate(_NGINX_CASES):
        out.append({"id": f"tls{k + 1:03d}", "case": case, "server": "nginx", "protocols": protos,
                    "ciphers": ciphers, "cert": cert, "ocsp": extra.get("ocsp", False),
                    "dh_bits": extra.get("dh_bits"), "classes": classes})
    for j, (case, prio, classes) in enumerate(_GNUTLS_CASES):
        k = len(out)
        out.append({"id": f"tls{k + 1:03d}", "case": case, "server": "gnutls", "protocols": ["TLSv1.2"],
                    "priority": prio, "cert": {"key": "rsa2048"}, "ocsp": False, "dh_bits": None,
                    "classes": classes,
                    "port": GNUTLS_BASE_PORT + j})
    for k, c in enumerate(out):
        c["addr"] = f"127.97.0.{k + 10}"
        c["host"] = f"{c['id']}.test"
    return out


def truth(c):
    """The ground truth of one case as manifest.json records it (tests/peers/README.md)."""
    cert = c["cert"]
    key = cert.get("key", "ec256")
    lo, hi = cert.get("window", (0, cert.get("days", 365)))
    return {
        "id": c["id"], "case": c["case"], "host": c["host"], "addr": c["addr"], "port": 443,
        "server": c["server"],
        "protocols": {p: p in c["protocols"] for p in PROTOCOLS},
        "classes": sorted(c["classes"]),
        "dh_bits": c["dh_bits"],
        "cert": {
            "key_type": "ec" if key.startswith("ec") else "rsa",
            "key_bits": int(key[-4:]) if key.startswith("rsa") else 256,
            # every case certificate is signed with an EC P-256 key (the intermediate's, or its own)
            "sig": "ecdsa-" + cert.get("md", "sha256"),
            "chain_complete": cert.get("chain") != "missing_intermediate",
            "self_signed": bool(cert.get("self_signed")),
            "validity_days": hi - lo,
            "over_398_days": hi - lo > 398,
            "expired": hi < 0,
            "not_yet_valid": lo > 0,
        },
        "ocsp_stapled": c["ocsp"],
    }


# ------------------------------------------------------------------ certificates

CNF = """\
[ req ]
distinguished_name = dn
[ dn ]
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ca ]
default_ca = tc
[ tc ]
dir = {pki}
database = $dir/db/index.txt
new_certs_dir = $dir/db/new
certificate = $dir/int.pem
private_key = $dir/int.key
serial = $dir/db/serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
x509_extensions = v3_leaf
[ policy_any ]
commonName = supplied
"""


def _keys(pki):
    """The case keys, made once per DIR (kept between `up`s: RSA generation is the slow part)."""
    specs = {"ec256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
             "rsa2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
             "rsa1024": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
             "ca": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
             "int": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]}
    procs = [subprocess.Popen([OPENSSL, "genpkey", *a, "-out", str(pki / f"{k}.key")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for k, a in specs.items() if not (pki / f"{k}.key").exists()]
    if not (pki / "dh1024.pem").exists():
        procs.append(subprocess.Popen([OPENSSL, "dhparam", "-dsaparam", "-out", str(pki / "dh1024.pem"), "1024"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    if any(p.wait() != 0 for p in procs):
        raise RuntimeError("tls cases: key generation failed")


def _ca(pki, cnf):
    """Root (its own, "vitals tls-cases CA", in DIR/tlscases/ca.pem) and one intermediate."""
    if not (pki / "ca.pem").exists():
        _run([OPENSSL, "req", "-x509", "-new", "-key", str(pki / "ca.key"), "-out", str(pki / "ca.pem"),
              "-days", "3650", "-subj", "/O=vitals testbed/CN=vitals tls-cases CA", "-extensions", "v3_ca",
              "-config", str(cnf)])
    if not (pki / "int.pem").exists():
        _run([OPENSSL, "req", "-new", "-x509", "-key", str(pki / "int.key"), "-CA", str(pki / "ca.pem"),
              "-CAkey", str(pki / "ca.key"), "-out", str(pki / "int.pem"), "-days", "3650",
              "-subj", "/O=vitals testbed/CN=vitals tls-cases intermediate", "-extensions", "v3_ca",
              "-config", str(cnf)])


def _leaf_cmds(pki, cnf, c):
    """openssl commands writing DIR/tlscases/pki/ID.pem (leaf only), or a CSR for `openssl ca`."""
    cert = c["cert"]
    key = str(pki / f"{cert.get('key', 'ec256')}.key")
    subj = ["-subj", f"/CN={c['host']}", "-addext", f"subjectAltName=DNS:{c['host']},DNS:www.{c['host']},IP:{c['addr']}"]
    base = [OPENSSL, "req", "-new", "-config", str(cnf), "-key", key, "-extensions", "v3_leaf"] + subj
    if "window" in cert:
        return [base + ["-out", str(pki / f"{c['id']}.csr")]]
    out = ["-out", str(pki / f"{c['id']}.pem"), "-days", str(cert.get("days", 365)),
           f"-{cert.get('md', 'sha256')}"]
    if cert.get("self_signed"):
        return [base + ["-x509"] + out]
    return [base + ["-x509", "-CA", str(pki / "int.pem"), "-CAkey", str(pki / "int.key")] + out]


def _sign_window(pki, cnf, c):
    """`openssl ca` alone sets a start date other than now: valid from/to days relative to today."""
    now = datetime.datetime.now(datetime.timezone.utc)
    lo, hi = c["cert"]["window"]
    fmt = "%Y%m%d%H%M%SZ"
    _run([OPENSSL, "ca", "-batch", "-config", str(cnf), "-notext", "-startdate",
          (now + datetime.timedelta(days=lo)).strftime(fmt), "-enddate",
          (now + datetime.timedelta(days=hi)).strftime(fmt), "-out", str(pki / f"{c['id']}.pem"),
          "-infiles", str(pki / f"{c['id']}.csr")])


def _chain(pki, c):
    """The file the server sends: leaf + intermediate, or the leaf alone."""
    leaf = (pki / f"{c['id']}.pem").read_text()
    if c["cert"].get("self_signed") or c["cert"].get("chain") == "missing_intermediate":
        body = leaf
    else:
        body = leaf + (pki / "int.pem").read_text()
    path = pki / f"{c['id']}.chain.pem"
    path.write_text(body)
    return path


def _ocsp(pki, c):
    """A good OCSP response for the case's leaf, signed by the intermediate, for ssl_stapling_file."""
    idx = pki / "ocsp-index.txt"
    serial = subprocess.run([OPENSSL, "x509", "-in", str(pki / f"{c['id']}.pem"), "-noout", "-serial"],
                            capture_output=True, text=True, check=True).stdout.strip().split("=")[1]
    exp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)).strftime("%y%m%d%H%M%SZ")
    idx.write_text(f"V\t{exp}\t\t{serial}\tunknown\t/CN={c['host']}\n")
    req, resp = pki / f"{c['id']}.ocsp-req.der", pki / f"{c['id']}.ocsp.der"
    _run([OPENSSL, "ocsp", "-issuer", str(pki / "int.pem"), "-cert", str(pki / f"{c['id']}.pem"),
          "-no_nonce", "-reqout", str(req)])
    _run([OPENSSL, "ocsp", "-index", str(idx), "-rsigner", str(pki / "int.pem"), "-rkey", str(pki / "int.key"),
          "-CA", str(pki / "int.pem"), "-reqin", str(req), "-respout", str(resp), "-ndays", "7"])
    return resp


def make_certs(d):
    """Keys (kept), CA, intermediate (kept) and every case's certificate (made again each `up`)."""
    pki = d / "tlscases" / "pki"
    pki.mkdir(parents=True, exist_ok=True)
    cnf = pki / "openssl.cnf"
    cnf.write_text(CNF.replace("{pki}", str(pki)))
    db = pki / "db"
    shutil.rmtree(db, ignore_errors=True)
    (db / "new").mkdir(parents=True)
    (db / "index.txt").write_text("")
    (db / "serial").write_text("2000\n")
    _keys(pki)
    _ca(pki, cnf)
    shutil.copyfile(pki / "ca.pem", d / "tlscases" / "ca.pem")
    all_cases = cases()
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for c in all_cases for cmd in _leaf_cmds(pki, cnf, c)]
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError(f"tls cases: openssl req failed: {p.stderr.read()}")
    for c in all_cases:
        if "window" in c["cert"]:
            _sign_window(pki, cnf, c)
    return pki


# ------------------------------------------------------------------ servers

def nginx_conf(d, pki):
    """One nginx of the cases' own (pid and config in DIR/tlscases), a server per nginx case."""
    base = d / "tlscases"
    servers = []
    for c in (c for c in cases() if c["server"] == "nginx"):
        key = pki / f"{c['cert'].get('key', 'ec256')}.key"
        lines = [f"    server {{  # {c['id']} {c['case']}", f"        listen {c['addr']}:443 ssl;",
                 f"        server_name {c['host']} www.{c['host']};",
                 f"        ssl_certificate {_chain(pki, c)};", f"        ssl_certificate_key {key};",
                 f"        ssl_protocols {' '.join(p.replace('TLSv1.0', 'TLSv1') for p in c['protocols'])};",
                 f"        ssl_ciphers {c['ciphers']};", "        ssl_prefer_server_ciphers on;",
                 # the cases show TLS properties only: no version in the Server header, so
                 # the patching checks (banner-inferred) have nothing to judge here
                 "        server_tokens off;",
                 "        return 200 \"tls case\\n\";"]
        if c["dh_bits"]:
            lines.append(f"        ssl_dhparam {pki / 'dh1024.pem'};")
        if c["ocsp"]:
            lines += ["        ssl_stapling on;", f"        ssl_stapling_file {_ocsp(pki, c)};"]
        servers.append("\n".join(lines + ["    }"]))
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (base / "nginx" / sub).mkdir(parents=True, exist_ok=True)
    tmp = base / "nginx" / "tmp"
    conf = f"""\
# generated by tests/testbed/tlscases.py - do not edit
user root;
worker_processes 1;
pid {d}/pids/tlscases-nginx.pid;
error_log {d}/logs/tlscases-nginx-error.log warn;
events {{
    worker_connections 512;
}}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    ssl_session_cache off;

{chr(10).join(servers)}
}}
"""
    path = base / "nginx.conf"
    path.write_text(conf)
    return path


def _socat_lock(d, c):
    """socat's lock file: it puts DIR in socat's command line, so that `down` (and `up` of
    another DIR, such as a nested test testbed) tells this testbed's forwarders from others'."""
    return str(d / "pids" / f"tlscases-socat-{c['id']}.lock")


def markers(d):
    """label -> command-line marker of every daemon start() starts (testbed.our_processes)."""
    out = {"tlscases-nginx": str(d / "tlscases" / "nginx.conf")}
    for c in (c for c in cases() if c["server"] == "gnutls"):
        out[f"tlscases-gnutls-{c['id']}"] = str(d / "tlscases" / "pki" / f"{c['id']}.chain.pem")
        out[f"tlscases-socat-{c['id']}"] = _socat_lock(d, c)
    return out


def start(d):
    """Certificates, the cases' nginx, gnutls-serv + socat per GnuTLS case; returns the manifest part."""
    for b in (GNUTLS_SERV, SOCAT):
        if not os.access(b, os.X_OK):
            raise SystemExit(f"--tls-cases needs {b}: run scripts/install-deps.sh")
    pki = make_certs(d)
    # The scanner is given one trust file (DIR/ca.pem, the testbed CA written by this `up`): the
    # cases' root joins it, so a case's certificate is untrusted only for its own reason.
    with open(d / "ca.pem", "a") as f:
        f.write((pki / "ca.pem").read_text())
    conf = nginx_conf(d, pki)
    r = subprocess.run([NGINX, "-c", str(conf), "-p", str(d / "tlscases" / "nginx") + "/",
                        "-e", str(d / "logs" / "tlscases-nginx-error.log")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"tls cases: nginx failed:\n{r.stdout}")
    procs = []
    for c in (c for c in cases() if c["server"] == "gnutls"):
        key = pki / f"{c['cert']['key']}.key"
        procs.append((c["id"], daemons.spawn(d, f"tlscases-gnutls-{c['id']}", [
            GNUTLS_SERV, "--http", "--port", str(c["port"]), "--x509certfile", str(_chain(pki, c)),
            "--x509keyfile", str(key), "--priority", c["priority"]])))
        procs.append((c["id"], daemons.spawn(d, f"tlscases-socat-{c['id']}", [
            SOCAT, "-L", _socat_lock(d, c), f"TCP-LISTEN:443,bind={c['addr']},reuseaddr,fork",
            f"TCP:127.0.0.1:{c['port']}"])))
    for c in cases():
        daemons.wait_port(c["addr"], 443, procs, WHO)
        if c["server"] == "gnutls":
            daemons.wait_port("127.0.0.1", c["port"], procs, WHO)
    return {"enabled": True, "range": RANGE, "ca": str(d / "tlscases" / "ca.pem"),
            "vocabulary": {"protocols": PROTOCOLS, "classes": CLASSES},
            "endpoints": [truth(c) for c in cases()]}
