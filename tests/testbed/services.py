"""Exposed-service cases of the testbed: the registry of the service families.

Each family is a module svc_<family>.py with
  FAMILY      its number K: its cases live on 127.40.K.0/24, its organisations are svcK01, svcK02...
  cases()     a list of dicts, one per case: "case" (a name), "addr" (127.40.K.N), "ports" (the
              ports its servers listen on), "server" (what serves it), "truth" ({check id: status}
              for the family's svc.* checks on that organisation), anything else the module needs
  available() None, or why its servers cannot run here (its cases are then left out and the
              manifest says why)
  start(d, cases) starts its real servers (daemons.py: pid files and logs under DIR) and returns
              its manifest part (a dict)
The organisation ids are given here, not by the families, so two families never collide:
svc{K}{n:02d} for the n-th case (from 1) of family K.

Every organisation is shaped like a deep-TLS case's (testbed.svc_case_orgs): a signed zone
svcNNN.test whose apex A record is the case address, the shared MX; expect.expected_svc_case
judges its DNS and its svc.* checks (svc_truth), and leaves its web checks alone (the address
serves no web site, or one that is the case's own).
"""

import svc_clinical
import svc_redis
import svc_remote
import svc_sshdb
import svc_turn

FAMILIES = [svc_redis, svc_remote, svc_sshdb, svc_clinical, svc_turn]
RANGE = "127.40.0.0/16"


def cases():
    """(family module, case dict with "id" set) for every case of every family that can run here,
    and {family name: why} for those that cannot."""
    out, off = [], {}
    for fam in FAMILIES:
        why = fam.available()
        if why:
            off[fam.__name__] = why
            continue
        for n, c in enumerate(fam.cases(), 1):
            c = dict(c)
            c["id"] = f"svc{fam.FAMILY}{n:02d}"
            out.append((fam, c))
    return out, off


def start(d, chosen):
    """Starts every family's servers for its chosen cases; the manifest part."""
    part = {"enabled": True, "families": {}}
    for fam in FAMILIES:
        mine = [c for f, c in chosen if f is fam]
        if mine:
            part["families"][fam.__name__] = fam.start(d, mine)
    return part


def markers(d):
    """{pid label: what its command line holds} of every service daemon started (daemons.spawn
    records the program of each svc-* label), for `down` and `status`. A program is no marker of
    this testbed (another testbed runs the same one): use these only with this DIR's pid files."""
    pids = d / "pids"
    if not pids.is_dir():
        return {}
    return {p.stem: p.read_text() for p in sorted(pids.glob("svc-*.cmd"))}

