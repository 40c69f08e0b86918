"""The sector over time: scan, evolve, rescan, compare.

A 100-organization testbed of its own (no traps, no hostile servers: nothing times out), in a
network namespace of this test's own, nested in the session's (the session testbed holds the
same fixed addresses): scan 1, `testbed.py evolve --seed 5` (the scripted changes: DMARC
enforced mostly at clinics, certificates expired and server versions shown mostly at
telehealth vendors, HSTS without includeSubDomains, a zone transfer opened at a hospital),
scan 2, scan 3 with nothing changed. Each scan must agree with the manifest of its time; the
findings that changed between scans 1 and 2 must be exactly the manifest's evolution; then
`vitals compare` must name exactly those changes, find the seeded shape significant, and
find nothing between scans 2 and 3. The compare page is rendered in headless Chromium.
"""
import collections
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, TESTBED, finding_at, scan_args, stream_orgs, vitals_bin
import expect

ORGS, SEED, EVOLVE_SEED = 100, 3, 5
BROWSER = ROOT / "tests" / "browser"
CHROMIUM = "/usr/bin/chromium"


def unshare_works():
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not unshare_works(), reason="unshare -n is not permitted here: no private "
                                "namespace for a second testbed")


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """Runs the whole story in one nested namespace; returns the directory holding the manifests
    (manifest-1.json before, bed/manifest.json after), s1-s3.ndjson, scans.db and the outputs
    of the evolve and status steps."""
    t = tmp_path_factory.mktemp("evolve")
    bed, db = t / "bed", t / "scans.db"
    tb = f"{sys.executable} {TESTBED}"

    def scan(n):
        # --services off: the evolution changes DNS and web postures, and expect.changes models
        # their findings only. A Server header that starts announcing nginx's version would also
        # move svc.patching.* from na on ADDR to a banner-inferred verdict on ADDR:80, which is not
        # a pass <-> fail flip of one finding (test_services covers the patching checks).
        args = scan_args(bed, db, ["--services", "off", "-o", str(t / f"s{n}.ndjson"),
                                   str(bed / "targets-assets.csv")])
        # Nothing here is silent, so long deadlines cost nothing; on a loaded machine the
        # validator's retries of bogus zones outlast the session's 3 s and would time out.
        args[args.index("--timeout") + 1] = "15000"
        args[args.index("--org-timeout") + 1] = "120000"
        return " ".join(f"'{a}'" for a in args)
    script = "\n".join([
        "set -e", "ip link set lo up", f"trap '{tb} down --dir {bed} >/dev/null' EXIT",
        f"{tb} up --orgs {ORGS} --seed {SEED} --no-trap --no-hostile --no-mail --no-services --dir {bed}",
        f"cp {bed}/manifest.json {t}/manifest-1.json", f"{tb} status --dir {bed} > {t}/status-1.out", scan(1),
        f"{tb} evolve --seed {EVOLVE_SEED} --dir {bed} > {t}/evolve.out",
        f"{tb} evolve --seed {EVOLVE_SEED} --dir {bed} > {t}/again.out",
        f"{tb} evolve --seed {EVOLVE_SEED + 1} --dir {bed} > {t}/other.out 2>&1 || echo $? > {t}/other.rc",
        f"{tb} status --dir {bed} > {t}/status.out", scan(2), scan(3)])
    p = subprocess.run(["unshare", "-n", "-m", "bash", "-c", script], text=True, capture_output=True, timeout=900)
    print(p.stdout[-3000:], p.stderr[-3000:])
    assert p.returncode == 0, p.stderr[-3000:]
    return t


def manifests(t):
    before = json.loads((t / "manifest-1.json").read_text())
    after = json.loads((t / "bed" / "manifest.json").read_text())
    return before, after


def change_key(c):
    return (c["org_id"], c["check"], c["domain"], c["endpoint"], c["from"], c["to"])


def disagreements(manifest, records):
    """Lines saying where a scan's findings differ from the manifest's expectations (every
    dns.* check on the domain, every tls.*/web.* check on every endpoint), and how many
    findings timed out instead (a loaded machine: they must stay rare)."""
    out, timeouts, n = [], 0, 0
    for org in manifest["organizations"]:
        rec = records[org["org_id"]]
        for (check, domain, endpoint), want in sorted(expect.finding_statuses(org).items(), key=str):
            f = finding_at(rec, check, domain, endpoint)
            have = f["status"] if f else "missing"
            n += 1
            if f and f.get("reason") == "timeout":
                timeouts += 1
            elif have != want:
                out.append(f"{org['org_id']} {check} {domain} @ {endpoint}: want {want}, got {have}")
    assert timeouts <= n // 100, f"{timeouts} of {n} findings timed out"
    return out


def timed_out(a, b, key):
    return any(f and f.get("reason") == "timeout" for f in (finding_at(a, *key), finding_at(b, *key)))


def flips(a, b):
    """(check, domain, endpoint) -> (from, to) of the findings of one organization whose status
    went pass <-> fail between two records, and how many other differences a timeout explains."""
    out, timeouts = {}, 0
    keys = {(f["check"], f["domain"], f.get("endpoint")) for r in (a, b) for f in r["findings"]}
    for key in keys:
        fa, fb = finding_at(a, *key), finding_at(b, *key)
        sa, sb = (fa or {}).get("status"), (fb or {}).get("status")
        if sa == sb:
            continue
        if timed_out(a, b, key):
            timeouts += 1
        else:
            out[key] = (sa, sb)
    return out, timeouts


def test_evolve_once_per_seed_and_status_says_so(story):
    assert "findings change at" in (story / "evolve.out").read_text()
    assert "already evolved with seed 5: nothing to do" in (story / "again.out").read_text()
    assert (story / "other.rc").read_text().strip() == "2"
    assert "was evolved with seed 5 already" in (story / "other.out").read_text()
    assert "evolution     none" in (story / "status-1.out").read_text()
    status = (story / "status.out").read_text()
    assert "evolution     seed 5: " in status and status.rstrip().endswith("UP"), status


def test_the_manifest_records_exactly_what_changed(story):
    before, after = manifests(story)
    ev = after["evolution"]
    assert ev["seed"] == EVOLVE_SEED and "evolution" not in before
    old = {o["org_id"]: o for o in before["organizations"]}
    want = [c for o in after["organizations"] for c in expect.changes(old[o["org_id"]], o)]
    assert sorted(map(change_key, ev["changes"])) == sorted(map(change_key, want))
    by_check = collections.Counter(c["check"] for c in ev["changes"])
    assert set(by_check) == {"dns.dmarc.policy", "dns.axfr.refused", "tls.cert.expiry", "web.server.version",
                             "web.hsts.subdomains"}, by_check
    types = collections.Counter(o["type"] for o in before["organizations"])
    for name, c in ev["cohorts"].items():
        changed = {x["org_id"] for x in ev["changes"] if x["check"] == c["check"]}
        assert changed == set(c["in_cohort"]) | set(c["elsewhere"]), name
        kind = c["cohort"] and c["cohort"].split("=", 1)[1]
        assert all(old[o]["type"] == kind for o in c["in_cohort"])
        if c["share"]:
            assert len(c["in_cohort"]) == max(1, round(c["share"] * types[kind])), name
    # the shape: DMARC fixed at 30% of clinics, 5% of the rest
    dmarc = ev["cohorts"]["dmarc_enforced"]
    assert len(dmarc["in_cohort"]) >= 10 and len(dmarc["in_cohort"]) > 3 * len(dmarc["elsewhere"])


def test_expect_refuses_changes_that_are_not_pass_fail(story):
    """expect.changes, which evolve records, lists pass <-> fail flips and refuses anything else:
    HSTS removed outright would take web.hsts.subdomains from pass to na."""
    before, _ = manifests(story)
    org = next(o for o in before["organizations"] if o["hsts"] == "good" and o["https"] == "good")
    weaker, gone = json.loads(json.dumps(org)), json.loads(json.dumps(org))
    for o, hsts in ((weaker, "no_subdomains"), (gone, "none")):
        o["hsts"] = hsts
        for e in o["endpoints"]:
            if e["site"] == o["org_id"]:
                e["posture"]["hsts"] = hsts
    flipped = expect.changes(org, weaker)
    assert flipped and {(c["check"], c["from"], c["to"]) for c in flipped} == {("web.hsts.subdomains", "pass", "fail")}
    assert {c["endpoint"] for c in flipped} == {e["addr"] for e in org["endpoints"] if e["site"] == org["org_id"]}
    with pytest.raises(ValueError, match="pass -> na"):
        expect.changes(org, gone)


def test_each_scan_agrees_with_the_manifest_of_its_time(story):
    before, after = manifests(story)
    for n, manifest in ((1, before), (2, after), (3, after)):
        records = stream_orgs(story / f"s{n}.ndjson")
        # the cohorts come from the targets file's type and region columns
        assert {o["org_id"]: records[o["org_id"]]["tags"] for o in manifest["organizations"]} == {
            o["org_id"]: {"type": o["type"], "region": o["region"]} for o in manifest["organizations"]}
        wrong = disagreements(manifest, records)
        assert not wrong, f"scan {n}: {len(wrong)} disagreements:\n" + "\n".join(wrong[:15])


def test_the_scans_differ_exactly_by_the_evolution(story):
    _, after = manifests(story)
    s1, s2 = stream_orgs(story / "s1.ndjson"), stream_orgs(story / "s2.ndjson")
    got, timeouts = set(), 0
    for oid in s1:
        f, t = flips(s1[oid], s2[oid])
        got |= {(oid, *k, *v) for k, v in f.items()}
        timeouts += t
    assert got == set(map(change_key, after["evolution"]["changes"])), sorted(got ^ set(
        map(change_key, after["evolution"]["changes"])))[:10]
    assert timeouts <= 2
    s3 = stream_orgs(story / "s3.ndjson")
    still = {oid: flips(s2[oid], s3[oid])[0] for oid in s2}
    assert not any(still.values()), {k: v for k, v in still.items() if v}


def compare(story, *args):
    p = subprocess.run([vitals_bin(), "compare", "--db", str(story / "scans.db"), *args], text=True,
                       capture_output=True, timeout=120)
    assert p.returncode == 0, f"vitals compare {' '.join(args)}: exit {p.returncode}\n{p.stderr[-2000:]}"
    return p


def compare_json(story, *args):
    return json.loads(compare(story, *args, "--json").stdout)


def org_level(before, after, check):
    """(fixed, broke): organizations whose status of `check` (worst-status rule) went fail -> pass
    and pass -> fail between two manifests."""
    old = {o["org_id"]: o for o in before["organizations"]}
    fixed = broke = 0
    for o in after["organizations"]:
        a = expect.org_status(expect.finding_statuses(old[o["org_id"]]), check)
        b = expect.org_status(expect.finding_statuses(o), check)
        fixed += (a, b) == (expect.FAIL, expect.PASS)
        broke += (a, b) == (expect.PASS, expect.FAIL)
    return fixed, broke


def tolerated(story, changes, a, b):
    """The changes of a comparison less those a timeout in either scan explains (they must be rare)."""
    sa, sb = stream_orgs(story / f"s{a}.ndjson"), stream_orgs(story / f"s{b}.ndjson")
    keep = [c for c in changes if not timed_out(sa[c["org_id"]], sb[c["org_id"]],
                                                (c["check"], c["domain"], c["endpoint"]))]
    assert len(changes) - len(keep) <= 2, changes
    return keep


def test_compare_names_exactly_the_changes_and_the_shape(story):
    before, after = manifests(story)
    ev = after["evolution"]
    c = compare_json(story, "--base", "1", "--scan", "2")
    assert (c["base"]["scan_id"], c["scan"]["scan_id"]) == (1, 2)
    assert c["rescored"] == [] and c["cohort"] is None and c["correction"] == "holm" and c["alpha"] == 0.05
    orgs = c["organizations"]
    assert (orgs["both"], orgs["joined"], orgs["left"]) == (ORGS, [], [])
    got = tolerated(story, c["changes"], 1, 2)
    assert sorted(map(change_key, got)) == sorted(map(change_key, ev["changes"]))
    checks = {x["check"]: x for x in c["checks"]}
    for name in {x["check"] for x in ev["changes"]}:
        fixed, broke = org_level(before, after, name)
        row = checks[name]
        assert (row["fixed"], row["broke"]) == (fixed, broke), (name, row)
        assert row["significant"] == (row["p_adjusted"] < c["alpha"]) and row["p_adjusted"] >= row["p"]
    # the improving check stays significant after Holm's correction; nothing else moved at all
    assert checks["dns.dmarc.policy"]["significant"] and checks["dns.dmarc.policy"]["fixed"] >= 15
    moved = {x["check"] for x in c["checks"] if x["fixed"] or x["broke"]}
    assert moved == {x["check"] for x in ev["changes"]}
    assert not any(x["significant"] for x in c["checks"] if x["check"] not in moved)
    # failing findings per organization, before and after: the evolution's balance exactly
    s1, s2 = stream_orgs(story / "s1.ndjson"), stream_orgs(story / "s2.ndjson")
    fails = [sum(f["status"] == "fail" for r in s.values() for f in r["findings"]) for s in (s1, s2)]
    balance = sum(1 if x["to"] == "fail" else -1 for x in ev["changes"])
    assert fails[1] - fails[0] == balance
    per_org = c["findings"]["per_org"]
    assert per_org["base"] == pytest.approx(fails[0] / ORGS, abs=0.01)
    assert per_org["scan"] == pytest.approx(fails[1] / ORGS, abs=0.01)
    assert per_org["change_pct"] == pytest.approx(100 * balance / fails[0], abs=0.1)
    # new exposures: the failing findings of checks an organization did not fail at all before
    old = {o["org_id"]: o for o in before["organizations"]}
    want = set()
    for o in after["organizations"]:
        a, b = expect.finding_statuses(old[o["org_id"]]), expect.finding_statuses(o)
        for name in {k[0] for k in b}:
            if expect.org_status(b, name) == expect.FAIL and expect.org_status(a, name) != expect.FAIL:
                want |= {(o["org_id"], *k) for k, v in b.items() if k[0] == name and v == expect.FAIL}
    assert {(x["org_id"], x["check"], x["domain"], x["endpoint"]) for x in c["new_exposures"]} == want
    # the organizations that moved most are among those the evolution moved, the right way
    down = {x["org_id"] for x in ev["changes"] if x["to"] == "fail"}
    up = {x["org_id"] for x in ev["changes"] if x["to"] == "pass"}
    assert c["regressed"] and all(r["org_id"] in down and r["change"] < 0 for r in c["regressed"])
    assert c["improved"] and all(r["org_id"] in up and r["change"] > 0 for r in c["improved"])
    assert [r["change"] for r in c["regressed"]] == sorted(r["change"] for r in c["regressed"])
    assert sum(n for row in c["migration"].values() for n in row.values()) == ORGS
    # one factor improving while the others worsen
    f = c["factors"]
    assert f["dns"]["mean_change"] > 0 and f["transport"]["mean_change"] < 0 and f["appsec"]["mean_change"] < 0
    # measured: 10 organizations' appsec score fell (p 0.004); caps hide some DNS gains
    assert f["appsec"]["significant"] and f["appsec"]["worsened"] >= 8 and f["appsec"]["improved"] == 0
    assert f["dns"]["improved"] >= 10 and f["transport"]["improved"] == 0


def test_the_improvement_is_the_clinics_and_the_worsening_the_vendors(story):
    clinics = compare_json(story, "--base", "1", "--scan", "2", "--cohort", "type=clinic")
    vendors = compare_json(story, "--base", "1", "--scan", "2", "--cohort", "type=telehealth vendor")
    others = compare_json(story, "--base", "1", "--scan", "2", "--cohort", "type=laboratory")
    assert clinics["cohort"] == "type=clinic"
    dns = clinics["factors"]["dns"]
    assert dns["mean_change"] > 0 and dns["significant"] and dns["ci95"][0] > 0, dns
    assert dns["mean_change"] > others["factors"]["dns"]["mean_change"]
    assert vendors["factors"]["appsec"]["mean_change"] < others["factors"]["appsec"]["mean_change"]
    assert vendors["factors"]["transport"]["mean_change"] < 0
    types = collections.Counter(o["type"] for o in manifests(story)[0]["organizations"])
    assert [x["organizations"]["both"] for x in (clinics, vendors, others)] == [
        types["clinic"], types["telehealth vendor"], types["laboratory"]]


def test_a_rescan_without_change_shows_nothing(story):
    c = compare_json(story, "--base", "2", "--scan", "3")
    assert tolerated(story, c["changes"], 2, 3) == []
    assert not any(x["significant"] for x in c["checks"])
    assert not any(v["significant"] for v in c["factors"].values())
    assert c["new_exposures"] == []


def browser_ready():
    """Why the browser test cannot run here, or None."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does)"
    if not shutil.which("node"):
        return "node is not installed"
    return None


def test_compare_page_draws_every_chart(story):
    page = story / "compare.html"
    compare(story, "--base", "1", "--scan", "2", "-o", str(page))
    html = page.read_text()
    assert "<script" not in html.lower() and html.count('<svg class="chart') >= 2
    why = browser_ready()
    if why:
        pytest.skip(why)
    assert (BROWSER / "node_modules" / "playwright-core").is_dir(), \
        "chromium is here but playwright-core is not: cd tests/browser && npm ci"
    p = subprocess.run(["node", str(BROWSER / "charts.js"), str(page)], text=True, capture_output=True,
                       timeout=120, cwd=BROWSER)
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout)
    print(json.dumps(out, indent=1)[:3000])
    assert out["requests"] == [pathlib.Path(page).as_uri()], out["requests"]
    assert len(out["charts"]) == html.count('<svg class="chart')
    for ch in out["charts"]:
        assert ch["width"] > 0 and ch["height"] > 0 and ch["shapes"] > 0, ch
