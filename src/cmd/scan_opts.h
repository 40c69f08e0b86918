/*
 * The options of `vitals scan`: parsing the command line, recording the options that
 * define a scan with it, and restoring them on --resume.
 *
 * A scan is defined by its scope, exclusions, resolver inputs (root hints, trust
 * anchor, CA file), deadlines, shard, seed, output stream, --tls depth and targets: a resume runs
 * under exactly those. An option given again on resume must have the stored value
 * (else a usage error naming both); one left out takes the stored value. Pace
 * (--concurrency, --rate, --workers, --conn-rate, --per-address) may change on resume. Paths are stored
 * absolute, so a resume from another directory finds the same files.
 *
 * No I/O beyond getcwd; messages go to the caller's buffer (parse logs, as the
 * command layer does).
 */
#ifndef VITALS_SCAN_OPTS_H
#define VITALS_SCAN_OPTS_H

#include <jansson.h>
#include <stdint.h>

#include "engine.h"

#define DEFAULT_ROOT_HINTS   "/usr/share/dns/root.hints"
#define DEFAULT_TRUST_ANCHOR "/usr/share/dns/root.key"
#define CONCURRENCY_MAX      10000
#define WORKERS_MAX          256
#define CONN_RATE_MAX        1000000
#define PER_ADDRESS_MAX      1000

/* Bits of scan_opts.given: options that appeared on the command line. */
enum {
	GIVEN_SCOPE = 1 << 0,
	GIVEN_EXCLUDE = 1 << 1,
	GIVEN_ROOT_HINTS = 1 << 2,
	GIVEN_TRUST_ANCHOR = 1 << 3,
	GIVEN_CA_FILE = 1 << 4,
	GIVEN_TIMEOUT = 1 << 5,
	GIVEN_ORG_TIMEOUT = 1 << 6,
	GIVEN_SHARD = 1 << 7,
	GIVEN_SEED = 1 << 8,
	GIVEN_OUTPUT = 1 << 9,
	GIVEN_CONCURRENCY = 1 << 10,
	GIVEN_RATE = 1 << 11,
	GIVEN_WORKERS = 1 << 12,
	GIVEN_CONN_RATE = 1 << 13,
	GIVEN_PER_ADDRESS = 1 << 14,
	GIVEN_TLS = 1 << 15,
	GIVEN_SERVICES = 1 << 16,
};

struct scan_opts {
	const char *targets;    /* targets file or "-"; NULL on a resume that reuses the stored one */
	const char *db;         /* database path */
	const char *output;     /* NDJSON output or NULL */
	const char *scope;      /* --scope list or NULL for the default scope */
	const char *exclude;    /* --exclude list or NULL */
	struct engine_opts eng; /* engine options */
	unsigned shard, shards; /* --shard i/n */
	uint64_t seed;          /* permutation seed, 0 to INT64_MAX */
	int64_t resume;         /* scan id to resume, or 0 */
	int force;              /* --force: resume although the targets changed */
	int progress;           /* progress line: 1 on, 0 off, -1 when stderr is a terminal */
	int workers;            /* --workers: engines on their own threads */
	double conn_rate;       /* --conn-rate: connections started per second across the scan, 0: no limit */
	int per_address;        /* --per-address: connections in flight per address, 1 or more */
	int max_in_flight; /* probe connections in flight across the scan (0: no limit), from the file limit
	                    */
	unsigned given;    /* GIVEN_* bits */
	json_t *restored;  /* the stored options the strings above may point into */
};

/* Defaults for everything. */
void scan_opts_init(struct scan_opts *o);
/* Frees what restoring kept. */
void scan_opts_clear(struct scan_opts *o);
/*
 * Parses argv (argv[0] is "scan"). Returns 0, 1 when --help was printed, or -EINVAL
 * after logging what is wrong.
 */
int scan_opts_parse(int argc, char **argv, struct scan_opts *o);
/* The options that define the scan, as stored with it: paths absolute. NULL: out of memory. */
json_t *scan_opts_json(const struct scan_opts *o, const char *targets_sha256);
/*
 * On resume: checks the options given against `stored` (the scan's args) and takes the
 * stored value of every defining option left out. -EINVAL with `err` naming the option
 * and both values on a conflict; -ERANGE when a stored value is out of its range.
 */
int scan_opts_restore(struct scan_opts *o, int64_t scan_id, const json_t *stored, char *err, size_t errlen);

#endif
