"""The attack surface: every asset and every (host, address) the scanner probes, per organization.

The testbed's targets-assets.csv gives each organization's domain plus its given hosts (a
shared telehealth vendor portal, extra hosts of its own) and given addresses. The scanner must
report each asset with its reason (expect.expected_assets) and judge every tls.*/web.* check on
every endpoint it probes (expect.expected_endpoint_checks): apex and www on each address, the
given hosts and addresses. The vendor portal, listed by many organizations, is measured once
per scan. An IPv6 testbed, in a network namespace of its own, adds AAAA endpoints.

The NDJSON record of an organization has "assets": [{"host": name | "addr": address, "why":
["apex of D", "www of D", "mx of D", "ns of D", "given", "redirect from H"], "addrs": [...]}]
(docs/OUTPUT.md); asset_pairs reads it as (name, reason) pairs.
"""
import collections
import json
import subprocess
import sys

import pytest

from conftest import TESTBED, finding_at, scan_args, stream_orgs
import expect


def asset_pairs(rec):
    return {((a.get("host") or a.get("addr")).rstrip(".").lower(), why.split(" ")[0])
            for a in rec.get("assets", []) for why in a["why"]}


def new_lines(path, offset):
    """Lines appended to `path` after byte `offset`."""
    if not path.exists():
        return []
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace").splitlines()


def scan_assets(bed, db, targets, extra=()):
    out = db.with_suffix(".ndjson")
    p = subprocess.run(scan_args(bed, db, [*extra, "-o", str(out), str(targets)]), text=True,
                       capture_output=True, timeout=1800)
    print(p.stderr[-3000:])
    assert p.returncode == 0, f"scan failed ({p.returncode}):\n{p.stderr[-3000:]}"
    return stream_orgs(out)


@pytest.fixture(scope="module")
def asset_scan(bed, manifest):
    """One scan of targets-assets.csv: (records by org_id, the vendor portal's log lines of it)."""
    log = bed / "logs" / "vendor-access.log"
    before = log.stat().st_size if log.exists() else 0
    records = scan_assets(bed, bed / "assets.db", bed / "targets-assets.csv")
    return records, new_lines(log, before)


def endpoint_agreement(manifest, records):
    """(agree per check, disagreement lines per check, endpoints compared)."""
    agree, disagree, endpoints = collections.Counter(), collections.defaultdict(list), 0
    for org in manifest["organizations"]:
        want_all = expect.expected_endpoint_checks(org)
        if want_all:
            assert org["org_id"] in records, f"{org['org_id']} missing from the scan output"
        for (host, addr), want in sorted(want_all.items()):
            endpoints += 1
            for check, status in sorted(want.items()):
                f = finding_at(records[org["org_id"]], check, host, addr)
                have = f["status"] if f else "missing"
                if have == status:
                    agree[check] += 1
                else:
                    detail = f"{f.get('reason') or ''} {f['detail']}" if f else ""
                    disagree[check].append(f"{org['org_id']} {host} @ {addr}: want {status}, got {have} {detail}")
    print(f"\n{endpoints} endpoints\n{'check':28} {'agree':>6} {'disagree':>9}")
    for check in sorted(set(agree) | set(disagree)):
        print(f"{check:28} {agree[check]:6} {len(disagree.get(check, [])):9}")
    return agree, disagree, endpoints


def test_every_check_on_every_endpoint_agrees_with_the_manifest(manifest, asset_scan):
    records, _ = asset_scan
    agree, disagree, endpoints = endpoint_agreement(manifest, records)
    problems = [line for lines in disagree.values() for line in lines[:5]]
    assert not problems, "disagreements with the manifest:\n" + "\n".join(problems)
    regular = [o for o in manifest["organizations"] if not o["trap"] and not o["hostile"] and not o.get("tls_case") and not o.get("svc_case")]
    # more endpoints than organizations: www, second apex addresses, given hosts and addresses
    assert endpoints > len(regular)
    assert sum(agree.values()) == endpoints * len(expect.WEB_CHECKS)


def test_every_asset_is_reported_with_its_reason(manifest, asset_scan):
    records, _ = asset_scan
    wrong = []
    for org in manifest["organizations"]:
        want = expect.expected_assets(org)
        if not want:
            continue
        got = asset_pairs(records[org["org_id"]])
        if got != want:
            wrong.append(f"{org['org_id']}: missing {sorted(want - got)}, unexpected {sorted(got - want)}")
    assert not wrong, f"{len(wrong)} organizations' assets differ, e.g.:\n" + "\n".join(wrong[:10])


def test_the_shared_vendor_portal_is_measured_once_per_scan(bed, manifest, asset_scan, tmp_path):
    """Many organizations list the same vendor portal: its server sees one measurement's
    requests in the whole scan, as many as in a scan of one organization listing it."""
    records, full_lines = asset_scan
    vendor = manifest["vendor"]
    listed = vendor["listed_by"]
    assert len(listed) >= 2, "the testbed must have several organizations listing the portal"
    first = next(o for o in manifest["organizations"] if o["org_id"] == listed[0])
    one = tmp_path / "one.csv"
    one.write_text(f"org_id,name,domain,hosts\n{first['org_id']},{first['name']},{first['domain']},{vendor['host']}\n")
    log = bed / "logs" / "vendor-access.log"
    before = log.stat().st_size if log.exists() else 0
    scan_assets(bed, tmp_path / "one.db", one)
    one_lines = new_lines(log, before)
    print(f"\nvendor portal requests: {len(full_lines)} in the scan of {len(records)} organizations "
          f"({len(listed)} list it), {len(one_lines)} in a scan of one")
    assert one_lines, "the vendor portal was not contacted"
    assert len(full_lines) == len(one_lines), "\n".join(full_lines)
    # and every organization listing it carries the same verdicts for it
    verdicts = {oid: sorted((f["check"], f.get("endpoint"), f["status"]) for f in records[oid]["findings"]
                            if f["domain"] == vendor["host"]) for oid in listed}
    assert verdicts[listed[0]] and all(v == verdicts[listed[0]] for v in verdicts.values()), verdicts


def unshare_works():
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not unshare_works(), reason="unshare -n is not permitted here: no private namespace for IPv6")
def test_ipv6_endpoints_are_probed_and_agree(tmp_path):
    """A 20-organization testbed with AAAA records on fd00:7669::/64, in a network namespace of
    this test's own (its addresses on lo vanish with it): every AAAA endpoint is probed and
    agrees with the manifest."""
    d = tmp_path / "v6"
    db = tmp_path / "v6.db"
    args = scan_args(d, db, ["-o", str(tmp_path / "v6.ndjson"), str(d / "targets-assets.csv")])
    args[args.index("--scope") + 1] = "127.0.0.0/8,fd00::/8"
    tb = f"{sys.executable} {TESTBED}"
    script = (f"ip link set lo up && trap '{tb} down --dir {d} >/dev/null' EXIT && "
              f"{tb} up --orgs 20 --seed 11 --no-trap --no-hostile --no-services --ipv6 --dir {d} && "
              + " ".join(f"'{a}'" for a in args))
    p = subprocess.run(["unshare", "-n", "-m", "bash", "-c", script], text=True, capture_output=True, timeout=600)
    print(p.stdout[-2000:], p.stderr[-3000:])
    assert p.returncode == 0, p.stderr[-3000:]
    manifest = json.loads((d / "manifest.json").read_text())
    records = stream_orgs(tmp_path / "v6.ndjson")
    v6 = [(o, k) for o in manifest["organizations"] for k in expect.expected_endpoint_checks(o) if ":" in k[1]]
    assert manifest["ipv6"]["enabled"] and len(v6) >= 5, v6
    assert {k[0] for _, k in v6} & {f"www.{o['domain']}" for o, _ in v6}, "no www has an AAAA endpoint"
    agree, disagree, _ = endpoint_agreement(manifest, records)
    problems = [line for lines in disagree.values() for line in lines[:5]]
    assert not problems, "disagreements with the manifest:\n" + "\n".join(problems)
    probed = {(f["domain"], f.get("endpoint")) for o, _ in v6 for f in records[o["org_id"]]["findings"]}
    assert all(k in probed for _, k in v6), [k for _, k in v6 if k not in probed]
