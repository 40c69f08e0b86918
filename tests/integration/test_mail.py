"""End-to-end: mail transport (MTA-STS, TLS-RPT, DANE, STARTTLS) against the testbed's mail cases.

The session scan (conftest) covers the mail organisations mail001.. that tests/testbed/mail.py
adds. The mailpol probe's observations (mail_policy) must show what the manifest says each case
serves, and the mail.* findings must agree with expect.expected_mail_checks for every regular
and mail organisation. mail.dane is judged against the MX certificate only where the scan holds
one (tls_scans of service smtp, from the tlsscan probe); until then it must be indeterminate
"no certificate observed" where the TLSA records are secure and usable. mail.starttls is the TLS
analyzer's: it is compared where the scan has such findings.
"""
import collections
import json
import sqlite3

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
            if mx and mx[0]["status"] == "indeterminate" and check != "mail.starttls":
                want = ("indeterminate", mx[0]["reason"])
            got = [f for f in rec["findings"] if f["check"] == check and f["domain"] == domain]
            if check == "mail.starttls" and not any(f["check"] == check for f in rec["findings"]):
                continue  # no TLS analyzer of SMTP endpoints in this build
            statuses = {f["status"] for f in got}
            reasons = {f.get("reason") for f in got}
            if check == "mail.starttls":  # one finding per MX address: the worst stands for the host
                statuses = {next((s for s in ("fail", "pass", "indeterminate", "na") if s in statuses), None)}
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
