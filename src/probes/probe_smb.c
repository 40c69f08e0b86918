/*
 * The SMB probe (module "smb", port 445): two NEGOTIATE requests, each on a connection
 * of its own: SMB2 (dialects 2.0.2 to 3.1.1), whose reply gives the dialect and whether
 * the server requires signing; then SMB1 offering only "NT LM 0.12", whose reply says
 * whether SMBv1 is still accepted. Each reads the reply and closes: no session setup, no
 * share, no file, no credentials.
 *
 * Both are tried even when one fails: a server of SMBv1 only hangs up on SMB2, one without
 * SMBv1 on SMB1. It records both replies (docs/OBSERVATIONS.md, "smb"); the analyzer
 * judges SMBv1 and signing.
 */
#include <errno.h>
#include <jansson.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_smb.h"

struct smb_probe {
	struct svc s;   /* the kit's part, first */
	struct conn *c; /* the exchange in progress */
	unsigned step;  /* 0: SMB2 NEGOTIATE, 1: SMB1 NEGOTIATE */
	int answered;   /* some step got an SMB reply */
};

static const char *const smb_members[] = {"smb2", "smb1"};

static int smb_exchange(struct smb_probe *p);

/* The status word of step 0 when nothing answered SMB: the probe's status. */
static void smb_step_end(struct smb_probe *p, const char *status)
{
	json_object_set_new(json_object_get(p->s.out, smb_members[p->step]), "status", json_string(status));
	p->c = conn_free(p->c);
	if (++p->step < 2 && smb_exchange(p) == 0)
		return;
	const char *first = json_string_value(json_object_get(json_object_get(p->s.out, "smb2"), "status"));
	svc_end(&p->s, p->answered ? "ok" : first);
}

static void smb_record(struct smb_probe *p, const struct smb_reply *r)
{
	json_t *o = json_object_get(p->s.out, smb_members[p->step]);
	unsigned en = r->version == 2 ? SMB2_SIGNING_ENABLED : SMB1_SIGNING_ENABLED;
	unsigned req = r->version == 2 ? SMB2_SIGNING_REQUIRED : SMB1_SIGNING_REQUIRED;
	const char *d = r->version == 2 ? smb2_dialect_name(r->dialect) : NULL;
	json_object_set_new(o, "version", json_integer(r->version));
	json_object_set_new(o, "nt_status", json_integer(r->status));
	if (!r->negotiated)
		return;
	/* SMB2 names its dialect; SMB1 gives the index of the offered one (65535: none). */
	json_object_set_new(o, "dialect", d ? json_string(d) : json_null());
	json_object_set_new(o, "dialect_code", json_integer(r->dialect));
	json_object_set_new(o, "signing_enabled", json_boolean(r->security_mode & en));
	json_object_set_new(o, "signing_required", json_boolean(r->security_mode & req));
}

static void smb_data(struct conn *c, void *arg)
{
	struct smb_probe *p = arg;
	size_t len = 0;
	const uint8_t *b = conn_data(c, &len);
	struct smb_reply r;
	int rc = smb_parse_reply(b, len, &r);
	if (rc == 0)
		return;
	if (rc > 0) {
		smb_record(p, &r);
		p->answered = 1;
	}
	smb_step_end(p, rc > 0 ? "ok" : rc == -E2BIG ? "oversized" : b[0] != 0 ? "not_smb" : "malformed");
}

static void smb_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	smb_step_end(arg, svc_conn_status(st));
}

static const struct conn_hooks smb_hooks = {.data = smb_data, .done = smb_done};

static int smb_exchange(struct smb_probe *p)
{
	uint8_t req2[SMB2_NEGOTIATE_LEN], req1[SMB1_NEGOTIATE_LEN];
	json_object_set_new(p->s.out, smb_members[p->step],
	                    json_pack("{s:s, s:n, s:n, s:n, s:n, s:n, s:n}", "status", "error", "version",
	                              "nt_status", "dialect", "dialect_code", "signing_enabled",
	                              "signing_required"));
	int rc = svc_connect(&p->s, &smb_hooks, p, SMB_REPLY_MAX + 4, &p->c);
	if (rc == 0 && p->step == 0) {
		smb2_build_negotiate(req2);
		rc = conn_write(p->c, req2, sizeof req2);
	} else if (rc == 0) {
		smb1_build_negotiate(req1);
		rc = conn_write(p->c, req1, sizeof req1);
	}
	return rc;
}

static int smb_begin(struct svc *s)
{
	return smb_exchange((struct smb_probe *)s);
}

static void smb_stop(struct svc *s)
{
	struct smb_probe *p = (struct smb_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t smb_ports[] = {445};
static const struct svc_ops smb_ops = {"smb", smb_ports, 1, sizeof(struct smb_probe), smb_begin, smb_stop};

static int smb_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &smb_ops);
}

static const char *const smb_observes[] = {"services[].smb", "services[].smb.status", "services[].smb.smb2",
                                           "services[].smb.smb1", NULL};

const struct probe_module probe_smb_module = {
    .name = "smb",
    .unit = UNIT_SERVICE,
    .start = smb_start,
    .observes = smb_observes,
};
