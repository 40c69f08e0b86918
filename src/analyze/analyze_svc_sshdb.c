/*
 * SSH and database checks (family sshdb; probes ssh, postgresql, mysql, elasticsearch,
 * mongodb). SSH being reachable is not a failure: what it offers is judged, algorithm by
 * algorithm, from its KEXINIT (the weak sets are documented in docs/METHODOLOGY.md with
 * their sources). A database that answers the internet at all is a finding (exposed); one
 * that lets anyone in without a password (PostgreSQL trust, Elasticsearch without
 * security) is a worse one.
 */
#include <stdio.h>
#include <string.h>

#include "analyze_services.h"

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* SHA-1 key exchanges (RFC 9142: group1, group-exchange-sha1 SHOULD NOT; group14-sha1 only for
 * interoperability; rsa1024-sha1 MUST NOT), the GSS ones included. */
static int weak_kex(const char *n)
{
	return ends_with(n, "-sha1") || strstr(n, "-sha1-") != NULL;
}

/* CBC modes (CVE-2008-5161), RC4 (RFC 8758), and no encryption. */
static int weak_cipher(const char *n)
{
	return strcmp(n, "none") == 0 || strncmp(n, "arcfour", 7) == 0 || ends_with(n, "-cbc") ||
	       strstr(n, "-cbc@") != NULL;
}

/* MD5, tags truncated to 96 bits, 32- and 64-bit UMAC tags, and no MAC. HMAC-SHA1 at full
 * length is not weak: SHA-1 collisions do not touch HMAC. */
static int weak_mac(const char *n)
{
	return strcmp(n, "none") == 0 || strstr(n, "md5") != NULL || strstr(n, "-96") != NULL ||
	       strncmp(n, "umac-32", 7) == 0 || strncmp(n, "umac-64", 7) == 0;
}

/* SHA-1 RSA signatures (RFC 8332) and DSA (fixed at 1024 bits). */
static int weak_hostkey(const char *n)
{
	return strcmp(n, "ssh-rsa") == 0 || strncmp(n, "ssh-rsa-cert-", 13) == 0 ||
	       strncmp(n, "ssh-dss", 7) == 0 || strncmp(n, "x509v3-sign-", 12) == 0;
}

/*
 * The weak names of lists a and b (b may be NULL) joined into buf. 1 when some list was
 * there (buf then holds the weak names, "" for none), 0 when none was read.
 */
static int weak_names(const json_t *probe, const char *a, const char *b, int (*weak)(const char *), char *buf,
                      size_t len)
{
	const char *lists[2] = {a, b};
	int seen = 0;
	size_t w = 0;
	buf[0] = '\0';
	for (int l = 0; l < 2 && lists[l]; l++) {
		const json_t *arr = json_object_get(probe, lists[l]), *x;
		size_t i;
		seen |= json_is_array(arr);
		json_array_foreach(arr, i, x)
		{
			const char *n = json_string_value(x);
			if (n == NULL || !weak(n) || strstr(buf, n) != NULL)
				continue;
			int k = snprintf(buf + w, len - w, "%s%s", w ? ", " : "", n);
			if (k < 0 || (size_t)k >= len - w)
				break; /* the detail is cut; the verdict is not */
			w += (size_t)k;
		}
	}
	return seen;
}

static void ssh_judge(const json_t *probe, const json_t *entry, struct svc_verdict *v, const char *what,
                      const char *a, const char *b, int (*weak)(const char *))
{
	char names[200];
	long long port = json_integer_value(json_object_get(entry, "port"));
	if (!weak_names(probe, a, b, weak, names, sizeof names)) {
		v->status = FS_INDETERMINATE;
		v->reason = "no_kexinit";
		snprintf(v->detail, sizeof v->detail, "SSH on port %lld sent no KEXINIT", port);
	} else if (names[0]) {
		v->status = FS_FAIL;
		snprintf(v->detail, sizeof v->detail, "SSH on port %lld offers weak %s: %s", port, what,
		         names);
	} else {
		v->status = FS_PASS;
		snprintf(v->detail, sizeof v->detail, "SSH on port %lld offers no weak %s", port, what);
	}
}

static void ssh_kex(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	ssh_judge(probe, entry, v, "key exchange", "kex", NULL, weak_kex);
}

static void ssh_cipher(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	ssh_judge(probe, entry, v, "ciphers", "ciphers_cs", "ciphers_sc", weak_cipher);
}

static void ssh_mac(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	ssh_judge(probe, entry, v, "MACs", "macs_cs", "macs_sc", weak_mac);
}

static void ssh_hostkey(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	ssh_judge(probe, entry, v, "host key algorithms", "hostkey", NULL, weak_hostkey);
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A database that answered its protocol: exposed, whatever it then asks. */
static void exposed(const json_t *probe, const json_t *entry, struct svc_verdict *v, const char *what,
                    const char *how)
{
	v->status = FS_FAIL;
	snprintf(v->detail, sizeof v->detail, "%s answers on port %lld from outside (%s)", what,
	         json_integer_value(json_object_get(entry, "port")), how);
}

static void pg_exposed(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const char *auth = jstr(probe, "auth"), *err = jstr(probe, "error_sqlstate");
	char how[64];
	snprintf(how, sizeof how, auth ? "authentication: %s" : "refused before authentication: %s",
	         auth  ? auth
	         : err ? err
	               : "?");
	exposed(probe, entry, v, "PostgreSQL", how);
}

static void pg_trust(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const char *auth = jstr(probe, "auth");
	long long port = json_integer_value(json_object_get(entry, "port"));
	if (auth != NULL && strcmp(auth, "ok") == 0) {
		v->status = FS_FAIL;
		snprintf(
		    v->detail, sizeof v->detail,
		    "PostgreSQL on port %lld lets a client in without a password (AuthenticationOk: trust)",
		    port);
	} else if (auth != NULL || jstr(probe, "error_sqlstate") != NULL) {
		v->status = FS_PASS;
		snprintf(v->detail, sizeof v->detail, "PostgreSQL on port %lld %s%s", port,
		         auth ? "asks for authentication: " : "refuses this client before authentication",
		         auth ? auth : "");
	} else {
		v->status = FS_INDETERMINATE;
		v->reason = "unanswered";
		snprintf(v->detail, sizeof v->detail, "PostgreSQL on port %lld gave no authentication answer",
		         port);
	}
}

static void mysql_exposed(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	const char *sw = jstr(probe, "software");
	char how[160];
	if (sw != NULL)
		snprintf(how, sizeof how, "greeting: %s", sw);
	else
		snprintf(how, sizeof how, "refused this client: error %lld",
		         json_integer_value(json_object_get(probe, "error_code")));
	exposed(probe, entry, v, "MySQL/MariaDB", how);
}

static void es_noauth(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	long long st = json_integer_value(json_object_get(probe, "http_status"));
	long long port = json_integer_value(json_object_get(entry, "port"));
	const char *ver = jstr(probe, "version"), *dist = jstr(probe, "distribution");
	int identified = jstr(probe, "cluster_name") || ver || jstr(probe, "product");
	if (st == 200 && identified) {
		v->status = FS_FAIL;
		snprintf(v->detail, sizeof v->detail,
		         "%s %s on port %lld answers its REST API without credentials",
		         dist && strcmp(dist, "opensearch") == 0 ? "OpenSearch" : "Elasticsearch",
		         ver ? ver : "", port);
	} else if (st == 401 || st == 403) {
		v->status = FS_PASS;
		snprintf(v->detail, sizeof v->detail,
		         "the REST API on port %lld asks for credentials (HTTP %lld)", port, st);
	} else {
		v->status = FS_INDETERMINATE;
		v->reason = "not_identified";
		snprintf(v->detail, sizeof v->detail,
		         "HTTP %lld on port %lld without an Elasticsearch root document", st, port);
	}
}

static void mongo_exposed(const json_t *probe, const json_t *entry, struct svc_verdict *v)
{
	char how[64];
	const json_t *wire = json_object_get(probe, "max_wire_version");
	if (json_is_integer(wire))
		snprintf(how, sizeof how, "hello answered, wire version %lld", json_integer_value(wire));
	else
		snprintf(how, sizeof how, "hello answered");
	exposed(probe, entry, v, "MongoDB", how);
}

const struct svc_check svc_checks_sshdb[] = {
    {"svc.ssh.weak_kex", "ssh", FS_NA, "SSH", ssh_kex},
    {"svc.ssh.weak_cipher", "ssh", FS_NA, "SSH", ssh_cipher},
    {"svc.ssh.weak_mac", "ssh", FS_NA, "SSH", ssh_mac},
    {"svc.ssh.weak_hostkey", "ssh", FS_NA, "SSH", ssh_hostkey},
    {"svc.postgresql.exposed", "postgresql", FS_PASS, "PostgreSQL", pg_exposed},
    {"svc.postgresql.trust", "postgresql", FS_NA, "PostgreSQL", pg_trust},
    {"svc.mysql.exposed", "mysql", FS_PASS, "MySQL/MariaDB", mysql_exposed},
    {"svc.elasticsearch.noauth", "elasticsearch", FS_PASS, "Elasticsearch/OpenSearch", es_noauth},
    {"svc.mongodb.exposed", "mongodb", FS_PASS, "MongoDB", mongo_exposed},
    {NULL, NULL, FS_NA, NULL, NULL},
};
