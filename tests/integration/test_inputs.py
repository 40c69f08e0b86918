"""Bad input never hangs and never damages what exists; signals end the scan in every phase;
reading a database never needs write access.

Each bad file is refused with exit 3 and a message naming it, before the database gains a
scan and before the output file is touched; nothing spins (every run has a short timeout).
"""
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import scan_args, stream_orgs, vitals_bin


@pytest.fixture
def prior(bed, tmp_path):
    """A database holding one complete scan and an output file with content, to be kept intact."""
    targets = tmp_path / "one.csv"
    targets.write_text("org_id,name,domain\norg001,One,org001.test\n")
    db, out = tmp_path / "p.db", tmp_path / "p.ndjson"
    p = subprocess.run(scan_args(bed, db, ["-o", str(out), str(targets)]), text=True, capture_output=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    return db, out, out.read_bytes()


def scans_in(db):
    con = sqlite3.connect(db)
    rows = con.execute("select id, status from scans order by id").fetchall()
    con.close()
    return rows


def bad_files(tmp_path, bed):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "empty").write_text("")
    (tmp_path / "big").write_bytes(b"; comment\n" * 200000)
    (tmp_path / "text").write_text("this is not a zone file\n")
    (tmp_path / "binary").write_bytes(b"\x00\x01\x02root")
    return {
        "a directory": (str(tmp_path), "is a directory"),
        "/dev/zero": ("/dev/zero", "a character device, not a file"),
        "a FIFO": (str(fifo), "a FIFO, not a file"),
        "empty": (str(tmp_path / "empty"), "is empty"),
        "over the cap": (str(tmp_path / "big"), "larger than the 1 MiB allowed"),
        "not zone text": (str(tmp_path / "text"), ":1: "),
        "binary": (str(tmp_path / "binary"), "a NUL byte"),
        "missing": (str(tmp_path / "nonexistent"), "No such file or directory"),
    }


@pytest.mark.parametrize("option", ["--root-hints", "--trust-anchor", "--ca-file"])
def test_bad_resolver_and_tls_inputs_are_input_errors_before_anything_is_written(bed, tmp_path, prior, option):
    db, out, content = prior
    before = scans_in(db)
    sub = tmp_path / option.strip("-")
    sub.mkdir()
    for kind, (path, why) in bad_files(sub, bed).items():
        args = scan_args(bed, db, ["-o", str(out), str(bed / "targets.csv")])
        args[args.index(option) + 1] = path
        t0 = time.monotonic()
        p = subprocess.run(args, text=True, capture_output=True, timeout=20)
        took = time.monotonic() - t0
        if option == "--ca-file" and kind in ("over the cap", "not zone text"):
            why = "no PEM certificate"  # under the CA cap of 16 MiB, and not PEM
        assert p.returncode == 3, f"{option} {kind}: exit {p.returncode}\n{p.stderr}"
        assert f"{option} {path}" in p.stderr and why in p.stderr, f"{option} {kind}: {p.stderr}"
        assert took < 10, f"{option} {kind}: took {took:.1f} s"
        assert out.read_bytes() == content, f"{option} {kind}: the output file was touched"
        assert scans_in(db) == before, f"{option} {kind}: a scan was recorded"


def test_trust_anchor_of_the_wrong_kind(bed, tmp_path, prior):
    db, out, content = prior
    args = scan_args(bed, db, ["-o", str(out), str(bed / "targets.csv")])
    args[args.index("--trust-anchor") + 1] = str(bed / "root.hints")
    p = subprocess.run(args, text=True, capture_output=True, timeout=20)
    assert p.returncode == 3 and "not a trust anchor: no DS or DNSKEY record" in p.stderr, p.stderr
    args = scan_args(bed, db, ["-o", str(out), str(bed / "targets.csv")])
    args[args.index("--root-hints") + 1] = str(bed / "root.key")
    p = subprocess.run(args, text=True, capture_output=True, timeout=20)
    assert p.returncode == 3 and "not root hints: no NS record" in p.stderr, p.stderr
    assert out.read_bytes() == content


def test_missing_or_empty_targets_touch_nothing(bed, tmp_path, prior):
    db, out, content = prior
    before = scans_in(db)
    rejected = tmp_path / "bad.csv"
    rejected.write_text("org_id,name,domain\nbroken\nalso,broken\n")
    for targets, code, why in [(tmp_path / "none.csv", 3, "No such file or directory"),
                               (rejected, 3, "no organization to scan (2 lines rejected)"),
                               (tmp_path, 3, "is a directory")]:
        p = subprocess.run(scan_args(bed, db, ["-o", str(out), str(targets)]), text=True, capture_output=True,
                           timeout=20)
        assert p.returncode == code, p.stderr
        assert why in p.stderr, p.stderr
        assert "skipped" not in p.stderr, "nothing was skipped: the whole file was refused"
        assert out.read_bytes() == content and scans_in(db) == before


def test_signals_end_the_scan_in_every_phase(bed, tmp_path):
    # Start-up: blocked reading targets from a FIFO no one writes; SIGINT ignored by the parent
    # (as for a background job) must not keep the scanner from ending.
    fifo = tmp_path / "targets.fifo"
    os.mkfifo(fifo)
    db = tmp_path / "s.db"
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen(scan_args(bed, db, [str(fifo)]), stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        time.sleep(0.5)
        t0 = time.monotonic()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
        print(f"\n{sig.name} while reading targets: ended in {time.monotonic() - t0:.2f} s")
        assert proc.returncode == 5, err
        assert "interrupted before the scan began" in err
        assert not db.exists()
    # Scanning: the hostile organizations hold connections open; the scan ends anyway.
    out = tmp_path / "s.ndjson"
    proc = subprocess.Popen(scan_args(bed, db, ["-o", str(out), str(bed / "targets.csv")]),
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.exists() and out.stat().st_size > 0):
        time.sleep(0.05)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    print(f"SIGTERM while scanning: ended in {time.monotonic() - t0:.2f} s")
    assert proc.returncode == 5, err
    assert scans_in(db) == [(1, "interrupted")]


def unprivileged(*args, **kw):
    return subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *args],
                          text=True, capture_output=True, timeout=120, **kw)


def tree_state(d):
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns, p.read_bytes()) for p in Path(d).iterdir()}


@pytest.fixture
def readable_copy(scan):
    """The full scan's database, in a directory of its own that an unprivileged user can reach,
    with a copy of the binary there too (the build tree may not be reachable)."""
    _, _, db = scan
    d = Path(tempfile.mkdtemp(prefix="vitals-ro-"))
    os.chmod(d, 0o755)
    shutil.copy(db, d / "v.db")
    os.chmod(d / "v.db", 0o644)
    shutil.copy(vitals_bin(), d / "vitals")
    os.chmod(d / "vitals", 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def read_as_nobody(d, records, extra_env=None):
    show = unprivileged(str(d / "vitals"), "show", "org001", "--db", str(d / "v.db"), "--no-color",
                        env={**os.environ, **(extra_env or {})})
    assert show.returncode == 0, show.stderr
    assert records["org001"]["name"] in show.stdout
    report = unprivileged(str(d / "vitals"), "report", "--db", str(d / "v.db"), "-o", "-")
    assert report.returncode == 0, report.stderr
    assert "<svg" in report.stdout


def test_show_and_report_on_a_read_only_file(scan, readable_copy):
    records, _, _ = scan
    d = readable_copy
    os.chmod(d, 0o777)  # the directory is writable; only the file is not
    os.chmod(d / "v.db", 0o444)
    before = tree_state(d)
    read_as_nobody(d, records)
    # Nothing created beside it either: files a reader left there (owned by the reader) would
    # stop the owner's next write.
    assert tree_state(d) == before


def test_show_and_report_in_a_read_only_directory(scan, readable_copy):
    records, _, _ = scan
    d = readable_copy
    os.chmod(d, 0o555)
    before = tree_state(d)
    read_as_nobody(d, records)
    assert tree_state(d) == before, "reading changed the directory"


def test_show_and_report_on_a_read_only_mount(scan, readable_copy):
    records, _, _ = scan
    d = readable_copy
    os.chmod(d, 0o777)
    before = tree_state(d)
    # A private mount namespace: the directory bind-mounted read-only over itself, then read
    # as nobody. Even root could not write there.
    script = (f"mount --bind {d} {d} && mount -o remount,bind,ro {d} {d} && "
              f"touch {d}/probe 2>/dev/null && echo writable; "
              f"exec setpriv --reuid=nobody --regid=nogroup --clear-groups "
              f"{d}/vitals show org001 --db {d}/v.db --no-color")
    p = subprocess.run(["unshare", "-m", "sh", "-c", script], text=True, capture_output=True, timeout=120)
    assert "writable" not in p.stdout, "the mount is not read-only"
    assert p.returncode == 0, p.stderr
    assert records["org001"]["name"] in p.stdout
    assert tree_state(d) == before


def test_output_may_not_be_an_input_or_the_database(bed, tmp_path, prior):
    db, out, content = prior
    before = scans_in(db)
    dbbytes = db.read_bytes()
    for victim in (db, bed / "targets.csv", bed / "root.hints"):
        p = subprocess.run(scan_args(bed, db, ["-o", str(victim), str(bed / "targets.csv")]), text=True,
                           capture_output=True, timeout=20)
        assert p.returncode == 2, p.stderr
        assert f"-o {victim} is the same file as" in p.stderr
    link = tmp_path / "link.db"
    link.symlink_to(db)
    p = subprocess.run(scan_args(bed, db, ["-o", str(link), str(bed / "targets.csv")]), text=True,
                       capture_output=True, timeout=20)
    assert p.returncode == 2, p.stderr
    assert db.read_bytes() == dbbytes and scans_in(db) == before


def test_an_unwritable_output_records_no_scan(bed, tmp_path, prior):
    db, _, _ = prior
    before = scans_in(db)
    p = subprocess.run(scan_args(bed, db, ["-o", str(tmp_path / "no" / "such" / "x.ndjson"),
                                           str(bed / "targets.csv")]), text=True, capture_output=True, timeout=20)
    assert p.returncode == 4, p.stderr
    assert "cannot write" in p.stderr
    assert scans_in(db) == before


def test_a_pipe_as_output_is_written_not_read(bed, tmp_path):
    """-o /dev/stdout into a pipe: the stream is written as it goes, never read back (which would
    wait on the scanner's own pipe)."""
    targets = tmp_path / "t.csv"
    targets.write_text("org_id,name,domain\norg001,One,org001.test\norg002,Two,org002.test\n")
    args = scan_args(bed, tmp_path / "p.db", ["-o", "/dev/stdout", str(targets)])
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stdout.splitlines() if l]
    assert len(lines) == 3 and '"type":"metadata"' in lines[-1]
