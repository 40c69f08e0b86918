"""Resume and the result stream: kill -9 at any moment loses nothing and duplicates nothing,
a resumed scan keeps the options it began with, and one scan runs in one process at a time.

Kills inside a record write and between the database commit and the stream write are made
reproducible by the scanner's test hook VITALS_FAULT ("record:N", "commit:N"): the N-th
pass through that point raises SIGKILL. A plain SIGKILL at whatever moment the scan is in
is added on top.
"""
import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import read_stream, scan_args, stream_orgs, verdicts, vitals_bin


def run(args, fault=None, timeout=600):
    env = dict(os.environ)
    env.pop("VITALS_FAULT", None)
    if fault:
        env["VITALS_FAULT"] = fault
    return subprocess.run(args, text=True, capture_output=True, timeout=timeout, env=env)


def db_rows(db, scan_id):
    """Per organization, what the database holds: findings as the stream shows them, overall grade."""
    con = sqlite3.connect(db)
    rows = {}
    for org, dom, check, status, reason, detail, evidence, endpoint in con.execute(
            "select org_id, domain, check_id, status, reason, detail, evidence, endpoint from findings "
            "where scan_id = ? order by rowid", (scan_id,)):
        f = {"check": check, "domain": dom, "status": status, "detail": detail, "evidence": json.loads(evidence),
             "endpoint": endpoint}
        if reason is not None:
            f["reason"] = reason
        rows.setdefault(org, {"findings": []})["findings"].append(f)
    for org, grade, score in con.execute(
            "select org_id, grade, score from scores where scan_id = ? and factor = 'overall'", (scan_id,)):
        rows.setdefault(org, {"findings": []})["overall"] = (grade, score)
    status = con.execute("select status from scans where id = ?", (scan_id,)).fetchone()[0]
    con.close()
    return rows, status


def org_lines(path):
    return sum(1 for line in path.read_bytes().split(b"\n") if line.startswith(b'{"type":"organization"'))


def test_kill9_at_several_moments_then_resume_equals_an_uninterrupted_scan(bed, manifest, scan, tmp_path):
    full, _, _ = scan
    db, out = tmp_path / "k.db", tmp_path / "k.ndjson"
    first = scan_args(bed, db, ["--concurrency", "16", "-o", str(out), str(bed / "targets.csv")])
    resume = [vitals_bin(), "scan", "--resume", "1", "--db", str(db), "--no-progress"]
    started = time.monotonic()

    # 1. Killed inside the write of the 15th record: the stream ends in a torn line.
    p = run(first, fault="record:15")
    assert p.returncode == -signal.SIGKILL, p.stderr
    assert not out.read_bytes().endswith(b"\n"), "the hook should leave a torn last line"
    assert org_lines(out) == 15

    # 2. Resumed, then killed right after the 20th commit, before its line is written.
    p = run(resume, fault="commit:20")
    assert p.returncode == -signal.SIGKILL, p.stderr
    assert "dropped a torn last line" in p.stderr
    stored = sqlite3.connect(db).execute("select count(*) from scan_orgs").fetchone()[0]
    assert out.read_bytes().endswith(b"\n")
    assert org_lines(out) == stored - 1, "the last committed organization has no line yet"

    # 3. Resumed, then killed from outside at whatever moment it has reached.
    proc = subprocess.Popen(resume, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and org_lines(out) < stored + 10:
        time.sleep(0.05)
    proc.kill()
    _, err = proc.communicate(timeout=60)
    assert "appended 1 organization stored but missing from the stream" in err

    # 4. Resumed to the end.
    p = run(resume)
    assert p.returncode == 0, p.stderr
    print(f"\nfour runs with three kills: {time.monotonic() - started:.1f} s")

    orgs, meta = read_stream(out)
    ids = [r["org_id"] for r in orgs]
    assert len(ids) == len(set(ids)), "an organization appears twice in the stream"
    assert set(ids) == set(full), "the resumed stream holds other organizations than an uninterrupted scan"
    assert meta["status"] == "complete" and meta["counts"]["organizations"] == len(full)
    rows, status = db_rows(db, 1)
    assert status == "complete" and set(rows) == set(ids)
    timeouts = compared = 0
    for rec in orgs:
        # Stream and database agree record for record.
        assert rec["findings"] == rows[rec["org_id"]]["findings"], rec["org_id"]
        assert (rec["scores"]["grade"], rec["scores"]["score"]) == rows[rec["org_id"]]["overall"], rec["org_id"]
        # And the verdicts are those of the uninterrupted scan, but where a deadline struck in one of
        # the two runs (a loaded machine times out differently from run to run).
        a, b = verdicts(rec), verdicts(full[rec["org_id"]])
        assert a.keys() == b.keys(), rec["org_id"]
        for k in a:
            compared += 1
            if a[k] != b[k] and "timeout" in (a[k][1], b[k][1]):
                timeouts += 1
            else:
                assert a[k] == b[k], (rec["org_id"], k, a[k], b[k])
    print(f"{compared} verdicts compared, {timeouts} differ by a timeout in one run")
    assert timeouts <= compared // 20


def test_resume_restores_the_exclusions(bed, tmp_path):
    """A resume given --scope again but not --exclude must still exclude: the trap listener on
    the excluded addresses must see nothing, and the trap organizations stay out_of_scope."""
    targets = tmp_path / "t.csv"
    orgs = [f"org{i:03d}" for i in range(1, 9)]
    targets.write_text("org_id,name,domain\n" + "".join(f"{o},{o},{o}.test\n" for o in orgs) +
                       "trap001,Trap One,trap001.test\ntrap002,Trap Two,trap002.test\n")
    db, out = tmp_path / "x.db", tmp_path / "x.ndjson"
    log = bed / "trap.log"
    before = log.read_text()
    p = run(scan_args(bed, db, ["--workers", "1", "--concurrency", "1", "--seed", "3", "-o", str(out), str(targets)]),
            fault="commit:2")
    assert p.returncode == -signal.SIGKILL, p.stderr
    con = sqlite3.connect(db)
    done = {r[0] for r in con.execute("select org_id from scan_orgs")}
    con.close()
    assert not done & {"trap001", "trap002"}, "the traps must be left for the resumed run"
    p = run([vitals_bin(), "scan", "--resume", "1", "--db", str(db), "--scope", "127.0.0.0/8", "--no-progress"])
    assert p.returncode == 0, p.stderr
    assert log.read_text() == before, "the resumed scan contacted an excluded address"
    recs = stream_orgs(out)
    assert set(recs) == set(orgs) | {"trap001", "trap002"}
    for trap in ("trap001", "trap002"):
        web = [f for f in recs[trap]["findings"] if f["check"].startswith(("web.", "tls."))]
        assert web and all(f["reason"] == "out_of_scope" for f in web), trap


@pytest.mark.parametrize("option, value, message", [
    ("--exclude", "127.98.0.0/16", "--exclude: scan 1 was started with '127.99.0.0/16', not '127.98.0.0/16'"),
    ("--shard", "1/2", "--shard: scan 1 was started with 0/1, not 1/2"),
    ("--seed", "9", "--seed: scan 1 was started with 1, not 9"),
    ("--org-timeout", "5000", "--org-timeout: scan 1 was started with 40000, not 5000"),
])
def test_resume_refuses_a_different_scan_defining_option(bed, tmp_path, option, value, message):
    db, out = tmp_path / "o.db", tmp_path / "o.ndjson"
    p = run(scan_args(bed, db, ["--concurrency", "1", "-o", str(out), str(bed / "targets.csv")]), fault="commit:1")
    assert p.returncode == -signal.SIGKILL
    before = out.read_bytes()
    p = run([vitals_bin(), "scan", "--resume", "1", "--db", str(db), option, value])
    assert p.returncode == 2, p.stderr
    assert message in p.stderr
    assert out.read_bytes() == before


def test_resume_refuses_changed_targets_unless_forced(bed, tmp_path):
    targets = tmp_path / "t.csv"
    targets.write_text("org_id,name,domain\norg001,One,org001.test\norg002,Two,org002.test\n")
    db, out = tmp_path / "c.db", tmp_path / "c.ndjson"
    p = run(scan_args(bed, db, ["--concurrency", "1", "-o", str(out), str(targets)]), fault="commit:1")
    assert p.returncode == -signal.SIGKILL
    targets.write_text("org_id,name,domain\norg001,One,org001.test\norg003,Three,org003.test\n")
    p = run([vitals_bin(), "scan", "--resume", "1", "--db", str(db)])
    assert p.returncode == 3, p.stderr
    assert f"{targets} differs from the targets scan 1 began with" in p.stderr and "--force" in p.stderr
    p = run([vitals_bin(), "scan", "--resume", "1", "--db", str(db), "--force"])
    assert p.returncode == 0, p.stderr
    assert len(stream_orgs(out)) == 2


def test_a_second_process_cannot_run_the_same_scan(bed, tmp_path):
    db, out = tmp_path / "b.db", tmp_path / "b.ndjson"
    proc = subprocess.Popen(scan_args(bed, db, ["--concurrency", "1", "--rate", "2", "-o", str(out),
                                                str(bed / "targets.csv")]), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not out.exists() or org_lines(out) < 1):
            time.sleep(0.05)
        before = out.read_bytes()
        p = run([vitals_bin(), "scan", "--resume", "1", "--db", str(db)], timeout=60)
        assert p.returncode == 7, p.stderr
        assert "scan 1 is being run by another vitals process" in p.stderr
        # Through another path to the same file. (A hard link is no path to a WAL database at all:
        # SQLite names the -wal file after the path, so it would not even see the scan.)
        (tmp_path / "sym.db").symlink_to(db)
        p = run([vitals_bin(), "scan", "--resume", "1", "--db", str(tmp_path / "sym.db")], timeout=60)
        assert p.returncode == 7 and "being run by another vitals process" in p.stderr, p.stderr
        # A new scan may not write the running scan's stream either.
        p = run(scan_args(bed, tmp_path / "other.db", ["-o", str(out), str(bed / "targets.csv")]), timeout=60)
        assert p.returncode == 7 and "is being written by another vitals process" in p.stderr, p.stderr
        assert not (tmp_path / "other.db").exists() or sqlite3.connect(tmp_path / "other.db").execute(
            "select count(*) from scans").fetchone()[0] == 0
        assert out.read_bytes()[:len(before)] == before
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 5, err
    # Once the first has ended, the scan can be resumed (and is, to the end).
    p = run([vitals_bin(), "scan", "--resume", "1", "--db", str(db), "--rate", "0", "--concurrency", "32"])
    assert p.returncode == 0, p.stderr


def test_resume_refuses_damaged_stored_options(bed, tmp_path):
    db, out = tmp_path / "d.db", tmp_path / "d.ndjson"
    p = run(scan_args(bed, db, ["--concurrency", "1", "-o", str(out), str(bed / "targets.csv")]), fault="commit:1")
    assert p.returncode == -signal.SIGKILL
    con = sqlite3.connect(db)
    con.execute("update scans set args = json_set(args, '$.shards', 0) where id = 1")
    con.commit()
    con.close()
    before = out.read_bytes()
    p = run([vitals_bin(), "scan", "--resume", "1", "--db", str(db)])
    assert p.returncode == 3, p.stderr
    assert "scan 1's stored options are damaged: shard is out of range" in p.stderr
    assert out.read_bytes() == before


def test_resumed_scan_is_running_again_until_it_ends(bed, tmp_path):
    db, out = tmp_path / "r.db", tmp_path / "r.ndjson"
    targets = tmp_path / "t.csv"
    targets.write_text("org_id,name,domain\norg001,One,org001.test\norg002,Two,org002.test\n")
    p = run(scan_args(bed, db, ["-o", str(out), str(targets)]))
    assert p.returncode == 0
    status = lambda: sqlite3.connect(db).execute("select status from scans where id = 1").fetchone()[0]
    assert status() == "complete"
    # A resume that is killed while it scans leaves the scan running, not complete.
    targets.write_text("org_id,name,domain\norg001,One,org001.test\norg002,Two,org002.test\n"
                       "org003,Three,org003.test\n")
    p = run([vitals_bin(), "scan", "--resume", "1", "--db", str(db), "--force"], fault="commit:1")
    assert p.returncode == -signal.SIGKILL
    assert status() == "running"
    p = run([vitals_bin(), "scan", "--resume", "1", "--db", str(db), "--force"])
    assert p.returncode == 0 and status() == "complete"
    assert set(stream_orgs(out)) == {"org001", "org002", "org003"}
