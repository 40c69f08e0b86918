/* The sshdb rows of the exposed-services analyzer (analyze_svc_sshdb.c) on canned documents: SSH
 * algorithm lists as OpenSSH 9.2 sends them, PostgreSQL, MySQL, Elasticsearch and MongoDB answers,
 * probes that read nothing, addresses without the service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_services.h"
#include "tap.h"

/* The finding of `check` on `endpoint` for one address 127.40.2.1 with the services `services`
 * (a JSON array) and the open ports `open`: its status name or "missing", and its detail. */
static const char *judge(const char *check, const char *services, const char *open, const char *endpoint,
                         const char **detail)
{
	static char st[32], dt[256];
	char text[8192];
	snprintf(
	    text, sizeof text,
	    "{\"domain\": \"s.test\", \"port_sweeps\": [{\"addr\": \"127.40.2.1\", \"host\": \"s.test\", "
	    "\"shared\": false, \"status\": \"ok\", \"open\": %s}], \"services\": %s}",
	    open, services);
	json_t *d = json_loads(text, 0, NULL);
	struct findings fs = {0};
	snprintf(st, sizeof st, "missing");
	dt[0] = '\0';
	if (d != NULL && analyze_services(d, &fs) == 0)
		for (size_t i = 0; i < fs.n; i++)
			if (strcmp(fs.v[i].check, check) == 0 &&
			    strcmp(fs.v[i].endpoint ? fs.v[i].endpoint : "", endpoint) == 0) {
				snprintf(st, sizeof st, "%s", fstatus_name(fs.v[i].status));
				snprintf(dt, sizeof dt, "%s", fs.v[i].detail ? fs.v[i].detail : "");
			}
	findings_clear(&fs);
	json_decref(d);
	*detail = dt;
	return st;
}

#define ENTRY(port, name, obj)                                                                               \
	"[{\"addr\": \"127.40.2.1\", \"port\": " #port ", \"host\": \"s.test\", \"service\": \"" name        \
	"\", \"" name "\": " obj "}]"

/* Debian's OpenSSH 9.2 with Mozilla's modern lists, and the legacy one with algorithms added. */
#define SSH_MODERN                                                                                           \
	ENTRY(22, "ssh",                                                                                     \
	      "{\"status\": \"ok\", \"software\": \"OpenSSH_9.2p1 Debian-2+deb12u3\", \"kex\": "             \
	      "[\"sntrup761x25519-sha512@openssh.com\", \"curve25519-sha256\", "                             \
	      "\"diffie-hellman-group14-sha256\", "                                                          \
	      "\"ext-info-s\", \"kex-strict-s-v00@openssh.com\"], \"hostkey\": [\"rsa-sha2-512\", "          \
	      "\"rsa-sha2-256\", \"ssh-ed25519\"], \"ciphers_cs\": [\"chacha20-poly1305@openssh.com\", "     \
	      "\"aes256-gcm@openssh.com\", \"aes128-ctr\"], \"ciphers_sc\": [\"aes128-ctr\"], \"macs_cs\": " \
	      "[\"hmac-sha2-512-etm@openssh.com\", \"umac-128-etm@openssh.com\", \"hmac-sha2-256\"], "       \
	      "\"macs_sc\": [\"hmac-sha2-256\"]}")
#define SSH_LEGACY                                                                                           \
	ENTRY(22, "ssh",                                                                                     \
	      "{\"status\": \"ok\", \"kex\": [\"curve25519-sha256\", \"diffie-hellman-group1-sha1\", "       \
	      "\"diffie-hellman-group14-sha1\", \"diffie-hellman-group-exchange-sha1\"], \"hostkey\": "      \
	      "[\"rsa-sha2-512\", \"ssh-rsa\"], \"ciphers_cs\": [\"aes128-ctr\", \"3des-cbc\"], "            \
	      "\"ciphers_sc\": [\"aes128-ctr\", \"aes128-cbc\", \"3des-cbc\"], \"macs_cs\": "                \
	      "[\"hmac-sha2-256\", \"hmac-sha1\", \"hmac-md5\"], \"macs_sc\": [\"hmac-sha2-256\", "          \
	      "\"hmac-sha1-96\", \"umac-64@openssh.com\"]}")

static void test_ssh(void)
{
	const char *d;
	static const char *const checks[] = {"svc.ssh.weak_kex", "svc.ssh.weak_cipher", "svc.ssh.weak_mac",
	                                     "svc.ssh.weak_hostkey"};
	for (int i = 0; i < 4; i++) {
		char name[96];
		snprintf(name, sizeof name, "%s: modern lists pass", checks[i]);
		is_str(judge(checks[i], SSH_MODERN, "[22]", "127.40.2.1:22", &d), "pass", name);
		snprintf(name, sizeof name, "%s: legacy lists fail", checks[i]);
		is_str(judge(checks[i], SSH_LEGACY, "[22]", "127.40.2.1:22", &d), "fail", name);
		snprintf(name, sizeof name, "%s: no SSH on the address: not applicable", checks[i]);
		is_str(judge(checks[i], "[]", "[80]", "127.40.2.1", &d), "na", name);
	}
	judge("svc.ssh.weak_kex", SSH_LEGACY, "[22]", "127.40.2.1:22", &d);
	is_str(d,
	       "SSH on port 22 offers weak key exchange: diffie-hellman-group1-sha1, "
	       "diffie-hellman-group14-sha1, "
	       "diffie-hellman-group-exchange-sha1",
	       "the detail names every SHA-1 exchange, not curve25519");
	judge("svc.ssh.weak_cipher", SSH_LEGACY, "[22]", "127.40.2.1:22", &d);
	is_str(d, "SSH on port 22 offers weak ciphers: 3des-cbc, aes128-cbc",
	       "both directions, each name once");
	judge("svc.ssh.weak_mac", SSH_LEGACY, "[22]", "127.40.2.1:22", &d);
	is_str(d, "SSH on port 22 offers weak MACs: hmac-md5, hmac-sha1-96, umac-64@openssh.com",
	       "hmac-sha1 at full length is not weak");
	judge("svc.ssh.weak_hostkey", SSH_LEGACY, "[22]", "127.40.2.1:22", &d);
	is_str(d, "SSH on port 22 offers weak host key algorithms: ssh-rsa", "ssh-rsa, not rsa-sha2-512");
	is_str(judge("svc.ssh.weak_mac",
	             ENTRY(22, "ssh", "{\"status\": \"ok\", \"macs_cs\": [\"umac-64-etm@openssh.com\"]}"),
	             "[22]", "127.40.2.1:22", &d),
	       "fail", "Debian's default umac-64-etm is a 64-bit tag");
	is_str(judge("svc.ssh.weak_kex", ENTRY(22, "ssh", "{\"status\": \"ok\", \"kex\": null}"), "[22]",
	             "127.40.2.1:22", &d),
	       "indeterminate", "an identification without KEXINIT");
	is_str(judge("svc.ssh.weak_kex", ENTRY(22, "ssh", "{\"status\": \"malformed\"}"), "[22]",
	             "127.40.2.1:22", &d),
	       "indeterminate", "1 MiB of garbage on 22: indeterminate");
}

static void test_postgresql(void)
{
	const char *d;
	const char *trust =
	    ENTRY(5432, "postgresql", "{\"status\": \"ok\", \"auth\": \"ok\", \"auth_code\": 0}");
	const char *scram =
	    ENTRY(5432, "postgresql",
	          "{\"status\": \"ok\", \"auth\": \"sasl\", \"sasl_mechanisms\": \"SCRAM-SHA-256\"}");
	const char *hba =
	    ENTRY(5432, "postgresql", "{\"status\": \"ok\", \"auth\": null, \"error_sqlstate\": \"28000\"}");
	is_str(judge("svc.postgresql.trust", trust, "[5432]", "127.40.2.1:5432", &d), "fail", "trust: fail");
	is_str(judge("svc.postgresql.exposed", trust, "[5432]", "127.40.2.1:5432", &d), "fail",
	       "and exposed");
	is_str(judge("svc.postgresql.trust", scram, "[5432]", "127.40.2.1:5432", &d), "pass", "SCRAM: pass");
	is_str(judge("svc.postgresql.exposed", scram, "[5432]", "127.40.2.1:5432", &d), "fail",
	       "SCRAM is still exposed");
	is_str(d, "PostgreSQL answers on port 5432 from outside (authentication: sasl)", "its detail");
	is_str(judge("svc.postgresql.trust", hba, "[5432]", "127.40.2.1:5432", &d), "pass",
	       "refused before authentication: no trust");
	is_str(judge("svc.postgresql.exposed", hba, "[5432]", "127.40.2.1:5432", &d), "fail",
	       "but it answers");
	is_str(judge("svc.postgresql.trust", ENTRY(5432, "postgresql", "{\"status\": \"ok\"}"), "[5432]",
	             "127.40.2.1:5432", &d),
	       "indeterminate", "neither an auth request nor an error");
	is_str(judge("svc.postgresql.exposed", ENTRY(5432, "postgresql", "{\"status\": \"timeout\"}"),
	             "[5432]", "127.40.2.1:5432", &d),
	       "indeterminate", "a silent listener: indeterminate");
	is_str(judge("svc.postgresql.exposed", "[]", "[22]", "127.40.2.1", &d), "pass",
	       "no PostgreSQL: pass");
	is_str(judge("svc.postgresql.trust", "[]", "[22]", "127.40.2.1", &d), "na",
	       "no PostgreSQL: trust na");
}

static void test_others(void)
{
	const char *d;
	is_str(judge("svc.mysql.exposed",
	             ENTRY(3306, "mysql",
	                   "{\"status\": \"ok\", \"greeting\": \"handshake\", \"software\": "
	                   "\"5.5.5-10.11.6-MariaDB-0+deb12u1\"}"),
	             "[3306]", "127.40.2.1:3306", &d),
	       "fail", "a MariaDB greeting: exposed");
	is_str(d,
	       "MySQL/MariaDB answers on port 3306 from outside (greeting: 5.5.5-10.11.6-MariaDB-0+deb12u1)",
	       "with its version");
	is_str(judge("svc.mysql.exposed", "[]", "[]", "127.40.2.1", &d), "pass", "no MySQL: pass");
	const char *es = ENTRY(9200, "elasticsearch",
	                       "{\"status\": \"ok\", \"http_status\": 200, \"cluster_name\": \"records\", "
	                       "\"version\": \"2.11.0\", \"distribution\": \"opensearch\"}");
	is_str(judge("svc.elasticsearch.noauth", es, "[9200]", "127.40.2.1:9200", &d), "fail",
	       "open cluster: fail");
	is_str(d, "OpenSearch 2.11.0 on port 9200 answers its REST API without credentials",
	       "named OpenSearch");
	is_str(judge("svc.elasticsearch.noauth",
	             ENTRY(9200, "elasticsearch",
	                   "{\"status\": \"ok\", \"http_status\": 401, \"auth_challenge\": true}"),
	             "[9200]", "127.40.2.1:9200", &d),
	       "pass", "401: pass");
	is_str(judge("svc.elasticsearch.noauth",
	             ENTRY(9200, "elasticsearch", "{\"status\": \"ok\", \"http_status\": 200}"), "[9200]",
	             "127.40.2.1:9200", &d),
	       "indeterminate", "200 without a root document: not identified");
	is_str(judge("svc.elasticsearch.noauth", "[]", "[443]", "127.40.2.1", &d), "pass",
	       "no cluster: pass");
	is_str(judge("svc.mongodb.exposed",
	             ENTRY(27017, "mongodb", "{\"status\": \"ok\", \"ok\": 1.0, \"max_wire_version\": 21}"),
	             "[27017]", "127.40.2.1:27017", &d),
	       "fail", "hello answered: exposed");
	is_str(d, "MongoDB answers on port 27017 from outside (hello answered, wire version 21)",
	       "its detail");
	is_str(judge("svc.mongodb.exposed", ENTRY(27017, "mongodb", "{\"status\": \"oversized\"}"), "[27017]",
	             "127.40.2.1:27017", &d),
	       "indeterminate", "garbage read as a huge message: indeterminate");
	is_str(judge("svc.mongodb.exposed", "[]", "[]", "127.40.2.1", &d), "pass", "no MongoDB: pass");
}

static void test_ids(void)
{
	static const char *const ids[] = {
	    "svc.ssh.weak_kex",     "svc.ssh.weak_cipher",      "svc.ssh.weak_mac",
	    "svc.ssh.weak_hostkey", "svc.postgresql.exposed",   "svc.postgresql.trust",
	    "svc.mysql.exposed",    "svc.elasticsearch.noauth", "svc.mongodb.exposed"};
	int found = 0;
	for (size_t i = 0; analyze_services_check_id(i) != NULL; i++)
		for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++)
			found += strcmp(analyze_services_check_id(i), ids[k]) == 0;
	is_int(found, 9, "the nine sshdb checks are listed once each");
}

int main(void)
{
	test_ssh();
	test_postgresql();
	test_others();
	test_ids();
	return done_testing();
}
