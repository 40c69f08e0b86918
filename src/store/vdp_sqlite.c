/* The disclosure program's tables in the scans' SQLite file (see vdp.h, docs/SCHEMA.md). */
#include "vdp.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUSY_TIMEOUT_MS 10000

struct vdp {
	sqlite3 *db;   /* the connection */
	char err[256]; /* the last error */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS vdp_schema_version(version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS programs(org_id TEXT PRIMARY KEY, policy TEXT NOT NULL DEFAULT '{}',"
    " ack_days INTEGER NOT NULL, triage_days INTEGER NOT NULL, resolve_days INTEGER NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS reports(id TEXT PRIMARY KEY, org_id TEXT NOT NULL, asset TEXT NOT NULL,"
    " state TEXT NOT NULL, severity TEXT, created INTEGER NOT NULL, acknowledged INTEGER, triaged INTEGER,"
    " resolved INTEGER, title BLOB NOT NULL, description BLOB NOT NULL, steps BLOB NOT NULL,"
    " impact BLOB NOT NULL, contact BLOB, cvss TEXT, token_hash BLOB NOT NULL UNIQUE);"
    "CREATE INDEX IF NOT EXISTS reports_org ON reports(org_id, created);"
    "CREATE TABLE IF NOT EXISTS messages(id TEXT PRIMARY KEY,"
    " report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
    " author TEXT NOT NULL CHECK(author IN ('reporter', 'staff')), body BLOB NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS messages_report ON messages(report_id, created);"
    "CREATE TABLE IF NOT EXISTS attachments(id TEXT PRIMARY KEY,"
    " report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE, name BLOB NOT NULL,"
    " data BLOB NOT NULL, size INTEGER NOT NULL, content_type TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS attachments_report ON attachments(report_id);"
    "CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY, time INTEGER NOT NULL, actor TEXT NOT NULL,"
    " report_id TEXT, action TEXT NOT NULL, old TEXT, new TEXT);"
    "CREATE TABLE IF NOT EXISTS users(id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE, org_id TEXT,"
    " role TEXT NOT NULL, pwhash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS sessions(token_hash BLOB PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, csrf_secret BLOB NOT NULL,"
    " expires INTEGER NOT NULL);";

static int seterr(struct vdp *v, int code, const char *what)
{
	snprintf(v->err, sizeof v->err, "%s: %s", what, v->db ? sqlite3_errmsg(v->db) : "no database");
	return code;
}

static int exec(struct vdp *v, const char *sql, const char *what)
{
	return sqlite3_exec(v->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : seterr(v, -EIO, what);
}

static int prep(struct vdp *v, const char *sql, sqlite3_stmt **s)
{
	return sqlite3_prepare_v2(v->db, sql, -1, s, NULL) == SQLITE_OK ? 0 : seterr(v, -EIO, "preparing");
}

/* One integer of a one-row query; -ENOENT with no row. */
static int query_int(struct vdp *v, const char *sql, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc = prep(v, sql, &s);
	if (rc == 0) {
		int step = sqlite3_step(s);
		rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? -ENOENT : seterr(v, -EIO, "reading");
		if (rc == 0)
			*out = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return rc;
}

static int table_exists(struct vdp *v, const char *name, int64_t *n)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
	         name);
	return query_int(v, sql, n);
}

/* Refuses a file that is not a vitals database, or program tables newer than this code. */
static int check_file(struct vdp *v)
{
	int64_t n = 0, ver = 0;
	int rc = table_exists(v, "schema_version", &n);
	if (rc == 0 && n == 0) {
		snprintf(v->err, sizeof v->err, "not a vitals database (no schema_version table)");
		return -EINVAL;
	}
	if (rc == 0)
		rc = table_exists(v, "vdp_schema_version", &n);
	if (rc == 0 && n > 0)
		rc = query_int(v, "SELECT coalesce(max(version), 0) FROM vdp_schema_version", &ver);
	if (rc == 0 && ver > VDP_SCHEMA_VERSION) {
		snprintf(v->err, sizeof v->err, "the program tables are of a newer version (%lld)",
		         (long long)ver);
		return -EINVAL;
	}
	return rc;
}

static int create(struct vdp *v)
{
	int64_t ver = 0;
	int rc = exec(v, "BEGIN IMMEDIATE", "starting a transaction");
	if (rc == 0)
		rc = exec(v, schema, "creating the program tables");
	if (rc == 0)
		rc = query_int(v, "SELECT count(*) FROM vdp_schema_version", &ver);
	if (rc == 0 && ver == 0)
		rc = exec(v, "INSERT INTO vdp_schema_version(version) VALUES(1)", "writing the version");
	if (rc == 0)
		rc = exec(v, "COMMIT", "committing the program tables");
	if (rc < 0)
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int vdp_open(const char *path, struct vdp **out, char *err, size_t errlen)
{
	struct vdp *v = calloc(1, sizeof *v);
	int rc;
	if (v == NULL)
		return -ENOMEM;
	rc = sqlite3_open_v2(path, &v->db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK ? 0
	                                                                             : seterr(v, -EIO, path);
	if (rc == 0)
		sqlite3_busy_timeout(v->db, BUSY_TIMEOUT_MS);
	/* A receipt promises the report is on disk: FULL syncs the WAL at every commit. */
	if (rc == 0)
		rc =
		    exec(v, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
		         "setting up the connection");
	if (rc == 0)
		rc = check_file(v);
	if (rc == 0)
		rc = create(v);
	if (rc < 0) {
		snprintf(err, errlen, "%s", v->err);
		vdp_close(v);
		return rc;
	}
	*out = v;
	return 0;
}

struct vdp *vdp_close(struct vdp *v)
{
	if (v != NULL) {
		sqlite3_close(v->db);
		free(v);
	}
	return NULL;
}

const char *vdp_error(const struct vdp *v)
{
	return v && v->err[0] ? v->err : "no error";
}

int vdp_program_get(struct vdp *v, const char *org_id, struct vdp_program *out)
{
	sqlite3_stmt *s = NULL;
	int rc =
	    prep(v, "SELECT ack_days, triage_days, resolve_days, created FROM programs WHERE org_id = ?", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, org_id, -1, SQLITE_STATIC);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*out = (struct vdp_program){sqlite3_column_int(s, 0), sqlite3_column_int(s, 1),
		                            sqlite3_column_int(s, 2), sqlite3_column_int64(s, 3)};
	else if (step == SQLITE_DONE)
		*out = (struct vdp_program){3, 10, 90, 0};
	else
		rc = seterr(v, -EIO, "reading a program");
	sqlite3_finalize(s);
	return rc;
}

static void bind_blob(sqlite3_stmt *s, int i, struct vdp_blob b)
{
	if (b.n == 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_blob64(s, i, b.p, b.n, SQLITE_STATIC);
}

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
	if (t == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
}

/* Runs a prepared write to its end; the statement is finalized. */
static int run(struct vdp *v, sqlite3_stmt *s, const char *what)
{
	int step = sqlite3_step(s);
	int rc = step == SQLITE_DONE         ? 0
	         : step == SQLITE_CONSTRAINT ? seterr(v, -EEXIST, what)
	                                     : seterr(v, -EIO, what);
	sqlite3_finalize(s);
	return rc;
}

static int add_program(struct vdp *v, const char *org_id, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc = prep(v,
	              "INSERT OR IGNORE INTO programs(org_id, ack_days, triage_days, resolve_days, created)"
	              " VALUES(?, 3, 10, 90, ?)",
	              &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	return run(v, s, "storing the program");
}

static int add_report_row(struct vdp *v, const struct vdp_report *r)
{
	sqlite3_stmt *s = NULL;
	int rc = prep(v,
	              "INSERT INTO reports(id, org_id, asset, state, severity, created, title, description,"
	              " steps, impact, contact, cvss, token_hash) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
	              &s);
	if (rc < 0)
		return rc;
	bind_text(s, 1, r->id);
	bind_text(s, 2, r->org_id);
	bind_text(s, 3, r->asset);
	bind_text(s, 4, r->state);
	bind_text(s, 5, r->severity);
	sqlite3_bind_int64(s, 6, r->created);
	bind_blob(s, 7, r->title);
	bind_blob(s, 8, r->description);
	bind_blob(s, 9, r->steps);
	bind_blob(s, 10, r->impact);
	bind_blob(s, 11, r->contact);
	bind_text(s, 12, r->cvss);
	sqlite3_bind_blob(s, 13, r->token_hash, 32, SQLITE_STATIC);
	return run(v, s, "storing the report");
}

static int add_attachment(struct vdp *v, const char *report_id, const struct vdp_attachment *a)
{
	sqlite3_stmt *s = NULL;
	int rc = prep(v,
	              "INSERT INTO attachments(id, report_id, name, data, size, content_type)"
	              " VALUES(?,?,?,?,?,?)",
	              &s);
	if (rc < 0)
		return rc;
	bind_text(s, 1, a->id);
	bind_text(s, 2, report_id);
	sqlite3_bind_blob64(s, 3, a->name.p, a->name.n, SQLITE_STATIC);
	sqlite3_bind_blob64(s, 4, a->data.p ? a->data.p : (const unsigned char *)"", a->data.n,
	                    SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, a->size);
	bind_text(s, 6, a->content_type);
	return run(v, s, "storing an attachment");
}

static int audit(struct vdp *v, int64_t now, const char *actor, const char *report_id, const char *action,
                 const char *old, const char *new_value)
{
	sqlite3_stmt *s = NULL;
	int rc =
	    prep(v, "INSERT INTO audit(time, actor, report_id, action, old, new) VALUES(?,?,?,?,?,?)", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, now);
	bind_text(s, 2, actor);
	bind_text(s, 3, report_id);
	bind_text(s, 4, action);
	bind_text(s, 5, old);
	bind_text(s, 6, new_value);
	return run(v, s, "writing the audit log");
}

/* Ends a transaction: COMMIT when rc is 0 (its failure is the caller's failure), else ROLLBACK. */
static int finish(struct vdp *v, int rc)
{
	if (rc == 0)
		rc = exec(v, "COMMIT", "committing");
	if (rc < 0)
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int vdp_report_add(struct vdp *v, const struct vdp_report *r, const struct vdp_attachment *a, size_t na)
{
	int rc = exec(v, "BEGIN IMMEDIATE", "starting a transaction");
	if (rc < 0)
		return rc;
	rc = add_program(v, r->org_id, r->created);
	if (rc == 0)
		rc = add_report_row(v, r);
	for (size_t i = 0; i < na && rc == 0; i++)
		rc = add_attachment(v, r->id, &a[i]);
	if (rc == 0)
		rc = audit(v, r->created, "reporter", r->id, "submitted", NULL, r->state);
	return finish(v, rc);
}

static struct vdp_blob col_blob(sqlite3_stmt *s, int i)
{
	return (struct vdp_blob){sqlite3_column_blob(s, i), (size_t)sqlite3_column_bytes(s, i)};
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static void read_report(sqlite3_stmt *s, struct vdp_report *r)
{
	*r = (struct vdp_report){.id = col_text(s, 0),
	                         .org_id = col_text(s, 1),
	                         .asset = col_text(s, 2),
	                         .state = col_text(s, 3),
	                         .severity = col_text(s, 4),
	                         .created = sqlite3_column_int64(s, 5),
	                         .acknowledged = sqlite3_column_int64(s, 6),
	                         .triaged = sqlite3_column_int64(s, 7),
	                         .resolved = sqlite3_column_int64(s, 8),
	                         .title = col_blob(s, 9),
	                         .description = col_blob(s, 10),
	                         .steps = col_blob(s, 11),
	                         .impact = col_blob(s, 12),
	                         .contact = col_blob(s, 13),
	                         .cvss = col_text(s, 14),
	                         .token_hash = sqlite3_column_blob(s, 15)};
}

int vdp_report_by_token(struct vdp *v, const unsigned char hash[32],
                        int (*cb)(const struct vdp_report *r, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct vdp_report r;
	int rc = prep(v,
	              "SELECT id, org_id, asset, state, severity, created, acknowledged, triaged, resolved,"
	              " title, description, steps, impact, contact, cvss, token_hash FROM reports"
	              " WHERE token_hash = ?",
	              &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		read_report(s, &r);
		rc = r.token_hash && sqlite3_column_bytes(s, 15) == 32 ? cb(&r, arg) : -ENOENT;
	} else {
		rc = step == SQLITE_DONE ? -ENOENT : seterr(v, -EIO, "reading a report");
	}
	sqlite3_finalize(s);
	return rc;
}

int vdp_messages(struct vdp *v, const char *report_id, int (*cb)(const struct vdp_message *m, void *arg),
                 void *arg)
{
	sqlite3_stmt *s = NULL;
	int rc = prep(v,
	              "SELECT id, author, body, created FROM messages WHERE report_id = ?"
	              " ORDER BY created, rowid",
	              &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, report_id, -1, SQLITE_STATIC);
	int step;
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct vdp_message m = {col_text(s, 0), col_text(s, 1), col_blob(s, 2),
		                        sqlite3_column_int64(s, 3)};
		rc = cb(&m, arg);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = seterr(v, -EIO, "reading messages");
	sqlite3_finalize(s);
	return rc;
}

int vdp_attachments(struct vdp *v, const char *report_id,
                    int (*cb)(const struct vdp_attachment *a, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	int rc = prep(
	    v, "SELECT id, name, size, content_type FROM attachments WHERE report_id = ? ORDER BY rowid", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, report_id, -1, SQLITE_STATIC);
	int step;
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct vdp_attachment a = {
		    col_text(s, 0), col_blob(s, 1), {NULL, 0}, sqlite3_column_int64(s, 2), col_text(s, 3)};
		rc = cb(&a, arg);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = seterr(v, -EIO, "reading attachments");
	sqlite3_finalize(s);
	return rc;
}

int vdp_message_add(struct vdp *v, const char *report_id, const struct vdp_message *m)
{
	sqlite3_stmt *s = NULL;
	int rc = exec(v, "BEGIN IMMEDIATE", "starting a transaction");
	if (rc < 0)
		return rc;
	rc = prep(v, "INSERT INTO messages(id, report_id, author, body, created) VALUES(?,?,?,?,?)", &s);
	if (rc == 0) {
		bind_text(s, 1, m->id);
		bind_text(s, 2, report_id);
		bind_text(s, 3, m->author);
		sqlite3_bind_blob64(s, 4, m->body.p, m->body.n, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, m->created);
		rc = run(v, s, "storing the message");
	}
	if (rc == 0)
		rc = audit(v, m->created, m->author, report_id, "message", NULL, m->id);
	return finish(v, rc);
}

/* ---- staff accounts ---- */

int vdp_user_add(struct vdp *v, const struct vdp_user *u, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc = exec(v, "BEGIN IMMEDIATE", "starting a transaction");
	if (rc < 0)
		return rc;
	rc = prep(v, "INSERT INTO users(login, org_id, role, pwhash, disabled) VALUES(?,?,?,?,0)", &s);
	if (rc == 0) {
		bind_text(s, 1, u->login);
		bind_text(s, 2, u->org_id);
		bind_text(s, 3, u->role);
		bind_text(s, 4, u->pwhash);
		rc = run(v, s, "adding the account");
	}
	if (rc == 0)
		rc = audit(v, now, "cli", NULL, "user added", NULL, u->login);
	return finish(v, rc);
}

/* One account's row changed (and its sessions ended), audited; -ENOENT when no such login. */
static int user_change(struct vdp *v, const char *login, const char *sql, const char *pwhash,
                       const char *action, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc = exec(v, "BEGIN IMMEDIATE", "starting a transaction");
	if (rc < 0)
		return rc;
	rc = prep(v, sql, &s);
	if (rc == 0) {
		bind_text(s, 1, login);
		if (pwhash != NULL)
			bind_text(s, 2, pwhash);
		rc = run(v, s, action);
	}
	if (rc == 0 && sqlite3_changes(v->db) == 0)
		rc = seterr(v, -ENOENT, "no account has this login");
	if (rc == 0)
		rc = prep(v, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE login = ?)",
		          &s);
	if (rc == 0) {
		bind_text(s, 1, login);
		rc = run(v, s, "ending its sessions");
	}
	if (rc == 0)
		rc = audit(v, now, "cli", NULL, action, NULL, login);
	return finish(v, rc);
}

int vdp_user_passwd(struct vdp *v, const char *login, const char *pwhash, int64_t now)
{
	return user_change(v, login, "UPDATE users SET pwhash = ?2 WHERE login = ?1", pwhash,
	                   "password changed", now);
}

int vdp_user_disable(struct vdp *v, const char *login, int64_t now)
{
	return user_change(v, login, "UPDATE users SET disabled = 1 WHERE login = ?1", NULL, "user disabled",
	                   now);
}

int vdp_users(struct vdp *v, int (*cb)(const struct vdp_user *u, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	int rc = prep(v, "SELECT login, org_id, role, disabled FROM users ORDER BY login", &s),
	    step = SQLITE_DONE;
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct vdp_user u = {.login = col_text(s, 0),
		                     .org_id = col_text(s, 1),
		                     .role = col_text(s, 2),
		                     .disabled = sqlite3_column_int(s, 3)};
		rc = cb(&u, arg);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = seterr(v, -EIO, "reading the accounts");
	sqlite3_finalize(s);
	return rc;
}
