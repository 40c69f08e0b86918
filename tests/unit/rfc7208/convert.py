#!/usr/bin/python3
"""Converts the RFC 7208 SPF test suite shipped by Debian's python3-spf into the JSON
fixture that tests/unit/test_rfc7208.c reads, and classifies each test.

    /usr/bin/python3 tests/unit/rfc7208/convert.py [--yml FILE] [--out FILE]
    /usr/bin/python3 tests/unit/rfc7208/convert.py --check   # fixture == conversion?

The zone data is stored as python3-spf's own test driver (testspf.py) loads it: TXT
records generated from type SPF ones when a name has no TXT, "NONE" dropped, TIMEOUT
kept in place. vitals' evaluator judges a published record from outside: it knows no
connecting address, sender or HELO name. So each test is classified with pyspf
itself: the test is run again with a stranger's address (TEST-NET-3 / 2001:db8:ffff::),
then also with a stranger's local part and HELO name. When the expected result still
holds, the outcome depends on the published records only and the C test must agree;
otherwise the test is skipped with the reason written in the fixture. Tests whose
identity is the HELO name (empty MAIL FROM) are skipped too. --check exits 77 (skip)
when the suite, PyYAML or pyspf is missing.
"""
import argparse
import gzip
import hashlib
import json
import os
import sys

SUITE = "/usr/share/doc/python3-spf/rfc7208-tests.yml.gz"
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rfc7208-tests.json")
STRANGER = {4: "203.0.113.199", 6: "2001:db8:ffff::c7"}
SKIP_EXIT = 77


def load_zone(data):
    """testspf.py's getrdata(): [[type, value, name] | "TIMEOUT", ...] per lower-case name."""
    zone = {}
    for name, rrs in data.get("zonedata", {}).items():
        out, txt, gen = [], [], True
        for m in rrs:
            if not isinstance(m, dict):
                out.append(m)
                continue
            for t, v in m.items():
                if t in ("TXT", "SPF") and isinstance(v, str):
                    v = [v]
                if t == "TXT":
                    gen = False
                elif t == "SPF" and gen:
                    txt.append(["TXT", v])
                if v != ["NONE"]:
                    out.append([t, v])
        if gen:
            out += txt
        zone[name.lower()] = out
    return zone


def pyspf_runner(zone):
    """A pyspf check() over `zone`, DNS answered the way testspf.py answers it."""
    import socket
    import spf

    def lookup(name, qtype, strict=True, timeout=None, level=0):
        try:
            timeout = True
            labels = [x for x in name.split(".") if x]
            if any(len(x) > 63 for x in labels):
                raise spf.TempError("DNS label too long")
            name = ".".join(labels)
            for i in zone[name.lower()]:
                if i == "TIMEOUT":
                    if timeout:
                        raise spf.TempError("DNS timeout")
                    return
                t, v = i
                if t == qtype:
                    timeout = False
                if v == "TIMEOUT":
                    if t == qtype:
                        raise spf.TempError("DNS timeout")
                    continue
                if t == "AAAA":
                    v = bytes(socket.inet_pton(socket.AF_INET6, v))
                elif t in ("TXT", "SPF"):
                    v = tuple(s.encode("utf-8") for s in v)
                elif t == "MX":
                    v = tuple(v)
                yield ((name, t), v)
                if not level and t == "CNAME":
                    yield from lookup(v, qtype, strict, timeout, 1)
        except KeyError:
            if name.startswith("error."):
                raise spf.TempError("DNS timeout")

    def run(ip, sender, helo):
        spf.DNSLookup = lookup
        q = spf.query(i=ip, s=sender, h=helo, strict=True)
        res = q.check()[0]
        return {"unknown": "permerror", "error": "temperror"}.get(res, res)
    return run


def classify(t, run):
    """None when only the published records decide the outcome, else why not."""
    want = t["result"]
    if not t.get("mailfrom"):
        return "the identity is the HELO name (empty MAIL FROM)"
    fam = 6 if ":" in t["host"] else 4
    local, _, domain = t["mailfrom"].rpartition("@")
    if run(STRANGER[fam], t["mailfrom"], t["helo"]) not in want:
        return "depends on the connecting IP address"
    if run(STRANGER[fam], "stranger@" + domain, "stranger.helo.invalid") not in want:
        return "depends on the sender's local part or the HELO name (macros)"
    return None


def convert(yml):
    import yaml
    raw = open(yml, "rb").read()
    text = gzip.decompress(raw) if yml.endswith(".gz") else raw
    out = {"source": os.path.basename(yml), "sha256": hashlib.sha256(text).hexdigest(), "scenarios": []}
    for doc in yaml.safe_load_all(text):
        zone = load_zone(doc)
        run = pyspf_runner(zone)
        tests = []
        for name, t in sorted(doc["tests"].items()):
            res = t["result"] if isinstance(t["result"], list) else [t["result"]]
            t = dict(t, result=res)
            tests.append({"name": name, "spec": str(t.get("spec", "")), "host": t["host"],
                          "mailfrom": t.get("mailfrom", ""), "helo": t.get("helo", ""),
                          "result": res, "skip": classify(t, run)})
        out["scenarios"].append({"description": doc.get("description", ""), "zone": zone, "tests": tests})
    return out


def dump(obj):
    return json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=True) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yml", default=SUITE)
    ap.add_argument("--out", default=FIXTURE)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    try:
        import spf  # noqa: F401
        import yaml  # noqa: F401
    except ImportError as e:
        print(f"skip: {e}")
        return SKIP_EXIT if a.check else 1
    if not os.path.exists(a.yml):
        print(f"skip: {a.yml} not installed")
        return SKIP_EXIT if a.check else 1
    text = dump(convert(a.yml))
    if a.check:
        same = open(a.out, encoding="ascii").read() == text
        print("fixture matches the suite" if same else f"{a.out} differs from a conversion of {a.yml}")
        return 0 if same else 1
    with open(a.out, "w", encoding="ascii") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
