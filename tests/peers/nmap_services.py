"""nmap as a peer of vitals' port sweep and service probes.

`nmap -sT -sV` (TCP connect, like vitals' sweep, and nmap's service detection) runs on a sample
of testbed service addresses (127.40.0.0/16 only) with vitals' own port list (SWEEP_PORTS in
src/probes/probe_ports.c); its open ports and service names are compared with what vitals
recorded for the same addresses (port_sweeps[].open, services[]: the port list's name and each
probe's status). Every difference is either agreement, a named explanation (EXPLAINED), or
reported as a disagreement: none is dropped.

    /usr/bin/python3 tests/peers/nmap_services.py --db vitals.db 127.40.4.1 127.40.4.3 [--json out.json]

Exit 1 on any disagreement that is not explained.
"""

import argparse
import ipaddress
import json
import pathlib
import re
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parents[2]
NMAP = "/usr/bin/nmap"
ALLOWED = ipaddress.ip_network("127.40.0.0/16")

# vitals' probe -> the names nmap gives that service (after stripping "?" and the ssl/ tunnel)
NMAP_NAMES = {
    "turn": {"stun", "stuns", "turn"},
    "redis": {"redis"},
    "ssh": {"ssh"},
    "postgresql": {"postgresql"},
    "mysql": {"mysql"},
    "ftp": {"ftp"},
    "telnet": {"telnet"},
    "vnc": {"vnc"},
    "rdp": {"ms-wbt-server"},
    "smb": {"microsoft-ds", "netbios-ssn"},
    "elasticsearch": {"http", "elasticsearch"},
    "mongodb": {"mongodb", "mongod"},
}
# vitals' port-list name -> the names nmap's port table gives the same port
PORT_NAMES = {"stun": {"stun"}, "turns": {"stuns"}, "https-alt": {"https-alt"}, "http-alt": {"http-proxy"},
              "smb": {"microsoft-ds"}, "rdp": {"ms-wbt-server"}, "vnc": {"vnc", "vnc-1"}, "hl7": {"hl7"},
              "dicom": {"dicom", "acr-nema", "vrml-multi-use", "dicom-iscl", "dicom-tls"},
              "orthanc": {"unknown"}, "postgresql": {"postgresql"}, "mysql": {"mysql"}}

# (vitals' probe status, nmap's name) pairs whose difference is understood, with the reason.
EXPLAINED = {
    ("turn:malformed", "stun"):
        "vitals: a STUN reply with malformed attributes (the hostile TURN case, indeterminate); nmap has no "
        "TCP probe that parses STUN and names the port from its table ('stun?', method table, conf 3)",
    ("turn:not_turn", "stun"):
        "vitals: something other than STUN answered on 3478; nmap names the port from its table",
}


def sweep_ports(root=ROOT):
    """vitals' port list: {port: name} from SWEEP_PORTS in src/probes/probe_ports.c."""
    text = (root / "src" / "probes" / "probe_ports.c").read_text()
    body = text[text.index("SWEEP_PORTS"):]
    body = body[:body.index("};")]
    return {int(p): n for p, n in re.findall(r'\{(\d+),\s*"([^"]+)"\}', body)}


def run_nmap(addrs, ports, xml_path, intensity=None):
    """nmap -sT -sV on addrs (each inside 127.40.0.0/16): (its XML text, seconds)."""
    for a in addrs:
        if ipaddress.ip_address(a) not in ALLOWED:
            raise ValueError(f"{a} is outside {ALLOWED}: nmap runs on testbed service addresses only")
    cmd = [NMAP, "-sT", "-sV", "-Pn", "-n", "--max-retries", "1", "-p", ",".join(map(str, sorted(ports))),
           "-oX", str(xml_path)]
    if intensity is not None:
        cmd += ["--version-intensity", str(intensity)]
    t0 = time.monotonic()
    subprocess.run(cmd + list(addrs), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=900)
    return pathlib.Path(xml_path).read_text(), time.monotonic() - t0


def parse_nmap(xml_text):
    """{addr: {port: {"state", "name", "tunnel", "method", "conf", "product", "version"}}}."""
    out = {}
    for host in ET.fromstring(xml_text).iter("host"):
        addr = host.find("address").get("addr")
        ports = out.setdefault(addr, {})
        for p in host.iter("port"):
            svc = p.find("service")
            s = svc.attrib if svc is not None else {}
            ports[int(p.get("portid"))] = {
                "state": p.find("state").get("state"), "name": s.get("name"), "tunnel": s.get("tunnel"),
                "method": s.get("method"), "conf": int(s["conf"]) if "conf" in s else None,
                "product": s.get("product"), "version": s.get("version")}
    return out


def vitals_view(docs, addrs):
    """From vitals' domain documents: {addr: {"status", "open": set, "services": {port: entry}}}."""
    view = {a: {"status": None, "open": set(), "services": {}} for a in addrs}
    for d in docs:
        for s in d.get("port_sweeps") or []:
            if s.get("addr") in view:
                view[s["addr"]]["status"] = s.get("status")
                view[s["addr"]]["open"] |= set(s.get("open") or [])
        for e in d.get("services") or []:
            if e.get("addr") in view:
                view[e["addr"]]["services"][e["port"]] = e
    return view


def vitals_docs(db):
    con = sqlite3.connect(db)
    try:
        return [json.loads(r[0]) for r in con.execute("SELECT doc FROM observations")]
    finally:
        con.close()


def _probes(entry):
    """The probe objects of a services entry: {probe: status}."""
    return {k: v.get("status") for k, v in entry.items() if isinstance(v, dict) and "status" in v}


def judge_port(entry, nm):
    """One open port both saw: ("agree" | "explained" | "different", vitals' side, nmap's side, reason)."""
    name = (nm.get("name") or "unknown").rstrip("?")
    nside = (f"{nm['tunnel']}/" if nm.get("tunnel") else "") + name + (" ?" if nm.get("method") == "table" else "")
    probes = _probes(entry)
    ok = [p for p, st in probes.items() if st == "ok"]
    vside = ", ".join(f"{p}:{st}" for p, st in probes.items()) or f"{entry.get('service')} (no probe)"
    if ok:
        if any(name in NMAP_NAMES.get(p, {p}) for p in ok):
            return "agree", vside, nside, ""
    elif name in PORT_NAMES.get(entry.get("service"), {entry.get("service")}) and not probes:
        return "agree", vside, nside, "port names only: neither side read the protocol"
    for p, st in probes.items():
        reason = EXPLAINED.get((f"{p}:{st}", name))
        if reason:
            return "explained", vside, nside, reason
    if ok and nm.get("method") == "table":
        # nmap -sV has no fingerprint for it (DICOM, Orthanc's REST port: FIELD-NOTES): the name is
        # its port table's guess, not a reading of the protocol, which vitals' probe did read
        return "explained", vside, nside, "nmap did not identify it: a guess from its port table"
    return "different", vside, nside, ""


def compare(nmap, view):
    """Rows, one per (address, port) either side reports open, each with its verdict."""
    rows = []
    for addr in sorted(view, key=ipaddress.ip_address):
        v, ports = view[addr], nmap.get(addr, {})
        nopen = {p for p, x in ports.items() if x["state"] == "open"}
        for port in sorted(v["open"] | nopen):
            if port in v["open"] and port in nopen:
                verdict, vs, ns, why = judge_port(v["services"].get(port, {"service": None}), ports[port])
            else:
                verdict, why = "different", "open on one side only"
                vs = "open" if port in v["open"] else f"closed ({v['status']})"
                ns = ports.get(port, {}).get("state", "not scanned")
            rows.append({"addr": addr, "port": port, "verdict": verdict, "vitals": vs, "nmap": ns, "why": why})
    return rows


def print_rows(rows, out=sys.stdout):
    for r in rows:
        print(f"{r['addr']:>15}:{r['port']:<5} {r['verdict']:<10} vitals {r['vitals']:<28} nmap {r['nmap']:<18}"
              f" {r['why']}", file=out)
    n = {k: sum(r["verdict"] == k for r in rows) for k in ("agree", "explained", "different")}
    print(f"{len(rows)} open ports: {n['agree']} agree, {n['explained']} explained, {n['different']} differ",
          file=out)
    return n


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="the vitals database of a scan of these addresses")
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--intensity", type=int, help="nmap --version-intensity (default nmap's, 7)")
    ap.add_argument("addrs", nargs="+")
    a = ap.parse_args(argv[1:])
    xml, secs = run_nmap(a.addrs, sweep_ports(), "/tmp/vitals-nmap-peer.xml", a.intensity)
    rows = compare(parse_nmap(xml), vitals_view(vitals_docs(a.db), a.addrs))
    print(f"nmap -sT -sV: {len(a.addrs)} addresses x {len(sweep_ports())} ports in {secs:.1f} s")
    n = print_rows(rows)
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(rows, indent=1))
    return 1 if n["different"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
