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
# the deep-TLS cases (tests/testbed/tlscases.py) need gnutls-serv and socat; test_peers skips without
TLS_CASES = all(os.access(b, os.X_OK) for b in ("/usr/bin/gnutls-serv", "/usr/bin/socat"))


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


def read_stream(path):
    """An NDJSON stream: (organization records in order, the final metadata record or None).
    Every line must be whole JSON; a metadata record may only be the last line."""
    orgs, meta = [], None
    lines = pathlib.Path(path).read_text().split("\n")
    assert lines[-1] == "", f"{path}: the stream does not end with a newline"
    for n, line in enumerate(lines[:-1], 1):
        rec = json.loads(line)
        assert meta is None, f"{path}:{n}: a line after the metadata record"
        if rec["type"] == "metadata":
            meta = rec
        else:
            assert rec["type"] == "organization", f"{path}:{n}: unknown record type"
            orgs.append(rec)
    return orgs, meta


def stream_orgs(path):
    """The organization records of a stream, by org_id (each must appear once)."""
    orgs, _ = read_stream(path)
    by_id = {r["org_id"]: r for r in orgs}
    assert len(by_id) == len(orgs), f"{path}: an organization appears twice"
    return by_id


def finding_at(rec, check, domain, endpoint):
    """The finding of `check` on `domain` probed at `endpoint` (the address text for tls.*/web.*
    checks, None for DNS checks), or None; two such findings are an error."""
    mine = [f for f in rec["findings"]
            if f["check"] == check and f["domain"] == domain and f["endpoint"] == endpoint]
    assert len(mine) <= 1, f"{rec['org_id']}: {len(mine)} findings of {check} on {domain} at {endpoint}"
    return mine[0] if mine else None


def statuses(rec):
    """Each check's first finding on the organization's first domain: its DNS findings and the
    web findings of the apex's first endpoint, the posture the manifest describes."""
    got = {}
    for f in rec["findings"]:
        if f["domain"] == rec["domains"][0]:
            got.setdefault(f["check"], f)
    return got


def apex_endpoint(org):
    """The endpoint expect.expected_checks judges tls.*/web.* on: the apex's first address
    (None when it has none: those findings carry no endpoint)."""
    addrs = org.get("apex_addrs", [org["web_addr"]] if org["web_dns"] else [])
    return addrs[0] if addrs else None


def verdicts(rec):
    """(check, domain, endpoint) -> (status, reason) of one organization's record, for comparing two scans."""
    return {(f["check"], f["domain"], f["endpoint"]): (f["status"], f.get("reason")) for f in rec["findings"]}


def agreement(org, rec):
    """check -> None (agrees) or a line saying how the finding disagrees with
    expect.expected_checks(org): DNS checks on the domain, tls.*/web.* on its apex_endpoint."""
    import expect
    out = {}
    for check, want in sorted(expect.expected_checks(org).items()):
        web = check.startswith(("tls.", "web."))
        f = finding_at(rec, check, org["domain"], apex_endpoint(org) if web else None)
        have = f["status"] if f else "missing"
        detail = f"{f.get('reason') or ''} {f['detail']}" if f else ""
        out[check] = None if have == want else f"{org['org_id']}: want {want}, got {have} {detail}"
    return out


def scan_args(bed, db, extra=()):
    return [vitals_bin(), "scan", "--scope", "127.0.0.0/8", "--exclude", TRAP_RANGE,
            "--root-hints", str(bed / "root.hints"), "--trust-anchor", str(bed / "root.key"),
            "--ca-file", str(bed / "ca.pem"), "--db", str(db), "--timeout", "3000",
            "--org-timeout", "40000", "--no-progress", *extra]


@pytest.fixture(scope="session")
def bed(tmp_path_factory):
    d = tmp_path_factory.mktemp("testbed")
    r = testbed("up", "--orgs", str(ORGS), "--seed", str(SEED), "--dir", str(d),
                *(["--tls-cases"] if TLS_CASES else []), check=False)
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
    records = stream_orgs(out)
    _, meta = read_stream(out)
    assert meta is not None and meta["status"] == "complete", meta
    assert meta["counts"]["organizations"] == len(records)
    return records, p, db
