/*
 * SSH algorithms without a key exchange (module "ssh", UNIT_SERVICE on 22): one connection,
 * our identification sent, the server's identification and its KEXINIT read (the server
 * sends both without waiting for ours), then the connection closed. The name-lists say which
 * key exchange, host key, cipher, MAC and compression algorithms a client could get; the
 * identification's software field is the version for the patching checks. No key exchange,
 * no authentication. Evidence: services[].ssh (docs/OBSERVATIONS.md).
 */
#include <errno.h>
#include <string.h>

#include "conn.h"
#include "probes.h"
#include "svc.h"
#include "wire_ssh.h"
#include "wire_text.h"

/* lines before the identification, then a KEXINIT with a few IGNORE packets before it */
#define SSH_RCAP (SSH_PRELINES_MAX * SSH_PRELINE_MAX + 2 * (SSH_PACKET_MAX + 4))

/* The lists recorded, and under which names (languages are left out: no algorithm). */
static const enum ssh_list recorded[] = {SSH_KEX,    SSH_HOSTKEY, SSH_ENC_CS,  SSH_ENC_SC,
                                         SSH_MAC_CS, SSH_MAC_SC,  SSH_COMP_CS, SSH_COMP_SC};
#define NRECORDED (sizeof recorded / sizeof recorded[0])

struct ssh_probe {
	struct svc s; /* first */
	struct conn *c;
	int have_ident; /* the identification was read */
};

static json_t *names_json(const struct ssh_namelist *l)
{
	json_t *a = json_array();
	size_t pos = 0, n;
	const char *name;
	while (a != NULL && ssh_namelist_next(l, &pos, &name, &n))
		json_array_append_new(a, json_stringn(name, n)); /* printable ASCII: checked by the parser */
	return a;
}

static void record_ident(json_t *out, const struct ssh_ident *id)
{
	json_object_set_new(out, "identification", text_json(id->line, strlen(id->line)));
	json_object_set_new(out, "protocol", text_json(id->proto, strlen(id->proto)));
	json_object_set_new(out, "software", text_json(id->software, strlen(id->software)));
}

static void record_kexinit(json_t *out, const struct ssh_kexinit *k)
{
	for (size_t i = 0; i < NRECORDED; i++)
		json_object_set_new(out, ssh_list_name(recorded[i]), names_json(&k->lists[recorded[i]]));
}

/* The identification; 1 when read, 0 for more, or the probe ended. */
static int read_ident(struct ssh_probe *p, struct conn *c, const uint8_t *d, size_t len)
{
	struct ssh_ident id;
	size_t used = 0;
	int rc = ssh_ident_parse(d, len, &id, &used);
	if (rc <= 0) {
		if (rc < 0)
			svc_end(&p->s, rc == -E2BIG ? "oversized" : "malformed");
		return rc < 0 ? -1 : 0;
	}
	record_ident(p->s.out, &id);
	conn_consume(c, used);
	p->have_ident = 1;
	/* SSH-1 only (protoversion 1.5): no KEXINIT will come */
	if (strcmp(id.proto, "2.0") != 0 && strcmp(id.proto, "1.99") != 0) {
		svc_end(&p->s, "ok");
		return -1;
	}
	return 1;
}

static void on_data(struct conn *c, void *arg)
{
	struct ssh_probe *p = arg;
	size_t len, used = 0;
	const uint8_t *d = conn_data(c, &len);
	if (!p->have_ident) {
		if (read_ident(p, c, d, len) <= 0)
			return;
		d = conn_data(c, &len);
	}
	struct ssh_kexinit k;
	int rc = ssh_kexinit_parse(d, len, &k, &used);
	if (rc == 0)
		return;
	if (rc == 1)
		record_kexinit(p->s.out, &k);
	svc_end(&p->s, rc == 1 ? "ok" : rc == -E2BIG ? "oversized" : "malformed");
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct ssh_probe *p = arg;
	(void)c;
	(void)err;
	/* an identification without a KEXINIT is still an SSH server: its lists stay null */
	svc_end(&p->s, p->have_ident ? "ok" : svc_conn_status(st));
}

static void on_connected(struct conn *c, void *arg)
{
	struct ssh_probe *p = arg;
	if (conn_write(c, SSH_CLIENT_IDENT, strlen(SSH_CLIENT_IDENT)) < 0)
		svc_end(&p->s, "error");
}

static const struct conn_hooks hooks = {.connected = on_connected, .data = on_data, .done = on_done};

static int ssh_begin(struct svc *s)
{
	struct ssh_probe *p = (struct ssh_probe *)s;
	json_object_set_new(s->out, "identification", json_null());
	json_object_set_new(s->out, "protocol", json_null());
	json_object_set_new(s->out, "software", json_null());
	for (size_t i = 0; i < NRECORDED; i++)
		json_object_set_new(s->out, ssh_list_name(recorded[i]), json_null());
	return svc_connect(s, &hooks, p, SSH_RCAP, &p->c);
}

static void ssh_stop(struct svc *s)
{
	struct ssh_probe *p = (struct ssh_probe *)s;
	p->c = conn_free(p->c);
}

static const uint16_t ssh_ports[] = {22};
static const struct svc_ops ssh_ops = {
    .name = "ssh",
    .ports = ssh_ports,
    .nports = sizeof ssh_ports / sizeof ssh_ports[0],
    .size = sizeof(struct ssh_probe),
    .begin = ssh_begin,
    .stop = ssh_stop,
};

static int ssh_start(struct engine *e, struct domain_scan *ds, const struct unit *u)
{
	return svc_start(e, ds, u, &ssh_ops);
}

static const char *const ssh_observes[] = {
    "services[].ssh",
    "services[].ssh.status",
    "services[].ssh.identification",
    "services[].ssh.protocol",
    "services[].ssh.software",
    "services[].ssh.kex",
    "services[].ssh.hostkey",
    "services[].ssh.ciphers_cs",
    "services[].ssh.ciphers_sc",
    "services[].ssh.macs_cs",
    "services[].ssh.macs_sc",
    "services[].ssh.compression_cs",
    "services[].ssh.compression_sc",
    NULL,
};

const struct probe_module probe_ssh_module = {
    .name = "ssh",
    .unit = UNIT_SERVICE,
    .start = ssh_start,
    .observes = ssh_observes,
};
