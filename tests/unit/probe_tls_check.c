/*
 * probe_tls_check: runs the TLS probe by hand against a server on this machine and
 * prints the observation as JSON on stdout, the time it took on stderr. Not a TAP
 * test (it needs live servers); it is run by hand against a loopback testbed.
 *
 *   probe_tls_check [-t MS] [-c | -n N | -b] HOST ADDR PORT CAFILE
 *
 * -t sets the per-handshake timeout (default 2000 ms); CAFILE "-" uses the system
 * trust store. -c exercises cancellation: a second probe of the same server is
 * cancelled from whichever callback comes first, and a third is cancelled right after
 * it starts; exactly one callback must arrive. -n runs N probes at once and prints
 * the first result. -b breaks the loop from the callback, so the probe is finalized
 * by event_base_free(). It checks that every descriptor was closed. Exit status 0,
 * or 1 on any failure.
 */
#include "probe_tls.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum mode { MODE_ONE = 0, MODE_CANCEL, MODE_MANY, MODE_BREAK };

struct run {
	struct event_base *base;    /* the loop */
	enum mode mode;             /* what is being exercised */
	int nprobes;                /* probes started that should call back */
	struct tls_probe *probe[2]; /* MODE_CANCEL: the two probes racing */
	int callbacks;              /* how many callbacks arrived */
	int cancelled;              /* how many probes a callback cancelled */
};

static struct run run;

static void print_json(const json_t *tls)
{
	char *text = json_dumps(tls, JSON_INDENT(2));

	printf("%s\n", text ? text : "(null)");
	free(text);
}

static void on_done(void *arg, json_t *tls)
{
	int me = (int)(long)arg, other = !me;
	const char *status = json_string_value(json_object_get(tls, "status"));

	if (run.callbacks++ == 0)
		print_json(tls);
	else if (run.mode == MODE_MANY && (!status || strcmp(status, "ok") != 0 ||
	                                   json_object_size(json_object_get(tls, "legacy_errors"))))
		fprintf(stderr, "probe %d: %s, %zu legacy errors\n", run.callbacks,
		        status ? status : "(none)", json_object_size(json_object_get(tls, "legacy_errors")));
	json_decref(tls);
	if (run.mode == MODE_BREAK)
		event_base_loopbreak(run.base);
	if (run.mode != MODE_CANCEL)
		return;
	run.probe[me] = NULL;
	if (run.probe[other]) {
		tls_probe_cancel(run.probe[other]);
		run.probe[other] = NULL;
		run.cancelled++;
	}
}

static void on_never(void *arg, json_t *tls)
{
	fprintf(stderr, "callback of a cancelled probe\n");
	json_decref(tls);
	run.callbacks += 1000;
}

static int parse_addr(const char *addr, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	char *end;
	long n = strtol(port, &end, 10);

	if (*port == '\0' || *end != '\0' || n <= 0 || n > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)n);
		*len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)n);
		*len = sizeof(*v6);
		return 0;
	}
	return -EINVAL;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Open descriptors, to see that every socket was closed. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* MODE_CANCEL: two racing probes (one cancels the other) and one cancelled at once. */
static int start_cancel(struct tls_ctxs *ctxs, const struct sockaddr *sa, socklen_t len, const char *host,
                        int timeout)
{
	struct tls_probe *extra = NULL;
	int r, i;

	for (i = 0; i < 2; i++) {
		r = tls_probe_start(run.base, ctxs, sa, len, host, timeout, on_done, (void *)(long)i,
		                    &run.probe[i]);
		if (r < 0) {
			tls_probe_cancel(i ? run.probe[0] : NULL);
			return r;
		}
	}
	r = tls_probe_start(run.base, ctxs, sa, len, host, timeout, on_never, NULL, &extra);
	if (r == 0)
		tls_probe_cancel(extra);
	run.nprobes = 1;
	return r;
}

/* The other modes: run.nprobes probes; a failure to start one leaves the others running. */
static int start_many(struct tls_ctxs *ctxs, const struct sockaddr *sa, socklen_t len, const char *host,
                      int timeout)
{
	int i, r, started = 0;

	for (i = 0; i < run.nprobes; i++) {
		r = tls_probe_start(run.base, ctxs, sa, len, host, timeout, on_done, NULL, NULL);
		if (r < 0) {
			fprintf(stderr, "tls_probe_start %d: %s\n", i, strerror(-r));
			break;
		}
		started++;
	}
	run.nprobes = started;
	return started ? 0 : -EIO;
}

static int check(void)
{
	if (run.mode == MODE_CANCEL && run.cancelled != 1) {
		fprintf(stderr, "cancel check failed: %d cancelled\n", run.cancelled);
		return 1;
	}
	if (run.callbacks != run.nprobes) {
		fprintf(stderr, "expected %d callbacks, got %d\n", run.nprobes, run.callbacks);
		return 1;
	}
	return 0;
}

/* Synchronous failures: a negative code and never a callback. */
static int check_api(struct tls_ctxs *ctxs, const struct sockaddr *sa, socklen_t len)
{
	struct tls_ctxs *bad = NULL;
	char longname[300];
	int fails = 0;

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	fails += tls_ctxs_new("/nonexistent/ca.pem", &bad) != -EINVAL || bad != NULL;
	fails += tls_probe_start(run.base, ctxs, sa, len, "x.test", 0, on_never, NULL, NULL) != -EINVAL;
	fails += tls_probe_start(run.base, ctxs, sa, len - 1, "x.test", 100, on_never, NULL, NULL) != -EINVAL;
	fails += tls_probe_start(run.base, ctxs, sa, len, "", 100, on_never, NULL, NULL) != -EINVAL;
	fails += tls_probe_start(run.base, ctxs, sa, len, longname, 100, on_never, NULL, NULL) != -EINVAL;
	fails += tls_probe_start(run.base, NULL, sa, len, "x.test", 100, on_never, NULL, NULL) != -EINVAL;
	tls_probe_cancel(NULL);
	if (tls_ctxs_free(NULL) != NULL)
		fails++;
	if (fails)
		fprintf(stderr, "API checks: %d failed\n", fails);
	return fails ? -EINVAL : 0;
}

static int parse_opts(int argc, char **argv, int *timeout)
{
	int opt;

	run.nprobes = 1;
	while ((opt = getopt(argc, argv, "t:cn:b")) != -1) {
		if (opt == 't')
			*timeout = (int)strtol(optarg, NULL, 10);
		else if (opt == 'c')
			run.mode = MODE_CANCEL;
		else if (opt == 'n')
			run.mode = MODE_MANY, run.nprobes = (int)strtol(optarg, NULL, 10);
		else if (opt == 'b')
			run.mode = MODE_BREAK;
		else
			return -EINVAL;
	}
	return argc - optind == 4 && *timeout > 0 && run.nprobes > 0 ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct tls_ctxs *ctxs = NULL;
	int timeout = 2000, r, rc = 1, fds;
	const char *host, *ca;
	long long t0;

	if (parse_opts(argc, argv, &timeout) < 0 ||
	    parse_addr(argv[optind + 1], argv[optind + 2], &ss, &len) < 0) {
		fprintf(stderr, "usage: probe_tls_check [-t MS] [-c | -n N | -b] HOST ADDR PORT CAFILE\n");
		return 2;
	}
	host = argv[optind];
	ca = strcmp(argv[optind + 3], "-") ? argv[optind + 3] : NULL;
	signal(SIGPIPE, SIG_IGN);
	fds = count_fds();
	run.base = event_base_new();
	r = run.base ? tls_ctxs_new(ca, &ctxs) : -ENOMEM;
	if (r < 0) {
		fprintf(stderr, "setup: %s\n", strerror(-r));
		goto out;
	}
	if (check_api(ctxs, (struct sockaddr *)&ss, len) < 0)
		goto out;
	t0 = now_ms();
	if (run.mode == MODE_CANCEL)
		r = start_cancel(ctxs, (struct sockaddr *)&ss, len, host, timeout);
	else
		r = start_many(ctxs, (struct sockaddr *)&ss, len, host, timeout);
	if (r < 0) {
		fprintf(stderr, "tls_probe_start: %s\n", strerror(-r));
		goto out;
	}
	event_base_dispatch(run.base);
	fprintf(stderr, "elapsed_ms=%lld probes=%d\n", now_ms() - t0, run.nprobes);
	rc = check();
out:
	/* Any probe still finalizing is freed here. */
	if (run.base)
		event_base_free(run.base);
	tls_ctxs_free(ctxs);
	libevent_global_shutdown();
	if (count_fds() != fds) {
		fprintf(stderr, "descriptors left open: %d before, %d after\n", fds, count_fds());
		rc = 1;
	}
	return rc;
}
