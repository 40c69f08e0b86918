/* `vitals scan` options tests: parsing and ranges, the stored form, and restoring on --resume. */
#include "scan_opts.h"
#include "tap.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char cwd[PATH_MAX];
static char err[1024];

/* Parses a NULL-terminated argument list (after "scan") into freshly initialized options. */
static int parse_args(struct scan_opts *o, char **argv)
{
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	scan_opts_init(o);
	return scan_opts_parse(argc, argv, o);
}

#define PARSE(o, ...) parse_args(o, (char *[]){"scan", __VA_ARGS__, NULL})

/* cwd + "/" + rel, as the stored form of a relative path. */
static const char *absolute(const char *rel)
{
	static char buf[PATH_MAX + 64];
	snprintf(buf, sizeof buf, "%s/%s", cwd, rel);
	return buf;
}

static void test_defaults(void)
{
	struct scan_opts o;
	is_int(PARSE(&o, "targets.csv"), 0, "defaults: parsed");
	is_str(o.targets, "targets.csv", "defaults: targets");
	is_str(o.db, "vitals.db", "defaults: db");
	ok(o.output == NULL && o.scope == NULL && o.exclude == NULL, "defaults: no output, scope, exclude");
	is_str(o.eng.root_hints, "/usr/share/dns/root.hints", "defaults: root hints");
	is_str(o.eng.trust_anchor, "/usr/share/dns/root.key", "defaults: trust anchor");
	ok(o.eng.ca_file == NULL, "defaults: system CA");
	is_int(o.eng.query_timeout_ms, 5000, "defaults: query timeout");
	is_int(o.eng.conn_timeout_ms, 5000, "defaults: connection timeout");
	is_int(o.eng.org_timeout_ms, 60000, "defaults: org timeout");
	is_int(o.eng.concurrency, 64, "defaults: concurrency");
	ok(o.eng.rate == 0.0, "defaults: no rate limit");
	ok(o.conn_rate == 0.0, "defaults: no connection rate limit");
	is_int(o.per_address, 4, "defaults: 4 connections in flight per address");
	ok(o.shard == 0 && o.shards == 1, "defaults: shard 0/1");
	is_int(o.seed, 1, "defaults: seed 1");
	ok(o.resume == 0 && o.force == 0, "defaults: no resume, no force");
	is_int(o.progress, -1, "defaults: progress on a terminal");
	is_int(o.given, 0, "defaults: nothing given");
	ok(o.restored == NULL, "defaults: nothing restored");
}

static void test_ranges(void)
{
	struct scan_opts o;
	is_int(PARSE(&o, "--concurrency", "0", "t"), -EINVAL, "--concurrency 0");
	is_int(PARSE(&o, "--concurrency", "10001", "t"), -EINVAL, "--concurrency 10001");
	is_int(PARSE(&o, "--concurrency", "-1", "t"), -EINVAL, "--concurrency -1");
	is_int(PARSE(&o, "--concurrency", "5x", "t"), -EINVAL, "--concurrency 5x");
	is_int(PARSE(&o, "--concurrency", "10000", "t"), 0, "--concurrency 10000 accepted");
	is_int(o.eng.concurrency, 10000, "--concurrency 10000 kept");
	is_int(PARSE(&o, "--timeout", "99", "t"), -EINVAL, "--timeout 99");
	is_int(PARSE(&o, "--timeout", "600001", "t"), -EINVAL, "--timeout 600001");
	is_int(PARSE(&o, "--timeout", "100", "t"), 0, "--timeout 100 accepted");
	ok(o.eng.query_timeout_ms == 100 && o.eng.conn_timeout_ms == 100, "--timeout sets both timeouts");
	is_int(PARSE(&o, "--org-timeout", "3600001", "t"), -EINVAL, "--org-timeout 3600001");
	is_int(PARSE(&o, "--rate", "1000001", "t"), -EINVAL, "--rate 1000001");
	is_int(PARSE(&o, "--conn-rate", "1000001", "t"), -EINVAL, "--conn-rate 1000001");
	is_int(PARSE(&o, "--conn-rate", "250", "t"), 0, "--conn-rate 250 accepted");
	ok(o.conn_rate == 250.0, "--conn-rate 250 kept");
	is_int(PARSE(&o, "--per-address", "0", "t"), -EINVAL, "--per-address 0 refused");
	is_int(PARSE(&o, "--per-address", "1001", "t"), -EINVAL, "--per-address 1001");
	is_int(PARSE(&o, "--per-address", "1", "t"), 0, "--per-address 1 accepted");
	is_int(o.per_address, 1, "--per-address 1 kept");
	is_int(PARSE(&o, "--seed", "9223372036854775808", "t"), -EINVAL, "--seed INT64_MAX + 1");
	is_int(PARSE(&o, "--seed", "18446744073709551616", "t"), -EINVAL, "--seed beyond 64 bits");
	is_int(PARSE(&o, "--seed", "9223372036854775807", "t"), 0, "--seed INT64_MAX accepted");
	ok(o.seed == 9223372036854775807ull, "--seed INT64_MAX kept exactly");
	is_int(PARSE(&o, "--shard", "2/2", "t"), -EINVAL, "--shard 2/2");
	is_int(PARSE(&o, "--shard", "0/0", "t"), -EINVAL, "--shard 0/0");
	is_int(PARSE(&o, "--shard", "1", "t"), -EINVAL, "--shard without N");
	is_int(PARSE(&o, "--shard", "1/2", "t"), 0, "--shard 1/2 accepted");
	ok(o.shard == 1 && o.shards == 2, "--shard 1/2 kept");
	is_int(PARSE(&o, "--resume", "0"), -EINVAL, "--resume 0");
	is_int(PARSE(&o, "--force", "t"), -EINVAL, "--force without --resume");
	is_int(PARSE(&o, "--resume", "3", "--force"), 0, "--force with --resume accepted");
	is_int(o.force, 1, "--force kept");
}

static void test_operands(void)
{
	struct scan_opts o;
	is_int(parse_args(&o, (char *[]){"scan", NULL}), -EINVAL, "no TARGETS without --resume");
	is_int(PARSE(&o, "a.csv", "b.csv"), -EINVAL, "two TARGETS");
	is_int(PARSE(&o, "--resume", "7"), 0, "no TARGETS with --resume");
	ok(o.targets == NULL, "no TARGETS with --resume: targets NULL");
	is_int(o.resume, 7, "--resume 7 kept");
	is_int(PARSE(&o, "-"), 0, "- as TARGETS");
	is_str(o.targets, "-", "- as TARGETS kept");
	is_int(PARSE(&o, "t.csv", "--db", "x.db", "--progress"), 0, "options after TARGETS");
	is_str(o.targets, "t.csv", "options after TARGETS: targets");
	is_str(o.db, "x.db", "options after TARGETS: db");
	is_int(o.progress, 1, "--progress");
	is_int(PARSE(&o, "--no-progress", "t"), 0, "--no-progress parsed");
	is_int(o.progress, 0, "--no-progress");
}

static void test_given(void)
{
	struct scan_opts o;
	PARSE(&o, "--db", "x.db", "--resume", "4", "--scope", "10.0.0.0/8", "--rate", "5", "--no-progress");
	is_int(o.given, GIVEN_SCOPE | GIVEN_RATE,
	       "given: only scope and rate (db, resume, progress do not count)");
	PARSE(&o, "--exclude", "10.1.0.0/16", "--root-hints", "h", "--trust-anchor", "k", "--ca-file", "c",
	      "--timeout", "200", "--org-timeout", "300", "--shard", "0/2", "--seed", "5", "-o", "out",
	      "--concurrency", "8", "t");
	is_int(o.given,
	       GIVEN_EXCLUDE | GIVEN_ROOT_HINTS | GIVEN_TRUST_ANCHOR | GIVEN_CA_FILE | GIVEN_TIMEOUT |
	           GIVEN_ORG_TIMEOUT | GIVEN_SHARD | GIVEN_SEED | GIVEN_OUTPUT | GIVEN_CONCURRENCY,
	       "given: every other defining option");
	PARSE(&o, "--seed", "1", "t");
	is_int(o.given, GIVEN_SEED, "given: an option given with its default value still counts");
}

static const char *str_of(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static void test_json(void)
{
	struct scan_opts o;
	PARSE(&o, "--root-hints", "conf/root.hints", "--trust-anchor", "/etc/root.key", "-o", "-", "--seed",
	      "9223372036854775807", "t.csv");
	json_t *j = scan_opts_json(&o, "0123abcd");
	ok(j != NULL, "json: built");
	is_int(json_integer_value(json_object_get(j, "args_version")), 2, "json: args_version 2");
	is_str(str_of(j, "root_hints"), absolute("conf/root.hints"),
	       "json: a relative path is made absolute");
	is_str(str_of(j, "trust_anchor"), "/etc/root.key", "json: an absolute path stays");
	is_str(str_of(j, "targets"), absolute("t.csv"), "json: targets absolute");
	is_str(str_of(j, "output"), "-", "json: - stays -");
	is_str(str_of(j, "targets_sha256"), "0123abcd", "json: targets hash");
	ok(json_is_null(json_object_get(j, "scope")), "json: absent scope is null");
	ok(json_is_null(json_object_get(j, "exclude")), "json: absent exclude is null");
	ok(json_is_null(json_object_get(j, "ca_file")), "json: absent CA file is null");
	ok(json_is_integer(json_object_get(j, "seed")), "json: seed is an integer");
	char *text = json_dumps(j, JSON_COMPACT);
	json_t *back = text ? json_loads(text, 0, NULL) : NULL;
	ok(json_integer_value(json_object_get(back, "seed")) == INT64_MAX,
	   "json: seed 9223372036854775807 survives a text round trip exactly");
	ok(text && strstr(text, "\"seed\":9223372036854775807") != NULL, "json: seed written as an integer");
	free(text);
	json_decref(back);
	json_decref(j);

	PARSE(&o, "-");
	j = scan_opts_json(&o, NULL);
	is_str(str_of(j, "targets"), "-", "json: targets - stays -");
	ok(json_is_null(json_object_get(j, "output")), "json: absent output is null");
	ok(json_is_null(json_object_get(j, "targets_sha256")), "json: no hash is null");
	is_int(json_integer_value(json_object_get(j, "seed")), 1, "json: default seed");
	is_int(json_integer_value(json_object_get(j, "shards")), 1, "json: default shards");
	json_decref(j);
}

/* The args of scan 7 as the store keeps them: every defining option set. */
static json_t *stored_full(void)
{
	struct scan_opts o;
	PARSE(&o, "--scope", "127.0.0.0/8", "--exclude", "127.99.0.0/16", "--root-hints", "conf/root.hints",
	      "--trust-anchor", "/etc/root.key", "--ca-file", "ca.pem", "--timeout", "250", "--org-timeout",
	      "9000", "--shard", "1/4", "--seed", "9223372036854775807", "-o", "out.ndjson", "--concurrency",
	      "7", "--rate", "30", "--conn-rate", "40", "--per-address", "2", "targets.csv");
	json_t *j = scan_opts_json(&o, "0123abcd");
	/* Through text, as it comes back from the database. */
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	j = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	return j;
}

/* (i) */
static void test_restore_all(const json_t *stored)
{
	struct scan_opts o;
	PARSE(&o, "--resume", "7");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), 0, "restore: --resume alone");
	is_str(o.scope, "127.0.0.0/8", "restore: scope");
	is_str(o.exclude, "127.99.0.0/16", "restore: exclude");
	is_str(o.eng.root_hints, absolute("conf/root.hints"), "restore: root hints, absolute");
	is_str(o.eng.trust_anchor, "/etc/root.key", "restore: trust anchor");
	is_str(o.eng.ca_file, absolute("ca.pem"), "restore: CA file");
	is_int(o.eng.query_timeout_ms, 250, "restore: query timeout");
	is_int(o.eng.conn_timeout_ms, 250, "restore: connection timeout");
	is_int(o.eng.org_timeout_ms, 9000, "restore: org timeout");
	ok(o.shard == 1 && o.shards == 4, "restore: shard 1/4");
	ok(o.seed == 9223372036854775807ull, "restore: seed exactly INT64_MAX");
	is_str(o.output, absolute("out.ndjson"), "restore: output");
	is_str(o.targets, absolute("targets.csv"), "restore: targets");
	is_int(o.eng.concurrency, 7, "restore: concurrency");
	ok(o.eng.rate == 30.0, "restore: rate");
	ok(o.conn_rate == 40.0, "restore: connection rate");
	is_int(o.per_address, 2, "restore: per-address limit");
	ok(o.restored != NULL, "restore: keeps the stored args");
	scan_opts_clear(&o);
	ok(o.restored == NULL, "clear: restored args freed");
}

static void test_restore_conflicts(const json_t *stored)
{
	struct scan_opts o;
	/* (ii) */
	PARSE(&o, "--resume", "7", "--exclude", "127.99.0.0/16");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), 0, "restore: the same --exclude");
	scan_opts_clear(&o);

	PARSE(&o, "--resume", "7", "--root-hints", "conf/root.hints", "--shard", "1/4", "--seed",
	      "9223372036854775807", "--timeout", "250");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), 0,
	       "restore: the same relative path, shard, seed and timeout");
	scan_opts_clear(&o);

	/* (iii) */
	PARSE(&o, "--resume", "7", "--exclude", "127.98.0.0/16");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), -EINVAL, "restore: a different --exclude");
	is_str(err,
	       "--exclude: scan 7 was started with '127.99.0.0/16', not '127.98.0.0/16' (leave --exclude "
	       "out to resume the scan as it began)",
	       "restore: the --exclude conflict message");
	ok(o.restored == NULL && o.scope == NULL, "restore: nothing restored on a conflict");
	scan_opts_clear(&o);

	PARSE(&o, "--resume", "7", "--shard", "2/4");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), -EINVAL, "restore: a different --shard");
	is_str(err,
	       "--shard: scan 7 was started with 1/4, not 2/4 (leave --shard out to resume the scan as it "
	       "began)",
	       "restore: the --shard conflict message");
	scan_opts_clear(&o);

	PARSE(&o, "--resume", "7", "--timeout", "5000");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), -EINVAL,
	       "restore: a different --timeout, though it is the default");
	is_str(err,
	       "--timeout: scan 7 was started with 250, not 5000 (leave --timeout out to resume the scan as "
	       "it began)",
	       "restore: the --timeout conflict message");
	scan_opts_clear(&o);

	/* (v) */
	PARSE(&o, "--resume", "7", "--concurrency", "99", "--rate", "5", "--conn-rate", "0", "--per-address",
	      "9");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), 0, "restore: new pace accepted");
	ok(o.conn_rate == 0.0, "restore: the given connection rate wins");
	is_int(o.per_address, 9, "restore: the given per-address limit wins");
	is_int(o.eng.concurrency, 99, "restore: the given concurrency wins");
	ok(o.eng.rate == 5.0, "restore: the given rate wins");
	is_str(o.exclude, "127.99.0.0/16", "restore: the rest still restored");
	scan_opts_clear(&o);

	PARSE(&o, "--resume", "7", "other.csv");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), 0, "restore: TARGETS given again");
	is_str(o.targets, "other.csv", "restore: the given TARGETS are kept");
	scan_opts_clear(&o);
}

/* (iv) and (vi): a scan begun with defaults, reading its targets from standard input. */
static void test_restore_defaults(void)
{
	struct scan_opts o;
	PARSE(&o, "-");
	json_t *stored = scan_opts_json(&o, NULL);

	PARSE(&o, "--resume", "7", "--scope", "10.0.0.0/8", "-");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), -EINVAL,
	       "restore: --scope over the default");
	is_str(err,
	       "--scope: scan 7 was started with the default scope (public unicast), not '10.0.0.0/8' (leave "
	       "--scope out to resume the scan as it began)",
	       "restore: the default scope named in the message");
	scan_opts_clear(&o);

	PARSE(&o, "--resume", "7", "--ca-file", "ca.pem", "-");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), -EINVAL,
	       "restore: --ca-file over the system's");
	ok(strstr(err, "started with the system's CA certificates, not '") != NULL,
	   "restore: the system's CA certificates named in the message");
	scan_opts_clear(&o);

	PARSE(&o, "--resume", "7");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), -EINVAL,
	       "restore: stdin targets not given again");
	is_str(err, "scan 7 read its targets from standard input: give TARGETS again",
	       "restore: the message mentions standard input");
	scan_opts_clear(&o);

	PARSE(&o, "--resume", "7", "-");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), 0, "restore: stdin targets given again");
	ok(o.scope == NULL && o.output == NULL && o.eng.ca_file == NULL, "restore: null values stay null");
	is_str(o.eng.root_hints, "/usr/share/dns/root.hints", "restore: default root hints");
	scan_opts_clear(&o);

	/* A scan begun without a stream may be given one on resume. */
	PARSE(&o, "--resume", "7", "-o", "/tmp/late.ndjson", "-");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), 0, "restore: -o where there was none");
	is_str(o.output, "/tmp/late.ndjson", "restore: the new stream is used");
	scan_opts_clear(&o);
	json_decref(stored);
}

/* (vii) Args stored before args_version 2 kept the seed truncated to an int. */
static void test_restore_legacy(void)
{
	struct scan_opts o;
	PARSE(&o, "--seed", "4294967298", "-o", "out.ndjson", "t.csv");
	json_t *stored = scan_opts_json(&o, NULL);
	json_object_del(stored, "args_version");
	json_object_set_new(stored, "seed", json_integer((int)4294967298LL));

	PARSE(&o, "--resume", "7", "--seed", "4294967298");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), 0, "legacy: the truncated seed matches");
	ok(o.seed == 4294967298ull, "legacy: the given seed is kept");
	ok(o.output == NULL, "legacy: output is not restored from old args");
	scan_opts_clear(&o);

	PARSE(&o, "--resume", "7", "--seed", "3");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), -EINVAL, "legacy: another seed conflicts");
	scan_opts_clear(&o);

	/* With args_version 2 the seed must match exactly. */
	json_object_set_new(stored, "args_version", json_integer(2));
	PARSE(&o, "--resume", "7", "--seed", "4294967298");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), -EINVAL,
	       "version 2: a truncated seed does not match");
	is_str(err,
	       "--seed: scan 7 was started with 2, not 4294967298 (leave --seed out to resume the scan as it "
	       "began)",
	       "version 2: the --seed conflict message");
	scan_opts_clear(&o);
	json_decref(stored);
}

/* Pacing options: absent from scans stored before them (the defaults), damaged ones refused. */
static void test_restore_pacing(const json_t *full)
{
	struct scan_opts o;
	json_t *stored = json_deep_copy(full);
	json_object_del(stored, "conn_rate");
	json_object_del(stored, "per_address");
	PARSE(&o, "--resume", "7");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), 0, "pacing: args stored before it");
	ok(o.conn_rate == 0.0 && o.per_address == 4, "pacing: the defaults then");
	scan_opts_clear(&o);
	json_object_set_new(stored, "per_address", json_integer(0));
	PARSE(&o, "--resume", "7");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), -ERANGE, "pacing: a stored per_address 0");
	is_str(err, "scan 7's stored options are damaged: per_address is out of range",
	       "pacing: the damaged per_address message");
	scan_opts_clear(&o);
	json_object_set_new(stored, "per_address", json_integer(3));
	json_object_set_new(stored, "conn_rate", json_real(-1));
	PARSE(&o, "--resume", "7");
	is_int(scan_opts_restore(&o, 7, stored, err, sizeof err), -ERANGE,
	       "pacing: a stored negative conn_rate");
	scan_opts_clear(&o);
	json_decref(stored);
}

/* --tls: parsed, stored, restored, and a conflicting depth refused on resume. */
static void test_tls_depth(void)
{
	struct scan_opts o;
	is_int(PARSE(&o, "t.csv"), 0, "tls: default");
	is_int(o.eng.tls_depth, TLS_DEPTH_SWEEP, "tls: sweep by default");
	is_int(PARSE(&o, "--tls", "full", "t.csv"), 0, "tls: full parses");
	is_int(o.eng.tls_depth, TLS_DEPTH_FULL, "tls: full");
	ok(o.given & GIVEN_TLS, "tls: given");
	json_t *j = scan_opts_json(&o, NULL);
	is_str(str_of(j, "tls"), "full", "tls: stored as its name");
	is_int(PARSE(&o, "--tls", "off", "t.csv"), 0, "tls: off parses");
	is_int(o.eng.tls_depth, TLS_DEPTH_OFF, "tls: off");
	is_int(PARSE(&o, "--tls", "deep", "t.csv"), -EINVAL, "tls: an unknown depth is a usage error");
	PARSE(&o, "--resume", "7");
	is_int(scan_opts_restore(&o, 7, j, err, sizeof err), 0, "tls: restored");
	is_int(o.eng.tls_depth, TLS_DEPTH_FULL, "tls: the stored depth");
	scan_opts_clear(&o);
	PARSE(&o, "--resume", "7", "--tls", "sweep");
	is_int(scan_opts_restore(&o, 7, j, err, sizeof err), -EINVAL,
	       "tls: another depth on resume is refused");
	ok(strstr(err, "--tls") != NULL, "tls: the message names the option");
	scan_opts_clear(&o);
	json_decref(j);
}

int main(void)
{
	if (getcwd(cwd, sizeof cwd) == NULL)
		return 1;
	test_defaults();
	test_ranges();
	test_operands();
	test_given();
	test_json();
	json_t *stored = stored_full();
	ok(stored != NULL, "stored args built");
	test_restore_all(stored);
	test_restore_conflicts(stored);
	test_restore_pacing(stored);
	json_decref(stored);
	test_restore_defaults();
	test_restore_legacy();
	test_tls_depth();
	return done_testing();
}
