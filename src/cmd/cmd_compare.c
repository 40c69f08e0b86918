/* `vitals compare`: two scans of the same sector compared like for like. */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cohort.h"
#include "compare.h"
#include "log.h"
#include "outfile.h"
#include "method.h"
#include "store.h"

#define DEFAULT_DB "vitals.db"
/* Room for a store or comparison message. */
#define ERR_MAX 512

enum {
	OPT_DB = 256,
	OPT_BASE,
	OPT_SCAN,
	OPT_METHOD,
	OPT_COHORT,
	OPT_CORRECTION,
	OPT_JSON,
};

struct compare_cli {
	const char *db;        /* --db FILE */
	int64_t base, scan;    /* --base ID, --scan ID (0: not given) */
	const char *output;    /* -o FILE, or NULL */
	int json;              /* --json */
	int help;              /* -h/--help */
	struct cohort cohort;  /* --cohort SPEC */
	int has_cohort;        /* --cohort was given */
	struct compare_opts o; /* method, correction, alpha */
};

static const char usage[] =
    "usage: vitals compare --base ID --scan ID [--db FILE] [--cohort SPEC] [--method vN]\n"
    "                      [--correction holm|bh] [--json] [-o FILE]\n"
    "Compares two scans like for like: both under one methodology version, over the\n"
    "organizations in both; per factor the paired mean change with its 95% interval, per\n"
    "check the failure rates with Wilson intervals and McNemar's test with a correction for\n"
    "many checks, the grade migration, and every finding that changed (docs/COMPARE.md).\n"
    "  --base ID          the earlier scan (required)\n"
    "  --scan ID          the later scan (required)\n"
    "  --cohort SPEC      only organizations tagged KEY=VALUE, or with a tag named or valued WORD\n"
    "  --method vN        the methodology version (default: the newer of the two scans')\n"
    "  --correction C     holm (default) or bh (Benjamini-Hochberg)\n"
    "  --json             print the comparison as JSON on standard output\n"
    "  -o FILE            write the comparison as a self-contained HTML page\n"
    "  --db FILE          the database (default: " DEFAULT_DB ")\n"
    "Without --json or -o, prints a short summary.\n";

static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"base", required_argument, NULL, OPT_BASE},
    {"scan", required_argument, NULL, OPT_SCAN},
    {"method", required_argument, NULL, OPT_METHOD},
    {"cohort", required_argument, NULL, OPT_COHORT},
    {"correction", required_argument, NULL, OPT_CORRECTION},
    {"json", no_argument, NULL, OPT_JSON},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_correction(const char *s, enum compare_correction *out)
{
	if (strcmp(s, "holm") == 0 || strcmp(s, "bh") == 0) {
		*out = s[0] == 'b' ? COMPARE_BH : COMPARE_HOLM;
		return 0;
	}
	log_error("compare: unknown correction '%s' (holm or bh)", s);
	return -EINVAL;
}

static int parse_cohort(struct compare_cli *c, const char *s)
{
	if (cmd_cohort_option("compare", s, &c->cohort) < 0)
		return -EINVAL;
	c->has_cohort = 1;
	return 0;
}

static int take_option(struct compare_cli *c, int opt, char **argv)
{
	switch (opt) {
	case OPT_DB:
		c->db = optarg;
		return 0;
	case OPT_BASE:
		return cmd_scan_id_option("compare", "--base", optarg, &c->base);
	case OPT_SCAN:
		return cmd_scan_id_option("compare", "--scan", optarg, &c->scan);
	case OPT_METHOD:
		return cmd_method_option("compare", optarg, &c->o.method);
	case OPT_COHORT:
		return parse_cohort(c, optarg);
	case OPT_CORRECTION:
		return parse_correction(optarg, &c->o.correction);
	case OPT_JSON:
		c->json = 1;
		return 0;
	case 'o':
		c->output = optarg;
		return 0;
	case 'h':
		c->help = 1;
		return 0;
	case ':':
		log_error("compare: option %s needs a value", argv[optind - 1]);
		return -EINVAL;
	default:
		log_error("compare: unknown option %s (see vitals compare --help)", argv[optind - 1]);
		return -EINVAL;
	}
}

static int parse(int argc, char **argv, struct compare_cli *c)
{
	int opt;
	*c = (struct compare_cli){.db = DEFAULT_DB, .o = {.correction = COMPARE_HOLM, .alpha = 0.05}};
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1)
		if (take_option(c, opt, argv) < 0)
			return -EINVAL;
	if (c->help)
		return 0;
	if (optind != argc) {
		log_error("compare: unexpected argument %s (see vitals compare --help)", argv[optind]);
		return -EINVAL;
	}
	if (c->base == 0 || c->scan == 0) {
		log_error("compare: %s is required (see vitals compare --help)",
		          c->base == 0 ? "--base ID" : "--scan ID");
		return -EINVAL;
	}
	c->o.cohort = c->has_cohort ? &c->cohort : NULL;
	return 0;
}

static int exit_code(int rc)
{
	switch (rc) {
	case -ENOMEM:
		return EXIT_INTERNAL;
	case -ENOENT:
	case -EINVAL:
	case -EAGAIN:
	case -EXDEV:
	case -ESRCH:
		return EXIT_INPUT;
	default:
		return EXIT_IO;
	}
}

static int compare_fn(FILE *f, void *arg)
{
	return compare_html(f, arg);
}

/* Writes the page through outfile.h, so a failure never leaves half a page. */
static int write_page(const char *path, const json_t *cmp)
{
	int rc = outfile_write(path, compare_fn, (void *)cmp);
	if (rc < 0) {
		log_error("compare: cannot write %s: %s", path, strerror(-rc));
		return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_IO;
	}
	return EXIT_OK;
}

static int emit(const struct compare_cli *c, const json_t *cmp)
{
	int ex = c->output ? write_page(c->output, cmp) : EXIT_OK;
	int rc = 0;
	if (ex == EXIT_OK && c->json)
		rc = json_dumpf(cmp, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(10)) < 0 ||
		             fputc('\n', stdout) == EOF
		         ? -EIO
		         : 0;
	else if (ex == EXIT_OK && c->output == NULL)
		rc = compare_summary(stdout, cmp);
	if (ex == EXIT_OK && (rc < 0 || fflush(stdout) != 0)) {
		log_error("compare: cannot write to standard output");
		ex = EXIT_IO;
	}
	if (ex == EXIT_OK && c->output != NULL)
		log_info("comparison of scans %lld and %lld written to %s", (long long)c->base,
		         (long long)c->scan, c->output);
	return ex;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_cli c;
	struct store *st = NULL;
	json_t *cmp = NULL;
	char err[ERR_MAX] = "";
	if (parse(argc, argv, &c) < 0)
		return EXIT_USAGE;
	if (c.help) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	int ex = cmd_open_db("compare", c.db, 0, &st);
	if (ex == EXIT_OK) {
		int rc = compare_scans(st, c.base, c.scan, &c.o, &cmp, err, sizeof err);
		if (rc < 0) {
			log_error("compare: %s", err);
			ex = exit_code(rc);
		} else {
			ex = emit(&c, cmp);
		}
	}
	json_decref(cmp);
	store_close(st);
	return ex;
}
