/*
 * Pacing: the politeness every probe of a scan shares. One object for the whole
 * scan, shared by every engine (each on its own thread and event loop), with three
 * limits on the connections they start:
 * - a global connection rate: connections started per second across the scan, a
 *   token bucket holding at most PACE_BURST_MS worth of tokens (at least one); 0
 *   means no limit;
 * - a per-address limit: connections in flight to one IP address (IPv4 or IPv6,
 *   the port ignored; an IPv4-mapped IPv6 address counts as the IPv4 one);
 * - an optional global limit: connections in flight across the scan, set from the
 *   open-file limit so that the probes' sockets never take the descriptors the
 *   resolvers need (unbound does not report a failed socket(): it counts a timeout,
 *   backs off the name server and fails every later query to it).
 *
 * A connection asks first for a slot at its address (waiters of an address are
 * served in FIFO order), then for a global slot (one FIFO), then for a token (one
 * FIFO across the scan). The grant
 * arrives as a callback from the loop of the base given to pace_acquire, never
 * inside pace_acquire and never on another thread: the ticket owns an event on
 * that base, which a release on any thread makes active under the lock
 * (event_active is thread-safe once evthread_use_pthreads() has been called
 * before the bases were made). Waiting for a token is a timer on the ticket at
 * the head of the token queue, set from the clock (injectable for tests); when it
 * fires, that thread hands out the tokens due and arms the next head's timer.
 *
 * It deliberately does not open sockets, know deadlines (the caller starts them
 * at the grant) or scope. An address entry lives only while it has a connection
 * in flight or a waiter. A ticket is released on the thread whose base it was
 * acquired with.
 */
#ifndef VITALS_PACE_H
#define VITALS_PACE_H

#include <event2/event.h>
#include <stdint.h>
#include <sys/socket.h>

#define PACE_BURST_MS 50 /* the token bucket holds this many milliseconds of the rate */

struct pace;
struct pace_ticket;

/* The connection may start now. Called once, from the loop of the acquiring base. */
typedef void (*pace_cb)(void *arg);
/* A monotonic clock in nanoseconds. */
typedef int64_t (*pace_clock_fn)(void *arg);

/* rate: connections per second across the scan (0: no limit); per_addr >= 1. -EINVAL, -ENOMEM. */
int pace_new(double rate, int per_addr, struct pace **out);
/* Frees the object; every ticket must have been released. Accepts NULL; returns NULL. */
struct pace *pace_free(struct pace *p);
/* Connections in flight across the scan (0: no limit); before any pace_acquire. */
void pace_set_max_in_flight(struct pace *p, int max);
/* Tickets holding a global slot now. */
int pace_global_in_flight(struct pace *p);
/* Replaces the clock (tests); before any pace_acquire. */
void pace_set_clock(struct pace *p, pace_clock_fn fn, void *arg);
/*
 * Queues a connection to `sa` (AF_INET or AF_INET6). cb(arg) runs later from
 * base's loop once both limits allow it. 0 with the ticket in *out; -EINVAL,
 * -EAFNOSUPPORT, -ENOMEM (then cb is never called).
 */
int pace_acquire(struct pace *p, struct event_base *base, const struct sockaddr *sa, pace_cb cb, void *arg,
                 struct pace_ticket **out);
/*
 * The connection is over, or a wait is cancelled (then cb is never called, even
 * when the grant was already on its way). Safe from inside cb. Accepts NULL;
 * returns NULL.
 */
struct pace_ticket *pace_release(struct pace_ticket *t);
/* Slots taken at sa's address: granted (not released) or waiting only for a token. For tests. */
int pace_in_flight(struct pace *p, const struct sockaddr *sa);
/* Address entries kept (with a slot taken or a waiter). For tests. */
size_t pace_addresses(struct pace *p);

#endif
