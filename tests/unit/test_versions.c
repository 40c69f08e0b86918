/*
 * versions: comparing versions, reading them from banners as the probes record them, and the
 * table of ranges (the shipped data/versions.json, compiled in, and malformed tables).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "testfile.h"
#include "versions.h"

static void test_cmp(void)
{
	is_int(version_cmp("9.2p1", "9.8p1"), -1, "9.2p1 < 9.8p1");
	is_int(version_cmp("9.3p2", "9.3p1"), 1, "9.3p2 > 9.3p1");
	is_int(version_cmp("1.9", "1.10"), -1, "1.9 < 1.10 (numbers, not text)");
	is_int(version_cmp("1.22.1", "1.22.1"), 0, "equal");
	is_int(version_cmp("9.3", "9.3p1"), -1, "a suffix makes it later");
	is_int(version_cmp("14", "13.2"), 1, "14 > 13.2");
	is_int(version_cmp("2.4.010", "2.4.9"), 1, "leading zeros do not count");
	is_int(version_cmp("99999999999999999999.1", "99999999999999999998.9"), 1,
	       "long numbers without overflow");
	is_int(version_cmp("1.0rc1", "1.0"), 1, "1.0rc1 after 1.0 (no pre-release semantics)");
	is_int(version_cmp("2.b", "2.a"), 1, "letters by bytes");
	is_int(version_cmp("2.1", "2.a"), 1, "a number is newer than a letter");
	is_int(version_cmp("9", "9.8p1"), -1, "9 < 9.8p1");
	is_int(version_cmp("9.8p1", "9"), 1, "and the other way round (the fuzzer's find)");
	is_int(version_cmp("1a", "1.2"), 1, "a segment that goes on is later than one that ends");
}

static void extract(const char *hint, const char *text, const char *product, const char *version,
                    const char *name)
{
	struct sw_version v;
	int rc = version_extract(hint, text, strlen(text), &v);
	if (product == NULL) {
		is_int(rc, 0, name);
		return;
	}
	is_int(rc, 1, name);
	is_str(v.product, product, name);
	is_str(v.version, version, name);
}

static void test_extract(void)
{
	extract("ssh", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", "openssh", "9.2p1", "an SSH banner");
	extract(NULL, "nginx/1.22.1", "nginx", "1.22.1", "an nginx Server header");
	extract(NULL, "Apache/2.4.57 (Debian)", "apache", "2.4.57", "an Apache Server header");
	extract("turn", "Coturn-4.6.1 'Gorst'", "coturn", "4.6.1", "a coturn SOFTWARE attribute");
	extract("mysql", "5.5.5-10.11.6-MariaDB-0+deb12u1", "mariadb", "10.11.6", "a MariaDB greeting");
	extract("mysql", "10.11.6-MariaDB", "mariadb", "10.11.6", "a MariaDB greeting without prefix");
	extract("mysql", "8.0.36", "mysql", "8.0.36", "a MySQL greeting: the probe names the product");
	extract("redis", "7.0.15", "redis", "7.0.15", "a Redis INFO redis_version");
	extract("orthanc", "1.10.1", "orthanc", "1.10.1", "an Orthanc /system Version");
	extract("ftp", "220 (vsFTPd 3.0.3)", "vsftpd", "3.0.3", "a vsftpd banner");
	extract("postgresql", "PostgreSQL 15.5 (Debian 15.5-0+deb12u1)", "postgresql", "15.5",
	        "PostgreSQL version()");
	extract(NULL, "nginx", NULL, NULL, "nginx without a version: none");
	extract(NULL, "7.0.15", NULL, NULL, "a bare version without a hint: none");
	extract("ssh", "SSH-2.0-dropbear_2022.83", NULL, NULL, "a product not in the list: none");
	extract(NULL, "nginx/1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16", NULL, NULL,
	        "a version over the cap: none");
	extract(NULL, "NGINX/1.25.0.", "nginx", "1.25.0", "case-insensitive, a trailing dot dropped");
}

static void test_shipped(void)
{
	char err[256] = "";
	struct version_db *db = NULL;
	char path[512];
	const char *src = getenv("VITALS_SRCDIR");
	snprintf(path, sizeof path, "%s/data/versions.json", src ? src : ".");
	char *text = slurp(path);
	ok(text != NULL, "data/versions.json is there");
	is_int(text ? (long long)strlen(text) : -1, (long long)versions_default_json_len,
	       "the compiled-in table is the file");
	ok(text && memcmp(text, versions_default_json, versions_default_json_len) == 0, "byte for byte");
	free(text);
	is_int(version_db_parse(versions_default_json, versions_default_json_len, &db, err, sizeof err), 0,
	       "the shipped table parses");
	ok(db && db->n >= 10, "with its ranges");
	size_t with_source = 0;
	for (size_t i = 0; db && i < db->n; i++)
		with_source += strncmp(db->v[i].source, "https://", 8) == 0 && db->v[i].below[0] != '\0';
	ok(db && with_source == db->n, "every range has an https source and an upper bound");
	struct sw_version ssh = {"openssh", "9.2p1"}, new_ssh = {"openssh", "9.9p1"};
	int hits = 0, new_hits = 0;
	for (size_t i = 0; db && i < db->n; i++) {
		hits += vrange_match(&db->v[i], &ssh) && strcmp(db->v[i].id, "CVE-2024-6387") == 0;
		new_hits += vrange_match(&db->v[i], &new_ssh);
	}
	is_int(hits, 1, "OpenSSH 9.2p1 is in CVE-2024-6387's range");
	is_int(new_hits, 0, "OpenSSH 9.9p1 in none");
	version_db_free(db);
}

static void bad(const char *json, int want, const char *name)
{
	char err[256] = "";
	struct version_db *db = NULL;
	is_int(version_db_parse(json, strlen(json), &db, err, sizeof err), want, name);
	ok(db == NULL && (want == 0 || err[0] != '\0'), "no table, a message");
}

static void test_bad(void)
{
	const char *r = "{\"product\":\"x\",\"kind\":\"eol\",\"below\":\"2\",\"id\":\"i\",\"summary\":\"s\","
	                "\"source\":\"u\"}";
	char ok_json[512];
	snprintf(ok_json, sizeof ok_json, "{\"format\":1,\"updated\":\"2026-12-01\",\"ranges\":[%s]}", r);
	char err[256];
	struct version_db *db = NULL;
	is_int(version_db_parse(ok_json, strlen(ok_json), &db, err, sizeof err), 0, "a minimal table");
	ok(db && db->n == 1 && db->v[0].eol && db->v[0].from[0] == '\0', "one eol range without from");
	version_db_free(db);
	bad("{\"format\":1,", -EINVAL, "not JSON");
	bad("{\"format\":2,\"updated\":\"x\",\"ranges\":[]}", -EINVAL, "another format");
	bad("{\"format\":1,\"ranges\":[]}", -EINVAL, "no updated");
	bad("{\"format\":1,\"updated\":\"x\",\"ranges\":{}}", -EINVAL, "ranges not an array");
	bad("{\"format\":1,\"updated\":\"x\",\"ranges\":[{\"product\":\"x\",\"kind\":\"old\",\"below\":\"2\","
	    "\"id\":\"i\",\"summary\":\"s\",\"source\":\"u\"}]}",
	    -EINVAL, "an unknown kind");
	bad("{\"format\":1,\"updated\":\"x\",\"ranges\":[{\"product\":\"x\",\"kind\":\"eol\",\"below\":\"2 "
	    "beta\","
	    "\"id\":\"i\",\"summary\":\"s\",\"source\":\"u\"}]}",
	    -EINVAL, "a version with a blank");
	bad("{\"format\":1,\"updated\":\"x\",\"ranges\":[{\"product\":\"x\",\"kind\":\"eol\",\"below\":\"2\","
	    "\"summary\":\"s\",\"source\":\"u\"}]}",
	    -EINVAL, "no id");
	bad("{\"format\":1,\"updated\":\"x\",\"updated\":\"y\",\"ranges\":[]}", -EINVAL,
	    "a duplicate member");
}

int main(void)
{
	test_cmp();
	test_extract();
	test_shipped();
	test_bad();
	return done_testing();
}
