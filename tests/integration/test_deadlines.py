"""Deadlines, back-pressure and scope details, end to end.

hostile004's servers drip one byte a second (AXFR on its only name server, TLS on 443,
HTTP on 80): every connection must end at its own total deadline (--timeout), so the
organization finishes in about one connection timeout, not at the organization deadline.
trap003/trap004 are delegated to name servers outside the scope (AAAA-only glue; no glue
and an address in the trap range): everything is indeterminate "out_of_scope". A scan
with few file descriptors and many organizations in flight must give the same findings
as an ordinary one: descriptors running out is back-pressure, never an "error" finding.
"""
import json
import os
import resource
import subprocess

from conftest import agreement, read_stream, scan_args, statuses, stream_orgs
import expect

TIMEOUT_S = 3.0  # conftest's --timeout 3000
ROUNDS = 6  # connection deadlines a drip organization may take (see test_dripping_servers_...)


def drip_verdicts(rec):
    got = statuses(rec)
    return {c: (got[c]["status"], got[c].get("reason")) for c in ["dns.axfr.refused"] + expect.WEB_CHECKS}


def test_dripping_servers_end_at_the_connection_deadline(bed, manifest, scan):
    records, _, _ = scan
    rec = records["hostile004"]
    took = rec["finished"] - rec["started"]
    print(f"hostile004 scanned in {took} s (connection timeout {TIMEOUT_S} s, organization deadline 40 s)")
    # hostile004's apex and www share the drip address: the web probe's connections, the deep-TLS
    # probe's first question of each, and the FHIR and PACS-web probes' GETs on its open ports 80 and
    # 443 (found by the port sweep) wait in turn for the four slots per address (--per-address), each
    # slot held for one connection deadline: a few deadlines in all, never the drip's pace
    assert took < TIMEOUT_S * ROUNDS, f"the drip kept hostile004 for {took} s"
    got = drip_verdicts(rec)
    assert got["dns.axfr.refused"] == ("indeterminate", "timeout"), got["dns.axfr.refused"]
    assert got["tls.https.available"] == ("indeterminate", "timeout"), got["tls.https.available"]
    log = [json.loads(line) for line in (bed / "hostile.log").read_text().splitlines()]
    dripped = {e["local"] for e in log if e["behaviour"].startswith("drip")}
    assert {"127.98.0.54:53", "127.98.0.12:443", "127.98.0.12:80"} <= dripped, dripped


def test_drip_verdict_does_not_depend_on_the_timing(bed, manifest, scan, tmp_path):
    """Another connection timeout shifts where the deadline falls in the drip: same verdicts."""
    records, _, _ = scan
    targets = tmp_path / "t.csv"
    targets.write_text("org_id,name,domain\nhostile004,Slow Drip Regional Clinic,hostile004.test\n")
    out = tmp_path / "o.ndjson"
    args = scan_args(bed, tmp_path / "t.db", ["-o", str(out), str(targets)])
    args[args.index("--timeout") + 1] = "1700"
    p = subprocess.run(args, text=True, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    rec = read_stream(out)[0][0]
    print(f"hostile004 with --timeout 1700: {rec['finished'] - rec['started']} s")
    assert rec["finished"] - rec["started"] < 1.7 * ROUNDS
    assert drip_verdicts(rec) == drip_verdicts(records["hostile004"])


def test_delegations_outside_the_scope_are_out_of_scope(manifest, scan):
    records, _, _ = scan
    for oid in ("trap003", "trap004"):
        every = records[oid]["findings"]
        wrong = [(f["check"], f["status"], f.get("reason")) for f in every
                 if (f["status"], f.get("reason")) != ("indeterminate", "out_of_scope")]
        assert every and not wrong, f"{oid}: {wrong}"


def test_few_file_descriptors_are_back_pressure_not_errors(bed, manifest, tmp_path):
    """100 organizations, all allowed in flight at once, with 100 descriptors: the engine
    must hold back and retry, and every check must still agree with the manifest. Without
    the back-pressure about 1,000 findings were "error" / "not_tested" here."""
    orgs = [o for o in manifest["organizations"] if not o["trap"] and not o["hostile"] and not o.get("tls_case") and not o.get("svc_case")][:100]
    targets = tmp_path / "t.csv"
    targets.write_text("org_id,name,domain\n" + "".join(
        f"{o['org_id']},{o['name']},{o['domain']}\n" for o in orgs))
    out = tmp_path / "o.ndjson"
    env = {**os.environ, "VITALS_TEST_CONCURRENCY": "200"}

    def few_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))

    p = subprocess.run(scan_args(bed, tmp_path / "t.db", ["-o", str(out), str(targets)]), text=True,
                       capture_output=True, timeout=600, env=env, preexec_fn=few_fds)
    print(p.stderr[-2000:])
    assert p.returncode == 0, p.stderr[-2000:]
    records = stream_orgs(out)
    assert set(records) == {o["org_id"] for o in orgs}
    wrong = []
    for o in orgs:
        rec = records[o["org_id"]]
        wrong += [f"{check} {v}" for check, v in agreement(o, rec).items() if v is not None]
        wrong += [f"{o['org_id']} {f['check']}: {f['detail']}" for f in rec["findings"]
                  if "open files" in (f.get("detail") or "")]
    assert not wrong, f"{len(wrong)} disagreements, e.g.:\n" + "\n".join(wrong[:10])


def test_non_tls_answer_is_kept_as_evidence(scan):
    """hostile002's 443 sends bytes that are not TLS: kept (64 bytes, hex), and not a verdict."""
    import testbed
    records, _, _ = scan
    f = statuses(records["hostile002"])["tls.https.available"]
    assert (f["status"], f.get("reason")) == ("indeterminate", "not_tls")
    assert f["evidence"]["first_bytes"] == testbed.hostile_garbage()[:64].hex()
