"""End-to-end: the TURN probe against the testbed's coturn servers and the hostile emulator.

- What the probe sent, as the real servers saw it (coturn's own verbose log, one line per
  request handled and each session's relay traffic): only Binding, Allocate, CreatePermission
  and Refresh, never a Send indication, a ChannelBind or ChannelData; no byte relayed to or from
  any peer; every allocation freed by a Refresh with lifetime 0.
- The evidence of each case (services[].turn) is what the case is: SOFTWARE, 401 with REALM,
  the permissions per peer class, malformed for the hostile case.
- nmap -sT -sV, as a peer, on a sample of service addresses: open ports and service names agree
  with vitals', or differ for a reason tests/peers/nmap_services.py names.
"""
import json
import re
import sqlite3
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "peers"))
import nmap_services  # noqa: E402
import svc_turn  # noqa: E402

ALLOWED = {"BINDING", "ALLOCATE", "CREATE_PERMISSION", "REFRESH"}


@pytest.fixture(scope="module")
def turn_cases(manifest):
    fam = manifest.get("services", {}).get("families", {}).get("svc_turn")
    if not fam:
        pytest.skip(f"no TURN cases: {manifest.get('services', {}).get('left_out')}")
    return {c["case"]: c for c in fam["cases"]}


@pytest.fixture(scope="module")
def turn_entries(turn_cases, scan):
    """{(addr, port): the turn object} from the session scan's observations."""
    _, _, db = scan
    out = {}
    con = sqlite3.connect(db)
    for (doc,) in con.execute("select doc from observations where scan_id = 1"):
        for e in json.loads(doc).get("services") or []:
            if e["addr"].startswith(svc_turn.NET + ".") and "turn" in e:
                out[(e["addr"], e["port"])] = e["turn"]
    con.close()
    return out


def test_the_probe_asks_permissions_and_relays_nothing(bed, turn_cases, scan):
    requests, sessions, released, peers_asked = {}, 0, 0, 0
    for c in turn_cases.values():
        if not c["server"].startswith("coturn"):
            continue
        log = svc_turn.turn_log(bed, c).read_text(errors="replace")
        # coturn names a request's method in the line, except on some refusals ("incoming packet
        # message processed, error 403"), which it logs a second time under the generic word
        for m, how in re.findall(r"incoming packet (\S+) processed, (\w+)", log):
            if (m, how) != ("message", "error"):
                requests[m] = requests.get(m, 0) + 1
        usage = re.findall(r"peer usage: realm=<[^>]*>, username=<[^>]*>, rp=(\d+), rb=(\d+), sp=(\d+), sb=(\d+)", log)
        assert all(u == ("0", "0", "0", "0") for u in usage), (c["case"], usage)
        sessions += len(usage)
        released += len(re.findall(r"refreshed, realm=<[^>]*>, username=<[^>]*>, lifetime=0", log))
        peers_asked += len(re.findall(r"peer \S+ lifetime updated", log))
    print(f"\nrequests coturn handled: {requests}; sessions {sessions}, allocations freed {released}, "
          f"permissions granted {peers_asked}")
    assert set(requests) <= ALLOWED, requests
    # the scan did reach the servers: the three open-relay ports allocated, permissions were asked, every
    # allocation (one per open-relay port) was freed by the probe itself
    assert requests.get("ALLOCATE", 0) >= 3 and requests.get("CREATE_PERMISSION", 0) >= 6, requests
    assert sessions >= 3 and peers_asked >= 5, (sessions, peers_asked)
    # the probe freed allocations itself (Refresh 0); one cut by the deadline is freed by coturn
    # when the connection closes, and its usage line above still shows nothing relayed
    assert released >= 1, released


def test_each_case_shows_its_configuration(turn_cases, turn_entries):
    a = {name: c["addr"] for name, c in turn_cases.items()}
    open_ = turn_entries[(a["turn_open_relay"], 3478)]
    assert open_["status"] == "ok" and open_["allocate"] == "granted", open_
    assert open_["software"].startswith("Coturn-"), open_
    # every peer answered as coturn's defaults say; on a loaded machine the connection's deadline
    # (the session's 3 s for nine requests in turn) may cut the last ones: at least four answered
    want = {"127.0.0.1": False, "10.0.0.1": True, "172.16.0.1": True, "192.168.0.1": True,
            "169.254.169.254": True, "100.64.0.1": True}
    got = {p["addr"]: p["permitted"] for p in open_["peers"]}
    assert len(got) >= 4 and got == {a: want[a] for a in got}, got
    # freed by the Refresh, or not answered yet when the connection's deadline (the session's 3 s,
    # on a loaded machine) ended the exchange: never refused
    assert open_["released"] in (True, None), open_
    assert turn_entries[(a["turn_open_relay"], 5349)]["tls"] is True
    assert turn_entries[(a["turn_open_relay"], 5349)]["allocate"] == "granted"
    denied = turn_entries[(a["turn_open_filtered"], 3478)]
    assert {p["permitted"] for p in denied["peers"]} == {False}
    assert {p["error"] for p in denied["peers"]} == {403}
    cred = turn_entries[(a["turn_credentials"], 3478)]
    assert (cred["allocate"], cred["allocate_error"], cred["realm"], cred["nonce"]) == (
        "unauthorized", 401, svc_turn.REALM, True)
    assert cred["peers"] is None
    assert turn_entries[(a["turn_malformed"], 3478)]["status"] == "malformed"


def test_nmap_agrees_on_a_sample(bed, manifest, turn_cases, scan, tmp_path):
    """nmap -sT -sV (intensity 0: its port table and the cheapest probes) on one address per
    family and the hostile TURN case."""
    _, _, db = scan
    sample = []
    first = {}  # the first case of each family, from the organisations (families' parts differ)
    for o in manifest["organizations"]:
        if o.get("svc_case"):
            first.setdefault(o["svc_family"], o["svc_addr"])
    sample += list(first.values())
    sample.append(turn_cases["turn_malformed"]["addr"])
    xml, secs = nmap_services.run_nmap(sample, nmap_services.sweep_ports(), tmp_path / "nmap.xml", intensity=0)
    rows = nmap_services.compare(nmap_services.parse_nmap(xml),
                                 nmap_services.vitals_view(nmap_services.vitals_docs(db), sample))
    print(f"\nnmap -sT -sV --version-intensity 0 on {sample}: {secs:.1f} s")
    n = nmap_services.print_rows(rows)
    assert n["different"] == 0, [r for r in rows if r["verdict"] == "different"]
    assert n["agree"] + n["explained"] >= len(sample) - 1 and n["agree"] >= 3, rows


def test_nmap_canned_sample():
    """The parser and the comparison on nmap's XML captured from the TURN cases."""
    nm = nmap_services.parse_nmap((ROOT / "tests" / "peers" / "samples" / "nmap-turn.xml").read_text())
    assert nm["127.40.4.3"][3478] == {"state": "open", "name": "stun", "tunnel": "ssl", "method": "table",
                                      "conf": 3, "product": None, "version": None}
    assert nm["127.40.4.2"][5349]["state"] == "closed"
    view = {"127.40.4.4": {"status": "ok", "open": {3478}, "services": {
        3478: {"addr": "127.40.4.4", "port": 3478, "service": "stun", "turn": {"status": "malformed"}}}},
        "127.40.4.2": {"status": "ok", "open": {3478, 22}, "services": {
            3478: {"addr": "127.40.4.2", "port": 3478, "service": "stun", "turn": {"status": "ok"}}}}}
    rows = {(r["addr"], r["port"]): r["verdict"] for r in nmap_services.compare(nm, view)}
    assert rows == {("127.40.4.2", 22): "different", ("127.40.4.2", 3478): "agree",
                    ("127.40.4.4", 3478): "explained"}
