/*
 * The FTP probe (module "ftp", port 21): reads the greeting, then tries an anonymous
 * login (USER anonymous, PASS with an anonymous password) and says QUIT. Login only: it
 * never lists, reads or writes a file and opens no data connection.
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

/* What the probe waits for. */
enum ftp_phase { FTP_GREETING, FTP_USER, FTP_PASS, FTP_QUIT };

struct ftp_probe {
	struct svc s;         /* the kit's part, first */
	struct conn *c;       /* the exchange */
	enum ftp_phase phase; /* the reply awaited */
	struct ftp_reply r;   /* that reply, as it arrives */
};

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

/* A whole reply in the current phase: recorded, and the next step taken. 1 when the probe ended. */
static int ftp_step(struct ftp_probe *p)
{
	static const char *const member[] = {"greeting_code", "user_code", "pass_code", "quit_code"};
	int code = p->r.code;
	json_object_set_new(p->s.out, member[p->phase], json_integer(code));
	if (p->phase == FTP_GREETING)
		json_object_set_new(p->s.out, "banner", json_string(p->r.text));
	if (p->phase == FTP_GREETING && code == 220)
		return ftp_send(p, "USER anonymous\r\n", FTP_USER);
	if (p->phase == FTP_USER && code == 331)
		return ftp_send(p, "PASS anonymous@\r\n", FTP_PASS);
	if (p->phase != FTP_QUIT && (p->phase != FTP_GREETING || code < 400))
		return ftp_send(p, "QUIT\r\n", FTP_QUIT);
	/* QUIT answered, or a greeting refusing service (421): nothing more to say. */
	svc_end(&p->s, "ok");
	return 1;
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
			int other = p->phase == FTP_GREETING && rc == -EBADMSG;
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
	/* A server may hang up after refusing a login or after QUIT: what was read stands. */
	int after_login = p->phase >= FTP_PASS || (p->phase == FTP_USER && st == CONN_CLOSED);
	svc_end(&p->s, after_login && st == CONN_CLOSED ? "ok" : svc_conn_status(st));
}

static const struct conn_hooks ftp_hooks = {.data = ftp_data, .done = ftp_done};

static int ftp_begin(struct svc *s)
{
	struct ftp_probe *p = (struct ftp_probe *)s;
	ftp_reply_init(&p->r);
	const char *m[] = {"banner", "greeting_code", "user_code", "pass_code", "quit_code"};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		json_object_set_new(s->out, m[i], json_null());
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

static const char *const ftp_observes[] = {"services[].ftp",           "services[].ftp.status",
                                           "services[].ftp.banner",    "services[].ftp.user_code",
                                           "services[].ftp.pass_code", NULL};

const struct probe_module probe_ftp_module = {
    .name = "ftp",
    .unit = UNIT_SERVICE,
    .start = ftp_start,
    .observes = ftp_observes,
};
