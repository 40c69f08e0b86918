/*
 * The connection layer: one object per TCP exchange a probe makes outside
 * libcurl (OpenSMTPD's `struct io` is the model: io_connect, io_start_tls,
 * hold/release). A conn checks the address against the scope before any packet
 * leaves, keeps a connect deadline and one total deadline counted from the start
 * of the connect (received bytes never extend it), reads into a buffer whose cap
 * is fixed at creation, writes, runs optional plaintext steps ("send this, read
 * until this pattern or N bytes", enough for SMTP EHLO/STARTTLS), upgrades to TLS
 * with the owner's SSL_CTX and SNI (non-blocking OpenSSL driven by the loop), and
 * is freed at a safe point: conn_free() may be called from inside any hook.
 *
 * Datagrams (cfg.type SOCK_DGRAM): the same object over a connected UDP socket,
 * so only the peer's datagrams arrive. connected comes from the loop as for TCP;
 * each conn_write is sent at once as one datagram; data sees one datagram at a
 * time and what the owner leaves of it is dropped; a datagram over the cap is
 * CONN_OVERSIZED; an ICMP port unreachable is CONN_REFUSED (unless cfg.ignore_icmp:
 * then only an answer or the deadline ends it, as resolvers wait out an ICMP error
 * that may be forged or stale); no TLS and no steps' patterns across datagrams.
 * The deadlines are the same: junk datagrams do not extend them.
 *
 * It deliberately does not judge or record observations (the owner does, from
 * the status and the bytes), resolve names, verify certificates (the owner's
 * SSL_CTX and conn_ssl() decide and read that), retry, or know the engine: the
 * scope comes in the config, and resource errors come back as -EMFILE, -ENFILE,
 * -ENOBUFS or -ENOMEM so the caller's back-pressure (engine_resource_error,
 * engine_starved) can requeue. Every failure at start returns a negative errno
 * and never calls a hook.
 */
#ifndef VITALS_CONN_H
#define VITALS_CONN_H

#include <event2/event.h>
#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "pace.h"
#include "scope.h"

struct conn;

/* How a connection ended, as given to the done hook (and conn_status_name). */
enum conn_status {
	CONN_OUT_OF_SCOPE = 1, /* refused by the scope guard, never contacted (conn_connect's -EACCES) */
	CONN_REFUSED,          /* the connect was refused (RST) */
	CONN_TIMEOUT,          /* the connect or the total deadline passed */
	CONN_CLOSED,           /* the peer closed (EOF) */
	CONN_OVERSIZED,        /* the peer sent more than the read cap without the owner consuming it */
	CONN_TLS_FAILED,       /* the TLS handshake failed */
	CONN_ERROR,            /* any other socket or TLS error (conn_errno says which) */
};

/* Set once, before conn_connect; copied. */
struct conn_cfg {
	const struct scope *scope; /* what may be contacted; NULL refuses everything */
	int connect_ms;            /* deadline for the TCP connect */
	int total_ms;              /* deadline for everything, from the start of the connect */
	size_t rcap;               /* read buffer cap: more unconsumed bytes than this is CONN_OVERSIZED */
	int type;                  /* SOCK_STREAM (or 0) or SOCK_DGRAM (see "Datagrams" above) */
	int ignore_icmp;           /* SOCK_DGRAM: ICMP errors do not end the exchange, the deadline does */
	struct pace *pace;         /* shared politeness limits (pace.h), or NULL for none */
	int reset_close;           /* TCP: close with a reset (SO_LINGER 0), leaving no TIME_WAIT
	                              behind: for connect-only probes such as a port sweep */
};

/*
 * The owner's hooks, all called from the loop, never from inside a conn_* call.
 * Any hook may call conn_free(); after it no hook is called again. NULL hooks
 * are skipped, except done, which is required.
 */
struct conn_hooks {
	/* TCP is up. The owner writes, starts a step, or starts TLS. */
	void (*connected)(struct conn *c, void *arg);
	/* The TLS handshake completed; conn_ssl() shows the session. */
	void (*secured)(struct conn *c, void *arg);
	/*
	 * Bytes are in the read buffer (conn_data): with a step pending, only once its
	 * pattern is there or its byte count is reached. The owner consumes what it
	 * used (conn_consume); a buffer still full after this hook is CONN_OVERSIZED.
	 */
	void (*data)(struct conn *c, void *arg);
	/*
	 * The exchange ended: status and negative errno (0 for none; a resource errno
	 * here, say -ENOBUFS from the connect, is one engine_resource_error knows).
	 * Called at most once; the owner then frees.
	 */
	void (*done)(struct conn *c, enum conn_status st, int err, void *arg);
};

/* A new, idle connection object. -EINVAL for a bad config, -ENOMEM. */
int conn_new(struct event_base *base, const struct conn_cfg *cfg, const struct conn_hooks *hooks, void *arg,
             struct conn **out);
/*
 * Starts connecting. -EACCES when the scope does not allow the address (nothing
 * is sent; conn_last_status() says CONN_OUT_OF_SCOPE), -EMFILE/-ENFILE/-ENOBUFS/
 * -ENOMEM for lack of resources, -EINVAL, -EALREADY. A refused or failed connect
 * is a result: it arrives through done, from the loop.
 *
 * With cfg.pace, the scope is checked here but the socket is made and the
 * connect started only when the pacing grants it (from the loop); both deadlines
 * start then, since waiting is our politeness, not the server's slowness. A
 * resource error at that point arrives through done (CONN_ERROR with the errno).
 * Writes and steps queue meanwhile (a datagram conn_write is -ENOTCONN until the
 * connected hook); conn_free cancels the wait or releases the slot.
 */
int conn_connect(struct conn *c, const struct sockaddr *sa, socklen_t salen);
/* Queues bytes to send (in TLS once secured). -ENOBUFS past CONN_WCAP queued bytes, -ENOTCONN when closed. */
int conn_write(struct conn *c, const void *buf, size_t len);
#define CONN_WCAP 65536
/*
 * A plaintext (or TLS) step: queues `send` (may be NULL), then calls data only
 * once `until` (NUL-terminated, may be NULL) is in the buffer or `max` bytes
 * (at most the read cap) are. One step at a time; -EBUSY otherwise.
 */
int conn_step(struct conn *c, const void *send, size_t sendlen, const char *until, size_t max);
/*
 * Upgrades to TLS with `ctx` (not owned) and SNI `sni` (NULL: none). Only once
 * connected (-ENOTCONN), with nothing queued (-EBUSY) and nothing unread
 * (-EPROTO): bytes that arrived before the upgrade would be trusted as if they
 * came inside TLS (STARTTLS injection). With no plaintext exchange before it
 * (nothing written, no step, nothing read: implicit TLS, as on port 443) bytes
 * waiting in the kernel are allowed: they can only be the server's first TLS
 * records (or what answers instead, which the handshake then rejects). The SSL
 * exists when this returns, for owners that set callbacks on it (conn_ssl). A
 * failed handshake is a result: done with CONN_TLS_FAILED.
 */
int conn_start_tls(struct conn *c, SSL_CTX *ctx, const char *sni);
/* Stops reading (bytes wait in the kernel) until conn_release; deadlines keep running. 0 or -errno. */
int conn_hold(struct conn *c);
int conn_release(struct conn *c);
/* The unconsumed bytes read so far, and dropping the first n of them. */
const uint8_t *conn_data(const struct conn *c, size_t *len);
void conn_consume(struct conn *c, size_t n);
/*
 * Copies up to `len` of the bytes the peer sent that nobody has read: the
 * unconsumed buffer, then (TCP) what waits in the kernel, without consuming it
 * or waiting. For evidence of what answered, say after a failed handshake; valid
 * in done and until conn_free. The count, or -EINVAL.
 */
ssize_t conn_peek(const struct conn *c, void *buf, size_t len);
/* The TLS session (NULL before conn_start_tls); text of the last error ("" if none). */
SSL *conn_ssl(const struct conn *c);
const char *conn_error(const struct conn *c);
/* How the exchange ended (0 while it runs), and the errno behind it (positive, 0 if none). */
enum conn_status conn_last_status(const struct conn *c);
int conn_errno(const struct conn *c);
const char *conn_status_name(enum conn_status st);
/*
 * Closes the socket and the TLS session now (a close_notify if it completed,
 * never a wait) and frees the object at the next safe point of the loop (or
 * when the base is freed). Safe from inside its own hooks; accepts NULL; no
 * hook is called after it. Returns NULL.
 */
struct conn *conn_free(struct conn *c);

#endif
