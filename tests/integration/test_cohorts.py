"""Cohorts and the trend against the testbed: the targets carry type and region tags (see
tests/testbed/README.md), and `vitals report --cohort`, `vitals show --cohort` and `vitals trend`
over two scans of the same targets must give the figures the NDJSON records and the manifest say.

Works on a copy of the session scan's database, so other tests' "latest scan" is untouched.
"""
import csv
import io
import re
import shutil
import subprocess
from collections import Counter

import pytest

from conftest import scan_args, stream_orgs, vitals_bin


def run(*args):
    return subprocess.run([vitals_bin(), *args], text=True, capture_output=True, timeout=120)


def failing(rec):
    return sum(1 for f in rec["findings"] if f["status"] == "fail")


def figures(recs, factors=("dns", "transport", "appsec")):
    """What trend says of a set of NDJSON records: organizations, means (of each factor, then
    overall), failing per organization."""
    out = {"organizations": str(len(recs))}
    getters = [(f, lambda s, f=f: s["factors"][f]["score"]) for f in factors]
    for key, get in getters + [("overall", lambda s: s["score"])]:
        vals = [get(r["scores"]) for r in recs if get(r["scores"]) is not None]
        out[key] = f"{sum(vals) / len(vals):.2f}" if vals else ""
    out["findings_per_org"] = f"{sum(failing(r) for r in recs) / len(recs):.2f}"
    return out


@pytest.fixture(scope="module")
def cohort_db(scan, tmp_path_factory):
    _, _, db = scan
    d = tmp_path_factory.mktemp("cohorts")
    for suffix in ("", "-wal"):
        if db.with_name(db.name + suffix).exists():
            shutil.copy(db.with_name(db.name + suffix), d / ("c.db" + suffix))
    return d / "c.db"


def test_tags_reach_the_records(scan, manifest):
    records, _, _ = scan
    for org in manifest["organizations"]:
        assert records[org["org_id"]]["tags"] == org["tags"], org["org_id"]
    kinds = Counter(o["tags"].get("type") for o in manifest["organizations"] if o["tags"])
    assert set(kinds) == {"hospital", "clinic", "laboratory", "telehealth vendor"}, kinds


def test_report_and_show_of_a_cohort(scan, manifest, cohort_db, tmp_path):
    records, _, _ = scan
    hospitals = sorted(o["org_id"] for o in manifest["organizations"] if o["tags"].get("type") == "hospital")
    out = tmp_path / "h.html"
    p = run("report", "--db", str(cohort_db), "--cohort", "type=hospital", "-o", str(out))
    assert p.returncode == 0, p.stderr
    html = out.read_text()
    assert "<h1>Sector security posture: cohort type=hospital</h1>" in html
    assert sorted(re.findall(r'<article class="card" id="org-([^"]+)"', html)) == hospitals
    assert f"&middot; {len(hospitals)} organizations</p>" in html

    p = run("show", "--db", str(cohort_db), "--cohort", "hospital")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    shown = {l.split()[0]: l.split()[2] for l in lines[:len(hospitals)]}
    assert sorted(shown) == hospitals
    for oid, grade in shown.items():
        assert grade == (records[oid]["scores"]["grade"] or "-"), oid
    assert lines[len(hospitals)].startswith(f"cohort hospital: {len(hospitals)} organizations in scan ")
    recs = [records[o] for o in hospitals]
    overall = [r["scores"]["score"] for r in recs if r["scores"]["score"] is not None]
    dns = [r["scores"]["factors"]["dns"]["score"] for r in recs if r["scores"]["factors"]["dns"]["score"] is not None]
    assert f"averages: overall {sum(overall) / len(overall):.1f}, dns {sum(dns) / len(dns):.1f}," in p.stdout
    assert f"failing findings: {figures(recs)['findings_per_org']} per organization" in p.stdout


def test_the_sector_report_has_a_section_per_cohort(scan, manifest, cohort_db, tmp_path):
    records, _, _ = scan
    out = tmp_path / "all.html"
    p = run("report", "--db", str(cohort_db), "-o", str(out))
    assert p.returncode == 0, p.stderr
    html = out.read_text()
    pairs = Counter(f"{k}={v}" for o in manifest["organizations"] for k, v in o["tags"].items())
    assert re.findall(r'<article class="cohort">\n<h3>([^<]+)</h3>', html) == sorted(pairs)
    for name, n in pairs.items():
        row = re.search(rf'<h3>{re.escape(name)}</h3>.*?<tr><td class="n">(\d+)</td>(.*?)</tr>', html, re.S)
        members = [r for r in records.values() if name in {f"{k}={v}" for k, v in r["tags"].items()}]
        cells = re.findall(r'<td class="n">([^<]*)</td>', row.group(2))
        per_org = sum(failing(r) for r in members) / n
        per_domain = sum(failing(r) for r in members) / sum(len(r["domains"]) for r in members)
        assert int(row.group(1)) == n == len(members), name
        assert cells[-2:] == [f"{per_org:.2f}", f"{per_domain:.2f}"], (name, cells)


def test_bad_cohorts(cohort_db, tmp_path):
    for cmd in (["report", "-o", str(tmp_path / "x.html")], ["show"], ["trend", "-o", str(tmp_path / "t.html")]):
        p = run(*cmd, "--db", str(cohort_db), "--cohort", "type=nosuch")
        assert p.returncode == 3, (cmd, p.stderr)
        assert "cohort type=nosuch" in p.stderr, p.stderr
        p = run(*cmd, "--db", str(cohort_db), "--cohort", "=x")
        assert p.returncode == 2, (cmd, p.stderr)
        assert "invalid --cohort" in p.stderr, p.stderr


def test_trend_over_two_scans(bed, scan, cohort_db, tmp_path):
    records, _, _ = scan
    second = tmp_path / "second.ndjson"
    p = subprocess.run(scan_args(bed, cohort_db, ["-o", str(second), str(bed / "targets.csv")]),
                       text=True, capture_output=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    again = stream_orgs(second)
    csv_out, html = tmp_path / "trend.csv", tmp_path / "trend.html"
    p = run("trend", "--db", str(cohort_db), "-o", str(html), "--csv", str(csv_out))
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text())))
    header = csv_out.read_text().split("\n", 1)[0].split(",")
    # the current method's factors, in its order, between the count and the overall mean
    assert header[:5] == ["scan_id", "started", "method", "organizations", "dns"], header
    assert header[-2:] == ["overall", "findings_per_org"] and "exposure" in header, header
    factors = header[4:-2]
    assert len(rows) == 2 and int(rows[0]["scan_id"]) < int(rows[1]["scan_id"]), rows
    for row, recs in zip(rows, (records, again)):
        assert row["method"] == "5"
        assert {k: v for k, v in row.items() if k not in ("scan_id", "started", "method")} == \
            figures(list(recs.values()), factors), row
    page = html.read_text()
    assert page.count('<svg class="chart trend"') == len(factors) + 2  # each factor, overall, findings

    p = run("trend", "--db", str(cohort_db), "--cohort", "region=north", "--csv", "-", "-o", str(html))
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    for row, recs in zip(rows, (records, again)):
        north = [r for r in recs.values() if r["tags"].get("region") == "north"]
        assert {k: v for k, v in row.items() if k not in ("scan_id", "started", "method")} == \
            figures(north, factors)
