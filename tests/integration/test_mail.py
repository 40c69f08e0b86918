"""End-to-end: mail transport (MTA-STS, TLS-RPT, DANE, STARTTLS) against the testbed's mail cases.

The session scan (conftest) covers the mail organisations mail001.. that tests/testbed/mail.py
adds. The mailpol probe's observations (mail_policy) must show what the manifest says each case
serves, and the mail.* findings must agree with expect.expected_mail_checks for every regular
and mail organisation. mail.dane is judged against the MX certificate the tlsscan probe saw
(tls_scans of service smtp); without one it must be indeterminate "no certificate observed"
where the TLSA records are secure and usable. mail.starttls (the TLS analyzer's, one finding
per domain) is compared for every organisation. The MX servers themselves are checked against
the manifest with Python's socket and ssl, independently of the scanner.
"""
import collections
import json
import socket
import sqlite3
import ssl
import subprocess

import pytest

import expect


@pytest.fixture(scope="module")
def mail_docs(manifest, scan):
    """org_id -> the observation document of its first domain."""
    if not manifest.get("mail", {}).get("enabled"):
        pytest.skip(f"the testbed has no mail cases: {manifest.get('mail', {}).get('reason')}")
    _, _, db = scan
    con = sqlite3.connect(db)
    docs = {}
    for org_id, doc in con.execute("select org_id, doc from observations where scan_id = 1"):
        d = json.loads(doc)
        docs.setdefault(org_id, d)
    return docs


def smtp_certs(doc):
    """Whether the scan saw a certificate on an SMTP endpoint of this document."""
    return any(s.get("service") == "smtp" and (s.get("cert") or {}).get("chain") for s in doc.get("tls_scans", []))


def test_mail_policy_observations_follow_the_manifest(manifest, mail_docs):
    cases = [o for o in manifest["organizations"] if o.get("mail")]
    assert len(cases) == 10
    wrong = []
    for o in cases:
        m, mp = o["mail"], mail_docs[o["org_id"]]["mail_policy"]
        sts, rpt = mp["mta_sts"], mp["tls_rpt"]
        want_rec = {"none": None, "bad_record": False}.get(m["mta_sts"], True)
        got_rec = sts["record"]["valid"] if sts["record"] else None
        if got_rec != want_rec:
            wrong.append(f"{o['org_id']}: MTA-STS record {sts['record']}, manifest {m['mta_sts']}")
        pol = sts["policy"]
        if m["mta_sts"] in ("enforce", "enforce_wildcard", "testing", "mismatch"):
            ok = (pol and pol["status"] == "ok" and pol["http_status"] == 200 and pol["valid"]
                  and pol["mode"] == ("testing" if m["mta_sts"] == "testing" else "enforce")
                  and pol["mx_match"] == (m["mta_sts"] != "mismatch") and pol["content_type"] == "text/plain")
            if not ok:
                wrong.append(f"{o['org_id']}: policy {pol and {k: pol[k] for k in ('status', 'mode', 'mx', 'mx_match')}}")
        elif m["mta_sts"] == "unreachable" and not (pol and pol["status"] == "refused"):
            wrong.append(f"{o['org_id']}: unreachable policy gave {pol and pol['status']}")
        elif m["mta_sts"] == "bad_cert" and not (pol and pol["status"] == "tls_failed"):
            wrong.append(f"{o['org_id']}: policy over a self-signed certificate gave {pol and pol['status']}")
        elif m["mta_sts"] in ("none", "bad_record") and pol is not None:
            wrong.append(f"{o['org_id']}: a policy was fetched without a valid record")
        want_rpt = {"none": None, "good": True, "malformed": False}[m["tls_rpt"]]
        got_rpt = rpt["record"]["valid"] if rpt["record"] else None
        if got_rpt != want_rpt:
            wrong.append(f"{o['org_id']}: TLS-RPT record {rpt['record']}, manifest {m['tls_rpt']}")
        dane = {e["mx"]: e["tlsa"] for e in mp["dane"]}
        tlsa = dane.get(m["mx"])
        if tlsa is None:
            wrong.append(f"{o['org_id']}: no TLSA lookup for {m['mx']}")
            continue
        want_n = 0 if m["dane"] == "none" else 1
        if len(tlsa["records"]) != want_n or tlsa["secure"] != (o["dnssec"] == "signed"):
            wrong.append(f"{o['org_id']}: TLSA {tlsa['status']} {tlsa['sec']} {tlsa['records']}")
        if want_n and tlsa["records"][0]["usage"] != 3:
            wrong.append(f"{o['org_id']}: TLSA record {tlsa['records'][0]}")
    assert not wrong, "\n".join(wrong)


def test_mail_findings_agree_with_the_manifest(manifest, scan, mail_docs):
    records, _, _ = scan
    agree, wrong = collections.Counter(), []
    for o in manifest["organizations"]:
        certs = smtp_certs(mail_docs.get(o["org_id"], {}))
        rec = records[o["org_id"]]
        mx = [f for f in rec["findings"] if f["check"] == "dns.mx.present" and f["domain"] == o["domain"]]
        for (check, domain), want in expect.expected_mail_checks(o, certs).items():
            # The mail checks read the same MX answer as dns.mx.present: when that timed out in this
            # scan (a loaded machine: bogus zones), they must say so, with the same reason.
            if mx and mx[0]["status"] == "indeterminate":
                want = ("indeterminate", mx[0]["reason"])
            got = [f for f in rec["findings"] if f["check"] == check and f["domain"] == domain]
            statuses = {f["status"] for f in got}
            reasons = {f.get("reason") for f in got}
            if statuses == {want[0]} and (want[1] is None or reasons == {want[1]}):
                agree[check] += 1
            else:
                wrong.append(f"{o['org_id']} {check} on {domain}: want {want}, got "
                             f"{[(f['status'], f.get('reason'), f['detail']) for f in got] or 'nothing'}")
    print("\n" + "\n".join(f"{c:16} {n:4} agree" for c, n in sorted(agree.items())))
    assert not wrong, "\n".join(wrong[:20])
    # every mail case and every regular organisation with an MX had its policy judged
    assert agree["mail.mta_sts"] >= 10 and agree["mail.tlsrpt"] >= 10 and agree["mail.dane"] >= 10


def test_dane_waits_for_the_certificate_or_judges_it(manifest, scan, mail_docs):
    """mail001 (3 1 1 matching) and mail006 (3 1 1 of another key), both in signed zones: without
    an SMTP certificate in the scan both are indeterminate "no certificate observed"; with one,
    the first passes and the second fails, naming the digests compared."""
    records, _, _ = scan
    for oid, verdict in (("mail001", "pass"), ("mail006", "fail")):
        f = [f for f in records[oid]["findings"] if f["check"] == "mail.dane"]
        assert len(f) == 1 and f[0]["domain"] == f"{oid}.test", f
        host = f[0]["evidence"]["mx"][0]
        assert host["mx"] == f"mx.{oid}.test", host
        if smtp_certs(mail_docs[oid]):
            assert f[0]["status"] == verdict, f[0]
            assert host["certs"][0]["leaf_spki_sha256"], host
        else:
            assert (f[0]["status"], f[0]["reason"]) == ("indeterminate", expect.NO_CERT), f[0]
        assert host["tlsa"]["records"][0]["selector"] == 1


def _reply(f):
    """The lines of one SMTP reply (continuations end with the line whose fourth byte is a space)."""
    lines = []
    while not lines or lines[-1][3:4] != " ":
        line = f.readline(1024).decode("latin-1").rstrip("\r\n")
        assert line, f"connection closed after {lines}"
        lines.append(line)
    return lines


def _starttls(m, ctx):
    """(greeting, whether EHLO offered STARTTLS, the TLS version or the ssl error) of one SMTP
    session with the MX of a case."""
    with socket.create_connection((m["mx_addr"], 25), timeout=5) as s:
        f = s.makefile("rb")
        greeting = _reply(f)[0]
        s.sendall(b"EHLO client.vitals.test\r\n")
        if "250-STARTTLS" not in _reply(f):
            return greeting, False, None
        s.sendall(b"STARTTLS\r\n")
        assert _reply(f)[0].startswith("220 "), m
        try:
            with ctx.wrap_socket(s, server_hostname=m["mx"]) as t:
                return greeting, True, t.version()
        except ssl.SSLError as e:
            return greeting, True, e


def _client(ca, host=None, tls10=False):
    """A client context: verifying against the testbed CA when a host name is given."""
    ctx = ssl.create_default_context(cafile=str(ca))
    if not host:
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    if tls10:  # what a client must offer to reach a TLS 1.0-only server under OpenSSL 3
        ctx.set_ciphers("ALL:@SECLEVEL=0")
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1
    return ctx


def test_mx_servers_follow_the_manifest(manifest, bed):
    """Every case but the two hostile ones is Postfix (it greets so); each serves its case:
    TLS 1.3 with a verifiable, self-signed (verify code 18) or expired (10) certificate, TLS 1.0
    only, no STARTTLS, or STARTTLS whose every handshake fails (alert 40, no shared cipher)."""
    if not manifest.get("mail", {}).get("enabled"):
        pytest.skip(f"the testbed has no mail cases: {manifest.get('mail', {}).get('reason')}")
    cases = {o["mail"]["smtp"]: o["mail"] for o in manifest["organizations"] if o.get("mail")}
    assert {k: m["server"] for k, m in cases.items()} == {
        "good": "postfix", "none": "postfix", "self_signed": "postfix", "expired": "postfix",
        "tls10": "postfix", "broken": "postfix", "silent": "emulator", "garbage": "emulator"}
    ca = bed / "ca.pem"
    for kind in ("good", "self_signed", "expired"):
        m = cases[kind]
        greeting, offered, got = _starttls(m, _client(ca, m["mx"]))
        assert greeting == f"220 {m['mx']} ESMTP Postfix" and offered, (kind, greeting)
        want = {"good": None, "self_signed": 18, "expired": 10}[kind]
        assert (got == "TLSv1.3") if want is None else got.verify_code == want, (kind, got)
    m = cases["tls10"]
    assert _starttls(m, _client(ca, tls10=True))[2] == "TLSv1"
    assert isinstance(_starttls(m, _client(ca))[2], ssl.SSLError)
    m = cases["none"]
    assert _starttls(m, _client(ca)) == (f"220 {m['mx']} ESMTP Postfix", False, None)
    m = cases["broken"]
    for ctx in (_client(ca), _client(ca, tls10=True)):
        greeting, offered, got = _starttls(m, ctx)
        assert offered and isinstance(got, ssl.SSLError), got
        assert got.reason == "SSLV3_ALERT_HANDSHAKE_FAILURE", got


def test_postfix_check_is_clean(manifest, bed):
    """`postfix check` on the testbed's Postfix: exit 0 and no warning (ownership and modes of
    the queue directories mail.py makes itself, the configuration, master.cf's services)."""
    if not manifest.get("mail", {}).get("enabled"):
        pytest.skip(f"the testbed has no mail cases: {manifest.get('mail', {}).get('reason')}")
    log = bed / "logs" / "mail-postfix.maillog"
    before = log.stat().st_size if log.exists() else 0
    r = subprocess.run(["/usr/sbin/postfix", "-c", str(bed / "mail" / "postfix" / "etc"), "check"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    with open(log, "rb") as f:
        f.seek(before)
        new = [x for x in f.read().decode(errors="replace").splitlines() if "postfix/smtpd[" not in x]
    assert not [x for x in new if "warning:" in x or "fatal:" in x], new
