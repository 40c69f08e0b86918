/*
 * The remote-access rows of the exposed-services analyzer (analyze_svc_remote.c) on canned
 * services entries shaped as the probes record them from xrdp, the NLA emulator, Xvnc, Samba,
 * inetutils-telnetd and vsftpd (tests/testbed/svc_remote.py), plus answers the testbed has not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_services.h"
#include "tap.h"

#define ADDR "127.40.1.9"

/* The finding of `check` on `endpoint` for one address with one service entry (or none). */
/* The status of `check` for one service entry; its reason in *reason, its detail in detail[dlen]. */
static const char *judge_detail(const char *check, const char *service, unsigned port, const char *probe,
                                const char **reason, char *detail, size_t dlen)
{
	static char st[32], rs[64];
	char text[4096];
	struct findings fs = {0};
	if (service == NULL)
		snprintf(text, sizeof text,
		         "{\"domain\": \"s.test\", \"port_sweeps\": [{\"addr\": \"" ADDR
		         "\", \"host\": \"s.test\", "
		         "\"status\": \"ok\", \"open\": [80]}], \"services\": []}");
	else
		snprintf(text, sizeof text,
		         "{\"domain\": \"s.test\", \"port_sweeps\": [{\"addr\": \"" ADDR
		         "\", \"host\": \"s.test\", "
		         "\"status\": \"ok\", \"open\": [%u]}], \"services\": [{\"addr\": \"" ADDR
		         "\", \"port\": %u, "
		         "\"host\": \"s.test\", \"service\": \"%s\", \"%s\": %s}]}",
		         port, port, service, service, probe);
	json_t *d = json_loads(text, 0, NULL);
	char endpoint[64];
	/* A port where another protocol answered is no service of the family: the address is judged. */
	int bare = service == NULL || strstr(probe, "\"not_") != NULL;
	snprintf(endpoint, sizeof endpoint, bare ? ADDR : ADDR ":%u", port);
	snprintf(st, sizeof st, "missing");
	rs[0] = '\0';
	if (d != NULL && analyze_services(d, &fs) == 0)
		for (size_t i = 0; i < fs.n; i++)
			if (strcmp(fs.v[i].check, check) == 0 &&
			    strcmp(fs.v[i].endpoint ? fs.v[i].endpoint : "", endpoint) == 0) {
				snprintf(st, sizeof st, "%s", fstatus_name(fs.v[i].status));
				snprintf(rs, sizeof rs, "%s", fs.v[i].reason ? fs.v[i].reason : "");
				if (detail != NULL)
					snprintf(detail, dlen, "%s", fs.v[i].detail);
			}
	findings_clear(&fs);
	json_decref(d);
	if (reason)
		*reason = rs;
	return st;
}

static const char *judge(const char *check, const char *service, unsigned port, const char *probe,
                         const char **reason)
{
	return judge_detail(check, service, port, probe, reason, NULL, 0);
}

#define NEG(offered, st, neg, sel, fail, code)                                                               \
	"{\"offered\": " offered ", \"status\": \"" st "\", \"negotiation\": " neg ", \"selected\": " sel    \
	", \"failure\": " fail ", \"code\": " code "}"
#define ALL         "[\"tls\", \"credssp\", \"credssp_ex\"]"
#define RDP(n0, n1) "{\"status\": \"ok\", \"negotiations\": [" n0 n1 "]}"

static void test_rdp(void)
{
	const char *r;
	const char *xrdp = RDP(NEG(ALL, "ok", "true", "\"tls\"", "null", "1"),
	                       ", " NEG("[\"tls\"]", "ok", "true", "\"tls\"", "null", "1"));
	const char *nla =
	    RDP(NEG(ALL, "ok", "true", "\"credssp\"", "null", "2"),
	        ", " NEG("[\"tls\"]", "ok", "true", "null", "\"hybrid_required_by_server\"", "5"));
	const char *old = RDP(NEG(ALL, "ok", "false", "null", "null", "0"), "");
	const char *lost = RDP(NEG(ALL, "ok", "true", "\"credssp\"", "null", "2"),
	                       ", " NEG("[\"tls\"]", "timeout", "null", "null", "null", "null"));
	is_str(judge("svc.rdp.exposed", "rdp", 3389, xrdp, &r), "fail", "RDP answering: exposed");
	is_str(judge("svc.rdp.nla", "rdp", 3389, xrdp, &r), "fail", "xrdp lets a TLS-only client in: no NLA");
	is_str(judge("svc.rdp.exposed", "rdp", 3389, nla, &r), "fail", "an NLA server is exposed too");
	is_str(judge("svc.rdp.nla", "rdp", 3389, nla, &r), "pass", "HYBRID_REQUIRED_BY_SERVER: NLA required");
	is_str(judge("svc.rdp.nla", "rdp", 3389, old, &r), "fail", "standard RDP security only");
	is_str(judge("svc.rdp.nla", "rdp", 3389, lost, &r), "indeterminate", "the TLS-only offer unanswered");
	is_str(r, "unanswered", "says so");
	is_str(judge("svc.rdp.exposed", "rdp", 3389, "{\"status\": \"not_rdp\"}", &r), "pass",
	       "another protocol on 3389 is no RDP");
	is_str(judge("svc.rdp.exposed", NULL, 0, NULL, &r), "pass", "no RDP on a swept address");
	is_str(judge("svc.rdp.nla", NULL, 0, NULL, &r), "na", "nor a configuration to judge");
}

static void test_vnc(void)
{
	const char *r;
	const char *none = "{\"status\": \"ok\", \"version\": \"3.8\", \"security_types\": [1]}";
	const char *auth = "{\"status\": \"ok\", \"version\": \"3.8\", \"security_types\": [2]}";
	const char *both = "{\"status\": \"ok\", \"version\": \"3.8\", \"security_types\": [2, 1]}";
	const char *refused =
	    "{\"status\": \"ok\", \"version\": \"3.8\", \"security_types\": [], \"reason\": \"x\"}";
	is_str(judge("svc.vnc.exposed", "vnc", 5900, none, &r), "fail", "VNC answering: exposed");
	is_str(judge("svc.vnc.noauth", "vnc", 5900, none, &r), "fail", "security type None: fail");
	is_str(judge("svc.vnc.noauth", "vnc", 5901, auth, &r), "pass", "VNC authentication only: pass");
	is_str(judge("svc.vnc.noauth", "vnc", 5901, both, &r), "fail", "None among others: fail");
	is_str(judge("svc.vnc.noauth", "vnc", 5900, refused, &r), "indeterminate", "no type offered");
	is_str(r, "no_security_types", "says so");
	is_str(judge("svc.vnc.noauth", "vnc", 5900, "{\"status\": \"timeout\", \"version\": \"3.8\"}", &r),
	       "indeterminate", "a version and no offer");
	is_str(r, "timeout", "with the probe's status");
}

#define SMB2(req)                                                                                            \
	"{\"status\": \"ok\", \"version\": 2, \"nt_status\": 0, \"dialect\": \"3.1.1\", \"dialect_code\": "  \
	"785, \"signing_enabled\": true, \"signing_required\": " req "}"
#define SMB1(idx)                                                                                            \
	"{\"status\": \"ok\", \"version\": 1, \"nt_status\": 0, \"dialect\": null, \"dialect_code\": " idx   \
	", \"signing_enabled\": false, \"signing_required\": false}"
#define SMB1_CLOSED                                                                                          \
	"{\"status\": \"closed\", \"version\": null, \"nt_status\": null, \"dialect\": null, "               \
	"\"dialect_code\": null, \"signing_enabled\": null, \"signing_required\": null}"

static void test_smb(void)
{
	const char *r;
	const char *old = "{\"status\": \"ok\", \"smb2\": " SMB2("false") ", \"smb1\": " SMB1("0") "}";
	const char *modern = "{\"status\": \"ok\", \"smb2\": " SMB2("true") ", \"smb1\": " SMB1("65535") "}";
	const char *hangup = "{\"status\": \"ok\", \"smb2\": " SMB2("true") ", \"smb1\": " SMB1_CLOSED "}";
	const char *only1 = "{\"status\": \"ok\", \"smb2\": " SMB1_CLOSED ", \"smb1\": " SMB1("0") "}";
	const char *lost =
	    "{\"status\": \"ok\", \"smb2\": " SMB2("true") ", \"smb1\": {\"status\": \"timeout\"}}";
	is_str(judge("svc.smb.exposed", "smb", 445, old, &r), "fail", "SMB answering: exposed");
	is_str(judge("svc.smb.v1", "smb", 445, old, &r), "fail", "NT LM 0.12 chosen: SMBv1 accepted");
	is_str(judge("svc.smb.signing", "smb", 445, old, &r), "fail", "signing not required");
	is_str(judge("svc.smb.v1", "smb", 445, modern, &r), "pass", "DialectIndex 0xFFFF: SMBv1 refused");
	is_str(judge("svc.smb.signing", "smb", 445, modern, &r), "pass", "signing required");
	is_str(judge("svc.smb.v1", "smb", 445, hangup, &r), "pass", "a hang-up on SMB1: refused");
	is_str(judge("svc.smb.v1", "smb", 445, only1, &r), "fail", "an SMBv1-only server");
	is_str(judge("svc.smb.signing", "smb", 445, only1, &r), "fail", "judged on SMB1's SecurityMode");
	is_str(judge("svc.smb.v1", "smb", 445, lost, &r), "indeterminate", "SMB1 unanswered");
	is_str(r, "timeout", "with that exchange's status");
}

static void test_telnet_ftp(void)
{
	const char *r;
	const char *telnet =
	    "{\"status\": \"ok\", \"commands\": 7, \"negotiations\": [\"WILL authentication\"]}";
	const char *anon = "{\"status\": \"ok\", \"banner\": \"(vsFTPd 3.0.3)\", \"greeting_code\": 220, "
	                   "\"user_code\": 331, \"pass_code\": 230, \"quit_code\": 221}";
	const char *denied =
	    "{\"status\": \"ok\", \"greeting_code\": 220, \"user_code\": 530, \"pass_code\": null}";
	const char *badpass =
	    "{\"status\": \"ok\", \"greeting_code\": 220, \"user_code\": 331, \"pass_code\": 530}";
	const char *nopass =
	    "{\"status\": \"ok\", \"greeting_code\": 220, \"user_code\": 230, \"pass_code\": null}";
	const char *busy =
	    "{\"status\": \"ok\", \"greeting_code\": 421, \"user_code\": null, \"pass_code\": null}";
	is_str(judge("svc.telnet.exposed", "telnet", 23, telnet, &r), "fail", "Telnet answering: exposed");
	is_str(judge("svc.telnet.exposed", NULL, 0, NULL, &r), "pass", "no Telnet");
	is_str(judge("svc.ftp.exposed", "ftp", 21, anon, &r), "fail", "FTP answering: exposed");
	is_str(judge("svc.ftp.anonymous", "ftp", 21, anon, &r), "fail", "230 to PASS: anonymous accepted");
	is_str(judge("svc.ftp.anonymous", "ftp", 21, nopass, &r), "fail", "230 to USER: no password asked");
	is_str(judge("svc.ftp.anonymous", "ftp", 21, denied, &r), "pass", "530 to USER: refused");
	is_str(judge("svc.ftp.anonymous", "ftp", 21, badpass, &r), "pass", "530 to PASS: refused");
	is_str(judge("svc.ftp.anonymous", "ftp", 21, busy, &r), "indeterminate", "a 421 greeting");
	is_str(r, "not_ready", "says so");
	is_str(judge("svc.ftp.anonymous", NULL, 0, NULL, &r), "na", "no FTP: not applicable");

	/* vsftpd with force_anon_logins_ssl: 530 in cleartext, the login accepted after AUTH TLS */
	const char *tls_only = "{\"status\": \"ok\", \"greeting_code\": 220, \"user_code\": 530, "
	                       "\"pass_code\": null, \"auth_tls_code\": 234, \"tls\": true, "
	                       "\"tls_user_code\": 331, \"tls_pass_code\": 230, \"quit_code\": 221}";
	const char *tls_denied = "{\"status\": \"ok\", \"greeting_code\": 220, \"user_code\": 530, "
	                         "\"auth_tls_code\": 234, \"tls\": true, \"tls_user_code\": 530}";
	const char *no_tls = "{\"status\": \"ok\", \"greeting_code\": 220, \"user_code\": 530, "
	                     "\"auth_tls_code\": 530, \"tls\": false}";
	const char *tls_cut = "{\"status\": \"ok\", \"greeting_code\": 220, \"user_code\": 530, "
	                      "\"auth_tls_code\": 234, \"tls\": false, \"tls_error\": \"tls_failed\"}";
	char d[512];
	is_str(judge_detail("svc.ftp.anonymous", "ftp", 21, tls_only, &r, d, sizeof d), "fail",
	       "refused in cleartext, accepted after AUTH TLS: anonymous accepted");
	ok(strstr(d, "over TLS (AUTH TLS)") != NULL, "the detail says it was over TLS");
	is_str(judge("svc.ftp.anonymous", "ftp", 21, tls_denied, &r), "pass", "refused in both");
	is_str(judge("svc.ftp.anonymous", "ftp", 21, no_tls, &r), "pass", "refused, no TLS offered");
	is_str(judge_detail("svc.ftp.anonymous", "ftp", 21, tls_cut, &r, d, sizeof d), "indeterminate",
	       "refused in cleartext, the TLS upgrade failed: not known");
	is_str(r, "tls_unanswered", "says so");
	ok(strstr(d, "tls_failed") != NULL, "naming the TLS failure");
}

static void test_ids(void)
{
	const char *want[] = {"svc.rdp.exposed", "svc.rdp.nla",      "svc.vnc.exposed", "svc.vnc.noauth",
	                      "svc.smb.exposed", "svc.smb.v1",       "svc.smb.signing", "svc.telnet.exposed",
	                      "svc.ftp.exposed", "svc.ftp.anonymous"};
	int found = 0;
	for (size_t i = 0; analyze_services_check_id(i) != NULL; i++)
		for (size_t j = 0; j < sizeof want / sizeof want[0]; j++)
			found += strcmp(analyze_services_check_id(i), want[j]) == 0;
	is_int(found, 10, "the ten remote-access checks are listed once each");
}

int main(void)
{
	test_rdp();
	test_vnc();
	test_smb();
	test_telnet_ftp();
	test_ids();
	return done_testing();
}
