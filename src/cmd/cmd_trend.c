/* `vitals trend`: the sector (or a cohort) over every complete scan of the same targets. */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cohort.h"
#include "log.h"
#include "outfile.h"
#include "store.h"
#include "trend.h"

/* Option codes without a short letter. */
enum { OPT_DB = 256, OPT_COHORT, OPT_CSV, OPT_TARGETS_OF };

struct trend_opts {
	const char *db;     /* --db FILE */
	const char *cohort; /* --cohort SPEC as given, or NULL */
	struct cohort coh;  /* parsed */
	const char *html;   /* -o FILE */
	const char *csv;    /* --csv FILE, or NULL */
	int64_t targets_of; /* --targets-of SCAN_ID; 0: the latest scan */
	int help;           /* -h/--help */
};

static const char trend_usage[] =
    "usage: vitals trend [--db FILE] [--cohort SPEC] [--targets-of SCAN_ID] [-o FILE] [--csv FILE]\n"
    "Per factor the mean score, and failing findings per organization, over every complete scan\n"
    "of the same targets (the same targets file content), oldest first, under the newest\n"
    "methodology version among them (scans graded otherwise are re-graded in memory).\n"
    "  --cohort SPEC       only a cohort's organizations: KEY=VALUE or WORD\n"
    "  --targets-of ID     the targets of this scan (default: those of the latest scan)\n"
    "  -o FILE             the HTML page with its line charts (default: trend.html; - for stdout)\n"
    "  --csv FILE          also the figures as CSV (- for standard output)\n"
    "  --db FILE           the database (default: vitals.db)\n";

static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"cohort", required_argument, NULL, OPT_COHORT},
    {"csv", required_argument, NULL, OPT_CSV},
    {"targets-of", required_argument, NULL, OPT_TARGETS_OF},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int take(struct trend_opts *o, int c, char **argv)
{
	switch (c) {
	case OPT_DB:
		o->db = optarg;
		return 0;
	case OPT_COHORT:
		o->cohort = optarg;
		return cmd_cohort_option("trend", optarg, &o->coh);
	case OPT_CSV:
		o->csv = optarg;
		return 0;
	case OPT_TARGETS_OF:
		return cmd_scan_id_option("trend", "--targets-of", optarg, &o->targets_of);
	case 'o':
		o->html = optarg;
		return 0;
	case 'h':
		o->help = 1;
		return 0;
	case ':':
		log_error("trend: option %s needs a value", argv[optind - 1]);
		return -EINVAL;
	default:
		log_error("trend: unknown option %s (see vitals trend --help)", argv[optind - 1]);
		return -EINVAL;
	}
}

static int parse(int argc, char **argv, struct trend_opts *o)
{
	int c;
	*o = (struct trend_opts){.db = "vitals.db", .html = "trend.html"};
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1)
		if (take(o, c, argv) < 0)
			return -EINVAL;
	if (optind != argc) {
		log_error("trend: unexpected argument %s (see vitals trend --help)", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

struct trend_job {
	const struct trend *t;
	int (*fn)(FILE *, const struct trend *);
};

static int trend_fn(FILE *f, void *arg)
{
	struct trend_job *j = arg;
	return j->fn(f, j->t);
}

/* Writes `path` (or stdout for "-") through outfile.h, so a failure leaves no half file. */
static int write_out(const char *path, const struct trend *t, int (*fn)(FILE *, const struct trend *))
{
	if (strcmp(path, "-") == 0)
		return fn(stdout, t) == 0 ? EXIT_OK
		                          : (log_error("trend: cannot write standard output"), EXIT_IO);
	struct trend_job j = {t, fn};
	int rc = outfile_write(path, trend_fn, &j);
	if (rc < 0)
		log_error("trend: cannot write %s: %s", path, strerror(-rc));
	return rc == -ENOMEM ? EXIT_INTERNAL : rc < 0 ? EXIT_IO : EXIT_OK;
}

static int load_failed(const struct trend_opts *o, struct store *st, int64_t ref, int rc)
{
	if (rc == -ESRCH)
		log_error("trend: no organization in the scans of these targets is in cohort %s", o->cohort);
	else if (rc == -EINVAL)
		log_error("trend: a scan of these targets has a method this vitals does not know, or "
		          "malformed findings");
	else if (rc == -ENOENT && ref > 0 && strstr(store_error(st), "no scan") == NULL)
		log_error("trend: scan %lld is not complete and no complete scan shares its targets",
		          (long long)ref);
	else
		log_error("trend: %s", store_error(st));
	return rc == -ENOMEM ? EXIT_INTERNAL : rc == -EIO ? EXIT_IO : EXIT_INPUT;
}

static int trend_run(const struct trend_opts *o, struct store *st)
{
	struct trend t = {0};
	int64_t ref = o->targets_of;
	int rc = ref ? 0 : store_latest_scan(st, &ref);
	if (rc == 0)
		rc = trend_load(st, ref, o->cohort ? &o->coh : NULL, &t);
	if (rc < 0)
		return load_failed(o, st, ref, rc);
	int ex = write_out(o->html, &t, trend_html);
	if (ex == EXIT_OK && o->csv != NULL)
		ex = write_out(o->csv, &t, trend_csv);
	if (ex == EXIT_OK)
		log_info("trend of %zu scans (method v%d) written to %s", t.n, t.m->version,
		         strcmp(o->html, "-") == 0 ? "standard output" : o->html);
	trend_free(&t);
	return ex;
}

int cmd_trend(int argc, char **argv)
{
	struct trend_opts o;
	struct store *st = NULL;
	if (parse(argc, argv, &o) < 0)
		return EXIT_USAGE;
	if (o.help) {
		fputs(trend_usage, stdout);
		return EXIT_OK;
	}
	int ex = cmd_open_db("trend", o.db, 0, &st);
	if (ex != EXIT_OK)
		return ex;
	ex = trend_run(&o, st);
	store_close(st);
	return ex;
}
