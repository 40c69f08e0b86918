#!/usr/bin/python3
"""Deep TLS: vitals against sslscan and testssl.sh on the same endpoints, in one run.

    /usr/bin/python3 bench/tls.py DIR [--vitals BIN] [--sslscan-sample N] [--testssl-sample N]

DIR is a running testbed (`testbed.py up ... --tls-cases`). The script

1. scans DIR/targets-assets.csv with `vitals scan --tls off`, then `--tls full` (every
   organization, every HTTPS endpoint enumerated: each accepted suite of each version) and
   the default sector sweep, and reads the endpoints each assessed (tls_scans with service
   https) and the connections each cost; the difference from `off` is what deep TLS costs;
2. runs sslscan on those endpoints one host at a time, as users run it (all of them, or the
   first N), and testssl.sh on a small sample (about 20 s a host);
3. runs `vitals tls --depth full` (and `--depth sweep`) on exactly the endpoints sslscan was
   run on (the address, and the host name as SNI where the scan had one): apples to apples,
   with the CPU of vitals and of the testbed's servers and the connections per endpoint;
4. compares the verdicts (protocols and cipher classes) of vitals' full enumeration, and of
   `vitals tls`, with sslscan's on every endpoint both assessed, and prints endpoints per
   second for each, the ratios, connections per endpoint and vitals' peak RSS per 1,000
   endpoints in flight.

vitals' time is its whole scan (DNS, web, mail, the deep TLS of every endpoint), so the
first ratio is conservative; the second divides by the time deep TLS adds to the scan. Everything runs on 127.0.0.0/8. Prints figures; asserts nothing.
"""

import argparse
import datetime
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "peers"))
import peers  # noqa: E402


def bed_cpu(bed):
    """CPU seconds used so far by the testbed's servers: every process whose command line
    names DIR (nginx and knot masters, gnutls-serv, socat, postfix) and their children
    (nginx's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    procs = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
            st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        procs[pid] = (cmd, st[1], int(st[11]) + int(st[12]))  # ppid, utime + stime
    ours = {pid for pid, (cmd, _, _) in procs.items() if str(bed) in cmd}
    ours |= {pid for pid, (_, ppid, _) in procs.items() if ppid in ours}
    return sum(procs[p][2] for p in ours) / tick


def run_vitals(vitals, bed, depth, tag):
    """(wall seconds, peak RSS KiB, organizations, database) of one scan of targets-assets.csv."""
    db, out = bed / f"bench-tls-{tag}.db", bed / f"bench-tls-{tag}.ndjson"
    for p in (db, out):
        if p.exists():
            p.unlink()
    timef = bed / f"bench-tls-{tag}.time"
    cmd = ["/usr/bin/time", "-f", "%e %M %U %S", "-o", str(timef), vitals, "scan", "--scope", "127.0.0.0/8",
           "--root-hints", str(bed / "root.hints"), "--trust-anchor", str(bed / "root.key"),
           "--ca-file", str(bed / "ca.pem"), "--db", str(db), "-o", str(out), "--no-progress",
           "--tls", depth, str(bed / "targets-assets.csv")]
    before = bed_cpu(bed)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers = bed_cpu(bed) - before
    secs, kb, user, sys_ = timef.read_text().split()
    print(f"  {tag:5}: wall {float(secs):.1f} s; CPU vitals {float(user) + float(sys_):.1f} s, "
          f"the testbed's servers {servers:.1f} s (2 cores)")
    recs = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    return float(secs), int(kb), sum(1 for r in recs if r.get("type") == "organization"), db


def run_tls(vitals, bed, keys, depth):
    """`vitals tls --depth DEPTH` on the endpoints `keys` ((host or address, address) pairs):
    (wall seconds, {key: its line}); prints its CPU, the servers' CPU and connections."""
    eps, out, timef = bed / "bench-tls-eps.txt", bed / f"bench-tls-cmd-{depth}.ndjson", bed / "bench-tls-cmd.time"
    eps.write_text("".join(f"{a} sni={h}\n" if h != a else f"{a}\n" for h, a in keys))
    cmd = ["/usr/bin/time", "-f", "%e %M %U %S", "-o", str(timef), vitals, "tls", "--scope", "127.0.0.0/8",
           "--root-hints", str(bed / "root.hints"), "--trust-anchor", str(bed / "root.key"),
           "--ca-file", str(bed / "ca.pem"), "--depth", depth, "-o", str(out), "-f", str(eps)]
    before = bed_cpu(bed)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers = bed_cpu(bed) - before
    secs, kb, user, sys_ = timef.read_text().split()
    lines = [json.loads(x) for x in out.read_text().splitlines() if x.strip()]
    got = {(r.get("host") or r["addr"], r["addr"]): r for r in lines}
    conns = [r.get("connections", 0) for r in lines]
    print(f"vitals tls --depth {depth:5}: {len(lines)} endpoints in {float(secs):.2f} s = "
          f"{len(lines) / float(secs):.1f} endpoints/s; CPU vitals {float(user) + float(sys_):.1f} s, "
          f"servers {servers:.1f} s; connections per endpoint mean {statistics.mean(conns or [0]):.1f}, "
          f"median {statistics.median(conns or [0]):.0f}, max {max(conns or [0])}; peak RSS {int(kb) / 1024:.0f} MiB")
    return float(secs), got


def tls_scans(db):
    """Every https tls_scans object the scan stored, keyed (host or address, addr)."""
    out = {}
    con = sqlite3.connect(db)
    for (doc,) in con.execute("select doc from observations"):
        for s in json.loads(doc).get("tls_scans") or []:
            if s.get("service") == "https":
                out[(s.get("host") or s["addr"], s["addr"])] = s
    con.close()
    return out


def vitals_verdict(s):
    """A tls_scans object in peers.py's verdict vocabulary (protocols and classes)."""
    classes = s.get("classes") or {}
    return {"protocols": dict(s.get("protocols") or {}),
            "classes": sorted(k for k, v in classes.items() if v)}


def facts(s):
    """What a full enumeration concludes about an endpoint, for comparing two of them."""
    return {k: s.get(k) for k in ("status", "protocols", "classes", "dh_bits", "dhe", "groups", "pq", "suites",
                                  "server_order", "ocsp_stapled")}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--vitals", default=str(ROOT / "build" / "vitals"))
    ap.add_argument("--sslscan-sample", type=int, default=0, help="sslscan on the first N endpoints (0: all)")
    ap.add_argument("--testssl-sample", type=int, default=2)
    a = ap.parse_args(argv)
    bed = Path(a.dir)
    manifest = json.loads((bed / "manifest.json").read_text())

    off_s, off_kb, _, _ = run_vitals(a.vitals, bed, "off", "off")
    full_s, full_kb, full, full_db = run_vitals(a.vitals, bed, "full", "full")
    sweep_s, sweep_kb, _, sweep_db = run_vitals(a.vitals, bed, "sweep", "sweep")
    eps_full, eps_sweep = tls_scans(full_db), tls_scans(sweep_db)
    ok = {k: s for k, s in eps_full.items() if s.get("status") == "ok"}
    conns_full = [s.get("connections", 0) for s in eps_full.values()]
    conns_sweep = [s.get("connections", 0) for s in eps_sweep.values()]
    print(f"vitals --tls full : {full} organizations, {len(eps_full)} https endpoints ({len(ok)} ok) "
          f"in {full_s:.1f} s = {len(eps_full) / full_s:.1f} endpoints/s, peak RSS {full_kb / 1024:.0f} MiB; "
          f"connections per endpoint median {statistics.median(conns_full or [0]):.0f}, max {max(conns_full or [0])}")
    print(f"vitals --tls off  : the same scan without deep TLS in {off_s:.1f} s, peak RSS {off_kb / 1024:.0f} MiB "
          f"(deep TLS costs {full_s - off_s:.1f} s full, {sweep_s - off_s:.1f} s sweep: "
          f"{len(eps_full) / max(full_s - off_s, 0.1):.0f} and {len(eps_sweep) / max(sweep_s - off_s, 0.1):.0f} "
          f"endpoints/s at the margin)")
    print(f"vitals --tls sweep: {len(eps_sweep)} https endpoints in {sweep_s:.1f} s = "
          f"{len(eps_sweep) / sweep_s:.1f} endpoints/s, peak RSS {sweep_kb / 1024:.0f} MiB; "
          f"connections per endpoint median {statistics.median(conns_sweep or [0]):.0f}, max {max(conns_sweep or [0])}")

    # sslscan one host at a time on vitals' endpoints (those that answered TLS)
    now = datetime.datetime.now(datetime.timezone.utc)
    keys = sorted(ok)
    if a.sslscan_sample:
        keys = keys[:a.sslscan_sample]
    t0, cpu0 = time.monotonic(), bed_cpu(bed)
    disagree, compared, verdicts = [], 0, {}
    for host, addr in keys:
        ep = {"host": host, "addr": addr, "port": 443}
        verdict, _secs = peers.run_sslscan(ep, now)
        mine = vitals_verdict(ok[(host, addr)])
        for field in ("protocols", "classes"):
            compared += 1
            theirs = verdict.get(field)
            if field == "protocols":
                # SSLv3: Debian's sslscan cannot offer it (peers README, "Limitations")
                theirs = {p: v for p, v in (theirs or {}).items() if p != "SSLv3"}
                mine_f = {p: v for p, v in mine[field].items() if p != "SSLv3"}
            else:
                theirs, mine_f = sorted(theirs or []), mine[field]
            if theirs != mine_f:
                disagree.append(f"{host} {addr} {field}: vitals {mine_f}, sslscan {theirs}")
        verdicts[(host, addr)] = verdict
    ssl_s, ssl_cpu = time.monotonic() - t0, bed_cpu(bed) - cpu0
    ssl_rate = len(keys) / ssl_s if ssl_s else 0.0
    print(f"sslscan (one at a time): {len(keys)} endpoints in {ssl_s:.1f} s = {ssl_rate:.2f} endpoints/s; "
          f"the testbed's servers used {ssl_cpu:.1f} s CPU")
    tls_s, tls_full = run_tls(a.vitals, bed, keys, "full")
    run_tls(a.vitals, bed, keys, "sweep")
    tls_rate = len(keys) / tls_s if tls_s else 0.0
    if ssl_rate:
        print(f"ratio vitals tls --depth full / sslscan, the same {len(keys)} endpoints: {tls_rate / ssl_rate:.1f}x")
    tls_differ = [k for k in keys if k not in tls_full or facts(tls_full[k]) != facts(ok[k])]
    print(f"vitals tls vs the scan's full enumeration (protocols, classes, DH, groups, suites, order): "
          f"{len(keys) - len(tls_differ)} of {len(keys)} endpoints agree")
    for k in tls_differ[:10]:
        mine, theirs = facts(tls_full.get(k, {})), facts(ok[k])
        print(f"  {k}: " + "; ".join(f"{f} tls {mine[f]} scan {theirs[f]}" for f in mine if mine[f] != theirs[f]))

    cases = manifest.get("tls_cases", {}).get("endpoints", [])[:a.testssl_sample]
    if cases:
        t0 = time.monotonic()
        for c in cases:
            peers.run_testssl(c, manifest["tls_cases"]["ca"], now)
        ts_s = time.monotonic() - t0
        print(f"testssl.sh (one at a time): {len(cases)} endpoints in {ts_s:.1f} s = {len(cases) / ts_s:.3f} endpoints/s")
    else:
        ts_s = 0.0
    full_rate = len(eps_full) / full_s
    margin = len(eps_full) / max(full_s - off_s, 0.1)
    if ssl_rate:
        print(f"ratio vitals full / sslscan: {full_rate / ssl_rate:.1f}x (whole scan), "
              f"{margin / ssl_rate:.1f}x (deep TLS at the margin)")
    else:
        print("ratio: no sslscan run")
    if cases and ts_s:
        print(f"ratio vitals full / testssl.sh: {full_rate / (len(cases) / ts_s):.0f}x")
    if full_kb and eps_full:
        print(f"peak RSS per 1,000 endpoints: {full_kb / 1024 / len(eps_full) * 1000:.0f} MiB (full), "
              f"{sweep_kb / 1024 / max(len(eps_sweep), 1) * 1000:.0f} MiB (sweep)")
    print(f"verdicts vitals full vs sslscan: {compared - len(disagree)} of {compared} fields agree")
    for line in disagree[:20]:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
