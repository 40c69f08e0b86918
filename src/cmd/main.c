/* vitals: outside-in security posture of healthcare organizations. main() dispatches. */
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "method.h"

static const struct {
	const char *name;                  /* subcommand */
	int (*run)(int argc, char **argv); /* its entry */
	const char *summary;               /* one line for --help */
} commands[] = {
    {"scan", cmd_scan, "scan organizations from a targets file; grade and store them"},
    {"serve", cmd_serve, "the disclosure program's web server (pages, security.txt, intake, JSON API)"},
    {"user", cmd_user, "the staff accounts of vitals serve: add, passwd, disable, list"},
    {"tls", cmd_tls, "deep TLS of named endpoints (addresses, hosts, ports), NDJSON out"},
    {"show", cmd_show, "print one organization's scorecard from the database"},
    {"report", cmd_report, "write a self-contained HTML report of a scan"},
    {"rescore", cmd_rescore, "re-grade a stored scan under a methodology version, offline"},
    {"compare", cmd_compare, "compare two scans: what changed, and whether it is more than chance"},
    {"trend", cmd_trend, "factor averages and findings per organization over scans of the same targets"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vitals COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`vitals COMMAND --help` for a command's options; `man vitals` for all.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("vitals %s (methodology v%d)\n", VITALS_VERSION, method_current()->version);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		/* A peer that resets mid-write must not kill the scan: OpenSSL writes with write(2). */
		signal(SIGPIPE, SIG_IGN);
		curl_global_init(CURL_GLOBAL_DEFAULT);
		/* Seed jansson's hash tables once, before any worker thread makes an object. */
		json_object_seed(0);
		int rc = commands[i].run(argc - 1, argv + 1);
		curl_global_cleanup();
		return rc;
	}
	log_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
