"""vitals compare on the testbed: the session's scan against a rescan of the unchanged testbed
reports nothing significant and no change (but where a deadline struck in one scan only), and
bad input (no such scan, a running scan, different target sets, an unknown cohort, a missing
--base) exits with its code and a message naming the scan or cohort.
"""
import json
import shutil
import sqlite3
import subprocess

import pytest

from conftest import scan_args, stream_orgs, vitals_bin


@pytest.fixture(scope="module")
def rescan(bed, scan, tmp_path_factory):
    """A copy of the session's database (scan 1) with a second scan of the same targets (scan 2)."""
    _, _, db = scan
    d = tmp_path_factory.mktemp("compare")
    copy = d / "two.db"
    shutil.copy(db, copy)
    for suffix in ("-wal", "-shm"):
        if db.with_name(db.name + suffix).exists():
            shutil.copy(db.with_name(db.name + suffix), d / ("two.db" + suffix))
    out = d / "rescan.ndjson"
    p = subprocess.run(scan_args(bed, copy, ["-o", str(out), str(bed / "targets.csv")]),
                       text=True, capture_output=True, timeout=1800)
    assert p.returncode == 0, p.stderr[-3000:]
    return copy, stream_orgs(out)


def compare(db, *args):
    return subprocess.run([vitals_bin(), "compare", "--db", str(db), *args], text=True,
                          capture_output=True, timeout=600)


def timed_out(rec, domain):
    return any(f.get("reason") == "timeout" and f["domain"] == domain for f in rec["findings"])


def test_unchanged_testbed_shows_nothing_significant(bed, scan, rescan, tmp_path):
    first, _, _ = scan
    db, second = rescan
    page = tmp_path / "compare.html"
    p = compare(db, "--base", "1", "--scan", "2", "--json", "-o", str(page))
    assert p.returncode == 0, p.stderr
    c = json.loads(p.stdout)
    assert c["base"]["scan_id"] == 1 and c["scan"]["scan_id"] == 2
    assert c["method"] == c["scan"]["method"] and c["rescored"] == []
    assert c["correction"] == "holm" and c["alpha"] == 0.05 and c["cohort"] is None
    assert c["organizations"] == {"both": len(first), "joined": [], "left": []}
    assert set(c["factors"]) == {"dns", "transport", "appsec", "exposure", "clinical", "patching", "overall"}
    assert [k for k, f in c["factors"].items() if f["significant"]] == []
    assert [k["check"] for k in c["checks"] if k["significant"]] == []
    assert len(c["checks"]) > 10
    # Every change must be explained by a timeout on that host in one of the two scans.
    unexplained = [ch for ch in c["changes"] if not (timed_out(first[ch["org_id"]], ch["domain"])
                                                     or timed_out(second[ch["org_id"]], ch["domain"]))]
    assert unexplained == [], unexplained[:5]
    # A host that timed out takes all its findings with it; they must stay a small share
    # (test_workers holds the scanner to 1%; a loaded machine here reached 1.5%).
    findings = sum(len(r["findings"]) for r in first.values())
    assert len(c["changes"]) <= findings // 20, c["changes"][:5]
    assert sum(sum(row.values()) for row in c["migration"].values()) == len(first)
    # A score moves only where something timed out in one of the scans.
    def any_timeout(org):
        return any(f.get("reason") == "timeout" for r in (first[org], second[org]) for f in r["findings"])
    moved = [o["org_id"] for o in c["regressed"] + c["improved"]]
    assert [o for o in moved if not any_timeout(o)] == [], moved
    html = page.read_text()
    assert html.count('class="chart factor-change"') == 7 and 'class="chart migration"' in html
    assert "<script" not in html.lower()
    print(f"\n{len(c['checks'])} checks compared, {len(c['changes'])} of {findings} findings changed (timeouts)")


def fake_scan(db, status, sha, orgs):
    """A scans row (and its organizations) written straight into the database."""
    con = sqlite3.connect(db)
    with con:
        cur = con.execute("INSERT INTO scans(started, status, method, args) VALUES (1795000000, ?, 3, ?)",
                          (status, json.dumps({"targets_sha256": sha})))
        sid = cur.lastrowid
        for org in orgs:
            con.execute("INSERT OR IGNORE INTO organizations VALUES (?, ?, 0, 0)", (org, org))
            con.execute("INSERT INTO scan_orgs(scan_id, org_id, domains, started, finished) "
                        "VALUES (?, ?, '[]', 0, 0)", (sid, org))
    con.close()
    return sid


def test_bad_input(rescan, tmp_path):
    src, _ = rescan
    db = tmp_path / "bad.db"
    shutil.copy(src, db)
    for suffix in ("-wal", "-shm"):
        if src.with_name(src.name + suffix).exists():
            shutil.copy(src.with_name(src.name + suffix), tmp_path / ("bad.db" + suffix))
    sha = json.loads(sqlite3.connect(db).execute("SELECT args FROM scans WHERE id = 1").fetchone()[0])
    running = fake_scan(db, "running", sha["targets_sha256"], ["org001"])
    other = fake_scan(db, "complete", "0" * 64, ["elsewhere001", "elsewhere002"])

    p = compare(db, "--base", "1", "--scan", "99")
    assert p.returncode == 3 and "no scan 99" in p.stderr, p.stderr
    p = compare(db, "--base", "1", "--scan", str(running))
    assert p.returncode == 3 and f"scan {running} is still running" in p.stderr, p.stderr
    p = compare(db, "--base", "1", "--scan", str(other))
    assert p.returncode == 3 and "different target sets" in p.stderr, p.stderr
    p = compare(db, "--base", "1", "--scan", "2", "--cohort", "type=pharmacy")
    assert p.returncode == 3 and "cohort type=pharmacy" in p.stderr, p.stderr
    p = compare(db, "--scan", "2")
    assert p.returncode == 2 and "--base" in p.stderr, p.stderr
    p = compare(db, "--base", "1", "--scan", "2", "--cohort", "=x")
    assert p.returncode == 2, p.stderr
    p = compare(db, "--base", "1", "--scan", "2")
    assert p.returncode == 0 and "no check changed significantly" in p.stdout, p.stdout + p.stderr
