/*
 * The TLS probe: one non-blocking look at a TLS server inside a libevent loop. It
 * connects to a given address, completes a handshake with modern settings (SNI = host)
 * and records what it saw as the "tls" object of the web part (docs/OBSERVATIONS.md):
 * status, protocol, cipher, the verification result (trust judged apart from validity
 * dates), whether the certificate names the host, and the leaf certificate's details;
 * when the modern handshake does not complete, the first bytes the server sent (at most
 * 64, as hex), so a reader can tell plain HTTP or another protocol from a TLS server.
 * When that handshake succeeds it then tries TLSv1 alone and TLSv1.1 alone, at the
 * same time, and records which ones the server accepts.
 *
 * It does not resolve names (it gets a sockaddr), does not check scope (the caller
 * does; each handshake is a connection of conn.h allowed only that address), sends
 * no application data, does not follow or store the chain, and never
 * judges: the analyzers do. Each handshake is closed with one close_notify and no
 * waiting. The process must ignore SIGPIPE (OpenSSL writes with write(2)).
 */
#ifndef VITALS_PROBE_TLS_H
#define VITALS_PROBE_TLS_H

#include <event2/event.h>
#include <jansson.h>
#include <sys/socket.h>

#include "pace.h"

/*
 * The SSL_CTXs shared by every probe of one loop: a modern one (default versions,
 * verification against the CA file without time checks, no partial chains) and two
 * legacy ones (TLSv1 only, TLSv1.1 only; @SECLEVEL=0, no verification).
 */
struct tls_ctxs;

/* Builds the contexts; ca_file NULL means OpenSSL's default paths. 0, -ENOMEM or -EINVAL. */
int tls_ctxs_new(const char *ca_file, struct tls_ctxs **out);
/*
 * Every handshake of probes using these contexts waits for `pace` (pace.h; NULL,
 * the default: no pacing), and its deadline starts when pacing lets it connect.
 */
void tls_ctxs_set_pace(struct tls_ctxs *c, struct pace *pace);
/* Frees the contexts (probes using them must be over or cancelled). Accepts NULL. */
struct tls_ctxs *tls_ctxs_free(struct tls_ctxs *c);

struct tls_probe;

/*
 * Called once, from the loop, when a probe is over; `tls` is the observation and now
 * belongs to the callee. The probe frees itself after the callback returns: the
 * handle must not be used again (tls_probe_cancel on it is then a bug).
 */
typedef void (*tls_probe_cb)(void *arg, json_t *tls);

/*
 * Starts a probe of the server at `sa` (IPv4 or IPv6). `host` is sent as SNI (unless
 * it is an address literal) and checked against the certificate. Each handshake gets
 * `timeout_ms` in total, counted from the start of its connect and never extended by
 * bytes received (a server dripping a byte a second cannot stretch it); the whole probe
 * is capped at three times that.
 * Returns 0 and the handle in *out (out may be NULL), or -EINVAL, -ENOMEM, or the
 * negated errno of socket(2) (e.g. -EMFILE); on failure the callback is never called.
 * A refused or unreachable server is a result, delivered through the callback.
 */
int tls_probe_start(struct event_base *base, struct tls_ctxs *ctxs, const struct sockaddr *sa,
                    socklen_t salen, const char *host, int timeout_ms, tls_probe_cb cb, void *arg,
                    struct tls_probe **out);

/*
 * 1 when a handshake could not even open its socket for lack of descriptors or
 * memory (its result then says "error"); callable from the probe's callback, so
 * the caller can retry later instead of keeping that error.
 */
int tls_probe_starved(const struct tls_probe *p);

/*
 * Cancels a probe in flight: connections are closed, memory is freed and the callback
 * is not called. Safe from another probe's callback; a no-op from the probe's own
 * callback. Probes still in flight must be cancelled before their event_base is freed.
 */
void tls_probe_cancel(struct tls_probe *p);

#endif
