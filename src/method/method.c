/* Methodology tables. docs/METHODOLOGY.md documents the same checks; keep them in step. */
#include "method.h"

#include <pthread.h>
#include <string.h>

static const struct factor_def factors_v1[] = {
    {"dns", "DNS health", 30, ROLLUP_EACH},
    {"transport", "Transport security", 40, ROLLUP_EACH},
    {"appsec", "Application security", 30, ROLLUP_EACH},
};

#define RFC7208 "RFC 7208 (SPF)"
#define RFC7489 "RFC 7489 (DMARC)"
#define MOZWEB  "Mozilla Web Security Guidelines"
#define NCSCTLS "NCSC-NL IT Security Guidelines for TLS"

/* Version 1, frozen: scans graded under it keep meaning what they meant. */
static const struct check_def checks_v1[] = {
    /* DNS health */
    {"dns.dnssec.signed", "dns", SEV_MEDIUM, 3, 100, "Zone is DNSSEC-signed",
     "Unsigned zones let an on-path attacker forge answers, redirecting patients and mail.",
     "RFC 4033; HHS 405(d) HICP"},
    {"dns.dnssec.valid", "dns", SEV_HIGH, 5, 60, "DNSSEC validates",
     "A bogus chain makes validating resolvers refuse every name in the zone.", "RFC 4035"},
    {"dns.spf.present", "dns", SEV_MEDIUM, 3, 100, "SPF record published",
     "Without SPF anyone can send mail that claims to come from the domain.", RFC7208},
    {"dns.spf.single", "dns", SEV_MEDIUM, 3, 100, "Exactly one SPF record",
     "Two SPF records are a permanent error: receivers ignore SPF altogether.", RFC7208 " s4.5"},
    {"dns.spf.syntax", "dns", SEV_MEDIUM, 3, 100, "SPF syntax valid",
     "A syntax error is a permanent error: the record protects nothing.", RFC7208 " s4.6"},
    {"dns.spf.all", "dns", SEV_HIGH, 4, 70, "SPF ends in -all or ~all",
     "?all or a missing all leaves forged mail neutral; +all authorises the whole internet.",
     RFC7208 " s5.1"},
    {"dns.spf.lookups", "dns", SEV_MEDIUM, 3, 100, "SPF within 10 DNS lookups",
     "More than 10 lookups (or 2 void lookups, or a loop) is a permanent error.", RFC7208 " s4.6.4"},
    {"dns.dmarc.present", "dns", SEV_MEDIUM, 3, 100, "DMARC record published",
     "Without DMARC receivers have no policy for mail failing SPF and DKIM.", RFC7489},
    {"dns.dmarc.valid", "dns", SEV_MEDIUM, 3, 100, "DMARC record valid",
     "A malformed record, a missing p= tag or two records mean no DMARC policy applies.",
     RFC7489 " s6.3, s6.6.3"},
    {"dns.dmarc.policy", "dns", SEV_MEDIUM, 3, 100, "DMARC policy enforces",
     "p=none only monitors; quarantine or reject stops spoofed mail.", RFC7489 " s6.3"},
    {"dns.caa.present", "dns", SEV_LOW, 1, 100, "CAA record published",
     "CAA limits which certificate authorities may issue for the domain.", "RFC 8659"},
    {"dns.mx.present", "dns", SEV_LOW, 1, 100, "MX record published",
     "Without MX, mail for the domain (including reports) falls back or bounces.", "RFC 5321 s5.1"},
    {"dns.ns.count", "dns", SEV_MEDIUM, 2, 100, "At least two name servers",
     "One name server is a single point of failure for every service of the organization.",
     "RFC 1034 s4.1; RFC 2182"},
    {"dns.ns.diversity", "dns", SEV_LOW, 1, 100, "Name servers on different networks",
     "Name servers in one /24 (or one address) fail together.", "RFC 2182 s3.1"},
    {"dns.axfr.refused", "dns", SEV_HIGH, 4, 70, "Zone transfer refused to strangers",
     "An open AXFR hands an attacker the full map of hosts in the zone.", "RFC 5936 s6; US-CERT TA15-103A"},
    /* Transport security */
    {"tls.https.available", "transport", SEV_HIGH, 5, 50, "HTTPS offered",
     "Without HTTPS, logins and patient portals travel in clear text.", NCSCTLS "; HHS 405(d) HICP"},
    {"tls.cert.trusted", "transport", SEV_HIGH, 5, 60, "Certificate chains to a trusted root",
     "Self-signed or untrusted certificates train users to click through warnings.",
     "SSL Labs grading (T cap)"},
    {"tls.cert.hostname", "transport", SEV_HIGH, 5, 60, "Certificate matches the host name",
     "A name mismatch is indistinguishable from an impostor.", "RFC 6125; SSL Labs grading"},
    {"tls.cert.expiry", "transport", SEV_HIGH, 5, 60, "Certificate valid for 14 days or more",
     "An expired certificate breaks the site and hides real attacks among warnings.", "SSL Labs grading"},
    {"tls.protocol.modern", "transport", SEV_HIGH, 4, 70, "Negotiates TLS 1.2 or newer",
     "TLS 1.0 and 1.1 lack modern AEAD ciphers and are deprecated.", "RFC 8996; " NCSCTLS},
    {"tls.protocol.legacy", "transport", SEV_MEDIUM, 3, 80, "TLS 1.0 and 1.1 disabled",
     "Offering deprecated protocols allows downgrade to weak cryptography.",
     "RFC 8996; SSL Labs grading (B cap)"},
    {"web.http.redirect", "transport", SEV_MEDIUM, 3, 100, "HTTP redirects to HTTPS",
     "Visitors typing the bare name stay on plain HTTP otherwise.", MOZWEB},
    {"web.hsts", "transport", SEV_MEDIUM, 3, 100, "HSTS with max-age of 6 months or more",
     "HSTS stops SSL-stripping after the first visit.", "RFC 6797; " MOZWEB},
    {"web.hsts.subdomains", "transport", SEV_LOW, 1, 100, "HSTS includes subdomains",
     "Without includeSubDomains, sibling hosts remain strippable.", "RFC 6797 s6.1.2"},
    /* Application security */
    {"web.csp", "appsec", SEV_MEDIUM, 3, 100, "Content-Security-Policy set",
     "CSP is the main defence in depth against cross-site scripting.", MOZWEB},
    {"web.csp.unsafe", "appsec", SEV_LOW, 2, 100, "CSP avoids unsafe-inline and unsafe-eval",
     "unsafe-inline or unsafe-eval in script sources voids most of CSP's protection.", MOZWEB},
    {"web.framing", "appsec", SEV_MEDIUM, 2, 100, "Framing restricted",
     "X-Frame-Options or CSP frame-ancestors prevents clickjacking.", MOZWEB "; RFC 7034"},
    {"web.nosniff", "appsec", SEV_LOW, 1, 100, "X-Content-Type-Options: nosniff",
     "Stops browsers from MIME-sniffing responses into scripts.", MOZWEB},
    {"web.referrer", "appsec", SEV_LOW, 1, 100, "Referrer-Policy set to a safe value",
     "Referrers leak patient-portal URLs to third parties.", MOZWEB},
    {"web.cookies.secure", "appsec", SEV_MEDIUM, 3, 100, "Cookies marked Secure",
     "A cookie without Secure is sent over plain HTTP and can be stolen on path.",
     "RFC 6265 s4.1.2.5; " MOZWEB},
    {"web.cookies.httponly", "appsec", SEV_MEDIUM, 2, 100, "Cookies marked HttpOnly",
     "Scripts (and injected scripts) can read cookies without HttpOnly.", "RFC 6265 s4.1.2.6; " MOZWEB},
    {"web.cookies.samesite", "appsec", SEV_LOW, 1, 100, "Cookies set SameSite",
     "SameSite limits cross-site request forgery.", "RFC 6265bis; " MOZWEB},
    {"web.server.version", "appsec", SEV_LOW, 1, 100, "Server header hides the version",
     "A version string tells attackers which exploits to try.", "OWASP Secure Headers; HHS 405(d) HICP"},
    {"web.securitytxt.present", "appsec", SEV_MEDIUM, 2, 100, "security.txt published",
     "Researchers need a documented way to report vulnerabilities.", "RFC 9116; HHS 405(d) HICP"},
    {"web.securitytxt.contact", "appsec", SEV_MEDIUM, 2, 100, "security.txt has Contact",
     "Contact is the one required field: without it reports have nowhere to go.", "RFC 9116 s2.5.3"},
    {"web.securitytxt.expires", "appsec", SEV_LOW, 1, 100, "security.txt Expires in the future",
     "Expires is required; a past date tells researchers the file is stale.", "RFC 9116 s2.5.5"},
};

/*
 * Version 2, as its differences from version 1: dns.spf.ptr (RFC 7208 s5.5) and
 * dns.dmarc.subdomain (sp= weaker than p=) added, and the rationales of the DMARC checks
 * and of the redirect check say what the analyzers now decide (rua= without a usable p=
 * or sp= is p=none; pct= below 100 downgrades, RFC 7489 s6.6.4; the whole redirect
 * chain is judged as the HTTP Observatory does).
 */
static const struct check_add added_v2[] = {
    {
        "dns.spf.lookups",
        {"dns.spf.ptr", "dns", SEV_LOW, 1, 100, "SPF avoids the ptr mechanism",
         "ptr is slow and unreliable, loads the sender's reverse DNS, and SHOULD NOT be used.",
         RFC7208 " s5.5"},
    },
    {
        "dns.dmarc.policy",
        {"dns.dmarc.subdomain", "dns", SEV_MEDIUM, 2, 100, "DMARC subdomain policy not weaker",
         "An sp= weaker than p= lets mail forged from any subdomain through the policy.",
         RFC7489 " s6.3, s6.6.3"},
    },
};

static const struct check_def changed_v2[] = {
    {"dns.dmarc.valid", "dns", SEV_MEDIUM, 3, 100, "DMARC record valid",
     "A malformed record, two records, or a missing or bad p= or a bad sp= without a valid rua= mean no "
     "DMARC policy applies.",
     RFC7489 " s6.3, s6.6.3"},
    {"dns.dmarc.policy", "dns", SEV_MEDIUM, 3, 100, "DMARC policy enforces",
     "p=none only monitors, and mail outside a pct= sample gets the next policy down (reject to quarantine, "
     "quarantine to none); quarantine or reject stops spoofed mail.",
     RFC7489 " s6.3, s6.6.4"},
    {"web.http.redirect", "transport", SEV_MEDIUM, 3, 100, "HTTP redirects to HTTPS",
     "Visitors typing the bare name stay on plain HTTP otherwise; a first hop to another host never "
     "lets browsers learn the site's HSTS.",
     MOZWEB "; MDN HTTP Observatory (redirection)"},
};

/*
 * Version 3, as its differences from version 2: the same checks, measured on every asset
 * (the apex, www and given hosts on each of their addresses), and a roll-up rule per
 * factor: transport security counts each check once, by the organization's worst
 * endpoint (a weak endpoint is not diluted by strong ones, as internet.nl and SSL Labs
 * judge), application security once per host, by its worst address (each site is its
 * own application), DNS health once per domain as before.
 */
static const struct factor_def factors_v3[] = {
    {"dns", "DNS health", 30, ROLLUP_EACH},
    {"transport", "Transport security", 40, ROLLUP_WORST},
    {"appsec", "Application security", 30, ROLLUP_WORST_HOST},
};

/*
 * Version 4, as its differences from version 3: the deep-TLS checks on every endpoint (the
 * tls_scans observation: each web endpoint on port 443 and each MX host on port 25 after
 * STARTTLS), each a cap of the SSL Labs rating guide (2009r and its 2025 update) expressed
 * as a check, and mail.starttls; and mail transport policy (RFC 8461 MTA-STS, RFC 8460
 * TLS-RPT, RFC 7672 DANE for SMTP), after mail.starttls. Same factors and roll-up as version 3.
 */
#define SSLLABS "SSL Labs rating guide"
#define CABF    "CA/B Forum Baseline Requirements"

static const struct check_add added_v4[] = {
    {"tls.cert.expiry",
     {"tls.cert.current", "transport", SEV_HIGH, 5, 60, "Certificate validity has begun",
      "A certificate used before its notBefore is rejected by every client, like an expired one.",
      SSLLABS " 2009r (not yet valid: T)"}},
    {"tls.cert.current",
     {"tls.cert.chain", "transport", SEV_MEDIUM, 3, 80, "Certificate chain complete and in order",
      "A missing intermediate breaks clients that do not fetch it; a misordered chain breaks strict ones.",
      SSLLABS " 2009r (incomplete chain: B); RFC 8446 s4.4.2"}},
    {"tls.cert.chain",
     {"tls.cert.key", "transport", SEV_HIGH, 3, 80, "Certificate key of 2048 bits (EC 256) or more",
      "RSA and DSA keys below 2048 bits and EC keys below 256 bits are within reach of factoring budgets.",
      SSLLABS " 2009r (weak key: B); " NCSCTLS " 2025"}},
    {"tls.cert.key",
     {"tls.cert.signature", "transport", SEV_HIGH, 3, 60, "Certificates signed without SHA-1 or MD5",
      "A SHA-1 or MD5 signature can be forged by chosen-prefix collisions; browsers distrust it.",
      SSLLABS " 2009r (SHA-1: T, MD5: F); " CABF " s7.1.3"}},
    {"tls.cert.signature",
     {"tls.cert.lifetime", "transport", SEV_LOW, 1, 100, "Certificate lifetime 398 days or less",
      "Browsers refuse publicly trusted certificates issued since 2020-09-01 for longer than 398 days.",
      CABF " s6.3.2"}},
    {"tls.cert.lifetime",
     {"tls.ocsp.stapling", "transport", SEV_LOW, 1, 100, "OCSP response stapled",
      "Stapling lets clients check revocation without asking the CA; CAs that dropped OCSP cannot staple.",
      "RFC 6066 s8; " NCSCTLS " 2025"}},
    {"tls.protocol.legacy",
     {"tls.protocol.sslv3", "transport", SEV_HIGH, 3, 70, "SSLv3 disabled",
      "SSLv3 is broken by POODLE and prohibited; accepting it invites downgrade.",
      "RFC 7568; " SSLLABS " 2009r (SSL 3: C); " NCSCTLS " 2025 (insufficient)"}},
    {"tls.protocol.sslv3",
     {"tls.protocol.tls13", "transport", SEV_LOW, 1, 100, "TLS 1.3 offered",
      "TLS 1.3 removes the weak options of TLS 1.2; NCSC-NL rates only TLS 1.3 good.",
      NCSCTLS " 2025 (TLS 1.2 sufficient); " SSLLABS " 2025 (A+ needs TLS 1.3)"}},
    {"tls.protocol.tls13",
     {"tls.cipher.null", "transport", SEV_CRITICAL, 2, 50, "No NULL-encryption suites",
      "A NULL suite sends the traffic in clear text inside TLS records.",
      "RFC 9325 s4.1; " SSLLABS " 2009r (insecure suite: F)"}},
    {"tls.cipher.null",
     {"tls.cipher.export", "transport", SEV_CRITICAL, 2, 50, "No EXPORT suites",
      "40- and 56-bit export suites are broken in hours and enable FREAK and Logjam downgrades.",
      "RFC 9325 s4.1; " SSLLABS " 2009r (export: F)"}},
    {"tls.cipher.export",
     {"tls.cipher.anon", "transport", SEV_CRITICAL, 2, 50, "No anonymous suites",
      "Anonymous suites authenticate no server: any on-path attacker can impersonate it.",
      "RFC 9325 s4.1; " SSLLABS " 2009r (anonymous: F)"}},
    {"tls.cipher.anon",
     {"tls.cipher.rc4", "transport", SEV_HIGH, 3, 70, "No RC4 suites",
      "RC4 keystream biases let attackers recover repeated secrets such as cookies.",
      "RFC 7465; " SSLLABS " 2009r (RC4: C)"}},
    {"tls.cipher.rc4",
     {"tls.cipher.3des", "transport", SEV_MEDIUM, 2, 70, "No 3DES or other 64-bit block suites",
      "64-bit block ciphers leak plaintext after about 32 GB on one connection (Sweet32).",
      "RFC 9325 s4.1; " SSLLABS " 2009r (3DES: C); " NCSCTLS " 2025 (phase out)"}},
    {"tls.cipher.3des",
     {"tls.cipher.fs", "transport", SEV_MEDIUM, 2, 80, "Forward secrecy offered",
      "Without an ephemeral key exchange one stolen server key decrypts every recorded session.",
      "RFC 9325 s4.1; " SSLLABS " 2009r (no forward secrecy: B)"}},
    {"tls.cipher.fs",
     {"tls.cipher.aead", "transport", SEV_MEDIUM, 2, 80, "AEAD suites offered",
      "Only AEAD suites (GCM, ChaCha20-Poly1305) are free of the CBC padding-oracle family.",
      "RFC 9325 s4.2; " SSLLABS " 2009r (no AEAD: B)"}},
    {"tls.cipher.aead",
     {"tls.cipher.cbc", "transport", SEV_LOW, 1, 100, "Not CBC suites only",
      "A server that only speaks CBC exposes every connection to Lucky13-style timing attacks.",
      "RFC 9325 s4.2; " NCSCTLS " 2025"}},
    {"tls.cipher.cbc",
     {"tls.kex.dh", "transport", SEV_MEDIUM, 2, 80, "Finite-field DH of 2048 bits or more",
      "DH groups below 2048 bits are within reach of precomputation (Logjam).",
      "RFC 9325 s4.1; " SSLLABS " 2009r (DH 1024: B); " NCSCTLS " 2025"}},
    {"web.hsts.subdomains",
     {"mail.starttls", "transport", SEV_HIGH, 4, 70, "Every MX offers STARTTLS with TLS 1.2+",
      "Without STARTTLS mail, and the patient data in it, crosses the internet in clear text.",
      "RFC 3207; RFC 8996; " NCSCTLS " 2025"}},
    {"mail.starttls",
     {"mail.mta_sts", "transport", SEV_MEDIUM, 2, 100, "MTA-STS policy enforced for every MX",
      "Without an enforced MTA-STS policy an on-path attacker can strip STARTTLS or redirect mail to "
      "another host unnoticed; testing mode only reports it.",
      "RFC 8461"}},
    {"mail.mta_sts",
     {"mail.tlsrpt", "transport", SEV_LOW, 1, 100, "TLS-RPT record published",
      "Without TLS-RPT, senders whose TLS deliveries fail never tell the domain.", "RFC 8460"}},
    {"mail.tlsrpt",
     {"mail.dane", "transport", SEV_MEDIUM, 2, 100, "DANE TLSA records match each MX",
      "DNSSEC-signed TLSA records let senders authenticate the MX certificate and refuse a downgrade; "
      "records that do not match make DANE senders refuse the mail.",
      "RFC 7672; RFC 6698"}},
};

/*
 * Version 5, as its differences from version 4: exposed services and clinical systems, the
 * svc.* checks of the port sweep and the service probes (src/analyze/analyze_services.c and
 * its family tables), in three new factors, each rolled up by the organization's worst
 * address; the factor weights are rebalanced to make room for them.
 */
#define HICP    "HHS 405(d) HICP" /* practices: 3 access, 6 network, 7 vulnerability, 9 medical devices */
#define HIPAA_T "HIPAA 164.312(e) transmission security"
#define HIPAA_A "HIPAA 164.312(a)(1) access control"

static const struct factor_def factors_v5[] = {
    {"dns", "DNS health", 20, ROLLUP_EACH},
    {"transport", "Transport security", 30, ROLLUP_WORST},
    {"appsec", "Application security", 20, ROLLUP_WORST_HOST},
    {"exposure", "Network exposure", 15, ROLLUP_WORST},
    {"clinical", "Clinical systems", 10, ROLLUP_WORST},
    {"patching", "Patching (banner-inferred)", 5, ROLLUP_WORST},
};

static const struct check_add added_v5[] = {
    /* Network exposure */
    {NULL,
     {"svc.redis.noauth", "exposure", SEV_CRITICAL, 5, 20, "Redis refuses commands without a password",
      "An internet-reachable Redis that answers PING without AUTH lets anyone read, change or wipe "
      "every key, and is a known foothold for code execution.",
      HICP " Practice 3 (access management); " HIPAA_A}},
    /* Network exposure: remote access and file sharing (analyze_svc_remote.c) */
    {NULL,
     {"svc.rdp.exposed", "exposure", SEV_HIGH, 4, 70, "RDP not reachable from the internet",
      "An RDP logon reachable from the internet is ransomware's most common way in: passwords are guessed or "
      "bought, and pre-authentication flaws such as BlueKeep need no password at all.",
      HICP " Practice 6 (network management); CISA #StopRansomware Guide; CVE-2019-0708"}},
    {NULL,
     {"svc.rdp.nla", "exposure", SEV_HIGH, 3, 50, "RDP requires Network Level Authentication",
      "Without NLA (CredSSP) anyone reaches the Windows logon screen and the server's pre-authentication "
      "code before proving who they are.",
      HICP " Practice 3 (access management); " HIPAA_A "; MS-RDPBCGR 5.4.5"}},
    {NULL,
     {"svc.vnc.exposed", "exposure", SEV_HIGH, 3, 70, "VNC not reachable from the internet",
      "VNC hands over a whole desktop; its own authentication is a single password of at most 8 characters, "
      "easily guessed.",
      HICP " Practice 6 (network management); RFC 6143 s7.2.2"}},
    {NULL,
     {"svc.vnc.noauth", "exposure", SEV_CRITICAL, 5, 20, "VNC asks for authentication",
      "Security type None gives anyone who connects the screen, keyboard and mouse of the machine, with "
      "whatever patient records it shows.",
      HICP " Practice 3 (access management); " HIPAA_A "; RFC 6143 s7.2.1"}},
    {NULL,
     {"svc.smb.exposed", "exposure", SEV_HIGH, 4, 60, "SMB not reachable from the internet",
      "File sharing open to the internet exposes shares and credentials to guessing and relay and has "
      "carried worms such as WannaCry.",
      HICP " Practice 6 (network management); US-CERT TA17-132A"}},
    {NULL,
     {"svc.smb.v1", "exposure", SEV_CRITICAL, 4, 30, "SMBv1 refused",
      "SMBv1 is the protocol of EternalBlue (MS17-010), the hole WannaCry and NotPetya spread through, and "
      "has no protection against downgrade.",
      "Microsoft MS17-010; US-CERT TA17-132A; " HICP " Practice 7 (vulnerability management)"}},
    {NULL,
     {"svc.smb.signing", "exposure", SEV_MEDIUM, 2, 100, "SMB requires message signing",
      "Without required signing, authentication relayed from another machine is accepted and traffic can be "
      "altered in transit.",
      "MS-SMB2 3.3.5.4; " HIPAA_T}},
    {NULL,
     {"svc.telnet.exposed", "exposure", SEV_HIGH, 3, 50, "Telnet not reachable from the internet",
      "Telnet sends user names, passwords and the whole session in cleartext.",
      HIPAA_T "; " HICP " Practice 6 (network management); RFC 854"}},
    {NULL,
     {"svc.ftp.exposed", "exposure", SEV_MEDIUM, 2, 100, "FTP not reachable from the internet",
      "FTP sends logins and files in cleartext; files with patient data should move over SFTP or HTTPS.",
      HIPAA_T "; RFC 959; RFC 4217"}},
    {NULL,
     {"svc.ftp.anonymous", "exposure", SEV_HIGH, 3, 60, "FTP refuses anonymous login",
      "Anonymous FTP lets anyone read what the server holds, and often write to it.",
      HICP " Practice 3 (access management); " HIPAA_A "; RFC 1635"}},
    /* family sshdb: SSH and databases (src/analyze/analyze_svc_sshdb.c) */
    {NULL,
     {"svc.ssh.weak_kex", "exposure", SEV_MEDIUM, 3, 100, "SSH offers no weak key exchange",
      "SHA-1 key exchanges (diffie-hellman-group1-sha1 with its 1024-bit group, group14-sha1, "
      "group-exchange-sha1) weaken the handshake that protects every administrative session.",
      "RFC 9142; Mozilla OpenSSH security guidelines; HHS 405(d) HICP Practice 6 (network management)"}},
    {NULL,
     {"svc.ssh.weak_cipher", "exposure", SEV_MEDIUM, 3, 100, "SSH offers no weak cipher",
      "CBC-mode ciphers (plaintext recovery, CVE-2008-5161), RC4 (arcfour) and none let an attacker on the "
      "path read or alter administrative sessions.",
      "RFC 4253 s6.3; RFC 8758; Mozilla OpenSSH security guidelines"}},
    {NULL,
     {"svc.ssh.weak_mac", "exposure", SEV_LOW, 2, 100, "SSH offers no weak MAC",
      "MD5 MACs, tags truncated to 96 bits and 64-bit UMAC tags give an attacker better odds of altering a "
      "session unnoticed than current MACs.",
      "RFC 6668; Mozilla OpenSSH security guidelines"}},
    {NULL,
     {"svc.ssh.weak_hostkey", "exposure", SEV_MEDIUM, 2, 100, "SSH offers no weak host key algorithm",
      "ssh-rsa (SHA-1 signatures) and ssh-dss (1024-bit DSA) host key signatures can be forged more cheaply, "
      "letting a false server pass as the real one.",
      "RFC 8332; Mozilla OpenSSH security guidelines"}},
    {NULL,
     {"svc.postgresql.exposed", "exposure", SEV_HIGH, 4, 100, "PostgreSQL is not reachable from the internet",
      "A database server that answers the internet is one guessed password or pre-authentication flaw away "
      "from the records it holds.",
      "HHS 405(d) HICP Practice 6 (network management); HIPAA 164.312(a)(1) access control"}},
    {NULL,
     {"svc.postgresql.trust", "exposure", SEV_CRITICAL, 5, 20, "PostgreSQL asks for a password",
      "Under trust authentication PostgreSQL lets anyone who connects log in as any role without a password: "
      "every record it holds is open.",
      "HHS 405(d) HICP Practice 3 (access management); HIPAA 164.312(a)(1) access control"}},
    {NULL,
     {"svc.mysql.exposed", "exposure", SEV_HIGH, 4, 100, "MySQL/MariaDB is not reachable from the internet",
      "A database server that answers the internet is one guessed password or pre-authentication flaw away "
      "from the records it holds.",
      "HHS 405(d) HICP Practice 6 (network management); HIPAA 164.312(a)(1) access control"}},
    {NULL,
     {"svc.elasticsearch.noauth", "exposure", SEV_CRITICAL, 5, 20,
      "Elasticsearch/OpenSearch refuses requests without credentials",
      "A cluster whose REST API answers without credentials lets anyone search, read, change or delete every "
      "index; open clusters are a leading source of health-record leaks.",
      "HHS 405(d) HICP Practice 3 (access management); HIPAA 164.312(a)(1) access control"}},
    {NULL,
     {"svc.mongodb.exposed", "exposure", SEV_HIGH, 4, 100, "MongoDB is not reachable from the internet",
      "A MongoDB that answers the internet is one missing or weak password away from every collection; open "
      "instances have been wiped and ransomed by the thousands.",
      "HHS 405(d) HICP Practice 6 (network management); HIPAA 164.312(a)(1) access control"}},
    /* Clinical systems (analyze_svc_clinical.c) */
    {NULL,
     {"svc.dicom.any_aet", "clinical", SEV_HIGH, 4, 60, "DICOM refuses unknown AE titles",
      "The called AE title is a DICOM archive's only gate: one that accepts a title nobody configured "
      "admits any caller, as 99.56% of internet-facing DICOM servers did in 2025.",
      HICP " Practice 9 (medical device security); " HIPAA_A}},
    {NULL,
     {"svc.dicom.find_open", "clinical", SEV_CRITICAL, 5, 20, "DICOM refuses unauthenticated queries",
      "An archive that answers C-FIND from a stranger gives out its patients' names, identifiers and "
      "studies to anyone who asks; such servers have leaked tens of millions of records.",
      HICP " Practice 9 (medical device security); " HIPAA_A}},
    {NULL,
     {"svc.dicom.cleartext", "clinical", SEV_HIGH, 3, 80, "DICOM spoken over TLS",
      "DICOM without TLS carries patient names, identifiers and images in clear text over every network "
      "between modality, archive and viewer.",
      "DICOM PS3.15 Annex B (TLS secure transport); " HIPAA_T}},
    {NULL,
     {"svc.pacs_web.noauth", "clinical", SEV_CRITICAL, 5, 20, "PACS web API asks for credentials",
      "A PACS REST API (Orthanc) that answers /system and /patients, or a DICOMweb study query, "
      "without credentials lists and downloads every patient and study it holds.",
      HICP " Practice 3 (access management); " HIPAA_A}},
    {NULL,
     {"svc.hl7.exposed", "clinical", SEV_HIGH, 4, 50, "No HL7 v2 interface reachable",
      "MLLP has neither authentication nor encryption: an HL7 listener reachable from the internet takes "
      "forged orders and results from anyone, and its replies can carry patient data.",
      HICP " Practice 6 (network management); " HIPAA_T}},
    {NULL,
     {"svc.fhir.anonymous_read", "clinical", SEV_CRITICAL, 5, 20, "FHIR refuses anonymous patient searches",
      "A FHIR server that answers a Patient search without a token gives patient records to anyone.",
      "HL7 FHIR R4 Security (s6.1); SMART App Launch 2.0; " HIPAA_A}},
    {NULL,
     {"svc.fhir.no_security", "clinical", SEV_MEDIUM, 2, 100, "FHIR server declares its security",
      "A CapabilityStatement without a security section and no SMART configuration tells every client that "
      "no authorization is in force.",
      "HL7 FHIR R4 CapabilityStatement.rest.security; SMART App Launch 2.0 s2.1"}},
    /* Clinical systems: STUN/TURN (telehealth relays) */
    {NULL,
     {"svc.turn.open_relay", "clinical", SEV_HIGH, 3, 60, "TURN relays require credentials",
      "A TURN server that allocates a relay to anyone lets strangers route traffic through the "
      "organization's telehealth infrastructure, hiding its origin and spending its bandwidth.",
      "RFC 8656 (TURN: long-term credentials); " HICP " Practice 6 (network management)"}},
    {NULL,
     {"svc.turn.peer_filtering", "clinical", SEV_CRITICAL, 5, 40, "An open TURN relay refuses internal peers",
      "A relay that permits loopback, private, link-local (cloud metadata) or carrier-grade NAT peers lets "
      "anyone on the internet reach systems inside the network through it.",
      "RFC 8656 s21 (security considerations); " HICP " Practice 6 (network management); " HIPAA_A}},
    /* Patching (banner-inferred) */
    {NULL,
     {"svc.patching.eol", "patching", SEV_MEDIUM, 3, 100, "No end-of-life software announced",
      "Software past its vendor's end of life gets no security fixes; read from the version a banner "
      "announces, which distributions keep while backporting fixes, so of lower confidence.",
      HICP " Practice 7 (vulnerability management); vendor end-of-life pages (data/versions.json)"}},
    {NULL,
     {"svc.patching.known_vuln", "patching", SEV_HIGH, 4, 100,
      "No known-vulnerable software version announced",
      "A version in the range of a published vulnerability is a lead an attacker follows first; read from "
      "the version a banner announces, which distributions keep while backporting fixes, so of lower "
      "confidence.",
      HICP " Practice 7 (vulnerability management); CVE records (data/versions.json)"}},
};

static const struct method_delta deltas[] = {
    {.version = 2,
     .base = 1,
     .add = added_v2,
     .nadd = sizeof added_v2 / sizeof added_v2[0],
     .change = changed_v2,
     .nchange = sizeof changed_v2 / sizeof changed_v2[0]},
    {.version = 3, .base = 2, .factors = factors_v3, .nfactors = sizeof factors_v3 / sizeof factors_v3[0]},
    {.version = 4, .base = 3, .add = added_v4, .nadd = sizeof added_v4 / sizeof added_v4[0]},
    {.version = 5,
     .base = 4,
     .add = added_v5,
     .nadd = sizeof added_v5 / sizeof added_v5[0],
     .factors = factors_v5,
     .nfactors = sizeof factors_v5 / sizeof factors_v5[0]},
};

#define NMETHODS   (1 + sizeof deltas / sizeof deltas[0])
#define MAX_CHECKS 256

/* Every version's full table, built once from version 1 and the deltas. */
static struct method methods[NMETHODS];
static struct check_def tables[NMETHODS][MAX_CHECKS];
static pthread_once_t built = PTHREAD_ONCE_INIT;

static size_t find_row(const struct check_def *rows, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].id, id) == 0)
			return i;
	return n;
}

/* Inserts `def` after the row `after` (at the end when there is none such). */
static size_t insert_row(struct check_def *rows, size_t n, const char *after, const struct check_def *def)
{
	size_t at = after ? find_row(rows, n, after) : n;
	at = at < n ? at + 1 : n;
	memmove(&rows[at + 1], &rows[at], (n - at) * sizeof rows[0]);
	rows[at] = *def;
	return n + 1;
}

static size_t apply_delta(const struct method_delta *d, struct check_def *rows, size_t n)
{
	for (size_t i = 0; i < d->nremove; i++) {
		size_t at = find_row(rows, n, d->remove[i]);
		if (at < n)
			memmove(&rows[at], &rows[at + 1], (--n - at) * sizeof rows[0]);
	}
	for (size_t i = 0; i < d->nchange; i++) {
		size_t at = find_row(rows, n, d->change[i].id);
		if (at < n)
			rows[at] = d->change[i];
	}
	for (size_t i = 0; i < d->nadd && n < MAX_CHECKS; i++)
		n = insert_row(rows, n, d->add[i].after, &d->add[i].def);
	return n;
}

/* A version already built (deltas apply to an earlier version only). */
static const struct method *method_built(int version)
{
	for (size_t i = 0; i < NMETHODS; i++)
		if (methods[i].version == version)
			return &methods[i];
	return &methods[0];
}

static void build(void)
{
	size_t n = sizeof checks_v1 / sizeof checks_v1[0];
	memcpy(tables[0], checks_v1, sizeof checks_v1);
	methods[0] = (struct method){1, tables[0], n, factors_v1, sizeof factors_v1 / sizeof factors_v1[0]};
	for (size_t v = 1; v < NMETHODS; v++) {
		const struct method_delta *d = &deltas[v - 1];
		const struct method *base = method_built(d->base);
		memcpy(tables[v], base->checks, base->nchecks * sizeof tables[v][0]);
		n = apply_delta(d, tables[v], base->nchecks);
		methods[v] =
		    (struct method){d->version, tables[v], n, d->factors ? d->factors : base->factors,
		                    d->factors ? d->nfactors : base->nfactors};
	}
}

const struct method *method_current(void)
{
	pthread_once(&built, build);
	return &methods[NMETHODS - 1];
}

const struct method *method_get(int version)
{
	pthread_once(&built, build);
	for (size_t i = 0; i < NMETHODS; i++)
		if (methods[i].version == version)
			return &methods[i];
	return NULL;
}

int method_factor(const struct method *m, const char *id)
{
	for (size_t i = 0; i < m->nfactors; i++)
		if (strcmp(m->factors[i].id, id) == 0)
			return (int)i;
	return -1;
}

const struct check_def *method_check(const struct method *m, const char *id)
{
	for (size_t i = 0; i < m->nchecks; i++)
		if (strcmp(m->checks[i].id, id) == 0)
			return &m->checks[i];
	return NULL;
}

const char *severity_name(enum severity s)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

char grade_letter(int score)
{
	if (score >= 90)
		return 'A';
	if (score >= 80)
		return 'B';
	if (score >= 70)
		return 'C';
	if (score >= 60)
		return 'D';
	return 'F';
}
