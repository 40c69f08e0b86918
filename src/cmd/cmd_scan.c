/*
 * `vitals scan`: read and check every input, then record the scan, scan the targets
 * with the engine, analyze and grade each organization as it finishes, store it,
 * and write its stream line from what was stored.
 *
 * The phases keep a bad input from touching anything: every input is read and
 * checked before the database gains a scan or the output file is opened, and a
 * resumed scan runs under the options it was started with (scan_opts.h).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "cmd.h"
#include "engine.h"
#include "fault.h"
#include "grade.h"
#include "infile.h"
#include "log.h"
#include "method.h"
#include "pace.h"
#include "probes.h"
#include "resolver.h"
#include "scan_opts.h"
#include "store.h"
#include "stream.h"
#include "workers.h"

/* Stored JSON and stream lines print reals the same way, so a line rebuilt from the store is identical. */
#define LINE_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(12))

struct scan_run {
	struct scan_opts *o;    /* options */
	const struct method *m; /* methodology: the current one, or a resumed scan's own */
	struct store *st;       /* database */
	struct stream *out;     /* NDJSON stream or NULL */
	struct scope scope;     /* what may be contacted */
	struct target_list tl;  /* the organizations */
	char targets_sha[65];   /* SHA-256 of the targets file */
	int64_t scan_id;        /* current scan */
	int stored;             /* organizations this run stored */
	int failed_store;       /* a store or output write failed */
	int grades[6];          /* overall A..F and '-' counts of this run */
	int interrupted;        /* a signal stopped the scan */
	size_t unstarted;       /* organizations the engine could not start (out of memory) */
	int engine_failed;      /* the engine could not run at all */
	int incomplete;         /* an organization could not be analyzed, graded or stored */
	int claimed;            /* this process holds the scan */
	int progress;           /* a progress line is drawn */
};

/* ---- signals ---- */

static volatile sig_atomic_t stop_requested;

/* Before the scan is recorded, nothing needs saving: end at once, whatever is blocking. */
static void on_signal_early(int sig)
{
	static const char msg[] = "vitals: interrupted before the scan began; nothing was written\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)w;
	(void)sig;
	_exit(EXIT_INTERRUPTED);
}

/* Once it is recorded, the scan ends at the next step and is marked interrupted. */
static void on_signal_late(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void handle_signals(void (*fn)(int))
{
	struct sigaction sa = {.sa_handler = fn};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ---- inputs ---- */

int scan_build_scope(const struct scan_opts *o, struct scope *s)
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

/* A resolver or TLS input: read whole under its cap, then its format checked. */
struct input_check {
	const char *what;          /* the option, for messages */
	const char *path;          /* the file */
	size_t cap;                /* most bytes read */
	const struct scope *scope; /* for the root hints' warning */
	int (*check)(const struct input_check *c, const struct infile *f, char *err, size_t errlen);
};

static int check_hints(const struct input_check *c, const struct infile *f, char *err, size_t errlen)
{
	int servers = 0, inside = 0;
	int rc = infile_check_root_hints(c->path, f, c->scope, &servers, &inside, err, errlen);
	if (rc == 0 && inside == 0)
		log_warn(
		    "none of the %d root server addresses in %s is inside the scope: nothing will resolve",
		    servers, c->path);
	return rc;
}

static int check_anchor(const struct input_check *c, const struct infile *f, char *err, size_t errlen)
{
	return infile_check_trust_anchor(c->path, f, err, errlen);
}

static int check_ca(const struct input_check *c, const struct infile *f, char *err, size_t errlen)
{
	return infile_check_ca(c->path, f, err, errlen);
}

int scan_check_inputs(const struct scan_opts *o, const struct scope *s)
{
	const struct input_check checks[] = {
	    {"--root-hints", o->eng.root_hints, INFILE_DNS_CAP, s, check_hints},
	    {"--trust-anchor", o->eng.trust_anchor, INFILE_DNS_CAP, s, check_anchor},
	    {"--ca-file", o->eng.ca_file, INFILE_CA_CAP, s, check_ca},
	};
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		const struct input_check *c = &checks[i];
		struct infile f = {0};
		char err[512] = "";
		if (c->path == NULL)
			continue;
		int rc = infile_read(c->path, c->cap, 0, &f, err, sizeof err);
		if (rc == 0)
			rc = c->check(c, &f, err, sizeof err);
		infile_free(&f);
		if (rc < 0) {
			log_error("%s %s", c->what, err);
			return rc;
		}
	}
	return 0;
}

static int same_file(const struct stat *a, const char *path)
{
	struct stat sb;
	return path != NULL && strcmp(path, "-") != 0 && stat(path, &sb) == 0 && sb.st_dev == a->st_dev &&
	       sb.st_ino == a->st_ino;
}

/* -o must not name a file vitals reads or keeps: writing the stream there would destroy it. */
static int check_output_distinct(const struct scan_opts *o)
{
	struct stat out;
	char wal[4200], shm[4200];
	if (o->output == NULL || strcmp(o->output, "-") == 0 || stat(o->output, &out) < 0)
		return 0;
	snprintf(wal, sizeof wal, "%s-wal", o->db);
	snprintf(shm, sizeof shm, "%s-shm", o->db);
	const struct {
		const char *what, *path;
	} others[] = {
	    {"--db", o->db},
	    {"the database's write-ahead log", wal},
	    {"the database's shared memory", shm},
	    {"TARGETS", o->targets},
	    {"--root-hints", o->eng.root_hints},
	    {"--trust-anchor", o->eng.trust_anchor},
	    {"--ca-file", o->eng.ca_file},
	};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
		if (same_file(&out, others[i].path)) {
			log_error("-o %s is the same file as %s (%s): the stream would overwrite it",
			          o->output, others[i].what, others[i].path);
			return -EINVAL;
		}
	return 0;
}

struct target_err {
	const char *file; /* file name for messages */
};

static void on_target_error(void *arg, size_t line, const char *why)
{
	const struct target_err *te = arg;
	log_warn("%s:%zu: %s", te->file, line, why);
}

/* A resumed scan must read the targets it began with, unless --force says otherwise. */
static int check_targets_unchanged(const struct scan_run *run, const json_t *args)
{
	const char *was = json_string_value(json_object_get(args, "targets_sha256"));
	const char *path = json_string_value(json_object_get(args, "targets"));
	if (was == NULL) {
		log_warn("scan %lld did not record its targets' SHA-256: cannot tell whether %s changed",
		         (long long)run->scan_id, run->o->targets);
		return 0;
	}
	if (strcmp(was, run->targets_sha) == 0)
		return 0;
	if (run->o->force) {
		log_warn(
		    "%s differs from the targets scan %lld began with; --force: scanning what it holds now",
		    run->o->targets, (long long)run->scan_id);
		return 0;
	}
	log_error("%s differs from the targets scan %lld began with (%s, SHA-256 %.12s..., now %.12s...): "
	          "changed since, or another file; resume with --force to scan what it holds now",
	          run->o->targets, (long long)run->scan_id, path ? path : "?", was, run->targets_sha);
	return -EINVAL;
}

static int load_targets(struct scan_run *run)
{
	const char *path = run->o->targets;
	struct target_err te = {strcmp(path, "-") == 0 ? "<stdin>" : path};
	struct infile f = {0};
	char err[512];
	int rc = infile_read(path, INFILE_TARGETS_CAP, 1, &f, err, sizeof err);
	if (rc < 0) {
		log_error("cannot read targets %s", err);
		return rc;
	}
	int skipped = infile_sha256(&f, run->targets_sha);
	if (skipped == 0 && run->o->resume && check_targets_unchanged(run, run->o->restored) < 0) {
		infile_free(&f);
		return -EINVAL;
	}
	if (skipped == 0)
		skipped = targets_parse(f.data, f.len, &run->tl, on_target_error, &te);
	infile_free(&f);
	if (skipped < 0) {
		log_error("cannot read targets %s: %s", te.file, strerror(-skipped));
		return skipped;
	}
	if (run->tl.n == 0) {
		log_error("%s: no organization to scan (%d line%s rejected)", te.file, skipped,
		          skipped == 1 ? "" : "s");
		return -ENODATA;
	}
	if (skipped > 0)
		log_warn("%s: %d line%s skipped, %zu organizations to scan", te.file, skipped,
		         skipped == 1 ? "" : "s", run->tl.n);
	return 0;
}

/* ---- resume: the stored scan's options and method ---- */

static int open_existing_db(struct scan_run *run)
{
	struct stat sb;
	if (stat(run->o->db, &sb) < 0) {
		log_error("cannot resume scan %lld: database %s: %s", (long long)run->o->resume, run->o->db,
		          strerror(errno));
		return EXIT_INPUT;
	}
	if (store_open(run->o->db, &run->st) < 0) {
		log_error("cannot use database %s: %s", run->o->db, store_error(NULL));
		return EXIT_IO;
	}
	return 0;
}

static int restore(struct scan_run *run)
{
	json_t *info = NULL;
	char err[1024];
	int code = open_existing_db(run);
	if (code != 0)
		return code;
	run->scan_id = run->o->resume;
	if (store_scan_info(run->st, run->scan_id, &info) < 0) {
		log_error("cannot resume: %s", store_error(run->st));
		return EXIT_INPUT;
	}
	int method = (int)json_integer_value(json_object_get(info, "method"));
	int rc = scan_opts_restore(run->o, run->scan_id, json_object_get(info, "args"), err, sizeof err);
	if (rc < 0)
		log_error("%s", err);
	else if ((run->m = method_get(method)) == NULL)
		log_error("scan %lld was graded under methodology v%d, which this vitals does not know",
		          (long long)run->scan_id, method);
	json_decref(info);
	if (rc == -ERANGE || (rc == 0 && run->m == NULL))
		return EXIT_INPUT;
	return rc < 0 ? EXIT_USAGE : 0;
}

/* Everything that can be wrong with the inputs is found here, before anything is written. */
static int prepare(struct scan_run *run)
{
	struct scan_opts *o = run->o;
	int code = o->resume ? restore(run) : 0;
	if (code != 0)
		return code;
	if (scan_build_scope(o, &run->scope) < 0)
		return EXIT_USAGE;
	o->eng.scope = &run->scope;
	if (check_output_distinct(o) < 0)
		return EXIT_USAGE;
	if (scan_check_inputs(o, &run->scope) < 0 || load_targets(run) < 0)
		return EXIT_INPUT;
	return 0;
}

/* ---- records ---- */

/* A record as one stream line, ending in a newline (malloc'd); 0 or -ENOMEM. */
static int json_line(const json_t *rec, char **line, size_t *len)
{
	char *text = rec ? json_dumps(rec, LINE_FLAGS) : NULL;
	size_t n = text ? strlen(text) : 0;
	char *p = text ? realloc(text, n + 2) : NULL;
	if (p == NULL) {
		free(text);
		return -ENOMEM;
	}
	memcpy(p + n, "\n", 2);
	*line = p;
	*len = n + 1;
	return 0;
}

/* The stream line of a stored organization, built from the database: the source of truth. */
static int org_line(void *arg, const char *org_id, char **line)
{
	struct scan_run *run = arg;
	json_t *org = NULL;
	int rc = store_load_org(run->st, run->scan_id, org_id, 0, &org);
	if (rc < 0)
		return rc;
	json_t *rec =
	    json_pack("{s:s, s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "type", "organization",
	              "scan_id", (json_int_t)run->scan_id, "org_id", json_object_get(org, "org_id"), "name",
	              json_object_get(org, "name"), "domains", json_object_get(org, "domains"), "tags",
	              json_object_get(org, "tags"), "assets", json_object_get(org, "assets"), "started",
	              json_object_get(org, "started"), "finished", json_object_get(org, "finished"), "scores",
	              json_object_get(org, "scores"), "findings", json_object_get(org, "findings"));
	size_t len;
	rc = json_line(rec, line, &len);
	json_decref(rec);
	json_decref(org);
	return rc;
}

static void write_line(struct scan_run *run, const char *org_id)
{
	char *line = NULL, err[512];
	int rc = org_line(run, org_id, &line);
	if (rc == 0)
		rc = stream_write(run->out, line, strlen(line), err, sizeof err);
	else
		snprintf(err, sizeof err, "cannot rebuild %s from the database: %s", org_id,
		         store_error(run->st));
	if (rc < 0) {
		log_error("NDJSON output: %s", err);
		run->failed_store = 1;
	}
	free(line);
}

/* The database first: a line is written only for what is durably stored. */
static void emit(struct scan_run *run, const struct org_result *r)
{
	if (store_org_result(run->st, run->scan_id, r) < 0) {
		log_error("cannot store %s: %s", r->org_id, store_error(run->st));
		run->failed_store = 1;
		return;
	}
	run->stored++;
	if (fault_hit("commit"))
		raise(SIGKILL);
	if (run->out != NULL)
		write_line(run, r->org_id);
}

static void on_org(void *arg, const struct target *t, json_t *obs, time_t started, time_t finished)
{
	struct scan_run *run = arg;
	struct org_result r = {
	    .org_id = t->org_id,
	    .name = t->name,
	    .domains = (const char *const *)t->domains,
	    .ndomains = t->ndomains,
	    .tags = t->tags,
	    .ntags = t->ntags,
	    .observations = obs,
	    .started = started,
	    .finished = finished,
	};
	size_t i;
	json_t *doc;
	int whole = obs != NULL;
	json_array_foreach(obs, i, doc)
	{
		if (whole && analyze_domain(doc, started, &r.findings) < 0)
			whole = 0;
	}
	/* Graded on part of its evidence, it would be wrong: left out, so --resume retries it. */
	if (!whole || grade_findings(run->m, &r.findings, &r.score) < 0) {
		log_error("%s: cannot %s (out of memory); --resume retries it", t->org_id,
		          whole ? "grade it" : "analyze it");
		run->incomplete = 1;
	} else {
		emit(run, &r);
		run->grades[!r.score.has_score ? 5 : r.score.grade == 'F' ? 4 : r.score.grade - 'A']++;
		scorecard_free(&r.score);
	}
	findings_clear(&r.findings);
	json_decref(obs);
}

/* ---- the engine ---- */

static void on_tick(void *arg, size_t done, size_t total)
{
	struct scan_run *run = arg;
	if (run->progress)
		fprintf(stderr, "\r%zu/%zu organizations done   ", done, total);
}

/* A seeded Fisher-Yates permutation (xorshift64*), then the shard's slice of it. */
static size_t *scan_order(size_t n, uint64_t seed, unsigned shard, unsigned shards, size_t *count)
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

/* Drops the organizations the scan has stored already from the order. */
static int skip_stored(struct scan_run *run, const json_t *have, size_t *order, size_t *n)
{
	/* A set of the stored ids: resuming a large scan must not compare every pair. */
	json_t *seen = json_object();
	size_t j;
	json_t *id;
	if (seen == NULL)
		return -ENOMEM;
	json_array_foreach(have, j, id)
	{
		if (json_is_string(id))
			json_object_set_new(seen, json_string_value(id), json_true());
	}
	size_t k = 0;
	for (size_t i = 0; i < *n; i++)
		if (json_object_get(seen, run->tl.v[order[i]].org_id) == NULL)
			order[k++] = order[i];
	json_decref(seen);
	if (run->o->resume)
		log_info("resuming scan %lld: %zu organizations already done, %zu to go",
		         (long long)run->scan_id, json_array_size(have), k);
	*n = k;
	return 0;
}

/*
 * Sockets one domain may hold at once: the delegation probe, AXFR (at most 16), three
 * TLS handshakes, three fetches and a redirect hop.
 */
#define FDS_PER_DOMAIN 24
/* Descriptors for everything but probes and the resolver: the database, logs, the loop. */
#define FDS_BASE 256
/* What the process itself needs at least besides probes and resolvers (database, logs,
 * each worker's loop, libcurl's and libunbound's own pipes): kept out of the probes' cap. */
#define FDS_OWN 32

/*
 * Raises the open-file limit to the hard limit (a scan holds many sockets) and
 * lowers --concurrency when even that is not enough, rather than failing mid-scan.
 * Every worker's resolver (two contexts each) takes its share of the limit first.
 */
void scan_fit_file_limit(struct scan_opts *o, const struct target_list *tl)
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
	rlim_t resolvers = 2 * (rlim_t)o->workers * resolver_ports(o->workers);
	rlim_t reserved = FDS_BASE + resolvers;
	rlim_t room = rl.rlim_cur > reserved ? rl.rlim_cur - reserved : 0;
	/* However few organizations are in flight, the probes' sockets together never take
	 * the resolvers' descriptors: pacing holds connections past this many (pace.h). */
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)INT_MAX) {
		rlim_t probes = rl.rlim_cur > resolvers + FDS_OWN ? rl.rlim_cur - resolvers - FDS_OWN : 0;
		o->max_in_flight = probes < 4 ? 4 : (int)probes;
	}
	if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)o->eng.concurrency * per_org > room) {
		int fit = (int)(room / per_org);
		o->eng.concurrency = fit > 0 ? fit : 1;
		log_warn("open-file limit %llu: --concurrency lowered to %d", (unsigned long long)rl.rlim_cur,
		         o->eng.concurrency);
	}
}

/* The workers scan; this thread writes what they find, and watches for SIGINT and SIGTERM. */
static int run_engine(struct scan_run *run, size_t *order, size_t n)
{
	char err[512] = "";
	struct workers_stats st;
	run->o->eng.modules = probes_all(&run->o->eng.nmodules);
	struct workers_run wr = {
	    .eng = &run->o->eng,
	    /* More workers than organizations in flight would only exceed --concurrency. */
	    .n = run->o->workers < run->o->eng.concurrency ? run->o->workers : run->o->eng.concurrency,
	    .targets = &run->tl,
	    .order = order,
	    .norder = n,
	    .on_result = on_org,
	    .tick = on_tick,
	    .arg = run,
	    .stop = &stop_requested,
	};
	run->progress = run->o->progress < 0 ? isatty(STDERR_FILENO) : run->o->progress;
	/* One pacing object for the whole scan: every worker's connections share its limits. */
	int rc = pace_new(run->o->conn_rate, run->o->per_address, &run->o->eng.pace);
	if (rc == 0) {
		pace_set_max_in_flight(run->o->eng.pace, run->o->max_in_flight);
		rc = workers_scan(&wr, &st, err, sizeof err);
	} else
		st = (struct workers_stats){.unstarted = n};
	run->o->eng.pace = pace_free(run->o->eng.pace);
	if (run->progress)
		fputc('\n', stderr);
	if (rc < 0) {
		log_error("cannot start the engine: %s", err[0] ? err : strerror(-rc));
		run->engine_failed = 1;
	}
	if (st.stopped) {
		run->interrupted = 1;
		log_warn("stopping: organizations finished so far are saved");
	}
	if (st.measured > 0)
		log_info("shared endpoints: %zu measured once, reused %zu times by other organizations",
		         st.measured, st.reused);
	run->unstarted = st.unstarted;
	return rc;
}

/* ---- outputs ---- */

static int open_stream(struct scan_run *run)
{
	char err[1024];
	if (run->o->output == NULL)
		return 0;
	int rc = stream_open(run->o->output, &run->out, err, sizeof err);
	if (rc < 0)
		log_error("%s", err);
	return rc == -EBUSY ? EXIT_BUSY : rc < 0 ? EXIT_IO : 0;
}

static int begin_scan(struct scan_run *run)
{
	json_t *args = scan_opts_json(run->o, run->targets_sha);
	int rc = args ? store_scan_begin(run->st, run->m->version, args, &run->scan_id) : -ENOMEM;
	json_decref(args);
	if (rc < 0) {
		log_error("cannot record the scan in %s: %s", run->o->db,
		          rc == -ENOMEM ? "out of memory" : store_error(run->st));
		return EXIT_IO;
	}
	return 0;
}

/* One process per scan; a resumed scan is running again once claimed. */
static int claim(struct scan_run *run)
{
	int rc = store_scan_claim(run->st, run->scan_id);
	if (rc == -EBUSY) {
		log_error("%s; wait for it to end (or stop it) before resuming", store_error(run->st));
		return EXIT_BUSY;
	}
	run->claimed = rc == 0;
	if (rc == 0 && run->o->resume)
		rc = store_scan_reopen(run->st, run->scan_id);
	if (rc < 0) {
		log_error("%s", store_error(run->st));
		return EXIT_IO;
	}
	return 0;
}

static void log_fix(const struct scan_run *run, const struct stream_fix *fix)
{
	const char *path = run->o->output;
	if (fix->torn_bytes)
		log_warn("%s: dropped a torn last line (%zu bytes)", path, fix->torn_bytes);
	if (fix->metadata)
		log_debug("%s: dropped the metadata line of an earlier run", path);
	if (fix->dropped)
		log_warn("%s: dropped %zu line%s the database does not hold (or holds once)", path,
		         fix->dropped, fix->dropped == 1 ? "" : "s");
	if (fix->appended)
		log_info("%s: appended %zu organization%s stored but missing from the stream", path,
		         fix->appended, fix->appended == 1 ? "" : "s");
}

/* A new scan's stream starts empty; a resumed one is made whole against the database. */
static int settle_stream(struct scan_run *run, const json_t *have)
{
	char err[1024];
	struct stream_fix fix;
	int rc = 0;
	if (run->out == NULL)
		return 0;
	if (!run->o->resume)
		rc = stream_truncate(run->out, err, sizeof err);
	else
		rc = stream_reconcile(run->out, run->scan_id, have, org_line, run, &stop_requested, &fix, err,
		                      sizeof err);
	if (rc < 0)
		log_error("%s", err);
	else if (run->o->resume)
		log_fix(run, &fix);
	return rc == -EINTR ? EXIT_INTERRUPTED : rc == -EEXIST ? EXIT_INPUT : rc < 0 ? EXIT_IO : 0;
}

/*
 * A new scan opens its stream (not yet emptied) before it is recorded, so a bad output
 * path records nothing; then it is recorded and claimed. A resumed scan is claimed
 * first, so a second process is told the scan is busy, then opens its stream. Then the
 * stream is emptied or reconciled.
 */
static int open_outputs(struct scan_run *run, json_t **have)
{
	int code = run->o->resume ? 0 : open_stream(run);
	if (code != 0)
		return code;
	if (!run->o->resume && store_open(run->o->db, &run->st) < 0) {
		log_error("cannot use database %s: %s", run->o->db, store_error(NULL));
		return EXIT_IO;
	}
	/* From here a signal stops the scan at the next step and it is marked interrupted. */
	handle_signals(on_signal_late);
	if (stop_requested)
		return EXIT_INTERRUPTED;
	if (!run->o->resume && (code = begin_scan(run)) != 0)
		return code;
	if ((code = claim(run)) != 0 || (run->o->resume && (code = open_stream(run)) != 0))
		return code;
	if (store_scan_orgs(run->st, run->scan_id, have) < 0) {
		log_error("cannot list the organizations of scan %lld: %s", (long long)run->scan_id,
		          store_error(run->st));
		return EXIT_IO;
	}
	return settle_stream(run, *have);
}

/* ---- the end ---- */

/* The stream's last line: what scan this was, under which options, and what it holds. */
static void write_metadata(struct scan_run *run, const char *status)
{
	json_t *info = NULL, *counts = NULL;
	char err[512];
	if (store_scan_info(run->st, run->scan_id, &info) < 0 ||
	    store_scan_counts(run->st, run->scan_id, run->m->version, &counts) < 0) {
		log_error("NDJSON output: cannot read the scan's metadata: %s", store_error(run->st));
		run->failed_store = 1;
		json_decref(info);
		return;
	}
	json_t *args = json_object_get(info, "args");
	json_t *rec = json_pack("{s:s, s:s, s:s, s:I, s:i, s:s, s:O, s:I, s:O, s:O, s:O, s:o}", "type",
	                        "metadata", "tool", "vitals", "version", VITALS_VERSION, "scan_id",
	                        (json_int_t)run->scan_id, "method", run->m->version, "status", status,
	                        "started", json_object_get(info, "started"), "finished",
	                        (json_int_t)time(NULL), "scope", json_object_get(args, "scope"), "exclude",
	                        json_object_get(args, "exclude"), "options", args, "counts", counts);
	char *line = NULL;
	size_t len;
	if (json_line(rec, &line, &len) < 0)
		snprintf(err, sizeof err, "out of memory");
	if (line == NULL || stream_write(run->out, line, len, err, sizeof err) < 0)
		log_error("NDJSON output: %s", err), run->failed_store = 1;
	free(line);
	json_decref(rec);
	json_decref(info);
}

static void summary(const struct scan_run *run)
{
	log_info("scan %lld: %d organizations graded: A %d, B %d, C %d, D %d, F %d, no score %d%s",
	         (long long)run->scan_id, run->stored, run->grades[0], run->grades[1], run->grades[2],
	         run->grades[3], run->grades[4], run->grades[5], run->interrupted ? " (interrupted)" : "");
}

/* Closes the scan with `status` and the organizations it holds; logs a failure. */
static int end_scan(struct scan_run *run, const char *status)
{
	json_t *info = NULL;
	int orgs = 0;
	if (store_scan_info(run->st, run->scan_id, &info) == 0)
		orgs = (int)json_integer_value(json_object_get(info, "orgs"));
	json_decref(info);
	int rc = store_scan_end(run->st, run->scan_id, status, orgs);
	if (rc < 0)
		log_error("cannot close scan %lld: %s", (long long)run->scan_id, store_error(run->st));
	return rc;
}

static int finish(struct scan_run *run, int code)
{
	if (stop_requested)
		run->interrupted = 1;
	if (code == EXIT_OK && run->interrupted)
		code = EXIT_INTERRUPTED;
	if (run->unstarted > 0) {
		/* Not complete: --resume finds them missing and scans them. */
		log_error(
		    "%zu organizations could not be started (out of memory); --resume %lld retries them",
		    run->unstarted, (long long)run->scan_id);
		if (code == EXIT_OK)
			code = EXIT_INTERNAL;
	}
	if (code == EXIT_OK && run->incomplete)
		code = EXIT_INTERNAL;
	int whole = code == EXIT_OK && !run->failed_store && run->unstarted == 0;
	const char *status = whole ? "complete" : "interrupted";
	if (end_scan(run, status) < 0 && code == EXIT_OK)
		code = EXIT_IO;
	if (run->out != NULL)
		write_metadata(run, status);
	if (code == EXIT_OK && run->failed_store)
		code = EXIT_IO;
	summary(run);
	return code;
}

static int scan_run_all(struct scan_run *run, const json_t *have)
{
	size_t n = 0;
	size_t *order = scan_order(run->tl.n, run->o->seed, run->o->shard, run->o->shards, &n);
	if (order == NULL || skip_stored(run, have, order, &n) < 0) {
		log_error("out of memory");
		free(order);
		return EXIT_INTERNAL;
	}
	scan_fit_file_limit(run->o, &run->tl);
	log_info("scan %lld: %zu organizations, scope %s%s%s", (long long)run->scan_id, n,
	         run->o->scope ? run->o->scope : "public unicast", run->o->exclude ? " minus " : "",
	         run->o->exclude ? run->o->exclude : "");
	int code = EXIT_OK;
	if (!stop_requested && run_engine(run, order, n) < 0)
		code = EXIT_INTERNAL;
	free(order);
	return code;
}

static int scan_main(struct scan_opts *o)
{
	struct scan_run run = {.o = o, .m = method_current()};
	json_t *have = NULL;
	int code = prepare(&run);
	if (code == 0 && (code = open_outputs(&run, &have)) == 0)
		code = finish(&run, scan_run_all(&run, have));
	else if (code != 0 && run.st != NULL && (run.claimed || (!o->resume && run.scan_id > 0)))
		end_scan(&run, "interrupted"); /* recorded or claimed, stopped before its run */
	json_decref(have);
	stream_close(run.out);
	store_close(run.st);
	targets_free(&run.tl);
	scope_free(&run.scope);
	return code;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_opts o;
	scan_opts_init(&o);
	stop_requested = 0;
	handle_signals(on_signal_early);
	int rc = scan_opts_parse(argc, argv, &o);
	if (rc == 0)
		rc = scan_main(&o);
	else
		rc = rc > 0 ? EXIT_OK : EXIT_USAGE;
	scan_opts_clear(&o);
	return rc;
}
