/* SQLite store tests: open errors, a stored organization read back, resume, rescoring. */
#include "store.h"
#include "tap.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/vitals-test-store-XXXXXX";
static char dbpath[256];

static const char *const domains[] = {"org001.test", "www.org001.test"};
static const struct target_tag tags[] = {{"type", "hospital"}, {"region", "North \"East\""}};

/* An organization result built by hand: 3 DNS findings on two domains, graded. */
static void build_result(struct org_result *r, int variant)
{
	*r = (struct org_result){.org_id = "org001",
	                         .name = "Saint <Mary> Hospital",
	                         .domains = domains,
	                         .ndomains = 2,
	                         .tags = tags,
	                         .ntags = 2,
	                         .started = 1795000000,
	                         .finished = 1795000042};
	r->observations = json_pack("[{s:s, s:{}}, {s:s, s:{}}]", "domain", "org001.test", "dns", "domain",
	                            "www.org001.test", "dns");
	findings_add(&r->findings, "dns.spf.all", "org001.test", FS_FAIL, NULL,
	             json_pack("{s:[s]}", "records", "v=spf1 ?all"), "SPF ends in ?all");
	findings_add(&r->findings, "dns.caa.present", "org001.test", variant ? FS_PASS : FS_FAIL, NULL, NULL,
	             "no CAA record");
	if (!variant)
		findings_add(&r->findings, "dns.axfr.refused", "www.org001.test", FS_INDETERMINATE, "timeout",
		             json_pack("{s:s}", "ns", "ns1.org001.test."), "AXFR timed out");
	if (!variant)
		r->findings.v[2].endpoint = strdup("127.1.0.1");
	grade_findings(method_get(1), &r->findings, &r->score);
}

static void free_result(struct org_result *r)
{
	json_decref(r->observations);
	scorecard_free(&r->score);
	findings_clear(&r->findings);
}

static long long count_rows(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long n = -1;
	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return n;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_open_errors(void)
{
	char path[300];
	struct store *st = NULL;

	snprintf(path, sizeof path, "%s/no-such-dir/vitals.db", dir);
	is_int(store_open(path, &st), -ENOENT, "a path in a missing directory fails");
	ok(st == NULL, "no store is returned on failure");
	ok(strstr(store_error(NULL), "does not exist") != NULL,
	   "the message says the directory does not exist");
	ok(strstr(store_error(st), "no-such-dir") != NULL, "the message names the directory");

	snprintf(path, sizeof path, "%s/notes.txt", dir);
	write_file(path, "These are notes, not a database. They go on for a while so that the file is "
	                 "longer than an SQLite header would be, which is one hundred bytes.\n");
	is_int(store_open(path, &st), -EINVAL, "a text file is refused");
	ok(strstr(store_error(NULL), "not a vitals database") != NULL,
	   "the message says it is not a database");
	unlink(path);

	snprintf(path, sizeof path, "%s/other.db", dir);
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_exec(db, "CREATE TABLE patients(id INTEGER)", NULL, NULL, NULL);
	sqlite3_close(db);
	is_int(store_open(path, &st), -EINVAL, "someone else's SQLite database is refused");
	ok(strstr(store_error(NULL), "not a vitals database") != NULL, "the message says it is not ours");
	unlink(path);

	is_int(store_open(dir, &st), -EINVAL, "a directory is refused");

	/* root may write anywhere, so the permission check only means something for others. */
	snprintf(path, sizeof path, "%s/ro", dir);
	if (geteuid() != 0 && mkdir(path, 0555) == 0) {
		char dbp[320];
		snprintf(dbp, sizeof dbp, "%s/vitals.db", path);
		is_int(store_open(dbp, &st), -EACCES, "a read-only directory is refused");
		ok(strstr(store_error(NULL), "not writable") != NULL, "the message says it is not writable");
		rmdir(path);
	}
}

static void check_loaded(json_t *org, const struct org_result *r)
{
	is_int(json_integer_value(json_object_get(org, "scan")), 1, "loaded: scan id");
	is_str(json_string_value(json_object_get(org, "org_id")), "org001", "loaded: org_id");
	is_str(json_string_value(json_object_get(org, "name")), "Saint <Mary> Hospital", "loaded: name");
	is_str(json_string_value(json_array_get(json_object_get(org, "domains"), 1)), "www.org001.test",
	       "loaded: domains");
	is_int(json_integer_value(json_object_get(org, "finished")), 1795000042, "loaded: finished");
	char *t = json_dumps(json_object_get(org, "tags"), JSON_COMPACT);
	is_str(t, "{\"type\":\"hospital\",\"region\":\"North \\\"East\\\"\"}", "loaded: tags in order");
	free(t);
	json_t *fs = json_object_get(org, "findings");
	is_int(json_array_size(fs), 3, "loaded: 3 findings");
	json_t *f2 = json_array_get(fs, 2);
	is_str(json_string_value(json_object_get(f2, "check")), "dns.axfr.refused",
	       "loaded: findings in order");
	is_str(json_string_value(json_object_get(f2, "status")), "indeterminate", "loaded: status");
	is_str(json_string_value(json_object_get(f2, "reason")), "timeout", "loaded: reason");
	is_str(json_string_value(json_object_get(f2, "domain")), "www.org001.test", "loaded: domain");
	is_str(json_string_value(json_object_get(f2, "endpoint")), "127.1.0.1", "loaded: endpoint");
	ok(json_is_null(json_object_get(json_array_get(fs, 0), "endpoint")),
	   "loaded: null endpoint when none");
	ok(json_object_get(json_array_get(fs, 0), "reason") == NULL, "loaded: no reason when none was given");
	json_t *ev = json_pack("{s:[s]}", "records", "v=spf1 ?all");
	ok(json_equal(json_object_get(json_array_get(fs, 0), "evidence"), ev),
	   "loaded: evidence round-trips");
	json_decref(ev);
	ok(json_is_null(json_object_get(json_array_get(fs, 1), "evidence")), "loaded: null evidence");

	struct findings back = {0};
	size_t i;
	json_t *f;
	json_array_foreach(fs, i, f)
	{
		finding_from_json(f, &back);
	}
	is_int(back.n, 3, "loaded findings parse with finding_from_json");
	findings_clear(&back);

	json_t *sc = json_object_get(org, "scores");
	json_t *want = scorecard_to_json(method_get(1), &r->findings, &r->score);
	is_int(json_integer_value(json_object_get(sc, "method")), 1, "scores: method 1");
	/* dns: 0 of 5 weight passed -> 0, F; no other factor has findings. */
	is_int(json_integer_value(json_object_get(sc, "score")), 0, "scores: overall 0");
	is_str(json_string_value(json_object_get(sc, "grade")), "F", "scores: overall F");
	ok(json_equal(sc, want), "scores: equal to the scorecard JSON that was stored");
	json_t *dns = json_object_get(json_object_get(sc, "factors"), "dns");
	is_int(json_array_size(json_object_get(dns, "deductions")), 2, "scores: dns has 2 deductions");
	ok(fabs(json_real_value(
	            json_object_get(json_array_get(json_object_get(dns, "deductions"), 0), "points")) -
	        80.0) < 1e-9,
	   "scores: dns.spf.all loses 80 points");
	ok(json_is_null(json_object_get(json_object_get(json_object_get(sc, "factors"), "appsec"), "score")),
	   "scores: appsec has no score");
	json_decref(want);
}

static void test_round_trip(struct store *st)
{
	struct org_result r;
	int64_t scan = 0;
	json_t *args = json_pack("{s:s, s:i}", "targets", "sector.txt", "rate", 100), *org = NULL,
	       *info = NULL;

	is_int(store_scan_begin(st, 1, args, &scan), 0, "scan begins");
	is_int(scan, 1, "first scan has id 1");
	build_result(&r, 0);
	is_int(store_org_result(st, scan, &r), 0, "organization stored");
	is_int(store_load_org(st, scan, "org001", 0, &org), 0, "organization loaded");
	check_loaded(org, &r);
	json_decref(org);

	is_int(store_scan_info(st, scan, &info), 0, "scan info read");
	is_str(json_string_value(json_object_get(info, "status")), "running", "info: running");
	is_int(json_integer_value(json_object_get(info, "method")), 1, "info: method");
	is_int(json_integer_value(json_object_get(info, "orgs")), 1, "info: 1 organization");
	ok(json_equal(json_object_get(info, "args"), args), "info: args round-trip");
	ok(json_is_null(json_object_get(info, "finished")), "info: not finished yet");
	json_decref(info);

	is_int(store_scan_end(st, scan, "complete", 1), 0, "scan ends");
	store_scan_info(st, scan, &info);
	is_str(json_string_value(json_object_get(info, "status")), "complete", "info: complete");
	is_int(json_integer_value(json_object_get(info, "orgs_done")), 1, "info: orgs_done 1");
	ok(json_is_integer(json_object_get(info, "finished")), "info: finished set");
	json_decref(info);

	is_int(count_rows("SELECT count(*) FROM observations WHERE org_id = 'org001'"), 2,
	       "sql: 2 observations");
	is_int(count_rows("SELECT count(*) FROM scores WHERE org_id = 'org001'"), 4,
	       "sql: overall + 3 factor rows");
	is_int(
	    count_rows(
	        "SELECT count(*) FROM scores WHERE factor = 'transport' AND score IS NULL AND grade IS NULL"),
	    1, "sql: a factor without a score stores NULLs");
	is_int(count_rows("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1,
	       "sql: WAL mode");
	free_result(&r);
	json_decref(args);
}

static void test_resume_and_errors(struct store *st)
{
	struct org_result r;
	json_t *ids = NULL, *org = NULL;

	build_result(&r, 1);
	r.org_id = "org002";
	r.name = "Clinic Two";
	is_int(store_org_result(st, 1, &r), 0, "second organization stored");
	r.org_id = "org001";
	r.name = "Saint Mary Hospital";
	is_int(store_org_result(st, 1, &r), 0, "org001 stored again (resume)");
	is_int(store_scan_orgs(st, 1, &ids), 0, "scan organizations listed");
	is_int(json_array_size(ids), 2, "still 2 organizations");
	is_str(json_string_value(json_array_get(ids, 0)), "org001", "org001 keeps its place");
	is_str(json_string_value(json_array_get(ids, 1)), "org002", "org002 second");
	json_decref(ids);
	store_load_org(st, 1, "org001", 0, &org);
	is_int(json_array_size(json_object_get(org, "findings")), 2, "resume replaced the findings");
	is_str(json_string_value(json_object_get(org, "name")), "Saint Mary Hospital",
	       "resume updated the name");
	json_decref(org);
	is_int(count_rows("SELECT count(*) FROM scores WHERE org_id = 'org001'"), 4,
	       "resume replaced the scores");
	free_result(&r);

	is_int(store_load_org(st, 1, "org999", 0, &org), -ENOENT, "unknown organization");
	is_str(store_error(st), "unknown organization org999 in scan 1", "unknown organization message");
	is_int(store_load_org(st, 42, "org001", 0, &org), -ENOENT, "unknown scan");
	char want[400];
	snprintf(want, sizeof want, "no scan 42 in %s", dbpath);
	is_str(store_error(st), want, "unknown scan message names the database");
	is_int(store_scan_orgs(st, 42, &ids), -ENOENT, "no organizations of an unknown scan");
	is_int(store_scan_end(st, 42, "complete", 0), -ENOENT, "cannot end an unknown scan");
	is_int(store_org_result(st, 42, &r), -ENOENT, "storing into an unknown scan fails");
	r = (struct org_result){.org_id = "org003", .name = "Ungraded"};
	is_int(store_org_result(st, 1, &r), -EINVAL, "an ungraded result (method 0) is refused");
}

static void test_latest_and_replace(struct store *st)
{
	int64_t id = 0;
	json_t *org = NULL;
	is_int(store_latest_scan(st, &id), 0, "latest scan found");
	is_int(id, 1, "latest is 1");
	store_scan_begin(st, 1, NULL, &id);
	is_int(id, 2, "second scan has id 2");
	id = 0;
	store_latest_scan(st, &id);
	is_int(id, 1, "an empty running scan is not the latest to read: still 1");
	is_int(store_scan_end(st, 2, "interrupted", 0), 0, "scan 2 ends without organizations");
	store_latest_scan(st, &id);
	is_int(id, 1, "an empty interrupted scan (the engine could not run) is not the latest either");
	is_int(store_scan_end(st, 2, "complete", 0), 0, "scan 2 marked complete");
	store_latest_scan(st, &id);
	is_int(id, 1, "a complete scan without organizations is not preferred");
	struct org_result r;
	build_result(&r, 1);
	is_int(store_org_result(st, 2, &r), 0, "an organization stored in scan 2");
	free_result(&r);
	store_latest_scan(st, &id);
	is_int(id, 2, "a newer complete scan with organizations is the latest");
	is_int(store_scan_end(st, 1, "interrupted", 1), 0, "scan 1 marked interrupted");
	store_latest_scan(st, &id);
	is_int(id, 2, "latest is 2");

	json_t *card =
	    json_pack("{s:i, s:i, s:s, s:{s:{s:s, s:i, s:s, s:i, s:i, s:i, s:i, s:[]}}}", "method", 1,
	              "score", 95, "grade", "A", "factors", "dns", "title", "DNS health", "score", 95,
	              "grade", "A", "passed", 9, "failed", 0, "indeterminate", 1, "na", 0, "deductions");
	is_int(store_replace_scores(st, 1, "org002", 1, card), 0, "scores replaced");
	store_load_org(st, 1, "org002", 1, &org);
	json_t *sc = json_object_get(org, "scores");
	is_int(json_integer_value(json_object_get(sc, "score")), 95, "replaced: overall 95");
	is_str(json_string_value(json_object_get(sc, "grade")), "A", "replaced: overall A");
	is_int(json_object_size(json_object_get(sc, "factors")), 1, "replaced: old factor rows gone");
	is_int(json_integer_value(
	           json_object_get(json_object_get(json_object_get(sc, "factors"), "dns"), "passed")),
	       9, "replaced: factor detail kept");
	json_decref(org);
	store_load_org(st, 1, "org002", 1, &org);
	is_int(json_array_size(json_object_get(org, "findings")), 2, "replacing scores keeps findings");
	json_decref(org);
	is_int(store_replace_scores(st, 1, "org999", 1, card), -ENOENT,
	       "replace for an unknown organization");
	is_int(store_replace_scores(st, 1, "org002", 99, card), -EINVAL, "replace under an unknown method");
	json_decref(card);
	store_load_org(st, 1, "org002", 7, &org);
	ok(json_is_null(json_object_get(org, "scores")), "no scores under a method never graded");
	json_decref(org);
}

static void cleanup(void)
{
	const char *suffix[] = {"", "-wal", "-shm", "-lock"};
	char path[300];
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s%s", dbpath, suffix[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/text.db", dir);
	unlink(path);
	rmdir(dir);
}

/* One process per scan: a second claim of the same scan fails while the first holds it. */
static void test_claim(struct store *st)
{
	struct store *other = NULL;
	is_int(store_scan_claim(st, 1), 0, "scan 1 claimed");
	is_int(store_scan_claim(st, 1), 0, "claiming again from the same store is harmless");
	is_int(store_open(dbpath, &other), 0, "a second store on the same file");
	is_int(store_scan_claim(other, 1), -EBUSY, "the second cannot claim scan 1");
	is_str(store_error(other), "scan 1 is being run by another vitals process", "busy message");
	is_int(store_scan_claim(other, 2), 0, "but it can claim scan 2");
	other = store_close(other);
	is_int(store_open(dbpath, &other), 0, "reopened");
	is_int(store_scan_claim(other, 2), 0, "closing a store releases its claims");
	store_close(other);
}

/* Counts for the stream's metadata record, as stored. */
static void test_counts(struct store *st)
{
	json_t *c = NULL;
	is_int(store_scan_counts(st, 1, 1, &c), 0, "counts of scan 1");
	/* Scan 1 holds org001 and org002, each with SPF failed and CAA passed. */
	is_int(json_integer_value(json_object_get(c, "organizations")), 2, "counts: 2 organizations");
	is_int(json_integer_value(json_object_get(json_object_get(c, "findings"), "fail")), 2,
	       "counts: 2 failed findings");
	is_int(json_integer_value(json_object_get(json_object_get(c, "findings"), "indeterminate")), 0,
	       "counts: no indeterminate finding");
	is_int(json_integer_value(json_object_get(json_object_get(c, "findings"), "pass")), 2,
	       "counts: 2 passed findings");
	json_t *g = json_object_get(c, "grades");
	long long sum = 0;
	const char *k;
	json_t *v;
	json_object_foreach(g, k, v) sum += json_integer_value(v);
	is_int(sum, 2, "counts: two overall grades in all");
	json_decref(c);
}

/* store_scan_summary's callback: keeps each brief; -ECANCELED after `stop` of them (0: never). */
struct briefs {
	json_t *all; /* the briefs seen */
	size_t stop; /* stop after this many */
};

static int keep_brief(const json_t *org, void *arg)
{
	struct briefs *b = arg;
	json_array_append_new(b->all, json_deep_copy(org));
	return b->stop && json_array_size(b->all) >= b->stop ? -ECANCELED : 0;
}

static void test_summary(struct store *st)
{
	struct briefs b = {json_array(), 0};
	json_t *org = NULL;
	is_int(store_scan_summary(st, 1, 0, keep_brief, &b), 0, "summary of scan 1");
	is_int(json_array_size(b.all), 2, "summary: two organizations");
	json_t *o = json_array_get(b.all, 0);
	is_str(json_string_value(json_object_get(o, "org_id")), "org001", "summary: stored order");
	is_str(json_string_value(json_object_get(o, "name")), "Saint <Mary> Hospital", "summary: the name");
	is_str(json_string_value(json_object_get(json_object_get(o, "tags"), "type")), "hospital",
	       "summary: tags");
	is_str(json_string_value(json_array_get(json_object_get(o, "domains"), 1)), "www.org001.test",
	       "summary: domains");
	json_t *spf = json_object_get(json_object_get(o, "counts"), "dns.spf.all");
	ok(json_integer_value(json_array_get(spf, 0)) == 0 &&
	       json_integer_value(json_array_get(spf, 1)) == 1 && json_array_size(spf) == 4,
	   "summary: dns.spf.all counted [0 pass, 1 fail, 0, 0]");
	store_load_org(st, 1, "org001", 0, &org);
	json_t *sc = json_object_get(org, "scores"), *bs = json_object_get(o, "scores");
	ok(json_integer_value(json_object_get(bs, "score")) ==
	           json_integer_value(json_object_get(sc, "score")) &&
	       json_is_integer(json_object_get(bs, "score")),
	   "summary: the overall score as stored");
	ok(json_equal(json_object_get(json_object_get(json_object_get(bs, "factors"), "dns"), "grade"),
	              json_object_get(json_object_get(json_object_get(sc, "factors"), "dns"), "grade")),
	   "summary: a factor's grade as stored");
	ok(json_object_get(json_object_get(json_object_get(bs, "factors"), "dns"), "deductions") == NULL &&
	       json_object_get(o, "findings") == NULL,
	   "summary: no deductions, no findings");
	json_decref(org);
	json_decref(b.all);
	b = (struct briefs){json_array(), 1};
	is_int(store_scan_summary(st, 1, 0, keep_brief, &b), -ECANCELED,
	       "summary: the callback's error stops it");
	is_int(json_array_size(b.all), 1, "summary: after one organization");
	is_int(store_scan_summary(st, 42, 0, keep_brief, &b), -ENOENT, "summary of an unknown scan");
	json_decref(b.all);
	b = (struct briefs){json_array(), 0};
	store_scan_summary(st, 1, 3, keep_brief, &b);
	ok(json_is_null(json_object_get(json_array_get(b.all, 0), "scores")),
	   "summary: no scores under v3: null");
	json_decref(b.all);
}

/* Reading never writes: the file's bytes stay the same and every write fails. */
static void test_readonly(void)
{
	struct store *ro = NULL;
	struct stat before, after;
	int64_t id = 0;
	json_t *org = NULL;
	stat(dbpath, &before);
	is_int(store_open_readonly(dbpath, &ro), 0, "opened read-only");
	is_int(store_latest_scan(ro, &id), 0, "read-only: latest scan found");
	is_int(store_load_org(ro, 1, "org001", 0, &org), 0, "read-only: organization loaded");
	json_decref(org);
	ok(store_scan_begin(ro, 1, NULL, &id) < 0, "read-only: a new scan is refused");
	ro = store_close(ro);
	stat(dbpath, &after);
	ok(before.st_mtime == after.st_mtime && before.st_size == after.st_size, "read-only: file untouched");
	char other[300];
	snprintf(other, sizeof other, "%s/none.db", dir);
	is_int(store_open_readonly(other, &ro), -ENOENT, "read-only: a missing file is not created");
	ok(access(other, F_OK) < 0, "read-only: nothing created");
	snprintf(other, sizeof other, "%s/text.db", dir);
	write_file(other, "not a database at all, just text that is long enough to be read as a header\n");
	is_int(store_open_readonly(other, &ro), -EINVAL, "read-only: a text file is refused");
}

/* A database as vitals with schema version 1 left it: one scan, one organization, no tags column. */
static const char v1_sql[] =
    "CREATE TABLE schema_version(version INTEGER NOT NULL); INSERT INTO schema_version VALUES(1);"
    "CREATE TABLE scans(id INTEGER PRIMARY KEY, started INTEGER NOT NULL, finished INTEGER,"
    " status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted')),"
    " method INTEGER NOT NULL, args TEXT NOT NULL DEFAULT '{}', orgs_done INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE organizations(org_id TEXT PRIMARY KEY, name TEXT NOT NULL, first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL);"
    "CREATE TABLE scan_orgs(scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,"
    " org_id TEXT NOT NULL REFERENCES organizations(org_id), domains TEXT NOT NULL,"
    " started INTEGER NOT NULL, finished INTEGER NOT NULL, PRIMARY KEY (scan_id, org_id));"
    "CREATE TABLE observations(scan_id INTEGER NOT NULL, org_id TEXT NOT NULL, domain TEXT NOT NULL,"
    " doc TEXT NOT NULL);"
    "CREATE TABLE findings(scan_id INTEGER NOT NULL, org_id TEXT NOT NULL, domain TEXT NOT NULL,"
    " check_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, detail TEXT NOT NULL, evidence TEXT NOT "
    "NULL);"
    "CREATE TABLE scores(scan_id INTEGER NOT NULL, org_id TEXT NOT NULL, method INTEGER NOT NULL,"
    " factor TEXT NOT NULL, score INTEGER, grade TEXT, detail TEXT NOT NULL,"
    " PRIMARY KEY (scan_id, org_id, method, factor));"
    "INSERT INTO scans VALUES(1, 1795000000, 1795000100, 'complete', 1, '{}', 1);"
    "INSERT INTO organizations VALUES('old1', 'Old Clinic', 1795000000, 1795000000);"
    "INSERT INTO scan_orgs VALUES(1, 'old1', '[\"old1.test\"]', 1795000000, 1795000050);";

static void check_untagged(struct store *st, const char *label)
{
	json_t *org = NULL;
	char name[160];

	snprintf(name, sizeof name, "%s: the version-1 organization loads", label);
	is_int(store_load_org(st, 1, "old1", 0, &org), 0, name);
	snprintf(name, sizeof name, "%s: with empty tags", label);
	ok(json_is_object(json_object_get(org, "tags")) &&
	       json_object_size(json_object_get(org, "tags")) == 0,
	   name);
	snprintf(name, sizeof name, "%s: and its domains", label);
	is_str(json_string_value(json_array_get(json_object_get(org, "domains"), 0)), "old1.test", name);
	json_decref(org);
}

static void test_migrate_v1(void)
{
	struct store *st = NULL;
	struct org_result r;
	sqlite3 *db;

	unlink(dbpath);
	if (sqlite3_open(dbpath, &db) != SQLITE_OK || sqlite3_exec(db, v1_sql, NULL, NULL, NULL) != SQLITE_OK)
		ok(0, "v1: a version-1 database written by hand");
	sqlite3_close(db);
	is_int(store_open_readonly(dbpath, &st), 0, "v1: opens read-only");
	check_untagged(st, "v1 read-only");
	st = store_close(st);
	is_int(count_rows("SELECT max(version) FROM schema_version"), 1, "v1: reading did not migrate");

	is_int(store_open(dbpath, &st), 0, "v1: opens for writing");
	is_int(count_rows("SELECT max(version) FROM schema_version"), 3, "v1: migrated to version 3");
	is_int(count_rows("SELECT count(*) FROM pragma_table_info('findings') WHERE name = 'endpoint'"), 1,
	       "v1: findings has an endpoint column");
	is_int(count_rows("SELECT count(*) FROM pragma_table_info('scan_orgs') WHERE name = 'tags'"), 1,
	       "v1: scan_orgs has a tags column");
	is_int(count_rows("SELECT count(*) FROM scan_orgs WHERE tags = '{}'"), 1, "v1: old rows have '{}'");
	check_untagged(st, "v1 migrated");
	build_result(&r, 0);
	is_int(store_org_result(st, 1, &r), 0, "v1: a tagged organization stored after migration");
	is_int(count_rows("SELECT count(*) FROM scan_orgs WHERE tags = "
	                  "'{\"type\":\"hospital\",\"region\":\"North \\\"East\\\"\"}'"),
	       1, "v1: its tags stored as a JSON object");
	free_result(&r);
	st = store_close(st);
	is_int(store_open(dbpath, &st), 0, "v1: the migrated file reopens");
	is_int(count_rows("SELECT count(*) FROM schema_version WHERE version = 3"), 1, "v1: still version 3");
	store_close(st);
}

int main(void)
{
	struct store *st = NULL;
	int64_t id;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof dbpath, "%s/vitals.db", dir);
	test_open_errors();
	is_int(store_open(dbpath, &st), 0, "a new database opens");
	is_int(store_latest_scan(st, &id), -ENOENT, "an empty database has no latest scan");
	test_round_trip(st);
	test_resume_and_errors(st);
	test_latest_and_replace(st);
	test_claim(st);
	test_counts(st);
	test_summary(st);
	st = store_close(st);
	test_readonly();
	ok(st == NULL, "store_close returns NULL");
	ok(store_close(NULL) == NULL, "store_close accepts NULL");
	is_int(store_open(dbpath, &st), 0, "an existing database reopens");
	is_int(count_rows("SELECT max(version) FROM schema_version"), 3, "schema version 3");
	is_int(count_rows("SELECT count(*) FROM schema_version"), 1, "schema version recorded once");
	store_close(st);
	test_migrate_v1();
	cleanup();
	return done_testing();
}
