/*
 * `vitals user add|passwd|disable|list`: the staff accounts of `vitals serve`, kept in the
 * program tables of the scan database (store/vdp.h). An account is a sector administrator
 * (`--role admin`, every organization) or the staff of one organization of the scans
 * (`--role staff --org ORG_ID`). Passwords are read from standard input (one line; on a
 * terminal without echo), checked against the policy (vdp_auth.h: 12 to 128 bytes, not the
 * login) and kept only as an argon2id hash; no command ever prints one. Changing a password
 * or disabling an account ends its sessions. Every change is in the audit log.
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "store.h"
#include "vdp.h"
#include "vdp_auth.h"

#define LOGIN_MAX 64

static const char user_usage[] =
    "usage: vitals user add --db FILE --role admin LOGIN\n"
    "       vitals user add --db FILE --role staff --org ORG_ID LOGIN\n"
    "       vitals user passwd --db FILE LOGIN\n"
    "       vitals user disable --db FILE LOGIN\n"
    "       vitals user list --db FILE\n"
    "The staff accounts of `vitals serve`. add and passwd read the password from standard input\n"
    "(one line; on a terminal it is asked for without echo): 12 to 128 bytes, not the login.\n"
    "  --db FILE       the scan database the server runs on (default: vitals.db)\n"
    "  --role ROLE     admin: the whole sector; staff: one organization (with --org)\n"
    "  --org ORG_ID    the organization a staff account sees (an org_id of the scans)\n";

enum { OPT_DB = 256, OPT_ROLE, OPT_ORG };

static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"role", required_argument, NULL, OPT_ROLE},
    {"org", required_argument, NULL, OPT_ORG},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct user_opts {
	const char *action, *db, *role, *org, *login;
	int help;
};

/* A login: 1 to 64 of [a-z0-9._@-], so it is the same however a page or a log shows it. */
static int login_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > LOGIN_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._@-") == n;
}

/* One line of standard input, without its newline; on a terminal, asked without echo. */
static int read_password(char *buf, size_t len)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fputs("password: ", stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *got = fgets(buf, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (got == NULL)
		return -ENODATA;
	size_t n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1) /* longer than any allowed password */
		return -E2BIG;
	buf[n] = '\0';
	return 0;
}

/* The password of `login`, checked and hashed into hash[VDP_PWHASH_LEN]. Exit code. */
static int new_hash(const char *login, char *hash)
{
	char pw[VDP_PW_MAX + 2], why[200];
	int rc = read_password(pw, sizeof pw), ex = EXIT_INPUT;
	if (rc == -ENODATA)
		log_error("user: no password on standard input");
	else if (rc == -E2BIG)
		log_error("user: the password is longer than %d bytes", VDP_PW_MAX);
	else if (vdp_pw_policy(login, pw, why, sizeof why) < 0)
		log_error("user: %s", why);
	else if (vdp_pw_hash(pw, hash, VDP_PWHASH_LEN) < 0)
		log_error("user: cannot hash the password (out of memory?)"), ex = EXIT_INTERNAL;
	else
		ex = EXIT_OK;
	sodium_memzero(pw, sizeof pw);
	return ex;
}

/* Whether `org` is an organization of the latest scan of the database. Exit code. */
static int org_known(const char *db, const char *org)
{
	struct store *st = NULL;
	int64_t scan = 0;
	json_t *ids = NULL, *v;
	size_t i;
	int ex = cmd_open_db("user", db, 0, &st), found = 0;
	if (ex != EXIT_OK)
		return ex;
	if (store_latest_scan(st, &scan) == 0 && store_scan_orgs(st, scan, &ids) == 0)
		json_array_foreach(ids, i, v) found |= strcmp(json_string_value(v), org) == 0;
	json_decref(ids);
	store_close(st);
	if (!found) {
		log_error("user: --org %s: no organization of the latest scan of %s has this id", org, db);
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

static int print_user(const struct vdp_user *u, void *arg)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\n", u->login, u->role, u->org_id ? u->org_id : "-",
	       u->disabled ? "disabled" : "active");
	return 0;
}

static int changed(int rc, const struct vdp *v, const char *login, const char *what)
{
	if (rc == 0) {
		log_info("user: %s: %s", login, what);
		return EXIT_OK;
	}
	if (rc == -EEXIST)
		log_error("user: an account named %s exists already", login);
	else if (rc == -ENOENT)
		log_error("user: no account is named %s", login);
	else
		log_error("user: %s", vdp_error(v));
	return rc == -EEXIST || rc == -ENOENT ? EXIT_INPUT : EXIT_IO;
}

static int add(struct vdp *v, const struct user_opts *o)
{
	char hash[VDP_PWHASH_LEN];
	int admin = o->role && strcmp(o->role, "admin") == 0,
	    staff = o->role && strcmp(o->role, "staff") == 0;
	if (!admin && !staff) {
		log_error("user: add needs --role admin or --role staff");
		return EXIT_USAGE;
	}
	if (staff != (o->org != NULL)) {
		log_error(staff ? "user: a staff account needs --org ORG_ID"
		                : "user: an admin sees the whole sector: no --org");
		return EXIT_USAGE;
	}
	int ex = staff ? org_known(o->db, o->org) : EXIT_OK;
	if (ex == EXIT_OK)
		ex = new_hash(o->login, hash);
	if (ex != EXIT_OK)
		return ex;
	struct vdp_user u = {.login = o->login, .org_id = o->org, .role = o->role, .pwhash = hash};
	return changed(vdp_user_add(v, &u, time(NULL)), v, o->login, "added");
}

static int run(struct vdp *v, const struct user_opts *o)
{
	char hash[VDP_PWHASH_LEN];
	if (strcmp(o->action, "add") == 0)
		return add(v, o);
	if (strcmp(o->action, "passwd") == 0) {
		int ex = new_hash(o->login, hash);
		return ex != EXIT_OK ? ex
		                     : changed(vdp_user_passwd(v, o->login, hash, time(NULL)), v, o->login,
		                               "password changed, sessions ended");
	}
	if (strcmp(o->action, "disable") == 0)
		return changed(vdp_user_disable(v, o->login, time(NULL)), v, o->login,
		               "disabled, sessions ended");
	return vdp_users(v, print_user, NULL) == 0 ? EXIT_OK : (log_error("user: %s", vdp_error(v)), EXIT_IO);
}

static int parse(int argc, char **argv, struct user_opts *o)
{
	int c;
	optind = 0; /* GNU: start afresh at argv[1] */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == OPT_DB)
			o->db = optarg;
		else if (c == OPT_ROLE)
			o->role = optarg;
		else if (c == OPT_ORG)
			o->org = optarg;
		else if (c == 'h')
			o->help = 1;
		else {
			log_error(c == ':' ? "user: option %s needs a value"
			                   : "user: unknown option %s (see vitals user --help)",
			          argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (o->help)
		return 0;
	static const char *const actions[] = {"add", "passwd", "disable", "list"};
	int known = 0, list;
	o->action = optind < argc ? argv[optind++] : "";
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		known |= strcmp(o->action, actions[i]) == 0;
	if (!known) {
		log_error("user: expected add, passwd, disable or list, not '%s'", o->action);
		return -EINVAL;
	}
	list = strcmp(o->action, "list") == 0;
	o->login = optind < argc ? argv[optind++] : NULL;
	if (list != (o->login == NULL) || optind < argc) {
		log_error(list ? "user: list takes no login" : "user: %s needs one LOGIN", o->action);
		return -EINVAL;
	}
	if (o->login != NULL && !login_ok(o->login)) {
		log_error("user: login '%s': 1 to %d of a-z 0-9 . _ @ -", o->login, LOGIN_MAX);
		return -EINVAL;
	}
	if ((o->role || o->org) && strcmp(o->action, "add") != 0) {
		log_error("user: --role and --org are for add");
		return -EINVAL;
	}
	return 0;
}

int cmd_user(int argc, char **argv)
{
	struct user_opts o = {.db = "vitals.db"};
	char err[256];
	struct vdp *v = NULL;
	if (parse(argc, argv, &o) < 0) {
		fputs(user_usage, stderr);
		return EXIT_USAGE;
	}
	if (o.help) {
		fputs(user_usage, stdout);
		return EXIT_OK;
	}
	if (sodium_init() < 0) {
		log_error("user: libsodium could not start");
		return EXIT_INTERNAL;
	}
	if (vdp_open(o.db, &v, err, sizeof err) < 0) {
		log_error("user: %s: %s", o.db, err);
		return EXIT_INPUT;
	}
	int ex = run(v, &o);
	vdp_close(v);
	return ex;
}
