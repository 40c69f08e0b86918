/*
 * `vitals scan`: read targets, scan them with the engine, analyze and grade each
 * organization as it finishes, and write it to the store and the NDJSON stream.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "analyze.h"
#include "cmd.h"
#include "engine.h"
#include "grade.h"
#include "log.h"
#include "method.h"
#include "store.h"

#define DEFAULT_ROOT_HINTS   "/usr/share/dns/root.hints"
#define DEFAULT_TRUST_ANCHOR "/usr/share/dns/root.key"

struct scan_opts {
	const char *targets;    /* targets file or "-" */
	const char *db;         /* database path */
	const char *output;     /* NDJSON output or NULL */
	const char *scope;      /* --scope list or NULL for the default scope */
	const char *exclude;    /* --exclude list or NULL */
	struct engine_opts eng; /* engine options */
	unsigned shard, shards; /* --shard i/n */
	unsigned long seed;     /* permutation seed */
	int64_t resume;         /* scan id to resume, or 0 */
	int progress;           /* progress line: 1 on, 0 off, -1 when stderr is a terminal */
};

struct scan_run {
	struct scan_opts *o;    /* options */
	const struct method *m; /* methodology */
	struct store *st;       /* database */
	FILE *out;              /* NDJSON stream or NULL */
	int64_t scan_id;        /* current scan */
	int done;               /* organizations stored */
	int failed_store;       /* a store or output write failed */
	int grades[6];          /* overall A..F and '-' counts */
	struct engine *engine;  /* for the signal handler */
	int interrupted;        /* a signal stopped the scan */
	size_t unstarted;       /* organizations the engine could not start (out of memory) */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vitals scan [options] TARGETS|-\n"
	           "  --db FILE            SQLite database (default vitals.db)\n"
	           "  -o, --output FILE    NDJSON output, one organization per line (- for stdout)\n"
	           "  --scope CIDR[,...]   addresses that may be contacted (default: public unicast)\n"
	           "  --exclude CIDR[,...] addresses never contacted\n"
	           "  --root-hints FILE    root hints (default " DEFAULT_ROOT_HINTS ")\n"
	           "  --trust-anchor FILE  DNSSEC trust anchor (default " DEFAULT_TRUST_ANCHOR ")\n"
	           "  --ca-file FILE       CA certificates for certificate trust (default: system)\n"
	           "  --concurrency N      organizations in flight (default 64)\n"
	           "  --rate N             organizations started per second (default: no limit)\n"
	           "  --timeout MS         per DNS query and per connection (default 5000)\n"
	           "  --org-timeout MS     per organization (default 60000)\n"
	           "  --shard I/N          scan only slice I of N (0 <= I < N)\n"
	           "  --seed N             seed of the scan order permutation (default 1)\n"
	           "  --resume ID          continue scan ID, skipping organizations it has\n"
	           "  --progress, --no-progress  progress line on stderr (default: on a terminal)\n"
	           "  -q, --quiet          warnings and errors only\n"
	           "  -v, --verbose        debug messages\n");
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_shard(const char *s, unsigned *i, unsigned *n)
{
	unsigned long a, b;
	char buf[64];
	const char *slash = strchr(s, '/');
	if (slash == NULL || (size_t)(slash - s) >= sizeof buf)
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (parse_uint(buf, 1000000, &a) < 0 || parse_uint(slash + 1, 1000000, &b) < 0 || b == 0 || a >= b)
		return -EINVAL;
	*i = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}

enum {
	OPT_DB = 256,
	OPT_SCOPE,
	OPT_EXCLUDE,
	OPT_ROOT_HINTS,
	OPT_TRUST_ANCHOR,
	OPT_CA_FILE,
	OPT_CONCURRENCY,
	OPT_RATE,
	OPT_TIMEOUT,
	OPT_ORG_TIMEOUT,
	OPT_SHARD,
	OPT_SEED,
	OPT_RESUME,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
};

static const struct option long_opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"output", required_argument, NULL, 'o'},
    {"scope", required_argument, NULL, OPT_SCOPE},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"root-hints", required_argument, NULL, OPT_ROOT_HINTS},
    {"trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
    {"rate", required_argument, NULL, OPT_RATE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"org-timeout", required_argument, NULL, OPT_ORG_TIMEOUT},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"seed", required_argument, NULL, OPT_SEED},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int number_opt(const char *name, const char *arg, unsigned long max, unsigned long *v)
{
	if (parse_uint(arg, max, v) < 0) {
		log_error("%s: '%s' is not a number from 0 to %lu", name, arg, max);
		return -EINVAL;
	}
	return 0;
}

static int parse_one(struct scan_opts *o, int c, const char *arg)
{
	unsigned long v = 0;
	int rc = 0;
	switch (c) {
	case OPT_DB:
		o->db = arg;
		break;
	case 'o':
		o->output = arg;
		break;
	case OPT_SCOPE:
		o->scope = arg;
		break;
	case OPT_EXCLUDE:
		o->exclude = arg;
		break;
	case OPT_ROOT_HINTS:
		o->eng.root_hints = arg;
		break;
	case OPT_TRUST_ANCHOR:
		o->eng.trust_anchor = arg;
		break;
	case OPT_CA_FILE:
		o->eng.ca_file = arg;
		break;
	case OPT_CONCURRENCY:
		if ((rc = number_opt("--concurrency", arg, 10000, &v)) == 0 && v == 0)
			rc = -EINVAL, log_error("--concurrency must be at least 1");
		o->eng.concurrency = (int)v;
		break;
	case OPT_RATE:
		rc = number_opt("--rate", arg, 1000000, &v);
		o->eng.rate = (double)v;
		break;
	case OPT_TIMEOUT:
		if ((rc = number_opt("--timeout", arg, 600000, &v)) == 0 && v < 100)
			rc = -EINVAL, log_error("--timeout must be at least 100 ms");
		o->eng.query_timeout_ms = o->eng.conn_timeout_ms = (int)v;
		break;
	case OPT_ORG_TIMEOUT:
		if ((rc = number_opt("--org-timeout", arg, 3600000, &v)) == 0 && v < 100)
			rc = -EINVAL, log_error("--org-timeout must be at least 100 ms");
		o->eng.org_timeout_ms = (int)v;
		break;
	case OPT_SHARD:
		if ((rc = parse_shard(arg, &o->shard, &o->shards)) < 0)
			log_error("--shard: '%s' is not I/N with 0 <= I < N", arg);
		break;
	case OPT_SEED:
		rc = number_opt("--seed", arg, (unsigned long)-1, &o->seed);
		break;
	case OPT_RESUME:
		rc = number_opt("--resume", arg, (unsigned long)INT64_MAX, &v);
		o->resume = (int64_t)v;
		break;
	case OPT_PROGRESS:
		o->progress = 1;
		break;
	case OPT_NO_PROGRESS:
		o->progress = 0;
		break;
	case 'q':
		log_set_level(LOG_WARN);
		break;
	case 'v':
		log_set_level(LOG_DEBUG);
		break;
	default:
		return -EINVAL;
	}
	return rc;
}

static int parse_args(int argc, char **argv, struct scan_opts *o)
{
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qvh", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (parse_one(o, c, optarg) < 0) {
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		log_error("scan needs exactly one TARGETS argument (a file, or - for stdin)");
		usage(stderr);
		return -EINVAL;
	}
	o->targets = argv[optind];
	return 0;
}

static int build_scope(const struct scan_opts *o, struct scope *s)
{
	const char *bad = "";
	size_t badlen = 0;
	int rc = o->scope ? scope_add_list(s, o->scope, 0, &bad, &badlen) : scope_default(s);
	if (rc < 0) {
		log_error("--scope: '%.*s' is not a CIDR block", (int)badlen, bad);
		return rc;
	}
	if (o->exclude && (rc = scope_add_list(s, o->exclude, 1, &bad, &badlen)) < 0)
		log_error("--exclude: '%.*s' is not a CIDR block", (int)badlen, bad);
	return rc;
}

/*
 * Reads the root hints' A/AAAA addresses and warns when none is inside the scope:
 * then nothing can be resolved, and every finding would be indeterminate.
 * An unreadable file is an error here, before unbound reports it less clearly.
 */
static int check_root_hints(const char *path, const struct scope *s)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		int err = errno;
		log_error("cannot read root hints %s: %s", path, strerror(err));
		return -err;
	}
	char line[512], tok[5][256];
	int servers = 0, inside = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		/* "name ttl [class] type address" */
		int n = sscanf(line, "%255s %255s %255s %255s %255s", tok[0], tok[1], tok[2], tok[3], tok[4]);
		if (line[0] == ';' || n < 4)
			continue;
		int t = n == 5 ? 3 : 2;
		if (strcasecmp(tok[t], "A") == 0 || strcasecmp(tok[t], "AAAA") == 0) {
			servers++;
			inside += scope_allows_text(s, tok[t + 1]);
		}
	}
	fclose(f);
	if (servers > 0 && inside == 0)
		log_warn(
		    "none of the %d root server addresses in %s is inside the scope: nothing will resolve",
		    servers, path);
	return 0;
}

struct target_err {
	const char *file; /* file name for messages */
};

static void on_target_error(void *arg, size_t line, const char *why)
{
	const struct target_err *te = arg;
	log_warn("%s:%zu: %s; line skipped", te->file, line, why);
}

static int load_targets(const char *path, struct target_list *tl)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL) {
		int err = errno;
		log_error("cannot read targets %s: %s", path, strerror(err));
		return -err;
	}
	struct target_err te = {strcmp(path, "-") == 0 ? "<stdin>" : path};
	int rc = targets_read(f, tl, on_target_error, &te);
	if (f != stdin)
		fclose(f);
	if (rc < 0)
		log_error("cannot read targets %s: %s", te.file, strerror(-rc));
	else if (tl->n == 0)
		log_warn("%s: no organizations to scan", te.file);
	return rc < 0 ? rc : 0;
}

/* A seeded Fisher-Yates permutation (xorshift64*), then the shard's slice of it. */
static size_t *scan_order(size_t n, unsigned long seed, unsigned shard, unsigned shards, size_t *count)
{
	size_t *p = malloc((n ? n : 1) * sizeof *p);
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		p[i] = i;
	uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
	for (size_t i = n; i > 1; i--) {
		x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
		size_t j = (size_t)((x * 0x2545F4914F6CDD1Dull) % i);
		size_t t = p[i - 1];
		p[i - 1] = p[j];
		p[j] = t;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (i % shards == shard)
			p[k++] = p[i];
	*count = k;
	return p;
}

static json_t *org_record(const struct scan_run *run, const struct org_result *r)
{
	json_t *findings = json_array(), *domains = json_array();
	for (size_t i = 0; i < r->findings.n; i++)
		json_array_append_new(findings, finding_to_json(&r->findings.v[i]));
	for (size_t i = 0; i < r->ndomains; i++)
		json_array_append_new(domains, json_string(r->domains[i]));
	return json_pack("{s:s, s:I, s:s, s:s, s:o, s:I, s:I, s:o, s:o}", "type", "organization", "scan_id",
	                 (json_int_t)run->scan_id, "org_id", r->org_id, "name", r->name, "domains", domains,
	                 "started", (json_int_t)r->started, "finished", (json_int_t)r->finished, "scores",
	                 scorecard_to_json(run->m, &r->findings, &r->score), "findings", findings);
}

static void emit(struct scan_run *run, const struct org_result *r)
{
	if (run->out != NULL) {
		json_t *rec = org_record(run, r);
		if (rec == NULL || json_dumpf(rec, run->out, JSON_COMPACT) < 0 ||
		    fputc('\n', run->out) == EOF || fflush(run->out) == EOF) {
			log_error("cannot write NDJSON output for %s: %s", r->org_id, strerror(errno));
			run->failed_store = 1;
		}
		json_decref(rec);
	}
	if (run->st != NULL && store_org_result(run->st, run->scan_id, r) < 0) {
		log_error("cannot store %s: %s", r->org_id, store_error(run->st));
		run->failed_store = 1;
	}
}

static void on_org(void *arg, const struct target *t, json_t *obs, time_t started, time_t finished)
{
	struct scan_run *run = arg;
	struct org_result r = {
	    .org_id = t->org_id,
	    .name = t->name,
	    .domains = (const char *const *)t->domains,
	    .ndomains = t->ndomains,
	    .observations = obs,
	    .started = started,
	    .finished = finished,
	};
	size_t i;
	json_t *doc;
	json_array_foreach(obs, i, doc)
	{
		if (analyze_domain(doc, started, &r.findings) < 0)
			log_warn("%s: analysis of %s incomplete (out of memory)", t->org_id, t->domains[i]);
	}
	if (grade_findings(run->m, &r.findings, &r.score) == 0) {
		emit(run, &r);
		run->grades[!r.score.has_score ? 5 : r.score.grade == 'F' ? 4 : r.score.grade - 'A']++;
		scorecard_free(&r.score);
	} else {
		log_error("%s: cannot grade (out of memory)", t->org_id);
	}
	run->done++;
	findings_clear(&r.findings);
	json_decref(obs);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct scan_run *run = arg;
	if (!run->interrupted)
		log_warn("%s: stopping; organizations finished so far are saved",
		         sig == SIGINT ? "SIGINT" : "SIGTERM");
	run->interrupted = 1;
	engine_stop(run->engine);
}

static void on_progress(evutil_socket_t fd, short what, void *arg)
{
	struct scan_run *run = arg;
	size_t done, inflight, total;
	engine_progress(run->engine, &done, &inflight, &total);
	fprintf(stderr, "\r%zu/%zu organizations done, %zu in flight   ", done, total, inflight);
}

static int skip_resumed(struct scan_run *run, const struct target_list *tl, size_t *order, size_t *n)
{
	json_t *have = NULL;
	int rc = store_scan_orgs(run->st, run->scan_id, &have);
	if (rc < 0) {
		log_error("cannot resume scan %lld: %s", (long long)run->scan_id, store_error(run->st));
		return rc;
	}
	/* A set of the stored ids: resuming a large scan must not compare every pair. */
	json_t *seen = json_object();
	size_t j;
	json_t *id;
	json_array_foreach(have, j, id)
	{
		if (json_is_string(id))
			json_object_set_new(seen, json_string_value(id), json_true());
	}
	size_t k = 0;
	for (size_t i = 0; i < *n; i++)
		if (json_object_get(seen, tl->v[order[i]].org_id) == NULL)
			order[k++] = order[i];
	json_decref(seen);
	log_info("resuming scan %lld: %zu organizations already done, %zu to go", (long long)run->scan_id,
	         json_array_size(have), k);
	run->done = (int)json_array_size(have);
	json_decref(have);
	*n = k;
	return 0;
}

static json_t *scan_args(const struct scan_opts *o)
{
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:i, s:i, s:i, s:i, s:f, s:I, s:I}", "targets",
	                 o->targets, "scope", o->scope, "exclude", o->exclude, "root_hints",
	                 o->eng.root_hints, "trust_anchor", o->eng.trust_anchor, "concurrency",
	                 o->eng.concurrency, "timeout_ms", o->eng.query_timeout_ms, "org_timeout_ms",
	                 o->eng.org_timeout_ms, "seed", (int)o->seed, "rate", o->eng.rate, "shard",
	                 (json_int_t)o->shard, "shards", (json_int_t)o->shards);
}

/* Sockets one domain may hold at once: delegation, AXFR (capped), three TLS handshakes, three fetches. */
#define FDS_PER_DOMAIN 16

/*
 * Raises the open-file limit to the hard limit (a scan holds many sockets) and
 * lowers --concurrency when even that is not enough, rather than failing mid-scan.
 */
static void fit_file_limit(struct scan_opts *o, const struct target_list *tl)
{
	size_t most = 1;
	for (size_t i = 0; i < tl->n; i++)
		if (tl->v[i].ndomains > most)
			most = tl->v[i].ndomains;
	rlim_t per_org = (rlim_t)(FDS_PER_DOMAIN * most);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	rlim_t room = rl.rlim_cur > 256 ? rl.rlim_cur - 256 : 0;
	if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)o->eng.concurrency * per_org > room) {
		int fit = (int)(room / per_org);
		o->eng.concurrency = fit > 0 ? fit : 1;
		log_warn("open-file limit %llu: --concurrency lowered to %d", (unsigned long long)rl.rlim_cur,
		         o->eng.concurrency);
	}
}

static int run_engine(struct scan_run *run, const struct target_list *tl, size_t *order, size_t n)
{
	struct event_base *base = event_base_new();
	char err[512] = "";
	int rc = base ? engine_new(base, &run->o->eng, &run->engine, err, sizeof err) : -ENOMEM;
	if (rc < 0) {
		log_error("cannot start the engine: %s", err[0] ? err : strerror(-rc));
		goto out;
	}
	struct event *sigint = evsignal_new(base, SIGINT, on_signal, run);
	struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, run);
	struct event *prog = event_new(base, -1, EV_PERSIST, on_progress, run);
	struct timeval sec = {1, 0};
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	int show = run->o->progress < 0 ? isatty(STDERR_FILENO) : run->o->progress;
	if (show)
		event_add(prog, &sec);
	rc = engine_run(run->engine, tl, order, n, on_org, run);
	run->unstarted = engine_failed(run->engine);
	if (show)
		fputc('\n', stderr);
	event_free(sigint);
	event_free(sigterm);
	event_free(prog);
out:
	run->engine = engine_free(run->engine);
	if (base)
		event_base_free(base);
	return rc;
}

static void summary(const struct scan_run *run)
{
	log_info("scan %lld: %d organizations graded: A %d, B %d, C %d, D %d, F %d, no score %d%s",
	         (long long)run->scan_id, run->done, run->grades[0], run->grades[1], run->grades[2],
	         run->grades[3], run->grades[4], run->grades[5], run->interrupted ? " (interrupted)" : "");
}

static int open_outputs(struct scan_run *run)
{
	int rc = store_open(run->o->db, &run->st);
	if (rc < 0) {
		log_error("cannot use database %s: %s", run->o->db, store_error(run->st));
		run->st = store_close(run->st);
		return EXIT_IO;
	}
	if (run->o->output == NULL)
		return 0;
	/* A resumed scan continues the stream it wrote before. */
	run->out =
	    strcmp(run->o->output, "-") == 0 ? stdout : fopen(run->o->output, run->o->resume ? "a" : "w");
	if (run->out == NULL) {
		log_error("cannot write %s: %s", run->o->output, strerror(errno));
		return EXIT_IO;
	}
	return 0;
}

static int begin_scan(struct scan_run *run)
{
	if (run->o->resume) {
		run->scan_id = run->o->resume;
		json_t *info = NULL;
		if (store_scan_info(run->st, run->scan_id, &info) < 0) {
			log_error("no scan %lld in %s to resume", (long long)run->scan_id, run->o->db);
			return EXIT_INPUT;
		}
		json_decref(info);
		return 0;
	}
	json_t *args = scan_args(run->o);
	int rc = store_scan_begin(run->st, run->m->version, args, &run->scan_id);
	json_decref(args);
	if (rc < 0) {
		log_error("cannot record the scan in %s: %s", run->o->db, store_error(run->st));
		return EXIT_IO;
	}
	return 0;
}

static int scan_main(struct scan_opts *o)
{
	struct scan_run run = {.o = o, .m = method_current()};
	struct scope scope = {0};
	struct target_list tl = {0};
	size_t *order = NULL, n = 0;
	int code = EXIT_OK;
	if (build_scope(o, &scope) < 0) {
		code = EXIT_USAGE;
		goto out;
	}
	o->eng.scope = &scope;
	if (o->eng.root_hints != NULL && check_root_hints(o->eng.root_hints, &scope) < 0) {
		code = EXIT_INPUT;
		goto out;
	}
	if ((code = open_outputs(&run)) != 0 || (code = begin_scan(&run)) != 0)
		goto out;
	if (load_targets(o->targets, &tl) < 0) {
		code = EXIT_INPUT;
		goto out;
	}
	fit_file_limit(o, &tl);
	if ((order = scan_order(tl.n, o->seed, o->shard, o->shards, &n)) == NULL ||
	    (o->resume && skip_resumed(&run, &tl, order, &n) < 0)) {
		code = order ? EXIT_IO : EXIT_INTERNAL;
		goto out;
	}
	log_info("scan %lld: %zu organizations, scope %s%s%s", (long long)run.scan_id, n,
	         o->scope ? o->scope : "public unicast", o->exclude ? " minus " : "",
	         o->exclude ? o->exclude : "");
	if (run_engine(&run, &tl, order, n) < 0)
		code = EXIT_INTERNAL;
	else if (run.interrupted)
		code = EXIT_INTERRUPTED;
	else if (run.failed_store)
		code = EXIT_IO;
	if (run.unstarted > 0) {
		/* Not complete: --resume finds them missing and scans them. */
		log_error(
		    "%zu organizations could not be started (out of memory); --resume %lld retries them",
		    run.unstarted, (long long)run.scan_id);
		if (code == EXIT_OK)
			code = EXIT_INTERNAL;
	}
	int whole = !run.interrupted && run.unstarted == 0;
	if (store_scan_end(run.st, run.scan_id, whole ? "complete" : "interrupted", run.done) < 0) {
		log_error("cannot close scan %lld: %s", (long long)run.scan_id, store_error(run.st));
		code = EXIT_IO;
	}
	summary(&run);
out:
	if (run.out && run.out != stdout)
		fclose(run.out);
	store_close(run.st);
	free(order);
	targets_free(&tl);
	scope_free(&scope);
	return code;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_opts o = {
	    .db = "vitals.db",
	    .eng = {.root_hints = DEFAULT_ROOT_HINTS,
	            .trust_anchor = DEFAULT_TRUST_ANCHOR,
	            .query_timeout_ms = 5000,
	            .conn_timeout_ms = 5000,
	            .org_timeout_ms = 60000,
	            .concurrency = 64},
	    .shards = 1,
	    .seed = 1,
	    .progress = -1,
	};
	int rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	return scan_main(&o);
}
