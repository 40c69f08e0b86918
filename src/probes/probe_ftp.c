/*
 * The FTP probe (module "ftp", port 21): reads the greeting, then tries an anonymous
 * login (USER anonymous, PASS with an anonymous password) and says QUIT. Login only: it
 * never lists, reads or writes a file and opens no data connection.
 *
 * A server that refuses the login in cleartext may still take it over TLS: servers told to
 * require encryption (vsftpd's force_anon_logins_ssl, ProFTPD's TLSRequired) answer USER in
 * cleartext with 530, and vsftpd then hangs up. So after a refusal the probe says QUIT and
 * opens a second connection that starts with AUTH TLS (RFC 4217); on 234 it upgrades it
 * (conn.c's TLS, no verification), tries the same login once more inside it, and says QUIT.
 * At most two connections and seven commands.
 *
 * It records the greeting and the reply codes (docs/OBSERVATIONS.md, "ftp"); whether the
 * anonymous login was accepted is the analyzer's conclusion.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_ftp.h"

#define FTP_READ_CAP (2 * FTP_REPLY_MAX) /* a reply and part of the next */

/* What the probe waits for, in the order it asks. */
enum ftp_phase { FTP_GREETING, FTP_USER, FTP_PASS, FTP_AUTH, FTP_TLS_USER, FTP_TLS_PASS, FTP_QUIT };

/* The reply code member of each phase. */
static const char *const code_member[] = {"greeting_code", "user_code",     "pass_code", "auth_tls_code",
                                          "tls_user_code", "tls_pass_code", "quit_code"};

struct ftp_probe {
	struct svc s;         /* the kit's part, first */
	struct conn *c;       /* the exchange */
	enum ftp_phase phase; /* the reply awaited */
	struct ftp_reply r;   /* that reply, as it arrives */
	int refused;          /* the cleartext login was refused: a TLS round follows */
	int tls_round;        /* the second connection, AUTH TLS first */
};

static const struct conn_hooks ftp_hooks;

/* The next command, the reply it awaits; 1 when the probe ended (the write failed). */
static int ftp_send(struct ftp_probe *p, const char *cmd, enum ftp_phase next)
{
	ftp_reply_init(&p->r);
	p->phase = next;
	if (conn_write(p->c, cmd, strlen(cmd)) == 0)
		return 0;
	svc_end(&p->s, "error");
	return 1;
}

static int is_refusal(int code)
{
	return code >= 500 && code < 600;
}

/* After a refusal in cleartext: the second connection, which asks AUTH TLS first. 1 when ended. */
static int tls_round(struct ftp_probe *p)
{
	p->c = conn_free(p->c);
	p->tls_round = 1;
	p->phase = FTP_GREETING;
	ftp_reply_init(&p->r);
	if (svc_connect(&p->s, &ftp_hooks, p, FTP_READ_CAP, &p->c) == 0)
		return 0;
	svc_end(&p->s, "ok"); /* the cleartext answers stand; the TLS round is unanswered */
	return 1;
}

/* A whole reply in the current phase: recorded, and the next step taken. 1 when the probe ended
 * or the connection was replaced (the caller then stops reading it). */
static int ftp_step(struct ftp_probe *p)
{
	int code = p->r.code;
	if (!(p->tls_round && (p->phase == FTP_GREETING || p->phase == FTP_QUIT)))
		json_object_set_new(p->s.out, code_member[p->phase], json_integer(code));
	if (p->phase == FTP_GREETING && !p->tls_round)
		json_object_set_new(p->s.out, "banner", json_string(p->r.text));
	switch (p->phase) {
	case FTP_GREETING:
		if (code == 220)
			return ftp_send(p, p->tls_round ? "AUTH TLS\r\n" : "USER anonymous\r\n",
			                p->tls_round ? FTP_AUTH : FTP_USER);
		if (code < 400)
			return ftp_send(p, "QUIT\r\n", FTP_QUIT);
		break;
	case FTP_USER:
	case FTP_PASS:
		if (p->phase == FTP_USER && code == 331)
			return ftp_send(p, "PASS anonymous@\r\n", FTP_PASS);
		/* refused in cleartext, perhaps because the server wants TLS first */
		p->refused = is_refusal(code);
		return ftp_send(p, "QUIT\r\n", FTP_QUIT);
	case FTP_AUTH:
		if (code == 234) {
			SSL_CTX *ctx = engine_state(p->s.e, &probe_ftp_module);
			if (ctx == NULL || conn_start_tls(p->c, ctx, p->s.host[0] ? p->s.host : NULL) < 0) {
				svc_end(&p->s, "error");
				return 1;
			}
			ftp_reply_init(&p->r);
			p->phase = FTP_TLS_USER; /* USER is sent once the handshake is done */
			return 0;
		}
		return ftp_send(p, "QUIT\r\n", FTP_QUIT);
	case FTP_TLS_USER:
		if (code == 331)
			return ftp_send(p, "PASS anonymous@\r\n", FTP_TLS_PASS);
		return ftp_send(p, "QUIT\r\n", FTP_QUIT);
	case FTP_TLS_PASS:
		return ftp_send(p, "QUIT\r\n", FTP_QUIT);
	case FTP_QUIT:
		if (p->refused && !p->tls_round) {
			/* the old connection is done: its reader must not read on (1 stops it) */
			tls_round(p);
			return 1;
		}
		break;
	}
	/* QUIT answered, or a greeting refusing service (421): nothing more to say. */
	svc_end(&p->s, "ok");
	return 1;
}

static void ftp_secured(struct conn *c, void *arg)
{
	struct ftp_probe *p = arg;
	(void)c;
	json_object_set_new(p->s.out, "tls", json_true());
	ftp_send(p, "USER anonymous\r\n", FTP_TLS_USER);
}

static void ftp_data(struct conn *c, void *arg)
{
	struct ftp_probe *p = arg;
	size_t len = 0, used = 0;
	const uint8_t *b = conn_data(c, &len);
	while (len > 0) {
		int rc = ftp_reply_feed(&p->r, b, len, &used);
		conn_consume(c, used);
		if (rc < 0) {
			/* No reply line at all first: something else answered. */
			int other = p->phase == FTP_GREETING && !p->tls_round && rc == -EBADMSG;
			svc_end(&p->s, other ? "not_ftp" : rc == -E2BIG ? "oversized" : "malformed");
			return;
		}
		if (rc == 0 || ftp_step(p))
			return;
		b = conn_data(c, &len);
	}
}

static void ftp_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct ftp_probe *p = arg;
	(void)c;
	(void)err;
	if (!p->tls_round) {
		/* A server may hang up after refusing a login (vsftpd does when it wants TLS) or
		 * after QUIT: what was read stands, and a refusal still gets its TLS round. */
		int after_login = p->phase >= FTP_PASS || (p->phase == FTP_USER && st == CONN_CLOSED);
		if (after_login && st == CONN_CLOSED && p->refused)
			tls_round(p);
		else if (p->phase == FTP_USER && st == CONN_CLOSED)
			svc_end(&p->s, "ok");
		else
			svc_end(&p->s, after_login && st == CONN_CLOSED ? "ok" : svc_conn_status(st));
		return;
	}
	/* The TLS round: whatever ends it, the cleartext answers stand; why it ended is kept. */
	if (p->phase != FTP_QUIT)
		json_object_set_new(p->s.out, "tls_error", json_string(svc_conn_status(st)));
	svc_end(&p->s, "ok");
}

static const struct conn_hooks ftp_hooks = {.secured = ftp_secured, .data = ftp_data, .done = ftp_done};

static int ftp_begin(struct svc *s)
{
	struct ftp_probe *p = (struct ftp_probe *)s;
	ftp_reply_init(&p->r);
	json_object_set_new(s->out, "banner", json_null());
	json_object_set_new(s->out, "tls", json_false());
	json_object_set_new(s->out, "tls_error", json_null());
	for (size_t i = 0; i < sizeof code_member / sizeof code_member[0]; i++)
		json_object_set_new(s->out, code_member[i], json_null());
	return svc_connect(s, &ftp_hooks, p, FTP_READ_CAP, &p->c);
}

static void ftp_stop(struct svc *s)
{
	struct ftp_probe *p = (struct ftp_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t ftp_ports[] = {21};
static const struct svc_ops ftp_ops = {"ftp", ftp_ports, 1, sizeof(struct ftp_probe), ftp_begin, ftp_stop};

static int ftp_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &ftp_ops);
}

static int ftp_setup(struct engine *e, void **state, char *err, size_t errlen)
{
	(void)e;
	if ((*state = svc_tls_ctx()) == NULL) {
		snprintf(err, errlen, "ftp: no TLS client context");
		return -ENOMEM;
	}
	return 0;
}

static void ftp_teardown(void *state)
{
	SSL_CTX_free(state);
}

static const char *const ftp_observes[] = {"services[].ftp",
                                           "services[].ftp.status",
                                           "services[].ftp.banner",
                                           "services[].ftp.user_code",
                                           "services[].ftp.pass_code",
                                           "services[].ftp.auth_tls_code",
                                           "services[].ftp.tls",
                                           "services[].ftp.tls_user_code",
                                           "services[].ftp.tls_pass_code",
                                           NULL};

const struct probe_module probe_ftp_module = {
    .name = "ftp",
    .unit = UNIT_SERVICE,
    .setup = ftp_setup,
    .teardown = ftp_teardown,
    .start = ftp_start,
    .observes = ftp_observes,
};
