"""Workers: the findings do not depend on how many engines scan.

The session's full scan runs with the default number of workers (the processors
online); this one scans the same testbed with --workers 1 and then with --workers 3, and
every verdict must be the same (where a deadline struck in one run only, a loaded
machine timed out differently, and those are counted and must stay rare).
"""
import subprocess

from conftest import scan_args, stream_orgs, verdicts

# What a loaded machine can make of a lookup or a connection in one run only: the resolver
# gives up (timeout) or its upstream query did and it answers SERVFAIL.
LOAD = ("timeout", "servfail")


def compare(a, b):
    timeouts = compared = 0
    for org in a:
        va, vb = verdicts(a[org]), verdicts(b[org])
        # An address lookup that failed under load in one run only leaves that host unreached
        # there (no address: an endpoint of its own) and probed on its addresses in the other.
        # Both directions are judged on both runs' whole verdicts: the unreached host's
        # timeout is in one run, its addresses' verdicts in the other.
        alone = {id(mine): [k for k in mine if k not in theirs] for mine, theirs in ((va, vb), (vb, va))}
        for mine, theirs in ((va, vb), (vb, va)):
            hosts = {k[1] for k in alone[id(mine)]}
            timed_out = any(v[1] in LOAD and k[1] in hosts for d in (va, vb) for k, v in d.items())
            if alone[id(mine)] and not timed_out:
                # Say what each run saw of those hosts: the verdicts and the assets' lookups.
                other = sorted((k, v) for k, v in theirs.items() if k[1] in hosts)
                seen = [[x for x in r[org].get("assets", []) if x.get("host") in hosts] for r in (a, b)]
                raise AssertionError(f"{org}: only in one run: {alone[id(mine)][:3]}; the other: {other[:3]}; "
                                     f"assets {seen}")
            timeouts += len(alone[id(mine)])
        for mine in (va, vb):
            for k in alone[id(mine)]:
                del mine[k]
        for k in va:
            compared += 1
            if va[k] != vb[k] and (va[k][1] in LOAD or vb[k][1] in LOAD):
                timeouts += 1
            else:
                assert va[k] == vb[k], (org, k, va[k], vb[k])
    return compared, timeouts


def test_one_worker_and_several_find_the_same(bed, manifest, scan, tmp_path):
    full, _, _ = scan
    for n in (1, 3):
        out = tmp_path / f"w{n}.ndjson"
        p = subprocess.run(scan_args(bed, tmp_path / f"w{n}.db", ["--workers", str(n), "-o", str(out),
                                                                  str(bed / "targets.csv")]),
                           text=True, capture_output=True, timeout=1800)
        assert p.returncode == 0, p.stderr[-3000:]
        recs = stream_orgs(out)
        assert set(recs) == set(full)
        compared, timeouts = compare(recs, full)
        print(f"\n--workers {n}: {compared} verdicts compared with the default, {timeouts} differ by a timeout")
        assert timeouts <= compared // 100
