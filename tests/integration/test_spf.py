"""End-to-end: what the DNS probe records for SPF a/mx/exists terms.

The analyzer judges for an IPv4 sender, so the probe asks A (never AAAA) for a
targets and MX names, and within its budget (docs/OBSERVATIONS.md) every answer
the testbed's SPF variants need is there.
"""
import json
import sqlite3


def observations(db):
    con = sqlite3.connect(db)
    try:
        return {org: json.loads(doc) for org, doc in
                con.execute("select org_id, doc from observations where scan_id = 1")}
    finally:
        con.close()


def test_spf_terms_are_resolved_for_ipv4_senders_only(manifest, scan):
    _, _, db = scan
    docs = observations(db)
    voids = [o["org_id"] for o in manifest["organizations"] if o.get("spf") == "void_lookups"]
    assert voids, "the testbed has void_lookups organizations"
    for org, doc in docs.items():
        dns = doc.get("dns", {})
        assert "AAAA" not in dns.get("spf_rr", {}), f"{org}: AAAA asked for SPF terms"
        assert not dns.get("spf_rr_truncated"), f"{org}: SPF answers cut off"
    for org in voids:
        rr = docs[org]["dns"]["spf_rr"]
        got = {(t, n): rr[t][n]["status"] for t, n in
               [("A", "gone1.mailer.test"), ("MX", "gone2.mailer.test"), ("A", "gone3.mailer.test")]}
        assert set(got.values()) == {"nxdomain"}, f"{org}: {got}"
