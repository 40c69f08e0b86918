/*
 * Subcommands of the `vitals` program. main() only dispatches to these. Each takes
 * the arguments after the subcommand name (argv[0] is the subcommand) and returns
 * the process exit code below. Commands log through log.h and never call exit().
 */
#ifndef VITALS_CMD_H
#define VITALS_CMD_H

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

struct cohort;
/* Parses a --cohort SPEC for command `cmd`; logs why it is malformed. 0 or -EINVAL. */
int cmd_cohort_option(const char *cmd, const char *spec, struct cohort *out);

#endif
