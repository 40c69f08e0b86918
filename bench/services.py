#!/usr/bin/env python3
"""Exposed services: vitals' port sweep and service probes against nmap, in one run.

On a running testbed DIR (with its service cases): vitals scans the targets twice with the deep
TLS probe off, --services on and off, so the sweep's and probes' cost is the difference; the
addresses swept are those in the scan's port_sweeps. nmap then sweeps the same addresses and
ports with -sT (a TCP connect, as vitals does), and runs -sT -sV (service detection) on the
service addresses. Prints addresses per second, seconds, and ratios; asserts nothing.
"""
import argparse
import json
import pathlib
import sqlite3
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "peers"))
import nmap_services  # noqa: E402


def run_vitals(vitals, bed, targets, services, tag):
    db, out = bed / f"bench-svc-{tag}.db", bed / f"bench-svc-{tag}.ndjson"
    for p in (db, out):
        p.unlink(missing_ok=True)
    cmd = [vitals, "scan", "--scope", "127.0.0.0/8", "--root-hints", str(bed / "root.hints"),
           "--trust-anchor", str(bed / "root.key"), "--ca-file", str(bed / "ca.pem"), "--db", str(db),
           "-o", str(out), "--no-progress", "--tls", "off", "--services", services, str(targets)]
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t0, db


def swept(db):
    """(addresses swept, open ports, service probe objects) from a scan's observations."""
    addrs, opened, probes = set(), 0, 0
    con = sqlite3.connect(db)
    for (doc,) in con.execute("select doc from observations"):
        d = json.loads(doc)
        for s in d.get("port_sweeps") or []:
            if s["addr"] not in addrs:
                addrs.add(s["addr"])
                opened += len(s.get("open") or [])
        probes += sum(1 for e in d.get("services") or [] for v in e.values() if isinstance(v, dict))
    con.close()
    return sorted(addrs), opened, probes


def nmap_time(args, addrs):
    t0 = time.monotonic()
    subprocess.run(["/usr/bin/nmap", *args, "-Pn", "-n", "--max-retries", "1", "-oX", "/dev/null", *addrs],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=3600)
    return time.monotonic() - t0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--targets", help="default DIR/targets-assets.csv")
    ap.add_argument("--vitals", default=str(ROOT / "build" / "vitals"))
    ap.add_argument("--service-addrs", default="", help="addresses for nmap -sV (comma-separated)")
    ap.add_argument("--intensity", type=int, default=7, help="nmap --version-intensity for -sV")
    a = ap.parse_args(argv[1:])
    bed = pathlib.Path(a.dir)
    targets = pathlib.Path(a.targets or bed / "targets-assets.csv")
    t_on, db = run_vitals(a.vitals, bed, targets, "on", "on")
    t_off, _ = run_vitals(a.vitals, bed, targets, "off", "off")
    addrs, opened, probes = swept(db)
    ports = nmap_services.sweep_ports()
    portlist = ",".join(map(str, sorted(ports)))
    t_sweep = nmap_time(["-sT", "-p", portlist], addrs)
    svc = [x for x in a.service_addrs.split(",") if x]
    t_sv = nmap_time(["-sT", "-sV", "--version-intensity", str(a.intensity), "-p", portlist], svc) if svc else 0
    margin = max(t_on - t_off, 1e-3)
    print(f"{len(addrs)} addresses x {len(ports)} ports swept, {opened} open, {probes} service probe objects")
    print(f"vitals scan, --tls off: services on {t_on:.1f} s, off {t_off:.1f} s; "
          f"sweep and probes at the margin {margin:.1f} s")
    print(f"vitals: {len(addrs) / t_on:.1f} addresses/s over the whole scan, "
          f"{len(addrs) / margin:.1f} addresses/s at the margin")
    print(f"nmap -sT (the same sweep): {t_sweep:.1f} s, {len(addrs) / t_sweep:.1f} addresses/s; "
          f"vitals' rate over nmap's: {t_sweep / margin:.2f} at the margin (sweep and probes, "
          f"deadlines of silent services included), {t_sweep / t_on:.2f} for the whole scan")
    if svc:
        print(f"nmap -sT -sV --version-intensity {a.intensity} on {len(svc)} service addresses: {t_sv:.1f} s "
              f"({t_sv / len(svc):.1f} s an address)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
