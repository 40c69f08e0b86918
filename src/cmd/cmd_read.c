/* The reading commands: `vitals show`, `vitals report` and `vitals rescore`. */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cohort.h"
#include "grade.h"
#include "log.h"
#include "outfile.h"
#include "method.h"
#include "report.h"
#include "show.h"
#include "store.h"
#include "tally.h"

#define DEFAULT_DB     "vitals.db"
#define DEFAULT_REPORT "report.html"

/* Option codes without a short letter. */
enum {
	OPT_DB = 256,
	OPT_SCAN,
	OPT_METHOD,
	OPT_COLOR,
	OPT_NO_COLOR,
	OPT_COHORT,
};

/* The options of the reading commands; each command accepts its own subset. */
struct read_opts {
	const char *cmd;    /* the subcommand, for messages */
	const char *db;     /* --db FILE */
	int64_t scan;       /* --scan ID; 0: the latest (show, report) */
	int method;         /* --method N; 0: the default of the command */
	int color;          /* show: 1 --color, 0 --no-color, -1 decide from the terminal */
	const char *output; /* report: -o FILE, "-" for standard output */
	const char *org;    /* show: the ORG_ID operand */
	const char *cohort; /* show, report: --cohort SPEC as given */
	struct cohort coh;  /* show, report: --cohort SPEC parsed */
	int help;           /* -h/--help was given */
	int writes;         /* rescore: the command writes to the database */
};

int cmd_cohort_option(const char *cmd, const char *spec, struct cohort *out)
{
	if (cohort_parse(spec, out) == 0)
		return 0;
	log_error("%s: invalid --cohort '%s' (KEY=VALUE or WORD, under %d bytes)", cmd, spec,
	          COHORT_TEXT_MAX);
	return -EINVAL;
}

static const char show_usage[] =
    "usage: vitals show ORG_ID [--scan ID] [--method N] [--color|--no-color] [--db FILE]\n"
    "       vitals show --cohort SPEC [--scan ID] [--method N] [--db FILE]\n"
    "Prints one organization's scorecard: grades, every failing check with the points it\n"
    "cost and its evidence, and what could not be determined. With --cohort, a line per\n"
    "organization of the cohort and the cohort's summary.\n"
    "  --cohort SPEC KEY=VALUE (a tag's value) or WORD (a tag's name or value), any case\n"
    "  --scan ID     the scan to read (default: the latest)\n"
    "  --method N    the methodology version of the scores (default: the scan's own)\n"
    "  --color       colour the output; --no-color: never (default: when stdout is a terminal)\n"
    "  --db FILE     the database (default: " DEFAULT_DB ")\n";

static const char report_usage[] =
    "usage: vitals report [--scan ID] [--method N] [--cohort SPEC] [-o FILE] [--db FILE]\n"
    "Writes the sector report of a scan as one self-contained HTML file.\n"
    "  --cohort SPEC only the organizations of a cohort: KEY=VALUE or WORD\n"
    "  --scan ID     the scan to report (default: the latest)\n"
    "  --method N    the methodology version of the scores (default: the scan's own)\n"
    "  -o FILE       where to write it (default: " DEFAULT_REPORT "; - for standard output)\n"
    "  --db FILE     the database (default: " DEFAULT_DB ")\n";

static const char rescore_usage[] =
    "usage: vitals rescore --scan ID [--method vN|N] [--db FILE]\n"
    "Re-grades every organization of a stored scan from its stored findings, without the\n"
    "network, and stores the scores under that method. Prints, per organization, its grade\n"
    "under the scan's own method and its new grade.\n"
    "  --scan ID     the scan to rescore (required)\n"
    "  --method vN   the methodology version (default: the current one)\n"
    "  --db FILE     the database (default: " DEFAULT_DB ")\n";

static const struct option show_longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"scan", required_argument, NULL, OPT_SCAN},
    {"method", required_argument, NULL, OPT_METHOD},
    {"color", no_argument, NULL, OPT_COLOR},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"cohort", required_argument, NULL, OPT_COHORT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct option report_longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"scan", required_argument, NULL, OPT_SCAN},
    {"method", required_argument, NULL, OPT_METHOD},
    {"output", required_argument, NULL, 'o'},
    {"cohort", required_argument, NULL, OPT_COHORT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct option rescore_longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"scan", required_argument, NULL, OPT_SCAN},
    {"method", required_argument, NULL, OPT_METHOD},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* ---- parsing ---- */

int cmd_scan_id_option(const char *cmd, const char *opt, const char *value, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	if (errno == 0 && end != value && *end == '\0' && v > 0) {
		*out = v;
		return 0;
	}
	log_error("%s: invalid %s value '%s' (a scan id is a positive number)", cmd, opt, value);
	return -EINVAL;
}

int cmd_method_option(const char *cmd, const char *value, int *out)
{
	char *end;
	const char *p = (value[0] == 'v' || value[0] == 'V') ? value + 1 : value;
	int newest = method_current()->version;
	errno = 0;
	long v = strtol(p, &end, 10);
	if (errno == 0 && end != p && *end == '\0' && v > 0 && v <= 1000 && method_get((int)v) != NULL) {
		*out = (int)v;
		return 0;
	}
	if (newest == 1)
		log_error("%s: unknown method %s (this vitals knows v1)", cmd, value);
	else
		log_error("%s: unknown method %s (this vitals knows v1 to v%d)", cmd, value, newest);
	return -EINVAL;
}

/* Handles one option returned by getopt_long; -EINVAL after logging on a bad one. */
static int take_option(struct read_opts *o, int c, char **argv)
{
	switch (c) {
	case OPT_DB:
		o->db = optarg;
		return 0;
	case OPT_SCAN:
		return cmd_scan_id_option(o->cmd, "--scan", optarg, &o->scan);
	case OPT_METHOD:
		return cmd_method_option(o->cmd, optarg, &o->method);
	case OPT_COLOR:
	case OPT_NO_COLOR:
		o->color = c == OPT_COLOR;
		return 0;
	case OPT_COHORT:
		if (cmd_cohort_option(o->cmd, optarg, &o->coh) < 0)
			return -EINVAL;
		o->cohort = optarg;
		return 0;
	case 'o':
		o->output = optarg;
		return 0;
	case 'h':
		o->help = 1;
		return 0;
	case ':':
		log_error("%s: option %s needs a value", o->cmd, argv[optind - 1]);
		return -EINVAL;
	default:
		log_error("%s: unknown option %s (see vitals %s --help)", o->cmd, argv[optind - 1], o->cmd);
		return -EINVAL;
	}
}

/* Parses argv into `o`; operands are left in argv[optind..]. Returns 0 or -EINVAL (logged). */
static int parse_opts(int argc, char **argv, const char *shortopts, const struct option *longopts,
                      struct read_opts *o)
{
	int c;
	*o = (struct read_opts){.cmd = argv[0],
	                        .db = DEFAULT_DB,
	                        .color = -1,
	                        .output = DEFAULT_REPORT,
	                        .writes = strcmp(argv[0], "rescore") == 0};
	optind = 0; /* GNU: start afresh, whatever parsed argv before */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
		if (take_option(o, c, argv) < 0)
			return -EINVAL;
	return 0;
}

/* ---- shared steps ---- */

static int exit_code(int rc)
{
	switch (rc) {
	case -ENOMEM:
		return EXIT_INTERNAL;
	case -ENOENT:
	case -EINVAL:
	case -ENODATA:
	case -ENOTSUP:
	case -ESRCH:
		return EXIT_INPUT;
	default:
		return EXIT_IO;
	}
}

int cmd_open_db(const char *cmd, const char *path, int writes, struct store **st)
{
	struct stat sb;
	if (stat(path, &sb) < 0) {
		log_error("%s: cannot open database %s: %s", cmd, path,
		          errno == ENOENT ? "no such file (vitals scan creates it)" : strerror(errno));
		return errno == ENOENT ? EXIT_INPUT : EXIT_IO;
	}
	int rc = writes ? store_open(path, st) : store_open_readonly(path, st);
	if (rc < 0) {
		log_error("%s: %s", cmd, store_error(NULL));
		return exit_code(rc);
	}
	return EXIT_OK;
}

/* The scan to read: --scan, checked to exist, or the latest. Logs and returns an exit code. */
static int resolve_scan(const struct read_opts *o, struct store *st, int64_t *scan, json_t **info)
{
	int rc = 0;
	*scan = o->scan;
	if (*scan == 0)
		rc = store_latest_scan(st, scan);
	if (rc == 0)
		rc = store_scan_info(st, *scan, info);
	if (rc < 0) {
		log_error("%s: %s", o->cmd, store_error(st));
		return exit_code(rc);
	}
	return EXIT_OK;
}

/* ---- show ---- */

static int use_color(int opt)
{
	const char *no = getenv("NO_COLOR");
	if (opt >= 0)
		return opt;
	return isatty(STDOUT_FILENO) && (no == NULL || no[0] == '\0');
}

static int show_run(const struct read_opts *o, struct store *st)
{
	int64_t scan;
	json_t *info = NULL, *org = NULL;
	int ex = resolve_scan(o, st, &scan, &info);
	if (ex != EXIT_OK)
		goto out;
	int rc = store_load_org(st, scan, o->org, o->method, &org);
	if (rc < 0) {
		log_error("show: %s", store_error(st));
		ex = exit_code(rc);
		goto out;
	}
	rc = show_org(stdout, org, use_color(o->color));
	if (rc < 0) {
		log_error("show: cannot write the scorecard of %s: %s", o->org, strerror(-rc));
		ex = exit_code(rc);
	}
out:
	json_decref(org);
	json_decref(info);
	return ex;
}

/* One organization of the scan: its line when it is in the cohort. */
static int show_member(const struct read_opts *o, struct store *st, int64_t scan, const char *id,
                       struct tally *t)
{
	json_t *org = NULL;
	struct tally_org to;
	int rc = store_load_org(st, scan, id, t->m->version, &org);
	if (rc < 0)
		log_error("show: %s", store_error(st));
	else if (!cohort_match(&o->coh, json_object_get(org, "tags")))
		rc = 0;
	else if ((rc = tally_org_read(t->m, org, json_object_get(org, "scores"), &to)) < 0)
		log_error("show: %s has no scores under method v%d in scan %lld (run: vitals rescore --scan "
		          "%lld --method %d)",
		          id, t->m->version, (long long)scan, (long long)scan, t->m->version);
	else if ((rc = show_cohort_line(stdout, t->m, org, &to)) == 0)
		tally_add(t, &to);
	json_decref(org);
	return rc;
}

static int show_cohort_run(const struct read_opts *o, struct store *st)
{
	int64_t scan;
	json_t *info = NULL, *ids = NULL, *id;
	struct tally t;
	size_t i;
	int rc = 0, ex = resolve_scan(o, st, &scan, &info);
	if (ex != EXIT_OK)
		goto out;
	tally_init(
	    &t, method_get(o->method ? o->method : (int)json_integer_value(json_object_get(info, "method"))));
	if (t.m == NULL || (rc = store_scan_orgs(st, scan, &ids)) < 0) {
		log_error("show: %s", t.m ? store_error(st) : "the scan's method is unknown to this vitals");
		ex = exit_code(t.m ? rc : -EINVAL);
		goto out;
	}
	json_array_foreach(ids, i, id)
	{
		if ((rc = show_member(o, st, scan, json_string_value(id), &t)) < 0)
			break;
	}
	if (rc == 0 && t.norgs == 0) {
		log_error("show: no organization of scan %lld is in cohort %s", (long long)scan, o->cohort);
		rc = -ESRCH;
	}
	if (rc == 0)
		rc = show_cohort_summary(stdout, o->cohort, (long long)scan, &t);
	if (rc == 0 && fflush(stdout) != 0)
		rc = -EIO;
	ex = rc < 0 ? exit_code(rc) : EXIT_OK;
out:
	json_decref(ids);
	json_decref(info);
	return ex;
}

int cmd_show(int argc, char **argv)
{
	struct read_opts o;
	struct store *st = NULL;
	if (parse_opts(argc, argv, ":h", show_longopts, &o) < 0)
		return EXIT_USAGE;
	if (o.help) {
		fputs(show_usage, stdout);
		return EXIT_OK;
	}
	if (argc - optind != (o.cohort ? 0 : 1)) {
		log_error("show: %s (see vitals show --help)", o.cohort ? "ORG_ID or --cohort, not both"
		                                               : optind == argc ? "missing ORG_ID"
		                                                                : "one ORG_ID only");
		return EXIT_USAGE;
	}
	o.org = argv[optind];
	int ex = cmd_open_db(o.cmd, o.db, o.writes, &st);
	if (ex == EXIT_OK)
		ex = o.cohort ? show_cohort_run(&o, st) : show_run(&o, st);
	store_close(st);
	return ex;
}

/* ---- report ---- */

static int report_failed(struct store *st, int64_t scan, int method, int rc, const char *dest,
                         const char *cohort)
{
	if (rc == -ESRCH)
		log_error("report: no organization of scan %lld is in cohort %s", (long long)scan, cohort);
	else if (rc == -ENODATA)
		log_error("report: scan %lld has organizations without scores under method v%d "
		          "(run: vitals rescore --scan %lld --method %d)",
		          (long long)scan, method, (long long)scan, method);
	else if (rc == -EINVAL)
		log_error("report: scan %lld was graded under method v%d, which this vitals does not know",
		          (long long)scan, method);
	else if (rc == -EIO || rc == -ENOSPC)
		log_error("report: cannot write %s: %s", dest, strerror(-rc));
	else
		log_error("report: %s", store_error(st));
	return exit_code(rc);
}

/* What the report writer needs, and what it said (apart from the file's own errors). */
struct report_job {
	const struct read_opts *o;
	struct store *st;
	int64_t scan;
	int rc; /* report_write_cohort's */
};

static int report_fn(FILE *f, void *arg)
{
	struct report_job *j = arg;
	j->rc = report_write_cohort(f, j->st, j->scan, j->o->method, j->o->cohort ? &j->o->coh : NULL);
	return j->rc;
}

/* Through outfile.h: a failed report never leaves half a file, and /dev/null stays a device. */
static int report_to_file(const struct read_opts *o, struct store *st, int64_t scan, int method)
{
	struct report_job j = {.o = o, .st = st, .scan = scan, .rc = 0};
	int rc = outfile_write(o->output, report_fn, &j);
	if (j.rc < 0)
		return report_failed(st, scan, method, j.rc, o->output, o->cohort);
	if (rc == -ENOMEM) {
		log_error("report: out of memory");
		return EXIT_INTERNAL;
	}
	if (rc < 0) {
		log_error("report: cannot write %s: %s", o->output, strerror(-rc));
		return EXIT_IO;
	}
	return EXIT_OK;
}

static int report_to_stdout(const struct read_opts *o, struct store *st, int64_t scan, int method)
{
	int rc = report_write_cohort(stdout, st, scan, o->method, o->cohort ? &o->coh : NULL);
	if (rc == 0 && fflush(stdout) != 0)
		rc = -EIO;
	return rc < 0 ? report_failed(st, scan, method, rc, "standard output", o->cohort) : EXIT_OK;
}

static int report_run(const struct read_opts *o, struct store *st)
{
	int64_t scan;
	json_t *info = NULL;
	int ex = resolve_scan(o, st, &scan, &info);
	if (ex != EXIT_OK)
		return ex;
	int method = o->method ? o->method : (int)json_integer_value(json_object_get(info, "method"));
	int to_stdout = strcmp(o->output, "-") == 0;
	ex = to_stdout ? report_to_stdout(o, st, scan, method) : report_to_file(o, st, scan, method);
	if (ex == EXIT_OK)
		log_info("report of scan %lld (%lld organizations, method v%d) written to %s",
		         (long long)scan, (long long)json_integer_value(json_object_get(info, "orgs")),
		         method, to_stdout ? "standard output" : o->output);
	json_decref(info);
	return ex;
}

int cmd_report(int argc, char **argv)
{
	struct read_opts o;
	struct store *st = NULL;
	if (parse_opts(argc, argv, ":o:h", report_longopts, &o) < 0)
		return EXIT_USAGE;
	if (o.help) {
		fputs(report_usage, stdout);
		return EXIT_OK;
	}
	if (optind != argc) {
		log_error("report: unexpected argument %s (see vitals report --help)", argv[optind]);
		return EXIT_USAGE;
	}
	int ex = cmd_open_db(o.cmd, o.db, o.writes, &st);
	if (ex == EXIT_OK)
		ex = report_run(&o, st);
	store_close(st);
	return ex;
}

/* ---- rescore ---- */

/* The stored findings of an organization, parsed back into a findings list. */
static int findings_of(const json_t *org, struct findings *fs)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(org, "findings"), i, f)
	{
		int rc = finding_from_json(f, fs);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void print_change(const char *org_id, const json_t *old, const struct scorecard *sc)
{
	const char *old_grade = json_string_value(json_object_get(old, "grade"));
	if (sc->has_score)
		printf("%s %s -> %c (%d)\n", org_id, old_grade ? old_grade : "-", sc->grade, sc->score);
	else
		printf("%s %s -> - (no score)\n", org_id, old_grade ? old_grade : "-");
}

/* The new scorecard of one organization, stored under `m`. Logs and returns an exit code. */
static int regrade(struct store *st, int64_t scan, const char *org_id, const struct method *m,
                   const json_t *org, struct scorecard *sc)
{
	struct findings fs = {0};
	json_t *card = NULL;
	int ex = EXIT_INTERNAL;
	int rc = findings_of(org, &fs);
	if (rc == -EINVAL) {
		log_error("rescore: stored findings of %s in scan %lld are malformed", org_id,
		          (long long)scan);
		ex = EXIT_INPUT;
	} else if (rc < 0 || grade_findings(m, &fs, sc) < 0 ||
	           (card = scorecard_to_json(m, &fs, sc)) == NULL) {
		log_error("rescore: out of memory rescoring %s", org_id);
	} else if ((rc = store_replace_scores(st, scan, org_id, m->version, card)) < 0) {
		log_error("rescore: %s", store_error(st));
		ex = exit_code(rc);
	} else {
		ex = EXIT_OK;
	}
	json_decref(card);
	findings_clear(&fs);
	return ex;
}

/* Re-grades one organization and prints the change; *changed when its overall grade changed. */
static int rescore_org(struct store *st, int64_t scan, const char *org_id, const struct method *m,
                       int *changed)
{
	json_t *org = NULL;
	struct scorecard sc = {0};
	int rc = store_load_org(st, scan, org_id, 0, &org);
	if (rc < 0) {
		log_error("rescore: %s", store_error(st));
		return exit_code(rc);
	}
	int ex = regrade(st, scan, org_id, m, org, &sc);
	if (ex == EXIT_OK) {
		const json_t *old = json_object_get(org, "scores");
		const char *og = json_string_value(json_object_get(old, "grade"));
		*changed = (og ? og[0] : '-') != (sc.has_score ? sc.grade : '-');
		print_change(org_id, old, &sc);
	}
	scorecard_free(&sc);
	json_decref(org);
	return ex;
}

static int rescore_run(const struct read_opts *o, struct store *st, const struct method *m)
{
	int64_t scan;
	json_t *info = NULL, *ids = NULL, *id;
	size_t i, changed = 0;
	const char *status;
	int rc, ex = resolve_scan(o, st, &scan, &info);
	if (ex != EXIT_OK)
		goto out;
	rc = store_scan_orgs(st, scan, &ids);
	if (rc < 0) {
		log_error("rescore: %s", store_error(st));
		ex = exit_code(rc);
		goto out;
	}
	status = json_string_value(json_object_get(info, "status"));
	if (status != NULL && strcmp(status, "running") == 0)
		log_warn("rescore: scan %lld is still running; organizations stored later are not rescored",
		         (long long)scan);
	json_array_foreach(ids, i, id)
	{
		int ch = 0;
		ex = rescore_org(st, scan, json_string_value(id), m, &ch);
		if (ex != EXIT_OK)
			goto out;
		changed += (size_t)ch;
	}
	printf("rescored %zu organizations of scan %lld under method v%d: %zu changed grade "
	       "(compared with the scan's own method v%lld)\n",
	       json_array_size(ids), (long long)scan, m->version, changed,
	       (long long)json_integer_value(json_object_get(info, "method")));
	if (fflush(stdout) != 0) {
		log_error("rescore: cannot write to standard output");
		ex = EXIT_IO;
	}
out:
	json_decref(ids);
	json_decref(info);
	return ex;
}

int cmd_rescore(int argc, char **argv)
{
	struct read_opts o;
	struct store *st = NULL;
	if (parse_opts(argc, argv, ":h", rescore_longopts, &o) < 0)
		return EXIT_USAGE;
	if (o.help) {
		fputs(rescore_usage, stdout);
		return EXIT_OK;
	}
	if (optind != argc || o.scan == 0) {
		log_error("rescore: %s (see vitals rescore --help)",
		          o.scan == 0 ? "--scan ID is required" : "unexpected argument");
		return EXIT_USAGE;
	}
	const struct method *m = o.method ? method_get(o.method) : method_current();
	int ex = cmd_open_db(o.cmd, o.db, o.writes, &st);
	if (ex == EXIT_OK)
		ex = rescore_run(&o, st, m);
	store_close(st);
	return ex;
}
