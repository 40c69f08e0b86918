"""Peer scanners (sslscan, testssl.sh) agree with the manifest on the testbed's deep-TLS cases.

The parsing is checked first on canned output (tests/peers/samples/, captured from the cases),
then both peers run against the session testbed's cases: sslscan on every endpoint, testssl.sh on
two (it takes about 20 s a host). Every field must agree with the manifest or be one of the
limitations named in tests/peers/peers.py (LIMITS, KNOWN) and tests/peers/README.md.
"""
import datetime
import json
import os
import pathlib
import sqlite3
import sys

import pytest

from conftest import ROOT, TLS_CASES
from conftest import testbed as run_testbed  # not "testbed": pytest would collect it as a test

sys.path.insert(0, str(ROOT / "tests" / "peers"))
import peers  # noqa: E402

SAMPLES = ROOT / "tests" / "peers" / "samples"
# the canned samples were captured on 2026-12-03 at 12:47 UTC
CAPTURED = datetime.datetime(2026, 12, 3, 13, 0, tzinfo=datetime.timezone.utc)
# GnuTLS (RC4 by IANA name) and the chain only testssl.sh can judge
TESTSSL_CASES = ("rc4_cipher", "chain_incomplete")


def test_classes_of_suite_names():
    assert peers.classes_of(["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-NULL-SHA"]) == ["null"]
    assert peers.classes_of(["ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_RC4_128_SHA"]) == ["rc4"]
    assert peers.classes_of(["TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-AES128-GCM-SHA256"]) == ["3des"]
    assert peers.classes_of(["AECDH-AES128-SHA", "ECDHE-ECDSA-AES128-GCM-SHA256"]) == ["anon"]
    assert peers.classes_of(["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384"]) == ["cbc_only", "no_aead"]
    assert peers.classes_of(["AES128-GCM-SHA256", "AES256-SHA"]) == ["no_fs"]
    assert peers.classes_of(["EXP-RC4-MD5"]) == ["export", "no_aead", "no_fs", "rc4"]
    assert peers.classes_of(["TLS_AES_128_GCM_SHA256"]) == []


def test_sslscan_canned_rc4():
    v = peers.sslscan_verdict((SAMPLES / "sslscan-rc4_cipher.xml").read_text(),
                              (SAMPLES / "sslscan-rc4_cipher.txt").read_text(), CAPTURED)
    assert v["protocols"] == {"SSLv3": False, "TLSv1.0": False, "TLSv1.1": False, "TLSv1.2": True,
                              "TLSv1.3": False}
    assert v["classes"] == ["rc4"]
    assert v["dh_bits"] is None
    assert v["cert"] == {"key_type": "rsa", "key_bits": 2048, "sig": "ecdsa-sha256", "chain_complete": None,
                         "self_signed": False, "validity_days": 365, "over_398_days": False, "expired": False,
                         "not_yet_valid": False}
    assert v["ocsp_stapled"] is False
    later = peers.sslscan_verdict((SAMPLES / "sslscan-rc4_cipher.xml").read_text(), "",
                                  CAPTURED + datetime.timedelta(days=400))
    assert later["cert"]["expired"] is True and later["ocsp_stapled"] is None


def test_sslscan_canned_ocsp_stapled():
    v = peers.sslscan_verdict((SAMPLES / "sslscan-ocsp_stapled.xml").read_text(),
                              (SAMPLES / "sslscan-ocsp_stapled.txt").read_text(), CAPTURED)
    assert v["ocsp_stapled"] is True
    assert v["protocols"]["TLSv1.3"] is True and v["protocols"]["TLSv1.1"] is False
    assert (v["cert"]["key_type"], v["cert"]["key_bits"]) == ("ec", 256)


def test_testssl_canned_dhe_1024():
    v = peers.testssl_verdict(json.loads((SAMPLES / "testssl-dhe_1024.json").read_text()), CAPTURED)
    assert v["protocols"] == {"SSLv3": False, "TLSv1.0": False, "TLSv1.1": False, "TLSv1.2": True,
                              "TLSv1.3": False}
    assert v["classes"] == [] and v["dh_bits"] == 1024
    assert v["cert"]["chain_complete"] is True and v["cert"]["self_signed"] is False
    assert (v["cert"]["key_type"], v["cert"]["key_bits"], v["cert"]["sig"]) == ("rsa", 2048, "ecdsa-sha256")
    assert v["ocsp_stapled"] is False


def test_compare_names_every_difference():
    truth = {"case": "dhe_1024", "protocols": {p: p == "TLSv1.2" for p in peers.PROTOCOLS}, "classes": [],
             "dh_bits": 1024, "ocsp_stapled": False,
             "cert": {"key_type": "rsa", "key_bits": 2048, "sig": "ecdsa-sha256", "chain_complete": True,
                      "self_signed": False, "validity_days": 365, "over_398_days": False, "expired": False,
                      "not_yet_valid": False}}
    verdict = json.loads(json.dumps(truth))
    verdict["dh_bits"] = 2048
    verdict["cert"]["chain_complete"] = None
    verdict["ocsp_stapled"] = None
    notes = {f: n for f, _, _, n in peers.compare("sslscan", truth, verdict)}
    assert notes["dh_bits"] == "DISAGREES"
    assert notes["cert.chain_complete"].startswith("limit: sslscan shows the leaf")
    assert notes["ocsp_stapled"] == "UNKNOWN (no named limitation)"
    assert notes["classes"] is None and notes["protocols.TLSv1.2"] is None
    assert {r[0] for r in peers.failures(peers.compare("sslscan", truth, verdict))} == {"dh_bits", "ocsp_stapled"}


def _need(tool):
    if not os.access(tool, os.X_OK):
        pytest.skip(f"{tool} is not installed (scripts/install-deps.sh installs it)")
    if not TLS_CASES:
        pytest.skip("the testbed's tls cases need gnutls-serv and socat (scripts/install-deps.sh)")


@pytest.fixture(scope="module")
def peer_results(manifest):
    """sslscan on every case, testssl.sh on TESTSSL_CASES: peers.run_all's results, once."""
    _need(peers.SSLSCAN)
    ts = TESTSSL_CASES if os.access(peers.TESTSSL, os.X_OK) else ()
    return ts, peers.run_all(manifest, ts)


def test_peers_agree_with_manifest(manifest, peer_results):
    ts, results = peer_results
    cases = manifest["tls_cases"]
    assert cases["enabled"] and len(cases["endpoints"]) == 18
    print(peers.report(results))
    assert len(results["sslscan"]) == 18
    assert sorted(e["case"] for e in results["testssl"].values()) == sorted(ts)
    bad = [(peer, eid, r) for peer, eps in results.items() for eid, e in eps.items()
           for r in peers.failures(e["rows"])]
    assert bad == []
    # the limitations are what they say: sslscan never judges the chain, testssl.sh does here
    for e in results["sslscan"].values():
        assert dict((f, n) for f, _, _, n in e["rows"])["cert.chain_complete"].startswith("limit:")
    for e in results["testssl"].values():
        assert dict((f, n) for f, _, _, n in e["rows"])["cert.chain_complete"] is None


def test_manifest_tls_cases_shape(bed, manifest):
    if not TLS_CASES:
        pytest.skip("the testbed's tls cases need gnutls-serv and socat (scripts/install-deps.sh)")
    eps = manifest["tls_cases"]["endpoints"]
    by_case = {e["case"]: e for e in eps}
    assert len(by_case) == len(eps) == len({e["addr"] for e in eps})
    assert all(e["addr"].startswith("127.97.0.") and e["port"] == 443 for e in eps)
    assert by_case["legacy_protocols"]["protocols"]["TLSv1.0"] is True
    assert by_case["tls13_only"]["protocols"] == {"SSLv3": False, "TLSv1.0": False, "TLSv1.1": False,
                                                  "TLSv1.2": False, "TLSv1.3": True}
    assert by_case["3des_cipher"]["server"] == "gnutls" and by_case["3des_cipher"]["classes"] == ["3des"]
    assert by_case["long_validity"]["cert"]["over_398_days"] is True
    assert by_case["chain_incomplete"]["cert"]["chain_complete"] is False
    assert not any(e["protocols"]["SSLv3"] or "export" in e["classes"] for e in eps)
    assert pathlib.Path(manifest["tls_cases"]["ca"]).exists()
    # `status` names the cases' daemons: one nginx, one gnutls-serv and one socat per GnuTLS case
    st = run_testbed("status", "--dir", str(bed), check=False)
    running = [line.split()[0] for line in st.stdout.splitlines() if " running pid " in line]
    assert st.returncode == 0, st.stdout
    assert sorted(r for r in running if r.startswith("tlscases-")) == [
        "tlscases-gnutls-tls017", "tlscases-gnutls-tls018", "tlscases-nginx", "tlscases-socat-tls017",
        "tlscases-socat-tls018"]


def case_scans(db, cases):
    """The session scan's tls_scans object of each case's apex endpoint (host tlsNNN.test on
    the case's address), by case id."""
    want = {(c["host"], c["addr"]): c["id"] for c in cases}
    out = {}
    con = sqlite3.connect(db)
    for (doc,) in con.execute("select doc from observations where scan_id = 1"):
        for t in json.loads(doc).get("tls_scans") or []:
            if (t.get("host"), t.get("addr")) in want and t.get("port") == 443:
                out[want[(t["host"], t["addr"])]] = t
    con.close()
    return out


def test_vitals_agrees_with_manifest_and_peers(manifest, scan, peer_results):
    """vitals' own deep-TLS observation of every case, from the session scan (the default sector
    sweep), agrees with the manifest on every field, with no limitation of its own, and with each
    peer on every field that peer judged."""
    _, results = peer_results
    _, _, db = scan
    cases = manifest["tls_cases"]["endpoints"]
    got = case_scans(db, cases)
    assert sorted(got) == sorted(c["id"] for c in cases), "a case endpoint has no tls_scans"
    wrong, versus_peers = [], []
    for c in cases:
        v = peers.vitals_verdict(got[c["id"]])
        for field, want, have, note in peers.compare("vitals", c, v):
            if note is not None:
                wrong.append(f"{c['id']} {c['case']} {field}: manifest {want!r}, vitals {have!r}")
        for peer, eps in results.items():
            if c["id"] in eps:
                # each peer's own verdict, rebuilt from its comparison rows (field -> its value)
                theirs = {f: h for f, _, h, _ in eps[c["id"]]["rows"]}
                mine = peers.flatten(v)
                versus_peers += [f"{c['id']} {c['case']} {f}: vitals {mine[f]!r}, {peer} {h!r}"
                                 for f, h in theirs.items() if h is not None and mine[f] != h]
    conns = sorted(t.get("connections", 0) for t in got.values())
    print(f"\nvitals on {len(got)} cases: connections per endpoint {conns[0]}-{conns[-1]} "
          f"(median {conns[len(conns) // 2]}), {len(wrong)} disagreement(s) with the manifest, "
          f"{len(versus_peers)} with the peers")
    assert not wrong, "\n".join(wrong)
    assert not versus_peers, "\n".join(versus_peers)
