"""End-to-end: the scanner against the simulated sector.

The scanner's verdict on every check for every organization must agree with the
testbed's ground truth (tests/testbed/expect.py); the scope guard must keep
every packet away from the trap range; bad input must be reported, not crash.
"""
import collections
import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import ROOT, agreement, read_stream, scan_args, statuses, stream_orgs, vitals_bin
from conftest import testbed as run_testbed
import expect


def test_every_check_agrees_with_the_manifest(manifest, scan):
    records, _, _ = scan
    agree = collections.Counter()
    disagree = collections.defaultdict(list)
    for org in manifest["organizations"]:
        if org.get("trap"):
            continue
        assert org["org_id"] in records, f"{org['org_id']} missing from the scan output"
        for check, verdict in agreement(org, records[org["org_id"]]).items():
            if verdict is None:
                agree[check] += 1
            else:
                disagree[check].append(verdict)
    print(f"\n{'check':28} {'agree':>6} {'disagree':>9}")
    for check in sorted(set(agree) | set(disagree)):
        print(f"{check:28} {agree[check]:6} {len(disagree.get(check, [])):9}")
    problems = [line for lines in disagree.values() for line in lines[:5]]
    assert not problems, "disagreements with the manifest:\n" + "\n".join(problems)
    assert sum(agree.values()) >= 30 * (len(manifest["organizations"]) - 2)


def test_every_organization_is_graded(manifest, scan):
    records, _, _ = scan
    for org in manifest["organizations"]:
        rec = records[org["org_id"]]
        assert rec["scores"]["method"] == 5
        # Nothing determinate is known of a domain whose only name server is silent: no grade.
        if org.get("hostile") == "silent_dns":
            assert rec["scores"]["grade"] is None
        elif not org.get("trap"):
            assert rec["scores"]["grade"] in "ABCDF"


def test_scope_guard_never_contacts_the_trap(bed, scan):
    records, _, _ = scan
    log = (bed / "trap.log")
    assert log.exists(), "the trap listener did not start"
    # an empty log proves nothing unless the listener is still there to write it
    st = run_testbed("status", "--dir", str(bed), check=False)
    assert "trap          running pid" in st.stdout and st.returncode == 0, st.stdout
    assert log.read_text().strip() == "", "out-of-scope addresses were contacted:\n" + log.read_text()
    web = [f for f in records["trap001"]["findings"] if f["check"].startswith(("web.", "tls."))]
    assert web and all(f["status"] == "indeterminate" and f["reason"] == "out_of_scope" for f in web)
    # trap002's only name server is in the excluded range: the resolver must not ask it, and
    # the parent's referral shows why nothing could be measured.
    every = records["trap002"]["findings"]
    assert every and all(f["status"] == "indeterminate" and f["reason"] == "out_of_scope" for f in every), \
        [(f["check"], f["status"], f.get("reason")) for f in every if f.get("reason") != "out_of_scope"]


def test_hostile_servers_meet_deadlines_and_caps(bed, manifest, scan):
    """Silent web servers, endless headers, garbage instead of TLS, a silent name server:
    each is indeterminate (or, for a port that does not speak TLS, no HTTPS), never a crash."""
    records, proc, _ = scan
    hostile = [o for o in manifest["organizations"] if o.get("hostile")]
    assert {o["hostile"] for o in hostile} == {"silent_web", "huge_headers", "silent_dns", "drip", "huge_tls"}
    wrong = []
    for org in hostile:
        got = statuses(records[org["org_id"]])
        for check, want in expect.expected_hostile(org).items():
            f = got[check]
            if not expect.matches(want, f["status"], f.get("reason")):
                wrong.append(f"{org['org_id']} {check}: want {want}, got {f['status']} {f.get('reason')}")
    assert not wrong, "\n".join(wrong)
    log = (bed / "hostile.log").read_text()
    assert all(a in log for a in ("127.98.0.10", "127.98.0.11", "127.98.0.13", "127.98.0.53")), \
        "the hostile servers were in scope and must have been contacted"


def test_store_holds_what_ndjson_said(scan):
    records, _, db = scan
    con = sqlite3.connect(db)
    n = con.execute("select count(*) from scan_orgs where scan_id = 1").fetchone()[0]
    assert n == len(records)
    status = con.execute("select status from scans where id = 1").fetchone()[0]
    assert status == "complete"
    rec = records["org001"]
    fails = con.execute("select count(*) from findings where scan_id = 1 and org_id = 'org001' and status = 'fail'"
                        ).fetchone()[0]
    assert fails == sum(1 for f in rec["findings"] if f["status"] == "fail")


def test_show_report_rescore(bed, scan):
    records, _, db = scan
    show = subprocess.run([vitals_bin(), "show", "org001", "--db", str(db), "--no-color"], text=True,
                          capture_output=True, timeout=60)
    assert show.returncode == 0, show.stderr
    assert records["org001"]["name"] in show.stdout
    report = bed / "report.html"
    r = subprocess.run([vitals_bin(), "report", "--db", str(db), "-o", str(report)], text=True,
                       capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    html = report.read_text()
    assert "<svg" in html and "<script" not in html
    rs = subprocess.run([vitals_bin(), "rescore", "--scan", "1", "--method", "v1", "--db", str(db)], text=True,
                        capture_output=True, timeout=120)
    assert rs.returncode == 0, rs.stderr
    assert "org001" in rs.stdout


def test_malformed_targets_lines_are_reported_and_skipped(bed, tmp_path):
    targets = tmp_path / "t.csv"
    targets.write_text("org_id,name,domain\n"
                       "# a comment\n"
                       "org001,Good One,org001.test\n"
                       "broken line without commas\n"
                       "\n"
                       "org002,Bad Domain,not a domain\n"
                       "nosuch,Unresolvable Clinic,nosuch-clinic.test\n"
                       "multi,\"Two Sites, One Clinic\",org003.test,org004.test\n")
    out = tmp_path / "o.ndjson"
    p = subprocess.run(scan_args(bed, tmp_path / "t.db", ["-o", str(out), str(targets)]), text=True,
                       capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert f"{targets}:4:" in p.stderr and f"{targets}:6:" in p.stderr
    recs = stream_orgs(out)
    assert set(recs) == {"org001", "nosuch", "multi"}
    assert recs["multi"]["name"] == "Two Sites, One Clinic"
    # svc.* findings are one per swept address of the domain (apex, www, MX...), which these differ in
    by_domain = collections.Counter(f["domain"] for f in recs["multi"]["findings"] if not f["check"].startswith("svc."))
    apex = sum(1 for f in recs["org001"]["findings"] if f["domain"] == "org001.test" and not f["check"].startswith("svc."))
    assert by_domain["org003.test"] == by_domain["org004.test"] == apex
    dns = [f for f in recs["nosuch"]["findings"] if f["check"].startswith("dns.")]
    assert dns and all(f["status"] == "indeterminate" for f in dns)


def test_unwritable_db_fails_before_scanning(bed, tmp_path):
    p = subprocess.run(scan_args(bed, tmp_path / "no" / "such" / "dir.db", [str(bed / "targets.csv")]),
                       text=True, capture_output=True, timeout=60)
    assert p.returncode == 4
    assert "cannot use database" in p.stderr
    assert "organizations graded" not in p.stderr


def test_sigint_saves_what_was_collected_and_resume_completes(bed, manifest, tmp_path):
    db = tmp_path / "int.db"
    out = tmp_path / "int.ndjson"
    proc = subprocess.Popen(scan_args(bed, db, ["--concurrency", "4", "-o", str(out), str(bed / "targets.csv")]),
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if out.exists() and len(out.read_text().splitlines()) >= 5:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 5, err
    lines, meta = read_stream(out)
    assert meta["status"] == "interrupted"
    con = sqlite3.connect(db)
    status, done = con.execute("select status, orgs_done from scans where id = 1").fetchone()
    stored = con.execute("select count(*) from scan_orgs where scan_id = 1").fetchone()[0]
    con.close()
    assert status == "interrupted"
    assert stored == len(lines) == done
    assert 5 <= stored < len(manifest["organizations"])
    p = subprocess.run(scan_args(bed, db, ["--resume", "1", "-o", str(out), str(bed / "targets.csv")]),
                       text=True, capture_output=True, timeout=1800)
    assert p.returncode == 0, p.stderr
    # The stream is continued, not rewritten: every organization exactly once.
    ids = [r["org_id"] for r in read_stream(out)[0]]
    assert sorted(ids) == sorted(o["org_id"] for o in manifest["organizations"])
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from scan_orgs where scan_id = 1").fetchone()[0] == len(
        manifest["organizations"])
    assert con.execute("select status from scans where id = 1").fetchone()[0] == "complete"


def test_shards_partition_the_targets(bed, manifest, tmp_path):
    """--shard i/n slices the seeded order: shards are disjoint and together are the whole scan."""
    seen = []
    for i in range(3):
        out = tmp_path / f"s{i}.ndjson"
        p = subprocess.run(scan_args(bed, tmp_path / f"s{i}.db", ["--shard", f"{i}/3", "--seed", "5", "-o", str(out),
                                                                  str(bed / "targets.csv")]),
                           text=True, capture_output=True, timeout=600)
        assert p.returncode == 0, p.stderr
        seen.append(set(stream_orgs(out)))
    everyone = {o["org_id"] for o in manifest["organizations"]}
    assert seen[0] | seen[1] | seen[2] == everyone
    assert not (seen[0] & seen[1]) and not (seen[1] & seen[2]) and not (seen[0] & seen[2])
    assert all(abs(len(s) - len(everyone) / 3) <= 1 for s in seen)


def test_organization_deadline_cancels_what_is_in_flight(bed, tmp_path):
    """With connections and queries allowed longer than the organization, the organization's
    deadline cancels them: what was under way is indeterminate (timeout), the rest stands."""
    targets = tmp_path / "t.csv"
    targets.write_text("org_id,name,domain\nhostile001,Silent Web,hostile001.test\n"
                       "hostile003,Silent DNS,hostile003.test\n")
    db = tmp_path / "d.db"
    out = tmp_path / "d.ndjson"
    args = scan_args(bed, db, ["-o", str(out), str(targets)])
    args[args.index("--timeout") + 1] = "20000"
    args[args.index("--org-timeout") + 1] = "2500"
    p = subprocess.run(args, text=True, capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr
    recs = stream_orgs(out)
    web = [f for f in recs["hostile001"]["findings"] if f["check"].startswith(("web.", "tls."))]
    assert web and all(f["status"] == "indeterminate" for f in web)
    # the web probe's checks were under way; the deep-TLS ones say whether their probe ran
    import expect
    assert all(f["reason"] == "timeout" for f in web if f["check"] in expect.WEB_CHECKS)
    assert all(f["reason"] in ("timeout", "not_observed") for f in web)
    assert statuses(recs["hostile001"])["dns.spf.present"]["status"] == "pass"
    assert all(f["status"] == "indeterminate" for f in recs["hostile003"]["findings"])
    con = sqlite3.connect(db)
    doc = json.loads(con.execute("select doc from observations where org_id = 'hostile001'").fetchone()[0])
    web = next(w for w in doc["webs"] if w["host"] == "hostile001.test")
    assert web["https"]["error"] == "organization deadline"
    assert web["tls"]["error"] == "organization deadline"


def test_observations_follow_the_modules_declared_schemas(scan):
    """Every path a scan stored in a domain document is one some probe module declares
    (tests/unit/test_probes --list), and the engine's own: a module cannot write evidence
    its declaration (and so docs/OBSERVATIONS.md) does not name."""
    import pathlib
    _, _, db = scan
    lister = pathlib.Path(vitals_bin()).parent / "tests" / "test_probes"
    assert lister.exists(), f"{lister} is built with the unit tests"
    declared = {line.split()[1] for line in subprocess.run([str(lister), "--list"], capture_output=True,
                                                           text=True, check=True).stdout.splitlines()}
    con = sqlite3.connect(db)
    seen = set()
    for (doc,) in con.execute("select doc from observations where scan_id = 1"):
        d = json.loads(doc)
        for key, value in d.items():
            if isinstance(value, dict):
                seen |= {f"{key}.{k}" for k in value}
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                seen |= {f"{key}[].{k}" for v in value for k in v}
            else:
                seen.add(key)
    undeclared = seen - declared - {"domain", "started"}
    assert not undeclared, f"stored but declared by no module: {sorted(undeclared)}"
    assert {"dns.soa", "dns.axfr", "webs[].tls", "webs[].redirects", "assets[].why"} <= seen
