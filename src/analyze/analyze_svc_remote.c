/*
 * Remote-access and file-sharing checks (probes "rdp", "vnc", "smb", "telnet", "ftp";
 * evidence services[].<probe>, docs/OBSERVATIONS.md): whether each service answers from
 * the internet at all, and the setting that decides who gets in: RDP's Network Level
 * Authentication, VNC's security type None, SMBv1 and SMB signing, anonymous FTP.
 *
 * Only what a server said is judged; a negotiation that got no answer leaves the
 * configuration check indeterminate, never a pass.
 */
#include <stdio.h>
#include <string.h>

#include "analyze_services.h"

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long long port_of(const json_t *entry)
{
	return json_integer_value(json_object_get(entry, "port"));
}

static int is(const char *s, const char *want)
{
	return s != NULL && strcmp(s, want) == 0;
}

static void unanswered(struct svc_verdict *v, const char *reason, const char *what, long long port)
{
	v->status = FS_INDETERMINATE;
	v->reason = reason;
	snprintf(v->detail, sizeof v->detail, "%s on port %lld: %s", what, port,
	         "its answer does not say (see the evidence)");
}

static void exposed(struct svc_verdict *v, const char *what, long long port, const char *why)
{
	v->status = FS_FAIL;
	snprintf(v->detail, sizeof v->detail, "%s answers on port %lld from the internet%s%s", what, port,
	         why ? ": " : "", why ? why : "");
}

static void rdp_exposed(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	exposed(v, "RDP", port_of(entry), NULL);
}

/* A client offering TLS alone (negotiations[1]) refused for want of CredSSP: NLA is required. */
static void rdp_nla(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const json_t *negs = json_object_get(probe, "negotiations");
	const json_t *all = json_array_get(negs, 0), *tls = json_array_get(negs, 1);
	const char *fail1 = jstr(tls, "failure"), *sel1 = jstr(tls, "selected");
	long long port = port_of(entry);
	if (is(jstr(all, "status"), "ok") && (json_is_false(json_object_get(all, "negotiation")) ||
	                                      is(jstr(all, "failure"), "ssl_not_allowed_by_server"))) {
		v->status = FS_FAIL;
		snprintf(v->detail, sizeof v->detail,
		         "RDP on port %lld knows only standard RDP security: no Network Level Authentication",
		         port);
	} else if (is(jstr(tls, "status"), "ok") && (is(fail1, "hybrid_required_by_server") ||
	                                             is(fail1, "ssl_with_user_auth_required_by_server"))) {
		v->status = FS_PASS;
		snprintf(v->detail, sizeof v->detail,
		         "RDP on port %lld requires Network Level Authentication (a client without it is "
		         "refused: %s)",
		         port, fail1);
	} else if (is(jstr(tls, "status"), "ok") && sel1 != NULL) {
		v->status = FS_FAIL;
		snprintf(
		    v->detail, sizeof v->detail,
		    "RDP on port %lld lets a client without Network Level Authentication in (it selects %s)",
		    port, sel1);
	} else {
		unanswered(v, "unanswered", "RDP", port);
	}
}

static void vnc_exposed(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	char why[64];
	snprintf(why, sizeof why, "RFB %s", jstr(probe, "version") ? jstr(probe, "version") : "?");
	exposed(v, "VNC", port_of(entry), why);
}

static void vnc_noauth(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const json_t *types = json_object_get(probe, "security_types"), *t;
	long long port = port_of(entry);
	size_t i;
	if (json_array_size(types) == 0) {
		unanswered(v, "no_security_types", "VNC", port);
		return;
	}
	v->status = FS_PASS;
	json_array_foreach(types, i, t)
	{
		if (json_integer_value(t) == 1 && json_is_integer(t))
			v->status = FS_FAIL;
	}
	snprintf(v->detail, sizeof v->detail, "VNC on port %lld %s", port,
	         v->status == FS_FAIL ? "offers security type None: anyone gets the screen and keyboard"
	                              : "asks every client to authenticate (no security type None)");
}

static void smb_exposed(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	char why[64];
	const char *d = jstr(json_object_get(probe, "smb2"), "dialect");
	snprintf(why, sizeof why, "SMB dialect %s", d ? d : "1 (NT LM 0.12)");
	exposed(v, "SMB", port_of(entry), why);
}

/* The SMB1 NEGOTIATE: a dialect index other than 0xFFFF in an SMB1 success is SMBv1 accepted. */
static void smb_v1(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const json_t *s1 = json_object_get(probe, "smb1");
	const json_t *code = json_object_get(s1, "dialect_code");
	long long port = port_of(entry);
	int ok = is(jstr(s1, "status"), "ok");
	if (ok && json_integer_value(json_object_get(s1, "version")) == 1 &&
	    json_integer_value(json_object_get(s1, "nt_status")) == 0 && json_is_integer(code) &&
	    json_integer_value(code) != 0xFFFF) {
		v->status = FS_FAIL;
		snprintf(v->detail, sizeof v->detail, "SMB on port %lld accepts SMBv1 (NT LM 0.12)", port);
	} else if (ok || is(jstr(s1, "status"), "closed")) {
		v->status = FS_PASS;
		snprintf(v->detail, sizeof v->detail, "SMB on port %lld refuses SMBv1 (%s)", port,
		         ok ? "no dialect accepted" : "it hangs up on an SMB1 NEGOTIATE");
	} else {
		unanswered(v, jstr(s1, "status") ? jstr(s1, "status") : "unanswered", "SMB", port);
	}
}

/* Signing as the negotiate response states it: SMB2's, or SMB1's when only SMB1 answered. */
static void smb_signing(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const json_t *s = json_object_get(probe, "smb2");
	long long port = port_of(entry);
	if (!json_is_boolean(json_object_get(s, "signing_required")))
		s = json_object_get(probe, "smb1");
	const json_t *req = json_object_get(s, "signing_required");
	if (!json_is_boolean(req) || json_integer_value(json_object_get(s, "dialect_code")) == 0xFFFF) {
		unanswered(v, "unanswered", "SMB", port);
		return;
	}
	v->status = json_is_true(req) ? FS_PASS : FS_FAIL;
	snprintf(v->detail, sizeof v->detail, "SMB on port %lld %s", port,
	         json_is_true(req) ? "requires message signing"
	                           : "does not require message signing (relayed authentication works)");
}

static void telnet_exposed(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	exposed(v, "Telnet", port_of(entry), "logins cross the network in cleartext");
}

static void ftp_exposed(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	exposed(v, "FTP", port_of(entry), "logins and files cross the network in cleartext");
}

static int code_of(const json_t *probe, const char *k)
{
	return (int)json_integer_value(json_object_get(probe, k));
}

/*
 * 230 to USER or to PASS, in cleartext or after AUTH TLS: logged in as anonymous (TLS hides
 * the session, it does not make an anonymous login any less anonymous). Refused in cleartext
 * and either no TLS (AUTH TLS refused) or refused again inside it: refused. Refused in
 * cleartext, TLS offered, and the login inside it unanswered: not known.
 */
static void ftp_anonymous(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	int user = code_of(probe, "user_code"), pass = code_of(probe, "pass_code");
	int auth = code_of(probe, "auth_tls_code");
	int tuser = code_of(probe, "tls_user_code"), tpass = code_of(probe, "tls_pass_code");
	int clear_refused = (user >= 500 && user < 600) || (pass >= 500 && pass < 600);
	int tls_refused = (tuser >= 500 && tuser < 600) || (tpass >= 500 && tpass < 600);
	long long port = port_of(entry);
	if (user == 230 || pass == 230) {
		v->status = FS_FAIL;
		snprintf(v->detail, sizeof v->detail, "FTP on port %lld accepts an anonymous login", port);
	} else if (tuser == 230 || tpass == 230) {
		v->status = FS_FAIL;
		snprintf(v->detail, sizeof v->detail,
		         "FTP on port %lld accepts an anonymous login over TLS (AUTH TLS), refused in "
		         "cleartext (%d)",
		         port, pass ? pass : user);
	} else if (clear_refused && (auth != 234 || tls_refused)) {
		v->status = FS_PASS;
		snprintf(v->detail, sizeof v->detail, "FTP on port %lld refuses an anonymous login (%d%s)",
		         port, pass ? pass : user, auth == 234 ? ", and over TLS" : "");
	} else if (clear_refused) {
		unanswered(v, "tls_unanswered", "FTP", port);
		snprintf(v->detail, sizeof v->detail,
		         "FTP on port %lld refuses an anonymous login in cleartext (%d) and offers TLS, "
		         "where the login was not answered (%s)",
		         port, pass ? pass : user,
		         json_string_value(json_object_get(probe, "tls_error")) ?: "no reply");
	} else {
		unanswered(v, code_of(probe, "greeting_code") == 220 ? "unanswered" : "not_ready", "FTP",
		           port);
	}
}

const struct svc_check svc_checks_remote[] = {
    {"svc.rdp.exposed", "rdp", FS_PASS, "RDP", rdp_exposed},
    {"svc.rdp.nla", "rdp", FS_NA, "RDP", rdp_nla},
    {"svc.vnc.exposed", "vnc", FS_PASS, "VNC", vnc_exposed},
    {"svc.vnc.noauth", "vnc", FS_NA, "VNC", vnc_noauth},
    {"svc.smb.exposed", "smb", FS_PASS, "SMB", smb_exposed},
    {"svc.smb.v1", "smb", FS_NA, "SMB", smb_v1},
    {"svc.smb.signing", "smb", FS_NA, "SMB", smb_signing},
    {"svc.telnet.exposed", "telnet", FS_PASS, "Telnet", telnet_exposed},
    {"svc.ftp.exposed", "ftp", FS_PASS, "FTP", ftp_exposed},
    {"svc.ftp.anonymous", "ftp", FS_NA, "FTP", ftp_anonymous},
    {NULL, NULL, FS_NA, NULL, NULL},
};
