/*
 * `vitals serve`: the disclosure program's web server on a scan database. Parses the
 * options, loads the key and the TLS files, opens the stores, starts the server and
 * waits for SIGINT or SIGTERM, then stops cleanly. `--new-key-file FILE` writes a key.
 */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infile.h"
#include "log.h"
#include "serve.h"
#include "store.h"
#include "vdp.h"
#include "vdp_seal.h"

#define TLS_FILE_CAP (1u << 20) /* a certificate chain or key: 1 MiB */

enum {
	OPT_DB = 256,
	OPT_LISTEN,
	OPT_KEY_FILE,
	OPT_NEW_KEY_FILE,
	OPT_BASE_URL,
	OPT_BEHIND_HTTPS,
	OPT_TLS_CERT,
	OPT_TLS_KEY
};

struct serve_opts {
	const char *db;       /* --db FILE */
	const char *listen;   /* --listen ADDR:PORT */
	const char *key_file; /* --key-file FILE */
	const char *new_key;  /* --new-key-file FILE */
	const char *base_url; /* --base-url URL, or NULL: http://LISTEN */
	const char *tls_cert; /* --tls-cert FILE */
	const char *tls_key;  /* --tls-key FILE */
	int behind_https;     /* --behind-https */
	int verbosity;        /* -q -1, -v +1 */
	int help;             /* -h */
	char addr[64];        /* the address part of --listen */
	unsigned port;        /* its port */
};

static const char serve_usage[] =
    "usage: vitals serve --key-file FILE [--db FILE] [--listen ADDR:PORT] [--base-url URL]\n"
    "                    [--behind-https | --tls-cert FILE --tls-key FILE] [-q] [-v]\n"
    "       vitals serve --new-key-file FILE\n"
    "The disclosure program of every organization of the latest scan: program pages, security.txt,\n"
    "the submission form, the reporter's link, and the same as JSON under /api/v1 (docs/SERVE.md).\n"
    "  --db FILE           the scan database; the program's tables are added to it (default: vitals.db)\n"
    "  --listen ADDR:PORT  where to listen (default: 127.0.0.1:8080; [V6]:PORT for IPv6)\n"
    "  --key-file FILE     the key that seals report text (mode 0600, never beside the database)\n"
    "  --new-key-file FILE write a new random key to FILE (mode 0600) and exit\n"
    "  --base-url URL      the absolute URL users reach the server by (default: http://LISTEN)\n"
    "  --behind-https      a reverse proxy terminates TLS: send Strict-Transport-Security\n"
    "  --tls-cert FILE     serve HTTPS with this PEM certificate chain (and --tls-key)\n"
    "  --tls-key FILE      its PEM private key\n"
    "  -q, -v              fewer, more log lines\n";

static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"key-file", required_argument, NULL, OPT_KEY_FILE},
    {"new-key-file", required_argument, NULL, OPT_NEW_KEY_FILE},
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"behind-https", no_argument, NULL, OPT_BEHIND_HTTPS},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* ADDR:PORT or [V6]:PORT, the port 0..65535 (0: any). */
static int parse_listen(const char *v, struct serve_opts *o)
{
	const char *colon = strrchr(v, ':'), *a = v;
	size_t n = colon ? (size_t)(colon - v) : 0;
	char *end = NULL;
	if (n >= 2 && v[0] == '[' && v[n - 1] == ']')
		a = v + 1, n -= 2;
	if (colon == NULL || n == 0 || n >= sizeof o->addr || colon[1] == '\0')
		goto bad;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port > 65535 || colon[1] == '-' || colon[1] == '+')
		goto bad;
	memcpy(o->addr, a, n);
	o->addr[n] = '\0';
	o->port = (unsigned)port;
	return 0;
bad:
	log_error("serve: --listen %s: expected ADDR:PORT or [V6]:PORT", v);
	return -EINVAL;
}

static int take(struct serve_opts *o, int c, char **argv)
{
	switch (c) {
	case OPT_DB:
		return o->db = optarg, 0;
	case OPT_LISTEN:
		o->listen = optarg;
		return parse_listen(optarg, o);
	case OPT_KEY_FILE:
		return o->key_file = optarg, 0;
	case OPT_NEW_KEY_FILE:
		return o->new_key = optarg, 0;
	case OPT_BASE_URL:
		return o->base_url = optarg, 0;
	case OPT_BEHIND_HTTPS:
		return o->behind_https = 1, 0;
	case OPT_TLS_CERT:
		return o->tls_cert = optarg, 0;
	case OPT_TLS_KEY:
		return o->tls_key = optarg, 0;
	case 'q':
		return o->verbosity--, 0;
	case 'v':
		return o->verbosity++, 0;
	case 'h':
		return o->help = 1, 0;
	case ':':
		log_error("serve: option %s needs a value", argv[optind - 1]);
		return -EINVAL;
	default:
		log_error("serve: unknown option %s (see vitals serve --help)", argv[optind - 1]);
		return -EINVAL;
	}
}

static int check_opts(const struct serve_opts *o)
{
	const char *b = o->base_url;
	if (o->new_key != NULL || o->help)
		return 0;
	if (o->key_file == NULL)
		return log_error("serve: --key-file FILE is required (make one with --new-key-file FILE)"),
		       -EINVAL;
	if ((o->tls_cert == NULL) != (o->tls_key == NULL))
		return log_error("serve: --tls-cert and --tls-key go together"), -EINVAL;
	if (o->tls_cert != NULL && o->behind_https)
		return log_error("serve: --behind-https and --tls-cert exclude each other"), -EINVAL;
	if (b != NULL && ((strncmp(b, "https://", 8) != 0 && strncmp(b, "http://", 7) != 0) ||
	                  strpbrk(b, " \t\r\n\"<>") != NULL || strlen(b) > 200))
		return log_error("serve: --base-url %s: expected an absolute http:// or https:// URL", b),
		       -EINVAL;
	return 0;
}

static int parse(int argc, char **argv, struct serve_opts *o)
{
	int c;
	*o = (struct serve_opts){.db = "vitals.db", .addr = "127.0.0.1", .port = 8080};
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qvh", longopts, NULL)) != -1)
		if (take(o, c, argv) < 0)
			return -EINVAL;
	if (optind != argc) {
		log_error("serve: unexpected argument %s (see vitals serve --help)", argv[optind]);
		return -EINVAL;
	}
	return check_opts(o);
}

/* The base URL: as given without a trailing '/', or http(s)://LISTEN. */
static char *base_url(const struct serve_opts *o)
{
	char *u = NULL;
	if (o->base_url != NULL) {
		u = strdup(o->base_url);
		size_t n = u ? strlen(u) : 0;
		while (n > 0 && u[n - 1] == '/')
			u[--n] = '\0';
		return u;
	}
	int v6 = strchr(o->addr, ':') != NULL;
	if (asprintf(&u, "%s://%s%s%s:%u", o->tls_cert ? "https" : "http", v6 ? "[" : "", o->addr,
	             v6 ? "]" : "", o->port) < 0)
		return NULL;
	return u;
}

static int read_tls(const struct serve_opts *o, struct infile *cert, struct infile *key)
{
	char err[512];
	if (o->tls_cert == NULL)
		return 0;
	if (infile_read(o->tls_cert, TLS_FILE_CAP, 0, cert, err, sizeof err) < 0 ||
	    infile_read(o->tls_key, TLS_FILE_CAP, 0, key, err, sizeof err) < 0) {
		log_error("serve: %s", err);
		return -EINVAL;
	}
	return 0;
}

/* Blocks until SIGINT or SIGTERM (blocked in every thread before the server started). */
static int wait_signal(const sigset_t *set)
{
	int sig = 0;
	sigwait(set, &sig);
	log_info("serve: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	return EXIT_OK;
}

static int run(const struct serve_opts *o, const struct seal_keys *keys, struct store *st, struct vdp *v,
               const sigset_t *set)
{
	struct infile cert = {0}, key = {0};
	struct serve *srv = NULL;
	char err[512], *url = base_url(o);
	int ex = url ? read_tls(o, &cert, &key) < 0 ? EXIT_INPUT : EXIT_OK : EXIT_INTERNAL;
	struct serve_config cfg = {o->addr, o->port, url, o->behind_https, cert.data, key.data};
	if (ex == EXIT_OK && serve_start(&cfg, st, v, keys, &srv, err, sizeof err) < 0) {
		log_error("serve: %s", err);
		ex = EXIT_IO;
	}
	if (ex == EXIT_OK) {
		if (strncmp(url, "https://", 8) != 0)
			log_warn(
			    "serve: the base URL %s is not https: published security.txt files need https",
			    url);
		log_info("serve: listening on %s port %u, pages at %s/", o->addr, serve_port(srv), url);
		ex = wait_signal(set);
	}
	serve_stop(srv);
	infile_free(&cert);
	infile_free(&key);
	free(url);
	return ex;
}

static int serve_main(const struct serve_opts *o)
{
	struct seal_keys keys;
	struct store *st = NULL;
	struct vdp *v = NULL;
	char err[512];
	sigset_t set;
	if (seal_load_keyfile(o->key_file, &keys, err, sizeof err) < 0) {
		log_error("serve: key file %s", err);
		return EXIT_INPUT;
	}
	int ex = cmd_open_db("serve", o->db, 1, &st);
	if (ex == EXIT_OK && vdp_open(o->db, &v, err, sizeof err) < 0) {
		log_error("serve: %s: %s", o->db, err);
		ex = EXIT_IO;
	}
	/* Blocked before the server's thread exists, so only sigwait() sees these signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (ex == EXIT_OK)
		ex = run(o, &keys, st, v, &set);
	vdp_close(v);
	store_close(st);
	seal_keys_wipe(&keys);
	return ex;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o;
	char err[512];
	if (parse(argc, argv, &o) < 0)
		return EXIT_USAGE;
	if (o.help) {
		fputs(serve_usage, stdout);
		return EXIT_OK;
	}
	log_set_level(o.verbosity < 0 ? LOG_WARN : o.verbosity > 0 ? LOG_DEBUG : LOG_INFO);
	if (seal_init() < 0) {
		log_error("serve: libsodium cannot start");
		return EXIT_INTERNAL;
	}
	if (o.new_key != NULL) {
		if (seal_new_keyfile(o.new_key, err, sizeof err) < 0)
			return log_error("serve: %s", err), EXIT_IO;
		log_info("serve: new key written to %s (mode 0600)", o.new_key);
		return EXIT_OK;
	}
	return serve_main(&o);
}
