/*
 * Methodology v1 is frozen: a scan graded under v1 by an earlier vitals (the fixture,
 * made by the release before versions became deltas: 32 organizations of the testbed,
 * observations and evidence left out) re-grades under v1 to exactly the scores it has,
 * factor by factor, deduction by deduction. And under v2 it grades differently only
 * where v2's added checks have findings.
 */
#include "cmd.h"
#include "tap.h"
#include "testfile.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/vitals-test-rescore-XXXXXX";
static char dbpath[300];

static int load_fixture(void)
{
	char path[600];
	const char *src = getenv("VITALS_SRCDIR");
	snprintf(path, sizeof path, "%s/tests/unit/fixtures/scan_v1.sql", src ? src : ".");
	char *sql = slurp(path);
	sqlite3 *db = NULL;
	int rc = sql && sqlite3_open(dbpath, &db) == SQLITE_OK &&
	                 sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK
	             ? 0
	             : -1;
	sqlite3_close(db);
	free(sql);
	return rc;
}

/* Every scores row of a method as {org/factor: [score, grade, detail]}. */
static json_t *scores(int method)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	json_t *all = json_object();
	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db,
	                       "SELECT org_id, factor, score, grade, detail FROM scores WHERE method = ?1",
	                       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int(s, 1, method);
		while (sqlite3_step(s) == SQLITE_ROW) {
			char key[200];
			snprintf(key, sizeof key, "%s/%s", sqlite3_column_text(s, 0),
			         sqlite3_column_text(s, 1));
			json_t *detail = json_loads((const char *)sqlite3_column_text(s, 4), 0, NULL);
			json_object_set_new(all, key,
			                    json_pack("[o, s?, o]",
			                              sqlite3_column_type(s, 2) == SQLITE_NULL
			                                  ? json_null()
			                                  : json_integer(sqlite3_column_int(s, 2)),
			                              (const char *)sqlite3_column_text(s, 3),
			                              detail ? detail : json_null()));
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return all;
}

static int rescore(const char *method)
{
	char *argv[] = {"rescore", "--scan", "1", "--db", dbpath, "--method", (char *)method, NULL};
	fflush(stdout);
	int saved = dup(STDOUT_FILENO), fd = open("/dev/null", O_WRONLY);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	int ex = cmd_rescore(7, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return ex;
}

static void test_v1_is_reproduced(void)
{
	json_t *before = scores(1);
	is_int(json_object_size(before), 32 * 4,
	       "the fixture holds 32 organizations x (overall + 3 factors) under v1");
	is_int(rescore("v1"), EXIT_OK, "rescore under v1 succeeds");
	json_t *after = scores(1);
	is_int(json_object_size(after), json_object_size(before), "as many rows after as before");
	const char *key;
	json_t *row;
	int same = 1;
	int covered = 0;
	json_object_foreach(before, key, row)
	{
		json_t *now = json_object_get(after, key), *detail = json_array_get(now, 2);
		/* Coverage is what the earlier release did not record; everything else must match. */
		covered += json_object_get(detail, "coverage") != NULL;
		json_object_del(detail, "coverage");
		if (!json_equal(row, now)) {
			same = 0;
			printf("#   %s differs\n", key);
		}
	}
	ok(same, "every score, grade and deduction under v1 is exactly as the earlier release stored it");
	is_int(covered, 32, "and every overall row now also says its coverage");
	json_decref(before);
	json_decref(after);
}

static void test_v2_differs_only_by_its_additions(void)
{
	is_int(rescore("v2"), EXIT_OK, "rescore under v2 succeeds");
	json_t *v1 = scores(1), *v2 = scores(2);
	is_int(json_object_size(v2), json_object_size(v1), "every organization has v2 scores");
	const char *key;
	json_t *row;
	int transport_appsec_same = 1;
	json_object_foreach(v1, key, row)
	{
		/* v2 changed DNS checks only: transport and application security grade the same. */
		if (strstr(key, "/transport") || strstr(key, "/appsec"))
			transport_appsec_same &=
			    json_equal(json_array_get(row, 0), json_array_get(json_object_get(v2, key), 0));
	}
	ok(transport_appsec_same, "v2 scores transport and application security as v1 did");
	json_decref(v1);
	json_decref(v2);
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof dbpath, "%s/v1.db", dir);
	is_int(load_fixture(), 0, "the v1 fixture loads");
	test_v1_is_reproduced();
	test_v2_differs_only_by_its_additions();
	const char *suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		char p[320];
		snprintf(p, sizeof p, "%s%s", dbpath, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
	return done_testing();
}
