"""The web probe's redirect policy against the simulated sector."""
from conftest import apex_endpoint, finding_at


def test_redirects_off_the_site_are_recorded_not_followed(manifest, scan):
    """An other_host organisation redirects to another organisation's site: the probe
    records that hop but never fetches it (a scanned site must not steer the scanner)."""
    records, _, _ = scan
    # one apex address: a second one (a worse site) is tests/integration/test_assets.py's
    orgs = [o for o in manifest["organizations"] if o.get("redirect") == "other_host" and len(o["apex_addrs"]) == 1]
    assert orgs, "the testbed has no other_host redirect"
    for o in orgs:
        f = finding_at(records[o["org_id"]], "web.http.redirect", o["domain"], apex_endpoint(o))
        chain = f["evidence"]["chain"]
        assert f["status"] == "fail", (o["org_id"], f)
        assert len(chain) == 2, (o["org_id"], chain)
        hop = chain[1]
        assert hop["url"] == f"https://{o['redirect_to']}/", (o["org_id"], hop)
        assert (hop["status"], hop["reason"], hop["code"], hop["addr"]) == \
            ("not_followed", "off_site", None, None), (o["org_id"], hop)
