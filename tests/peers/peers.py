#!/usr/bin/python3
"""Peer scanners (sslscan, testssl.sh) on the testbed's deep-TLS cases, compared with the manifest.

Runs sslscan on every case endpoint, one at a time as users run it, and testssl.sh on a few
(it takes about 20 s a host), parses their output (sslscan --xml plus its --ocsp text;
testssl.sh --jsonfile) into one verdict per endpoint in the manifest's vocabulary
(tests/testbed/tlscases.py truth()), and compares each verdict with the ground truth. A field a
peer cannot judge is None in its verdict; every such field, and every known disagreement, is a
named limitation (LIMITS, mirrored by the table in README.md), never a silent exclusion.

    /usr/bin/python3 tests/peers/peers.py MANIFEST [--testssl ID,ID] [--json OUT]

Run it where the testbed runs (its private network namespace); it contacts only the case
addresses in 127.97.0.0/24. Exit status 0 when every field agrees or is a named limitation.
Python 3 standard library only.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

SSLSCAN = "/usr/bin/sslscan"
TESTSSL = "/usr/bin/testssl"
PROTOCOLS = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
CERT_FIELDS = ["key_type", "key_bits", "sig", "chain_complete", "self_signed", "validity_days",
               "over_398_days", "expired", "not_yet_valid"]

# (peer, field) -> reason: what the peer cannot judge (its verdict has None there). A field
# "cert.X" is a certificate field; "*" as a case means every case (README.md, "Limitations").
LIMITS = {
    ("sslscan", "cert.chain_complete"):
        "sslscan shows the leaf certificate only; it neither lists nor verifies the chain",
    ("testssl", "cert.chain_complete"):
        "testssl.sh says \"passed\" or \"chain incomplete\"; any other trust failure (self-signed, "
        "expired, not yet valid) hides whether the chain is complete",
}
# (peer, case, field) -> reason: a known disagreement with the ground truth
KNOWN = {}


# ------------------------------------------------------------------ shared vocabulary

AEAD = ("GCM", "CHACHA20", "CCM", "POLY1305")


def cipher_kind(name):
    """The properties of one suite from its OpenSSL or IANA name (sslscan uses IANA names for
    suites its OpenSSL lacks, e.g. TLS_ECDHE_RSA_WITH_RC4_128_SHA)."""
    n = name.upper()
    tls13 = n.startswith(("TLS_AES_", "TLS_CHACHA20_", "TLS_SM4_"))
    return {
        "null": "NULL" in n.replace("ANULL", ""),
        "export": n.startswith("EXP") or "EXPORT" in n,
        "anon": n.startswith(("ADH", "AECDH")) or "_ANON_" in n,
        "rc4": "RC4" in n,
        "3des": "DES" in n or "IDEA" in n,  # 3DES, DES and IDEA: 64-bit blocks
        "aead": tls13 or any(a in n for a in AEAD),
        "fs": tls13 or n.startswith(("ECDHE", "DHE", "EDH", "AECDH", "ADH")) or "_DHE_" in n or "_ECDHE_" in n
        or "_ANON_" in n,
    }


def classes_of(suites):
    """The manifest's cipher classes of a set of accepted suite names (tlscases.CLASSES)."""
    kinds = [cipher_kind(s) for s in suites]
    out = {c for c in ("null", "export", "anon", "rc4", "3des") if any(k[c] for k in kinds)}
    if kinds and all(not k["aead"] and not k["rc4"] and not k["null"] for k in kinds):
        out.add("cbc_only")
    if kinds and not any(k["fs"] for k in kinds):
        out.add("no_fs")
    if kinds and not any(k["aead"] for k in kinds):
        out.add("no_aead")
    return sorted(out)


def cert_dates(before, after, now):
    """The manifest's date fields from a certificate's validity period."""
    days = round((after - before).total_seconds() / 86400)
    return {"validity_days": days, "over_398_days": days > 398, "expired": after < now,
            "not_yet_valid": before > now}


# ------------------------------------------------------------------ sslscan

def _sslscan_date(text):
    return datetime.datetime.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y GMT").replace(
        tzinfo=datetime.timezone.utc)


def sslscan_verdict(xml_text, stdout_text, now):
    """One endpoint's verdict from sslscan's --xml document and its text output (OCSP)."""
    test = ET.fromstring(xml_text).find("ssltest")
    if test is None:
        raise ValueError("sslscan: no <ssltest> (connection failed?)")
    protos = {f"{'SSLv' if p.get('type') == 'ssl' else 'TLSv'}{p.get('version')}": p.get("enabled") == "1"
              for p in test.findall("protocol")}
    protos["SSLv3"] = protos.pop("SSLv3", None)
    ciphers = test.findall("cipher")
    dh = [int(c.get("dhebits")) for c in ciphers if c.get("dhebits")]
    short = test.find("certificates/certificate[@type='short']")
    pk = short.find("pk")
    key_type = {"RSA": "rsa", "EC": "ec"}.get(pk.get("type"), pk.get("type").lower())
    # for EC keys sslscan's bits are the security strength; the curve names the key size
    bits = {"prime256v1": 256, "secp384r1": 384, "secp521r1": 521}.get(pk.get("curve_name"), int(pk.get("bits")))
    cert = {"key_type": key_type, "key_bits": bits, "sig": _sig(short.findtext("signature-algorithm")),
            "chain_complete": None, "self_signed": short.findtext("self-signed") == "true"}
    cert.update(cert_dates(_sslscan_date(short.findtext("not-valid-before")),
                           _sslscan_date(short.findtext("not-valid-after")), now))
    # sslscan's own <expired> is relative to when it ran; the dates judge against `now` instead
    return {"protocols": {p: protos.get(p) for p in PROTOCOLS},
            "classes": classes_of([c.get("cipher") for c in ciphers]),
            "dh_bits": min(dh) if dh else None, "cert": cert,
            "ocsp_stapled": _sslscan_ocsp(stdout_text)}


def _sig(text):
    """'ecdsa-with-SHA256', 'sha256WithRSAEncryption', 'ECDSA with SHA256', 'SHA1 with RSA'... ->
    'ecdsa-sha256' / 'rsa-sha1' (the manifest's spelling)."""
    t = text.lower().replace("-", "").replace(" ", "")
    alg = "ecdsa" if "ecdsa" in t else "rsa" if "rsa" in t else "?"
    md = next((m for m in ("sha512", "sha384", "sha256", "sha224", "sha1", "md5") if m in t), "?")
    return f"{alg}-{md}"


def _sslscan_ocsp(text):
    if "OCSP Response Status: successful" in text:
        return True
    if "No OCSP response received" in text:
        return False
    return None


def run_sslscan(ep, now, extra=()):
    """sslscan on one endpoint (with `extra` options); returns (verdict, seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        xml = os.path.join(tmp, "out.xml")
        t0 = time.monotonic()
        r = subprocess.run([SSLSCAN, "--no-colour", "--show-certificate", "--ocsp", f"--sni-name={ep['host']}",
                            f"--xml={xml}", *extra, f"{ep['addr']}:{ep['port']}"],
                           capture_output=True, text=True, timeout=120)
        el = time.monotonic() - t0
        with open(xml) as f:
            return sslscan_verdict(f.read(), r.stdout, now), el


# ------------------------------------------------------------------ testssl.sh

TESTSSL_PROTOS = {"SSLv3": "SSLv3", "TLS1": "TLSv1.0", "TLS1_1": "TLSv1.1", "TLS1_2": "TLSv1.2",
                  "TLS1_3": "TLSv1.3"}


def _testssl_date(text):
    return datetime.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=datetime.timezone.utc)


def testssl_verdict(records, now):
    """One endpoint's verdict from testssl.sh's flat --jsonfile (a list of {id, finding, ...})."""
    f = {}
    for r in records:
        f.setdefault(r["id"], r["finding"])
    protos = {}
    for tid, p in TESTSSL_PROTOS.items():
        v = f.get(tid, "")
        protos[p] = True if v.startswith("offered") else False if v.startswith("not offered") else None
    suites, dh = [], []
    for tid, v in f.items():
        if not tid.startswith("cipher-"):
            continue  # "TLS 1.2   x9e     DHE-RSA-AES128-GCM-SHA256   DH 1024   AESGCM ..."
        words = v.split()
        suites.append(words[3])
        if words[4] == "DH":
            dh.append(int(words[5]))
    ktype, kbits = f["cert_keySize"].split()[:2]
    trust = f.get("cert_chain_of_trust", "")
    chain = True if trust.startswith("passed") else False if "chain incomplete" in trust else None
    cert = {"key_type": {"RSA": "rsa", "EC": "ec"}.get(ktype, ktype.lower()), "key_bits": int(kbits),
            "sig": _sig(f["cert_signatureAlgorithm"]), "chain_complete": chain,
            "self_signed": "self signed" in trust}
    cert.update(cert_dates(_testssl_date(f["cert_notBefore"]), _testssl_date(f["cert_notAfter"]), now))
    ocsp = f.get("OCSP_stapling", "")
    return {"protocols": protos, "classes": classes_of(suites), "dh_bits": min(dh) if dh else None,
            "cert": cert,
            "ocsp_stapled": True if ocsp.startswith("offered") else False if ocsp.startswith("not offered") else None}


def run_testssl(ep, ca, now):
    """testssl.sh on one endpoint: protocols, standard cipher classes, forward secrecy, server
    defaults (certificate, stapling) and every cipher per protocol; returns (verdict, seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        t0 = time.monotonic()
        subprocess.run([TESTSSL, "--quiet", "--color", "0", "--warnings", "off", "--nodns", "min",
                        "--ip", ep["addr"], "--add-ca", ca, "-p", "-s", "-f", "-S", "-E", "--jsonfile", out,
                        f"https://{ep['host']}:{ep['port']}"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        el = time.monotonic() - t0
        with open(out) as f:
            return testssl_verdict(json.load(f), now), el


# ------------------------------------------------------------------ vitals

def vitals_verdict(scan):
    """One endpoint's verdict from vitals' own observation: a `tls_scans` object of a domain
    document (docs/OBSERVATIONS.md). An unanswered question (null) stays None, as a peer's
    unknown does; classes are None when any class is unknown."""
    classes = scan.get("classes") or {}
    cert = scan.get("cert") or {}
    leaf = (cert.get("chain") or [{}])[0]
    days = cert.get("validity_days")
    return {
        "protocols": {p: (scan.get("protocols") or {}).get(p) for p in PROTOCOLS},
        "classes": None if not classes or None in classes.values() else sorted(k for k, v in classes.items() if v),
        "dh_bits": scan.get("dh_bits"),
        "cert": {"key_type": leaf.get("key_type"), "key_bits": leaf.get("key_bits"), "sig": leaf.get("sig"),
                 "chain_complete": cert.get("chain_complete"), "self_signed": leaf.get("self_signed"),
                 "validity_days": days, "over_398_days": None if days is None else days > 398,
                 "expired": cert.get("expired"), "not_yet_valid": cert.get("not_yet_valid")},
        "ocsp_stapled": scan.get("ocsp_stapled"),
    }


# ------------------------------------------------------------------ comparing

def flatten(v):
    """A verdict or a truth as {field: value}: protocols.P, classes, dh_bits, cert.X, ocsp_stapled."""
    out = {f"protocols.{p}": v["protocols"].get(p) for p in PROTOCOLS}
    out["classes"] = v["classes"]
    out["dh_bits"] = v["dh_bits"]
    out.update({f"cert.{k}": v["cert"].get(k) for k in CERT_FIELDS})
    out["ocsp_stapled"] = v["ocsp_stapled"]
    return out


def compare(peer, truth, verdict):
    """[(field, want, have, note)] for every field: note None when they agree, "limit: REASON" /
    "known: REASON" for a named limitation, else "DISAGREES" / "UNKNOWN (no named limitation)"."""
    want, have = flatten(truth), flatten(verdict)
    rows = []
    for field in want:
        w, h = want[field], have[field]
        if h is None and w is not None and (peer, field) in LIMITS:
            note = "limit: " + LIMITS[(peer, field)]
        elif w == h:
            note = None
        elif (peer, truth["case"], field) in KNOWN:
            note = "known: " + KNOWN[(peer, truth["case"], field)]
        elif h is None:
            note = "UNKNOWN (no named limitation)"
        else:
            note = "DISAGREES"
        rows.append((field, w, h, note))
    return rows


def failures(rows):
    return [r for r in rows if r[3] and not r[3].startswith(("limit:", "known:"))]


def run_all(manifest, testssl_ids=(), now=None):
    """{"sslscan": {id: {"rows", "seconds"}}, "testssl": {...}} over the manifest's tls cases."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    cases = manifest["tls_cases"]
    out = {"sslscan": {}, "testssl": {}}
    for ep in cases["endpoints"]:
        v, el = run_sslscan(ep, now)
        out["sslscan"][ep["id"]] = {"case": ep["case"], "rows": compare("sslscan", ep, v), "seconds": el}
    # testssl.sh spends its time waiting on its many openssl children: a few hosts side by side
    # take little longer than one (each still reports its own time)
    eps = [e for e in cases["endpoints"] if e["id"] in testssl_ids or e["case"] in testssl_ids]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(eps))) as pool:
        done = list(pool.map(lambda ep: run_testssl(ep, cases["ca"], now), eps))
    for ep, (v, el) in zip(eps, done):
        out["testssl"][ep["id"]] = {"case": ep["case"], "rows": compare("testssl", ep, v), "seconds": el}
    return out


def report(results):
    lines = []
    for peer, eps in results.items():
        if not eps:
            continue
        secs = sum(e["seconds"] for e in eps.values())
        bad = sum(len(failures(e["rows"])) for e in eps.values())
        lim = sum(1 for e in eps.values() for r in e["rows"] if r[3] and r[3].startswith(("limit:", "known:")))
        lines.append(f"{peer}: {len(eps)} endpoint(s) in {secs:.1f} s ({len(eps) / secs:.2f}/s one at a time), "
                     f"{bad} disagreement(s), {lim} field(s) under a named limitation")
        for eid, e in eps.items():
            for field, w, h, note in e["rows"]:
                if note and not note.startswith("limit:"):
                    lines.append(f"  {eid} {e['case']}: {field}: manifest {w!r}, {peer} {h!r}: {note}")
    return "\n".join(lines)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifest")
    ap.add_argument("--testssl", default="", help="case ids or names to run testssl.sh on, comma-separated")
    ap.add_argument("--json", help="write the comparison rows here")
    args = ap.parse_args(argv[1:])
    with open(args.manifest) as f:
        manifest = json.load(f)
    if not manifest.get("tls_cases", {}).get("enabled"):
        print("the testbed was not started with --tls-cases", file=sys.stderr)
        return 2
    results = run_all(manifest, [t for t in args.testssl.split(",") if t])
    print(report(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 1 if any(failures(e["rows"]) for eps in results.values() for e in eps.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
