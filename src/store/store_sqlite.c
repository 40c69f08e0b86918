/* The SQLite result store. The schema is documented column by column in docs/SCHEMA.md. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assets.h"
#include "method.h"

#define SCHEMA_VERSION 3
#define STR_(x)        #x
#define STR(x)         STR_(x)
/* Waiting this long for another writer (a second scanner, a rescore) beats failing. */
#define BUSY_TIMEOUT_MS 10000
/* Enough digits for deduction points; keeps stored JSON readable. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(12))

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS scans("
    " id INTEGER PRIMARY KEY, started INTEGER NOT NULL, finished INTEGER,"
    " status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted')),"
    " method INTEGER NOT NULL, args TEXT NOT NULL DEFAULT '{}', orgs_done INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS organizations("
    " org_id TEXT PRIMARY KEY, name TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS scan_orgs("
    " scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,"
    " org_id TEXT NOT NULL REFERENCES organizations(org_id),"
    " domains TEXT NOT NULL, started INTEGER NOT NULL, finished INTEGER NOT NULL,"
    " tags TEXT NOT NULL DEFAULT '{}', assets TEXT NOT NULL DEFAULT '[]',"
    " PRIMARY KEY (scan_id, org_id));"
    "CREATE TABLE IF NOT EXISTS observations("
    " scan_id INTEGER NOT NULL, org_id TEXT NOT NULL, domain TEXT NOT NULL, doc TEXT NOT NULL,"
    " FOREIGN KEY (scan_id, org_id) REFERENCES scan_orgs(scan_id, org_id) ON DELETE CASCADE);"
    "CREATE TABLE IF NOT EXISTS findings("
    " scan_id INTEGER NOT NULL, org_id TEXT NOT NULL, domain TEXT NOT NULL, check_id TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'indeterminate', 'na')),"
    " reason TEXT, detail TEXT NOT NULL, evidence TEXT NOT NULL, endpoint TEXT,"
    " FOREIGN KEY (scan_id, org_id) REFERENCES scan_orgs(scan_id, org_id) ON DELETE CASCADE);"
    "CREATE TABLE IF NOT EXISTS scores("
    " scan_id INTEGER NOT NULL, org_id TEXT NOT NULL, method INTEGER NOT NULL, factor TEXT NOT NULL,"
    " score INTEGER CHECK (score BETWEEN 0 AND 100), grade TEXT, detail TEXT NOT NULL,"
    " PRIMARY KEY (scan_id, org_id, method, factor),"
    " FOREIGN KEY (scan_id, org_id) REFERENCES scan_orgs(scan_id, org_id) ON DELETE CASCADE);"
    "CREATE INDEX IF NOT EXISTS observations_org ON observations(scan_id, org_id);"
    "CREATE INDEX IF NOT EXISTS findings_org ON findings(scan_id, org_id);"
    "CREATE INDEX IF NOT EXISTS findings_check ON findings(scan_id, check_id, status);"
    "CREATE INDEX IF NOT EXISTS scores_grade ON scores(scan_id, method, factor, grade);"
    "CREATE INDEX IF NOT EXISTS scan_orgs_org ON scan_orgs(org_id);";

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SCAN_INSERT,
	ST_SCAN_END,
	ST_SCAN_REOPEN,
	ST_SCAN_EXISTS,
	ST_SCAN_INFO,
	ST_SCAN_LATEST,
	ST_ORG_UPSERT,
	ST_SCANORG_UPSERT,
	ST_SCANORG_GET,
	ST_SCANORG_GET_V1,
	ST_SCANORG_GET_V2,
	ST_SCANORG_LIST,
	ST_OBS_DELETE,
	ST_FIND_DELETE,
	ST_SCORES_DELETE_ALL,
	ST_SCORES_DELETE,
	ST_OBS_INSERT,
	ST_FIND_INSERT,
	ST_SCORE_INSERT,
	ST_FIND_LIST,
	ST_FIND_LIST_V2,
	ST_SCORE_LIST,
	ST_SUM_ORGS,
	ST_SUM_ORGS_V1,
	ST_SUM_SCORES,
	ST_SUM_COUNTS,
	ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SCAN_INSERT] = "INSERT INTO scans(started, status, method, args) VALUES(?1, 'running', ?2, ?3)",
    [ST_SCAN_END] = "UPDATE scans SET finished = ?2, status = ?3, orgs_done = ?4 WHERE id = ?1",
    [ST_SCAN_REOPEN] = "UPDATE scans SET finished = NULL, status = 'running' WHERE id = ?1",
    [ST_SCAN_EXISTS] = "SELECT method FROM scans WHERE id = ?1",
    [ST_SCAN_INFO] = "SELECT started, finished, status, method, args, orgs_done,"
                     " (SELECT count(*) FROM scan_orgs WHERE scan_id = ?1) FROM scans WHERE id = ?1",
    /* The newest complete scan with organizations; failing that, the newest with any, then any. */
    [ST_SCAN_LATEST] = "SELECT id, EXISTS (SELECT 1 FROM scan_orgs WHERE scan_id = scans.id) AS has"
                       " FROM scans ORDER BY status = 'complete' AND has DESC, has DESC, id DESC LIMIT 1",
    [ST_ORG_UPSERT] = "INSERT INTO organizations(org_id, name, first_seen, last_seen) VALUES(?1, ?2, ?3, ?3)"
                      " ON CONFLICT(org_id) DO UPDATE SET name = excluded.name,"
                      " first_seen = min(first_seen, excluded.first_seen),"
                      " last_seen = max(last_seen, excluded.last_seen)",
    [ST_SCANORG_UPSERT] =
        "INSERT INTO scan_orgs(scan_id, org_id, domains, started, finished, tags, assets)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(scan_id, org_id) DO UPDATE SET"
        " domains = excluded.domains, started = excluded.started, finished = excluded.finished,"
        " tags = excluded.tags, assets = excluded.assets",
    [ST_SCANORG_GET] = "SELECT o.name, s.domains, s.started, s.finished, s.tags, s.assets FROM scan_orgs s"
                       " JOIN organizations o ON o.org_id = s.org_id WHERE s.scan_id = ?1 AND s.org_id = ?2",
    /* A version-1 file read without writing (so not migrated) has no tags: none is '{}'. */
    [ST_SCANORG_GET_V1] =
        "SELECT o.name, s.domains, s.started, s.finished, '{}', '[]' FROM scan_orgs s"
        " JOIN organizations o ON o.org_id = s.org_id WHERE s.scan_id = ?1 AND s.org_id = ?2",
    /* Version 2: no assets. */
    [ST_SCANORG_GET_V2] =
        "SELECT o.name, s.domains, s.started, s.finished, s.tags, '[]' FROM scan_orgs s"
        " JOIN organizations o ON o.org_id = s.org_id WHERE s.scan_id = ?1 AND s.org_id = ?2",
    [ST_SCANORG_LIST] = "SELECT org_id FROM scan_orgs WHERE scan_id = ?1 ORDER BY rowid",
    [ST_OBS_DELETE] = "DELETE FROM observations WHERE scan_id = ?1 AND org_id = ?2",
    [ST_FIND_DELETE] = "DELETE FROM findings WHERE scan_id = ?1 AND org_id = ?2",
    [ST_SCORES_DELETE_ALL] = "DELETE FROM scores WHERE scan_id = ?1 AND org_id = ?2",
    [ST_SCORES_DELETE] = "DELETE FROM scores WHERE scan_id = ?1 AND org_id = ?2 AND method = ?3",
    [ST_OBS_INSERT] = "INSERT INTO observations(scan_id, org_id, domain, doc) VALUES(?1, ?2, ?3, ?4)",
    [ST_FIND_INSERT] =
        "INSERT INTO findings(scan_id, org_id, domain, check_id, status, reason, detail, evidence, endpoint)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_SCORE_INSERT] = "INSERT INTO scores(scan_id, org_id, method, factor, score, grade, detail)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_FIND_LIST] = "SELECT domain, check_id, status, reason, detail, evidence, endpoint FROM findings"
                     " WHERE scan_id = ?1 AND org_id = ?2 ORDER BY rowid",
    /* A file before schema version 3 read without writing: findings have no endpoint. */
    [ST_FIND_LIST_V2] = "SELECT domain, check_id, status, reason, detail, evidence, NULL FROM findings"
                        " WHERE scan_id = ?1 AND org_id = ?2 ORDER BY rowid",
    [ST_SCORE_LIST] = "SELECT factor, score, grade, detail FROM scores"
                      " WHERE scan_id = ?1 AND org_id = ?2 AND method = ?3 ORDER BY rowid",
    /* store_scan_summary: the sector in brief, without evidence or deductions. */
    [ST_SUM_ORGS] = "SELECT s.org_id, o.name, s.domains, s.tags FROM scan_orgs s"
                    " JOIN organizations o ON o.org_id = s.org_id WHERE s.scan_id = ?1 ORDER BY s.rowid",
    [ST_SUM_ORGS_V1] = "SELECT s.org_id, o.name, s.domains, '{}' FROM scan_orgs s"
                       " JOIN organizations o ON o.org_id = s.org_id WHERE s.scan_id = ?1 ORDER BY s.rowid",
    [ST_SUM_SCORES] =
        "SELECT factor, score, grade FROM scores WHERE scan_id = ?1 AND org_id = ?2 AND method = ?3",
    /* Counted by the caller: a GROUP BY makes SQLite walk the scan's findings by check. */
    [ST_SUM_COUNTS] = "SELECT check_id, status FROM findings WHERE scan_id = ?1 AND org_id = ?2",
};

struct store {
	sqlite3 *db;                  /* the connection */
	char *path;                   /* the database path, for messages */
	int readonly;                 /* opened by store_open_readonly */
	int64_t version;              /* the file's schema version (read-only: possibly older, unmigrated) */
	int lock_fd;                  /* the database file opened for scan claims, or -1 */
	sqlite3_stmt *stmt[ST_COUNT]; /* prepared statements, made on first use */
	char err[512];                /* the last error message */
};

/* store_open fails before a store exists; its message is kept here for store_error(NULL). */
static _Thread_local char open_err[512] = "no error";

static int sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_SCHEMA:
	case SQLITE_ERROR:
		return -EINVAL;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	default:
		return -EIO;
	}
}

static int seterr(struct store *st, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int seterr(struct store *st, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
	return code;
}

/* Records SQLite's own message for a failed step; `what` says what we were doing. */
static int dberr(struct store *st, int rc, const char *what)
{
	return seterr(st, sqlite_errno(rc), "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static int prep(struct store *st, enum stmt_id id, sqlite3_stmt **out)
{
	if (st->stmt[id] == NULL) {
		int rc = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		                            &st->stmt[id], NULL);
		if (rc != SQLITE_OK)
			return dberr(st, rc, "preparing a statement");
	}
	sqlite3_reset(st->stmt[id]);
	sqlite3_clear_bindings(st->stmt[id]);
	*out = st->stmt[id];
	return 0;
}

static int bind_json(sqlite3_stmt *s, int i, const json_t *j)
{
	if (j == NULL)
		return sqlite3_bind_null(s, i);
	char *text = json_dumps(j, DUMP_FLAGS | JSON_ENCODE_ANY);
	if (text == NULL)
		return SQLITE_NOMEM;
	/* SQLite calls free() on the text even when binding fails. */
	return sqlite3_bind_text(s, i, text, -1, free);
}

/* A JSON integer bound as an integer, anything else (null) as NULL. */
static int bind_int_or_null(sqlite3_stmt *s, int i, const json_t *j)
{
	return json_is_integer(j) ? sqlite3_bind_int64(s, i, json_integer_value(j)) : sqlite3_bind_null(s, i);
}

/*
 * Binds parameters 1.. by type letters: I int64_t, i int, t text (NULL binds NULL),
 * j JSON value stored as JSON text, n JSON integer, s JSON string (j, n, s bind NULL
 * for a NULL pointer or a JSON value of another type).
 */
static int bind(struct store *st, sqlite3_stmt *s, const char *types, ...)
{
	va_list ap;
	int rc = SQLITE_OK;
	va_start(ap, types);
	for (int i = 1; rc == SQLITE_OK && types[i - 1] != '\0'; i++) {
		switch (types[i - 1]) {
		case 'I':
			rc = sqlite3_bind_int64(s, i, va_arg(ap, int64_t));
			break;
		case 'i':
			rc = sqlite3_bind_int(s, i, va_arg(ap, int));
			break;
		case 't':
			rc = sqlite3_bind_text(s, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
			break;
		case 'j':
			rc = bind_json(s, i, va_arg(ap, const json_t *));
			break;
		case 'n':
			rc = bind_int_or_null(s, i, va_arg(ap, const json_t *));
			break;
		case 's':
			rc = sqlite3_bind_text(s, i, json_string_value(va_arg(ap, const json_t *)), -1,
			                       SQLITE_TRANSIENT);
			break;
		default:
			rc = SQLITE_MISUSE;
			break;
		}
	}
	va_end(ap);
	return rc == SQLITE_OK ? 0 : dberr(st, rc, "binding a value");
}

/* Steps a statement that returns no rows, then resets it so it holds no lock. */
static int run(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	int ret = rc == SQLITE_DONE ? 0 : dberr(st, rc, what);
	sqlite3_reset(s);
	return ret;
}

static int exec_plain(struct store *st, enum stmt_id id, const char *what)
{
	sqlite3_stmt *s;
	int rc = prep(st, id, &s);
	return rc < 0 ? rc : run(st, s, what);
}

/* Runs a DELETE keyed by (scan_id, org_id) and, when method > 0, the method too. */
static int exec_org(struct store *st, enum stmt_id id, const char *what, int64_t scan_id, const char *org_id,
                    int method)
{
	sqlite3_stmt *s;
	int rc = prep(st, id, &s);
	if (rc == 0)
		rc = method > 0 ? bind(st, s, "Iti", scan_id, org_id, method)
		                : bind(st, s, "It", scan_id, org_id);
	return rc < 0 ? rc : run(st, s, what);
}

static int tx_begin(struct store *st)
{
	return exec_plain(st, ST_BEGIN, "starting a transaction");
}

/* Commits when rc is 0, else rolls back; returns rc or the commit's error. */
static int tx_end(struct store *st, int rc)
{
	if (rc == 0)
		rc = exec_plain(st, ST_COMMIT, "committing");
	if (rc < 0 && !sqlite3_get_autocommit(st->db)) {
		char keep[sizeof st->err];
		/* Keep the message of the failure, not of the rollback. */
		memcpy(keep, st->err, sizeof keep);
		exec_plain(st, ST_ROLLBACK, "rolling back");
		memcpy(st->err, keep, sizeof keep);
	}
	return rc;
}

/* ---- opening ---- */

/* The directory must exist and be writable: SQLite needs it for the WAL and journal. */
static int check_dir(struct store *st)
{
	char dir[4096];
	const char *slash = strrchr(st->path, '/');
	struct stat sb;
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", slash == st->path ? 1 : (int)(slash - st->path), st->path);
	if (stat(dir, &sb) < 0) {
		int e = errno;
		return seterr(st, -e, "cannot create database %s: directory %s: %s", st->path, dir,
		              e == ENOENT ? "does not exist" : strerror(e));
	}
	if (!S_ISDIR(sb.st_mode))
		return seterr(st, -ENOTDIR, "cannot create database %s: %s is not a directory", st->path,
		              dir);
	if (access(dir, W_OK | X_OK) < 0)
		return seterr(st, -EACCES, "cannot use database %s: directory %s is not writable", st->path,
		              dir);
	return 0;
}

static int check_file(struct store *st)
{
	struct stat sb;
	if (stat(st->path, &sb) < 0) {
		int e = errno;
		return e == ENOENT ? 0 : seterr(st, -e, "cannot use database %s: %s", st->path, strerror(e));
	}
	if (!S_ISREG(sb.st_mode))
		return seterr(st, -EINVAL, "cannot use database %s: not a regular file", st->path);
	if (access(st->path, R_OK | W_OK) < 0)
		return seterr(st, -EACCES, "cannot use database %s: file is not writable", st->path);
	return 0;
}

static int exec_sql(struct store *st, const char *sql, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	if ((rc & 0xff) == SQLITE_NOTADB)
		return seterr(st, -EINVAL, "%s is not a vitals database (not an SQLite file)", st->path);
	return rc == SQLITE_OK ? 0 : dberr(st, rc, what);
}

/* Runs a one-value query; *out is -1 when it yields no row or NULL. */
static int query_int(struct store *st, const char *sql, int64_t *out)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return dberr(st, rc, "reading the schema");
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL ? sqlite3_column_int64(s, 0) : -1;
	int ret = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : dberr(st, rc, "reading the schema");
	sqlite3_finalize(s);
	return ret;
}

/* An SQLite file with tables but no schema_version belongs to someone else: leave it alone. */
static int check_foreign(struct store *st)
{
	int64_t ours, tables;
	int rc = query_int(
	    st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'", &ours);
	if (rc == 0)
		rc = query_int(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", &tables);
	if (rc == 0 && ours == 0 && tables > 0)
		rc = seterr(st, -EINVAL, "%s is an SQLite database but not a vitals database", st->path);
	return rc;
}

/*
 * Older files to the current version, inside init_schema's transaction: version 2 gave
 * organizations their tags, version 3 findings their endpoint.
 */
static int migrate(struct store *st, int64_t v)
{
	int rc = 0;
	if (v < 2)
		rc = exec_sql(st,
		              "ALTER TABLE scan_orgs ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';"
		              "UPDATE schema_version SET version = 2;",
		              "migrating the schema from version 1 to 2");
	if (rc == 0 && v < 3)
		rc = exec_sql(st,
		              "ALTER TABLE findings ADD COLUMN endpoint TEXT;"
		              "ALTER TABLE scan_orgs ADD COLUMN assets TEXT NOT NULL DEFAULT '[]';"
		              "UPDATE schema_version SET version = 3;",
		              "migrating the schema to version 3");
	return rc;
}

static int check_version(struct store *st)
{
	int64_t v;
	int rc = query_int(st, "SELECT max(version) FROM schema_version", &v);
	if (rc == 0 && v < 0)
		return exec_sql(st, "INSERT INTO schema_version(version) VALUES(" STR(SCHEMA_VERSION) ")",
		                "recording the schema version");
	if (rc == 0 && v > SCHEMA_VERSION)
		return seterr(st, -ENOTSUP, "%s has schema version %lld; this vitals understands up to %d",
		              st->path, (long long)v, SCHEMA_VERSION);
	if (rc == 0 && v < SCHEMA_VERSION)
		return migrate(st, v);
	/* A real write, so a read-only file or directory fails now, not after a scan. */
	return rc < 0
	           ? rc
	           : exec_sql(st, "UPDATE schema_version SET version = version", "writing to the database");
}

static int init_schema(struct store *st)
{
	int rc =
	    exec_sql(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
	             "configuring the database");
	if (rc < 0)
		return rc;
	if (sqlite3_db_readonly(st->db, "main") == 1)
		return seterr(st, -EACCES, "cannot use database %s: opened read-only", st->path);
	rc = exec_sql(st, "BEGIN IMMEDIATE", "locking the database");
	if (rc < 0)
		return rc;
	rc = check_foreign(st);
	if (rc == 0)
		rc = exec_sql(st, schema_sql, "creating the schema");
	if (rc == 0)
		rc = check_version(st);
	if (rc == 0)
		return exec_sql(st, "COMMIT", "committing the schema");
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static struct store *store_alloc(const char *path)
{
	struct store *st = calloc(1, sizeof *st);
	if (st == NULL)
		return NULL;
	st->lock_fd = -1;
	if ((st->path = strdup(path)) == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

/* Keeps store_open's failure message for store_error(NULL) and frees the half-built store. */
static int open_failed(struct store *st, const char *path, int rc)
{
	if (st != NULL && st->err[0] != '\0')
		memcpy(open_err, st->err, sizeof open_err);
	else
		snprintf(open_err, sizeof open_err, "out of memory opening %s", path);
	store_close(st);
	return rc;
}

int store_open(const char *path, struct store **out)
{
	struct store *st = store_alloc(path);
	int rc = -ENOMEM;
	if (st == NULL)
		return open_failed(st, path, rc);
	/* SQLite would open an empty name as a temporary database and lose everything. */
	rc = path[0] ? check_dir(st) : seterr(st, -EINVAL, "empty database path");
	if (rc == 0)
		rc = check_file(st);
	if (rc < 0)
		return open_failed(st, path, rc);
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		rc =
		    st->db ? dberr(st, rc, "opening") : seterr(st, -ENOMEM, "out of memory opening %s", path);
		return open_failed(st, path, rc);
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	rc = init_schema(st);
	if (rc < 0)
		return open_failed(st, path, rc);
	*out = st;
	return 0;
}

/* file: URI of a path, with the characters URIs reserve escaped; NULL when out of memory. */
static char *file_uri(const char *path, const char *query)
{
	size_t n = strlen(path), cap = 3 * n + strlen(query) + 16;
	char *uri = malloc(cap), *p = uri;
	if (uri == NULL)
		return NULL;
	p += snprintf(p, cap, "file:");
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if (*c == '%' || *c == '?' || *c == '#' || *c < 0x20 || *c >= 0x7f)
			p += snprintf(p, 4, "%%%02X", *c);
		else
			*p++ = (char)*c;
	}
	snprintf(p, cap - (size_t)(p - uri), "?%s", query);
	return uri;
}

/* Opens with the URI query, then reads the schema version to prove the file is ours and readable. */
static int open_ro(struct store *st, const char *query)
{
	char *uri = file_uri(st->path, query);
	if (uri == NULL)
		return seterr(st, -ENOMEM, "out of memory opening %s", st->path);
	sqlite3_close_v2(st->db);
	st->db = NULL;
	int rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK)
		return st->db ? dberr(st, rc, "opening")
		              : seterr(st, -ENOMEM, "out of memory opening %s", st->path);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	int64_t v;
	rc = check_foreign(st);
	if (rc == 0)
		rc = query_int(st, "SELECT max(version) FROM schema_version", &v);
	if (rc == 0 && (v < 1 || v > SCHEMA_VERSION))
		rc = seterr(st, -ENOTSUP, "%s has schema version %lld; this vitals reads 1 to %d", st->path,
		            (long long)v, SCHEMA_VERSION);
	st->version = rc == 0 ? v : 0;
	return rc;
}

static int file_has_data(const char *path, const char *suffix)
{
	char name[4200];
	struct stat sb;
	snprintf(name, sizeof name, "%s%s", path, suffix);
	return stat(name, &sb) == 0 ? (sb.st_size > 0 ? 1 : 0) : -1;
}

/* Whether this process could create SQLite's -wal and -shm files beside the database. */
static int may_write_beside(const char *path)
{
	char *copy = strdup(path);
	const char *slash = copy ? strrchr(copy, '/') : NULL;
	int ok = copy != NULL && access(path, W_OK) == 0;
	if (ok && slash != NULL) {
		copy[slash == copy ? 1 : slash - copy] = '\0';
		ok = access(copy, W_OK | X_OK) == 0;
	} else if (ok) {
		ok = access(".", W_OK | X_OK) == 0;
	}
	free(copy);
	return ok;
}

/*
 * How a reader opens the file without writing anything. With write access beside it,
 * plain read-only mode (SQLite may create -wal/-shm, owned as the writer's would be).
 * Without it, nothing may be created: an existing -shm and -wal are read as they are
 * (a writer is at work); with no -wal content left the file alone is the database
 * (immutable, exact after a clean close); -wal content without -shm cannot be read.
 */
static int open_reader(struct store *st)
{
	if (may_write_beside(st->path)) {
		int rc = open_ro(st, "mode=ro");
		if (rc != -ENOENT && rc != -EACCES && rc != -EIO && rc != -EBUSY)
			return rc;
	}
	int wal = file_has_data(st->path, "-wal"), shm = file_has_data(st->path, "-shm");
	if (wal > 0 && shm >= 0)
		return open_ro(st, "mode=ro");
	if (wal > 0)
		return seterr(
		    st, -EACCES,
		    "cannot read %s: its write-ahead log holds changes that SQLite can read only by "
		    "creating %s-shm beside it, which this user may not",
		    st->path, st->path);
	return open_ro(st, "immutable=1");
}

int store_open_readonly(const char *path, struct store **out)
{
	struct store *st = store_alloc(path);
	struct stat sb;
	if (st == NULL)
		return open_failed(st, path, -ENOMEM);
	st->readonly = 1;
	if (stat(path, &sb) < 0)
		return open_failed(st, path,
		                   seterr(st, -errno, "cannot open database %s: %s", path, strerror(errno)));
	if (!S_ISREG(sb.st_mode))
		return open_failed(st, path,
		                   seterr(st, -EINVAL, "cannot use database %s: not a regular file", path));
	int rc = open_reader(st);
	if (rc < 0)
		return open_failed(st, path, rc);
	*out = st;
	return 0;
}

struct store *store_close(struct store *st)
{
	if (st == NULL)
		return NULL;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close_v2(st->db);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st->path);
	free(st);
	return NULL;
}

const char *store_error(const struct store *st)
{
	if (st == NULL)
		return open_err;
	return st->err[0] ? st->err : "no error";
}

/* ---- scans ---- */

int store_scan_begin(struct store *st, int method, const json_t *args, int64_t *scan_id)
{
	sqlite3_stmt *s;
	json_t *empty = args ? NULL : json_object();
	int rc = prep(st, ST_SCAN_INSERT, &s);
	if (rc == 0)
		rc = bind(st, s, "Iij", (int64_t)time(NULL), method, args ? args : empty);
	if (rc == 0)
		rc = run(st, s, "recording a new scan");
	json_decref(empty);
	if (rc == 0)
		*scan_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int store_scan_end(struct store *st, int64_t scan_id, const char *status, int orgs_done)
{
	sqlite3_stmt *s;
	int rc = prep(st, ST_SCAN_END, &s);
	if (rc == 0)
		rc = bind(st, s, "IIti", scan_id, (int64_t)time(NULL), status, orgs_done);
	if (rc == 0)
		rc = run(st, s, "ending the scan");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = seterr(st, -ENOENT, "no scan %lld in %s", (long long)scan_id, st->path);
	return rc;
}

/* ---- one process per scan ---- */

/* Claims live far above SQLite's own lock bytes (around 1 GiB), one byte per scan id. */
#define CLAIM_BASE ((off_t)1 << 62)

int store_scan_claim(struct store *st, int64_t scan_id)
{
	if (st->lock_fd < 0 && (st->lock_fd = open(st->path, O_RDWR | O_CLOEXEC)) < 0)
		return seterr(st, -errno, "cannot open %s to claim scan %lld: %s", st->path,
		              (long long)scan_id, strerror(errno));
	/*
	 * An open-file-description lock on the database file itself, so every path to it
	 * (a symlink, a hard link) meets the same claim. The kernel drops it when the process
	 * ends however it ends (kill -9 included). The descriptor stays open until
	 * store_close has closed SQLite's: closing it earlier would drop SQLite's own
	 * process-wide POSIX locks on the file.
	 */
	struct flock fl = {
	    .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = CLAIM_BASE + scan_id, .l_len = 1};
	if (scan_id <= 0 || scan_id > INT32_MAX)
		return seterr(st, -EINVAL, "scan id %lld cannot be claimed", (long long)scan_id);
	if (fcntl(st->lock_fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return seterr(st, -EBUSY, "scan %lld is being run by another vitals process",
		              (long long)scan_id);
	return seterr(st, -errno, "cannot claim scan %lld in %s: %s", (long long)scan_id, st->path,
	              strerror(errno));
}

int store_scan_reopen(struct store *st, int64_t scan_id)
{
	sqlite3_stmt *s = NULL;
	int rc = prep(st, ST_SCAN_REOPEN, &s);
	if (rc == 0)
		rc = bind(st, s, "I", scan_id);
	if (rc == 0)
		rc = run(st, s, "marking the scan running");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = seterr(st, -ENOENT, "no scan %lld in %s", (long long)scan_id, st->path);
	return rc;
}

/* ---- counts for the stream's metadata record ---- */

/* Runs `sql` (two columns: a key, a count) bound to scan_id (?1) and, if it asks, method (?2); sets the
 * counts in obj. */
static int count_into(struct store *st, const char *sql, int64_t scan_id, int method, json_t *obj)
{
	sqlite3_stmt *s;
	int step, rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return dberr(st, rc, "counting");
	sqlite3_bind_int64(s, 1, scan_id);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int(s, 2, method);
	rc = 0;
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(s, 0);
		if (json_object_set_new(obj, key ? key : "none", json_integer(sqlite3_column_int64(s, 1))) <
		    0)
			rc = seterr(st, -ENOMEM, "out of memory counting");
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = dberr(st, step, "counting");
	sqlite3_finalize(s);
	return rc;
}

int store_scan_counts(struct store *st, int64_t scan_id, int method, json_t **out)
{
	json_t *c = json_pack("{s:I, s:{s:i, s:i, s:i, s:i, s:i, s:i}, s:{s:i, s:i, s:i, s:i}}",
	                      "organizations", (json_int_t)0, "grades", "A", 0, "B", 0, "C", 0, "D", 0, "F",
	                      0, "none", 0, "findings", "pass", 0, "fail", 0, "indeterminate", 0, "na", 0);
	int rc = c ? 0 : seterr(st, -ENOMEM, "out of memory counting");
	if (rc == 0)
		rc = count_into(st, "SELECT 'organizations', count(*) FROM scan_orgs WHERE scan_id = ?1",
		                scan_id, method, c);
	if (rc == 0)
		rc = count_into(st,
		                "SELECT grade, count(*) FROM scores WHERE scan_id = ?1 AND method = ?2"
		                " AND factor = 'overall' GROUP BY grade",
		                scan_id, method, json_object_get(c, "grades"));
	if (rc == 0)
		rc =
		    count_into(st, "SELECT status, count(*) FROM findings WHERE scan_id = ?1 GROUP BY status",
		               scan_id, method, json_object_get(c, "findings"));
	if (rc == 0)
		*out = c;
	else
		json_decref(c);
	return rc;
}

/* The scan's own method into *method, or -ENOENT with a message. */
static int scan_method(struct store *st, int64_t scan_id, int *method)
{
	sqlite3_stmt *s;
	int rc = prep(st, ST_SCAN_EXISTS, &s);
	if (rc == 0)
		rc = bind(st, s, "I", scan_id);
	if (rc < 0)
		return rc;
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*method = sqlite3_column_int(s, 0);
	else if (step == SQLITE_DONE)
		rc = seterr(st, -ENOENT, "no scan %lld in %s", (long long)scan_id, st->path);
	else
		rc = dberr(st, step, "looking up the scan");
	sqlite3_reset(s);
	return rc;
}

int store_latest_scan(struct store *st, int64_t *scan_id)
{
	sqlite3_stmt *s;
	int rc = prep(st, ST_SCAN_LATEST, &s);
	if (rc < 0)
		return rc;
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*scan_id = sqlite3_column_int64(s, 0);
	else if (step == SQLITE_DONE)
		rc = seterr(st, -ENOENT, "no scans in %s", st->path);
	else
		rc = dberr(st, step, "looking up the latest scan");
	sqlite3_reset(s);
	return rc;
}

/* A text column parsed as JSON; NULL becomes JSON null. */
static json_t *column_json(sqlite3_stmt *s, int col)
{
	const char *text = (const char *)sqlite3_column_text(s, col);
	return text ? json_loads(text, JSON_DECODE_ANY, NULL) : json_null();
}

static json_t *column_int_or_null(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? json_null()
	                                                  : json_integer(sqlite3_column_int64(s, col));
}

static json_t *column_text_or_null(sqlite3_stmt *s, int col)
{
	const char *text = (const char *)sqlite3_column_text(s, col);
	return text ? json_string(text) : json_null();
}

static json_t *scan_info_json(sqlite3_stmt *s, int64_t scan_id)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:i, s:o, s:i, s:I}", "id", (json_int_t)scan_id, "started",
	                 column_int_or_null(s, 0), "finished", column_int_or_null(s, 1), "status",
	                 column_text_or_null(s, 2), "method", sqlite3_column_int(s, 3), "args",
	                 column_json(s, 4), "orgs_done", sqlite3_column_int(s, 5), "orgs",
	                 (json_int_t)sqlite3_column_int64(s, 6));
}

int store_scan_info(struct store *st, int64_t scan_id, json_t **out)
{
	sqlite3_stmt *s;
	int rc = prep(st, ST_SCAN_INFO, &s);
	if (rc == 0)
		rc = bind(st, s, "I", scan_id);
	if (rc < 0)
		return rc;
	int step = sqlite3_step(s);
	json_t *info = step == SQLITE_ROW ? scan_info_json(s, scan_id) : NULL;
	if (step == SQLITE_DONE)
		rc = seterr(st, -ENOENT, "no scan %lld in %s", (long long)scan_id, st->path);
	else if (step != SQLITE_ROW)
		rc = dberr(st, step, "reading the scan");
	else if (info == NULL)
		rc =
		    seterr(st, -EINVAL, "scan %lld in %s: unreadable metadata", (long long)scan_id, st->path);
	sqlite3_reset(s);
	if (rc == 0)
		*out = info;
	return rc;
}

int store_scan_orgs(struct store *st, int64_t scan_id, json_t **org_ids)
{
	sqlite3_stmt *s;
	int method, step = SQLITE_DONE;
	int rc = scan_method(st, scan_id, &method);
	if (rc == 0)
		rc = prep(st, ST_SCANORG_LIST, &s);
	if (rc == 0)
		rc = bind(st, s, "I", scan_id);
	if (rc < 0)
		return rc;
	json_t *ids = json_array();
	while (ids != NULL && (step = sqlite3_step(s)) == SQLITE_ROW)
		if (json_array_append_new(ids, json_string((const char *)sqlite3_column_text(s, 0))) < 0)
			ids = (json_decref(ids), NULL);
	if (ids == NULL)
		rc = seterr(st, -ENOMEM, "out of memory listing scan %lld", (long long)scan_id);
	else if (step != SQLITE_DONE)
		rc = dberr(st, step, "listing the scan's organizations");
	sqlite3_reset(s);
	if (rc == 0)
		*org_ids = ids;
	else
		json_decref(ids);
	return rc;
}

int store_scan_list(struct store *st, json_t **scan_ids)
{
	sqlite3_stmt *s;
	int step = SQLITE_DONE,
	    rc = sqlite3_prepare_v2(st->db, "SELECT id FROM scans ORDER BY id", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return dberr(st, rc, "listing scans");
	json_t *ids = json_array();
	while (ids != NULL && (step = sqlite3_step(s)) == SQLITE_ROW)
		if (json_array_append_new(ids, json_integer(sqlite3_column_int64(s, 0))) < 0)
			ids = (json_decref(ids), NULL);
	rc = 0;
	if (ids == NULL)
		rc = seterr(st, -ENOMEM, "out of memory listing scans");
	else if (step != SQLITE_DONE)
		rc = dberr(st, step, "listing scans");
	sqlite3_finalize(s);
	if (rc == 0)
		*scan_ids = ids;
	else
		json_decref(ids);
	return rc;
}

/* ---- writing an organization ---- */

/* The overall row's detail: the weights of the factors that took part in the mean. */
static json_t *overall_detail(const struct method *m, const json_t *factors, const json_t *coverage)
{
	json_t *weights = json_object();
	for (size_t i = 0; weights != NULL && i < m->nfactors; i++) {
		if (!json_is_integer(json_object_get(json_object_get(factors, m->factors[i].id), "score")))
			continue;
		if (json_object_set_new(weights, m->factors[i].id, json_integer(m->factors[i].weight)) < 0)
			weights = (json_decref(weights), NULL);
	}
	json_t *d = weights ? json_pack("{s:o}", "weights", weights) : NULL;
	/* Older scorecards have no coverage: the row keeps what the card had. */
	if (d != NULL && coverage != NULL && json_object_set(d, "coverage", (json_t *)coverage) < 0)
		d = (json_decref(d), NULL);
	return d;
}

/* One scores row per factor plus 'overall', from a scorecard's JSON. */
static int insert_scores(struct store *st, int64_t scan_id, const char *org_id, const struct method *m,
                         const json_t *card)
{
	sqlite3_stmt *s;
	const char *fid;
	json_t *fj, *factors = json_object_get(card, "factors");
	json_t *overall = overall_detail(m, factors, json_object_get(card, "coverage"));
	int rc = 0;
	if (!json_is_object(factors))
		rc = seterr(st, -EINVAL, "%s: scorecard without factors", org_id);
	else if (overall == NULL)
		rc = seterr(st, -ENOMEM, "out of memory storing %s", org_id);
	if (rc == 0 && (rc = prep(st, ST_SCORE_INSERT, &s)) == 0)
		rc = bind(st, s, "Ititnsj", scan_id, org_id, m->version, "overall",
		          json_object_get(card, "score"), json_object_get(card, "grade"), overall);
	if (rc == 0)
		rc = run(st, s, "storing the overall score");
	json_object_foreach(factors, fid, fj)
	{
		if (rc < 0)
			break;
		if ((rc = prep(st, ST_SCORE_INSERT, &s)) == 0)
			rc = bind(st, s, "Ititnsj", scan_id, org_id, m->version, fid,
			          json_object_get(fj, "score"), json_object_get(fj, "grade"), fj);
		if (rc == 0)
			rc = run(st, s, "storing a factor score");
	}
	json_decref(overall);
	return rc;
}

static int insert_observations(struct store *st, int64_t scan_id, const struct org_result *r)
{
	size_t i;
	json_t *doc;
	int rc = 0;
	json_array_foreach(r->observations, i, doc)
	{
		sqlite3_stmt *s;
		const char *domain = json_string_value(json_object_get(doc, "domain"));
		if (domain == NULL)
			domain = i < r->ndomains ? r->domains[i] : "";
		if ((rc = prep(st, ST_OBS_INSERT, &s)) == 0)
			rc = bind(st, s, "Ittj", scan_id, r->org_id, domain, doc);
		if (rc == 0)
			rc = run(st, s, "storing an observation");
		if (rc < 0)
			break;
	}
	return rc;
}

static int insert_findings(struct store *st, int64_t scan_id, const char *org_id, const struct findings *fs)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		sqlite3_stmt *s;
		if ((rc = prep(st, ST_FIND_INSERT, &s)) == 0)
			rc = bind(st, s, "Ittttttjt", scan_id, org_id, f->domain, f->check,
			          fstatus_name(f->status), f->reason, f->detail, f->evidence, f->endpoint);
		if (rc == 0)
			rc = run(st, s, "storing a finding");
	}
	return rc;
}

static json_t *domains_json(const struct org_result *r)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr != NULL && i < r->ndomains; i++)
		if (json_array_append_new(arr, json_string(r->domains[i])) < 0)
			arr = (json_decref(arr), NULL);
	return arr;
}

/* The tags as a JSON object in target order; NULL when out of memory. */
static json_t *tags_json(const struct org_result *r)
{
	json_t *obj = json_object();
	for (size_t i = 0; obj != NULL && i < r->ntags; i++)
		if (json_object_set_new(obj, r->tags[i].key, json_string(r->tags[i].value)) < 0)
			obj = (json_decref(obj), NULL);
	return obj;
}

static int upsert_org(struct store *st, int64_t scan_id, const struct org_result *r)
{
	sqlite3_stmt *s;
	json_t *domains = domains_json(r), *tags = tags_json(r), *assets = analyze_assets(r->observations);
	int rc =
	    domains && tags && assets ? prep(st, ST_ORG_UPSERT, &s) : seterr(st, -ENOMEM, "out of memory");
	if (rc == 0)
		rc = bind(st, s, "ttI", r->org_id, r->name ? r->name : r->org_id, (int64_t)r->started);
	if (rc == 0)
		rc = run(st, s, "storing the organization");
	if (rc == 0)
		rc = prep(st, ST_SCANORG_UPSERT, &s);
	if (rc == 0)
		rc = bind(st, s, "ItjIIjj", scan_id, r->org_id, domains, (int64_t)r->started,
		          (int64_t)r->finished, tags, assets);
	if (rc == 0)
		rc = run(st, s, "storing the organization's scan");
	json_decref(domains);
	json_decref(tags);
	json_decref(assets);
	return rc;
}

/* Resume stores an organization again: its old rows go, its scan_orgs row keeps its place. */
static int org_rows(struct store *st, int64_t scan_id, const struct org_result *r, const json_t *card)
{
	int method;
	int rc = scan_method(st, scan_id, &method);
	if (rc == 0)
		rc = upsert_org(st, scan_id, r);
	if (rc == 0)
		rc = exec_org(st, ST_OBS_DELETE, "replacing observations", scan_id, r->org_id, 0);
	if (rc == 0)
		rc = exec_org(st, ST_FIND_DELETE, "replacing findings", scan_id, r->org_id, 0);
	if (rc == 0)
		rc = exec_org(st, ST_SCORES_DELETE_ALL, "replacing scores", scan_id, r->org_id, 0);
	if (rc == 0)
		rc = insert_observations(st, scan_id, r);
	if (rc == 0)
		rc = insert_findings(st, scan_id, r->org_id, &r->findings);
	if (rc == 0)
		rc = insert_scores(st, scan_id, r->org_id, method_get(r->score.method), card);
	return rc;
}

int store_org_result(struct store *st, int64_t scan_id, const struct org_result *r)
{
	const struct method *m = method_get(r->score.method);
	if (m == NULL)
		return seterr(st, -EINVAL, "%s: scorecard under unknown method %d", r->org_id,
		              r->score.method);
	json_t *card = scorecard_to_json(m, &r->findings, &r->score);
	if (card == NULL)
		return seterr(st, -ENOMEM, "out of memory storing %s", r->org_id);
	int rc = tx_begin(st);
	if (rc == 0)
		rc = tx_end(st, org_rows(st, scan_id, r, card));
	json_decref(card);
	return rc;
}

/* ---- reading an organization ---- */

static int org_header(struct store *st, int64_t scan_id, const char *org_id, json_t *org)
{
	sqlite3_stmt *s;
	int rc = prep(st,
	              st->version == 1   ? ST_SCANORG_GET_V1
	              : st->version == 2 ? ST_SCANORG_GET_V2
	                                 : ST_SCANORG_GET,
	              &s);
	if (rc == 0)
		rc = bind(st, s, "It", scan_id, org_id);
	if (rc < 0)
		return rc;
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		json_t *domains = column_json(s, 1), *tags = column_json(s, 4), *assets = column_json(s, 5);
		if (json_object_set_new(org, "name", column_text_or_null(s, 0)) < 0 ||
		    json_object_set_new(org, "domains", domains ? domains : json_array()) < 0 ||
		    json_object_set_new(org, "started", column_int_or_null(s, 2)) < 0 ||
		    json_object_set_new(org, "finished", column_int_or_null(s, 3)) < 0 ||
		    json_object_set_new(org, "tags", tags ? tags : json_object()) < 0 ||
		    json_object_set_new(org, "assets", assets ? assets : json_array()) < 0)
			rc = seterr(st, -ENOMEM, "out of memory loading %s", org_id);
	} else if (step == SQLITE_DONE) {
		rc = seterr(st, -ENOENT, "unknown organization %s in scan %lld", org_id, (long long)scan_id);
	} else {
		rc = dberr(st, step, "reading the organization");
	}
	sqlite3_reset(s);
	return rc;
}

static json_t *finding_row(sqlite3_stmt *s)
{
	json_t *f = json_pack("{s:o, s:o, s:o, s:o, s:o}", "check", column_text_or_null(s, 1), "domain",
	                      column_text_or_null(s, 0), "status", column_text_or_null(s, 2), "detail",
	                      column_text_or_null(s, 4), "evidence", column_json(s, 5));
	if (f != NULL && sqlite3_column_type(s, 3) != SQLITE_NULL &&
	    json_object_set_new(f, "reason", column_text_or_null(s, 3)) < 0)
		f = (json_decref(f), NULL);
	if (f != NULL && json_object_set_new(f, "endpoint", column_text_or_null(s, 6)) < 0)
		f = (json_decref(f), NULL);
	return f;
}

static int load_findings(struct store *st, int64_t scan_id, const char *org_id, json_t *org)
{
	sqlite3_stmt *s;
	int step = SQLITE_DONE,
	    rc = prep(st, st->version > 0 && st->version < 3 ? ST_FIND_LIST_V2 : ST_FIND_LIST, &s);
	if (rc == 0)
		rc = bind(st, s, "It", scan_id, org_id);
	if (rc < 0)
		return rc;
	json_t *arr = json_array();
	while (arr != NULL && (step = sqlite3_step(s)) == SQLITE_ROW)
		if (json_array_append_new(arr, finding_row(s)) < 0)
			arr = (json_decref(arr), NULL);
	if (arr == NULL)
		rc = seterr(st, -EINVAL, "findings of %s in scan %lld are unreadable", org_id,
		            (long long)scan_id);
	else if (step != SQLITE_DONE)
		rc = dberr(st, step, "reading findings");
	sqlite3_reset(s);
	if (rc == 0 && json_object_set_new(org, "findings", arr) < 0)
		rc = seterr(st, -ENOMEM, "out of memory loading %s", org_id);
	else if (rc < 0)
		json_decref(arr);
	return rc;
}

/* Folds one scores row into the scorecard JSON being rebuilt. */
static int score_row(sqlite3_stmt *s, json_t *card)
{
	const char *factor = (const char *)sqlite3_column_text(s, 0);
	json_t *detail = column_json(s, 3);
	int overall = factor != NULL && strcmp(factor, "overall") == 0;
	json_t *target = overall ? card : detail;
	int rc = factor != NULL && json_is_object(detail) ? 0 : -EINVAL;
	/* The columns are authoritative for score and grade. */
	if (rc == 0 && (json_object_set_new(target, "score", column_int_or_null(s, 1)) < 0 ||
	                json_object_set_new(target, "grade", column_text_or_null(s, 2)) < 0))
		rc = -ENOMEM;
	if (rc == 0 && !overall)
		return json_object_set_new(json_object_get(card, "factors"), factor, detail) < 0 ? -ENOMEM
		                                                                                 : 0;
	json_t *coverage = json_object_get(detail, "coverage");
	if (rc == 0 && coverage != NULL && json_object_set(card, "coverage", coverage) < 0)
		rc = -ENOMEM;
	json_decref(detail);
	return rc;
}

static int load_scores(struct store *st, int64_t scan_id, const char *org_id, int method, json_t *org)
{
	sqlite3_stmt *s;
	int step = SQLITE_DONE, rows = 0, rc = prep(st, ST_SCORE_LIST, &s);
	if (rc == 0)
		rc = bind(st, s, "Iti", scan_id, org_id, method);
	if (rc < 0)
		return rc;
	json_t *card = json_pack("{s:i, s:n, s:n, s:{}}", "method", method, "score", "grade", "factors");
	while (rc == 0 && card != NULL && (step = sqlite3_step(s)) == SQLITE_ROW) {
		rows++;
		if (score_row(s, card) < 0)
			rc = seterr(st, -EINVAL, "scores of %s in scan %lld are unreadable", org_id,
			            (long long)scan_id);
	}
	if (rc == 0 && card == NULL)
		rc = seterr(st, -ENOMEM, "out of memory loading %s", org_id);
	else if (rc == 0 && step != SQLITE_DONE)
		rc = dberr(st, step, "reading scores");
	sqlite3_reset(s);
	if (rc == 0 && json_object_set_new(org, "scores", rows ? json_incref(card) : json_null()) < 0)
		rc = seterr(st, -ENOMEM, "out of memory loading %s", org_id);
	json_decref(card);
	return rc;
}

int store_load_org(struct store *st, int64_t scan_id, const char *org_id, int method, json_t **out)
{
	int scan_m;
	int rc = scan_method(st, scan_id, &scan_m);
	if (rc < 0)
		return rc;
	json_t *org = json_pack("{s:I, s:s}", "scan", (json_int_t)scan_id, "org_id", org_id);
	if (org == NULL)
		return seterr(st, -ENOMEM, "out of memory loading %s", org_id);
	rc = org_header(st, scan_id, org_id, org);
	if (rc == 0)
		rc = load_findings(st, scan_id, org_id, org);
	if (rc == 0)
		rc = load_scores(st, scan_id, org_id, method ? method : scan_m, org);
	if (rc == 0)
		*out = org;
	else
		json_decref(org);
	return rc;
}

/* ---- rescoring ---- */

static int replace_rows(struct store *st, int64_t scan_id, const char *org_id, const struct method *m,
                        const json_t *card)
{
	json_t *org = json_object();
	int rc = org ? org_header(st, scan_id, org_id, org) : seterr(st, -ENOMEM, "out of memory");
	json_decref(org);
	if (rc == 0)
		rc = exec_org(st, ST_SCORES_DELETE, "replacing scores", scan_id, org_id, m->version);
	if (rc == 0)
		rc = insert_scores(st, scan_id, org_id, m, card);
	return rc;
}

int store_replace_scores(struct store *st, int64_t scan_id, const char *org_id, int method,
                         const json_t *scorecard)
{
	const struct method *m = method_get(method);
	const json_t *jm = json_object_get(scorecard, "method");
	int dummy;
	if (m == NULL)
		return seterr(st, -EINVAL, "unknown method %d", method);
	if (jm != NULL && json_integer_value(jm) != method)
		return seterr(st, -EINVAL, "scorecard is for method %lld, not %d",
		              (long long)json_integer_value(jm), method);
	int rc = scan_method(st, scan_id, &dummy);
	if (rc == 0)
		rc = tx_begin(st);
	if (rc == 0)
		rc = tx_end(st, replace_rows(st, scan_id, org_id, m, scorecard));
	return rc;
}

/* ---- the sector in brief ---- */

/* One scores row into the brief's {score, grade, factors: {id: {score, grade}}}. */
static int summary_score_row(sqlite3_stmt *s, json_t *org, int method)
{
	const char *factor = (const char *)sqlite3_column_text(s, 0);
	json_t *card = json_object_get(org, "scores");
	if (factor == NULL)
		return -EINVAL;
	if (!json_is_object(card) &&
	    json_object_set_new(
	        org, "scores",
	        card = json_pack("{s:i, s:n, s:n, s:{}}", "method", method, "score", "grade", "factors")) < 0)
		return -ENOMEM;
	json_t *target = card;
	if (strcmp(factor, "overall") != 0 &&
	    json_object_set_new(json_object_get(card, "factors"), factor, target = json_object()) < 0)
		return -ENOMEM;
	if (json_object_set_new(target, "score", column_int_or_null(s, 1)) < 0 ||
	    json_object_set_new(target, "grade", column_text_or_null(s, 2)) < 0)
		return -ENOMEM;
	return 0;
}

static int summary_scores(struct store *st, int64_t scan_id, const char *org_id, int method, json_t *org)
{
	sqlite3_stmt *s;
	int step = SQLITE_DONE, rc = prep(st, ST_SUM_SCORES, &s);
	if (rc == 0)
		rc = bind(st, s, "Iti", scan_id, org_id, method);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
		if (summary_score_row(s, org, method) < 0)
			rc = seterr(st, -EINVAL, "scores of %s in scan %lld are unreadable", org_id,
			            (long long)scan_id);
	if (rc == 0 && step != SQLITE_DONE)
		rc = dberr(st, step, "reading scores");
	sqlite3_reset(s);
	return rc;
}

/* The organization's findings by check and status as {check: [pass, fail, indeterminate, na]}. */
static int summary_counts(struct store *st, int64_t scan_id, const char *org_id, json_t *counts)
{
	static const char *const names[4] = {"pass", "fail", "indeterminate", "na"};
	sqlite3_stmt *s;
	int step = SQLITE_DONE, rc = prep(st, ST_SUM_COUNTS, &s);
	if (rc == 0)
		rc = bind(st, s, "It", scan_id, org_id);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *check = (const char *)sqlite3_column_text(s, 0);
		const char *status = (const char *)sqlite3_column_text(s, 1);
		json_t *v = check ? json_object_get(counts, check) : NULL;
		size_t k = 0;
		while (k < 4 && status && strcmp(status, names[k]) != 0)
			k++;
		if (check == NULL || k == 4)
			continue;
		if ((v == NULL &&
		     json_object_set_new(counts, check, v = json_pack("[i,i,i,i]", 0, 0, 0, 0)) < 0) ||
		    json_array_set_new(v, k, json_integer(json_integer_value(json_array_get(v, k)) + 1)) < 0)
			rc = seterr(st, -ENOMEM, "out of memory counting findings of %s", org_id);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = dberr(st, step, "counting findings");
	sqlite3_reset(s);
	return rc;
}

/* The brief of the organization on the current row of `s`, handed to `each`. */
static int summary_org(struct store *st, sqlite3_stmt *s, int64_t scan_id, int method,
                       int (*each)(const json_t *org, void *arg), void *arg)
{
	const char *id = (const char *)sqlite3_column_text(s, 0);
	json_t *domains = column_json(s, 2), *tags = column_json(s, 3);
	json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:n, s:{}}", "org_id", id ? id : "", "name",
	                      column_text_or_null(s, 1), "domains", domains ? domains : json_array(), "tags",
	                      tags ? tags : json_object(), "scores", "counts");
	int rc = o ? summary_scores(st, scan_id, id ? id : "", method, o)
	           : seterr(st, -ENOMEM, "out of memory summing scan %lld", (long long)scan_id);
	if (rc == 0)
		rc = summary_counts(st, scan_id, id ? id : "", json_object_get(o, "counts"));
	if (rc == 0)
		rc = each(o, arg);
	json_decref(o);
	return rc;
}

int store_scan_summary(struct store *st, int64_t scan_id, int method,
                       int (*each)(const json_t *org, void *arg), void *arg)
{
	sqlite3_stmt *s;
	int scan_m, step = SQLITE_DONE, rc = scan_method(st, scan_id, &scan_m);
	if (rc == 0)
		rc = prep(st, st->version == 1 ? ST_SUM_ORGS_V1 : ST_SUM_ORGS, &s);
	if (rc == 0)
		rc = bind(st, s, "I", scan_id);
	if (rc < 0)
		return rc;
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = summary_org(st, s, scan_id, method ? method : scan_m, each, arg);
	if (rc == 0 && step != SQLITE_DONE)
		rc = dberr(st, step, "listing the scan's organizations");
	sqlite3_reset(s);
	return rc;
}
