"""The deep-TLS probe (src/probes/probe_tlsscan.c) against the testbed's TLS cases.

One scan per depth (`--tls sweep`, `--tls full`) of a targets file holding one organization per
case (its given address, so no SNI: the case certificates carry IP SANs) plus the hostile
organizations: every case's protocols, classes, DH prime size, certificate facts and OCSP
stapling must equal the manifest's ground truth (tests/testbed/tlscases.py), both depths must
agree on every class, full depth must list suites for every accepted version, and the hostile
organizations must end with a non-ok tls_scans status within the organization deadline.
Two small ESMTP servers of the test's own, on two organizations' MX addresses (port 25: the
testbed serves no mail), show the STARTTLS preamble: one offers STARTTLS, one does not.
"""
import json
import socket
import socketserver
import ssl
import sqlite3
import subprocess
import threading
from collections import Counter

import pytest

from conftest import TLS_CASES, scan_args

pytestmark = pytest.mark.skipif(not TLS_CASES, reason="the TLS cases need gnutls-serv and socat")

HOSTILE = ["hostile001", "hostile002", "hostile004"]
ORG_TIMEOUT_MS = 15000
CLASSES = ["null", "export", "anon", "rc4", "3des", "cbc_only", "no_fs", "no_aead"]


def targets(manifest, path):
    lines = [{"org_id": c["id"], "name": c["case"], "domains": [f"{c['id']}.tls.test"], "addresses": [c["addr"]]}
             for c in manifest["tls_cases"]["endpoints"]]
    lines += [{"org_id": o["org_id"], "name": o["name"], "domains": [o["domain"]]}
              for o in manifest["organizations"] if o["org_id"] in HOSTILE]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))


def docs(db):
    con = sqlite3.connect(db)
    out = {}
    for org, doc in con.execute("select org_id, doc from observations"):
        out.setdefault(org, []).append(json.loads(doc))
    return out


@pytest.fixture(scope="module")
def tls_scans(bed, manifest, tmp_path_factory):
    """depth -> {org_id: [tls_scans entries]}, and the NDJSON records per depth."""
    d = tmp_path_factory.mktemp("tlsscan")
    targets(manifest, d / "targets.jsonl")
    # the web CA and the cases' own root: chain_complete needs the root the cases chain to
    (d / "ca.pem").write_text((bed / "ca.pem").read_text() + (bed / "tlscases" / "ca.pem").read_text())
    out = {}
    for depth in ("sweep", "full"):
        db = d / f"{depth}.db"
        nd = d / f"{depth}.ndjson"
        p = subprocess.run(scan_args(bed, db, ["--ca-file", str(d / "ca.pem"), "--tls", depth,
                                               "--org-timeout", str(ORG_TIMEOUT_MS), "-o", str(nd),
                                               str(d / "targets.jsonl")]),
                           text=True, capture_output=True, timeout=300)
        assert p.returncode == 0, p.stderr[-3000:]
        scans = {org: [s for doc in ds for s in doc.get("tls_scans", [])] for org, ds in docs(db).items()}
        recs = {}
        for line in nd.read_text().splitlines():
            r = json.loads(line)
            if r.get("type") == "organization":
                recs[r["org_id"]] = r
        out[depth] = (scans, recs)
    return out


def endpoint(scans, case):
    got = [s for s in scans[case["id"]] if s["addr"] == case["addr"]]
    assert len(got) == 1, f"{case['id']}: {len(got)} tls_scans entries for {case['addr']}"
    return got[0]


def facts(s):
    """What the manifest's truth holds, read from one tls_scans entry."""
    leaf = s["cert"]["chain"][0] if s["cert"] else {}
    c = s["cert"] or {}
    return {
        "protocols": s["protocols"],
        "classes": sorted(k for k, v in s["classes"].items() if v),
        "dh_bits": s["dh_bits"],
        "cert": {"key_type": leaf.get("key_type"), "key_bits": leaf.get("key_bits"), "sig": leaf.get("sig"),
                 "chain_complete": c.get("chain_complete"), "self_signed": leaf.get("self_signed"),
                 "validity_days": c.get("validity_days"),
                 "over_398_days": c.get("validity_days", 0) > 398, "expired": c.get("expired"),
                 "not_yet_valid": c.get("not_yet_valid")},
        "ocsp_stapled": s["ocsp_stapled"],
    }


@pytest.mark.parametrize("depth", ["sweep", "full"])
def test_every_case_agrees_with_the_manifest(tls_scans, manifest, depth):
    scans, _ = tls_scans[depth]
    wrong = []
    for case in manifest["tls_cases"]["endpoints"]:
        s = endpoint(scans, case)
        assert s["status"] == "ok" and s["depth"] == depth and s["host"] is None and s["port"] == 443, s
        assert None not in s["classes"].values(), f"{case['id']} {case['case']}: undecided classes {s['classes']}"
        want = {k: case[k] for k in ("protocols", "classes", "dh_bits", "cert", "ocsp_stapled")}
        got = facts(s)
        for k in want:
            if got[k] != want[k]:
                wrong.append(f"{case['id']} {case['case']} {k}: want {want[k]}, got {got[k]}")
    assert not wrong, "\n".join(wrong)


def test_full_and_sweep_agree_and_full_lists_suites(tls_scans, manifest):
    sweep, _ = tls_scans["sweep"]
    full, _ = tls_scans["full"]
    for case in manifest["tls_cases"]["endpoints"]:
        a, b = endpoint(sweep, case), endpoint(full, case)
        assert a["classes"] == b["classes"], f"{case['id']}: sweep {a['classes']} full {b['classes']}"
        assert a["protocols"] == b["protocols"] and a["dh_bits"] == b["dh_bits"], case["id"]
        assert a["suites"] is None and a["server_order"] is None
        accepted = [v for v, on in b["protocols"].items() if on]
        assert sorted(b["suites"]) == sorted(accepted), f"{case['id']}: {b['suites']}"
        assert all(len(b["suites"][v]) > 0 for v in accepted), f"{case['id']}: {b['suites']}"
        # every suite listed belongs to its version and was asked once per suite at most
        assert b["connections"] >= sum(len(x) for x in b["suites"].values()), case["id"]


def test_connections_per_endpoint(tls_scans, manifest):
    """The budget: a sweep of a modern TLS 1.2+1.3 server costs at most 14 connections; printed per case."""
    rows = []
    for case in manifest["tls_cases"]["endpoints"]:
        a = endpoint(tls_scans["sweep"][0], case)
        b = endpoint(tls_scans["full"][0], case)
        skipped = sum(1 for q in a["asked"] if q["conns"] == 0)
        assert a["connections"] == sum(q["conns"] for q in a["asked"]), f"{case['id']}: asked and connections differ"
        rows.append((case["id"], case["case"], a["connections"], skipped, b["connections"]))
    print("\ncase                    sweep (skipped) full")
    for r in rows:
        print(f"{r[0]} {r[1]:<18} {r[2]:5} ({r[3]:2})    {r[4]:4}")
    dist = Counter(r[2] for r in rows)
    print("sweep connections:", dict(sorted(dist.items())), "full:", dict(sorted(Counter(r[4] for r in rows).items())))
    modern = next(r for r in rows if r[1] == "modern")
    assert 8 <= modern[2] <= 14, f"modern sweep cost {modern[2]} connections"
    assert max(r[2] for r in rows) <= 20


def test_hostile_organizations_end_indeterminate_in_time(tls_scans):
    for depth in ("sweep", "full"):
        scans, recs = tls_scans[depth]
        for org in HOSTILE:
            https = [s for s in scans[org] if s["service"] == "https" and s["addr"]]
            assert https, f"{org}: no https tls_scans entry"
            for s in https:
                assert s["status"] in ("timeout", "not_tls", "error"), f"{depth} {org} {s['addr']}: {s['status']}"
                assert all(v is None for v in s["protocols"].values()), s["protocols"]
                assert s["connections"] == 1, f"{org}: a dead first answer must stop the endpoint"
            took = recs[org]["finished"] - recs[org]["started"]
            assert took <= ORG_TIMEOUT_MS / 1000 + 2, f"{depth} {org} took {took} s"
        assert {s["status"] for s in scans["hostile002"] if s["service"] == "https" and s["addr"]} == {"not_tls"}
        assert {s["status"] for s in scans["hostile001"] if s["service"] == "https" and s["addr"]} == {"timeout"}


def readline(sock, cap=512):
    line = b""
    while not line.endswith(b"\n") and len(line) < cap:
        b = sock.recv(1)
        if not b:
            break
        line += b
    return line


class Esmtp(socketserver.ThreadingTCPServer):
    """Greeting, EHLO (with or without STARTTLS), then STARTTLS into a TLS handshake; counts connections."""
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, addr, starttls, ctx):
        self.starttls, self.ctx, self.connections = starttls, ctx, 0
        super().__init__((addr, 25), EsmtpHandler)


class EsmtpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        srv, s = self.server, self.request
        srv.connections += 1
        s.settimeout(5)
        try:
            s.sendall(b"220-mx.test ESMTP vitals-test\r\n220 ready\r\n")
            if not readline(s).upper().startswith(b"EHLO"):
                return
            caps = [b"mx.test", b"PIPELINING", b"SIZE 10240000"] + ([b"STARTTLS"] if srv.starttls else []) + [b"8BITMIME"]
            s.sendall(b"".join((b"250 " if i == len(caps) - 1 else b"250-") + c + b"\r\n" for i, c in enumerate(caps)))
            if srv.starttls and readline(s).upper().startswith(b"STARTTLS"):
                s.sendall(b"220 2.0.0 go ahead\r\n")
                srv.ctx.wrap_socket(s, server_side=True).close()
        except (OSError, ssl.SSLError):
            pass


def esmtp_on(candidates, addr_of, starttls, ctx, n):
    """Servers on the first n candidates whose address:25 is free (a testbed server may hold one)."""
    got = []
    for c in candidates:
        try:
            got.append((c, Esmtp(addr_of(c), starttls, ctx)))
        except OSError:
            continue
        if len(got) == n:
            break
    return got


@pytest.fixture(scope="module")
def smtp_scan(bed, manifest, tmp_path_factory):
    d = tmp_path_factory.mktemp("tlsscan-smtp")
    pki = bed / "tlscases" / "pki"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki / "tls001.chain.pem", pki / "ec256.key")
    own = [o for o in manifest["organizations"]
           if o.get("mail_addr") and not o["trap"] and not o["hostile"] and o.get("mx_host", "").startswith("mail.")]
    a = esmtp_on(own, lambda o: o["mail_addr"], True, ctx, 1)
    b = esmtp_on([o for o in own if a and o["mail_addr"] != a[0][0]["mail_addr"]], lambda o: o["mail_addr"], False,
                 ctx, 1)
    # two organizations of the shared mail provider: its MX is measured once for both
    provider = manifest["mailhost"]
    users = [o for o in manifest["organizations"] if o.get("mx_host") == provider["mx"]][:2]
    c = esmtp_on([provider], lambda p: p["addr"], True, ctx, 1)
    pairs, started = a + b + c, []
    try:
        assert len(a) == 1 and len(b) == 1, "the testbed must have two organizations with their own MX"
        assert len(users) == 2 and len(c) == 1, "the testbed must have two organizations of the mail provider"
        for _, srv in pairs:
            threading.Thread(target=srv.serve_forever, daemon=True).start()
            started.append(srv)
        orgs = [a[0][0], b[0][0]] + users
        t = d / "t.csv"
        t.write_text("org_id,name,domain\n" + "".join(f"{o['org_id']},{o['name']},{o['domain']}\n" for o in orgs))
        db = d / "smtp.db"
        # no port sweep: the ESMTP servers count the deep-TLS probe's connections only
        p = subprocess.run(scan_args(bed, db, ["--tls", "sweep", "--services", "off", str(t)]), text=True,
                           capture_output=True, timeout=120)
        assert p.returncode == 0, p.stderr[-3000:]
    finally:
        for srv in started:
            srv.shutdown()
        for _, srv in pairs:
            srv.server_close()
    scans = {org: [s for doc in ds for s in doc.get("tls_scans", []) if s["service"] == "smtp"]
             for org, ds in docs(db).items()}
    return orgs, scans, [srv.connections for _, srv in pairs]


def test_smtp_starttls_preamble(smtp_scan):
    orgs, scans, conns = smtp_scan
    with_tls, without = scans[orgs[0]["org_id"]], scans[orgs[1]["org_id"]]
    assert len(with_tls) == 1 and len(without) == 1, (with_tls, without)
    s = with_tls[0]
    print(f"\nMX with STARTTLS: {s['connections']} connections; asked {[q['q'] for q in s['asked']]}")
    assert (s["port"], s["status"], s["addr"]) == (25, "ok", orgs[0]["mail_addr"]), s
    assert s["smtp"]["banner"] == "220 mx.test ESMTP vitals-test"
    assert s["smtp"]["ehlo"] == ["PIPELINING", "SIZE 10240000", "STARTTLS", "8BITMIME"]
    assert (s["smtp"]["starttls"], s["smtp"]["starttls_reply"], s["smtp"]["status"]) == (True, 220, "ok")
    assert s["protocols"] == {"SSLv3": False, "TLSv1.0": False, "TLSv1.1": False, "TLSv1.2": True, "TLSv1.3": True}
    # the certificate is tls001's (tlscases.py), which names neither the MX nor mx.test
    assert s["cert"]["chain"][0]["subject"] == "CN=tls001.test" and s["cert"]["hostname_match"] is False
    # every question repeats the preamble on a connection of its own
    assert s["connections"] == conns[0] == sum(q["conns"] for q in s["asked"]), (s["connections"], conns)
    n = without[0]
    assert (n["status"], n["connections"], conns[1]) == ("no_starttls", 1, 1), n
    assert n["smtp"]["starttls"] is False and n["smtp"]["starttls_reply"] is None
    assert all(v is None for v in n["protocols"].values())


def test_a_shared_mx_is_measured_once_per_scan(smtp_scan):
    orgs, scans, conns = smtp_scan
    a, b = scans[orgs[2]["org_id"]], scans[orgs[3]["org_id"]]
    assert len(a) == 1 and a == b, "both organizations carry the same measurement of the provider's MX"
    assert a[0]["shared"] is True and a[0]["status"] == "ok" and a[0]["host"] == "mx.mailhost.test"
    assert conns[2] == a[0]["connections"], f"the provider's MX saw {conns[2]} connections, one measurement is {a[0]['connections']}"
