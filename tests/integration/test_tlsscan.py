"""The deep-TLS probe (src/probes/probe_tlsscan.c) against the testbed's TLS cases.

One scan per depth (`--tls sweep`, `--tls full`) of a targets file holding one organization per
case (its given address, so no SNI: the case certificates carry IP SANs) plus the hostile
organizations: every case's protocols, classes, DH prime size, certificate facts and OCSP
stapling must equal the manifest's ground truth (tests/testbed/tlscases.py), both depths must
agree on every class, full depth must list suites for every accepted version, and the hostile
organizations must end with a non-ok tls_scans status within the organization deadline.
"""
import json
import sqlite3
import subprocess
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
