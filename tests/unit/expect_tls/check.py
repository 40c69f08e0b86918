"""TAP test of tests/testbed/expect.py expected_tls_checks() on the ground truth of every
deep-TLS case (tests/testbed/tlscases.py): each case fails exactly the checks its property
names, as web and as SMTP endpoint, and the check list is the analyzer's (analyze_tls.c)."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "testbed"))
import expect  # noqa: E402
import tlscases  # noqa: E402

# case -> the checks it fails on a web endpoint (every other one passes)
FAILS = {
    "modern": {"tls.ocsp.stapling"},
    "legacy_protocols": {"tls.ocsp.stapling", "tls.protocol.tls13"},
    "tls13_only": {"tls.ocsp.stapling"},
    "null_cipher": {"tls.ocsp.stapling", "tls.protocol.tls13", "tls.cipher.null"},
    "anon_cipher": {"tls.ocsp.stapling", "tls.protocol.tls13", "tls.cipher.anon"},
    "cbc_only": {"tls.ocsp.stapling", "tls.protocol.tls13", "tls.cipher.cbc", "tls.cipher.aead"},
    "static_rsa": {"tls.ocsp.stapling", "tls.protocol.tls13", "tls.cipher.fs"},
    "dhe_1024": {"tls.ocsp.stapling", "tls.protocol.tls13", "tls.kex.dh"},
    "rsa_1024": {"tls.ocsp.stapling", "tls.protocol.tls13", "tls.cert.key"},
    "sha1_signature": {"tls.ocsp.stapling", "tls.protocol.tls13", "tls.cert.signature"},
    "chain_incomplete": {"tls.ocsp.stapling", "tls.cert.chain"},
    "long_validity": {"tls.ocsp.stapling", "tls.cert.lifetime"},
    "expired": {"tls.ocsp.stapling"},
    "not_yet_valid": {"tls.ocsp.stapling", "tls.cert.current"},
    "self_signed": {"tls.ocsp.stapling"},
    "ocsp_stapled": set(),
    "rc4_cipher": {"tls.ocsp.stapling", "tls.protocol.tls13", "tls.cipher.rc4"},
    "3des_cipher": {"tls.ocsp.stapling", "tls.protocol.tls13", "tls.cipher.3des"},
}

n = 0
failed = 0


def ok(cond, name, diag=""):
    global n, failed
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {name}")
    if not cond:
        failed += 1
        if diag:
            print(f"#   {diag}")


def main():
    src = (ROOT / "src" / "analyze" / "analyze_tls.c").read_text()
    table = src[src.index("tls_checks[] = {"):]
    ids = re.findall(r'^\s*\{"(tls\.[a-z0-9.]+)"', table, re.M)
    ok(ids == expect.TLS_V4_CHECKS, "TLS_V4_CHECKS is analyze_tls.c's table, in order", f"{ids}")
    cases = tlscases.cases()
    ok({c["case"] for c in cases} == set(FAILS), "every tls case has its expectation here")
    for c in cases:
        truth = tlscases.truth(c)
        got = expect.expected_tls_checks(truth)
        fails = {k for k, s in got.items() if s == expect.FAIL}
        rest = {s for k, s in got.items() if k not in fails}
        ok(fails == FAILS[c["case"]] and rest <= {expect.PASS}, f"{c['case']}: fails exactly its checks",
           f"fails {sorted(fails)}, others {sorted(rest)}")
        smtp = expect.expected_tls_checks(truth, "smtp")
        na = {k for k, s in smtp.items() if s == expect.NA}
        same = all(smtp[k] == got[k] for k in got if k not in na)
        ok(na == set(expect.TLS_SMTP_NA) and same, f"{c['case']} as an MX: chain, current, lifetime, "
           "stapling na, the rest as on the web")
    try:
        expect.expected_tls_checks(tlscases.truth(cases[0]), "imap")
        ok(False, "an unknown service is refused")
    except ValueError:
        ok(True, "an unknown service is refused")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
