/*
 * The connection layer against peers this test runs itself on 127.0.0.1: each
 * peer is a thread with blocking sockets playing one script (answer, drip,
 * flood, STARTTLS then TLS with a certificate made here), while the conn runs in
 * the test's event loop. Nothing leaves 127.0.0.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "conn.h"
#include "scope.h"
#include "tap.h"

enum script {
	SC_ANSWER,
	SC_DRIP,
	SC_FLOOD,
	SC_STARTTLS,
	SC_INJECT,
	SC_GREET,
	SC_UDP_ANSWER,
	SC_UDP_BIG,
	SC_WATCH
};

/* What SC_GREET sends at once: not TLS, as a plain HTTP server on port 443 would answer. */
#define GREETING "HTTP/1.1 400 Bad Request\r\n\r\n"

struct peer {
	int lfd;               /* listening socket */
	struct sockaddr_in sa; /* its address */
	enum script script;    /* what the peer does with its one connection */
	SSL_CTX *sctx;         /* the server's TLS context (SC_STARTTLS) */
	pthread_t th;          /* the thread playing the script */
	int started;           /* th runs */
	int end_errno;         /* SC_WATCH: how the client's side ended (0: EOF, else the errno) */
};

struct run {
	struct event_base *base; /* the loop */
	struct conn *c;          /* the connection under test */
	SSL_CTX *cctx;           /* the client's TLS context */
	int ndone;               /* done hook calls */
	enum conn_status st;     /* the status done gave */
	char err[256];           /* conn_error at done */
	uint8_t got[4096];       /* bytes the data hook consumed */
	size_t ngot;             /* how many */
	int consume;             /* the data hook consumes what it sees */
	int phase;               /* STARTTLS script position */
	int tls_rc;              /* conn_start_tls's return */
	int secured;             /* the secured hook ran */
	char version[32];        /* the negotiated TLS version */
	uint8_t peek[256];       /* what conn_peek showed in done */
	ssize_t npeek;           /* its return */
	struct event *later;     /* starts TLS a while after connect (implicit TLS test) */
	struct timeval t0, t1;   /* connect start, done */
	struct event *watchdog;  /* ends a run that would hang */
};

/* ---- peers ---- */

static void read_until_close(int fd)
{
	char b[512];

	while (recv(fd, b, sizeof(b), 0) > 0)
		;
}

static void read_line(int fd)
{
	char ch;

	while (recv(fd, &ch, 1, 0) == 1 && ch != '\n')
		;
}

static void peer_tls(struct peer *p, int fd)
{
	SSL *ssl = SSL_new(p->sctx);
	char b[64];

	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1) {
		SSL_write(ssl, "secret\n", 7);
		while (SSL_read(ssl, b, sizeof(b)) > 0)
			;
	}
	SSL_free(ssl);
}

/* One datagram in, one out: "answer", or 100 bytes over the client's cap of 64. */
static void *peer_udp(void *arg)
{
	struct peer *p = arg;
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	char b[128];

	if (recvfrom(p->lfd, b, sizeof(b), 0, (struct sockaddr *)&from, &flen) < 0)
		return NULL;
	memset(b, 'u', sizeof(b));
	if (p->script == SC_UDP_ANSWER)
		sendto(p->lfd, "answer", 6, 0, (struct sockaddr *)&from, flen);
	else
		sendto(p->lfd, b, 100, 0, (struct sockaddr *)&from, flen);
	return NULL;
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	int fd = accept(p->lfd, NULL, NULL);
	char flood[100];

	if (fd < 0)
		return NULL;
	if (p->script == SC_WATCH) {
		char b[16];
		ssize_t n;
		while ((n = recv(fd, b, sizeof b, 0)) > 0)
			;
		p->end_errno = n < 0 ? errno : 0;
		close(fd);
		return NULL;
	}
	if (p->script == SC_ANSWER) {
		read_line(fd);
		send(fd, "pong\n", 5, MSG_NOSIGNAL);
	} else if (p->script == SC_DRIP) {
		/* One byte every 20 ms until the client goes away. */
		while (send(fd, "x", 1, MSG_NOSIGNAL) == 1)
			usleep(20000);
	} else if (p->script == SC_FLOOD) {
		memset(flood, 'f', sizeof(flood));
		send(fd, flood, sizeof(flood), MSG_NOSIGNAL);
		close(fd); /* then EOF: a client over its cap must say oversized before it reads the EOF */
		return NULL;
	} else if (p->script == SC_GREET) {
		send(fd, GREETING, strlen(GREETING), MSG_NOSIGNAL);
	} else if (p->script == SC_STARTTLS || p->script == SC_INJECT) {
		send(fd, "220 hello\r\n", 11, MSG_NOSIGNAL);
		read_line(fd);
		if (p->script == SC_INJECT) /* one segment: the reply and bytes posing as TLS-protected */
			send(fd, "220 go\r\n250 forged\r\n", 20, MSG_NOSIGNAL);
		else {
			send(fd, "220 go\r\n", 8, MSG_NOSIGNAL);
			peer_tls(p, fd);
		}
	}
	read_until_close(fd);
	close(fd);
	return NULL;
}

static int peer_listen(struct peer *p, int backlog)
{
	socklen_t len = sizeof(p->sa);
	int udp = p->script == SC_UDP_ANSWER || p->script == SC_UDP_BIG;

	memset(&p->sa, 0, sizeof(p->sa));
	p->sa.sin_family = AF_INET;
	p->sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->lfd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (p->lfd < 0 || bind(p->lfd, (struct sockaddr *)&p->sa, sizeof(p->sa)) < 0 ||
	    (!udp && listen(p->lfd, backlog) < 0) || getsockname(p->lfd, (struct sockaddr *)&p->sa, &len) < 0)
		return -1;
	return 0;
}

static int peer_start(struct peer *p, enum script sc, SSL_CTX *sctx)
{
	memset(p, 0, sizeof(*p));
	p->script = sc;
	p->sctx = sctx;
	if (peer_listen(p, 8) < 0 || pthread_create(&p->th, NULL, peer_main, p) != 0)
		return -1;
	p->started = 1;
	return 0;
}

static void peer_stop(struct peer *p)
{
	if (p->started)
		pthread_join(p->th, NULL);
	close(p->lfd);
}

/* ---- the client side ---- */

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	printf("# watchdog: the run did not end\n");
	r->c = conn_free(r->c);
	event_base_loopbreak(r->base);
}

static void on_stuck_loop(evutil_socket_t fd, short what, void *arg)
{
	printf("# watchdog: the run did not end\n");
	event_base_loopbreak(arg);
}

static void on_data(struct conn *c, void *arg)
{
	struct run *r = arg;
	size_t len;
	const uint8_t *d = conn_data(c, &len);

	if (!r->consume)
		return;
	if (len > sizeof(r->got) - r->ngot)
		len = sizeof(r->got) - r->ngot;
	memcpy(r->got + r->ngot, d, len);
	r->ngot += len;
	conn_consume(c, len);
}

static void on_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct run *r = arg;

	r->ndone++;
	r->st = st;
	snprintf(r->err, sizeof(r->err), "%s", conn_error(c));
	r->npeek = conn_peek(c, r->peek, sizeof(r->peek));
	gettimeofday(&r->t1, NULL);
	r->c = conn_free(c);
}

static const struct conn_hooks plain_hooks = {.data = on_data, .done = on_done};

static struct scope *loopback_scope(const char *cidr)
{
	static struct scope s;
	const char *bad;
	size_t badlen;

	scope_free(&s);
	memset(&s, 0, sizeof(s));
	return scope_add_list(&s, cidr, 0, &bad, &badlen) == 0 ? &s : NULL;
}

static int run_new(struct run *r, const struct conn_cfg *cfg, const struct conn_hooks *h)
{
	struct timeval wd = {5, 0};

	memset(r, 0, sizeof(*r));
	r->base = event_base_new();
	r->watchdog = evtimer_new(r->base, on_watchdog, r);
	evtimer_add(r->watchdog, &wd);
	gettimeofday(&r->t0, NULL);
	return conn_new(r->base, cfg, h, r, &r->c);
}

/* Runs the loop until the conn is gone (its last event) or the watchdog fires. */
static void run_loop(struct run *r)
{
	while (r->c && event_base_loop(r->base, EVLOOP_ONCE) == 0)
		;
	evtimer_del(r->watchdog);
}

static void run_end(struct run *r)
{
	r->c = conn_free(r->c);
	event_free(r->watchdog);
	event_base_free(r->base); /* runs the finalizers of freed conns */
}

static long elapsed_ms(const struct run *r)
{
	return (r->t1.tv_sec - r->t0.tv_sec) * 1000 + (r->t1.tv_usec - r->t0.tv_usec) / 1000;
}

static struct conn_cfg cfg_of(const struct scope *s, int connect_ms, int total_ms, size_t rcap)
{
	struct conn_cfg cfg = {.scope = s, .connect_ms = connect_ms, .total_ms = total_ms, .rcap = rcap};

	return cfg;
}

/* ---- tests ---- */

static void on_ping_connected(struct conn *c, void *arg)
{
	ok(conn_step(c, "ping\n", 5, "\n", 0) == 0, "exchange: the step is accepted once connected");
}

static void on_pong(struct conn *c, void *arg)
{
	struct run *r = arg;

	on_data(c, arg);
	/* Freed inside its own hook: the layer must not touch it after (ASan says). */
	r->c = conn_free(c);
}

static void test_exchange(void)
{
	struct conn_hooks h = {.connected = on_ping_connected, .data = on_pong, .done = on_done};
	struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.0/8"), 1000, 3000, 64);
	struct peer p;
	struct run r;

	peer_start(&p, SC_ANSWER, NULL);
	is_int(run_new(&r, &cfg, &h), 0, "exchange: conn_new");
	r.consume = 1;
	is_int(conn_connect(r.c, (struct sockaddr *)&p.sa, sizeof(p.sa)), 0, "exchange: connect starts");
	run_loop(&r);
	is_int(r.ngot, 5, "exchange: the whole answer arrived in one data call");
	ok(r.ngot == 5 && memcmp(r.got, "pong\n", 5) == 0, "exchange: the answer is pong");
	is_int(r.ndone, 0, "exchange: freed in the data hook, done is never called");
	run_end(&r);
	peer_stop(&p);
}

static void on_connected_free(struct conn *c, void *arg)
{
	struct run *r = arg;
	r->c = conn_free(c);
}

/* A connect-only probe (the port sweep) resets instead of closing: the peer reads a reset. */
static void test_reset_close(void)
{
	for (int reset = 0; reset <= 1; reset++) {
		struct conn_hooks h = {.connected = on_connected_free, .done = on_done};
		struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.0/8"), 1000, 3000, 64);
		struct peer p;
		struct run r;
		cfg.reset_close = reset;
		peer_start(&p, SC_WATCH, NULL);
		run_new(&r, &cfg, &h);
		conn_connect(r.c, (struct sockaddr *)&p.sa, sizeof(p.sa));
		run_loop(&r);
		run_end(&r);
		peer_stop(&p);
		is_int(p.end_errno, reset ? ECONNRESET : 0,
		       reset ? "reset_close: the peer sees a reset" : "a normal close: the peer sees EOF");
	}
}

static void test_out_of_scope(void)
{
	struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.2/32"), 1000, 3000, 64);
	struct peer p;
	struct run r;
	int fd;

	memset(&p, 0, sizeof(p));
	peer_listen(&p, 8);
	run_new(&r, &cfg, &plain_hooks);
	is_int(conn_connect(r.c, (struct sockaddr *)&p.sa, sizeof(p.sa)), -EACCES,
	       "scope: 127.0.0.1 refused");
	is_int(conn_last_status(r.c), CONN_OUT_OF_SCOPE, "scope: recorded as out_of_scope");
	is_str(conn_status_name(conn_last_status(r.c)), "out_of_scope", "scope: its name");
	event_base_loop(r.base, EVLOOP_NONBLOCK);
	is_int(r.ndone, 0, "scope: no hook is called");
	fcntl(p.lfd, F_SETFL, O_NONBLOCK);
	fd = accept(p.lfd, NULL, NULL);
	ok(fd < 0 && errno == EAGAIN, "scope: the listener saw no connection");
	if (fd >= 0)
		close(fd);
	run_end(&r);
	peer_stop(&p);
}

static void test_refused(void)
{
	struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.0/8"), 1000, 3000, 64);
	struct peer p;
	struct run r;

	/* A port that was just listening, then closed: nothing listens there now. */
	memset(&p, 0, sizeof(p));
	peer_listen(&p, 8);
	close(p.lfd);
	run_new(&r, &cfg, &plain_hooks);
	is_int(conn_connect(r.c, (struct sockaddr *)&p.sa, sizeof(p.sa)), 0,
	       "refused: a result, not a start error");
	is_int(r.ndone, 0, "refused: done is not called from inside conn_connect");
	run_loop(&r);
	is_int(r.ndone, 1, "refused: done once, from the loop");
	is_int(r.st, CONN_REFUSED, "refused: status refused");
	run_end(&r);
}

static void test_connect_deadline(void)
{
	struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.0/8"), 200, 10000, 64);
	struct peer p;
	struct run r;
	int fill[3];

	/* A backlog of 0 holds one connection; the kernel drops every later SYN. */
	memset(&p, 0, sizeof(p));
	peer_listen(&p, 0);
	for (int i = 0; i < 3; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&p.sa, sizeof(p.sa));
	}
	run_new(&r, &cfg, &plain_hooks);
	conn_connect(r.c, (struct sockaddr *)&p.sa, sizeof(p.sa));
	run_loop(&r);
	is_int(r.st, CONN_TIMEOUT, "connect deadline: timeout");
	is_str(r.err, "connect timed out", "connect deadline: the connect deadline, not the total one");
	ok(elapsed_ms(&r) >= 190 && elapsed_ms(&r) < 2000, "connect deadline: after about 200 ms");
	for (int i = 0; i < 3; i++)
		close(fill[i]);
	run_end(&r);
	close(p.lfd);
}

static void test_total_deadline(void)
{
	struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.0/8"), 1000, 300, 1024);
	struct peer p;
	struct run r;

	peer_start(&p, SC_DRIP, NULL);
	run_new(&r, &cfg, &plain_hooks);
	r.consume = 1;
	conn_connect(r.c, (struct sockaddr *)&p.sa, sizeof(p.sa));
	run_loop(&r);
	is_int(r.st, CONN_TIMEOUT, "total deadline: a dripping peer times out");
	is_str(r.err, "deadline passed", "total deadline: the total deadline");
	ok(r.ngot >= 3, "total deadline: bytes kept arriving before it");
	ok(elapsed_ms(&r) >= 290 && elapsed_ms(&r) < 1000,
	   "total deadline: counted from the connect, not extended");
	run_end(&r);
	peer_stop(&p);
}

static void test_read_cap(void)
{
	struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.0/8"), 1000, 3000, 64);
	struct peer p;
	struct run r;

	peer_start(&p, SC_FLOOD, NULL);
	run_new(&r, &cfg, &plain_hooks);
	conn_connect(r.c, (struct sockaddr *)&p.sa, sizeof(p.sa));
	run_loop(&r);
	is_int(r.st, CONN_OVERSIZED, "read cap: 100 unconsumed bytes over a cap of 64 is oversized");
	is_int(r.npeek, 100, "peek: the 64 buffered bytes and the 36 still in the kernel");
	ok(r.npeek == 100 && r.peek[0] == 'f' && r.peek[99] == 'f', "peek: they are the peer's bytes");
	run_end(&r);
	peer_stop(&p);

	/* The cap bounds what is unconsumed, not the exchange: an owner that consumes reads on. */
	peer_start(&p, SC_FLOOD, NULL);
	run_new(&r, &cfg, &plain_hooks);
	r.consume = 1;
	conn_connect(r.c, (struct sockaddr *)&p.sa, sizeof(p.sa));
	run_loop(&r);
	is_int(r.ngot, 100, "read cap: a consuming owner gets all 100 bytes");
	is_int(r.st, CONN_CLOSED, "read cap: then the peer's close");
	run_end(&r);
	peer_stop(&p);
}

/* ---- STARTTLS ---- */

static SSL_CTX *server_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, key);
	X509_sign(x, key, EVP_sha256());
	if (SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1) {
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

static void on_tls_connected(struct conn *c, void *arg)
{
	conn_step(c, NULL, 0, "\r\n", 0);
}

/* Greeting, STARTTLS and its reply, then the upgrade. */
static void on_tls_data(struct conn *c, void *arg)
{
	struct run *r = arg;
	size_t len;
	const uint8_t *d = conn_data(c, &len);
	const uint8_t *eol = memmem(d, len, "\r\n", 2);

	if (r->secured) {
		on_data(c, arg);
		if (r->ngot >= 7)
			r->c = conn_free(c);
		return;
	}
	if (!eol)
		return;
	conn_consume(c, (size_t)(eol - d) + 2);
	if (r->phase++ == 0)
		conn_step(c, "STARTTLS\r\n", 10, "\r\n", 0);
	else if ((r->tls_rc = conn_start_tls(c, r->cctx, "localhost")) < 0)
		r->c = conn_free(c);
}

static void on_secured(struct conn *c, void *arg)
{
	struct run *r = arg;

	r->secured = 1;
	snprintf(r->version, sizeof(r->version), "%s", SSL_get_version(conn_ssl(c)));
}

static void run_starttls(struct run *r, enum script sc, SSL_CTX *sctx, SSL_CTX *cctx)
{
	struct conn_hooks h = {
	    .connected = on_tls_connected, .secured = on_secured, .data = on_tls_data, .done = on_done};
	struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.0/8"), 1000, 3000, 256);
	struct peer p;

	peer_start(&p, sc, sctx);
	run_new(r, &cfg, &h);
	r->cctx = cctx;
	r->consume = 1;
	conn_connect(r->c, (struct sockaddr *)&p.sa, sizeof(p.sa));
	run_loop(r);
	peer_stop(&p);
}

static void test_starttls(void)
{
	SSL_CTX *sctx = server_ctx(), *cctx = SSL_CTX_new(TLS_client_method());
	struct run r;

	ok(sctx && cctx, "starttls: contexts and a certificate made here");
	run_starttls(&r, SC_STARTTLS, sctx, cctx);
	is_int(r.tls_rc, 0, "starttls: the upgrade starts after the plaintext steps");
	is_int(r.secured, 1, "starttls: the handshake completed");
	is_str(r.version, "TLSv1.3", "starttls: TLS 1.3 negotiated");
	ok(r.ngot == 7 && memcmp(r.got, "secret\n", 7) == 0, "starttls: data read through TLS");
	is_int(r.ndone, 0, "starttls: no error");
	run_end(&r);

	run_starttls(&r, SC_INJECT, sctx, cctx);
	is_int(r.tls_rc, -EPROTO, "starttls: bytes sent before the upgrade refuse it");
	is_int(r.secured, 0, "starttls: no handshake then");
	run_end(&r);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
}

/* ---- implicit TLS ---- */

static void on_later(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	r->tls_rc = conn_start_tls(r->c, r->cctx, NULL);
	if (r->tls_rc < 0)
		r->c = conn_free(r->c);
}

/* Holds reading and starts TLS 100 ms later, when the greeting surely waits in the kernel. */
static void on_hold_connected(struct conn *c, void *arg)
{
	struct run *r = arg;
	struct timeval tv = {0, 100000};

	conn_hold(c);
	r->later = evtimer_new(r->base, on_later, r);
	evtimer_add(r->later, &tv);
}

static void test_implicit_tls(void)
{
	struct conn_hooks h = {.connected = on_hold_connected, .secured = on_secured, .done = on_done};
	struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.0/8"), 1000, 3000, 64);
	size_t glen = strlen(GREETING);
	struct peer p;
	struct run r;

	peer_start(&p, SC_GREET, NULL);
	run_new(&r, &cfg, &h);
	r.cctx = SSL_CTX_new(TLS_client_method());
	conn_connect(r.c, (struct sockaddr *)&p.sa, sizeof(p.sa));
	run_loop(&r);
	is_int(r.tls_rc, 0,
	       "implicit tls: bytes in the kernel before any plaintext do not refuse the upgrade");
	is_int(r.st, CONN_TLS_FAILED, "implicit tls: the handshake rejects what answered");
	is_str(r.err, "error:0A00010B:SSL routines::wrong version number",
	       "implicit tls: OpenSSL's reason is the error text");
	ok(r.npeek > 0 && (size_t)r.npeek < glen &&
	       memcmp(r.peek, &GREETING[glen - (size_t)r.npeek], (size_t)r.npeek) == 0,
	   "implicit tls: conn_peek shows the rest of the greeting OpenSSL did not read");
	event_free(r.later);
	SSL_CTX_free(r.cctx);
	run_end(&r);
	peer_stop(&p);
}

/* ---- datagrams ---- */

static void on_udp_connected(struct conn *c, void *arg)
{
	is_int(conn_write(c, "query", 5), 0, "udp: the query goes as one datagram");
}

static void on_udp_data(struct conn *c, void *arg)
{
	struct run *r = arg;

	on_data(c, arg);
	r->c = conn_free(c);
}

/* Against a UDP peer, or (peer_up 0) a port just closed, where the kernel answers unreachable. */
static void run_udp(struct run *r, enum script sc, int peer_up, int ignore_icmp)
{
	struct conn_hooks h = {.connected = on_udp_connected, .data = on_udp_data, .done = on_done};
	struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.0/8"), 1000, ignore_icmp ? 300 : 3000, 64);
	struct peer p;

	cfg.type = SOCK_DGRAM;
	cfg.ignore_icmp = ignore_icmp;
	memset(&p, 0, sizeof(p));
	p.script = sc;
	peer_listen(&p, 0);
	if (peer_up && pthread_create(&p.th, NULL, peer_udp, &p) == 0)
		p.started = 1;
	if (!peer_up)
		close(p.lfd);
	run_new(r, &cfg, &h);
	r->consume = 1;
	conn_connect(r->c, (struct sockaddr *)&p.sa, sizeof(p.sa));
	run_loop(r);
	if (peer_up)
		peer_stop(&p);
}

static void test_datagrams(void)
{
	struct run r;

	run_udp(&r, SC_UDP_ANSWER, 1, 0);
	ok(r.ngot == 6 && memcmp(r.got, "answer", 6) == 0, "udp: the answer datagram");
	is_int(r.ndone, 0, "udp: no error");
	run_end(&r);
	run_udp(&r, SC_UDP_BIG, 1, 0);
	is_int(r.st, CONN_OVERSIZED, "udp: a 100-byte datagram over a cap of 64 is oversized");
	is_int(r.ngot, 0, "udp: and none of it is delivered");
	run_end(&r);
	run_udp(&r, SC_UDP_ANSWER, 0, 0);
	is_int(r.st, CONN_REFUSED, "udp: port unreachable is refused");
	run_end(&r);
	run_udp(&r, SC_UDP_ANSWER, 0, 1);
	is_int(r.st, CONN_TIMEOUT, "udp: with ignore_icmp, port unreachable waits for the deadline");
	ok(elapsed_ms(&r) >= 290 && elapsed_ms(&r) < 2000, "udp: the whole 300 ms deadline");
	run_end(&r);
}

/* ---- pacing ---- */

#define PACED_HOLD_US 500000 /* the first exchange lasts at least this long */

/* Two connections in turn: the first answered only after PACED_HOLD_US, the second at once. */
static void *peer_two(void *arg)
{
	struct peer *p = arg;

	for (int i = 0; i < 2; i++) {
		int fd = accept(p->lfd, NULL, NULL);
		if (fd < 0)
			return NULL;
		read_line(fd);
		if (i == 0)
			usleep(PACED_HOLD_US);
		send(fd, "pong\n", 5, MSG_NOSIGNAL);
		read_until_close(fd);
		close(fd);
	}
	return NULL;
}

struct paced_run {
	struct event_base *base; /* the loop */
	struct conn *c[3];       /* the connections */
	char log[16];            /* events in order: '1' first connected, 'a' first answered, '2', 'b' */
	size_t nlog;             /* how many */
	enum conn_status st[3];  /* how each ended, 0 if freed on its answer */
};

static int paced_index(struct paced_run *r, struct conn *c)
{
	return c == r->c[0] ? 0 : c == r->c[1] ? 1 : 2;
}

static void paced_connected(struct conn *c, void *arg)
{
	struct paced_run *r = arg;
	int i = paced_index(r, c);

	r->log[r->nlog++] = (char)('1' + i);
	if (i == 0)
		conn_write(c, "ping\n", 5); /* the second one queued its ping while it waited */
}

static void paced_data(struct conn *c, void *arg)
{
	struct paced_run *r = arg;
	size_t len;
	int i = paced_index(r, c);

	conn_data(c, &len);
	if (len < 5)
		return;
	r->log[r->nlog++] = (char)('a' + i);
	r->c[i] = conn_free(c);
}

static void paced_done(struct conn *c, enum conn_status st, int err, void *arg)
{
	struct paced_run *r = arg;
	int i = paced_index(r, c);

	r->st[i] = st;
	r->c[i] = conn_free(c);
}

/*
 * per_addr 1: the second connection to the address connects only once the first
 * is freed, and its deadline (300 ms) starts then, although the first held the
 * slot longer (PACED_HOLD_US); a third, freed while it waits, never connects.
 */
static void test_paced(void)
{
	struct conn_hooks h = {.connected = paced_connected, .data = paced_data, .done = paced_done};
	struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.0/8"), 300, 300, 64);
	struct paced_run r = {0};
	struct event *wd;
	struct timeval five = {5, 0};
	struct peer p;
	int rc = 0, most = 0;

	cfg.total_ms = 3000; /* the first one waits for its slow answer */
	memset(&p, 0, sizeof(p));
	peer_listen(&p, 8);
	if (pthread_create(&p.th, NULL, peer_two, &p) == 0)
		p.started = 1;
	r.base = event_base_new();
	wd = evtimer_new(r.base, on_stuck_loop, r.base);
	evtimer_add(wd, &five);
	is_int(pace_new(0, 1, &cfg.pace), 0, "paced: pace_new");
	rc |= conn_new(r.base, &cfg, &h, &r, &r.c[0]);
	cfg.total_ms = 300;
	rc |= conn_new(r.base, &cfg, &h, &r, &r.c[1]);
	rc |= conn_new(r.base, &cfg, &h, &r, &r.c[2]);
	for (int i = 0; i < 3; i++)
		rc |= conn_connect(r.c[i], (struct sockaddr *)&p.sa, sizeof(p.sa));
	is_int(rc, 0, "paced: three connections start (two of them wait)");
	is_int(conn_write(r.c[1], "ping\n", 5), 0, "paced: a write before the grant is queued");
	r.c[2] = conn_free(r.c[2]);
	while ((r.c[0] || r.c[1]) && event_base_loop(r.base, EVLOOP_ONCE) == 0) {
		int n = pace_in_flight(cfg.pace, (struct sockaddr *)&p.sa);
		most = n > most ? n : most;
	}
	is_int(most, 1, "paced: at most one in flight to the address, at every turn of the loop");
	r.log[r.nlog] = '\0';
	is_str(r.log, "1a2b", "paced: the second connects only after the first ended, and is answered");
	ok(r.st[0] == 0 && r.st[1] == 0,
	   "paced: neither timed out (the second's deadline began at its grant)");
	is_int(pace_addresses(cfg.pace), 0, "paced: the address is released");
	peer_stop(&p);
	event_free(wd);
	event_base_free(r.base);
	pace_free(cfg.pace);
}

static void test_start_errors(void)
{
	struct event_base *base = event_base_new();
	struct conn_cfg cfg = cfg_of(loopback_scope("127.0.0.0/8"), 1000, 3000, 64);
	struct conn_cfg nocap = cfg_of(loopback_scope("127.0.0.0/8"), 1000, 3000, 0);
	struct conn_hooks nodone = {.data = on_data};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct conn *c = NULL;

	is_int(conn_new(base, &nocap, &plain_hooks, NULL, &c), -EINVAL, "start: a zero read cap is refused");
	is_int(conn_new(base, &cfg, &nodone, NULL, &c), -EINVAL, "start: done is required");
	is_int(conn_new(base, &cfg, &plain_hooks, NULL, &c), 0, "start: a good config");
	is_int(conn_write(c, "x", 1), -ENOTCONN, "start: no write before connect");
	is_int(conn_connect(c, (struct sockaddr *)&sin, 2), -EINVAL, "start: a short address is refused");
	/* Never run: freeing the base runs the finalizer (LSan checks nothing leaks). */
	c = conn_free(c);
	ok(c == NULL && conn_free(NULL) == NULL, "start: conn_free returns NULL and accepts NULL");
	event_base_free(base);
}

int main(void)
{
	test_exchange();
	test_reset_close();
	test_out_of_scope();
	test_refused();
	test_connect_deadline();
	test_total_deadline();
	test_read_cap();
	test_starttls();
	test_implicit_tls();
	test_datagrams();
	test_paced();
	test_start_errors();
	scope_free(loopback_scope("127.0.0.1/32"));
	return done_testing();
}
