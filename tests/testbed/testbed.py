#!/usr/bin/python3
"""vitals simulated-sector testbed: a small internet of healthcare organisations on 127.0.0.0/8.

Subcommands:
  up     --orgs N --seed S [--dir DIR] [--no-trap] [--no-hostile] [--tls-cases] [--no-mail] [--no-services]
                                                    stand everything up (idempotent)
  down   [--dir DIR]                                  stop everything this testbed started
  status [--dir DIR]                                  show what runs; exit 0 if up, 1 if not
  evolve --seed S [--dir DIR]                         apply the scripted changes of seed S to the
                                                    running testbed (once; same seed again: no-op)

DIR defaults to $VITALS_TESTBED_DIR, else tests/testbed/run next to this script.
Python 3 standard library only. Every address bound or contacted is in 127.0.0.0/8.
See README.md beside this file for the address plan and the variants.
"""

import argparse
import base64
import csv
import datetime
import fcntl
import hashlib
import json
import os
import random
import resource
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import mail
import services
import tlscases

SCRIPT = Path(__file__).resolve()
SCRIPT_DIR = SCRIPT.parent
DEFAULT_DIR = SCRIPT_DIR / "run"

KNOTD = "/usr/sbin/knotd"
KNOTC = "/usr/sbin/knotc"
NGINX = "/usr/sbin/nginx"
OPENSSL = "/usr/bin/openssl"

# ---------------------------------------------------------------- address plan
ROOT_NS = "ns1.root-servers.test."
ROOT_ADDR = "127.53.0.1"
TLD_NS = "ns1.tld-servers.test."
TLD_ADDR = "127.53.0.2"
NSHOST = {  # name-server hosting provider nshost.test.
    "a.nshost.test.": "127.53.1.1",
    "b.nshost.test.": "127.53.1.2",
    "c.nshost.test.": "127.54.2.1",
    "d.nshost.test.": "127.54.2.2",
}
NS_SAME_NET = [("a.nshost.test.", "b.nshost.test."), ("c.nshost.test.", "d.nshost.test.")]
NS_NET1 = ["a.nshost.test.", "b.nshost.test."]
NS_NET2 = ["c.nshost.test.", "d.nshost.test."]
HELPER_NS = ["a.nshost.test.", "c.nshost.test."]
MAILER_NET = "127.25.0.0/16"
TRAP_WEB_ADDR = "127.99.0.10"
TRAP_NS_NAME = "ns.trap.test."
TRAP_NS_ADDR = "127.99.0.53"
TRAP_RANGE = "127.99.0.0/16"
TRAP_TCP_PORTS = {TRAP_WEB_ADDR: [25, 80, 443], TRAP_NS_ADDR: [53]}
TRAP_UDP_PORTS = {TRAP_NS_ADDR: [53]}
TRAP_V6_NS_NAME = "ns.trap003.test."       # trap003: only AAAA glue, outside any IPv4 scope
TRAP_V6_NS_ADDR = "2001:db8::53"
TRAP_NOGLUE_NS_NAME = "ns.trap001.test."   # trap004: out of zone, no glue, resolves to TRAP_NS_ADDR
# Hostile organisations: servers that misbehave, inside the scan scope (127.98.0.0/24).
HOSTILE_RANGE = "127.98.0.0/24"
HOSTILE_SILENT_WEB_ADDR = "127.98.0.10"   # hostile001: TCP 80/443 accept, never a byte
HOSTILE_HUGE_ADDR = "127.98.0.11"         # hostile002: 80 endless headers, 443 garbage
HOSTILE_NS_NAME = "ns.silent.test."
HOSTILE_NS_ADDR = "127.98.0.53"           # hostile003's only name server: UDP+TCP 53, silent
HOSTILE_DRIP_ADDR = "127.98.0.12"         # hostile004: 80/443 drip a byte a second
HOSTILE_DRIP_NS_NAME = "ns.drip.test."
HOSTILE_DRIP_NS_ADDR = "127.98.0.54"      # hostile004's only NS: UDP relayed to knot, TCP (AXFR) drips
HOSTILE_DRIP_RELAY_TO = "127.53.1.1"      # a.nshost.test., which serves hostile004.test
HOSTILE_HUGE_TLS_ADDR = "127.98.0.13"     # hostile005: 443 a ServerHello, then a 1 MiB Certificate; 80 closed
HOSTILE_ADDRS = {"silent_web": HOSTILE_SILENT_WEB_ADDR, "huge_headers": HOSTILE_HUGE_ADDR,
                 "silent_dns": HOSTILE_NS_ADDR, "drip": HOSTILE_DRIP_ADDR, "huge_tls": HOSTILE_HUGE_TLS_ADDR}
# (address, port) -> what the hostile listener does there
HOSTILE_TCP = {
    (HOSTILE_SILENT_WEB_ADDR, 80): "silent", (HOSTILE_SILENT_WEB_ADDR, 443): "silent",
    (HOSTILE_HUGE_ADDR, 80): "huge_headers", (HOSTILE_HUGE_ADDR, 443): "garbage",
    (HOSTILE_NS_ADDR, 53): "silent",
    (HOSTILE_DRIP_ADDR, 80): "drip_http", (HOSTILE_DRIP_ADDR, 443): "drip_tls",
    (HOSTILE_DRIP_NS_ADDR, 53): "drip_dns",
    (HOSTILE_HUGE_TLS_ADDR, 443): "huge_tls",
}
HOSTILE_UDP = {(HOSTILE_NS_ADDR, 53): "drop", (HOSTILE_DRIP_NS_ADDR, 53): "relay"}
# drip kinds: what is sent, one byte per HOSTILE_DRIP_INTERVAL seconds, never all of it
HOSTILE_DRIP = {
    # a TLS handshake record header announcing 16 KiB, then its body
    "drip_tls": b"\x16\x03\x03\x40\x00\x02\x00\x3f\xfc\x03\x03" + bytes(16373),
    "drip_http": b"HTTP/1.1 200 OK\r\nX-Drip: " + b"a" * 16384,
    # a DNS-over-TCP length prefix of 65535, then a response header that never completes
    "drip_dns": b"\xff\xff\x00\x00\x84\x00\x00\x01\x00\x01" + bytes(65525),
}
HOSTILE_DRIP_INTERVAL = 1.0
HOSTILE_MAX_CONNS = 200                   # open connections kept; the oldest is closed beyond
HOSTILE_HEADER_CAP = 8 * 1024 * 1024      # huge_headers: bytes sent at most, then close
HOSTILE_GARBAGE_BYTES = 64 * 1024         # garbage: bytes sent, then close
HOSTILE_LINGER = 5.0                      # after our FIN, seconds to wait for the peer's
# The attack surface beyond the apex (README.md, "Attack surface")
APEX2_NET = "127.3"       # second A record of an apex: the same name, a worse posture
WWW_NET = "127.4"         # www on an address of its own
EXTRA_NET = "127.5"       # an organisation's own extra host patients.DOMAIN, given in `hosts`
GIVEN_NET = "127.6"       # an address given in `addresses`, serving a web site
MAILHOST_ZONE = "mailhost.test."
MAILHOST_MX = "mx.mailhost.test"          # the shared mail provider's MX host
MAILHOST_ADDR = "127.26.0.25"
VENDOR_ZONE = "televisit.test."
VENDOR_HOST = "portal.televisit.test"     # a telehealth vendor's portal many organisations list
VENDOR_ADDR = "127.27.0.10"
VENDOR_EVERY = 10                         # every 10th organisation lists the vendor portal
IPV6_PREFIX = "fd00:7669::"               # unique-local; only ever added to lo inside `unshare -n`
TTL = 300
SOA_SERIAL = 2025010101

# ---------------------------------------------------------------- variants
DIMENSIONS = {
    "dnssec": ["signed", "unsigned", "bogus"],
    "spf": ["none", "fail", "softfail", "neutral", "pass_all", "no_all", "two_records",
            "too_many_lookups", "redirect", "syntax_error", "void_lookups", "ptr", "mx_over_10",
            "non_ascii"],
    "dmarc": ["none", "p_none", "quarantine", "reject", "malformed", "two_records", "pct0_reject",
              "rua_no_p", "sp_weaker", "pct0_quarantine", "sp_invalid"],
    "caa": [True, False],
    "mx": [True, False],
    "ns": ["one", "two_diverse", "two_same_net"],
    "axfr": ["open", "refused"],
}
WEB_DIMENSIONS = {
    "https": ["good", "legacy", "expired", "self_signed", "wrong_host", "none", "tls10_only"],
    "hsts": ["none", "good", "no_subdomains", "short", "zero", "malformed"],
    "csp": ["none", "good", "unsafe_inline"],
    "xfo": [True, False],
    "xcto": [True, False],
    "referrer": ["none", "good", "unsafe"],
    "cookies": ["none", "good", "insecure", "partial"],
    "server_version": [True, False],
    "security_txt": ["valid", "expired", "no_contact", "no_expires", "crlf", "absent"],
}
HSTS_VALUE = {
    "good": "max-age=31536000; includeSubDomains",
    "no_subdomains": "max-age=31536000",
    "short": "max-age=300",
    "zero": "max-age=0",
    "malformed": "max-age=abc",
}
CSP_VALUE = {
    "good": "default-src 'self'; frame-ancestors 'none'",
    "unsafe_inline": "default-src 'self'; script-src 'self' 'unsafe-inline'",
}
REFERRER_VALUE = {"good": "strict-origin-when-cross-origin", "unsafe": "unsafe-url"}
COOKIE_ATTRS = {"good": "; Path=/; Secure; HttpOnly; SameSite=Lax", "insecure": "; Path=/",
                "partial": "; Path=/; Secure; HttpOnly"}

# mailer.test.: SPF helper zone. Lookup terms per record (RFC 7208 4.6.4) in comments.
MAILER_SPF = {
    "_spf": "v=spf1 ip4:127.25.0.0/16 -all",                                    # 0
    "_spf1": "v=spf1 a:mx1.mailer.test mx:mailer.test include:_spf3.mailer.test -all",  # 3
    "_spf2": ("v=spf1 a:relay1.mailer.test a:relay2.mailer.test mx:mailer.test "
              "include:_spf4.mailer.test -all"),                                # 4
    "_spf3": "v=spf1 a:relay3.mailer.test ip4:127.25.3.0/24 -all",              # 1
    "_spf4": "v=spf1 a:relay4.mailer.test mx:mailer.test -all",                 # 2
}
TOO_MANY_SPF = "v=spf1 include:_spf1.mailer.test include:_spf2.mailer.test -all"  # 2+3+4+1+2 = 12
# Three void lookups (RFC 7208 4.6.4) through a, mx and exists: none of these names exists.
VOID_SPF = "v=spf1 a:gone1.mailer.test mx:gone2.mailer.test exists:gone3.mailer.test -all"
# bigmx.mailer.test has 11 MX names: the mx mechanism is a permanent error (4.6.4).
BIGMX_NAMES = 11
MX_OVER_10_SPF = "v=spf1 mx:bigmx.mailer.test -all"
# Outside US-ASCII (3, 4.5): a permanent error.
NON_ASCII_SPF = "v=spf1 a:caf\u00e9.mailer.test -all"

# ---------------------------------------------------------------- names
NAME_PLACES = [
    "St. Agnes", "St. Brigid", "St. Luke's", "Mercy", "Riverside", "Lakeview", "Cedar Valley",
    "Northgate", "Summit", "Harborview", "Pinecrest", "Oakwood", "Maple Grove", "Bayside",
    "Highland", "Fairview", "Silver Creek", "Westbrook", "Eastfield", "Sunrise", "Meadowbrook",
    "Granite Peak", "Willow Bend", "Kingsbridge", "Ashford", "Clearwater", "Stonebridge",
    "Redwood", "Blue Ridge", "Hillcrest", "Greenfield", "Brookside", "Elmhurst", "Lakeshore",
    "Prairie View", "Good Samaritan", "Holy Cross", "Sacred Heart", "Providence", "Trinity",
]
NAME_FACILITIES = [
    "General Hospital", "Regional Medical Center", "Community Hospital", "Children's Hospital",
    "Family Clinic", "Health Center", "Cardiology Associates", "Orthopedic Clinic",
    "Imaging Center", "Dental Group", "Women's Health Center", "Behavioral Health",
    "Rehabilitation Hospital", "Urgent Care", "Pediatrics", "Dermatology Clinic",
    "Eye Institute", "Cancer Center", "Home Health", "Hospice", "Dialysis Center",
    "Surgery Center", "Medical Group", "Physicians Network", "Memorial Hospital",
]
NAME_LAB_KINDS = ["Diagnostic Laboratories", "Pathology Labs", "Clinical Laboratory",
                  "Genomics Lab", "Reference Laboratory"]
NAME_BRAND_A = ["Care", "Med", "Vita", "Well", "Cura", "Pulse", "Nova", "Thera", "Heal",
                "Clinix", "Salus", "Prima"]
NAME_BRAND_B = ["Link", "Bridge", "Path", "Point", "Sync", "Connect", "Stream", "Loop",
                "Wave", "Nest", "Line", "Hub"]
NAME_VENDOR_KINDS = ["Telehealth", "Virtual Care", "Health Technologies", "Medical Software",
                     "Remote Monitoring", "Patient Portal Inc."]


def log(msg):
    print(msg, flush=True)


# ============================================================= model (from the seed)

def spread(rng, values, n):
    """Round-robin assignment, shuffled: every value occurs once n >= len(values)."""
    out = [values[i % len(values)] for i in range(n)]
    rng.shuffle(out)
    return out


def make_names(rng, n):
    names, seen = [], set()
    for i in range(n):
        for attempt in range(200):
            kind = rng.random()
            if kind < 0.62:
                name = f"{rng.choice(NAME_PLACES)} {rng.choice(NAME_FACILITIES)}"
            elif kind < 0.82:
                name = f"{rng.choice(NAME_BRAND_A)}{rng.choice(NAME_BRAND_B)} {rng.choice(NAME_VENDOR_KINDS)}"
            else:
                name = f"{rng.choice(NAME_PLACES)} {rng.choice(NAME_LAB_KINDS)}"
            if attempt >= 100:
                name = f"{name} {i + 1}"
            if name not in seen:
                break
        seen.add(name)
        names.append(name)
    return names


def web_addr_of(i):
    return f"127.1.{(i - 1) // 250}.{(i - 1) % 250 + 1}"


def mail_addr_of(i):
    return f"127.2.{(i - 1) // 250}.{(i - 1) % 250 + 1}"


def redirect_target(orgs, i):
    """The next organisation (cyclically) after orgs[i] with an A record and HTTPS: where
    other_host redirects."""
    for k in range(1, len(orgs)):
        t = orgs[(i + k) % len(orgs)]
        if t["web_dns"] and t["https"] != "none":
            return t["domain"]
    return "other-site.test"  # no other site: a name without an address


def build_model(n, seed, trap, hostile=True, ipv6=False, tls_cases=False):
    if n < 1 or n > 62500:
        raise SystemExit("--orgs must be between 1 and 62500")
    rng = random.Random(seed)
    names = make_names(rng, n)
    cols = {dim: spread(rng, vals, n) for dim, vals in DIMENSIONS.items()}

    # A few organisations publish no A record at all (web_dns false).
    n_nodns = max(1, n // 50) if n >= 10 else 0
    nodns = set(rng.sample(range(n), n_nodns))
    visible = [i for i in range(n) if i not in nodns]
    web = {i: {} for i in range(n)}
    for dim, vals in WEB_DIMENSIONS.items():
        for i, v in zip(visible, spread(rng, vals, len(visible))):
            web[i][dim] = v
        for i in sorted(nodns):
            web[i][dim] = rng.choice(vals)
    with_https = [i for i in visible if web[i]["https"] != "none"]
    # "other_host": http:// redirects straight to another organisation's https:// site
    for i, v in zip(with_https, spread(rng, [True, False, "other_host"], len(with_https))):
        web[i]["redirect"] = v
    for i in range(n):
        if web[i]["https"] == "none":
            web[i]["redirect"] = False
        elif "redirect" not in web[i]:
            web[i]["redirect"] = rng.choice([True, False])

    orgs = []
    counters = {"spf_syntax": 0, "dmarc_malformed": 0}
    for idx in range(n):
        i = idx + 1
        oid = f"org{i:03d}"
        dom = f"{oid}.test"
        o = {"org_id": oid, "name": names[idx], "domain": dom, "trap": False, "hostile": None,
             "web_addr": web_addr_of(i), "web_dns": idx not in nodns}
        for dim in DIMENSIONS:
            o[dim] = cols[dim][idx]
        for dim in ("https", "redirect", "hsts", "csp", "xfo", "xcto", "referrer", "cookies",
                    "server_version", "security_txt"):
            o[dim] = web[idx][dim]
        # name servers
        if o["ns"] == "one":
            ns = [rng.choice(sorted(NSHOST))]
        elif o["ns"] == "two_diverse":
            ns = [rng.choice(NS_NET1), rng.choice(NS_NET2)]
        else:
            ns = list(rng.choice(NS_SAME_NET))
        o["ns_names"] = ns
        o["ns_addrs"] = [NSHOST[x] for x in ns]
        o["mail_addr"] = mail_addr_of(i) if o["mx"] else None
        # TXT records
        base = "mx" if o["mx"] else "a"
        extra = rng.choice(["", " include:_spf.mailer.test", " ip4:127.25.10.0/24",
                            " ip4:127.25.20.0/24 include:_spf.mailer.test"])
        spf = o["spf"]
        if spf == "none":
            recs = []
        elif spf in ("fail", "softfail", "neutral", "pass_all"):
            q = {"fail": "-", "softfail": "~", "neutral": "?", "pass_all": "+"}[spf]
            recs = [f"v=spf1 {base}{extra} {q}all"]
        elif spf == "no_all":
            recs = [f"v=spf1 {base}{extra}"]
        elif spf == "two_records":
            recs = [f"v=spf1 {base} -all", "v=spf1 include:_spf.mailer.test ~all"]
        elif spf == "too_many_lookups":
            recs = [TOO_MANY_SPF]
        elif spf == "redirect":
            recs = ["v=spf1 redirect=_spf.mailer.test"]
        elif spf == "void_lookups":
            recs = [VOID_SPF]
        elif spf == "ptr":
            recs = [f"v=spf1 {base} ptr{extra} -all"]
        elif spf == "mx_over_10":
            recs = [MX_OVER_10_SPF]
        elif spf == "non_ascii":
            recs = [NON_ASCII_SPF]
        else:  # syntax_error: alternate between a bad address and an unknown mechanism
            recs = ["v=spf1 ip4:999.1.1.1 -all", f"v=spf1 {base} foo:bar -all"][counters["spf_syntax"] % 2]
            recs = [recs]
            counters["spf_syntax"] += 1
        o["spf_records"] = recs
        o["other_txt"] = [f"vitals-site-verification={rng.getrandbits(64):016x}"]
        if rng.random() < 0.3:
            o["other_txt"].append(f"MS=ms{rng.randrange(10**7, 10**8)}")
        dm = o["dmarc"]
        rua = f"rua=mailto:dmarc@{dom}"
        if dm == "none":
            drecs = []
        elif dm == "p_none":
            drecs = [f"v=DMARC1; p=none; {rua}"]
        elif dm == "quarantine":
            drecs = [f"v=DMARC1; p=quarantine; pct=100; {rua}"]
        elif dm == "reject":
            drecs = [f"v=DMARC1; p=reject; {rua}; adkim=s; aspf=s"]
        elif dm == "malformed":
            # neither has a valid rua= URI, which would make it p=none (RFC 7489 s6.6.3)
            drecs = [[f"v=DMARC1; p=bogus; rua=dmarc@{dom}", "v=DMARC1; sp=reject"][counters["dmarc_malformed"] % 2]]
            counters["dmarc_malformed"] += 1
        elif dm in ("pct0_reject", "pct0_quarantine"):
            # outside the 0% sample: reject becomes quarantine, quarantine none (RFC 7489 s6.6.4)
            drecs = [f"v=DMARC1; p={dm[5:]}; pct=0; {rua}"]
        elif dm == "sp_invalid":
            # a bad sp= with a valid rua= is p=none (RFC 7489 s6.6.3 step 6)
            drecs = [f"v=DMARC1; p=reject; sp=bogus; {rua}"]
        elif dm == "rua_no_p":
            drecs = [f"v=DMARC1; {rua}"]
        elif dm == "sp_weaker":
            drecs = [f"v=DMARC1; p=reject; sp=none; {rua}"]
        else:
            drecs = [f"v=DMARC1; p=reject; {rua}", "v=DMARC1; p=none"]
        o["dmarc_records"] = drecs
        o["cookie_value"] = f"{rng.getrandbits(96):024x}"
        orgs.append(o)
    for i, o in enumerate(orgs):
        o["redirect_to"] = redirect_target(orgs, i) if o["redirect"] == "other_host" else None
    attack_surface(orgs, seed, ipv6)
    cohort_tags(orgs, seed)

    if trap:
        orgs.append({
            "org_id": "trap001", "name": "Outside Scope Medical Partners", "domain": "trap001.test",
            "trap": True, "hostile": None, "web_addr": TRAP_WEB_ADDR, "web_dns": True,
            "dnssec": "signed", "spf": "fail", "dmarc": "reject", "caa": True, "mx": True,
            "ns": "two_diverse", "axfr": "refused",
            "https": None, "redirect": None, "redirect_to": None, "hsts": None, "csp": None, "xfo": None, "xcto": None,
            "referrer": None, "cookies": None, "server_version": None, "security_txt": None,
            "ns_names": ["a.nshost.test.", "c.nshost.test."],
            "ns_addrs": [NSHOST["a.nshost.test."], NSHOST["c.nshost.test."]],
            "mail_addr": TRAP_WEB_ADDR,
            "spf_records": ["v=spf1 mx -all"], "other_txt": [],
            "dmarc_records": ["v=DMARC1; p=reject; rua=mailto:dmarc@trap001.test"],
        })
        orgs.append({
            "org_id": "trap002", "name": "Excluded Network Health Services", "domain": "trap002.test",
            "trap": True, "hostile": None, "web_addr": None, "web_dns": None,
            "dnssec": None, "spf": None, "dmarc": None, "caa": None, "mx": None,
            "ns": "one", "axfr": None,
            "https": None, "redirect": None, "redirect_to": None, "hsts": None, "csp": None, "xfo": None, "xcto": None,
            "referrer": None, "cookies": None, "server_version": None, "security_txt": None,
            "ns_names": [TRAP_NS_NAME], "ns_addrs": [TRAP_NS_ADDR], "mail_addr": None,
            "spf_records": [], "other_txt": [], "dmarc_records": [],
        })
        # trap003: the only name server has only AAAA glue (2001:db8::/32, never in an IPv4
        # scope); trap004: an out-of-zone name server without glue whose A is in the trap range
        for oid, name, ns, addr in (
                ("trap003", "Sixfold Gateway Clinics", TRAP_V6_NS_NAME, TRAP_V6_NS_ADDR),
                ("trap004", "Borrowed Server Family Practice", TRAP_NOGLUE_NS_NAME, TRAP_NS_ADDR)):
            o = {"org_id": oid, "name": name, "domain": f"{oid}.test", "trap": True, "hostile": None,
                 "web_addr": None, "web_dns": None, "dnssec": None, "spf": None, "dmarc": None,
                 "caa": None, "mx": None, "ns": "one", "axfr": None}
            o.update(NULL_WEB)
            o.update({"ns_names": [ns], "ns_addrs": [addr], "mail_addr": None,
                      "spf_records": [], "other_txt": [], "dmarc_records": []})
            orgs.append(o)
    if hostile:
        orgs += hostile_orgs()
    if tls_cases:
        orgs += tls_case_orgs()
    return orgs


# ------------------------------------------------------------- cohort tags
REGIONS = ["north", "south", "east", "west"]


def org_type(name):
    """The cohort an organisation's name puts it in (the name generator's kinds)."""
    if any(k in name for k in NAME_VENDOR_KINDS):
        return "telehealth vendor"
    if any(k in name for k in NAME_LAB_KINDS):
        return "laboratory"
    if "Hospital" in name or "Medical Center" in name:
        return "hospital"
    return "clinic"


def cohort_tags(orgs, seed):
    """`type` from the name, `region` spread evenly: from a generator of their own, so the
    older variants stay as they were."""
    rng = random.Random(f"vitals-cohorts-{seed}")
    for o, region in zip(orgs, spread(rng, REGIONS, len(orgs))):
        o["type"], o["region"] = org_type(o["name"]), region


# ------------------------------------------------------------- the attack surface
WEB_KEYS = ("https", "redirect", "hsts", "csp", "xfo", "xcto", "referrer", "cookies", "server_version",
            "security_txt")
GOOD_POSTURE = {"https": "good", "redirect": True, "hsts": "good", "csp": "good", "xfo": True, "xcto": True,
                "referrer": "good", "cookies": "good", "server_version": False, "security_txt": "valid"}
# the shared vendor portal: good TLS, HSTS without subdomains, no CSP, a cookie without SameSite
VENDOR_POSTURE = {"https": "good", "redirect": True, "hsts": "no_subdomains", "csp": "none", "xfo": True,
                  "xcto": True, "referrer": "good", "cookies": "partial", "server_version": False,
                  "security_txt": "valid"}
# www host kinds among the organisations with an apex address, in these proportions
WWW_KINDS = ["same"] * 8 + ["cname"] * 3 + ["own_good"] * 3 + ["own_bad"] * 3 + ["none"] * 3
# TLS of a "bad" endpoint, in turn: an expired certificate, TLS 1.0/1.1 enabled, or only bad headers
BAD_HTTPS = ["expired", "legacy", "good"]


def bad_posture(https):
    """A worse posture: `https` as given, plain-HTTP content, no HSTS and no security headers."""
    return {"https": https, "redirect": False, "hsts": "none", "csp": "none", "xfo": False, "xcto": False,
            "referrer": "unsafe", "cookies": "insecure", "server_version": True, "security_txt": "absent"}


def net_addr(net, i):
    return f"{net}.{(i - 1) // 250}.{(i - 1) % 250 + 1}"


def site(sid, org, names, addrs, posture, rng, addr_site=False):
    """One nginx web presence: server blocks for ports 80 and 443 on `addrs` with one posture."""
    return {"id": sid, "org": org, "names": names, "addrs": addrs, "posture": posture,
            "cookie_value": f"{rng.getrandbits(96):024x}", "addr_site": addr_site}


def main_site(o):
    """The organisation's apex site (today's one server per organisation)."""
    posture = {k: o[k] for k in WEB_KEYS}
    posture["redirect_to"] = o["redirect_to"]
    return {"id": o["org_id"], "org": o["name"], "names": [o["domain"], f"www.{o['domain']}"],
            "addrs": [o["web_addr"]] + o.get("apex_addrs6", []), "posture": posture,
            "cookie_value": o["cookie_value"], "addr_site": False}


def nginx_version():
    """What the testbed's nginx announces in its Server header with server_tokens on: "nginx/1.22.1"
    (from `nginx -v`, which prints "nginx version: nginx/1.22.1" on stderr)."""
    r = subprocess.run([NGINX, "-v"], capture_output=True, text=True)
    return (r.stderr or r.stdout).strip().rpartition(" ")[2] or None


def vendor_site():
    return {"id": "vendor", "org": "TeleVisit Portal Inc.", "names": [VENDOR_HOST], "addrs": [VENDOR_ADDR],
            "posture": dict(VENDOR_POSTURE, redirect_to=None), "cookie_value": "7e1e7151700000000000beef",
            "addr_site": False, "log": "vendor-access.log"}


def attack_surface(orgs, seed, ipv6):
    """www hosts, second apex addresses, MX hosts, given hosts and addresses, IPv6: per
    organisation, from a generator of its own so the older variants stay as they were."""
    rng = random.Random(f"vitals-attack-surface-{seed}")
    visible = [o for o in orgs if o["web_dns"]]
    for o, kind in zip(visible, spread(rng, WWW_KINDS, len(visible))):
        o["www"] = kind
    good = [o for o in visible if o["https"] == "good"]
    apex2 = set(id(o) for o in rng.sample(good, len(good) // 2))
    v6 = set(id(o) for o in random.Random(f"vitals-ipv6-{seed}").sample(visible, len(visible) // 4))
    bad = 0
    for idx, o in enumerate(orgs):
        i, dom = idx + 1, o["domain"]
        o.setdefault("www", "none")
        o["apex_addrs"] = [o["web_addr"]] if o["web_dns"] else []
        o["apex_addrs6"] = [f"{IPV6_PREFIX}1:{i:x}"] if ipv6 and id(o) in v6 else []
        o["www_addrs"], o["www_addrs6"] = [], []
        o["hosts"], o["addresses"], o["extra_sites"] = [], [], []
        if id(o) in apex2:  # the second address serves the same names, worse
            a = net_addr(APEX2_NET, i)
            o["apex_addrs"].append(a)
            o["extra_sites"].append(site(f"{o['org_id']}-apex2", o["name"], [dom, f"www.{dom}"], [a],
                                         dict(bad_posture(BAD_HTTPS[bad % 3]), redirect_to=None), rng))
            bad += 1
        if o["www"] in ("same", "cname"):
            o["www_addrs"], o["www_addrs6"] = list(o["apex_addrs"]), list(o["apex_addrs6"])
        elif o["www"] in ("own_good", "own_bad"):
            o["www_addrs"] = [net_addr(WWW_NET, i)]
            o["www_addrs6"] = [f"{IPV6_PREFIX}4:{i:x}"] if o["apex_addrs6"] else []
            posture = GOOD_POSTURE if o["www"] == "own_good" else bad_posture(BAD_HTTPS[bad % 3])
            bad += o["www"] == "own_bad"
            o["extra_sites"].append(site(f"{o['org_id']}-www", o["name"], [f"www.{dom}"],
                                         o["www_addrs"] + o["www_addrs6"], dict(posture, redirect_to=None), rng))
        # MX: every third organisation with mail uses the shared provider
        o["mx_host"] = None
        if o["mx"]:
            o["mx_host"] = MAILHOST_MX if idx % 3 == 2 else f"mail.{dom}"
            o["mail_addr"] = MAILHOST_ADDR if idx % 3 == 2 else o["mail_addr"]
        if i % VENDOR_EVERY == 0:
            o["hosts"].append(VENDOR_HOST)
        if i % 15 == 7:  # an extra host of its own
            h, a = f"patients.{dom}", net_addr(EXTRA_NET, i)
            o["hosts"].append(h)
            posture = GOOD_POSTURE if i % 2 else bad_posture(BAD_HTTPS[bad % 3])
            bad += not i % 2
            o["extra_sites"].append(site(f"{o['org_id']}-patients", o["name"], [h], [a],
                                         dict(posture, redirect_to=None), rng))
        if i % 25 == 12:  # a given address serving a device's admin site: no redirect
            a = net_addr(GIVEN_NET, i)
            o["addresses"].append(a)
            posture = dict(GOOD_POSTURE, redirect=False) if i % 2 else bad_posture("self_signed")
            o["extra_sites"].append(site(f"{o['org_id']}-addr", o["name"], [a], [a],
                                         dict(posture, redirect_to=None), rng, addr_site=True))


def surface(o, sites):
    """(assets, endpoints) of a regular organisation for the manifest; `sites` maps an
    (address, name) pair to the site that answers there."""
    dom = o["domain"]
    assets = [{"asset": dom, "reason": "apex", "addresses": o["apex_addrs"] + o["apex_addrs6"]}]
    probed = [(dom, o["apex_addrs"] + o["apex_addrs6"])]
    if o["www_addrs"]:
        www = o["www_addrs"] + o["www_addrs6"]
        assets.append({"asset": f"www.{dom}", "reason": "www", "addresses": www})
        probed.append((f"www.{dom}", www))
    if o["mx_host"]:
        a = MAILHOST_ADDR if o["mx_host"] == MAILHOST_MX else o["mail_addr"]
        assets.append({"asset": o["mx_host"], "reason": "mx", "addresses": [a]})
    for n in o["ns_names"]:
        assets.append({"asset": n.rstrip("."), "reason": "ns", "addresses": [NSHOST[n]]})
    for h in o["hosts"]:
        addrs = [s["addrs"] for s in sites.values() if h in s["names"]][0]
        assets.append({"asset": h, "reason": "given", "addresses": addrs})
        probed.append((h, addrs))
    for a in o["addresses"]:
        assets.append({"asset": a, "reason": "given", "addresses": [a]})
        probed.append((a, [a]))
    endpoints = []
    for host, addrs in probed:
        for a in addrs:
            s = sites[(a, host)]
            endpoints.append({"host": host, "addr": a, "site": s["id"],
                              "posture": {k: v for k, v in s["posture"].items()}})
    return assets, endpoints


def public_orgs(orgs, sites):
    """The manifest's organization entries: the model without its private parts, with the
    assets and endpoints of regular organisations."""
    public = []
    by_site = site_index(sites)
    for o in orgs:
        e = {k: v for k, v in o.items() if k not in ("cookie_value", "extra_sites")}
        if "cookie_value" in o and o["cookies"] != "none":
            e["cookie"] = f"sid={o['cookie_value']}{COOKIE_ATTRS[o['cookies']]}"
        if "extra_sites" in o:
            e["assets"], e["endpoints"] = surface(o, by_site)
        public.append(e)
    return public


def site_index(sites):
    """(address, name) -> the site that answers for that name on that address."""
    return {(a, n): s for s in sites for a in s["addrs"] for n in s["names"]}


NULL_WEB = {"https": None, "redirect": None, "redirect_to": None, "hsts": None, "csp": None, "xfo": None, "xcto": None,
            "referrer": None, "cookies": None, "server_version": None, "security_txt": None}


def hostile_orgs():
    """hostile001/002: ordinary good DNS, misbehaving web; hostile003: a silent name server."""
    out = []
    for oid, name, kind, addr, ns in (
            ("hostile001", "Silent Harbor Medical Center", "silent_web", HOSTILE_SILENT_WEB_ADDR,
             ["a.nshost.test.", "c.nshost.test."]),
            ("hostile002", "Floodgate Health Partners", "huge_headers", HOSTILE_HUGE_ADDR,
             ["b.nshost.test.", "d.nshost.test."])):
        dom = f"{oid}.test"
        o = {"org_id": oid, "name": name, "domain": dom, "trap": False, "hostile": kind,
             "web_addr": addr, "web_dns": True,
             "dnssec": "signed", "spf": "fail", "dmarc": "reject", "caa": True, "mx": True,
             "ns": "two_diverse", "axfr": "refused"}
        o.update(NULL_WEB)
        o.update({"ns_names": ns, "ns_addrs": [NSHOST[x] for x in ns], "mail_addr": addr,
                  "spf_records": ["v=spf1 mx -all"], "other_txt": [],
                  "dmarc_records": [f"v=DMARC1; p=reject; rua=mailto:dmarc@{dom}"]})
        out.append(o)
    # hostile004: ordinary signed DNS, but its only name server drips AXFR over TCP a byte a
    # second (UDP is relayed to a.nshost), and so do its web ports
    dom = "hostile004.test"
    o = {"org_id": "hostile004", "name": "Slow Drip Regional Clinic", "domain": dom, "trap": False,
         "hostile": "drip", "web_addr": HOSTILE_DRIP_ADDR, "web_dns": True,
         "dnssec": "signed", "spf": "fail", "dmarc": "reject", "caa": True, "mx": True,
         "ns": "one", "axfr": None}
    o.update(NULL_WEB)
    o.update({"ns_names": [HOSTILE_DRIP_NS_NAME], "ns_addrs": [HOSTILE_DRIP_NS_ADDR],
              "mail_addr": HOSTILE_DRIP_ADDR, "spf_records": ["v=spf1 mx -all"], "other_txt": [],
              "dmarc_records": [f"v=DMARC1; p=reject; rua=mailto:dmarc@{dom}"]})
    out.append(o)
    # hostile005: ordinary signed DNS; 443 sends a ServerHello and a 1 MiB Certificate message
    dom = "hostile005.test"
    o = {"org_id": "hostile005", "name": "Megabyte Valley Health", "domain": dom, "trap": False,
         "hostile": "huge_tls", "web_addr": HOSTILE_HUGE_TLS_ADDR, "web_dns": True,
         "dnssec": "signed", "spf": "fail", "dmarc": "reject", "caa": True, "mx": True,
         "ns": "two_diverse", "axfr": "refused"}
    o.update(NULL_WEB)
    o.update({"ns_names": ["a.nshost.test.", "d.nshost.test."], "ns_addrs": [NSHOST["a.nshost.test."],
              NSHOST["d.nshost.test."]], "mail_addr": HOSTILE_HUGE_TLS_ADDR, "spf_records": ["v=spf1 mx -all"],
              "other_txt": [], "dmarc_records": [f"v=DMARC1; p=reject; rua=mailto:dmarc@{dom}"]})
    out.append(o)
    o = {"org_id": "hostile003", "name": "Quiet Line Community Hospital", "domain": "hostile003.test",
         "trap": False, "hostile": "silent_dns", "web_addr": None, "web_dns": None,
         "dnssec": None, "spf": None, "dmarc": None, "caa": None, "mx": None, "ns": "one", "axfr": None}
    o.update(NULL_WEB)
    o.update({"ns_names": [HOSTILE_NS_NAME], "ns_addrs": [HOSTILE_NS_ADDR], "mail_addr": None,
              "spf_records": [], "other_txt": [], "dmarc_records": []})
    out.append(o)
    return out


def tls_case_orgs():
    """One organisation per deep-TLS case (tlscases.py): tlsNNN.test, apex and www on the case's
    own server, ordinary good signed DNS with the shared MX, as the hostile ones have. Their web
    servers answer HTTPS only: they exist for the deep-TLS checks (expect.expected_tls_case)."""
    out = []
    for k, c in enumerate(tlscases.cases()):
        dom = c["host"]
        ns = ["a.nshost.test.", "c.nshost.test."] if k % 2 == 0 else ["b.nshost.test.", "d.nshost.test."]
        o = {"org_id": c["id"], "name": f"Deep TLS Case {c['case']}", "domain": dom, "trap": False,
             "hostile": None, "tls_case": c["case"], "web_addr": c["addr"], "web_dns": True,
             "dnssec": "signed", "spf": "fail", "dmarc": "reject", "caa": True, "mx": True,
             "ns": "two_diverse", "axfr": "refused", "mx_host": MAILHOST_MX,
             "tls_truth": tlscases.truth(c)}
        o.update(NULL_WEB)
        o.update({"ns_names": ns, "ns_addrs": [NSHOST[x] for x in ns], "mail_addr": MAILHOST_ADDR,
                  "spf_records": ["v=spf1 mx -all"], "other_txt": [],
                  "dmarc_records": [f"v=DMARC1; p=reject; rua=mailto:dmarc@{dom}"]})
        out.append(o)
    return out


def svc_case_orgs(chosen):
    """One organisation per exposed-service case (services.py): svcNNN.test, its apex A record the
    case address, ordinary good signed DNS with the shared MX, as the deep-TLS cases have. Their
    svc.* checks are ground-truthed (svc_truth); their web checks are not (expect.expected_svc_case)."""
    out = []
    for k, (fam, c) in enumerate(chosen):
        dom = f"{c['id']}.test"
        ns = ["a.nshost.test.", "c.nshost.test."] if k % 2 == 0 else ["b.nshost.test.", "d.nshost.test."]
        o = {"org_id": c["id"], "name": f"Service Case {c['case'].replace('_', ' ').title()} Clinic",
             "domain": dom, "trap": False, "hostile": None, "svc_case": c["case"],
             "svc_family": fam.__name__, "svc_addr": c["addr"], "svc_ports": c["ports"],
             "svc_truth": c["truth"], "web_addr": c["addr"], "web_dns": True,
             "dnssec": "signed", "spf": "fail", "dmarc": "reject", "caa": True, "mx": True,
             "ns": "two_diverse", "axfr": "refused", "mx_host": MAILHOST_MX}
        o.update(NULL_WEB)
        o.update({"ns_names": ns, "ns_addrs": [NSHOST[x] for x in ns], "mail_addr": MAILHOST_ADDR,
                  "spf_records": ["v=spf1 mx -all"], "other_txt": [],
                  "dmarc_records": [f"v=DMARC1; p=reject; rua=mailto:dmarc@{dom}"]})
        out.append(o)
    return out


def is_regular(o):
    """Neither a trap, nor hostile, nor a deep-TLS or exposed-service case: an organisation of the
    modelled sector."""
    return not o["trap"] and not o["hostile"] and not o.get("tls_case") and not o.get("svc_case")


# ============================================================= small helpers

def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"command failed ({r.returncode}): {' '.join(map(str, cmd))}\n{r.stderr.strip()}")
    return r.stdout


def run_many(cmds, parallel=4):
    """Run commands with at most `parallel` in flight; raise on the first failure."""
    pending = list(cmds)
    active = []
    while pending or active:
        while pending and len(active) < parallel:
            c = pending.pop(0)
            active.append((c, subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
        c, p = active.pop(0)
        _, err = p.communicate()
        if p.returncode != 0:
            for _, q in active:
                q.wait()
            raise RuntimeError(f"command failed: {' '.join(map(str, c))}\n{err.decode(errors='replace')}")


def write(path, text, mode=0o644):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def txt_rdata(s):
    # character-strings of at most 255 bytes, quoted; bytes outside ASCII as \DDD
    b = s.encode()
    parts = [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]

    def esc(c):
        ch = chr(c)
        return "\\" + ch if ch in '"\\' else ch if c < 0x80 else f"\\{c:03d}"
    return " ".join('"' + "".join(esc(c) for c in p) + '"' for p in parts)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)


# ============================================================= DNS (wire) helpers

def name_wire(name):
    name = name.rstrip(".")
    out = b""
    if name:
        for label in name.split("."):
            out += bytes([len(label)]) + label.lower().encode()
    return out + b"\x00"


QTYPES = {"A": 1, "NS": 2, "SOA": 6, "TXT": 16, "DNSKEY": 48, "DS": 43}


def dns_query(addr, name, qtype="SOA", timeout=1.0, raw=False):
    """One UDP query; returns (rcode, aa, ancount), or the whole answer when raw, or None on
    timeout. addr must be 127/8."""
    assert addr.startswith("127."), addr
    qid = random.getrandbits(16)
    pkt = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + name_wire(name) + struct.pack("!HH", QTYPES[qtype], 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.connect((addr, 53))
        s.send(pkt)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = s.recv(4096)
            except (socket.timeout, ConnectionRefusedError):
                return None
            if len(data) >= 12 and struct.unpack("!H", data[:2])[0] == qid:
                _, flags, _, an, _, _ = struct.unpack("!HHHHHH", data[:12])
                return data if raw else (flags & 0xF, bool(flags & 0x0400), an)
        return None
    finally:
        s.close()


def keytag(rdata):
    ac = 0
    for i, b in enumerate(rdata):
        ac += b if i & 1 else b << 8
    ac += (ac >> 16) & 0xFFFF
    return ac & 0xFFFF


def ds_from_dnskey(owner, flags, proto, alg, b64key):
    rdata = struct.pack("!HBB", flags, proto, alg) + base64.b64decode(b64key)
    digest = hashlib.sha256(name_wire(owner) + rdata).hexdigest().upper()
    return keytag(rdata), alg, 2, digest


# ============================================================= knotd instances

class Knot:
    def __init__(self, d, name, listen, zones):
        self.name = name  # root | tld | host
        self.base = d / "knot" / name
        self.conf = self.base / "knot.conf"
        self.listen = listen
        self.zones = zones  # list of dict(domain, text, signed, axfr_open)
        self.pidfile = d / "pids" / f"knot-{name}.pid"
        self.logfile = d / "logs" / f"knot-{name}.log"
        self.proc = None

    def write(self):
        b = self.base
        for sub in ("zones", "run", "db"):
            (b / sub).mkdir(parents=True, exist_ok=True)
        lines = [
            "server:",
            f"    rundir: {b}/run",
            f"    pidfile: {b}/run/knot.pid",
            "    listen: [" + ", ".join(f"{a}@53" for a in self.listen) + "]",
            "    udp-workers: 2",
            "    tcp-workers: 2",
            "    background-workers: 2",
            "control:",
            f"    listen: {b}/run/knot.sock",
            "database:",
            f"    storage: {b}/db",
            "log:",
            f"  - target: {self.logfile}",
            "    any: info",
            "policy:",
            "  - id: testbed",
            "    algorithm: ecdsap256sha256",
            "    single-type-signing: on",
            "    ksk-lifetime: 0",
            "    zsk-lifetime: 0",
            f"    dnskey-ttl: {TTL}",
            f"    zone-max-ttl: {TTL}",
            "    propagation-delay: 0",
            "    rrsig-lifetime: 30d",
            "    rrsig-refresh: 7d",
            "    cds-cdnskey-publish: none",
            "acl:",
            "  - id: transfer_any",
            "    address: [0.0.0.0/0, ::/0]",
            "    action: transfer",
            "template:",
            "  - id: default",
            f"    storage: {b}/zones",
            "    zonefile-sync: -1",
            "    zonefile-load: whole",
            "    journal-content: none",
            "  - id: signed",
            f"    storage: {b}/zones",
            "    zonefile-sync: -1",
            "    zonefile-load: whole",
            "    journal-content: none",
            "    dnssec-signing: on",
            "    dnssec-policy: testbed",
            "zone:",
        ]
        for z in self.zones:
            dom = z["domain"]
            zf = b / "zones" / f"{dom.rstrip('.') or 'root'}.zone"
            write(zf, z["text"])
            lines.append(f"  - domain: {dom}")
            lines.append(f"    file: {zf}")
            if z["signed"]:
                lines.append("    template: signed")
            if z.get("axfr_open"):
                lines.append("    acl: transfer_any")
        write(self.conf, "\n".join(lines) + "\n")

    def start(self):
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.base / "stdout.log", "wb")
        self.proc = subprocess.Popen([KNOTD, "-c", str(self.conf)], stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                     close_fds=True)
        out.close()
        write(self.pidfile, f"{self.proc.pid}\n")

    def check_alive(self):
        if self.proc is not None and self.proc.poll() is not None:
            tail = ""
            for f in (self.logfile, self.base / "stdout.log"):
                if f.exists():
                    tail += "".join(f.read_text(errors="replace").splitlines(True)[-15:])
            raise RuntimeError(f"knotd ({self.name}) exited with {self.proc.returncode}:\n{tail}")

    def log_errors(self):
        try:
            errs = [l for l in self.logfile.read_text(errors="replace").splitlines() if " error: " in l]
        except OSError:
            return ""
        return "\n".join(errs[:15])

    def dnskeys(self, timeout=30.0):
        """Wait until every signed zone has a KSK; return {zone: [(flags, proto, alg, key)]}."""
        want = {z["domain"] for z in self.zones if z["signed"]}
        deadline = time.monotonic() + timeout
        keys = {}
        while True:
            self.check_alive()
            if want:
                r = subprocess.run([KNOTC, "-c", str(self.conf), "-t", "5", "zone-read", "--", "@", "DNSKEY"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                keys = {}
                for line in r.stdout.splitlines():
                    f = line.split()
                    if len(f) >= 8 and f[3] == "DNSKEY":
                        keys.setdefault(f[1].lower(), []).append((int(f[4]), int(f[5]), int(f[6]), "".join(f[7:])))
                if all(any(k[0] == 257 for k in keys.get(z, [])) for z in want):
                    return keys
            else:
                return {}
            if time.monotonic() > deadline:
                missing = sorted(z for z in want if z not in keys)
                raise RuntimeError(f"knotd ({self.name}): zones not signed in time: {missing[:10]}\n"
                                   + self.log_errors())
            time.sleep(0.1)

    def wait_served(self, timeout=30.0):
        """Every zone answers SOA authoritatively on the first listen address."""
        deadline = time.monotonic() + timeout
        pending = [z["domain"] for z in self.zones]
        addr = self.listen[0]
        while pending:
            self.check_alive()
            still = []
            for dom in pending:
                r = dns_query(addr, dom, "SOA", timeout=0.5)
                if not (r and r[0] == 0 and r[1] and r[2] >= 1):
                    still.append(dom)
            pending = still
            if pending:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"knotd ({self.name}): zones not served in time: {pending[:10]}\n"
                                       + self.log_errors())
                time.sleep(0.1)


def zone_text(origin, soa_ns, records, serial=SOA_SERIAL):
    lines = [f"$ORIGIN {origin}", f"$TTL {TTL}",
             f"@ SOA {soa_ns} hostmaster.{origin if origin != '.' else 'root-servers.test.'} "
             f"{serial} 3600 600 86400 {TTL}"]
    lines += [f"{owner} {rtype} {rdata}" for owner, rtype, rdata in records]
    return "\n".join(lines) + "\n"


def org_zone(o, serial=SOA_SERIAL):
    recs = [("@", "NS", ns) for ns in o["ns_names"]]
    if "apex_addrs" not in o:  # hostile organisations: apex and www on one address
        if o["web_dns"]:
            recs += [("@", "A", o["web_addr"]), ("www", "A", o["web_addr"])]
    else:
        recs += [("@", "A", a) for a in o["apex_addrs"]] + [("@", "AAAA", a) for a in o["apex_addrs6"]]
        if o["www"] == "cname":
            recs.append(("www", "CNAME", "@"))
        else:
            recs += [("www", "A", a) for a in o["www_addrs"]] + [("www", "AAAA", a) for a in o["www_addrs6"]]
        recs += [(s["names"][0].split(".")[0], "A", s["addrs"][0]) for s in o["extra_sites"]
                 if s["id"].endswith("-patients")]
    mx_host = o.get("mx_host") or f"mail.{o['domain']}"
    if o["mx"]:
        recs.append(("@", "MX", f"10 {mx_host}."))
        if mx_host == f"mail.{o['domain']}":
            recs.append(("mail", "A", o["mail_addr"]))
    if o["caa"]:
        recs.append(("@", "CAA", '0 issue "ca.test"'))
    for t in o["other_txt"] + o["spf_records"]:
        recs.append(("@", "TXT", txt_rdata(t)))
    for t in o["dmarc_records"]:
        recs.append(("_dmarc", "TXT", txt_rdata(t)))
    return zone_text(o["domain"] + ".", o["ns_names"][0], recs, serial)


def helper_zones():
    ns = [("@", "NS", n) for n in HELPER_NS]
    nshost = ns + [(n.split(".")[0], "A", a) for n, a in NSHOST.items()]
    mailer = ns + [
        ("@", "A", "127.25.0.1"), ("@", "MX", "10 mx1.mailer.test."), ("mx1", "A", "127.25.0.2"),
        ("relay1", "A", "127.25.1.1"), ("relay2", "A", "127.25.1.2"),
        ("relay3", "A", "127.25.1.3"), ("relay4", "A", "127.25.1.4"),
        ("@", "TXT", txt_rdata("v=spf1 ip4:127.25.0.0/16 -all")),
    ]
    mailer += [(k, "TXT", txt_rdata(v)) for k, v in MAILER_SPF.items()]
    mailer += [("bigmx", "MX", f"{10 + i} mx{i}.bigmx.mailer.test.") for i in range(1, BIGMX_NAMES + 1)]
    mailhost = ns + [(MAILHOST_MX.split(".")[0], "A", MAILHOST_ADDR)]
    vendor = ns + [(VENDOR_HOST.split(".")[0], "A", VENDOR_ADDR)]
    return [
        {"domain": "nshost.test.", "signed": True, "text": zone_text("nshost.test.", HELPER_NS[0], nshost)},
        {"domain": "mailer.test.", "signed": True, "text": zone_text("mailer.test.", HELPER_NS[0], mailer)},
        {"domain": MAILHOST_ZONE, "signed": True, "text": zone_text(MAILHOST_ZONE, HELPER_NS[0], mailhost)},
        {"domain": VENDOR_ZONE, "signed": True, "text": zone_text(VENDOR_ZONE, HELPER_NS[0], vendor)},
    ]


def trap001_zone():
    recs = [("@", "NS", "a.nshost.test."), ("@", "NS", "c.nshost.test."),
            ("@", "A", TRAP_WEB_ADDR), ("www", "A", TRAP_WEB_ADDR),
            ("@", "MX", "10 mail.trap001.test."), ("mail", "A", TRAP_WEB_ADDR),
            ("ns", "A", TRAP_NS_ADDR),  # trap004's glueless name server
            ("@", "CAA", '0 issue "ca.test"'),
            ("@", "TXT", txt_rdata("v=spf1 mx -all")),
            ("_dmarc", "TXT", txt_rdata("v=DMARC1; p=reject; rua=mailto:dmarc@trap001.test"))]
    return zone_text("trap001.test.", "a.nshost.test.", recs)


def ds_records(owner, keys, garble=False):
    out = []
    for flags, proto, alg, key in keys:
        if flags != 257:
            continue
        tag, alg, dt, digest = ds_from_dnskey(owner, flags, proto, alg, key)
        if garble:  # right key tag and algorithm, digest that matches no key
            digest = hashlib.sha256(b"vitals-bogus" + digest.encode()).hexdigest().upper()
        out.append(f"{tag} {alg} {dt} {digest}")
    return out


# ============================================================= PKI + nginx

OPENSSL_CNF = """\
[ req ]
distinguished_name = dn
x509_extensions = v3_leaf
[ dn ]
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ca ]
default_ca = tbca
[ tbca ]
dir = {pki}
database = $dir/ca-db/index.txt
new_certs_dir = $dir/ca-db/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/ca-db/serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
x509_extensions = v3_leaf
email_in_dn = no
[ policy_any ]
commonName = supplied
"""


def san(s):
    """subjectAltName of a site: its names; an address site's address as IP and as DNS name,
    so a scanner matching it either way finds it."""
    if s["addr_site"]:
        return f"subjectAltName=IP:{s['names'][0]},DNS:{s['names'][0]}"
    return "subjectAltName=" + ",".join(f"DNS:{n}" for n in s["names"])


def make_pki(d, sites):
    pki = d / "pki"
    pki.mkdir(parents=True, exist_ok=True)
    cnf = pki / "openssl.cnf"
    write(cnf, OPENSSL_CNF.replace("{pki}", str(pki)))
    ca_key, ca_pem = pki / "ca.key", pki / "ca.pem"
    reuse = False
    if ca_key.exists() and ca_pem.exists():
        r = subprocess.run([OPENSSL, "x509", "-in", str(ca_pem), "-noout", "-checkend", str(400 * 86400)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        reuse = r.returncode == 0
    if not reuse:
        run([OPENSSL, "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", str(ca_key), "-out", str(ca_pem), "-days", "3650",
             "-subj", "/O=vitals testbed/CN=vitals testbed CA", "-extensions", "v3_ca", "-config", str(cnf)])
    shutil.copyfile(ca_pem, d / "ca.pem")
    leaf_key = pki / "leaf.key"
    if not leaf_key.exists() or not reuse:
        run([OPENSSL, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", str(leaf_key)])
    certs = pki / "certs"
    shutil.rmtree(certs, ignore_errors=True)
    certs.mkdir()
    cadb = pki / "ca-db"
    shutil.rmtree(cadb, ignore_errors=True)
    (cadb / "newcerts").mkdir(parents=True)
    (cadb / "csr").mkdir()
    write(cadb / "index.txt", "")
    write(cadb / "serial", "1000\n")

    cmds, expired = [], []
    base = [OPENSSL, "req", "-config", str(cnf), "-key", str(leaf_key)]
    for o in sites:
        https = o["posture"]["https"]
        if https in ("none", "wrong_host"):
            continue
        dom, out = o["names"][0], str(certs / f"{o['id']}.pem")
        if https in ("good", "legacy", "tls10_only"):
            cmds.append(base + ["-x509", "-CA", str(ca_pem), "-CAkey", str(ca_key), "-days", "365",
                                "-subj", f"/CN={dom}", "-addext", san(o), "-out", out])
        elif https == "self_signed":
            cmds.append(base + ["-x509", "-days", "365", "-subj", f"/CN={dom}", "-addext", san(o), "-out", out])
        elif https == "expired":
            cmd, csr = expired_csr(pki, o)
            cmds.append(cmd)
            expired.append((o, csr))
    cmds.append(base + ["-x509", "-CA", str(ca_pem), "-CAkey", str(ca_key), "-days", "365",
                        "-subj", "/CN=other-site.test", "-addext", "subjectAltName=DNS:other-site.test",
                        "-out", str(certs / "other-site.pem")])
    run_many(cmds, parallel=4)
    sign_expired(pki, expired)
    return reuse


def expired_csr(pki, s):
    """The openssl command writing the CSR of site s's expired certificate, and its path."""
    csr = str(pki / "ca-db" / "csr" / f"{s['id']}.csr")
    return [OPENSSL, "req", "-config", str(pki / "openssl.cnf"), "-key", str(pki / "leaf.key"), "-new",
            "-subj", f"/CN={s['names'][0]}", "-addext", san(s), "-out", csr], csr


def sign_expired(pki, expired):
    """The CA signs [(site, csr)] valid from 395 to 30 days ago (`openssl ca` alone can backdate),
    into certs/SITE.pem; numbered from the CA database's next serial, so it can sign again later."""
    if not expired:
        return
    cadb = pki / "ca-db"
    first = int((cadb / "serial").read_text().strip(), 16)
    now = utcnow()
    start = (now - datetime.timedelta(days=395)).strftime("%Y%m%d%H%M%SZ")
    end = (now - datetime.timedelta(days=30)).strftime("%Y%m%d%H%M%SZ")
    run([OPENSSL, "ca", "-batch", "-config", str(pki / "openssl.cnf"), "-notext", "-startdate", start,
         "-enddate", end, "-out", str(cadb / "last.pem"), "-infiles"] + [c for _, c in expired])
    for k, (o, _) in enumerate(expired):
        shutil.copyfile(cadb / "newcerts" / f"{first + k:04X}.pem", pki / "certs" / f"{o['id']}.pem")


def security_txt(s, now):
    dom = s["names"][0]
    v = s["posture"]["security_txt"]
    future = rfc3339(now + datetime.timedelta(days=365))
    past = rfc3339(now - datetime.timedelta(days=30))
    contact = f"Contact: mailto:security@{dom}"
    canon = f"Canonical: https://{dom}/.well-known/security.txt"
    head = f"# Security contact for {s['org']}"
    if v == "valid":
        lines = [head, contact, f"Expires: {future}", "Preferred-Languages: en", canon]
    elif v == "expired":
        lines = [head, contact, f"Expires: {past}", "Preferred-Languages: en"]
    elif v == "no_contact":
        lines = [head, f"Expires: {future}", f"Policy: https://{dom}/security-policy"]
    elif v == "no_expires":
        lines = [head, contact, "Preferred-Languages: en"]
    elif v == "crlf":
        return "\r\n".join([head, contact, f"Expires: {future}", "Preferred-Languages: en, es", canon]) + "\r\n"
    else:
        return None
    return "\n".join(lines) + "\n"


def index_html(s):
    n = s["org"].replace("&", "&amp;").replace("<", "&lt;")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{n}</title></head>\n"
            f"<body><h1>{n}</h1><p>Patient portal, appointments and visitor information.</p>"
            f"<p><a href=\"/appointments\">Book an appointment</a></p></body></html>\n")


def nginx_headers(s):
    o = s["posture"]
    h = []
    if o["hsts"] != "none":
        h.append(("Strict-Transport-Security", HSTS_VALUE[o["hsts"]]))
    if o["csp"] != "none":
        h.append(("Content-Security-Policy", CSP_VALUE[o["csp"]]))
    if o["xfo"]:
        h.append(("X-Frame-Options", "DENY"))
    if o["xcto"]:
        h.append(("X-Content-Type-Options", "nosniff"))
    if o["referrer"] != "none":
        h.append(("Referrer-Policy", REFERRER_VALUE[o["referrer"]]))
    if o["cookies"] != "none":
        h.append(("Set-Cookie", f"sid={s['cookie_value']}{COOKIE_ATTRS[o['cookies']]}"))
    return [f'        add_header {k} "{v}" always;' for k, v in h]


def listen(addr, port, tls=False):
    host = f"[{addr}]" if ":" in addr else addr
    return f"        listen {host}:{port}{' ssl' if tls else ''};"


def site_servers(d, s, now):
    """The two nginx server blocks (443 when it has HTTPS, 80) of one site, and its web root."""
    root = d / "www" / s["id"]
    (root / ".well-known").mkdir(parents=True, exist_ok=True)
    write(root / "index.html", index_html(s))
    st = security_txt(s, now)
    if st is not None:
        write(root / ".well-known" / "security.txt", st)
    o = s["posture"]
    names = "_" if s["addr_site"] else " ".join(s["names"])
    common = [f"        server_name {names};", f"        server_tokens {'on' if o['server_version'] else 'off'};"]
    if s.get("log"):  # a site whose requests a test counts
        common.append(f"        access_log {d}/logs/{s['log']} vitals;")
    content = [f"        root {root};", "        index index.html;"] + nginx_headers(s)
    out = []
    if o["https"] != "none":
        certs = d / "pki" / "certs"
        cert = certs / ("other-site.pem" if o["https"] == "wrong_host" else f"{s['id']}.pem")
        tls = [f"        ssl_certificate {cert};", f"        ssl_certificate_key {d / 'pki' / 'leaf.key'};"]
        if o["https"] == "legacy":
            tls += ["        ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;",
                    "        ssl_ciphers DEFAULT:@SECLEVEL=0;"]
        elif o["https"] == "tls10_only":
            tls += ["        ssl_protocols TLSv1;",
                    "        ssl_ciphers DEFAULT:@SECLEVEL=0;"]
        else:
            tls += ["        ssl_protocols TLSv1.2 TLSv1.3;"]
        out.append("\n".join([f"    server {{  # {s['id']} https={o['https']}"]
                              + [listen(a, 443, True) for a in s["addrs"]] + common + tls + content + ["    }"]))
    if o["redirect"] == "other_host":
        body = [f"        return 301 https://{o['redirect_to']}$request_uri;"]
    elif o["redirect"]:  # to https:// on the host asked for: www stays www
        body = ["        return 301 https://$host$request_uri;"]
    else:
        body = content
    out.append("\n".join([f"    server {{  # {s['id']} http redirect={str(o['redirect']).lower()}"]
                          + [listen(a, 80) for a in s["addrs"]] + common + body + ["    }"]))
    return out


def all_sites(orgs):
    """Every web site of the regular organisations: apex sites, their other sites, the
    vendor portal when someone lists it."""
    sites = []
    for o in orgs:
        if not is_regular(o):
            continue
        sites.append(main_site(o))
        sites += o["extra_sites"]
    if any(VENDOR_HOST in o.get("hosts", []) for o in orgs):
        sites.append(vendor_site())
    return sites


def write_nginx(d, sites, nofile):
    ng = d / "nginx"
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (ng / sub).mkdir(parents=True, exist_ok=True)
    now = utcnow()
    servers = []
    for s in sites:
        servers += site_servers(d, s, now)
    # Past a few thousand addresses, per-address listening sockets outgrow worker_connections:
    # one wildcard socket per port then serves them all, dispatched by local address (the
    # per-address server blocks keep their own TLS settings). Only for large benches: the
    # trap and hostile listeners bind their own addresses on these ports.
    if sum(sv.count("        listen ") for sv in servers) > 4000:
        cert = next(iter(sorted((d / "pki" / "certs").glob("*.pem"))))
        servers.append("\n".join([
            "    server {  # wildcard sockets for every address",
            "        listen 80 default_server;", "        listen 443 ssl default_server;",
            f"        ssl_certificate {cert};", f"        ssl_certificate_key {d / 'pki' / 'leaf.key'};",
            "        return 444;", "    }"]))
    conf = f"""\
# generated by tests/testbed/testbed.py - do not edit
user root;
worker_processes 2;
pid {d}/pids/nginx.pid;
error_log {d}/logs/nginx-error.log warn;
worker_rlimit_nofile {nofile};
events {{
    worker_connections {max(1024, min(8192, nofile // 2))};
}}
http {{
    types {{
        text/html html;
        text/plain txt;
    }}
    default_type application/octet-stream;
    charset utf-8;
    access_log {d}/logs/nginx-access.log combined;
    log_format vitals '$time_iso8601 $server_addr $scheme $host "$request" $status $ssl_protocol';
    client_body_temp_path {ng}/tmp/body;
    proxy_temp_path {ng}/tmp/proxy;
    fastcgi_temp_path {ng}/tmp/fastcgi;
    uwsgi_temp_path {ng}/tmp/uwsgi;
    scgi_temp_path {ng}/tmp/scgi;
    server_names_hash_bucket_size 128;
    server_names_hash_max_size 65536;
    keepalive_timeout 10;
    ssl_session_cache off;

{chr(10).join(servers)}
}}
"""
    write(ng / "nginx.conf", conf)
    return ng / "nginx.conf"


def busy_ports(orgs, trap, hostile=False):
    """Addresses the testbed needs that something else holds (another testbed in another DIR?).

    Needed because knotd binds with SO_REUSEPORT: a second knotd on the same address would
    silently share the port with the first instead of failing."""
    want = [(a, 53, socket.SOCK_DGRAM) for a in [ROOT_ADDR, TLD_ADDR] + list(NSHOST.values())]
    want += [(a, 53, socket.SOCK_STREAM) for a in [ROOT_ADDR, TLD_ADDR] + list(NSHOST.values())]
    for s in all_sites(orgs):
        for a in (a for a in s["addrs"] if ":" not in a):
            want.append((a, 80, socket.SOCK_STREAM))
            if s["posture"]["https"] != "none":
                want.append((a, 443, socket.SOCK_STREAM))
    if trap:
        want += [(a, p, socket.SOCK_STREAM) for a, ps in TRAP_TCP_PORTS.items() for p in ps]
        want += [(a, p, socket.SOCK_DGRAM) for a, ps in TRAP_UDP_PORTS.items() for p in ps]
    if hostile:
        want += [(a, p, socket.SOCK_STREAM) for a, p in HOSTILE_TCP]
        want += [(a, p, socket.SOCK_DGRAM) for a, p in HOSTILE_UDP]
    busy = []
    for addr, port, kind in want:
        s = socket.socket(socket.AF_INET, kind)
        try:
            if kind == socket.SOCK_STREAM:  # ignore TIME_WAIT leftovers, not listeners
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port))
        except OSError as e:
            busy.append(f"{addr}:{port}/{'udp' if kind == socket.SOCK_DGRAM else 'tcp'} ({e.strerror})")
        finally:
            s.close()
    return busy


def start_nginx(d, conf):
    cmd = [NGINX, "-c", str(conf), "-p", str(d / "nginx") + "/", "-e", str(d / "logs" / "nginx-error.log")]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        t = subprocess.run(cmd + ["-t"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = r.stdout.strip().splitlines()
        if len(out) > 12:
            out = out[:10] + [f"... ({len(out) - 11} more lines)", out[-1]]
        raise RuntimeError("nginx failed to start:\n" + "\n".join(out) + f"\nnginx -t says:\n{t.stdout.strip()}")
    pidf = d / "pids" / "nginx.pid"
    deadline = time.monotonic() + 10
    while not pidf.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("nginx did not write its pid file")
        time.sleep(0.05)
    master = int(pidf.read_text().split()[0])
    # remember the workers too: if the master is ever SIGKILLed they would outlive it
    deadline = time.monotonic() + 5
    workers = []
    while time.monotonic() < deadline:
        workers = children_of(master)
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    write(d / "pids" / "nginx-workers.pid", "".join(f"{w}\n" for w in workers))
    return master


# ============================================================= trap listener

def trap_main(args):
    d = Path(args.dir)
    logf = open(d / "trap.log", "a", buffering=1)
    sel = selectors.DefaultSelector()
    socks = []
    for addr, ports in TRAP_TCP_PORTS.items():
        for port in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port))
            s.listen(64)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, ("tcp", f"{addr}:{port}"))
            socks.append(s)
    for addr, ports in TRAP_UDP_PORTS.items():
        for port in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port))
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, ("udp", f"{addr}:{port}"))
            socks.append(s)
    stop = listener_ready(d, "trap")
    while not stop:
        try:
            events = sel.select(timeout=0.5)
        except InterruptedError:
            continue
        for key, _ in events:
            proto, local = key.data
            s = key.fileobj
            try:
                if proto == "tcp":
                    conn, peer = s.accept()
                    conn.close()  # never answer: the scanner must not have come here at all
                    nbytes = None
                else:
                    data, peer = s.recvfrom(65535)
                    nbytes = len(data)
            except (BlockingIOError, InterruptedError, ConnectionError):
                continue
            t = time.time()
            rec = {"time": datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(timespec="milliseconds"),
                   "t": round(t, 3), "proto": proto, "local": local, "peer": f"{peer[0]}:{peer[1]}"}
            if nbytes is not None:
                rec["bytes"] = nbytes
            logf.write(json.dumps(rec) + "\n")
    for s in socks:
        s.close()
    return 0


def listener_ready(d, name):
    """In a listener process: arms SIGTERM/SIGINT and writes the pid file start_listener waits for.
    Returns the list a signal appends to; the serve loop runs while it is empty."""
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    write(d / "pids" / f"{name}.pid", f"{os.getpid()}\n")
    return stop


def start_listener(d, name):
    """Starts the `_NAME` listener subcommand in its own session; waits for its pid file."""
    pidf = d / "pids" / f"{name}.pid"
    if pidf.exists():
        pidf.unlink()
    write(d / f"{name}.log", "")
    errpath = d / "logs" / f"{name}-listener.log"
    errlog = open(errpath, "wb")
    p = subprocess.Popen([sys.executable, str(SCRIPT), f"_{name}", "--dir", str(d)],
                         stdin=subprocess.DEVNULL, stdout=errlog, stderr=subprocess.STDOUT,
                         start_new_session=True, close_fds=True)
    errlog.close()
    deadline = time.monotonic() + 10
    while not pidf.exists():
        if p.poll() is not None:
            raise RuntimeError(f"{name} listener failed:\n" + errpath.read_text())
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} listener did not come up")
        time.sleep(0.02)
    return p.pid


def start_trap(d):
    return start_listener(d, "trap")


# ============================================================= hostile listener

def hostile_garbage():
    """HOSTILE_GARBAGE_BYTES of seed-independent pseudo-random bytes for the TLS port.

    The second byte is never 0x03, so the first five bytes can never read as a TLS record
    header: every TLS client fails at once with "wrong version number" (OpenSSL), whatever
    it offered, instead of waiting for a record length that happens to be large."""
    b = bytearray(random.Random(0x686F7374).randbytes(HOSTILE_GARBAGE_BYTES))
    if b[1] == 0x03:
        b[1] = 0xA5
    return bytes(b)


def hostile_huge_tls():
    """A TLS 1.2 ServerHello (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), then a Certificate message
    announcing 1 MiB, all of it sent in well-formed 16 KiB records: every record is valid, only
    the message is too large for any client's cap. Sent at once, without reading the ClientHello."""
    body = b"\x03\x03" + bytes(range(32)) + b"\x00" + b"\xc0\x2f" + b"\x00"
    hs = b"\x02" + len(body).to_bytes(3, "big") + body
    size = 1 << 20
    cert = b"\x0b" + size.to_bytes(3, "big") + (size - 3).to_bytes(3, "big") + (size - 6).to_bytes(3, "big")
    hs += cert + bytes(size - 6)
    out = bytearray()
    for i in range(0, len(hs), 16384):
        chunk = hs[i:i + 16384]
        out += b"\x16\x03\x03" + len(chunk).to_bytes(2, "big") + chunk
    return bytes(out)


def hostile_filler(n):
    """Header lines X-Filler-n... of about 1 KiB each."""
    text = ("The quick brown fox jumps over the lazy dog 0123456789 " * 20)[:1024]
    return "".join(f"X-Filler-{i}: {text}\r\n" for i in range(n, n + 64)).encode()


class HostileConn:
    def __init__(self, sock, kind, local, peer):
        self.sock = sock
        self.kind = kind          # silent | huge_headers | garbage | huge_tls | drip kinds
        self.local = local
        self.peer = peer
        self.out = b""            # bytes still to send
        self.sent = 0             # bytes sent so far
        self.generated = 0        # huge_headers: bytes generated so far
        self.next_line = 1        # huge_headers: number of the next filler line
        self.linger_until = None  # set once our side is shut down
        self.next_drip = None     # drip kinds: when the next byte goes


def hostile_main(args):
    """Misbehaving servers for hostile001-005 (see README.md): one process, one selector."""
    d = Path(args.dir)
    logf = open(d / "hostile.log", "a", buffering=1)
    garbage = hostile_garbage()
    huge_tls = hostile_huge_tls()
    sel = selectors.DefaultSelector()
    listeners = []
    for (addr, port), kind in HOSTILE_TCP.items():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(128)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("listen", kind, f"{addr}:{port}"))
        listeners.append(s)
    for (addr, port), kind in HOSTILE_UDP.items():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("udp", kind, f"{addr}:{port}"))
        listeners.append(s)
    conns = {}  # fd -> HostileConn, oldest first
    relays = {}  # relay socket fd -> (listening socket, client address, give-up time)

    def record(proto, kind, local, peer, nbytes=None, event=None):
        t = time.time()
        rec = {"time": datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(timespec="milliseconds"),
               "t": round(t, 3), "proto": proto, "local": local, "peer": f"{peer[0]}:{peer[1]}",
               "behaviour": kind}
        if nbytes is not None:
            rec["bytes"] = nbytes
        if event is not None:
            rec["event"] = event
        logf.write(json.dumps(rec) + "\n")

    def close(c):
        # the end of a connection too, so a test can see how many were open at once
        record("tcp", c.kind, c.local, c.peer, event="close")
        conns.pop(c.sock.fileno(), None)
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()

    def want(c):
        ev = selectors.EVENT_READ
        if c.out and c.linger_until is None and c.next_drip is None:
            ev |= selectors.EVENT_WRITE
        sel.modify(c.sock, ev, c)

    def refill(c):
        if c.kind != "huge_headers" or len(c.out) >= 65536:
            return
        while len(c.out) < 65536 and c.generated < HOSTILE_HEADER_CAP:
            chunk = hostile_filler(c.next_line)[: HOSTILE_HEADER_CAP - c.generated]
            c.next_line += 64
            c.generated += len(chunk)
            c.out += chunk

    def finish_sending(c):
        # everything sent: FIN, then wait for the peer's close (reading what it sends, so
        # our close does not turn into a RST that could discard bytes it has not read yet)
        try:
            c.sock.shutdown(socket.SHUT_WR)
        except OSError:
            close(c)
            return
        c.linger_until = time.monotonic() + HOSTILE_LINGER
        want(c)

    def on_accept(ls, kind, local):
        for _ in range(64):
            try:
                sock, peer = ls.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            sock.setblocking(False)
            record("tcp", kind, local, peer)
            while len(conns) >= HOSTILE_MAX_CONNS:
                close(next(iter(conns.values())))
            c = HostileConn(sock, kind, local, peer)
            if kind == "huge_headers":
                c.out = b"HTTP/1.1 200 OK\r\n"
                c.generated = len(c.out)
                refill(c)
            elif kind == "garbage":
                c.out = garbage
            elif kind == "huge_tls":
                c.out = huge_tls
            elif kind in HOSTILE_DRIP:
                c.out = HOSTILE_DRIP[kind]
                c.next_drip = time.monotonic()
            conns[sock.fileno()] = c
            writes = c.out and c.next_drip is None
            sel.register(sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if writes else 0), c)

    def drip(now):
        """One byte to every drip connection whose time has come; the payload never runs out in time."""
        for c in [c for c in conns.values() if c.next_drip is not None and now >= c.next_drip]:
            try:
                c.sock.send(c.out[:1], socket.MSG_NOSIGNAL)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                close(c)
                continue
            c.out = c.out[1:] or c.out
            c.sent += 1
            c.next_drip = now + HOSTILE_DRIP_INTERVAL

    def relay_query(ls, local, pkt, peer):
        """hostile004's name server answers over UDP through a.nshost (only its TCP drips)."""
        if len(relays) >= HOSTILE_MAX_CONNS:
            return
        r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            r.setblocking(False)
            r.connect((HOSTILE_DRIP_RELAY_TO, 53))
            r.send(pkt)
        except OSError:
            r.close()
            return
        relays[r.fileno()] = (r, ls, peer, time.monotonic() + 5.0)
        sel.register(r, selectors.EVENT_READ, ("relay_reply", r.fileno()))

    def relay_reply(fd):
        r, ls, peer, _ = relays.pop(fd)
        sel.unregister(r)
        try:
            ls.sendto(r.recv(65535), peer)
        except OSError:
            pass
        r.close()

    def on_readable(c):
        try:
            data = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            close(c)
            return
        if not data:  # the peer closed
            close(c)

    def on_writable(c):
        try:
            n = c.sock.send(c.out[:262144], socket.MSG_NOSIGNAL)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # EPIPE, ECONNRESET: the peer has gone
            close(c)
            return
        c.out = c.out[n:]
        c.sent += n
        refill(c)
        if not c.out:
            finish_sending(c)

    stop = listener_ready(d, "hostile")
    while not stop:
        try:
            events = sel.select(timeout=0.5)
        except InterruptedError:
            continue
        for key, mask in events:
            data = key.data
            if isinstance(data, HostileConn):
                if data.sock.fileno() not in conns:
                    continue  # closed earlier in this round
                if mask & selectors.EVENT_READ:
                    on_readable(data)
                if mask & selectors.EVENT_WRITE and data.sock.fileno() in conns and data.out:
                    on_writable(data)
            elif data[0] == "listen":
                on_accept(key.fileobj, data[1], data[2])
            elif data[0] == "relay_reply":
                if data[1] in relays:
                    relay_reply(data[1])
            else:  # UDP: read, log, and never answer (drop) or relay
                for _ in range(64):
                    try:
                        pkt, peer = key.fileobj.recvfrom(65535)
                    except (BlockingIOError, InterruptedError, ConnectionError):
                        break
                    record("udp", data[1], data[2], peer, len(pkt))
                    if data[1] == "relay":
                        relay_query(key.fileobj, data[2], pkt, peer)
        now = time.monotonic()
        drip(now)
        for fd in [fd for fd, v in relays.items() if now > v[3]]:
            r = relays.pop(fd)[0]
            sel.unregister(r)
            r.close()
        for c in [c for c in conns.values() if c.linger_until is not None and now > c.linger_until]:
            close(c)
    for c in list(conns.values()):
        close(c)
    for s in listeners:
        s.close()
    return 0


def start_hostile(d):
    return start_listener(d, "hostile")


# ============================================================= process bookkeeping

def proc_cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None


def proc_state(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("State:"):
                return line.split()[1]
    except OSError:
        return None
    return None


def alive(pid):
    st = proc_state(pid)
    if st is None or st in ("Z", "X"):
        try:  # reap it if it is our own child
            os.waitpid(pid, os.WNOHANG)
        except (ChildProcessError, OSError):
            pass
        return False
    return True


def children_of(pid):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(p))
    return out


def read_pid(path):
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def our_processes(d):
    """(label, pid) of every process this testbed started in DIR, verified by command line."""
    pids = d / "pids"
    found = {}
    ds = str(d)
    checks = {
        "knot-root": str(d / "knot" / "root" / "knot.conf"),
        "knot-tld": str(d / "knot" / "tld" / "knot.conf"),
        "knot-host": str(d / "knot" / "host" / "knot.conf"),
        "nginx": str(d / "nginx" / "nginx.conf"),
        "trap": f"_trap --dir {ds}",
        "hostile": f"_hostile --dir {ds}",
    }
    checks.update(tlscases.markers(d))
    checks.update(mail.markers(d))
    # the service daemons' markers are their programs, the same in every testbed: trusted only
    # through this DIR's own pid files, never in the /proc-wide search below
    pid_only = services.markers(d)
    for label, marker in list(checks.items()) + list(pid_only.items()):
        pid = read_pid(pids / f"{label}.pid")
        if pid and alive(pid) and marker in (proc_cmdline(pid) or ""):
            found[pid] = label
    pid = read_pid(pids / "supervisor.pid")
    if pid and pid != os.getpid() and alive(pid):
        cl = proc_cmdline(pid) or ""
        if str(SCRIPT.name) in cl and " up " in f" {cl} ":
            found[pid] = "supervisor"
    # nginx workers (also orphans of a SIGKILLed master)
    try:
        for line in (pids / "nginx-workers.pid").read_text().split():
            pid = int(line)
            if alive(pid) and (proc_cmdline(pid) or "").startswith("nginx: worker process"):
                found.setdefault(pid, "nginx-worker")
    except (OSError, ValueError):
        pass
    # anything whose command line names one of our config files (pid files lost in a crash)
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == os.getpid():
            continue
        cl = proc_cmdline(int(p)) or ""
        for label, marker in checks.items():
            if marker in cl and alive(int(p)):
                found.setdefault(int(p), label)
    for pid, label in list(found.items()):
        if label == "nginx":
            for w in children_of(pid):
                found.setdefault(w, "nginx-worker")
    return found


def stop_all(d, quiet=False, timeout=10.0):
    procs = our_processes(d)
    sup = [p for p, label in procs.items() if label == "supervisor"]
    for p in sup:
        del procs[p]
    n = len(procs)
    _stop(procs, quiet, timeout)
    # the supervisor leaves by itself once it has reaped the last daemon
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(alive(p) for p in sup):
        time.sleep(0.05)
    _stop({p: "supervisor" for p in sup if alive(p)}, quiet, 5.0)
    return n


def _stop(procs, quiet, timeout):
    if not procs:
        return
    for pid, label in procs.items():
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in procs):
        time.sleep(0.05)
    left = [p for p in procs if alive(p)]
    for p in left:
        if not quiet:
            log(f"  {procs[p]} (pid {p}) did not exit on SIGTERM; sending SIGKILL")
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(p) for p in left):
        time.sleep(0.05)
    still = [p for p in procs if alive(p)]
    if still:
        raise RuntimeError(f"processes would not die: {still}")


# ============================================================= commands

def resolve_dir(arg):
    if arg:
        d = Path(arg)
    elif os.environ.get("VITALS_TESTBED_DIR"):
        d = Path(os.environ["VITALS_TESTBED_DIR"])
    else:
        d = DEFAULT_DIR
    d = d.resolve()
    if d == Path("/") or d == Path.home():
        raise SystemExit(f"refusing to use {d} as the testbed directory")
    return d


def lock(d):
    d.mkdir(parents=True, exist_ok=True)
    f = open(d / ".lock", "w")
    fcntl.flock(f, fcntl.LOCK_EX)
    return f


GENERATED = ["knot/root/zones", "knot/root/run", "knot/tld/zones", "knot/tld/run", "knot/host/zones",
             "knot/host/run", "nginx", "www", "pids", "logs", "pki/certs", "pki/ca-db", "mail", "services"]
GENERATED_FILES = ["manifest.json", "targets.csv", "targets-assets.csv", "root.hints", "root.key", "ca.pem", "trap.log",
                   "hostile.log", "resolver-example.conf", "state.json"]


def clean(d, keep_keys):
    """Move the previous run's generated trees aside (deleting files is slow on this
    machine's disk: ~1 s per few hundred); the supervisor deletes DIR/.trash after `up`."""
    trash = d / ".trash" / f"{time.time_ns()}"
    trash.mkdir(parents=True, exist_ok=True)
    rels = list(GENERATED)
    for inst in ("root", "tld", "host"):
        db = f"knot/{inst}/db"
        rels += [f"{db}/journal", f"{db}/timers"] if keep_keys else [db]
    for rel in rels:
        try:
            os.rename(d / rel, trash / rel.replace("/", "_"))
        except FileNotFoundError:
            pass
    for rel in GENERATED_FILES:
        try:
            (d / rel).unlink()
        except FileNotFoundError:
            pass


def own_netns_or_exit():
    """--ipv6 changes lo's addresses: refuse unless this is a network namespace of the caller's
    own, as `unshare -n` makes: one whose only interface is lo (and, where PID 1's namespace can
    be read, not PID 1's), so the machine's own lo is never touched."""
    links = [line.split(":")[1].strip() for line in run(["ip", "-o", "link", "show"]).splitlines()]
    try:
        shared = os.stat("/proc/self/ns/net").st_ino == os.stat("/proc/1/ns/net").st_ino
    except OSError:  # not readable (as here, even for root): the interfaces must tell
        shared = False
    if shared or links != ["lo"]:
        raise SystemExit(f"--ipv6 adds addresses to lo: run it only inside a network namespace of your own "
                         f"(interfaces here: {', '.join(links)}), e.g. unshare -n -m bash -c "
                         "'ip link set lo up; testbed.py up --ipv6 ...'")


def add_ipv6(addrs):
    """The testbed's unique-local addresses on lo (inside the caller's namespace only)."""
    have = run(["ip", "-6", "-o", "addr", "show", "dev", "lo"])
    for a in addrs:
        if f" {a}/128 " not in have:
            run(["ip", "-6", "addr", "add", f"{a}/128", "dev", "lo", "nodad"])


def set_subreaper():
    """PR_SET_CHILD_SUBREAPER: orphaned descendants (the daemons) are reparented to us."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def cmd_up(args):
    """Fork a supervisor that brings the testbed up and then stays behind as a child-subreaper.

    The daemons (knotd, nginx, the trap and hostile listeners) are its descendants, so when `down` stops them
    they are reaped by it instead of piling up as zombies under a PID 1 that does not reap
    (as in this project's sandbox). The supervisor exits by itself once the last daemon is gone.
    The parent waits for the outcome and exits with its code; the supervisor drops its copies of
    stdin/stdout/stderr first, so callers that capture the output see EOF when `up` returns.
    """
    if args.ipv6:  # before anything is started or written
        own_netns_or_exit()
    rfd, wfd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.close(wfd)
        data = b""
        while True:
            chunk = os.read(rfd, 64)
            if not chunk:
                break
            data += chunk
        os.close(rfd)
        try:
            return int(data.decode().strip())
        except ValueError:
            print("error: the testbed supervisor died during up", file=sys.stderr)
            return 2
    os.close(rfd)
    os.setsid()
    set_subreaper()
    code = 2
    try:
        code = do_up(args)
    except SystemExit as e:
        if isinstance(e.code, int):
            code = e.code
        else:
            print(e.code, file=sys.stderr)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
    except BaseException:
        import traceback
        traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.write(wfd, str(code).encode())
    os.close(wfd)
    try:
        shutil.rmtree(resolve_dir(args.dir) / ".trash", ignore_errors=True)
    except BaseException:
        pass
    if code == 0:
        while True:  # reap daemons until none is left
            try:
                os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
    os._exit(code)


def do_up(args):
    t0 = time.monotonic()
    d = resolve_dir(args.dir)
    lk = lock(d)
    for b in (KNOTD, KNOTC, NGINX, OPENSSL):
        if not os.access(b, os.X_OK):
            raise SystemExit(f"missing {b}: run scripts/install-deps.sh")
    timings = {}

    def mark(what, since):
        timings[what] = round(time.monotonic() - since, 2)

    n_stopped = stop_all(d, quiet=True)
    if n_stopped:
        log(f"stopped {n_stopped} leftover process(es) from an earlier run")
    mark("stop leftovers", t0)
    t = time.monotonic()
    trap = not args.no_trap
    hostile = not args.no_hostile
    ipv6 = args.ipv6
    state = {"seed": args.seed, "orgs": args.orgs, "trap": trap, "hostile": hostile, "ipv6": ipv6,
             "tls_cases": bool(args.tls_cases)}
    try:
        old_state = json.loads((d / "state.json").read_text())
    except (OSError, ValueError):
        old_state = None
    clean(d, keep_keys=(old_state == state))
    for sub in ("pids", "logs"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    write(d / "pids" / "supervisor.pid", f"{os.getpid()}\n")
    nofile = raise_nofile()[0]
    orgs = build_model(args.orgs, args.seed, trap, hostile, ipv6, args.tls_cases)
    sites = all_sites(orgs)
    regular = [o for o in orgs if is_regular(o)]
    hostile_web = [o for o in orgs if o["hostile"] in ("silent_web", "huge_headers", "drip", "huge_tls")]
    # the mail transport cases (mail.py): organisations mail001.., after every other one
    mail_off = "--no-mail" if args.no_mail else mail.available()
    mails = [] if mail_off else mail.orgs()
    if mail_off and not args.no_mail:
        log(f"mail cases left out: {mail_off}")
    # the exposed-service cases (services.py): organisations svcK01.., one per case
    if args.no_services:
        svc_chosen, svc_off = [], {"all": "--no-services"}
    else:
        svc_chosen, svc_off = services.cases()
    for fam, why in svc_off.items():
        log(f"service cases of {fam} left out: {why}")
    orgs += svc_case_orgs(svc_chosen)
    busy = busy_ports(orgs, trap, hostile)
    if busy:
        raise RuntimeError(f"{len(busy)} address(es) the testbed needs are already in use, e.g. "
                           + ", ".join(busy[:8]) + "\nIs a testbed running from another directory? "
                           "Stop it with its own `down --dir`.")
    mark("clean + model", t)

    try:
        # 1. name-server hosting provider: org zones + helper zones, signed where asked
        t = time.monotonic()
        host_zones = helper_zones()
        for o in regular:
            host_zones.append({"domain": o["domain"] + ".", "text": org_zone(o),
                               "signed": o["dnssec"] in ("signed", "bogus"), "axfr_open": o["axfr"] == "open"})
        if trap:
            host_zones.append({"domain": "trap001.test.", "text": trap001_zone(), "signed": True})
        for o in hostile_web:  # ordinary good DNS; only their web servers misbehave
            host_zones.append({"domain": o["domain"] + ".", "text": org_zone(o), "signed": True})
        for o in (o for o in orgs if o.get("tls_case") or o.get("svc_case")):  # the same for the cases
            host_zones.append({"domain": o["domain"] + ".", "text": org_zone(o), "signed": True})
        if mails:  # their zones carry TLSA digests of the MX keys
            mail.make_keys(d, mails)
        for o in mails:
            extra = "".join(f"{a} {t} {r}\n" for a, t, r in mail.zone_records(d, o))
            host_zones.append({"domain": o["domain"] + ".", "text": org_zone(o) + extra,
                               "signed": o["dnssec"] == "signed"})
        host = Knot(d, "host", list(NSHOST.values()), host_zones)
        host.write()
        host.start()
        mark("knot-host started", t)

        # 2. meanwhile: certificates, web content, nginx
        t = time.monotonic()
        ca_reused = make_pki(d, sites)
        mark("certificates", t)
        t = time.monotonic()
        if ipv6:
            add_ipv6(sorted({a for s in sites for a in s["addrs"] if ":" in a}))
        nconf = write_nginx(d, sites, min(nofile, 65536))
        start_nginx(d, nconf)
        mark("nginx", t)
        if trap:
            t = time.monotonic()
            start_trap(d)
            mark("trap listener", t)
        if hostile:
            t = time.monotonic()
            start_hostile(d)
            mark("hostile listener", t)
        mail_cases = {"enabled": False, "reason": mail_off}
        if mails:
            t = time.monotonic()
            mail_cases = mail.start(d, mails)
            mark("mail cases", t)
        svc_cases = {"enabled": False, "left_out": svc_off}
        if svc_chosen:
            t = time.monotonic()
            svc_cases = services.start(d, svc_chosen)
            svc_cases["left_out"] = svc_off
            mark("service cases", t)
        tls_cases = {"enabled": False}
        if args.tls_cases:
            t = time.monotonic()
            tls_cases = tlscases.start(d)
            mark("tls cases", t)

        # 3. test. with the children's DS records
        t = time.monotonic()
        hkeys = host.dnskeys()
        mark("host zones signed", t)
        t = time.monotonic()
        recs = [("@", "NS", TLD_NS), ("ns1.tld-servers", "A", TLD_ADDR), ("ns1.root-servers", "A", ROOT_ADDR)]
        glue = set()
        by_zone = {o["domain"] + ".": o for o in orgs}
        for z in host_zones:
            dom = z["domain"]
            label = dom[: -len(".test.")]
            o = by_zone.get(dom)
            ns = o["ns_names"] if o else HELPER_NS
            recs += [(label, "NS", n) for n in ns]
            glue.update(ns)
            if z["signed"]:
                bogus = bool(o and o["dnssec"] == "bogus")
                recs += [(label, "DS", ds) for ds in ds_records(dom, hkeys[dom], garble=bogus)]
        for n in sorted(glue & NSHOST.keys()):  # glue for the in-bailiwick nshost.test. servers
            recs.append((n, "A", NSHOST[n]))
        if trap:
            recs += [("trap002", "NS", TRAP_NS_NAME), (TRAP_NS_NAME, "A", TRAP_NS_ADDR)]
            recs += [("trap003", "NS", TRAP_V6_NS_NAME), (TRAP_V6_NS_NAME, "AAAA", TRAP_V6_NS_ADDR)]
            recs += [("trap004", "NS", TRAP_NOGLUE_NS_NAME)]
        if hostile:  # hostile003: delegated to a name server that never answers
            recs += [("hostile003", "NS", HOSTILE_NS_NAME), (HOSTILE_NS_NAME, "A", HOSTILE_NS_ADDR)]
            recs.append((HOSTILE_DRIP_NS_NAME, "A", HOSTILE_DRIP_NS_ADDR))  # hostile004's NS
        tld = Knot(d, "tld", [TLD_ADDR], [{"domain": "test.", "signed": True,
                                           "text": zone_text("test.", TLD_NS, recs)}])
        tld.write()
        tld.start()
        tkeys = tld.dnskeys()
        mark("test. signed", t)

        # 4. the root
        t = time.monotonic()
        rrecs = [("@", "NS", ROOT_NS), ("test.", "NS", TLD_NS)]
        rrecs += [("test.", "DS", ds) for ds in ds_records("test.", tkeys["test."])]
        rrecs += [(ROOT_NS, "A", ROOT_ADDR), (TLD_NS, "A", TLD_ADDR)]
        root = Knot(d, "root", [ROOT_ADDR], [{"domain": ".", "signed": True, "text": zone_text(".", ROOT_NS, rrecs)}])
        root.write()
        root.start()
        rkeys = root.dnskeys()
        mark("root signed", t)

        # 5. every zone really served where its delegation says
        t = time.monotonic()
        host.wait_served()
        tld.wait_served()
        root.wait_served()
        mark("zones verified", t)
    except Exception:
        log("up failed; stopping what was started")
        try:
            stop_all(d, quiet=True)
        finally:
            raise

    ksk = [k for k in rkeys["."] if k[0] == 257]
    write(d / "root.key", "; trust anchor: the testbed root's KSK (for ub_ctx_add_ta_file)\n" +
          "".join(f". {TTL} IN DNSKEY {f} {p} {a} {k}\n" for f, p, a, k in ksk))
    write(d / "root.hints", f";; testbed root hints\n.\t3600000\tIN\tNS\t{ROOT_NS}\n{ROOT_NS}\t3600000\tIN\tA\t{ROOT_ADDR}\n")
    write(d / "resolver-example.conf", f"""\
# Example: a validating unbound against this testbed (manual checks only; not started by testbed.py)
# unbound -d -c {d}/resolver-example.conf   then   kdig @127.0.0.1 -p 5353 +dnssec org001.test TXT
server:
    interface: 127.0.0.1@5353
    do-not-query-localhost: no
    root-hints: "{d}/root.hints"
    trust-anchor-file: "{d}/root.key"
    do-daemonize: no
    username: ""
    chroot: ""
    pidfile: ""
    use-syslog: no
    qname-minimisation: yes
    # unbound (and libunbound) answer NXDOMAIN for the special-use name test. unless told not to:
    local-zone: "test." nodefault
    val-log-level: 2
""")
    orgs += mails
    for o in orgs:  # the manifest's copy of the tags the targets files give (cohort_tags)
        o["tags"] = {k: o[k] for k in ("type", "region") if o.get(k)}
    with open(d / "targets.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["org_id", "name", "domain", "type", "region"])
        for o in orgs:  # traps and hostile organisations have no tags: empty cells
            w.writerow([o["org_id"], o["name"], o["domain"], o.get("type") or "", o.get("region") or ""])
    # the same organisations with their given hosts and addresses (named columns)
    with open(d / "targets-assets.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["org_id", "name", "domain", "hosts", "addresses", "type", "region"])
        for o in orgs:
            w.writerow([o["org_id"], o["name"], o["domain"], " ".join(o.get("hosts", [])),
                        " ".join(o.get("addresses", [])), o.get("type") or "", o.get("region") or ""])
    public = public_orgs(orgs, sites)
    vendor = vendor_site()
    manifest = {
        "seed": args.seed,
        "orgs": args.orgs,
        "generated": rfc3339(utcnow()),
        "dir": str(d),
        "dns": {
            "root": ROOT_ADDR, "root_ns": ROOT_NS, "tld": TLD_ADDR, "tld_ns": TLD_NS,
            "nshost": NSHOST, "helper_zones": ["nshost.test.", "mailer.test."],
            "root_hints": str(d / "root.hints"), "trust_anchor": str(d / "root.key"),
            "mailer_spf": {f"{k}.mailer.test": v for k, v in MAILER_SPF.items()},
            "axfr_refused_rcode": "NOTAUTH",
        },
        "web": {"ca": str(d / "ca.pem"), "leaf_key_shared": True, "server_header_version": nginx_version(),
                "ca_reused": ca_reused},
        "trap": {"enabled": trap, "range": TRAP_RANGE, "web_addr": TRAP_WEB_ADDR, "ns_name": TRAP_NS_NAME,
                 "ns_addr": TRAP_NS_ADDR, "log": str(d / "trap.log"),
                 "tcp": {a: p for a, p in TRAP_TCP_PORTS.items()}, "udp": {a: p for a, p in TRAP_UDP_PORTS.items()}},
        "hostile": {"enabled": hostile, "range": HOSTILE_RANGE, "addrs": HOSTILE_ADDRS,
                    "ns_name": HOSTILE_NS_NAME, "log": str(d / "hostile.log"),
                    "tcp": {f"{a}:{p}": k for (a, p), k in HOSTILE_TCP.items()},
                    "udp": {f"{a}:{p}": k for (a, p), k in HOSTILE_UDP.items()},
                    "max_conns": HOSTILE_MAX_CONNS, "header_cap": HOSTILE_HEADER_CAP,
                    "garbage_bytes": HOSTILE_GARBAGE_BYTES, "drip_interval": HOSTILE_DRIP_INTERVAL,
                    "drip_ns_name": HOSTILE_DRIP_NS_NAME, "drip_ns_addr": HOSTILE_DRIP_NS_ADDR,
                    "relay_to": HOSTILE_DRIP_RELAY_TO},
        "vendor": {"host": VENDOR_HOST, "addr": VENDOR_ADDR, "posture": vendor["posture"],
                   "log": str(d / "logs" / vendor["log"]),
                   "listed_by": [o["org_id"] for o in orgs if VENDOR_HOST in o.get("hosts", [])]},
        "mailhost": {"mx": MAILHOST_MX, "addr": MAILHOST_ADDR},
        "ipv6": {"enabled": ipv6, "prefix": IPV6_PREFIX + "/64",
                 "addrs": sorted({a for s in sites for a in s["addrs"] if ":" in a})},
        "tls_cases": tls_cases,
        "mail": mail_cases,
        "services": svc_cases,
        "timings": timings,
        "organizations": public,
    }
    write(d / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    write(d / "state.json", json.dumps(state) + "\n")
    lk.close()
    el = time.monotonic() - t0
    n_trap = sum(1 for o in orgs if o["trap"])
    n_hostile = sum(1 for o in orgs if o["hostile"])
    log(f"testbed up: {len(regular)} organisations{f' + {n_trap} traps' if trap else ''}"
        f"{f' + {n_hostile} hostile' if hostile else ''}, "
        f"{len(host_zones) + 2} zones, dir {d}")
    log("  " + ", ".join(f"{k} {v}s" for k, v in timings.items()))
    log(f"up took {el:.1f} s")
    return 0


def cmd_down(args):
    t0 = time.monotonic()
    d = resolve_dir(args.dir)
    if not d.exists():
        log("testbed down (no directory)")
        return 0
    lk = lock(d)
    n = stop_all(d)
    for f in (d / "pids").glob("*.pid") if (d / "pids").exists() else []:
        f.unlink()
    lk.close()
    log(f"testbed down: stopped {n} process(es) in {time.monotonic() - t0:.1f} s")
    return 0


def cmd_status(args):
    d = resolve_dir(args.dir)
    try:
        manifest = json.loads((d / "manifest.json").read_text())
    except (OSError, ValueError):
        manifest = None
    procs = our_processes(d) if d.exists() else {}
    by_label = {}
    for pid, label in procs.items():
        by_label.setdefault(label, []).append(pid)
    want = ["knot-root", "knot-tld", "knot-host", "nginx"]
    if manifest and manifest["trap"]["enabled"]:
        want.append("trap")
    if manifest and manifest.get("hostile", {}).get("enabled"):
        want.append("hostile")
    if manifest and manifest.get("tls_cases", {}).get("enabled"):
        want += list(tlscases.markers(d))
    if manifest and manifest.get("mail", {}).get("enabled"):
        want += list(mail.markers(d))
    if manifest and manifest.get("services", {}).get("enabled"):
        want += list(services.markers(d))
    ok = manifest is not None
    for label in want:
        pids = by_label.get(label)
        print(f"{label:13s} {'running pid ' + ','.join(map(str, pids)) if pids else 'NOT RUNNING'}")
        ok = ok and bool(pids)
    if by_label.get("supervisor"):
        print(f"{'supervisor':13s} pid {by_label['supervisor'][0]}")
    if by_label.get("nginx-worker"):
        print(f"{'nginx-worker':13s} pids {','.join(map(str, sorted(by_label['nginx-worker'])))}")
    if "knot-root" in by_label:
        r = dns_query(ROOT_ADDR, ".", "SOA", timeout=1.0)
        print(f"{'root SOA':13s} {'answers' if r and r[0] == 0 else 'NO ANSWER'} at {ROOT_ADDR}")
        ok = ok and bool(r and r[0] == 0)
    if manifest:
        n_trap = sum(1 for o in manifest["organizations"] if o["trap"])
        n_hostile = sum(1 for o in manifest["organizations"] if o.get("hostile"))
        print(f"{'manifest':13s} seed {manifest['seed']}, {manifest['orgs']} organisations"
              f"{f' + {n_trap} traps' if n_trap else ''}{f' + {n_hostile} hostile' if n_hostile else ''}"
              f", generated {manifest['generated']}")
        ev = manifest.get("evolution")
        print(f"{'evolution':13s} " + (f"seed {ev['seed']}: {len(ev['changes'])} findings changed at "
                                       f"{len({c['org_id'] for c in ev['changes']})} organisations, {ev['evolved']}"
                                       if ev else "none (as `up` made it)"))
        tl = d / "trap.log"
        if manifest["trap"]["enabled"] and tl.exists():
            hits = sum(1 for _ in open(tl))
            print(f"{'trap.log':13s} {hits} hit(s)")
        hl = d / "hostile.log"
        if manifest.get("hostile", {}).get("enabled") and hl.exists():
            hits = sum(1 for line in open(hl) if '"event"' not in line)
            print(f"{'hostile.log':13s} {hits} contact(s)")
    else:
        print("manifest      absent")
    print("UP" if ok else "DOWN")
    return 0 if ok else 1


# ============================================================= evolve: the sector over time

# The scripted changes between two scans, as the 2020 study saw the sector move: DNS health
# improving (DMARC enforced, mostly at clinics) while transport and application security
# worsen (expired certificates and version-disclosing servers, mostly at telehealth vendors;
# HSTS without includeSubDomains; a zone transfer opened at a hospital). Each changes one
# variant of an organisation's own zone or apex web site, chosen so the scanner's verdicts
# are certain (no timeouts) and only pass <-> fail (expect.changes refuses anything else).
# `share` of the organisations of type `cohort` change (at least one), `others` of the rest;
# only those `eligible` can change, picked with the evolution's seed.
DMARC_FAILING = ("p_none", "rua_no_p", "sp_invalid", "pct0_quarantine")  # a valid record, p=none in effect
EVOLUTION = [
    {"name": "dmarc_enforced", "check": "dns.dmarc.policy", "part": "dns", "cohort": "clinic",
     "share": 0.30, "others": 0.05, "eligible": lambda o: o["dmarc"] in DMARC_FAILING,
     "apply": {"dmarc": "reject"}},
    {"name": "axfr_opened", "check": "dns.axfr.refused", "part": "dns", "cohort": "hospital",
     "share": 0.05, "others": 0.0, "eligible": lambda o: o["axfr"] == "refused", "apply": {"axfr": "open"}},
    {"name": "cert_expired", "check": "tls.cert.expiry", "part": "cert", "cohort": "telehealth vendor",
     "share": 0.10, "others": 0.0, "eligible": lambda o: o["web_dns"] and o["https"] == "good",
     "apply": {"https": "expired"}},
    {"name": "server_version_shown", "check": "web.server.version", "part": "web",
     "cohort": "telehealth vendor", "share": 0.30, "others": 0.05,
     "eligible": lambda o: o["web_dns"] and not o["server_version"], "apply": {"server_version": True}},
    {"name": "hsts_subdomains_dropped", "check": "web.hsts.subdomains", "part": "web", "cohort": None,
     "share": 0.0, "others": 0.10, "eligible": lambda o: o["web_dns"] and o["https"] not in ("none",)
     and o["hsts"] == "good", "apply": {"hsts": "no_subdomains"}},
]


def evolution_picks(orgs, seed):
    """[(change, org)] of the scripted evolution with this seed, and what each change targeted."""
    rng = random.Random(f"vitals-evolve-{seed}")
    regular = [o for o in orgs if is_regular(o)]
    picks, cohorts = [], {}
    for ch in EVOLUTION:
        inside = [o for o in regular if o["type"] == ch["cohort"]]
        outside = [o for o in regular if o["type"] != ch["cohort"]]
        chosen = []
        for group, share in ((inside, ch["share"]), (outside, ch["others"])):
            want = max(1, round(share * len(group))) if share and group else 0
            pool = [o for o in group if ch["eligible"](o) and all(o is not x for _, x in picks)]
            chosen += rng.sample(pool, min(want, len(pool)))
        picks += [(ch, o) for o in sorted(chosen, key=lambda o: o["org_id"])]
        cohorts[ch["name"]] = {"check": ch["check"], "cohort": ch["cohort"] and f"type={ch['cohort']}",
                               "share": ch["share"], "others": ch["others"], "set": ch["apply"],
                               "in_cohort": sorted(o["org_id"] for o in chosen if o["type"] == ch["cohort"]),
                               "elsewhere": sorted(o["org_id"] for o in chosen if o["type"] != ch["cohort"])}
    return picks, cohorts


def dmarc_records(o):
    """The _dmarc TXT strings of dmarc variant reject (as build_model writes them)."""
    return [f"v=DMARC1; p=reject; rua=mailto:dmarc@{o['domain']}; adkim=s; aspf=s"]


def evolve_model(orgs, seed):
    """Applies the evolution to the model in place; (changes, cohorts, orgs whose zone changed,
    whose zone transfer opened, sites that need an expired certificate)."""
    import expect
    before = {o["org_id"]: json.loads(json.dumps(o)) for o in orgs}
    picks, cohorts = evolution_picks(orgs, seed)
    zones, axfr, expired = [], [], []
    for ch, o in picks:
        o.update(ch["apply"])
        if "dmarc" in ch["apply"]:
            o["dmarc_records"] = dmarc_records(o)
            zones.append(o)
        axfr += [o] if "axfr" in ch["apply"] else []
        expired += [main_site(o)] if ch["part"] == "cert" else []
    sites = all_sites(orgs)
    after = {e["org_id"]: e for e in public_orgs(orgs, sites)}
    old = {e["org_id"]: e for e in public_orgs([before[o["org_id"]] for o in orgs], all_sites(before.values()))}
    changes = [c for oid in sorted({o["org_id"] for _, o in picks}) for c in expect.changes(old[oid], after[oid])]
    return changes, cohorts, zones, axfr, expired


def axfr_rcode(addr, name, timeout=2.0):
    """The rcode of a zone transfer request over TCP (0: the transfer starts), or None."""
    assert addr.startswith("127."), addr
    pkt = struct.pack("!HHHHHH", random.getrandbits(16), 0, 1, 0, 0, 0) + name_wire(name) + struct.pack("!HH", 252, 1)
    try:
        with socket.create_connection((addr, 53), timeout=timeout) as s:
            s.sendall(struct.pack("!H", len(pkt)) + pkt)
            head = b""
            while len(head) < 6:
                more = s.recv(6 - len(head))
                if not more:
                    return None
                head += more
            return struct.unpack("!H", head[4:6])[0] & 0xF
    except OSError:
        return None


def wait_until(what, ok, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > deadline:
            raise RuntimeError(f"evolve: {what} not served in time")
        time.sleep(0.1)


def evolve_dns(d, zones, axfr):
    """Rewrites the changed zones (a newer serial) and opens the zone transfers in knot-host's
    configuration, then reloads only those: a configuration reload when an ACL changed, a zone
    reload per changed zone; waits until every change is served."""
    base = d / "knot" / "host"
    conf = base / "knot.conf"
    for o in zones:
        write(base / "zones" / f"{o['domain']}.zone", org_zone(o, SOA_SERIAL + 1))
    if axfr:
        text = conf.read_text()
        for o in axfr:
            line = f"    file: {base / 'zones' / (o['domain'] + '.zone')}\n"
            if line not in text:
                raise RuntimeError(f"evolve: {o['domain']} not in {conf}")
            text = text.replace(line, line + "    acl: transfer_any\n")
        write(conf, text)
        run([KNOTC, "-c", str(conf), "-t", "10", "reload"])
    for o in zones:
        run([KNOTC, "-c", str(conf), "-t", "10", "zone-reload", o["domain"] + "."])
    for o in zones:
        want = txt_wire(o["dmarc_records"][0])
        for a in o["ns_addrs"]:
            wait_until(f"_dmarc.{o['domain']} at {a}",
                       lambda: want in (dns_query(a, f"_dmarc.{o['domain']}", "TXT", raw=True) or b""))
    for o in axfr:
        for a in o["ns_addrs"]:
            wait_until(f"zone transfer of {o['domain']} at {a}", lambda: axfr_rcode(a, o["domain"]) == 0)


def txt_wire(text):
    """A TXT string as it appears in an answer (length-prefixed; testbed strings are short)."""
    b = text.encode()
    return bytes([len(b)]) + b


def evolve_web(d, orgs, expired):
    """New expired certificates for the sites that need them and the regenerated nginx
    configuration, loaded by a reload (SIGHUP) of the running master; waits until every
    worker is a new one and records the new workers' pids."""
    pki = d / "pki"
    run_many([expired_csr(pki, s)[0] for s in expired], parallel=4)
    sign_expired(pki, [(s, expired_csr(pki, s)[1]) for s in expired])
    conf = write_nginx(d, all_sites(orgs), min(raise_nofile()[0], 65536))
    prefix = str(d / "nginx") + "/"
    t = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", prefix, "-e", str(d / "logs" / "nginx-error.log")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if t.returncode != 0:
        raise RuntimeError(f"evolve: the new nginx configuration does not load:\n{t.stdout}")
    master = int((d / "pids" / "nginx.pid").read_text().split()[0])
    old = set(children_of(master))
    os.kill(master, signal.SIGHUP)
    wait_until("nginx reload", lambda: (lambda now: len(now) >= 2 and not now & old)(set(children_of(master))))
    write(d / "pids" / "nginx-workers.pid", "".join(f"{w}\n" for w in sorted(children_of(master))))


def cmd_evolve(args):
    """Applies the scripted evolution with --seed to the running testbed in DIR and records it
    in the manifest. A second evolve with the same seed does nothing; with another seed it is
    refused: `up` again gives the unevolved testbed."""
    t0 = time.monotonic()
    d = resolve_dir(args.dir)
    lk = lock(d)
    try:
        manifest = json.loads((d / "manifest.json").read_text())
        state = json.loads((d / "state.json").read_text())
    except (OSError, ValueError):
        raise RuntimeError(f"no testbed in {d}: run `up` first")
    done = manifest.get("evolution")
    if done:
        if done["seed"] != args.seed:
            raise RuntimeError(f"{d} was evolved with seed {done['seed']} already; run `up` again to start over")
        log(f"already evolved with seed {args.seed}: nothing to do")
        return 0
    if not our_processes(d):
        raise RuntimeError(f"the testbed in {d} is not running")
    orgs = build_model(state["orgs"], state["seed"], state["trap"], state["hostile"], state["ipv6"],
                       state.get("tls_cases", False))
    # mail.py's and services.py's organisations are not in the model: never evolved
    mails = [o for o in manifest["organizations"] if o.get("mail") or o.get("svc_case")]
    if [o["org_id"] for o in orgs] != [o["org_id"] for o in manifest["organizations"]
                                       if not o.get("mail") and not o.get("svc_case")]:
        raise RuntimeError("the manifest does not match the model of state.json")
    changes, cohorts, zones, axfr, expired = evolve_model(orgs, args.seed)
    evolve_dns(d, zones, axfr)
    evolve_web(d, orgs, expired)
    manifest["organizations"] = public_orgs(orgs, all_sites(orgs)) + mails
    manifest["evolution"] = {"seed": args.seed, "evolved": rfc3339(utcnow()), "changes": changes,
                             "cohorts": cohorts}
    write(d / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    lk.close()
    n_orgs = len({c["org_id"] for c in changes})
    log(f"testbed evolved with seed {args.seed}: {len(changes)} findings change at {n_orgs} organisations "
        f"({len(zones) + len(axfr)} zone(s), {len(expired)} certificate(s)) in {time.monotonic() - t0:.1f} s")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="stand the testbed up (restarts it if running)")
    up.add_argument("--orgs", type=int, required=True)
    up.add_argument("--seed", type=int, required=True)
    up.add_argument("--dir")
    up.add_argument("--no-trap", action="store_true", help="leave out trap001/trap002 and the trap listener")
    up.add_argument("--no-hostile", action="store_true",
                    help="leave out hostile001-005 and the hostile listener")
    up.add_argument("--tls-cases", action="store_true",
                    help="also serve the deep-TLS cases on 127.97.0.0/24 (tlscases.py), each an organisation tlsNNN")
    up.add_argument("--no-mail", action="store_true",
                    help="leave out the mail transport cases mail001.. (mail.py)")
    up.add_argument("--no-services", action="store_true",
                    help="leave out the exposed-service cases svcK01.. (services.py)")
    up.add_argument("--ipv6", action="store_true",
                    help="ONLY inside a network namespace of your own (unshare -n): add "
                         f"{IPV6_PREFIX}/64 addresses to lo and publish AAAA records")
    dn = sub.add_parser("down", help="stop everything the testbed started")
    dn.add_argument("--dir")
    st = sub.add_parser("status", help="show what runs; exit 0 if up")
    st.add_argument("--dir")
    ev = sub.add_parser("evolve", help="apply the scripted changes of --seed to the running testbed")
    ev.add_argument("--seed", type=int, required=True)
    ev.add_argument("--dir")
    tr = sub.add_parser("_trap", help=argparse.SUPPRESS)
    tr.add_argument("--dir", required=True)
    ho = sub.add_parser("_hostile", help=argparse.SUPPRESS)
    ho.add_argument("--dir", required=True)
    args = ap.parse_args(argv)
    try:
        return {"up": cmd_up, "down": cmd_down, "status": cmd_status, "evolve": cmd_evolve, "_trap": trap_main,
                "_hostile": hostile_main}[args.cmd](args)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
