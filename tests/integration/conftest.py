"""Shared fixtures: one 200-organization testbed and one scan of it per test session.

Everything runs on 127.0.0.0/8 only: the testbed binds there and every scan is
given --scope 127.0.0.0/8 (minus the trap range) and the testbed's root hints.
"""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TESTBED = ROOT / "tests" / "testbed" / "testbed.py"
sys.path.insert(0, str(ROOT / "tests" / "testbed"))

ORGS = int(os.environ.get("VITALS_TEST_ORGS", "200"))
SEED = int(os.environ.get("VITALS_TEST_SEED", "7"))
TRAP_RANGE = "127.99.0.0/16"


def vitals_bin():
    env = os.environ.get("VITALS_BIN")
    if env:
        return env
    for cand in (ROOT / "build-asan" / "vitals", ROOT / "build" / "vitals"):
        if cand.exists():
            return str(cand)
    pytest.fail("no vitals binary: build first or set VITALS_BIN")


def testbed(*args, check=True):
    return subprocess.run([sys.executable, str(TESTBED), *args], check=check, text=True,
                          capture_output=True, timeout=600)


def scan_args(bed, db, extra=()):
    return [vitals_bin(), "scan", "--scope", "127.0.0.0/8", "--exclude", TRAP_RANGE,
            "--root-hints", str(bed / "root.hints"), "--trust-anchor", str(bed / "root.key"),
            "--ca-file", str(bed / "ca.pem"), "--db", str(db), "--timeout", "3000",
            "--org-timeout", "40000", "--no-progress", *extra]


@pytest.fixture(scope="session")
def bed(tmp_path_factory):
    d = tmp_path_factory.mktemp("testbed")
    r = testbed("up", "--orgs", str(ORGS), "--seed", str(SEED), "--dir", str(d), check=False)
    print(r.stdout, r.stderr)
    if r.returncode != 0:
        testbed("down", "--dir", str(d), check=False)
        pytest.fail(f"testbed did not come up:\n{r.stdout}\n{r.stderr}")
    yield d
    testbed("down", "--dir", str(d), check=False)


@pytest.fixture(scope="session")
def manifest(bed):
    return json.loads((bed / "manifest.json").read_text())


@pytest.fixture(scope="session")
def scan(bed):
    """The full scan of the testbed: (records by org_id, completed process, db path)."""
    db = bed / "scan.db"
    out = bed / "scan.ndjson"
    # A proxy from the environment must be ignored: it would fetch from wherever it likes,
    # out of the scope guard's sight. The trap address stands in for one; were it used, every
    # fetch would be refused by the socket-level guard and the manifest agreement would fail.
    trap_proxy = "http://127.99.0.10:80"
    env = {**os.environ, "http_proxy": trap_proxy, "https_proxy": trap_proxy, "HTTPS_PROXY": trap_proxy,
           "ALL_PROXY": trap_proxy, "all_proxy": trap_proxy}
    p = subprocess.run(scan_args(bed, db, ["-o", str(out), str(bed / "targets.csv")]),
                       text=True, capture_output=True, timeout=1800, env=env)
    print(p.stderr[-4000:])
    assert p.returncode == 0, f"scan failed ({p.returncode}):\n{p.stderr[-4000:]}"
    records = {}
    for line in out.read_text().splitlines():
        rec = json.loads(line)
        records[rec["org_id"]] = rec
    return records, p, db
