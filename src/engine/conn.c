/*
 * The connection layer (see conn.h for the contract). A conn is a non-blocking
 * socket with two one-shot I/O events (readable, writable), two timers (connect,
 * total) and a `reap` event used only as the vehicle of libevent's finalizer,
 * which frees the object once no callback of it is running. conn_update() is the
 * one place that decides which I/O event is armed, from the state.
 */
#include "conn.h"
#include "errbuf.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONN_ERRLEN  256      /* room for an error text */
#define CONN_UNTIL   64       /* longest step pattern */
#define CONN_RCAP    16777216 /* largest read cap a config may ask for */
#define CONN_DRAIN   16384    /* unread bytes dropped before close, so close sends FIN, not RST */
#define CONN_READMAX 65536    /* bytes read per wake-up, so one fast peer cannot hold the loop */
#define CONN_DGRAMS  16       /* datagrams read per wake-up, for the same reason */

/* A connection waiting for, or holding, a slot of the scan's pacing (pace.h). */
struct paced {
	struct pace_ticket *ticket;   /* the slot, while waited for or held */
	struct sockaddr_storage peer; /* where to connect once granted */
	socklen_t peerlen;            /* its length */
};

enum conn_state { ST_IDLE = 0, ST_WAITING, ST_CONNECTING, ST_OPEN, ST_HANDSHAKING, ST_SECURE, ST_ENDED };

struct conn {
	struct event_base *base; /* the loop */
	struct conn_cfg cfg;     /* scope, deadlines, read cap */
	struct conn_hooks hooks; /* the owner's hooks */
	void *arg;               /* their argument */
	enum conn_state state;   /* how far it got */
	int fd;                  /* the socket, -1 before connect and after free */
	SSL *ssl;                /* the TLS session once started */
	struct event *rd;        /* one-shot: the socket is readable */
	struct event *wr;        /* one-shot: the socket is writable */
	struct event *tconnect;  /* the connect deadline */
	struct event *ttotal;    /* the total deadline */
	struct event *reap;      /* never added: carries the finalizer that frees us */
	uint8_t *rbuf;           /* read buffer, cfg.rcap bytes */
	size_t rlen;             /* unconsumed bytes in it */
	uint8_t *wbuf;           /* bytes queued to send, at most CONN_WCAP */
	size_t wlen;             /* how many */
	int held;                /* the owner paused reading */
	int plain;               /* plaintext was written, read or stepped for: no implicit TLS */
	int recheck;             /* deliver buffered bytes on the next wake-up, without new ones */
	int stepping;            /* a step waits for its pattern or count */
	char until[CONN_UNTIL];  /* the step's pattern */
	size_t until_len;        /* its length, 0 for none */
	size_t want;             /* the step's byte count */
	int tls_wants_write;     /* the handshake waits for writability, not readability */
	int write_wants_read;    /* SSL_write waits for readability */
	int pending;             /* errno of a connect that failed at once, delivered from the loop */
	enum conn_status status; /* how it ended, 0 while it runs */
	int err;                 /* the errno behind it */
	char error[CONN_ERRLEN]; /* its text */
	int freed;               /* conn_free was called: no more hooks */
	struct paced paced;      /* the pacing's slot and where to connect once it is granted */
};

static void on_io(evutil_socket_t fd, short what, void *arg);

const char *conn_status_name(enum conn_status st)
{
	switch (st) {
	case CONN_OUT_OF_SCOPE:
		return "out_of_scope";
	case CONN_REFUSED:
		return "refused";
	case CONN_TIMEOUT:
		return "timeout";
	case CONN_CLOSED:
		return "closed";
	case CONN_OVERSIZED:
		return "oversized";
	case CONN_TLS_FAILED:
		return "tls_failed";
	case CONN_ERROR:
		return "error";
	}
	return "running";
}

static int gone(const struct conn *c)
{
	return c->freed || c->state == ST_ENDED;
}

static void stop_events(struct conn *c)
{
	struct event *evs[] = {c->rd, c->wr, c->tconnect, c->ttotal};

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_del(evs[i]);
}

/* The one way an exchange ends once started: from the loop, at most once. */
static void conn_end(struct conn *c, enum conn_status st, int err, const char *text)
{
	if (gone(c))
		return;
	c->state = ST_ENDED;
	c->status = st;
	c->err = err;
	/* TLS errors are written into c->error already: copying it onto itself would be undefined. */
	if (text != c->error)
		snprintf(c->error, sizeof(c->error), "%s", text ? text : "");
	stop_events(c);
	c->hooks.done(c, st, -err, c->arg);
}

static int arm(struct event *ev, int on)
{
	return on ? event_add(ev, NULL) : event_del(ev);
}

/* Arms the I/O events the state needs. 0 or -ENOMEM. */
static int conn_update(struct conn *c)
{
	int rd = 0, wr = 0;

	if (gone(c) || !c->rd)
		return 0;
	if (c->state == ST_CONNECTING)
		wr = 1;
	else if (c->state == ST_HANDSHAKING)
		wr = c->tls_wants_write, rd = !c->tls_wants_write;
	else if (c->state == ST_OPEN || c->state == ST_SECURE)
		rd = !c->held || c->write_wants_read, wr = c->wlen > 0 && !c->write_wants_read;
	if (arm(c->rd, rd) < 0 || arm(c->wr, wr) < 0)
		return -ENOMEM;
	if (c->recheck && !c->held)
		event_active(c->rd, EV_READ, 1);
	return 0;
}

/* conn_update from the loop: a failure ends the exchange. */
static void conn_rearm(struct conn *c)
{
	if (conn_update(c) < 0)
		conn_end(c, CONN_ERROR, ENOMEM, "cannot wait for the socket");
}

static void ssl_error_text(int sslerr, int saved_errno, char *buf, size_t len)
{
	unsigned long code = ERR_get_error();

	if (code)
		ERR_error_string_n(code, buf, len);
	else if (sslerr == SSL_ERROR_SYSCALL && saved_errno)
		snprintf(buf, len, "%s", err_text(saved_errno));
	else if (sslerr == SSL_ERROR_SYSCALL || sslerr == SSL_ERROR_ZERO_RETURN)
		snprintf(buf, len, "closed by peer");
	else
		snprintf(buf, len, "SSL error %d", sslerr);
	ERR_clear_error();
}

/* ---- the read side ---- */

static int step_met(const struct conn *c)
{
	if (c->until_len > 0 && memmem(c->rbuf, c->rlen, c->until, c->until_len) != NULL)
		return 1;
	return c->rlen >= c->want;
}

/* Hands the buffer to the owner; a buffer the owner leaves full is the peer's fault. */
static void deliver(struct conn *c)
{
	c->recheck = 0;
	if (c->stepping && !step_met(c)) {
		if (c->rlen == c->cfg.rcap)
			conn_end(c, CONN_OVERSIZED, EMSGSIZE,
			         "the step's pattern did not come within the read cap");
		return;
	}
	c->stepping = 0;
	if (c->hooks.data)
		c->hooks.data(c, c->arg);
	if (gone(c))
		return;
	if (c->rlen == c->cfg.rcap && c->cfg.type != SOCK_DGRAM)
		conn_end(c, CONN_OVERSIZED, EMSGSIZE, "more than the read cap unconsumed");
	else if (c->ssl && SSL_pending(c->ssl) > 0)
		c->recheck = 1; /* TLS has bytes already decrypted: the socket will not wake us for them */
}

/* One read: >0 bytes, 0 EOF, -EAGAIN nothing now, else -errno (TLS: -EPROTO with c->error set). */
static ssize_t read_some(struct conn *c, uint8_t *dst, size_t room)
{
	size_t got = 0;
	ssize_t n;
	int e;

	if (!c->ssl) {
		n = recv(c->fd, dst, room, 0);
		return n >= 0                                                      ? n
		       : errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN
		                                                                   : -errno;
	}
	ERR_clear_error();
	errno = 0;
	if (SSL_read_ex(c->ssl, dst, room, &got) == 1)
		return (ssize_t)got;
	e = SSL_get_error(c->ssl, 0);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return -EAGAIN;
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	ssl_error_text(e, errno, c->error, sizeof(c->error));
	return -EPROTO;
}

static enum conn_status connect_status(int err)
{
	if (err == ECONNREFUSED)
		return CONN_REFUSED;
	return err == ETIMEDOUT ? CONN_TIMEOUT : CONN_ERROR;
}

/* Datagrams keep their boundaries: each is delivered alone, and what the owner leaves is dropped. */
static void fill_datagrams(struct conn *c)
{
	ssize_t n;

	for (int i = 0; i < CONN_DGRAMS && !gone(c); i++) {
		n = recv(c->fd, c->rbuf, c->cfg.rcap, MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n < 0 && c->cfg.ignore_icmp)
			continue; /* recv reports an ICMP error once; the deadline decides */
		if (n < 0) /* an ICMP error on the connected socket: ECONNREFUSED is port unreachable */
			conn_end(c, connect_status(errno), errno, err_text(errno));
		else if ((size_t)n > c->cfg.rcap)
			conn_end(c, CONN_OVERSIZED, EMSGSIZE, "a datagram larger than the read cap");
		else {
			c->rlen = (size_t)n;
			deliver(c);
			c->rlen = 0;
		}
	}
}

static void fill(struct conn *c)
{
	size_t total = 0;
	ssize_t n = -EAGAIN;

	if (c->cfg.type == SOCK_DGRAM) {
		fill_datagrams(c);
		return;
	}
	while (c->rlen < c->cfg.rcap && total < CONN_READMAX) {
		n = read_some(c, c->rbuf + c->rlen, c->cfg.rcap - c->rlen);
		if (n <= 0)
			break;
		c->rlen += (size_t)n;
		total += (size_t)n;
		c->plain |= !c->ssl;
	}
	if (total > 0 || c->recheck)
		deliver(c);
	if (gone(c))
		return;
	if (n == 0)
		conn_end(c, CONN_CLOSED, 0, "closed by peer");
	else if (n == -EPROTO)
		conn_end(c, CONN_ERROR, EPROTO, c->error);
	else if (n < 0 && n != -EAGAIN)
		conn_end(c, CONN_ERROR, (int)-n, err_text((int)-n));
}

/* ---- the write side ---- */

/* One write: >0 bytes, -EAGAIN not now, else -errno (TLS: -EPROTO with c->error set). */
static ssize_t write_some(struct conn *c)
{
	size_t put = 0;
	ssize_t n;
	int e;

	if (!c->ssl) {
		n = send(c->fd, c->wbuf, c->wlen, MSG_NOSIGNAL);
		return n >= 0                                                      ? n
		       : errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN
		                                                                   : -errno;
	}
	ERR_clear_error();
	errno = 0;
	c->write_wants_read = 0;
	if (SSL_write_ex(c->ssl, c->wbuf, c->wlen, &put) == 1)
		return (ssize_t)put;
	e = SSL_get_error(c->ssl, 0);
	c->write_wants_read = e == SSL_ERROR_WANT_READ;
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return -EAGAIN;
	ssl_error_text(e, errno, c->error, sizeof(c->error));
	return -EPROTO;
}

static void flush(struct conn *c)
{
	ssize_t n;

	while (c->wlen > 0) {
		n = write_some(c);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			conn_end(c, CONN_ERROR, (int)-n, n == -EPROTO ? c->error : err_text((int)-n));
			return;
		}
		memmove(c->wbuf, c->wbuf + n, c->wlen - (size_t)n);
		c->wlen -= (size_t)n;
	}
}

/* ---- connect and TLS ---- */

static void on_connected(struct conn *c)
{
	int err = c->pending;
	socklen_t len = sizeof(err);

	if (!err && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		conn_end(c, connect_status(err), err, err_text(err));
		return;
	}
	event_del(c->tconnect);
	c->state = ST_OPEN;
	if (c->hooks.connected)
		c->hooks.connected(c, c->arg);
	conn_rearm(c);
}

static void handshake(struct conn *c)
{
	int r, e, saved;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(c->ssl);
	saved = errno;
	if (r != 1) {
		e = SSL_get_error(c->ssl, r);
		c->tls_wants_write = e == SSL_ERROR_WANT_WRITE;
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			ssl_error_text(e, saved, c->error, sizeof(c->error));
			conn_end(c, CONN_TLS_FAILED, EPROTO, c->error);
		}
		return;
	}
	c->state = ST_SECURE;
	if (c->hooks.secured)
		c->hooks.secured(c, c->arg);
	/* The server's first flight may carry data OpenSSL already holds: look once. */
	c->recheck = !gone(c) && SSL_pending(c->ssl) > 0;
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->state == ST_CONNECTING)
		on_connected(c);
	else if (c->state == ST_HANDSHAKING)
		handshake(c);
	else if (c->state == ST_OPEN || c->state == ST_SECURE) {
		flush(c);
		if (!gone(c) && (!c->held || c->write_wants_read))
			fill(c);
	}
	conn_rearm(c);
}

static void on_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
	conn_end(arg, CONN_TIMEOUT, ETIMEDOUT, "connect timed out");
}

static void on_total_timeout(evutil_socket_t fd, short what, void *arg)
{
	conn_end(arg, CONN_TIMEOUT, ETIMEDOUT, "deadline passed");
}

/* ---- the object ---- */

static int cfg_valid(const struct conn_cfg *cfg)
{
	return cfg && cfg->connect_ms > 0 && cfg->total_ms > 0 && cfg->rcap > 0 && cfg->rcap <= CONN_RCAP &&
	       (cfg->type == 0 || cfg->type == SOCK_STREAM || cfg->type == SOCK_DGRAM);
}

int conn_new(struct event_base *base, const struct conn_cfg *cfg, const struct conn_hooks *hooks, void *arg,
             struct conn **out)
{
	struct conn *c;

	if (!base || !cfg_valid(cfg) || !hooks || !hooks->done || !out)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->base = base;
	c->cfg = *cfg;
	c->cfg.type = cfg->type ? cfg->type : SOCK_STREAM;
	c->hooks = *hooks;
	c->arg = arg;
	c->fd = -1;
	c->rbuf = malloc(cfg->rcap);
	c->tconnect = evtimer_new(base, on_connect_timeout, c);
	c->ttotal = evtimer_new(base, on_total_timeout, c);
	c->reap = event_new(base, -1, 0, on_io, c);
	if (!c->rbuf || !c->tconnect || !c->ttotal || !c->reap) {
		conn_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

static int resource_errno(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

static struct timeval ms_tv(int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

	return tv;
}

/* Socket, events and deadlines; the deadlines start here. */
static int conn_open(struct conn *c, int family)
{
	struct timeval tc = ms_tv(c->cfg.connect_ms), tt = ms_tv(c->cfg.total_ms);

	c->fd = socket(family, c->cfg.type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	c->rd = event_new(c->base, c->fd, EV_READ, on_io, c);
	c->wr = event_new(c->base, c->fd, EV_WRITE, on_io, c);
	if (!c->rd || !c->wr || evtimer_add(c->tconnect, &tc) < 0 || evtimer_add(c->ttotal, &tt) < 0)
		return -ENOMEM;
	return 0;
}

/* Socket, connect and events: the exchange begins. 0 or -errno (nothing is left armed then). */
static int conn_begin(struct conn *c, const struct sockaddr *sa, socklen_t salen)
{
	int r = conn_open(c, sa->sa_family);

	if (r < 0)
		goto fail;
	if (connect(c->fd, sa, salen) < 0 && errno != EINPROGRESS && errno != EINTR) {
		if (resource_errno(errno)) {
			r = -errno;
			goto fail;
		}
		c->pending = errno; /* a refusal at once is still a result: the loop delivers it */
	}
	c->state = ST_CONNECTING;
	if (conn_update(c) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	if (c->pending)
		event_active(c->wr, EV_WRITE, 1);
	return 0;
fail:
	stop_events(c);
	c->state = ST_ENDED;
	c->err = -r;
	snprintf(c->error, sizeof(c->error), "%s", err_text(-r));
	return r;
}

/* The pacing let us start (from the loop): a failure now is a result the owner hears of. */
static void on_paced(void *arg)
{
	struct conn *c = arg;
	int r = conn_begin(c, (const struct sockaddr *)&c->paced.peer, c->paced.peerlen);

	if (r < 0) {
		c->state = ST_WAITING; /* so conn_end, which ignores ended exchanges, reports it */
		conn_end(c, CONN_ERROR, -r, err_text(-r));
	}
}

int conn_connect(struct conn *c, const struct sockaddr *sa, socklen_t salen)
{
	int r;

	if (!c || !sa || salen < sizeof(struct sockaddr_in) || salen > sizeof(struct sockaddr_storage))
		return -EINVAL;
	if (c->state != ST_IDLE || c->freed)
		return -EALREADY;
	if (!c->cfg.scope || !scope_allows(c->cfg.scope, sa)) {
		c->state = ST_ENDED;
		c->status = CONN_OUT_OF_SCOPE;
		c->err = EACCES;
		snprintf(c->error, sizeof(c->error), "address out of scope");
		return -EACCES;
	}
	if (!c->cfg.pace)
		return conn_begin(c, sa, salen);
	memcpy(&c->paced.peer, sa, salen);
	c->paced.peerlen = salen;
	r = pace_acquire(c->cfg.pace, c->base, sa, on_paced, c, &c->paced.ticket);
	if (r < 0) {
		c->state = ST_ENDED;
		c->err = -r;
		snprintf(c->error, sizeof(c->error), "%s", err_text(-r));
		return r;
	}
	c->state = ST_WAITING;
	return 0;
}

/* A datagram goes at once (a connected UDP socket does not wait), so boundaries stay the owner's. */
static int send_datagram(struct conn *c, const void *buf, size_t len)
{
	if (send(c->fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len)
		return 0;
	return errno == EAGAIN || errno == EWOULDBLOCK ? -ENOBUFS : -errno;
}

int conn_write(struct conn *c, const void *buf, size_t len)
{
	uint8_t *nb;

	if (!c || (!buf && len))
		return -EINVAL;
	if (gone(c) || c->state == ST_IDLE)
		return -ENOTCONN;
	if (c->cfg.type == SOCK_DGRAM && c->fd < 0)
		return -ENOTCONN; /* still waiting for the pacing: a datagram cannot wait in a queue */
	if (c->cfg.type == SOCK_DGRAM)
		return len > CONN_WCAP ? -EMSGSIZE : send_datagram(c, buf, len);
	if (len > CONN_WCAP - c->wlen)
		return -ENOBUFS;
	if (len == 0)
		return 0;
	c->plain |= !c->ssl;
	nb = realloc(c->wbuf, c->wlen + len);
	if (!nb)
		return -ENOMEM;
	c->wbuf = nb;
	memcpy(c->wbuf + c->wlen, buf, len);
	c->wlen += len;
	return conn_update(c);
}

int conn_step(struct conn *c, const void *send, size_t sendlen, const char *until, size_t max)
{
	size_t ulen = until ? strlen(until) : 0;
	int r;

	if (!c || ulen >= CONN_UNTIL || max > c->cfg.rcap || (ulen == 0 && max == 0))
		return -EINVAL;
	if (c->stepping)
		return -EBUSY;
	r = conn_write(c, send, send ? sendlen : 0);
	if (r < 0)
		return r;
	memcpy(c->until, until ? until : "", ulen + 1);
	c->until_len = ulen;
	c->want = max ? max : c->cfg.rcap;
	c->stepping = 1;
	c->plain |= !c->ssl;
	/* Bytes already buffered may complete the step: look from the loop, not from here. */
	c->recheck = c->rlen > 0;
	return conn_update(c);
}

/*
 * Bytes the peer sent before the upgrade: read but unconsumed, or, after a
 * plaintext exchange, still in the kernel (without one they are the server's TLS).
 */
static int early_bytes(const struct conn *c)
{
	uint8_t b;

	return c->rlen > 0 || (c->plain && recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0);
}

static int tls_new(struct conn *c, SSL_CTX *ctx, const char *sni)
{
	c->ssl = SSL_new(ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return -ENOMEM;
	if (sni && SSL_set_tlsext_host_name(c->ssl, sni) != 1)
		return -EINVAL;
	SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* A peer that closes without close_notify has still closed: EOF, not an error. */
	SSL_set_options(c->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_set_connect_state(c->ssl);
	return 0;
}

int conn_start_tls(struct conn *c, SSL_CTX *ctx, const char *sni)
{
	int r;

	if (!c || !ctx || c->cfg.type == SOCK_DGRAM)
		return -EINVAL;
	if (c->state != ST_OPEN || c->freed)
		return c->state == ST_HANDSHAKING || c->state == ST_SECURE ? -EALREADY : -ENOTCONN;
	if (c->wlen > 0)
		return -EBUSY;
	if (early_bytes(c))
		return -EPROTO;
	r = tls_new(c, ctx, sni);
	ERR_clear_error();
	if (r < 0) {
		SSL_free(c->ssl);
		c->ssl = NULL;
		return r;
	}
	c->state = ST_HANDSHAKING;
	c->tls_wants_write = 1; /* the ClientHello goes first, from the loop */
	return conn_update(c);
}

int conn_hold(struct conn *c)
{
	if (!c)
		return -EINVAL;
	c->held = 1;
	return conn_update(c);
}

int conn_release(struct conn *c)
{
	if (!c)
		return -EINVAL;
	c->held = 0;
	c->recheck |= c->rlen > 0;
	return conn_update(c);
}

const uint8_t *conn_data(const struct conn *c, size_t *len)
{
	*len = c->rlen;
	return c->rbuf;
}

void conn_consume(struct conn *c, size_t n)
{
	n = n < c->rlen ? n : c->rlen;
	memmove(c->rbuf, c->rbuf + n, c->rlen - n);
	c->rlen -= n;
}

ssize_t conn_peek(const struct conn *c, void *buf, size_t len)
{
	size_t have;
	ssize_t n = 0;

	if (!c || (!buf && len))
		return -EINVAL;
	have = c->rlen < len ? c->rlen : len;
	if (have > 0)
		memcpy(buf, c->rbuf, have);
	/* A datagram socket would show the next datagram, not the rest of this exchange. */
	if (have < len && c->fd >= 0 && c->cfg.type == SOCK_STREAM)
		n = recv(c->fd, (uint8_t *)buf + have, len - have, MSG_PEEK | MSG_DONTWAIT);
	return (ssize_t)have + (n > 0 ? n : 0);
}

SSL *conn_ssl(const struct conn *c)
{
	return c->ssl;
}

const char *conn_error(const struct conn *c)
{
	return c->error;
}

enum conn_status conn_last_status(const struct conn *c)
{
	return c->status;
}

int conn_errno(const struct conn *c)
{
	return c->err;
}

/* ---- freeing ---- */

static void drain(int fd)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	while (total < CONN_DRAIN && (n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += (size_t)n;
}

static void close_now(struct conn *c)
{
	stop_events(c);
	if (c->ssl && SSL_is_init_finished(c->ssl))
		SSL_shutdown(c->ssl);
	ERR_clear_error();
	SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0) {
		if (c->cfg.reset_close && c->cfg.type != SOCK_DGRAM) {
			struct linger l = {.l_onoff = 1, .l_linger = 0};
			setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
		} else
			drain(c->fd);
		close(c->fd);
		c->fd = -1;
	}
}

/* Runs from the loop (or event_base_free) once no callback of ours is running. */
static void conn_finalize(struct event *ev, void *arg)
{
	struct conn *c = arg;
	struct event *evs[] = {c->rd, c->wr, c->tconnect, c->ttotal};

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
	free(c->rbuf);
	free(c->wbuf);
	free(c);
}

struct conn *conn_free(struct conn *c)
{
	if (!c || c->freed)
		return NULL;
	c->freed = 1;
	close_now(c);
	c->paced.ticket = pace_release(c->paced.ticket);
	if (c->reap && event_free_finalize(0, c->reap, conn_finalize) == 0)
		return NULL;
	/* Without the reap event (conn_new ran out of memory) nothing of ours can be running. */
	if (c->reap)
		event_free(c->reap);
	conn_finalize(NULL, c);
	return NULL;
}
