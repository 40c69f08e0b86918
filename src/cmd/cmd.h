/*
 * Subcommands of the `vitals` program. main() only dispatches to these. Each takes
 * the arguments after the subcommand name (argv[0] is the subcommand) and returns
 * the process exit code below. Commands log through log.h and never call exit().
 */
#ifndef VITALS_CMD_H
#define VITALS_CMD_H

#include <stdint.h>

enum exit_code {
	EXIT_OK = 0,          /* success */
	EXIT_USAGE = 2,       /* bad command line */
	EXIT_INPUT = 3,       /* unreadable or invalid input (targets file, database, scan id) */
	EXIT_IO = 4,          /* cannot write output or database */
	EXIT_INTERRUPTED = 5, /* stopped by a signal; results so far are saved */
	EXIT_INTERNAL = 6,    /* out of memory or a library failure */
	EXIT_BUSY = 7,        /* the scan is being run by another process */
};

int cmd_scan(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_rescore(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_trend(int argc, char **argv);
int cmd_tls(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);

/* Option values shared by the commands; each logs why a value is bad ("CMD: ...") and returns -EINVAL. */
struct cohort;
/* A --cohort SPEC. 0 or -EINVAL. */
int cmd_cohort_option(const char *cmd, const char *spec, struct cohort *out);
/* A scan id given to option `opt` (--scan, --base, --targets-of): a positive number. 0 or -EINVAL. */
int cmd_scan_id_option(const char *cmd, const char *opt, const char *value, int64_t *out);
struct store;
/*
 * Opens an existing database for command `cmd` (reading commands never create one):
 * read-only unless `writes`. Logs why not and returns the exit code; EXIT_OK with *st set.
 */
int cmd_open_db(const char *cmd, const char *path, int writes, struct store **st);
/* A methodology version for --method: "v2", "V2" or "2", one this build knows. 0 or -EINVAL. */
int cmd_method_option(const char *cmd, const char *value, int *out);

/* Shared with `vitals tls` by cmd_scan.c: the scope from --scope and --exclude, the resolver and
 * TLS input files read and checked, the open-file limit raised and --concurrency fitted to it.
 * The first two log what is wrong and return a negative errno. */
struct scan_opts;
struct scope;
struct target_list;
int scan_build_scope(const struct scan_opts *o, struct scope *s);
int scan_check_inputs(const struct scan_opts *o, const struct scope *s);
void scan_fit_file_limit(struct scan_opts *o, const struct target_list *tl);

#endif
