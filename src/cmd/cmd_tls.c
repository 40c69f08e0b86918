/*
 * `vitals tls`: deep TLS of named endpoints only, as sslscan users run it. Every endpoint
 * (an argument, or a line of -f FILE) is checked first, and every address literal against
 * the scope; nothing is contacted while any is wrong. Each endpoint is then one target of
 * the same engine, pacing and probe code as `vitals scan` (probes_tls: the named-endpoint
 * module and the deep-TLS probe), and each of its addresses gives one NDJSON line: the
 * tls_scans object of docs/OBSERVATIONS.md plus the tls.* findings analyze_tls gives it.
 * Lines come out in the order the endpoints were named. No database, no grade, no DNS
 * discovery beyond a named host's own addresses.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze_tls.h"
#include "cmd.h"
#include "infile.h"
#include "log.h"
#include "probes.h"
#include "scan_opts.h"
#include "tls_endpoint.h"
#include "workers.h"

#define ENDPOINTS_FILE_CAP (64u << 20) /* an endpoints file: 64 MiB */
#define ERRORS_SHOWN       20          /* bad lines of a file reported one by one */

struct tls_run {
	struct scan_opts o;    /* the options scan shares with tls, and their defaults */
	const char *file;      /* -f FILE or NULL */
	const char *sni;       /* --sni for address endpoints, or NULL */
	int smtp;              /* --starttls smtp */
	struct scope scope;    /* what may be contacted */
	struct target_list tl; /* one target per endpoint: its canonical line as the domain */
	json_t **lines;        /* per endpoint, its output lines once finished (an array) */
	size_t next;           /* the first endpoint not yet written */
	FILE *out;             /* where NDJSON lines go, or NULL (a terminal without -o) */
	int human;             /* a line per endpoint for a person on stdout (a terminal) */
	int failed_write;      /* a write failed */
	int incomplete;        /* an endpoint could not be analyzed */
	size_t endpoints, ok;  /* lines written, and of them status ok */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vitals tls [options] ENDPOINT...\n"
	           "       vitals tls [options] -f FILE\n"
	           "ENDPOINT: ADDR, ADDR:PORT, [V6]:PORT, HOST or HOST:PORT (port 443, or 25 with\n"
	           "--starttls smtp); FILE: one endpoint a line, then sni=NAME and starttls=smtp\n"
	           "  -f, --file FILE      endpoints, one a line (- for stdin; # comments)\n"
	           "  --sni NAME           server name sent to address endpoints (default: none)\n"
	           "  --starttls smtp      EHLO and STARTTLS before TLS (SMTP)\n"
	           "  --depth DEPTH        full (default: every accepted suite, in the server's\n"
	           "                       order) or sweep (versions and weak classes)\n"
	           "  -o, --output FILE    NDJSON output, one endpoint per line (default: stdout)\n"
	           "  --scope CIDR[,...]   addresses that may be contacted (default: public unicast)\n"
	           "  --exclude CIDR[,...] addresses never contacted\n"
	           "  --root-hints FILE    root hints for host names (default " DEFAULT_ROOT_HINTS ")\n"
	           "  --trust-anchor FILE  DNSSEC trust anchor (default " DEFAULT_TRUST_ANCHOR ")\n"
	           "  --ca-file FILE       CA certificates for certificate trust (default: system)\n"
	           "  --concurrency N      endpoints in flight, 1 to 10000 (default 64)\n"
	           "  --conn-rate N        connections per second (default: no limit)\n"
	           "  --per-address N      connections in flight per address, 1 to 1000 (default 4)\n"
	           "  --workers N          engines, one thread each, 1 to 256 (default: processors)\n"
	           "  --timeout MS         per DNS query and per connection (default 5000)\n"
	           "  -q, --quiet          warnings and errors only\n"
	           "  -v, --verbose        debug messages\n");
}

enum { OPT_SNI = 300, OPT_STARTTLS, OPT_DEPTH, OPT_SHARED = 1000 };

/* The options tls shares with scan: their values are checked by scan's own parser. One list
 * (string literals, so the option table is a constant initializer for every compiler). */
#define SHARED_OPTS(X)                                                                                       \
	X(0, "output", required_argument)                                                                    \
	X(1, "scope", required_argument)                                                                     \
	X(2, "exclude", required_argument)                                                                   \
	X(3, "root-hints", required_argument)                                                                \
	X(4, "trust-anchor", required_argument)                                                              \
	X(5, "ca-file", required_argument)                                                                   \
	X(6, "concurrency", required_argument)                                                               \
	X(7, "conn-rate", required_argument)                                                                 \
	X(8, "per-address", required_argument)                                                               \
	X(9, "workers", required_argument)                                                                   \
	X(10, "timeout", required_argument)                                                                  \
	X(11, "quiet", no_argument)                                                                          \
	X(12, "verbose", no_argument)
#define SHARED_NAME(i, name, arg) name,
#define SHARED_OPT(i, name, arg)  {name, arg, NULL, OPT_SHARED + (i)},

static const char *const shared_names[] = {SHARED_OPTS(SHARED_NAME)};

static const struct option long_opts[] = {
    {"file", required_argument, NULL, 'f'},
    {"sni", required_argument, NULL, OPT_SNI},
    {"starttls", required_argument, NULL, OPT_STARTTLS},
    {"depth", required_argument, NULL, OPT_DEPTH},
    {"help", no_argument, NULL, 'h'},
    /* then those shared with scan */
    SHARED_OPTS(SHARED_OPT)
    /* the end */
    {NULL, 0, NULL, 0},
};

static int own_option(struct tls_run *run, int c, const char *arg)
{
	struct tls_endpoint ep;
	char why[160];
	switch (c) {
	case 'f':
		run->file = arg;
		return 0;
	case 'o':
		return scan_opts_shared(&run->o, "output", arg);
	case 'q':
		return scan_opts_shared(&run->o, "quiet", NULL);
	case 'v':
		return scan_opts_shared(&run->o, "verbose", NULL);
	case OPT_SNI:
		/* A server name is a host name: parsed as an endpoint without a port. */
		if (tls_endpoint_parse(arg, strlen(arg), &ep, why, sizeof why) == 0 && !ep.literal &&
		    ep.port == 0) {
			run->sni = arg;
			return 0;
		}
		log_error("--sni: '%s' is not a host name", arg);
		return -EINVAL;
	case OPT_STARTTLS:
		run->smtp = strcmp(arg, "smtp") == 0;
		if (!run->smtp)
			log_error("--starttls: '%s' is not smtp", arg);
		return run->smtp ? 0 : -EINVAL;
	case OPT_DEPTH:
		run->o.eng.tls_depth = strcmp(arg, "full") == 0 ? TLS_DEPTH_FULL : TLS_DEPTH_SWEEP;
		if (strcmp(arg, "full") != 0 && strcmp(arg, "sweep") != 0) {
			log_error("--depth: '%s' is not full or sweep", arg);
			return -EINVAL;
		}
		return 0;
	}
	return scan_opts_shared(&run->o, shared_names[c - OPT_SHARED], arg);
}

/* Options into run; *first is the index of the first endpoint argument. 0, 1 after --help, or -EINVAL. */
static int parse_args(struct tls_run *run, int argc, char **argv, int *first)
{
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:qvh", long_opts, NULL)) != -1) {
		if (c == 'h' || c == '?') {
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 1 : -EINVAL;
		}
		if (own_option(run, c, optarg) < 0) {
			log_error("see vitals tls --help");
			return -EINVAL;
		}
	}
	*first = optind;
	return 0;
}

/* ---- endpoints ---- */

/* Appends one endpoint as a target: org_id its position, name as given, domain its canonical line. */
static int add_endpoint(struct tls_run *run, struct tls_endpoint *ep, const char *given, size_t len)
{
	char text[TLS_ENDPOINT_TEXT_MAX], id[24];
	struct target_list *tl = &run->tl;
	if (run->smtp)
		ep->smtp = 1;
	if (run->sni != NULL && ep->literal && ep->sni[0] == '\0')
		snprintf(ep->sni, sizeof ep->sni, "%s", run->sni);
	if (tls_endpoint_text(ep, text, sizeof text) < 0)
		return -ENOSPC;
	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? 2 * tl->cap : 64;
		struct target *v = realloc(tl->v, cap * sizeof *v);
		if (v == NULL)
			return -ENOMEM;
		tl->v = v;
		tl->cap = cap;
	}
	struct target *t = &tl->v[tl->n];
	memset(t, 0, sizeof *t);
	snprintf(id, sizeof id, "%zu", tl->n + 1);
	t->org_id = strdup(id);
	t->name = strndup(given, len);
	t->domains[0] = strdup(text);
	t->ndomains = 1;
	tl->n++;
	return t->org_id && t->name && t->domains[0] ? 0 : -ENOMEM;
}

static int read_args(struct tls_run *run, char **args, int n)
{
	char why[256];
	struct tls_endpoint ep;
	for (int i = 0; i < n; i++) {
		if (tls_endpoint_parse(args[i], strlen(args[i]), &ep, why, sizeof why) < 0) {
			log_error("endpoint %d: %s", i + 1, why);
			return EXIT_USAGE;
		}
		if (add_endpoint(run, &ep, args[i], strlen(args[i])) < 0)
			return EXIT_INTERNAL;
	}
	return EXIT_OK;
}

/* Every line of the file; each bad one is reported as FILE:LINE (the first ERRORS_SHOWN). */
static int read_lines(struct tls_run *run, const struct infile *f)
{
	char why[256];
	size_t bad = 0, lineno = 0;
	for (const char *p = f->data, *end = f->data + f->len; p < end; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct tls_endpoint ep;
		int rc = memchr(p, '\0', len) ? -EINVAL : tls_endpoint_line(p, len, &ep, why, sizeof why);
		if (rc < 0 && bad++ < ERRORS_SHOWN)
			log_error("%s:%zu: %s", run->file, lineno + 1,
			          memchr(p, '\0', len) ? "a NUL byte" : why);
		if (rc > 0 && add_endpoint(run, &ep, p, len) < 0)
			return EXIT_INTERNAL;
		p += len + 1;
	}
	if (bad > ERRORS_SHOWN)
		log_error("%s: %zu bad lines in all", run->file, bad);
	return bad ? EXIT_INPUT : EXIT_OK;
}

static int read_file(struct tls_run *run)
{
	struct infile f = {0};
	char err[512] = "";
	if (run->file == NULL)
		return EXIT_OK;
	int rc = infile_read(run->file, ENDPOINTS_FILE_CAP, 1, &f, err, sizeof err);
	if (rc < 0) {
		log_error("%s", err);
		return EXIT_INPUT;
	}
	rc = read_lines(run, &f);
	infile_free(&f);
	return rc;
}

/* Address literals are checked before anything is contacted: one outside the scope ends the run. */
static int check_scope(const struct tls_run *run)
{
	struct tls_endpoint ep;
	char why[64];
	int outside = 0;
	for (size_t i = 0; i < run->tl.n; i++) {
		const char *line = run->tl.v[i].domains[0];
		if (tls_endpoint_line(line, strlen(line), &ep, why, sizeof why) == 1 && ep.literal &&
		    !scope_allows_text(&run->scope, ep.name)) {
			log_error("%s: %s is outside --scope (or in --exclude): not contacted",
			          run->tl.v[i].name, ep.name);
			outside = 1;
		}
	}
	return outside ? EXIT_INPUT : EXIT_OK;
}

/* ---- results ---- */

/* One tls_scans entry's line: the entry (ours: the observations are dropped after) with the tls.*
 * findings analyze_tls gives it alone added. A new reference, or NULL without memory. */
static json_t *entry_line(json_t *entry)
{
	struct findings fs = {0};
	const char *who = json_string_value(json_object_get(entry, "host"));
	json_t *doc =
	    json_pack("{s:s, s:[O]}", "domain", who ? who : json_string_value(json_object_get(entry, "addr")),
	              "tls_scans", entry);
	json_t *found = json_array();
	int rc = doc && found ? analyze_tls(doc, &fs) : -ENOMEM;
	/* The endpoint's own come first; a check seen again is the domain-level one (an MX alone is
	 * a domain without an https endpoint), not this endpoint's. */
	for (size_t i = 0; rc == 0 && i < fs.n; i++) {
		int again = 0;
		for (size_t j = 0; j < i && !again; j++)
			again = strcmp(fs.v[j].check, fs.v[i].check) == 0;
		if (strncmp(fs.v[i].check, "tls.", 4) == 0 && !again &&
		    json_array_append_new(found, finding_to_json(&fs.v[i])) < 0)
			rc = -ENOMEM;
	}
	findings_clear(&fs);
	json_decref(doc);
	if (rc == 0 && json_object_set_new(entry, "findings", found) == 0)
		return json_incref(entry);
	json_decref(found);
	return NULL;
}

/*
 * One line for a person: the endpoint, its status, the versions it accepts and the checks it
 * fails ("127.1.0.1:443 www.org1.test ok TLSv1.2 TLSv1.3 fails: tls.cipher.cbc").
 */
static int human_line(FILE *f, const json_t *line)
{
	const char *host = json_string_value(json_object_get(line, "host"));
	const char *addr = json_string_value(json_object_get(line, "addr"));
	json_t *protos = json_object_get(line, "protocols"), *fs = json_object_get(line, "findings"), *v;
	const char *name;
	size_t i, fails = 0;
	int rc = fprintf(f, strchr(addr ? addr : "", ':') ? "[%s]:%lld" : "%s:%lld", addr ? addr : "-",
	                 json_integer_value(json_object_get(line, "port")));
	rc |= fprintf(f, "%s%s %s", host ? " " : "", host ? host : "",
	              json_string_value(json_object_get(line, "status")));
	json_object_foreach(protos, name, v)
	{
		if (json_is_true(v))
			rc |= fprintf(f, " %s", name);
	}
	json_array_foreach(fs, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "status")), "fail") == 0)
			rc |=
			    fprintf(f, "%s %s",
			            fails++ ? "" : " fails:", json_string_value(json_object_get(v, "check")));
	}
	return rc < 0 || fputc('\n', f) == EOF ? -EIO : 0;
}

/* Writes every finished endpoint from the first not yet written, in the order they were named. */
static void flush(struct tls_run *run)
{
	for (; run->next < run->tl.n && run->lines[run->next] != NULL; run->next++) {
		json_t *a = run->lines[run->next], *line;
		size_t i;
		json_array_foreach(a, i, line)
		{
			char *s = run->out ? json_dumps(line, JSON_COMPACT) : NULL;
			if (run->out && (s == NULL || fprintf(run->out, "%s\n", s) < 0))
				run->failed_write = 1;
			if (run->human && human_line(stdout, line) < 0)
				run->failed_write = 1;
			run->endpoints++;
			run->ok +=
			    strcmp(json_string_value(json_object_get(line, "status")) ?: "", "ok") == 0;
			free(s);
		}
		json_decref(a);
		run->lines[run->next] = NULL;
	}
	if ((run->out && fflush(run->out) != 0) || (run->human && fflush(stdout) != 0))
		run->failed_write = 1;
}

static void on_endpoint(void *arg, const struct target *t, json_t *obs, time_t started, time_t finished)
{
	struct tls_run *run = arg;
	size_t idx = (size_t)(t - run->tl.v), i;
	json_t *lines = json_array(), *e;
	json_array_foreach(json_object_get(json_array_get(obs, 0), "tls_scans"), i, e)
	{
		json_t *line = entry_line(e);
		if (line == NULL || json_array_append_new(lines, line) < 0)
			run->incomplete = 1;
	}
	if (json_array_size(lines) == 0) {
		log_error("%s: no result (out of memory or cut short)", t->name);
		run->incomplete = 1;
	}
	run->lines[idx] = lines;
	json_decref(obs);
	flush(run);
}

/* ---- the run ---- */

static int run_engine(struct tls_run *run)
{
	char err[512] = "";
	struct workers_stats st;
	size_t *order = calloc(run->tl.n, sizeof *order);
	run->lines = calloc(run->tl.n, sizeof *run->lines);
	if (order == NULL || run->lines == NULL) {
		free(order);
		return EXIT_INTERNAL;
	}
	for (size_t i = 0; i < run->tl.n; i++)
		order[i] = i;
	struct engine_opts *eng = &run->o.eng;
	/* Each engine loads the trust store (the system's: a tenth of a second): no more than there are
	 * endpoints. */
	if ((size_t)run->o.workers > run->tl.n)
		run->o.workers = (int)run->tl.n;
	eng->scope = &run->scope;
	eng->modules = probes_tls(&eng->nmodules);
	struct workers_run wr = {.eng = eng,
	                         .n = run->o.workers < eng->concurrency ? run->o.workers : eng->concurrency,
	                         .targets = &run->tl,
	                         .order = order,
	                         .norder = run->tl.n,
	                         .on_result = on_endpoint,
	                         .arg = run,
	                         .stop = &stop_requested};
	int rc = pace_new(run->o.conn_rate, run->o.per_address, &eng->pace);
	if (rc == 0) {
		pace_set_max_in_flight(eng->pace, run->o.max_in_flight);
		rc = workers_scan(&wr, &st, err, sizeof err);
	}
	eng->pace = pace_free(eng->pace);
	free(order);
	if (rc < 0) {
		log_error("cannot start the engine: %s", err[0] ? err : strerror(-rc));
		return EXIT_INTERNAL;
	}
	if (st.stopped)
		return EXIT_INTERRUPTED;
	return st.unstarted || run->incomplete ? EXIT_INTERNAL : EXIT_OK;
}

/* NDJSON to -o FILE (or - for stdout), else to stdout unless it is a terminal: a person there
 * gets one short line per endpoint instead (beside -o FILE too). */
static int open_output(struct tls_run *run)
{
	const char *path = run->o.output;
	int tty = isatty(STDOUT_FILENO), to_stdout = path != NULL && strcmp(path, "-") == 0;
	run->human = tty && !to_stdout;
	if (path == NULL || to_stdout) {
		run->out = run->human ? NULL : stdout;
		return EXIT_OK;
	}
	run->out = fopen(path, "w");
	if (run->out == NULL) {
		log_error("%s: %s", path, strerror(errno));
		return EXIT_IO;
	}
	return EXIT_OK;
}

/* 1 when some endpoint is a host name (the resolver will be asked). */
static int has_names(const struct tls_run *run)
{
	struct tls_endpoint ep;
	char why[64];
	for (size_t i = 0; i < run->tl.n; i++) {
		const char *line = run->tl.v[i].domains[0];
		if (tls_endpoint_line(line, strlen(line), &ep, why, sizeof why) == 1 && !ep.literal)
			return 1;
	}
	return 0;
}

static int prepare(struct tls_run *run, char **args, int nargs)
{
	int rc = read_args(run, args, nargs);
	if (rc == EXIT_OK)
		rc = read_file(run);
	if (rc == EXIT_OK && run->tl.n == 0) {
		log_error("no endpoint to scan: name some, or give -f FILE (see vitals tls --help)");
		rc = EXIT_USAGE;
	}
	if (rc == EXIT_OK && !has_names(run)) {
		/* Nothing to resolve: the default resolver inputs are neither read nor needed. */
		if (!(run->o.given & GIVEN_ROOT_HINTS))
			run->o.eng.root_hints = NULL;
		if (!(run->o.given & GIVEN_TRUST_ANCHOR))
			run->o.eng.trust_anchor = NULL;
	}
	if (rc == EXIT_OK && scan_build_scope(&run->o, &run->scope) < 0)
		rc = EXIT_USAGE;
	if (rc == EXIT_OK)
		rc = check_scope(run);
	if (rc == EXIT_OK && scan_check_inputs(&run->o, &run->scope) < 0)
		rc = EXIT_INPUT;
	return rc == EXIT_OK ? open_output(run) : rc;
}

static void run_free(struct tls_run *run)
{
	for (size_t i = 0; run->lines != NULL && i < run->tl.n; i++)
		json_decref(run->lines[i]);
	free(run->lines);
	if (run->out != NULL && run->out != stdout)
		fclose(run->out);
	targets_free(&run->tl);
	scope_free(&run->scope);
	scan_opts_clear(&run->o);
}

int cmd_tls(int argc, char **argv)
{
	struct tls_run run = {0};
	int first = 0;
	scan_opts_init(&run.o);
	run.o.eng.tls_depth = TLS_DEPTH_FULL;
	int rc = parse_args(&run, argc, argv, &first);
	if (rc != 0) {
		scan_opts_clear(&run.o);
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	}
	rc = prepare(&run, argv + first, argc - first);
	if (rc == EXIT_OK) {
		struct sigaction sa = {.sa_handler = on_signal};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		scan_fit_file_limit(&run.o, &run.tl);
		rc = run_engine(&run);
		log_info("%zu endpoints, %zu answered TLS", run.endpoints, run.ok);
		if (run.failed_write && rc == EXIT_OK) {
			log_error("cannot write the output");
			rc = EXIT_IO;
		}
	}
	run_free(&run);
	return rc;
}
