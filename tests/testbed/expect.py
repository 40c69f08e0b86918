"""Ground truth for the vitals checks on the simulated-sector testbed.

expected_checks(org) maps every check id to the status the scanner should report
(`pass`, `fail`, `na`, `indeterminate`) for one organisation entry of manifest.json.
Trap organisations (org["trap"] is true) return {}: the scope-guard test treats them apart.

expected_endpoint_checks(org) maps each (host, address) the scanner probes for the web
(apex, www, given hosts, given addresses; A and, in an IPv6 testbed, AAAA) to the tls.*/web.*
statuses of that endpoint's intended posture; expected_assets(org) is the set of
(host or address, reason) the scanner must report as the organisation's assets.

finding_statuses(org) gives both at once, keyed (check, domain, endpoint); changes(before,
after) lists the pass <-> fail differences between two entries of one organisation (the
testbed's `evolve`), and org_status(statuses, check) an organisation's status under the
worst-status rule.

expected_tls_checks(truth, service) maps a deep-TLS case's ground truth (tlscases.py truth(),
manifest.json tls_cases.endpoints[]) to the statuses of the version 4 tls.* checks (TLS_V4_CHECKS)
on that endpoint, as a web ("https") or MX ("smtp") endpoint. CHECK_IDS stays the checks every
organisation gets a determinate expectation for today; TLS_V4_CHECKS and mail.starttls join it
when the testbed's organisations carry the deep-TLS cases.

expected_mail_checks(org, certs_observed) maps (check, domain) to (status, reason) for the mail
transport checks (mail.*): MTA-STS, TLS-RPT and DANE per domain, STARTTLS per MX host, from
the regular organisations' DNS and the mail cases' manifest part (tests/testbed/mail.py).

expected_svc_checks(org) maps every version 5 svc.* check (SVC_CHECKS) to the organisation's
status (org_svc_status gives the scanner's, from its findings), from the exposed-service cases'
ground truth (tests/testbed/services.py) and the absent status for everyone else.

expected_hostile(org) maps every check id to (status, reason) for the hostile organisations
(org["hostile"] set: hostile001-005, whose servers misbehave); expected_checks(org) gives
the statuses alone for them too. A reason of None means: no reason for `pass`/`fail`
(the scanner gives none), and "any of DNS_FAILURE_REASONS" (timeout, servfail) for
`indeterminate`. Use matches(expected, status, reason) to compare a finding.

Run as a script to print, for a manifest, how often each check expects each status:
    python3 tests/testbed/expect.py [tests/testbed/run/manifest.json]
"""

import json
import sys

PASS, FAIL, NA, INDETERMINATE = "pass", "fail", "na", "indeterminate"

# the version 4 deep-TLS checks of every endpoint (tls_scans: src/analyze/analyze_tls.c)
TLS_V4_CHECKS = [
    "tls.cert.current", "tls.cert.chain", "tls.cert.key", "tls.cert.signature", "tls.cert.lifetime",
    "tls.ocsp.stapling", "tls.protocol.sslv3", "tls.protocol.tls13",
    "tls.cipher.null", "tls.cipher.export", "tls.cipher.anon", "tls.cipher.rc4", "tls.cipher.3des",
    "tls.cipher.fs", "tls.cipher.aead", "tls.cipher.cbc", "tls.kex.dh",
]

CHECK_IDS = [
    "dns.dnssec.signed", "dns.dnssec.valid",
    "dns.spf.present", "dns.spf.single", "dns.spf.syntax", "dns.spf.all", "dns.spf.lookups",
    "dns.spf.ptr",
    "dns.dmarc.present", "dns.dmarc.valid", "dns.dmarc.policy", "dns.dmarc.subdomain",
    "dns.caa.present", "dns.mx.present",
    "dns.ns.count", "dns.ns.diversity",
    "dns.axfr.refused",
    "tls.https.available", "tls.cert.trusted", "tls.cert.hostname", "tls.cert.expiry",
    "tls.protocol.modern", "tls.protocol.legacy",
    "web.http.redirect", "web.hsts", "web.hsts.subdomains",
    "web.csp", "web.csp.unsafe", "web.framing", "web.nosniff", "web.referrer",
    "web.cookies.secure", "web.cookies.httponly", "web.cookies.samesite",
    "web.server.version",
    "web.securitytxt.present", "web.securitytxt.contact", "web.securitytxt.expires",
] + TLS_V4_CHECKS


def _pf(cond):
    return PASS if cond else FAIL


def _dns(org):
    r = {}
    sec = org["dnssec"]
    r["dns.dnssec.signed"] = {"signed": PASS, "unsigned": FAIL, "bogus": NA}[sec]
    r["dns.dnssec.valid"] = {"signed": PASS, "bogus": FAIL, "unsigned": NA}[sec]

    spf = org["spf"]
    r["dns.spf.present"] = _pf(spf != "none")
    if spf == "none":
        r["dns.spf.single"] = NA
    else:
        r["dns.spf.single"] = _pf(spf != "two_records")
    # one record evaluated from here on
    if spf in ("none", "two_records"):
        r["dns.spf.syntax"] = NA
    else:
        r["dns.spf.syntax"] = _pf(spf not in ("syntax_error", "non_ascii"))
    if spf in ("none", "two_records", "syntax_error", "too_many_lookups", "void_lookups",
               "mx_over_10", "non_ascii"):
        r["dns.spf.all"] = NA  # no record, several, or a permerror
    else:
        # fail (-all), softfail (~all), redirect (target ends in -all) pass;
        # neutral (?all), pass_all (+all), no_all fail
        r["dns.spf.all"] = _pf(spf in ("fail", "softfail", "redirect", "ptr"))
    if spf in ("none", "two_records", "syntax_error", "non_ascii"):
        r["dns.spf.lookups"] = NA
    else:
        # more than 10 lookups, 3 void lookups through a/mx/exists, an mx with 11 names
        r["dns.spf.lookups"] = _pf(spf not in ("too_many_lookups", "void_lookups", "mx_over_10"))
    if spf in ("none", "two_records", "syntax_error", "non_ascii"):
        r["dns.spf.ptr"] = NA  # no record, several, or one that cannot be read
    else:
        r["dns.spf.ptr"] = _pf(spf != "ptr")

    dm = org["dmarc"]
    r["dns.dmarc.present"] = _pf(dm != "none")
    if dm == "none":
        r["dns.dmarc.valid"] = NA
    else:
        r["dns.dmarc.valid"] = _pf(dm not in ("two_records", "malformed"))
    if dm in ("none", "two_records", "malformed"):
        r["dns.dmarc.policy"] = r["dns.dmarc.subdomain"] = NA
    else:
        # rua_no_p and sp_invalid are p=none (RFC 7489 s6.6.3 step 6); pct=0 downgrades
        # reject to quarantine, which enforces, and quarantine to none (s6.6.4)
        r["dns.dmarc.policy"] = _pf(dm in ("quarantine", "reject", "sp_weaker", "pct0_reject"))
        r["dns.dmarc.subdomain"] = _pf(dm != "sp_weaker")

    r["dns.caa.present"] = _pf(org["caa"])
    r["dns.mx.present"] = _pf(org["mx"])
    r["dns.ns.count"] = _pf(org["ns"] in ("two_diverse", "two_same_net"))
    r["dns.ns.diversity"] = _pf(org["ns"] == "two_diverse")
    r["dns.axfr.refused"] = _pf(org["axfr"] == "refused")
    return r


WEB_CHECKS = [c for c in CHECK_IDS if c.startswith(("tls.", "web."))]


def _web(org):
    if not org["web_dns"]:
        return {c: NA for c in WEB_CHECKS}
    return _posture(org)


def _posture(org):
    """tls.*/web.* statuses of one endpoint from its intended posture (the web variant fields
    of a manifest organisation, or an endpoint's "posture")."""
    r = {}
    https = org["https"]
    # tls10_only (TLS 1.0 only): no HTTPS for current browsers, but the certificate
    # (from the legacy handshake) and the headers (fetched over TLS 1.0) are judged
    has_https = https != "none"
    r["tls.https.available"] = _pf(has_https and https != "tls10_only")
    if has_https:
        r["tls.cert.trusted"] = _pf(https != "self_signed")
        r["tls.cert.hostname"] = _pf(https != "wrong_host")
        r["tls.cert.expiry"] = _pf(https != "expired")
        r["tls.protocol.modern"] = _pf(https != "tls10_only")
        r["tls.protocol.legacy"] = _pf(https not in ("legacy", "tls10_only"))
    else:
        for c in ("tls.cert.trusted", "tls.cert.hostname", "tls.cert.expiry",
                  "tls.protocol.modern", "tls.protocol.legacy"):
            r[c] = NA
    # other_host: the first redirect leaves the host (HTTP Observatory: off-host-from-http)
    r["web.http.redirect"] = _pf(org["redirect"] is True)

    if has_https:
        r["web.hsts"] = _pf(org["hsts"] in ("good", "no_subdomains"))
    else:
        r["web.hsts"] = NA
    if r["web.hsts"] == PASS:
        r["web.hsts.subdomains"] = _pf(org["hsts"] == "good")
    else:
        r["web.hsts.subdomains"] = NA

    # headers of the HTTPS response, or of the HTTP one when there is no HTTPS
    csp = org["csp"]
    r["web.csp"] = _pf(csp != "none")
    r["web.csp.unsafe"] = NA if csp == "none" else _pf(csp != "unsafe_inline")
    r["web.framing"] = _pf(org["xfo"] or csp == "good")
    r["web.nosniff"] = _pf(org["xcto"])
    r["web.referrer"] = _pf(org["referrer"] == "good")
    ck = org["cookies"]
    if ck == "none":
        sec = http = same = NA
    else:
        sec, http, same = {"good": (PASS, PASS, PASS), "insecure": (FAIL, FAIL, FAIL),
                           "partial": (PASS, PASS, FAIL)}[ck]
    r["web.cookies.secure"], r["web.cookies.httponly"], r["web.cookies.samesite"] = sec, http, same
    r["web.server.version"] = _pf(not org["server_version"])

    st = org["security_txt"]
    r["web.securitytxt.present"] = _pf(st != "absent")
    if st == "absent":
        r["web.securitytxt.contact"] = r["web.securitytxt.expires"] = NA
    else:
        r["web.securitytxt.contact"] = _pf(st != "no_contact")
        r["web.securitytxt.expires"] = _pf(st not in ("expired", "no_expires"))
    r.update(_deep_posture(https))
    return r


def _deep_posture(https):
    """Version 4 tls.* statuses of a regular web endpoint from its https variant. Every site's
    nginx serves the shared EC P-256 leaf key with a certificate of the testbed CA (ECDSA
    SHA-256, 365 days, no intermediate, no OCSP staple) and nginx's default HIGH suites, all
    ECDHE-ECDSA (forward secrecy, GCM next to CBC, no DHE: an EC certificate has none); so
    everything passes but stapling. Self-signed: its chain is itself and its own signature is
    not judged (tls.cert.trusted fails it); expired: its validity began (395 days ago) and lasted
    365 days, so tls.cert.current and tls.cert.lifetime pass (tls.cert.expiry fails it); wrong
    host: another site's valid certificate. tls10_only (ssl_protocols TLSv1, DEFAULT at
    @SECLEVEL=0): no TLS 1.3 and only ECDHE-ECDSA CBC suites, so tls.protocol.tls13,
    tls.cipher.aead and tls.cipher.cbc fail. none: nothing listens on 443, the first question
    is refused: not applicable (tls.https.available fails it)."""
    if https == "none":
        return {c: NA for c in TLS_V4_CHECKS}
    r = {c: PASS for c in TLS_V4_CHECKS}
    r["tls.ocsp.stapling"] = FAIL
    if https == "tls10_only":
        r["tls.protocol.tls13"] = r["tls.cipher.aead"] = r["tls.cipher.cbc"] = FAIL
    return r


# A silent name server: the scanner's own per-query deadline gives "timeout", unbound
# giving up first (or remembering the server as unresponsive) gives "servfail".
DNS_FAILURE_REASONS = ("timeout", "servfail")

TLS_CHECKS = [c for c in CHECK_IDS if c.startswith("tls.")]
# checks judged on the page's headers (gate G_PAGE in src/analyze/analyze_web.c)
PAGE_CHECKS = ["web.csp", "web.csp.unsafe", "web.framing", "web.nosniff", "web.referrer",
               "web.cookies.secure", "web.cookies.httponly", "web.cookies.samesite",
               "web.server.version"]
SECTXT_CHECKS = ["web.securitytxt.present", "web.securitytxt.contact", "web.securitytxt.expires"]


# The deep-TLS checks of methodology version 4, judged per endpoint from tls_scans
# (src/analyze/analyze_tls.c, in its order); mail.starttls is judged per domain.
# not applicable on SMTP endpoints: opportunistic STARTTLS does not authenticate the certificate
TLS_SMTP_NA = ["tls.cert.current", "tls.cert.chain", "tls.cert.lifetime", "tls.ocsp.stapling"]
# the class each tls.cipher.* check fails on (tlscases.CLASSES vocabulary)
_CIPHER_CLASS = {"tls.cipher.null": "null", "tls.cipher.export": "export", "tls.cipher.anon": "anon",
                 "tls.cipher.rc4": "rc4", "tls.cipher.3des": "3des", "tls.cipher.fs": "no_fs",
                 "tls.cipher.aead": "no_aead", "tls.cipher.cbc": "cbc_only"}


def expected_tls_checks(truth: dict, service: str = "https") -> dict:
    """Check id -> status of every version 4 tls.* check for one deep-TLS endpoint, from its
    ground truth as tests/testbed/tlscases.py truth() writes it (manifest.json tls_cases.endpoints[]).

    As src/analyze/analyze_tls.c decides: a protocol, class or certificate property the case shows
    fails its check, everything else passes; tls.ocsp.stapling fails without a staple; tls.kex.dh
    fails below 2048 bits; a self-signed leaf's own signature is not judged and its chain is
    complete by itself. On an SMTP endpoint (service "smtp") the certificate's chain, current,
    lifetime and stapling checks are na. The certificate checks assume the scan's trust store
    holds the case's root (--ca-file with the tls-cases CA), without which no served chain
    reaches an anchor. Expiry, trust and host name are version 3's (analyze_web.c), not here."""
    cert, protos, classes = truth["cert"], truth["protocols"], set(truth["classes"])
    weak_key = cert["key_bits"] < (2048 if cert["key_type"] in ("rsa", "dsa") else 256)
    weak_sig = not cert["self_signed"] and any(h in cert["sig"] for h in ("sha1", "md5"))
    r = {
        "tls.cert.current": _pf(not cert["not_yet_valid"]),
        "tls.cert.chain": _pf(cert["chain_complete"]),
        "tls.cert.key": _pf(not weak_key),
        "tls.cert.signature": _pf(not weak_sig),
        "tls.cert.lifetime": _pf(not cert["over_398_days"]),
        "tls.ocsp.stapling": _pf(truth["ocsp_stapled"]),
        "tls.protocol.sslv3": _pf(not protos["SSLv3"]),
        "tls.protocol.tls13": _pf(protos["TLSv1.3"]),
        "tls.kex.dh": _pf(truth["dh_bits"] is None or truth["dh_bits"] >= 2048),
    }
    r.update({c: _pf(k not in classes) for c, k in _CIPHER_CLASS.items()})
    if service == "smtp":
        r.update({c: NA for c in TLS_SMTP_NA})
    elif service != "https":
        raise ValueError(f"unknown service {service!r}")
    assert list(r) != [] and set(r) == set(TLS_V4_CHECKS), set(r) ^ set(TLS_V4_CHECKS)
    return r


def expected_hostile(org: dict) -> dict:
    """Check id -> (status, reason) for a hostile organisation (org["hostile"] set).

    Derived from src/analyze/analyze_web.c, src/analyze/analyze_dns.c and src/analyze/analyze.c:

    silent_web (hostile001: 80/443 accept and never send): DNS is ordinary and good, every
      check passes. The TLS probe's handshake and all three fetches (http://, https://,
      https:// security.txt, which falls back to http:// only after refused/tls_error) time
      out, so tls.status is "timeout": HTTPS state unknown with reason "timeout", and every
      tls.*/web.* check is indeterminate "timeout" (the HSTS gate inherits the page gate's).
    huge_headers (hostile002: 80 sends endless headers, 443 sends non-TLS garbage): the TLS
      handshake fails with OpenSSL's "wrong version number", which analyze_web.c reads as "the
      server does not speak TLS": HTTPS absent, so tls.https.available fails (no reason), the
      other tls.* checks and web.hsts* are na "no_https". The http:// fetch stops at the
      scanner's 64 KiB header cap: status "error", so web.http.redirect and the header checks
      (judged on the http:// page when HTTPS is absent) are indeterminate "error". security.txt
      over https:// is a tls_error, retried over http://, which hits the same cap: "error".
    drip (hostile004: its only name server relays UDP to a.nshost but drips AXFR over TCP,
      and 80/443 drip a byte a second: an HTTP status line, a TLS record header announcing
      16 KiB): DNS is ordinary and signed but with one name server (dns.ns.count and
      dns.ns.diversity fail); each connection's total deadline (--timeout) ends the AXFR
      attempt, the TLS handshake and the fetches: dns.axfr.refused and every tls.*/web.*
      check are indeterminate "timeout", whatever the timing of the bytes.
    huge_tls (hostile005: 443 sends, without reading, a TLS 1.2 ServerHello and then a
      Certificate message announcing 1 MiB in well-formed 16 KiB records; 80 is closed): DNS
      is ordinary and good. OpenSSL stops at its certificate-list cap ("excessive message
      size"): the HTTPS state is unknown, reason "handshake_failed", so every tls.* check and
      the page checks (web.hsts* too) are indeterminate "handshake_failed"; plain HTTP is
      refused, so web.http.redirect is na "no_http" and security.txt, which has no HTTPS to
      come over and is refused over http://, indeterminate "unreachable".
    silent_dns (hostile003: the only name server never answers): every lookup fails, so every
      dns.* check is indeterminate timeout/servfail (reason None) except dns.axfr.refused:
      without an NS answer no transfer is tried, and it is indeterminate "not_observed". The
      web probe does not run (its A lookup failed): every tls.*/web.* check is indeterminate
      with the A lookup's status, timeout/servfail (reason None). The name server's address is
      in scope, so analyze.c does not turn any of these into "out_of_scope".
    """
    kind = org.get("hostile")
    r = {}
    if kind in ("silent_web", "huge_headers", "drip", "huge_tls"):
        r = {c: (s, None) for c, s in _dns(org).items()}
    if kind == "silent_web":
        for c in WEB_CHECKS:
            r[c] = (INDETERMINATE, "timeout")
    elif kind == "huge_headers":
        for c in TLS_CHECKS + ["web.hsts", "web.hsts.subdomains"] + PAGE_CHECKS:
            r[c] = (INDETERMINATE, "not_tls")
        for c in ["web.http.redirect"] + SECTXT_CHECKS:
            r[c] = (INDETERMINATE, "error")
    elif kind == "drip":
        r["dns.axfr.refused"] = (INDETERMINATE, "timeout")
        for c in WEB_CHECKS:
            r[c] = (INDETERMINATE, "timeout")
    elif kind == "huge_tls":
        for c in TLS_CHECKS + ["web.hsts", "web.hsts.subdomains"] + PAGE_CHECKS:
            r[c] = (INDETERMINATE, "handshake_failed")
        r["web.http.redirect"] = (NA, "no_http")
        for c in SECTXT_CHECKS:
            r[c] = (INDETERMINATE, "unreachable")
    elif kind == "silent_dns":
        r = {c: (INDETERMINATE, None) for c in CHECK_IDS}
        r["dns.axfr.refused"] = (INDETERMINATE, "not_observed")
    else:
        raise ValueError(f"not a hostile organisation: {org.get('org_id')} ({kind!r})")
    r.update(_hostile_deep_tls(kind))
    assert set(r) == set(CHECK_IDS) | set(TLS_V4_CHECKS), (set(CHECK_IDS) | set(TLS_V4_CHECKS)) ^ set(r)
    return r


def _hostile_deep_tls(kind):
    """The version 4 tls.* checks of a hostile organisation's apex endpoint (tls_scans).

    silent_web and drip: the first question times out, so the endpoint's status is timeout
    and every check is indeterminate "timeout". huge_headers: garbage answers the first
    ClientHello, status not_tls: not applicable (tls.https.available judges it). silent_dns:
    the apex has no address, so no tls_scans; every check is indeterminate with the apex
    lookup's failure (timeout/servfail). huge_tls: the same canned TLS 1.2 ServerHello answers
    every ClientHello, legal only for the TLS 1.2 offer (its suite and version were offered):
    TLS 1.2 is accepted with an ECDHE-RSA AES-GCM suite (forward secrecy, AEAD, not CBC: those
    pass); every other answer, the DHE-only offer's too, names a suite or
    version that was not offered and is no answer (RFC 8446 s4.1.3), so SSLv3, TLS 1.3, the
    weak classes and DHE are indeterminate "unanswered:..."; the 1 MiB Certificate message exceeds
    the reader's cap and OpenSSL's, so no chain is seen: the certificate checks and stapling
    are indeterminate "unanswered:cert" / "unanswered:ocsp_stapled"."""
    if kind in ("silent_web", "drip"):
        return {c: (INDETERMINATE, "timeout") for c in TLS_V4_CHECKS}
    if kind == "huge_headers":
        return {c: (NA, "not_tls") for c in TLS_V4_CHECKS}
    if kind == "silent_dns":
        return {c: (INDETERMINATE, None) for c in TLS_V4_CHECKS}
    r = {c: (INDETERMINATE, "unanswered:cert") for c in TLS_V4_CHECKS if c.startswith("tls.cert.")}
    r["tls.ocsp.stapling"] = (INDETERMINATE, "unanswered:ocsp_stapled")
    r["tls.protocol.sslv3"] = (INDETERMINATE, "unanswered:protocols.SSLv3")
    r["tls.protocol.tls13"] = (INDETERMINATE, "unanswered:protocols.TLSv1.3")
    for c in ("null", "export", "anon", "rc4", "3des"):
        r[f"tls.cipher.{c}"] = (INDETERMINATE, f"unanswered:classes.{c}")
    for c in ("tls.cipher.fs", "tls.cipher.aead", "tls.cipher.cbc"):
        r[c] = (PASS, None)
    r["tls.kex.dh"] = (INDETERMINATE, "unanswered:dhe")
    return r


# the version 5 exposed-service checks (src/analyze/analyze_services.c and its family tables):
# check id -> the status of an organisation none of whose swept addresses has that service
# (pass for "is it exposed", na for "how is it configured")
SVC_CHECKS = {
    "svc.redis.noauth": PASS,
    # remote access and file sharing (analyze_svc_remote.c, tests/testbed/svc_remote.py)
    "svc.rdp.exposed": PASS, "svc.rdp.nla": NA, "svc.vnc.exposed": PASS, "svc.vnc.noauth": NA,
    "svc.smb.exposed": PASS, "svc.smb.v1": NA, "svc.smb.signing": NA, "svc.telnet.exposed": PASS,
    "svc.ftp.exposed": PASS, "svc.ftp.anonymous": NA,
    # family sshdb (svc_sshdb.py, analyze_svc_sshdb.c)
    "svc.ssh.weak_kex": NA, "svc.ssh.weak_cipher": NA, "svc.ssh.weak_mac": NA, "svc.ssh.weak_hostkey": NA,
    "svc.postgresql.exposed": PASS, "svc.postgresql.trust": NA, "svc.mysql.exposed": PASS,
    "svc.elasticsearch.noauth": PASS, "svc.mongodb.exposed": PASS,
    # the clinical family (svc_clinical.py)
    "svc.dicom.any_aet": NA,
    "svc.dicom.find_open": NA,
    "svc.dicom.cleartext": NA,
    "svc.pacs_web.noauth": NA,
    "svc.hl7.exposed": PASS,
    "svc.fhir.anonymous_read": NA,
    "svc.fhir.no_security": NA,
    "svc.turn.open_relay": NA,
    "svc.turn.peer_filtering": NA,
    # banner-inferred versions (data/versions.json): na where nothing announces one
    "svc.patching.eol": NA,
    "svc.patching.known_vuln": NA,
}


def expected_svc_checks(org: dict, server: str = None, given: bool = True) -> dict:
    """svc.* check id -> the organisation's status for it under the worst-finding roll-up
    (org_svc_status): an exposed-service case (org["svc_case"], services.py) has its ground truth
    (svc_truth) for its family's checks and the absent status for the others; every other
    organisation the absent status for all (the testbed's web, mail and DNS servers expose
    nothing the checks look for) except the patching checks where its nginx announces its
    version (`server`: manifest web.server_header_version; _web_patching; `given` as there).
    {} for traps and hostile organisations."""
    if org.get("trap") or org.get("hostile"):
        return {}
    # A DNSSEC-bogus zone's addresses are swept only when its lookups answer before the deadline:
    # with --timeout 3000 under ASan 61 to 66 of the 66 bogus zones' A lookups timed out (with and
    # without --services), the rest answered; either way is right, so they are not ground-truthed.
    if org.get("dnssec") == "bogus":
        return {}
    if not (org["web_dns"] or org["mx"]):  # no address to sweep: every check not_observed
        return {c: INDETERMINATE for c in SVC_CHECKS}
    truth = org.get("svc_truth") or {}
    r = {c: truth.get(c, absent) for c, absent in SVC_CHECKS.items()}
    if not org.get("svc_case"):
        r.update(_web_patching(org, server, given))
    return r


def _web_patching(org, server, given):
    """svc.patching.* of a regular organisation from its web endpoints: nginx announces its
    version (`server`, e.g. "nginx/1.22.1", manifest web.server_header_version) in the Server
    header where the endpoint's posture has server_tokens on, and the patching checks judge it
    against data/versions.json like any banner; elsewhere nothing announces a version (na).
    `given`: whether the scan was given the organisation's own hosts and addresses
    (targets-assets.csv), not only its domain (targets.csv: the apex and www)."""
    own = (org["domain"], "www." + org["domain"])
    if server is None or not any(e["posture"]["server_version"] for e in org.get("endpoints", [])
                                 if given or e["host"] in own):
        return {}
    product, _, version = server.partition("/")
    return {"svc.patching.eol": _pf(not version_in_ranges(product.lower(), version, "eol")),
            "svc.patching.known_vuln": _pf(not version_in_ranges(product.lower(), version, "vulnerable"))}


def _vkey(v):
    """A dotted numeric version ("1.22.1") as a tuple for comparing; the table's nginx and
    Apache ranges are all of that form."""
    return tuple(int(x) for x in v.split("."))


def version_in_ranges(product, version, kind):
    """Whether `version` of `product` is in a range of `kind` ("eol" or "vulnerable") of the
    table vitals ships (data/versions.json): from <= v < below."""
    import pathlib
    table = json.loads((pathlib.Path(__file__).resolve().parents[2] / "data" / "versions.json").read_text())
    for r in table["ranges"]:
        if r["product"] != product or r["kind"] != kind:
            continue
        if ("from" not in r or _vkey(r["from"]) <= _vkey(version)) and _vkey(version) < _vkey(r["below"]):
            return True
    return False


def org_svc_status(findings: list, check: str):
    """An organisation's status for a svc.* check from its findings (dicts with "check" and
    "status"), by the method's roll-up order: fail, then pass, then indeterminate, then na;
    None when it has none."""
    seen = {f["status"] for f in findings if f["check"] == check}
    for s in (FAIL, PASS, INDETERMINATE, NA):
        if s in seen:
            return s
    return None


def matches(expected: tuple, status: str, reason) -> bool:
    """Whether a finding's (status, reason) is what expected_hostile's (status, reason) allows."""
    want_status, want_reason = expected
    if status != want_status:
        return False
    if want_reason is not None:
        return reason == want_reason
    if want_status in (PASS, FAIL):
        return reason is None
    return reason in DNS_FAILURE_REASONS


def expected_checks(org: dict) -> dict:
    """Check id -> expected status for one manifest organisation entry."""
    if org.get("trap"):
        return {}
    if org.get("hostile"):
        return {c: s for c, (s, _) in expected_hostile(org).items()}
    if org.get("tls_case"):
        return expected_tls_case(org)
    if org.get("svc_case"):
        return _dns(org)  # svc.* per expected_svc_checks; the web of a service address is not modelled
    r = _dns(org)
    r.update(_web(org))
    assert set(r) == set(CHECK_IDS), set(CHECK_IDS) ^ set(r)
    return r


def expected_tls_case(org: dict) -> dict:
    """Check id -> status for a deep-TLS case organisation (org["tls_case"] set, tlsNNN): its
    DNS is ordinary and good (as the hostile organisations'), and its one web endpoint (apex
    and www on the case's server) is built to show one deep-TLS property (org["tls_truth"],
    tlscases.truth()). Expected: the DNS checks and every version 4 deep-TLS check of that
    endpoint (expected_tls_checks). The version 1-3 web checks on it are not ground-truthed
    (the server answers HTTPS only, with a bare page)."""
    r = _dns(org)
    r.update(expected_tls_checks(org["tls_truth"]))
    return r


def expected_endpoint_checks(org: dict) -> dict:
    """(host, address) -> {check_id: status} for every tls.*/web.* check of every endpoint the
    scanner probes for a regular organisation: each address (A, and AAAA in an IPv6 testbed)
    of the apex, of www, of each given host, and each given address (its host is the address
    text). {} for traps and hostile organisations (expected_hostile covers those)."""
    if org.get("trap") or org.get("hostile"):
        return {}
    return {(e["host"], e["addr"]): _posture(e["posture"]) for e in org.get("endpoints", [])}


def expected_assets(org: dict) -> set:
    """{(host name or address text, reason)} the scanner must report for a regular organisation:
    the apex ("apex"), www when it has an address ("www"), each MX host ("mx"), each name
    server ("ns"), each given host and address ("given"). Names are lower case without the
    trailing dot; addresses as inet_ntop writes them. set() for traps and hostile ones."""
    if org.get("trap") or org.get("hostile"):
        return set()
    return {(a["asset"], a["reason"]) for a in org.get("assets", [])}


def finding_statuses(org: dict) -> dict:
    """(check, domain, endpoint) -> expected status of every finding of a regular organisation:
    dns.* on its domain (endpoint None), tls.*/web.* on each endpoint (host, address). {} for
    traps and hostile organisations."""
    if org.get("trap") or org.get("hostile"):
        return {}
    out = {(c, org["domain"], None): s for c, s in _dns(org).items()}
    for (host, addr), checks in expected_endpoint_checks(org).items():
        out.update({(c, host, addr): s for c, s in checks.items()})
    return out


def org_status(statuses: dict, check: str):
    """An organisation's status for `check` from its finding_statuses: fail when any finding of
    the check fails (the worst-status rule), else pass when one passes, else None (no
    determinate finding)."""
    seen = {s for (c, _, _), s in statuses.items() if c == check}
    return FAIL if FAIL in seen else PASS if PASS in seen else None


def changes(before: dict, after: dict) -> list:
    """The findings of one organisation whose expected status went pass <-> fail between two
    manifest entries: [{"org_id", "check", "domain", "endpoint", "from", "to"}], sorted.
    ValueError for any other kind of change (to or from na, a finding appearing or going):
    a scripted evolution keeps to changes whose findings are certain and counted alike."""
    a, b = finding_statuses(before), finding_statuses(after)
    if set(a) != set(b):
        raise ValueError(f"{before['org_id']}: findings appear or go: {sorted(set(a) ^ set(b), key=str)[:4]}")
    out = []
    for key in sorted(a, key=lambda k: (k[0], k[1], k[2] or "")):
        if a[key] == b[key]:
            continue
        if {a[key], b[key]} != {PASS, FAIL}:
            raise ValueError(f"{before['org_id']} {key}: {a[key]} -> {b[key]} is not pass <-> fail")
        out.append({"org_id": before["org_id"], "check": key[0], "domain": key[1], "endpoint": key[2],
                    "from": a[key], "to": b[key]})
    return out


MAIL_CHECK_IDS = ["mail.starttls", "mail.mta_sts", "mail.tlsrpt", "mail.dane"]
NO_CERT = "no certificate observed"
# a mail case's SMTP server -> mail.starttls: every MX offers STARTTLS and completes a handshake
# at TLS 1.2 or newer (a self-signed or expired certificate still completes one: MTA-STS, DANE
# judge it; TLS 1.0 only does not count, RFC 8996; an offered STARTTLS whose every handshake
# fails is no TLS); the hostile listeners leave it unknown
_STARTTLS = {"good": PASS, "self_signed": PASS, "expired": PASS, "tls10": FAIL, "none": FAIL,
             "broken": FAIL, "silent": INDETERMINATE, "garbage": INDETERMINATE}


def expected_mail_checks(org: dict, certs_observed: bool) -> dict:
    """(check, domain) -> (status, reason) of the mail transport checks of a regular or mail
    organisation ({} for traps and hostile ones): mail.mta_sts and mail.tlsrpt on the domain,
    mail.dane on the domain (the worst of its MX hosts), mail.starttls on the domain (the worst
    of its MX endpoints, src/analyze/analyze_tls.c; "na" when there is no MX).
    `certs_observed`: whether the scan holds the MX's certificate (tls_scans of service smtp);
    without it mail.dane over secure, usable TLSA records is indeterminate ("no certificate
    observed"). reason is None for pass/fail and for indeterminate findings whose reason is
    the TLS analyzer's (mail.starttls)."""
    if org.get("trap") or org.get("hostile"):
        return {}
    dom = org["domain"]
    if not org["mx"]:
        return {(c, dom): (NA, None) for c in MAIL_CHECK_IDS}
    m = org.get("mail")
    if m is None:  # the regular organisations: no policy, no TLSA, nothing listens on port 25
        return {("mail.mta_sts", dom): (FAIL, None), ("mail.tlsrpt", dom): (FAIL, None),
                ("mail.dane", dom): (FAIL, None), ("mail.starttls", dom): (INDETERMINATE, "refused")}
    sts = PASS if m["mta_sts"] in ("enforce", "enforce_wildcard") else FAIL
    rpt = PASS if m["tls_rpt"] == "good" else FAIL
    if m["dane"] == "none" or org["dnssec"] != "signed":
        dane = (FAIL, None)  # no TLSA, or TLSA in an unsigned zone (RFC 7672 s2.2)
    elif not certs_observed:
        dane = (INDETERMINATE, NO_CERT)
    else:
        dane = (PASS if m["dane"] == "match" else FAIL, None)
    return {("mail.mta_sts", dom): (sts, None), ("mail.tlsrpt", dom): (rpt, None), ("mail.dane", dom): dane,
            ("mail.starttls", dom): (_STARTTLS[m["smtp"]], None)}


def main(argv):
    path = argv[1] if len(argv) > 1 else "tests/testbed/run/manifest.json"
    with open(path) as f:
        manifest = json.load(f)
    counts = {c: {} for c in CHECK_IDS}
    for org in manifest["organizations"]:
        for c, s in expected_checks(org).items():
            counts[c][s] = counts[c].get(s, 0) + 1
    for c in CHECK_IDS:
        print(f"{c:26s} " + "  ".join(f"{s}={n}" for s, n in sorted(counts[c].items())))
    eps = [k for org in manifest["organizations"] for k in expected_endpoint_checks(org)]
    reasons = {}
    for org in manifest["organizations"]:
        for _, reason in expected_assets(org):
            reasons[reason] = reasons.get(reason, 0) + 1
    print(f"endpoints (host, address) probed: {len(eps)} ({len(set(eps))} distinct); assets: "
          + "  ".join(f"{r}={n}" for r, n in sorted(reasons.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
