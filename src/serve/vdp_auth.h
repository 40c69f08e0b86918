/*
 * Staff authentication pieces of `vitals serve`, all pure (no I/O, no clock, no store):
 * passwords hashed with argon2id, the password policy, CSRF tokens, and the login rate
 * limiter. The server stores the hash strings, reads the clock and keeps the sessions; this
 * module only computes.
 *
 * Passwords: libsodium's crypto_pwhash_str_alg with argon2id v1.3 at the INTERACTIVE costs
 * (2 passes over 64 MiB, one lane): about 0.15 s and 64 MiB per hash or verification on the
 * project's 2-core machines. That is above OWASP's floor for argon2id (19 MiB, 2 passes) and
 * what a small server can afford per login; MODERATE (3 passes, 256 MiB, about 0.75 s here)
 * would let a handful of concurrent logins take a gigabyte. The server should still bound how
 * many verifications run at once. A stored hash made with other costs verifies and reports
 * that it needs rehashing, so the costs can be raised later.
 *
 * CSRF tokens: HMAC-SHA-512-256 (crypto_auth) under a per-server key of a context label and
 * the session's secret, base64url without padding; verified in constant time. A token is
 * valid for exactly as long as its session.
 *
 * The rate limiter: a table of a fixed number of slots, allocated once, keyed by a hash of
 * the client address or the login. VDP_RL_ADDR_FAILS failed logins from one address, or
 * VDP_RL_LOGIN_FAILS for one login, within VDP_RL_WINDOW seconds lock that key for
 * VDP_RL_LOCK seconds, doubling with each further lock up to VDP_RL_CAP. A successful login
 * clears its login's slot; an address's slot is only forgotten VDP_RL_FORGET seconds after
 * its last failure (a holder of one account must not clear its address's count between
 * guesses at others). When the table is full the least recently used slot not under lock is
 * reused, or the least recently used slot when all are locked. Time is the caller's, in
 * seconds.
 */
#ifndef VITALS_SERVE_VDP_AUTH_H
#define VITALS_SERVE_VDP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define VDP_PW_MIN      12  /* bytes of a password, at least */
#define VDP_PW_MAX      128 /* bytes of a password, at most */
#define VDP_PWHASH_LEN  128 /* bytes of a stored hash string with its NUL (crypto_pwhash_STRBYTES) */
#define VDP_CSRF_KEYLEN 32  /* bytes of the per-server CSRF key */
#define VDP_CSRF_LEN    44  /* bytes of a token with its NUL: 43 base64url characters */
#define VDP_SESSION_MAX 256 /* bytes of a session secret the CSRF functions accept */

/* Hashes a password (at most VDP_PW_MAX bytes) at the default costs into out
 * (VDP_PWHASH_LEN bytes). -EINVAL for a too-long password, -ENOMEM when argon2 cannot get
 * its memory, -EIO when libsodium cannot start. */
int vdp_pw_hash(const char *pw, char *out, size_t outlen);

/* The same at the given costs: for tests and for raising the costs later. */
int vdp_pw_hash_cost(const char *pw, unsigned long long ops, size_t mem, char *out, size_t outlen);

/* 0 when pw matches the stored hash; -EACCES when it does not (or is over VDP_PW_MAX);
 * -EINVAL when stored is not an argon2id hash string. */
int vdp_pw_verify(const char *stored, const char *pw);

/* 1 when the stored hash was made with other costs than the default (rehash it at the next
 * successful login), 0 when not, -EINVAL when it is not an argon2id hash string. */
int vdp_pw_needs_rehash(const char *stored);

/* 0 when pw may be set for login: VDP_PW_MIN to VDP_PW_MAX bytes and not the login itself
 * (compared without case). -EINVAL otherwise, with the reason in why. */
int vdp_pw_policy(const char *login, const char *pw, char *why, size_t whylen);

/* The CSRF token of a session secret (1 to VDP_SESSION_MAX bytes) under key, into out
 * (VDP_CSRF_LEN bytes). -EINVAL for a bad length. */
int vdp_csrf_token(const uint8_t key[VDP_CSRF_KEYLEN], const uint8_t *session, size_t session_len, char *out,
                   size_t outlen);

/* 0 when token is the session's token under key; -EACCES otherwise (NULL, wrong length,
 * not base64url, other session or key). The comparison takes constant time. */
int vdp_csrf_verify(const uint8_t key[VDP_CSRF_KEYLEN], const uint8_t *session, size_t session_len,
                    const char *token);

#define VDP_RL_SLOTS       4096  /* default slots: 4096 x 56 bytes */
#define VDP_RL_ADDR_FAILS  20    /* failures from one address that lock it */
#define VDP_RL_LOGIN_FAILS 5     /* failures for one login that lock it */
#define VDP_RL_WINDOW      900   /* seconds in which those failures count (15 min) */
#define VDP_RL_LOCK        60    /* seconds of the first lock */
#define VDP_RL_CAP         3600  /* seconds of the longest lock (1 h) */
#define VDP_RL_FORGET      86400 /* seconds after its last event that a slot starts afresh */

struct vdp_ratelimit;

/* A limiter of slots entries (0: VDP_RL_SLOTS), or NULL without memory. */
struct vdp_ratelimit *vdp_rl_new(size_t slots);
struct vdp_ratelimit *vdp_rl_free(struct vdp_ratelimit *rl);

/* 0 when a login attempt from addr for login may proceed at now; -EAGAIN when either key is
 * locked, with the seconds until both are free in *retry_after (may be NULL). Either key may
 * be NULL (not limited by it). Does not count an attempt. */
int vdp_rl_check(const struct vdp_ratelimit *rl, const char *addr, const char *login, int64_t now,
                 int64_t *retry_after);

/* Records a failed login; a key already locked is not extended. */
void vdp_rl_fail(struct vdp_ratelimit *rl, const char *addr, const char *login, int64_t now);

/* Records a successful login: clears the login's slot. */
void vdp_rl_success(struct vdp_ratelimit *rl, const char *addr, const char *login, int64_t now);

#endif
