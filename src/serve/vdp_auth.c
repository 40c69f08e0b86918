/*
 * Passwords, CSRF tokens and the login rate limiter of `vitals serve` (see vdp_auth.h).
 */
#include "vdp_auth.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

_Static_assert(VDP_PWHASH_LEN == crypto_pwhash_STRBYTES, "the hash string buffer is libsodium's");
_Static_assert(VDP_CSRF_KEYLEN == crypto_auth_KEYBYTES, "the CSRF key is a crypto_auth key");
_Static_assert(crypto_auth_BYTES == 32, "a CSRF token is 43 base64url characters");

#define PW_OPS crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE
#define PW_MEM crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE
#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* Keeps a CSRF MAC from being valid for anything else the same key may one day sign. */
static const char csrf_context[] = "vitals serve csrf v1";

/* sodium_init() is idempotent and thread-safe; every entry point that needs it calls it. */
static int sodium_ready(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int vdp_pw_hash_cost(const char *pw, unsigned long long ops, size_t mem, char *out, size_t outlen)
{
	char buf[VDP_PWHASH_LEN];
	if (pw == NULL || out == NULL || outlen < VDP_PWHASH_LEN)
		return -EINVAL;
	if (ops < crypto_pwhash_argon2id_OPSLIMIT_MIN || mem < crypto_pwhash_argon2id_MEMLIMIT_MIN)
		return -EINVAL;
	size_t n = strnlen(pw, VDP_PW_MAX + 1);
	if (n > VDP_PW_MAX)
		return -EINVAL;
	if (sodium_ready() < 0)
		return -EIO;
	if (crypto_pwhash_str_alg(buf, pw, n, ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -ENOMEM;
	memcpy(out, buf, sizeof buf);
	return 0;
}

int vdp_pw_hash(const char *pw, char *out, size_t outlen)
{
	return vdp_pw_hash_cost(pw, PW_OPS, PW_MEM, out, outlen);
}

static int is_argon2id(const char *stored)
{
	static const char prefix[] = "$argon2id$";
	return stored != NULL && strnlen(stored, VDP_PWHASH_LEN) < VDP_PWHASH_LEN &&
	       strncmp(stored, prefix, sizeof prefix - 1) == 0;
}

int vdp_pw_verify(const char *stored, const char *pw)
{
	if (!is_argon2id(stored))
		return -EINVAL;
	/* No password over the policy's maximum was ever set: refuse it without the work. */
	size_t n = pw != NULL ? strnlen(pw, VDP_PW_MAX + 1) : VDP_PW_MAX + 1;
	if (n > VDP_PW_MAX)
		return -EACCES;
	if (sodium_ready() < 0)
		return -EIO;
	return crypto_pwhash_str_verify(stored, pw, n) == 0 ? 0 : -EACCES;
}

int vdp_pw_needs_rehash(const char *stored)
{
	if (!is_argon2id(stored) || sodium_ready() < 0)
		return -EINVAL;
	int rc = crypto_pwhash_str_needs_rehash(stored, PW_OPS, PW_MEM);
	return rc < 0 ? -EINVAL : rc;
}

__attribute__((format(printf, 3, 4))) static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (why != NULL && whylen > 0)
		vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int vdp_pw_policy(const char *login, const char *pw, char *why, size_t whylen)
{
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (pw == NULL)
		return refuse(why, whylen, "no password");
	size_t n = strnlen(pw, VDP_PW_MAX + 1);
	if (n < VDP_PW_MIN)
		return refuse(why, whylen, "the password is shorter than %d bytes", VDP_PW_MIN);
	if (n > VDP_PW_MAX)
		return refuse(why, whylen, "the password is longer than %d bytes", VDP_PW_MAX);
	if (login != NULL && strcasecmp(login, pw) == 0)
		return refuse(why, whylen, "the password is the login");
	return 0;
}

/* The MAC of the context label (with its NUL, so label and secret cannot run together) and
 * the session secret. */
static int csrf_mac(const uint8_t *key, const uint8_t *session, size_t len, uint8_t mac[crypto_auth_BYTES])
{
	uint8_t msg[sizeof csrf_context + VDP_SESSION_MAX];
	if (key == NULL || session == NULL || len == 0 || len > VDP_SESSION_MAX)
		return -EINVAL;
	if (sodium_ready() < 0)
		return -EIO;
	memcpy(msg, csrf_context, sizeof csrf_context);
	memcpy(msg + sizeof csrf_context, session, len);
	crypto_auth(mac, msg, sizeof csrf_context + len, key);
	sodium_memzero(msg, sizeof msg);
	return 0;
}

int vdp_csrf_token(const uint8_t key[VDP_CSRF_KEYLEN], const uint8_t *session, size_t session_len, char *out,
                   size_t outlen)
{
	uint8_t mac[crypto_auth_BYTES];
	if (out == NULL || outlen < VDP_CSRF_LEN)
		return -EINVAL;
	int rc = csrf_mac(key, session, session_len, mac);
	if (rc < 0)
		return rc;
	sodium_bin2base64(out, outlen, mac, sizeof mac, B64URL);
	return 0;
}

int vdp_csrf_verify(const uint8_t key[VDP_CSRF_KEYLEN], const uint8_t *session, size_t session_len,
                    const char *token)
{
	uint8_t got[crypto_auth_BYTES], want[crypto_auth_BYTES];
	size_t binlen = 0;
	const char *end = NULL;
	/* The length of a token is public; only its content is compared, in constant time. */
	if (token == NULL || strnlen(token, VDP_CSRF_LEN) != VDP_CSRF_LEN - 1)
		return -EACCES;
	if (csrf_mac(key, session, session_len, want) < 0 ||
	    sodium_base642bin(got, sizeof got, token, VDP_CSRF_LEN - 1, NULL, &binlen, &end, B64URL) != 0 ||
	    binlen != sizeof got || *end != '\0')
		return -EACCES;
	return crypto_verify_32(got, want) == 0 ? 0 : -EACCES;
}

/* ---- The login rate limiter ---- */

#define KEYLEN  16  /* bytes of a slot's key: BLAKE2b-128 of the kind and the text */
#define TEXTMAX 256 /* bytes of an address or login hashed, at most */

struct slot {
	uint8_t key[KEYLEN]; /* which address or login */
	int64_t start;       /* start of the current failure window */
	int64_t last;        /* last event: the eviction order, and when to forget */
	int64_t until;       /* locked until this second; 0 when never locked */
	uint32_t fails;      /* failures in the current window */
	uint32_t locks;      /* locks so far: the next lasts VDP_RL_LOCK doubled this many times */
	uint8_t used;        /* the slot holds a key */
};

struct vdp_ratelimit {
	size_t n;          /* slots */
	struct slot *slot; /* the table, allocated once */
};

struct vdp_ratelimit *vdp_rl_new(size_t slots)
{
	if (slots == 0)
		slots = VDP_RL_SLOTS;
	if (sodium_ready() < 0)
		return NULL;
	struct vdp_ratelimit *rl = calloc(1, sizeof *rl);
	if (rl == NULL || (rl->slot = calloc(slots, sizeof *rl->slot)) == NULL)
		return vdp_rl_free(rl);
	rl->n = slots;
	return rl;
}

struct vdp_ratelimit *vdp_rl_free(struct vdp_ratelimit *rl)
{
	if (rl != NULL)
		free(rl->slot);
	free(rl);
	return NULL;
}

/* Addresses and logins hash apart: kind 'a' or 'l' comes first. */
static void key_of(char kind, const char *text, uint8_t key[KEYLEN])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, KEYLEN);
	crypto_generichash_update(&st, (const uint8_t *)&kind, 1);
	crypto_generichash_update(&st, (const uint8_t *)text, strnlen(text, TEXTMAX));
	crypto_generichash_final(&st, key, KEYLEN);
}

static struct slot *find(const struct vdp_ratelimit *rl, const uint8_t key[KEYLEN])
{
	for (size_t i = 0; i < rl->n; i++)
		if (rl->slot[i].used && memcmp(rl->slot[i].key, key, KEYLEN) == 0)
			return (struct slot *)&rl->slot[i];
	return NULL;
}

/* The slot to reuse: a free one, else the least recently used one not under lock (a flood
 * of new keys must not free a locked one), else the least recently used one. */
static struct slot *victim(struct vdp_ratelimit *rl, int64_t now)
{
	struct slot *lru = &rl->slot[0], *lru_unlocked = NULL; /* n >= 1 */
	for (size_t i = 0; i < rl->n; i++) {
		struct slot *s = &rl->slot[i];
		if (!s->used)
			return s;
		if (s->last < lru->last)
			lru = s;
		if (s->until <= now && (lru_unlocked == NULL || s->last < lru_unlocked->last))
			lru_unlocked = s;
	}
	return lru_unlocked != NULL ? lru_unlocked : lru;
}

static struct slot *slot_for(struct vdp_ratelimit *rl, const uint8_t key[KEYLEN], int64_t now)
{
	struct slot *s = find(rl, key);
	if (s != NULL)
		return s;
	s = victim(rl, now);
	memset(s, 0, sizeof *s);
	memcpy(s->key, key, KEYLEN);
	s->used = 1;
	s->last = now;
	return s;
}

static int64_t locked_for(const struct vdp_ratelimit *rl, char kind, const char *text, int64_t now)
{
	uint8_t key[KEYLEN];
	if (text == NULL)
		return 0;
	key_of(kind, text, key);
	const struct slot *s = find(rl, key);
	return s != NULL && s->until > now ? s->until - now : 0;
}

int vdp_rl_check(const struct vdp_ratelimit *rl, const char *addr, const char *login, int64_t now,
                 int64_t *retry_after)
{
	if (rl == NULL)
		return -EINVAL;
	int64_t a = locked_for(rl, 'a', addr, now), l = locked_for(rl, 'l', login, now);
	int64_t wait = a > l ? a : l;
	if (wait == 0)
		return 0;
	if (retry_after != NULL)
		*retry_after = wait;
	return -EAGAIN;
}

static int64_t lock_length(uint32_t locks)
{
	int64_t len = VDP_RL_LOCK;
	for (uint32_t i = 0; i < locks && len < VDP_RL_CAP; i++)
		len *= 2;
	return len < VDP_RL_CAP ? len : VDP_RL_CAP;
}

static void fail_key(struct vdp_ratelimit *rl, char kind, const char *text, uint32_t limit, int64_t now)
{
	uint8_t key[KEYLEN];
	if (text == NULL)
		return;
	key_of(kind, text, key);
	struct slot *s = slot_for(rl, key, now);
	if (s->until > now) {
		s->last = now;
		return;
	}
	if (now - s->last >= VDP_RL_FORGET)
		s->fails = s->locks = 0;
	if (s->fails == 0 || now - s->start >= VDP_RL_WINDOW) {
		s->start = now;
		s->fails = 0;
	}
	s->last = now;
	if (++s->fails < limit)
		return;
	s->until = now + lock_length(s->locks);
	s->locks++;
	s->fails = 0;
}

void vdp_rl_fail(struct vdp_ratelimit *rl, const char *addr, const char *login, int64_t now)
{
	if (rl == NULL)
		return;
	fail_key(rl, 'a', addr, VDP_RL_ADDR_FAILS, now);
	fail_key(rl, 'l', login, VDP_RL_LOGIN_FAILS, now);
}

void vdp_rl_success(struct vdp_ratelimit *rl, const char *addr, const char *login, int64_t now)
{
	uint8_t key[KEYLEN];
	if (rl == NULL || login == NULL)
		return;
	key_of('l', login, key);
	struct slot *s = find(rl, key);
	if (s != NULL)
		memset(s, 0, sizeof *s);
}
