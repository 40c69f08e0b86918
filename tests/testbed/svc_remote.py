"""Remote-access and file-sharing service cases of the testbed (family 1, 127.40.1.0/24).

One case per address: xrdp (RDP without Network Level Authentication: xrdp has none), an RDP
negotiation emulator that requires NLA as Windows does (no Debian RDP server offers CredSSP;
serve_rdp_nla() below, documented in README.md), TigerVNC's
Xvnc (security type None, and VncAuth), Samba (SMBv1 accepted with signing off, SMB2+ with
signing mandatory, and SMB1 only), inetutils-telnetd (behind socat, which hands it the accepted
socket as stdin/stdout as inetd would), vsftpd (anonymous login on, off, and on over TLS only),
xrdp with TLS as its only security layer. Each server listens only on
its case's address (smbd behind a socat forwarder: see _samba).

cases() gives the cases with their ground truth ("truth": {check id: status}); start(d, cases)
starts them with daemons.py (pid files DIR/pids/svc-remote-*.pid, logs DIR/logs/) and returns
the manifest part; available() says why they cannot run, or None (services.py, the registry).
"""

import os
import socketserver
import struct
import subprocess
import sys

import daemons

FAMILY = 1
WHO = "service cases (remote)"  # names this part of the testbed in errors
PREFIX = "127.40.1."
XRDP = "/usr/sbin/xrdp"
XVNC = "/usr/bin/Xvnc"
VNCPASSWD = "/usr/bin/vncpasswd"
SMBD = "/usr/sbin/smbd"
TELNETD = "/usr/sbin/telnetd"
VSFTPD = "/usr/sbin/vsftpd"
SOCAT = "/usr/bin/socat"
OPENSSL = "/usr/bin/openssl"
SMB_BASE_PORT = 44500  # smbd of case svc1NN listens on 127.0.0.1:(44500 + NN)
BINARIES = [XRDP, XVNC, VNCPASSWD, SMBD, TELNETD, VSFTPD, SOCAT, OPENSSL]

# case, server, port, settings, ground truth of the checks about this service (the family's other
# checks have the status of an address without their service: expect.SVC_CHECKS)
_CASES = [
    ("rdp_no_nla", "xrdp", 3389, {"security_layer": "negotiate"},
     {"svc.rdp.exposed": "fail", "svc.rdp.nla": "fail"}),
    ("rdp_nla_required", "emulator", 3389, {},
     {"svc.rdp.exposed": "fail", "svc.rdp.nla": "pass"}),
    ("vnc_noauth", "xvnc", 5900, {"security_types": "None"},
     {"svc.vnc.exposed": "fail", "svc.vnc.noauth": "fail"}),
    ("vnc_password", "xvnc", 5901, {"security_types": "VncAuth"},
     {"svc.vnc.exposed": "fail", "svc.vnc.noauth": "pass"}),
    ("smb1_unsigned", "samba", 445, {"min_protocol": "NT1", "signing": "disabled"},
     {"svc.smb.exposed": "fail", "svc.smb.v1": "fail", "svc.smb.signing": "fail"}),
    ("smb3_signed", "samba", 445, {"min_protocol": "SMB2_10", "signing": "mandatory"},
     {"svc.smb.exposed": "fail", "svc.smb.v1": "pass", "svc.smb.signing": "pass"}),
    ("telnet", "telnetd", 23, {}, {"svc.telnet.exposed": "fail"}),
    # vsftpd's greeting announces "vsFTPd 3.0.3", a version data/versions.json lists neither as
    # end-of-life nor as known-vulnerable: the banner-inferred patching checks pass
    ("ftp_anonymous", "vsftpd", 21, {"anonymous": True},
     {"svc.ftp.exposed": "fail", "svc.ftp.anonymous": "fail",
      "svc.patching.eol": "pass", "svc.patching.known_vuln": "pass"}),
    ("ftp_no_anonymous", "vsftpd", 21, {"anonymous": False},
     {"svc.ftp.exposed": "fail", "svc.ftp.anonymous": "pass",
      "svc.patching.eol": "pass", "svc.patching.known_vuln": "pass"}),
    # xrdp speaking TLS only (no standard RDP security): still no NLA, a TLS-only client gets TLS
    ("rdp_tls_only", "xrdp", 3389, {"security_layer": "tls"},
     {"svc.rdp.exposed": "fail", "svc.rdp.nla": "fail"}),
    # vsftpd requiring TLS for anonymous logins (force_anon_logins_ssl): 530 in cleartext, the
    # login accepted after AUTH TLS, which is still anyone logging in
    ("ftp_tls_anonymous", "vsftpd", 21, {"anonymous": True, "tls": True},
     {"svc.ftp.exposed": "fail", "svc.ftp.anonymous": "fail",
      "svc.patching.eol": "pass", "svc.patching.known_vuln": "pass"}),
    # an old server that speaks SMB1 only (NT1 at most), signing required: SMB1 is still the fail
    ("smb1_only", "samba", 445, {"min_protocol": "NT1", "max_protocol": "NT1", "signing": "mandatory"},
     {"svc.smb.exposed": "fail", "svc.smb.v1": "fail", "svc.smb.signing": "pass"}),
]


def cases():
    """Every case: {"case", "addr", "ports", "server", "settings", "truth"}; services.py numbers them
    svc101, svc102, ... in this order, which is also the address order (127.40.1.n)."""
    return [{"case": case, "addr": f"{PREFIX}{n}", "ports": [port], "server": server, "settings": settings,
             "truth": truth}
            for n, (case, server, port, settings, truth) in enumerate(_CASES, 1)]


def available():
    """None when every server can run here, else why not."""
    missing = [b for b in BINARIES if not os.access(b, os.X_OK)]
    return f"missing {', '.join(missing)} (scripts/install-deps.sh)" if missing else None


def _base(d, c):
    p = d / "services" / "remote" / c["id"]
    p.mkdir(parents=True, exist_ok=True)
    return p


def _xrdp(d, c):
    """xrdp in the foreground, one listener on the case's address, a self-signed certificate."""
    b = _base(d, c)
    if not (b / "key.pem").exists():
        daemons.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-keyout", str(b / "key.pem"), "-out", str(b / "cert.pem"), "-days", "365",
                     "-subj", f"/CN={c['id']}.test"], WHO)
    ini = (f"[Globals]\nini_version=1\nfork=true\nport=tcp://{c['addr']}:{c['ports'][0]}\n"
           f"security_layer={c['settings']['security_layer']}\ncrypt_level=high\n"
           f"certificate={b / 'cert.pem'}\nkey_file={b / 'key.pem'}\nssl_protocols=TLSv1.2, TLSv1.3\n"
           f"[Logging]\nLogFile={d / 'logs' / ('svc-remote-' + c['id'] + '-xrdp.log')}\nLogLevel=INFO\n"
           "EnableSyslog=false\n[Channels]\n")
    (b / "xrdp.ini").write_text(ini)
    # xrdp keeps its pid file in /run/xrdp, named by port: one per case port, no clash.
    os.makedirs("/run/xrdp", exist_ok=True)
    return [XRDP, "--nodaemon", "--config", str(b / "xrdp.ini")]


def _xvnc(d, c):
    """Xvnc with no X11 listener of its own but RFB on the case's address and port."""
    b = _base(d, c)
    cmd = [XVNC, "-displayfd", "1", "-nolisten", "tcp", "-interface", c["addr"], "-rfbport",
           str(c["ports"][0]), "-SecurityTypes", c["settings"]["security_types"], "-geometry", "320x200",
           # every scan leaves without authenticating: after 5 such visits Xvnc would turn the
           # scanner's address away for 10 s (measured: a second scan saw "closed")
           "-UseBlacklist=0"]
    if c["settings"]["security_types"] == "VncAuth":
        pw = b / "passwd"
        # A password nobody uses: the probe never authenticates.
        with open(pw, "wb") as f:
            subprocess.run([VNCPASSWD, "-f"], input=b"vitals-testbed\n", stdout=f, check=True)
        cmd += ["-PasswordFile", str(pw)]
    return cmd


def _smb_port(c):
    """smbd's own port on 127.0.0.1 for case c (socat forwards the case's address:445 to it)."""
    return SMB_BASE_PORT + int(c["id"][-2:])


def _samba(d, c):
    """smbd in the foreground on 127.0.0.1:_smb_port(c), no NetBIOS, every state directory under DIR.

    Samba binds only addresses of network interfaces: 127.40.1.N is routed to lo but is not
    one of its addresses, so `interfaces = 127.40.1.N/32` finds no interface and smbd panics
    (measured); socat on the case's address forwards to it instead."""
    b = _base(d, c)
    for sub in ("run", "lock", "state", "cache", "private", "share"):
        (b / sub).mkdir(exist_ok=True)
    s = c["settings"]
    conf = f"""[global]
  server role = standalone server
  interfaces = 127.0.0.1/8
  bind interfaces only = yes
  disable netbios = yes
  smb ports = {_smb_port(c)}
  server min protocol = {s['min_protocol']}
  server max protocol = {s.get('max_protocol', 'SMB3')}
  server signing = {s['signing']}
  pid directory = {b / 'run'}
  lock directory = {b / 'lock'}
  state directory = {b / 'state'}
  cache directory = {b / 'cache'}
  private dir = {b / 'private'}
  ncalrpc dir = {b / 'run' / 'ncalrpc'}
  log file = {d / 'logs' / ('svc-remote-' + c['id'] + '-smbd.log')}
  passdb backend = tdbsam:{b / 'private' / 'passdb.tdb'}
  load printers = no
  printing = bsd
  printcap name = /dev/null
  map to guest = never
  restrict anonymous = 2
[empty]
  path = {b / 'share'}
  read only = yes
  guest ok = no
"""
    (b / "smb.conf").write_text(conf)
    return [SMBD, "--foreground", "--no-process-group", "--debug-stdout", "-s", str(b / "smb.conf")]


def _forward(d, c):
    """socat from the case's address and port to smbd's own port."""
    lock = str(d / "pids" / f"svc-remote-{c['id']}-socat.lock")
    return [SOCAT, "-L", lock, f"TCP-LISTEN:{c['ports'][0]},bind={c['addr']},reuseaddr,fork",
            f"TCP:127.0.0.1:{_smb_port(c)}"]


def _telnetd(d, c):
    """socat accepts and execs telnetd with the socket as its stdin and stdout (nofork), as inetd."""
    lock = str(d / "pids" / f"svc-remote-{c['id']}.lock")
    return [SOCAT, "-L", lock, f"TCP-LISTEN:{c['ports'][0]},bind={c['addr']},reuseaddr,fork",
            f"EXEC:{TELNETD} -h,nofork"]


def _vsftpd(d, c):
    """vsftpd in the foreground; anonymous root is an empty folder it cannot write."""
    b = _base(d, c)
    (b / "anon").mkdir(exist_ok=True)
    (b / "empty").mkdir(exist_ok=True)
    os.chmod(b / "anon", 0o555)
    anon = "YES" if c["settings"]["anonymous"] else "NO"
    # Anonymous off: the names are refused at USER (530 at once). Through PAM instead, a failed
    # PASS costs about 2 s (pam_unix's delay, measured), close to a probe's deadline.
    (b / "userlist").write_text("anonymous\nftp\n")
    conf = (f"listen=YES\nlisten_ipv6=NO\nlisten_address={c['addr']}\nlisten_port={c['ports'][0]}\n"
            f"background=NO\nanonymous_enable={anon}\nlocal_enable=YES\nwrite_enable=NO\n"
            f"anon_root={b / 'anon'}\nsecure_chroot_dir={b / 'empty'}\nno_anon_password=NO\n"
            "seccomp_sandbox=NO\nisolate=NO\nisolate_network=NO\npam_service_name=vsftpd\n"
            f"xferlog_enable=NO\nvsftpd_log_file={d / 'logs' / ('svc-remote-' + c['id'] + '-vsftpd.log')}\n"
            "dirlist_enable=NO\ndownload_enable=NO\n")
    if not c["settings"]["anonymous"]:
        conf += f"userlist_enable=YES\nuserlist_deny=YES\nuserlist_file={b / 'userlist'}\n"
    if c["settings"].get("tls"):
        if not (b / "key.pem").exists():
            daemons.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                         "-nodes", "-keyout", str(b / "key.pem"), "-out", str(b / "cert.pem"), "-days",
                         "365", "-subj", f"/CN={c['id']}.test"], WHO)
        conf += (f"ssl_enable=YES\nallow_anon_ssl=YES\nforce_anon_logins_ssl=YES\n"
                 f"force_anon_data_ssl=YES\nrsa_cert_file={b / 'cert.pem'}\nrsa_private_key_file={b / 'key.pem'}\n"
                 "ssl_tlsv1=NO\nssl_sslv2=NO\nssl_sslv3=NO\nrequire_ssl_reuse=NO\n")
    (b / "vsftpd.conf").write_text(conf)
    return [VSFTPD, str(b / "vsftpd.conf")]


def _emulator(d, c):
    return [sys.executable, os.path.abspath(__file__), "serve-rdp-nla", c["addr"], str(c["ports"][0])]


class _RdpNla(socketserver.BaseRequestHandler):
    """One connection: reads the client's X.224 Connection Request (one TPKT, at most 512 bytes,
    5 s) and answers as a Windows server whose policy requires NLA (MS-RDPBCGR 3.3.5.3.1): a
    client offering CredSSP gets it selected (then the emulator closes: it speaks no CredSSP), any
    other offer gets the failure HYBRID_REQUIRED_BY_SERVER."""

    def handle(self):
        self.request.settimeout(5)
        buf = b""
        while len(buf) < 4 or len(buf) < struct.unpack(">H", buf[2:4])[0]:
            chunk = self.request.recv(512 - len(buf))
            if not chunk or buf[:1] not in (b"", b"\x03"):
                return
            buf += chunk
        if len(buf) < 19 or buf[5] != 0xE0 or buf[11] != 1:
            return
        offered = struct.unpack("<I", buf[15:19])[0]
        typ, value = (2, 2) if offered & 2 else (3, 5)
        self.request.sendall(bytes([3, 0, 0, 19, 14, 0xD0, 0, 0, 0x12, 0x34, 0, typ, 0, 8, 0])
                             + struct.pack("<I", value))


def serve_rdp_nla(addr, port):
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    with socketserver.ThreadingTCPServer((addr, port), _RdpNla) as srv:
        srv.serve_forever()


_COMMANDS = {"emulator": _emulator, "xrdp": _xrdp, "xvnc": _xvnc, "samba": _samba, "telnetd": _telnetd, "vsftpd": _vsftpd}


def start(d, cs):
    """Starts every case's server at once, then waits until each listens."""
    procs = []
    for c in cs:
        procs.append((c["id"], daemons.spawn(d, f"svc-remote-{c['id']}", _COMMANDS[c["server"]](d, c))))
        if c["server"] == "samba":
            procs.append((c["id"], daemons.spawn(d, f"svc-remote-{c['id']}-socat", _forward(d, c))))
    for c in cs:
        daemons.wait_port(c["addr"], c["ports"][0], procs, WHO)
        if c["server"] == "samba":
            daemons.wait_port("127.0.0.1", _smb_port(c), procs, WHO)
    return {"cases": [{"id": c["id"], "case": c["case"], "addr": c["addr"], "ports": c["ports"],
                       "server": c["server"], "settings": c["settings"]} for c in cs]}


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve-rdp-nla":
        serve_rdp_nla(sys.argv[2], int(sys.argv[3]))
    else:
        raise SystemExit("usage: svc_remote.py serve-rdp-nla ADDR PORT")
