"""End-to-end: the port sweep and the exposed-service probes against the testbed's service cases.

The session scan (conftest) covers the organisations svcK01.. that tests/testbed/services.py adds
(one per case, the case address as their apex) and every other organisation. For each, every
svc.* check's status under the worst-finding roll-up (expect.org_svc_status) must be the one
expect.expected_svc_checks gives: the cases' ground truth, and for everyone else the status of
an address without that service. Agreement is printed per check. The sweep itself must find
each case's ports open, and the servers are checked independently of the scanner.
"""
import collections
import json
import socket
import sqlite3

import pytest

import expect


@pytest.fixture(scope="module")
def svc_orgs(manifest):
    part = manifest.get("services", {})
    if not part.get("enabled"):
        pytest.skip(f"the testbed has no service cases: {part.get('left_out')}")
    return [o for o in manifest["organizations"] if o.get("svc_case")]


def test_the_case_servers_listen(svc_orgs):
    """Independently of vitals: each case's ports accept a connection on the case address."""
    for o in svc_orgs:
        for port in o["svc_ports"]:
            socket.create_connection((o["svc_addr"], port), timeout=3).close()


def test_the_sweep_finds_each_case_port_open(svc_orgs, scan):
    _, _, db = scan
    con = sqlite3.connect(db)
    docs = {org: json.loads(doc) for org, doc in con.execute("select org_id, doc from observations where scan_id = 1")}
    for o in svc_orgs:
        sweeps = [s for s in docs[o["org_id"]].get("port_sweeps", []) if s["addr"] == o["svc_addr"]]
        assert len(sweeps) == 1, f"{o['org_id']}: {o['svc_addr']} swept {len(sweeps)} times"
        assert sweeps[0]["status"] == "ok", sweeps[0]
        assert set(o["svc_ports"]) <= set(sweeps[0]["open"]), (o["org_id"], sweeps[0]["open"])


def test_every_svc_check_agrees_with_the_manifest(manifest, svc_orgs, scan):
    records, _, _ = scan
    agree, disagree = collections.Counter(), collections.defaultdict(list)
    for org in manifest["organizations"]:
        want = expect.expected_svc_checks(org)
        if not want:
            continue
        rec = records[org["org_id"]]
        for check, status in sorted(want.items()):
            have = expect.org_svc_status(rec["findings"], check)
            if have == status:
                agree[check] += 1
            else:
                mine = [f"{f['status']}@{f['endpoint']} {f.get('reason') or ''} {f['detail']}"
                        for f in rec["findings"] if f["check"] == check]
                disagree[check].append(f"{org['org_id']}: want {status}, got {have}: {mine[:3]}")
    print(f"\n{'check':28} {'agree':>6} {'disagree':>9}")
    for check in sorted(set(agree) | set(disagree)):
        print(f"{check:28} {agree[check]:6} {len(disagree.get(check, [])):9}")
    problems = [line for lines in disagree.values() for line in lines[:5]]
    assert not problems, "disagreements with the manifest:\n" + "\n".join(problems)
    # every case's own truth was compared, fail and pass both present
    truths = collections.Counter(s for o in svc_orgs for s in o["svc_truth"].values())
    assert truths[expect.FAIL] and truths[expect.PASS], truths


def test_sshdb_hostile_cases_end_indeterminate(manifest, svc_orgs, scan):
    """Family sshdb's hostile listeners (svc_sshdb.py: silent; 1 MiB of garbage) on 22, 3306, 5432,
    9200 and 27017: every probe of the family ends within its deadline, indeterminate on the case
    address with the probe's own reason (the organisation's roll-up hides it behind its MX's pass)."""
    import svc_sshdb
    records, _, _ = scan
    hostile = [o for o in svc_orgs if o["svc_family"] == "svc_sshdb" and o["svc_case"].startswith("hostile")]
    assert len(hostile) == 2, [o["org_id"] for o in hostile]
    allowed = {"hostile_silent": {"timeout"}, "hostile_garbage": {"malformed", "oversized"}}
    for o in hostile:
        for check in svc_sshdb.CHECKS_ABSENT:
            mine = [f for f in records[o["org_id"]]["findings"]
                    if f["check"] == check and (f.get("endpoint") or "").startswith(o["svc_addr"] + ":")]
            assert len(mine) == 1, (o["org_id"], check, mine)
            assert mine[0]["status"] == expect.INDETERMINATE, (o["org_id"], check, mine[0])
            assert mine[0]["reason"] in allowed[o["svc_case"]], (o["org_id"], check, mine[0])
