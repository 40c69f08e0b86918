"""The web probe's redirect policy against the simulated sector."""
from test_scan import statuses


def test_redirects_off_the_site_are_recorded_not_followed(manifest, scan):
    """An other_host organisation redirects to another organisation's site: the probe
    records that hop but never fetches it (a scanned site must not steer the scanner)."""
    records, _, _ = scan
    orgs = [o for o in manifest["organizations"] if o.get("redirect") == "other_host"]
    assert orgs, "the testbed has no other_host redirect"
    for o in orgs:
        f = statuses(records[o["org_id"]])["web.http.redirect"]
        chain = f["evidence"]["chain"]
        assert f["status"] == "fail", (o["org_id"], f)
        assert len(chain) == 2, (o["org_id"], chain)
        hop = chain[1]
        assert hop["url"] == f"https://{o['redirect_to']}/", (o["org_id"], hop)
        assert (hop["status"], hop["reason"], hop["code"], hop["addr"]) == \
            ("not_followed", "off_site", None, None), (o["org_id"], hop)
