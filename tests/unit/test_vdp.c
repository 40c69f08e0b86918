/* Unit tests for the disclosure program's tables (src/store/vdp_sqlite.c). */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "tap.h"
#include "vdp.h"

static char dir[] = "/tmp/test_vdp.XXXXXX", path[300];

static int64_t count(const char *table)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char sql[128];
	int64_t n = -1;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static const unsigned char hash1[32] = {1, 2, 3}, hash2[32] = {4, 5, 6};

static struct vdp_report report(const char *id, const unsigned char *hash)
{
	static const unsigned char t[] = "sealed-title", d[] = "sealed-desc";
	return (struct vdp_report){.id = id,
	                           .org_id = "org001",
	                           .asset = "www.org001.test",
	                           .state = "new",
	                           .created = 1700000000,
	                           .title = {t, sizeof t},
	                           .description = {d, sizeof d},
	                           .steps = {d, sizeof d},
	                           .impact = {d, sizeof d},
	                           .token_hash = hash};
}

static int found(const struct vdp_report *r, void *arg)
{
	snprintf(arg, 64, "%s %s %s %zu", r->id, r->org_id, r->state, r->title.n);
	return 0;
}

static int att(const struct vdp_attachment *a, void *arg)
{
	*(int64_t *)arg += a->size;
	return 0;
}

static int msg(const struct vdp_message *m, void *arg)
{
	snprintf(arg, 64, "%s %s %.*s", m->id, m->author, (int)m->body.n, (const char *)m->body.p);
	return 0;
}

static void test_reports(struct vdp *v)
{
	static const unsigned char n1[] = "n1", d1[] = "bytes";
	struct vdp_attachment a[2] = {{"a1", {n1, 2}, {d1, 5}, 5, "text/plain"},
	                              {"a2", {n1, 2}, {d1, 5}, 7, "image/png"}};
	struct vdp_report r = report("rep1", hash1);
	char got[64] = "";
	int64_t sum = 0;
	is_int(vdp_report_add(v, &r, a, 2), 0, "report: stored with two attachments");
	is_int(count("reports"), 1, "report: one row");
	is_int(count("attachments"), 2, "report: two attachment rows");
	is_int(count("programs"), 1, "report: the program row made");
	is_int(count("audit"), 1, "report: audited");
	is_int(vdp_report_by_token(v, hash1, found, got), 0, "report: found by its token hash");
	is_str(got, "rep1 org001 new 13", "report: its fields");
	is_int(vdp_report_by_token(v, hash2, found, got), -ENOENT, "report: another hash finds nothing");
	is_int(vdp_attachments(v, "rep1", att, &sum), 0, "report: attachments listed");
	is_int(sum, 12, "report: their sizes");
	/* The same id again: the attachments of the refused report must not stay behind. */
	struct vdp_report dup = report("rep1", hash2);
	struct vdp_attachment b = {"a3", {n1, 2}, {d1, 5}, 5, "text/plain"};
	is_int(vdp_report_add(v, &dup, &b, 1), -EEXIST, "report: a taken id refused");
	is_int(count("attachments"), 2, "report: nothing of the refused report stored");
	is_int(count("audit"), 1, "report: nor audited");
	struct vdp_message m = {"m1", "reporter", {(const unsigned char *)"hi", 2}, 1700000100};
	is_int(vdp_message_add(v, "rep1", &m), 0, "message: stored");
	is_int(vdp_messages(v, "rep1", msg, got), 0, "message: listed");
	is_str(got, "m1 reporter hi", "message: its fields");
	is_int(vdp_message_add(v, "nosuch", &(struct vdp_message){"m2", "reporter", {n1, 2}, 1}), -EEXIST,
	       "message: to no report refused");
	struct vdp_program p;
	is_int(vdp_program_get(v, "org001", &p), 0, "program: read");
	is_int(p.ack_days * 10000 + p.triage_days * 100 + p.resolve_days, 31090,
	       "program: 3, 10 and 90 days");
	is_int(p.created, 1700000000, "program: made with the first report");
}

static int collect(const struct vdp_user *u, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s:%s:%s:%d%s;", u->login, u->role, u->org_id ? u->org_id : "-",
	         u->disabled, u->pwhash ? ":HASH" : "");
	return 0;
}

static void test_users(struct vdp *v)
{
	char seen[256] = "";
	struct vdp_user admin = {.login = "alice", .role = "admin", .pwhash = "$argon2id$v=19$fake1"};
	struct vdp_user staff = {
	    .login = "carol", .org_id = "org001", .role = "staff", .pwhash = "$argon2id$fake2"};
	is_int(vdp_user_add(v, &admin, 1700000100), 0, "users: an admin added");
	is_int(vdp_user_add(v, &staff, 1700000101), 0, "users: a staff account added");
	is_int(vdp_user_add(v, &admin, 1700000102), -EEXIST, "users: a login taken");
	is_int(vdp_users(v, collect, seen), 0, "users: listed");
	is_str(seen, "alice:admin:-:0;carol:staff:org001:0;", "users: by login, never the hash");
	sqlite3 *db = NULL;
	sqlite3_open(path, &db);
	sqlite3_exec(db,
	             "INSERT INTO sessions(token_hash, user_id, csrf_secret, expires) "
	             "SELECT x'01', id, x'02', 1 FROM users WHERE login = 'carol'",
	             NULL, NULL, NULL);
	sqlite3_close(db);
	is_int(count("sessions"), 1, "users: a session of carol's");
	is_int(vdp_user_passwd(v, "carol", "$argon2id$fake3", 1700000103), 0, "users: password changed");
	is_int(count("sessions"), 0, "users: ... which ended her session");
	is_int(vdp_user_passwd(v, "dave", "$argon2id$fake3", 1700000104), -ENOENT, "users: no such login");
	is_int(vdp_user_disable(v, "carol", 1700000105), 0, "users: disabled");
	seen[0] = '\0';
	vdp_users(v, collect, seen);
	is_str(seen, "alice:admin:-:0;carol:staff:org001:1;", "users: carol disabled");
	is_int(vdp_user_disable(v, "dave", 1700000106), -ENOENT, "users: disabling no such login");
	is_int(count("audit WHERE actor = 'cli'"), 4,
	       "users: each change audited (2 added, passwd, disable)");
}

int main(void)
{
	struct store *st = NULL;
	struct vdp *v = NULL;
	char err[256];
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/x.db", dir);
	FILE *f = fopen(path, "w");
	fputs("not sqlite", f);
	fclose(f);
	ok(vdp_open(path, &v, err, sizeof err) < 0, "open: a file that is not SQLite refused");
	unlink(path);
	sqlite3 *db = NULL;
	sqlite3_open(path, &db);
	sqlite3_exec(db, "CREATE TABLE other(x)", NULL, NULL, NULL);
	sqlite3_close(db);
	is_int(vdp_open(path, &v, err, sizeof err), -EINVAL, "open: another program's database refused");
	is_str(err, "not a vitals database (no schema_version table)", "open: says why");
	unlink(path);
	if (store_open(path, &st) < 0)
		return 1;
	is_int(vdp_open(path, &v, err, sizeof err), 0, "open: a vitals database");
	test_reports(v);
	test_users(v);
	vdp_close(v);
	is_int(vdp_open(path, &v, err, sizeof err), 0, "open: again, the tables already there");
	is_int(count("vdp_schema_version"), 1, "open: one version row");
	vdp_close(v);
	store_close(st);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
