/* `vitals scan` options: parsing, storing with the scan, restoring on resume. */
#include "scan_opts.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "workers.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vitals scan [options] TARGETS|-\n"
	           "       vitals scan --resume ID [options] [TARGETS|-]\n"
	           "  --db FILE            SQLite database (default vitals.db)\n"
	           "  -o, --output FILE    NDJSON output, one organization per line (- for stdout)\n"
	           "  --scope CIDR[,...]   addresses that may be contacted (default: public unicast)\n"
	           "  --exclude CIDR[,...] addresses never contacted\n"
	           "  --root-hints FILE    root hints (default " DEFAULT_ROOT_HINTS ")\n"
	           "  --trust-anchor FILE  DNSSEC trust anchor (default " DEFAULT_TRUST_ANCHOR ")\n"
	           "  --ca-file FILE       CA certificates for certificate trust (default: system)\n"
	           "  --concurrency N      organizations in flight, 1 to 10000 (default 64; lowered\n"
	           "                       to fit the open-file limit)\n"
	           "  --rate N             organizations started per second (default: no limit)\n"
	           "  --conn-rate N        connections per second, all workers (default: no limit)\n"
	           "  --per-address N      connections in flight per address, 1 to 1000 (default 4)\n"
	           "  --workers N          scan engines, one thread each, 1 to 256 (default: the\n"
	           "                       processors online); --concurrency and --rate are shared\n"
	           "  --timeout MS         per DNS query and per connection, 100 to 600000 (default 5000)\n"
	           "  --org-timeout MS     per organization, 100 to 3600000 (default 60000)\n"
	           "  --tls DEPTH          deep TLS on every endpoint: sweep (default), full (every\n"
	           "                       accepted suite, in the server's order) or off\n"
	           "  --services on|off    port sweep of every address and the service probes\n"
	           "                       (default on)\n"
	           "  --shard I/N          scan only slice I of N (0 <= I < N)\n"
	           "  --seed N             seed of the scan order permutation (default 1)\n"
	           "  --resume ID          continue scan ID under its own options, skipping\n"
	           "                       organizations it has\n"
	           "  --force              resume although the targets changed since the scan began\n"
	           "  --progress, --no-progress  progress line on stderr (default: on a terminal)\n"
	           "  -q, --quiet          warnings and errors only\n"
	           "  -v, --verbose        debug messages\n");
}

void scan_opts_init(struct scan_opts *o)
{
	*o = (struct scan_opts){
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
	    .workers = workers_default(),
	    .per_address = 4,
	};
}

void scan_opts_clear(struct scan_opts *o)
{
	json_decref(o->restored);
	o->restored = NULL;
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
	OPT_FORCE,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_WORKERS,
	OPT_CONN_RATE,
	OPT_PER_ADDRESS,
	OPT_TLS,
	OPT_SERVICES,
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
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"conn-rate", required_argument, NULL, OPT_CONN_RATE},
    {"per-address", required_argument, NULL, OPT_PER_ADDRESS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"org-timeout", required_argument, NULL, OPT_ORG_TIMEOUT},
    {"tls", required_argument, NULL, OPT_TLS},
    {"services", required_argument, NULL, OPT_SERVICES},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"seed", required_argument, NULL, OPT_SEED},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"force", no_argument, NULL, OPT_FORCE},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int number_opt(const char *name, const char *arg, unsigned long min, unsigned long max,
                      unsigned long *v)
{
	if (parse_uint(arg, max, v) < 0 || *v < min) {
		log_error("%s: '%s' is not a number from %lu to %lu", name, arg, min, max);
		return -EINVAL;
	}
	return 0;
}

/* Options that take a number, with their ranges. */
static int parse_number(struct scan_opts *o, int c, const char *arg)
{
	unsigned long v = 0;
	int rc = 0;
	switch (c) {
	case OPT_CONCURRENCY:
		rc = number_opt("--concurrency", arg, 1, CONCURRENCY_MAX, &v);
		o->eng.concurrency = (int)v;
		return rc;
	case OPT_RATE:
		rc = number_opt("--rate", arg, 0, 1000000, &v);
		o->eng.rate = (double)v;
		return rc;
	case OPT_WORKERS:
		rc = number_opt("--workers", arg, 1, WORKERS_MAX, &v);
		o->workers = (int)v;
		return rc;
	case OPT_CONN_RATE:
		rc = number_opt("--conn-rate", arg, 0, CONN_RATE_MAX, &v);
		o->conn_rate = (double)v;
		return rc;
	case OPT_PER_ADDRESS:
		rc = number_opt("--per-address", arg, 1, PER_ADDRESS_MAX, &v);
		o->per_address = (int)v;
		return rc;
	case OPT_TIMEOUT:
		rc = number_opt("--timeout", arg, 100, 600000, &v);
		o->eng.query_timeout_ms = o->eng.conn_timeout_ms = (int)v;
		return rc;
	case OPT_ORG_TIMEOUT:
		rc = number_opt("--org-timeout", arg, 100, 3600000, &v);
		o->eng.org_timeout_ms = (int)v;
		return rc;
	case OPT_SEED:
		rc = number_opt("--seed", arg, 0, (unsigned long)INT64_MAX, &v);
		o->seed = v;
		return rc;
	case OPT_RESUME:
		rc = number_opt("--resume", arg, 1, (unsigned long)INT64_MAX, &v);
		o->resume = (int64_t)v;
		return rc;
	}
	return -EINVAL;
}

static unsigned given_bit(int c)
{
	switch (c) {
	case OPT_SCOPE:
		return GIVEN_SCOPE;
	case OPT_EXCLUDE:
		return GIVEN_EXCLUDE;
	case OPT_ROOT_HINTS:
		return GIVEN_ROOT_HINTS;
	case OPT_TRUST_ANCHOR:
		return GIVEN_TRUST_ANCHOR;
	case OPT_CA_FILE:
		return GIVEN_CA_FILE;
	case OPT_TIMEOUT:
		return GIVEN_TIMEOUT;
	case OPT_ORG_TIMEOUT:
		return GIVEN_ORG_TIMEOUT;
	case OPT_SHARD:
		return GIVEN_SHARD;
	case OPT_SEED:
		return GIVEN_SEED;
	case 'o':
		return GIVEN_OUTPUT;
	case OPT_CONCURRENCY:
		return GIVEN_CONCURRENCY;
	case OPT_RATE:
		return GIVEN_RATE;
	case OPT_CONN_RATE:
		return GIVEN_CONN_RATE;
	case OPT_PER_ADDRESS:
		return GIVEN_PER_ADDRESS;
	case OPT_TLS:
		return GIVEN_TLS;
	case OPT_SERVICES:
		return GIVEN_SERVICES;
	}
	return 0;
}

static const char *const tls_depths[] = {
    [TLS_DEPTH_SWEEP] = "sweep", [TLS_DEPTH_FULL] = "full", [TLS_DEPTH_OFF] = "off"};

static int tls_depth_of(const char *s)
{
	for (int i = 0; s != NULL && i < 3; i++)
		if (strcmp(s, tls_depths[i]) == 0)
			return i;
	return -1;
}

static int parse_tls(struct scan_opts *o, const char *arg)
{
	int d = tls_depth_of(arg);
	if (d < 0) {
		log_error("--tls: '%s' is not sweep, full or off", arg);
		return -EINVAL;
	}
	o->eng.tls_depth = d;
	return 0;
}

static int parse_one(struct scan_opts *o, int c, const char *arg)
{
	o->given |= given_bit(c);
	switch (c) {
	case OPT_DB:
		o->db = arg;
		return 0;
	case 'o':
		o->output = arg;
		return 0;
	case OPT_SCOPE:
		o->scope = arg;
		return 0;
	case OPT_EXCLUDE:
		o->exclude = arg;
		return 0;
	case OPT_ROOT_HINTS:
		o->eng.root_hints = arg;
		return 0;
	case OPT_TRUST_ANCHOR:
		o->eng.trust_anchor = arg;
		return 0;
	case OPT_CA_FILE:
		o->eng.ca_file = arg;
		return 0;
	case OPT_FORCE:
		o->force = 1;
		return 0;
	case OPT_PROGRESS:
		o->progress = 1;
		return 0;
	case OPT_NO_PROGRESS:
		o->progress = 0;
		return 0;
	case 'q':
		log_set_level(LOG_WARN);
		return 0;
	case 'v':
		log_set_level(LOG_DEBUG);
		return 0;
	case OPT_TLS:
		return parse_tls(o, arg);
	case OPT_SERVICES:
		if (strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0) {
			o->eng.services_off = strcmp(arg, "off") == 0;
			return 0;
		}
		log_error("--services: '%s' is not on or off", arg);
		return -EINVAL;
	case OPT_SHARD:
		if (parse_shard(arg, &o->shard, &o->shards) == 0)
			return 0;
		log_error("--shard: '%s' is not I/N with 0 <= I < N", arg);
		return -EINVAL;
	}
	return parse_number(o, c, arg);
}

int scan_opts_parse(int argc, char **argv, struct scan_opts *o)
{
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qvh", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == '?') {
			usage(stderr);
			return -EINVAL;
		}
		if (parse_one(o, c, optarg) < 0) {
			log_error("see vitals scan --help");
			return -EINVAL;
		}
	}
	int operands = argc - optind;
	if (operands > 1 || (operands == 0 && !o->resume)) {
		log_error("scan needs exactly one TARGETS argument (a file, or - for stdin)");
		usage(stderr);
		return -EINVAL;
	}
	if (o->force && !o->resume) {
		log_error("--force only makes sense with --resume");
		return -EINVAL;
	}
	o->targets = operands ? argv[optind] : NULL;
	return 0;
}

/* ---- stored options ---- */

/*
 * The canonical absolute form of a path ("-" stays "-"): symbolic links and "." and ".."
 * resolved, through its directory when the file does not exist yet (an output).
 */
static json_t *abs_path(const char *p)
{
	char buf[PATH_MAX], dir[PATH_MAX];
	if (p == NULL)
		return json_null();
	if (strcmp(p, "-") == 0)
		return json_string(p);
	if (realpath(p, buf) != NULL)
		return json_string(buf);
	const char *slash = strrchr(p, '/');
	const char *base = slash ? slash + 1 : p;
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - p) + (slash == p) : 1, slash ? p : ".");
	if (realpath(dir, buf) != NULL)
		return json_sprintf("%s%s%s", buf, strcmp(buf, "/") == 0 ? "" : "/", base);
	if (p[0] == '/' || getcwd(dir, sizeof dir) == NULL)
		return json_string(p);
	return json_sprintf("%s/%s", dir, p);
}

json_t *scan_opts_json(const struct scan_opts *o, const char *targets_sha256)
{
	return json_pack(
	    "{s:i, s:o, s:s?, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:I, s:I, s:I, s:i, s:f, s:i, s:f, "
	    "s:i, s:s, s:s}",
	    "args_version", 2, "targets", abs_path(o->targets), "targets_sha256", targets_sha256, "output",
	    abs_path(o->output), "scope", o->scope ? json_string(o->scope) : json_null(), "exclude",
	    o->exclude ? json_string(o->exclude) : json_null(), "root_hints", abs_path(o->eng.root_hints),
	    "trust_anchor", abs_path(o->eng.trust_anchor), "ca_file", abs_path(o->eng.ca_file), "timeout_ms",
	    o->eng.query_timeout_ms, "org_timeout_ms", o->eng.org_timeout_ms, "seed", (json_int_t)o->seed,
	    "shard", (json_int_t)o->shard, "shards", (json_int_t)o->shards, "concurrency", o->eng.concurrency,
	    "rate", o->eng.rate, "workers", o->workers, "conn_rate", o->conn_rate, "per_address",
	    o->per_address, "tls", tls_depths[o->eng.tls_depth], "services",
	    o->eng.services_off ? "off" : "on");
}

/* A scan-defining option: its name on the command line, its keys in the stored args. */
struct defining {
	const char *opt;    /* "--exclude" */
	const char *key[2]; /* "exclude"; a second key for --shard's I and N */
	unsigned bit;       /* GIVEN_* */
	const char *absent; /* how a null value reads in a message */
};

static const struct defining defining[] = {
    {"--scope", {"scope"}, GIVEN_SCOPE, "the default scope (public unicast)"},
    {"--exclude", {"exclude"}, GIVEN_EXCLUDE, "no exclusions"},
    {"--root-hints", {"root_hints"}, GIVEN_ROOT_HINTS, "none"},
    {"--trust-anchor", {"trust_anchor"}, GIVEN_TRUST_ANCHOR, "none"},
    {"--ca-file", {"ca_file"}, GIVEN_CA_FILE, "the system's CA certificates"},
    {"--timeout", {"timeout_ms"}, GIVEN_TIMEOUT, "none"},
    {"--org-timeout", {"org_timeout_ms"}, GIVEN_ORG_TIMEOUT, "none"},
    {"--shard", {"shard", "shards"}, GIVEN_SHARD, "none"},
    {"--seed", {"seed"}, GIVEN_SEED, "none"},
    {"--output", {"output"}, GIVEN_OUTPUT, "no NDJSON output"},
    {"--tls", {"tls"}, GIVEN_TLS, "sweep"},
    {"--services", {"services"}, GIVEN_SERVICES, "off (scanned before the port sweep)"},
};

/* The stored value of a key; a key that older scans did not record reads as null. */
static json_t *stored_value(const json_t *stored, const char *key)
{
	json_t *v = json_object_get(stored, key);
	return v ? v : json_null();
}

static void describe(const struct defining *d, const json_t *args, char *buf, size_t len)
{
	const json_t *a = stored_value(args, d->key[0]);
	if (d->key[1] != NULL)
		snprintf(buf, len, "%lld/%lld", (long long)json_integer_value(a),
		         (long long)json_integer_value(stored_value(args, d->key[1])));
	else if (json_is_null(a))
		snprintf(buf, len, "%s", d->absent);
	else if (json_is_string(a))
		snprintf(buf, len, "'%s'", json_string_value(a));
	else
		snprintf(buf, len, "%lld", (long long)json_integer_value(a));
}

static int same(const struct defining *d, const json_t *now, const json_t *stored)
{
	/* A scan begun without a stream may gain one: it starts with every stored organization. */
	if (d->bit == GIVEN_OUTPUT && json_is_null(stored_value(stored, "output")))
		return 1;
	for (int k = 0; k < 2 && d->key[k] != NULL; k++) {
		json_t *a = stored_value(now, d->key[k]), *b = stored_value(stored, d->key[k]);
		int legacy_seed = strcmp(d->key[k], "seed") == 0 && !json_object_get(stored, "args_version");
		/* Scans stored before args_version 2 kept the seed truncated to an int. */
		if (legacy_seed && json_is_integer(a) && json_is_integer(b) &&
		    (int)json_integer_value(a) == (int)json_integer_value(b))
			continue;
		if (!json_equal(a, b) && !(json_is_null(a) && json_is_null(b)))
			return 0;
	}
	return 1;
}

static int conflict(const struct defining *d, int64_t scan_id, const json_t *now, const json_t *stored,
                    char *err, size_t errlen)
{
	char was[512], given[512];
	describe(d, stored, was, sizeof was);
	describe(d, now, given, sizeof given);
	snprintf(err, errlen,
	         "%s: scan %lld was started with %s, not %s (leave %s out to resume the scan as it began)",
	         d->opt, (long long)scan_id, was, given, d->opt);
	return -EINVAL;
}

static const char *text_or_null(const json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

static int int_or(const json_t *args, const char *key, int dflt)
{
	json_t *v = json_object_get(args, key);
	return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

/* Points the options at the stored values of everything left out on the command line. */
static void apply(struct scan_opts *o, const json_t *a)
{
	unsigned g = o->given;
	if (!(g & GIVEN_SCOPE))
		o->scope = text_or_null(a, "scope");
	if (!(g & GIVEN_EXCLUDE))
		o->exclude = text_or_null(a, "exclude");
	if (!(g & GIVEN_ROOT_HINTS) && text_or_null(a, "root_hints"))
		o->eng.root_hints = text_or_null(a, "root_hints");
	if (!(g & GIVEN_TRUST_ANCHOR) && text_or_null(a, "trust_anchor"))
		o->eng.trust_anchor = text_or_null(a, "trust_anchor");
	if (!(g & GIVEN_CA_FILE))
		o->eng.ca_file = text_or_null(a, "ca_file");
	if (!(g & GIVEN_OUTPUT) && json_object_get(a, "args_version"))
		o->output = text_or_null(a, "output");
	if (!(g & GIVEN_TIMEOUT))
		o->eng.query_timeout_ms = o->eng.conn_timeout_ms =
		    int_or(a, "timeout_ms", o->eng.query_timeout_ms);
	if (!(g & GIVEN_ORG_TIMEOUT))
		o->eng.org_timeout_ms = int_or(a, "org_timeout_ms", o->eng.org_timeout_ms);
	if (!(g & GIVEN_SHARD))
		o->shard = (unsigned)int_or(a, "shard", 0), o->shards = (unsigned)int_or(a, "shards", 1);
	if (!(g & GIVEN_SEED) && json_is_integer(json_object_get(a, "seed")))
		o->seed = (uint64_t)json_integer_value(json_object_get(a, "seed"));
	if (!(g & GIVEN_CONCURRENCY))
		o->eng.concurrency = int_or(a, "concurrency", o->eng.concurrency);
	if (!(g & GIVEN_RATE) && json_is_number(json_object_get(a, "rate")))
		o->eng.rate = json_number_value(json_object_get(a, "rate"));
	/* Scans stored before these options had the defaults. */
	if (!(g & GIVEN_CONN_RATE) && json_is_number(json_object_get(a, "conn_rate")))
		o->conn_rate = json_number_value(json_object_get(a, "conn_rate"));
	if (!(g & GIVEN_PER_ADDRESS))
		o->per_address = int_or(a, "per_address", o->per_address);
	/* Scans stored before --tls had no deep-TLS probe: resumed, they go on with the default. */
	if (!(g & GIVEN_TLS) && tls_depth_of(text_or_null(a, "tls")) >= 0)
		o->eng.tls_depth = tls_depth_of(text_or_null(a, "tls"));
	/* Scans stored before --services had no port sweep: resumed, they go on without one. */
	if (!(g & GIVEN_SERVICES)) {
		const char *sv = text_or_null(a, "services");
		o->eng.services_off = sv == NULL || strcmp(sv, "on") != 0;
	}
	if (o->targets == NULL)
		o->targets = text_or_null(a, "targets");
}

/* Stored options are input too: a damaged database must not divide by zero or spin. */
static int check_ranges(const struct scan_opts *o, int64_t scan_id, char *err, size_t errlen)
{
	const struct engine_opts *e = &o->eng;
	const char *bad = e->concurrency < 1 || e->concurrency > CONCURRENCY_MAX          ? "concurrency"
	                  : e->query_timeout_ms < 100 || e->query_timeout_ms > 600000     ? "timeout_ms"
	                  : e->org_timeout_ms < 100 || e->org_timeout_ms > 3600000        ? "org_timeout_ms"
	                  : o->shards < 1 || o->shards > 1000000 || o->shard >= o->shards ? "shard"
	                  : !(e->rate >= 0 && e->rate <= 1000000)                         ? "rate"
	                  : !(o->conn_rate >= 0 && o->conn_rate <= CONN_RATE_MAX)         ? "conn_rate"
	                  : o->per_address < 1 || o->per_address > PER_ADDRESS_MAX        ? "per_address"
	                  : o->seed > (uint64_t)INT64_MAX                                 ? "seed"
	                                                                                  : NULL;
	if (bad == NULL)
		return 0;
	snprintf(err, errlen, "scan %lld's stored options are damaged: %s is out of range",
	         (long long)scan_id, bad);
	return -ERANGE;
}

int scan_opts_restore(struct scan_opts *o, int64_t scan_id, const json_t *stored, char *err, size_t errlen)
{
	json_t *now = scan_opts_json(o, NULL);
	int rc = now ? 0 : -ENOMEM;
	for (size_t i = 0; rc == 0 && i < sizeof defining / sizeof defining[0]; i++)
		if ((o->given & defining[i].bit) && !same(&defining[i], now, stored))
			rc = conflict(&defining[i], scan_id, now, stored, err, errlen);
	json_decref(now);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc < 0)
		return rc;
	const char *was = text_or_null(stored, "targets");
	if (o->targets == NULL && (was == NULL || strcmp(was, "-") == 0)) {
		snprintf(err, errlen, "scan %lld read its targets from %s: give TARGETS again",
		         (long long)scan_id, was ? "standard input" : "a file it did not record");
		return -EINVAL;
	}
	json_decref(o->restored);
	o->restored = json_deep_copy(stored);
	if (o->restored == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	apply(o, o->restored);
	return check_ranges(o, scan_id, err, errlen);
}
