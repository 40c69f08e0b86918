"""Pacing: --per-address 1 keeps at most one connection open to any address, seen from the
server side, and changes no verdict.

A few regular organizations and the two hostile web servers (hostile001 never answers, so
each of its connections lasts until the scanner's deadline; hostile002 floods headers) are
scanned with --per-address 1. The hostile listener logs every accept and every close, so
the connections open at once per address can be counted where they arrive. The session's
full scan (default --per-address 4) is the reference for the verdicts, and its part of the
same log shows that the count does see overlaps when the scanner makes them.
"""
import json
import subprocess
import time

from conftest import read_stream, scan_args, verdicts

REGULAR = ["org001", "org002", "org003", "org004"]
HOSTILE = ["hostile001", "hostile002"]
# The listener handles an accept and a close seen in one select round microseconds apart,
# in either order: closer than this is not an overlap (the real ones last seconds).
SAME_ROUND_S = 0.005


def most_open(log, t0, t1):
    """The most TCP connections open at once per local address, among those accepted in [t0, t1]."""
    opened, events = {}, {}
    for e in log:
        if e["proto"] != "tcp":
            continue
        key = (e["local"], e["peer"])
        if e.get("event") == "close":
            start = opened.pop(key, None)
            if start is not None:
                events.setdefault(e["local"].split(":")[0], []).append((start, e["t"]))
        elif t0 <= e["t"] <= t1:
            opened[key] = e["t"]
    assert not opened, f"connections the listener never saw closed: {opened}"
    most = {}
    for addr, spans in events.items():
        points = [(a, 1) for a, _ in spans] + [(b - SAME_ROUND_S, -1) for _, b in spans]
        n = top = 0
        for _, step in sorted(points, key=lambda p: (p[0], p[1])):
            n += step
            top = max(top, n)
        most[addr] = (top, len(spans))
    return most


def test_one_connection_per_address_and_the_same_verdicts(bed, manifest, scan, tmp_path):
    full, _, _ = scan
    lines = (bed / "targets.csv").read_text().splitlines()
    wanted = set(REGULAR + HOSTILE)
    targets = tmp_path / "t.csv"
    targets.write_text("\n".join([lines[0]] + [l for l in lines[1:] if l.split(",")[0] in wanted]) + "\n")
    out = tmp_path / "p.ndjson"
    args = scan_args(bed, tmp_path / "p.db", ["--per-address", "1", "-o", str(out), str(targets)])
    args[args.index("--timeout") + 1] = "1500"
    t0 = time.time()
    p = subprocess.run(args, text=True, capture_output=True, timeout=300)
    t1 = time.time()
    assert p.returncode == 0, p.stderr[-3000:]
    # The listener logs a close when it reads the EOF: give it a moment after the scan ends.
    time.sleep(0.6)
    log = [json.loads(line) for line in (bed / "hostile.log").read_text().splitlines()]

    paced = most_open(log, t0, t1)
    print(f"\n--per-address 1: most open at once (connections) {paced}")
    for addr in ("127.98.0.10", "127.98.0.11"):
        top, count = paced.get(addr, (0, 0))
        assert count >= 3, f"{addr}: only {count} connections, the limit was not exercised"
        assert top == 1, f"{addr}: {top} connections open at once with --per-address 1"
    before = most_open(log, 0, t0)
    print(f"default (--per-address 4) before it: {before}")
    assert before["127.98.0.10"][0] >= 2, "the default scans never overlapped: the count cannot fail"

    recs = {r["org_id"]: r for r in read_stream(out)[0]}
    assert set(recs) == wanted
    for org in sorted(wanted):
        got, ref = verdicts(recs[org]), verdicts(full[org])
        assert got == ref, (org, {k: (got.get(k), ref.get(k)) for k in set(got) | set(ref)
                                  if got.get(k) != ref.get(k)})
