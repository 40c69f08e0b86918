/*
 * vdp_auth: argon2id hashes (against the reference implementation's published hash), the
 * password policy, CSRF tokens (against an HMAC-SHA-512-256 computed by Python's hmac), and
 * the login rate limiter driven by a clock the test sets.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "vdp_auth.h"

/* phc-winner-argon2's README and src/test.c: "password", salt "somesalt", argon2id v1.3,
 * t=2, m=65536 KiB, p=1, 32 bytes. The same costs as the default here. */
#define REF_HASH "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"

static void test_passwords(void)
{
	char h1[VDP_PWHASH_LEN], h2[VDP_PWHASH_LEN], cheap[VDP_PWHASH_LEN], small[64];
	char long_pw[VDP_PW_MAX + 2];
	is_int(vdp_pw_verify(REF_HASH, "password"), 0, "the reference hash verifies");
	is_int(vdp_pw_verify(REF_HASH, "passwore"), -EACCES, "a wrong password does not");
	is_int(vdp_pw_needs_rehash(REF_HASH), 0, "the reference costs are the default costs");

	is_int(vdp_pw_hash("correct horse battery staple", h1, sizeof h1), 0, "hash");
	ok(strncmp(h1, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0,
	   "argon2id v1.3, 64 MiB, 2 passes, 1 lane");
	is_int(vdp_pw_verify(h1, "correct horse battery staple"), 0, "verify");
	is_int(vdp_pw_verify(h1, "correct horse battery stapl"), -EACCES, "one byte short");
	is_int(vdp_pw_verify(h1, "Correct horse battery staple"), -EACCES, "case matters");
	is_int(vdp_pw_hash("correct horse battery staple", h2, sizeof h2), 0, "hash again");
	ok(strcmp(h1, h2) != 0, "a fresh salt each time");
	is_int(vdp_pw_needs_rehash(h1), 0, "default costs need no rehash");

	is_int(vdp_pw_hash_cost("correct horse battery staple", 1, 8192, cheap, sizeof cheap), 0,
	       "cheap hash");
	is_int(vdp_pw_verify(cheap, "correct horse battery staple"), 0, "a cheap hash still verifies");
	is_int(vdp_pw_needs_rehash(cheap), 1, "and asks to be rehashed");

	memset(long_pw, 'x', sizeof long_pw - 1);
	long_pw[sizeof long_pw - 1] = '\0';
	is_int(vdp_pw_hash(long_pw, h2, sizeof h2), -EINVAL, "129 bytes are not hashed");
	is_int(vdp_pw_verify(h1, long_pw), -EACCES, "nor verified");
	is_int(vdp_pw_verify(h1, NULL), -EACCES, "no password");
	is_int(vdp_pw_hash("correct horse battery staple", small, sizeof small), -EINVAL,
	       "short output buffer");
	is_int(vdp_pw_hash_cost("correct horse battery staple", 0, 8192, h2, sizeof h2), -EINVAL,
	       "ops below min");
	is_int(vdp_pw_verify(NULL, "x"), -EINVAL, "no stored hash");
	is_int(vdp_pw_verify("", "x"), -EINVAL, "empty stored hash");
	is_int(vdp_pw_verify("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "x"), -EINVAL,
	       "a bcrypt hash is not ours");
	is_int(vdp_pw_needs_rehash("$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$x"), -EINVAL,
	       "argon2i is not ours");
	is_int(vdp_pw_verify("$argon2id$v=19$garbage", "password"), -EACCES,
	       "a broken argon2id string never matches");
}

static void policy(const char *login, const char *pw, int want, const char *why_want, const char *name)
{
	char why[80] = "unset";
	is_int(vdp_pw_policy(login, pw, why, sizeof why), want, name);
	is_str(why, why_want, name);
}

static void test_policy(void)
{
	char pw[VDP_PW_MAX + 2];
	policy("alice", "abcdefghijk", -EINVAL, "the password is shorter than 12 bytes", "11 bytes");
	policy("alice", "abcdefghijkl", 0, "", "12 bytes");
	memset(pw, 'p', VDP_PW_MAX);
	pw[VDP_PW_MAX] = '\0';
	policy("alice", pw, 0, "", "128 bytes");
	pw[VDP_PW_MAX] = 'p';
	pw[VDP_PW_MAX + 1] = '\0';
	policy("alice", pw, -EINVAL, "the password is longer than 128 bytes", "129 bytes");
	policy("staff@org001.test", "Staff@Org001.test", -EINVAL, "the password is the login",
	       "the login itself");
	policy("staff@org001.test", "staff@org001.test2", 0, "", "more than the login");
	policy(NULL, "abcdefghijkl", 0, "", "no login to compare");
	policy("alice", NULL, -EINVAL, "no password", "no password");
}

static const uint8_t key[VDP_CSRF_KEYLEN] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                             16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const uint8_t session[] = "session-secret-0123456789abcdef";
#define SESSION_LEN (sizeof session - 1)

static void test_csrf(void)
{
	char tok[VDP_CSRF_LEN], tok2[VDP_CSRF_LEN], bad[VDP_CSRF_LEN];
	uint8_t key2[VDP_CSRF_KEYLEN];
	is_int(vdp_csrf_token(key, session, SESSION_LEN, tok, sizeof tok), 0, "token");
	/* /usr/bin/python3: hmac.new(key, b"vitals serve csrf v1\0" + session, sha512).digest()[:32],
	 * base64.urlsafe_b64encode without '='. */
	is_str(tok, "4bfTRUcClddBIlIIr4MuBOvQ6-9jExarzRb_CXjejZE", "HMAC-SHA-512-256, base64url");
	is_int(vdp_csrf_verify(key, session, SESSION_LEN, tok), 0, "verifies");
	is_int(vdp_csrf_token(key, session, SESSION_LEN, tok2, sizeof tok2), 0, "again");
	is_str(tok2, tok, "the same session, the same token");
	is_int(vdp_csrf_verify(key, (const uint8_t *)"another session", 15, tok), -EACCES,
	       "another session's");
	memcpy(key2, key, sizeof key2);
	key2[31] ^= 1;
	is_int(vdp_csrf_verify(key2, session, SESSION_LEN, tok), -EACCES, "another server key");
	memcpy(bad, tok, sizeof bad);
	bad[0] = bad[0] == 'A' ? 'B' : 'A';
	is_int(vdp_csrf_verify(key, session, SESSION_LEN, bad), -EACCES, "one character changed");
	memcpy(bad, tok, sizeof bad);
	bad[42] = '\0';
	is_int(vdp_csrf_verify(key, session, SESSION_LEN, bad), -EACCES, "one character short");
	memcpy(bad, tok, sizeof bad);
	bad[10] = '+';
	is_int(vdp_csrf_verify(key, session, SESSION_LEN, bad), -EACCES, "not base64url");
	/* The last character carries 2 spare bits: a different encoding of the same MAC's
	 * leading 254 bits must not pass. */
	memcpy(bad, tok, sizeof bad);
	bad[42] = 'F';
	is_int(vdp_csrf_verify(key, session, SESSION_LEN, bad), -EACCES, "non-canonical last character");
	is_int(vdp_csrf_verify(key, session, SESSION_LEN, ""), -EACCES, "empty token");
	is_int(vdp_csrf_verify(key, session, SESSION_LEN, NULL), -EACCES, "no token");
	is_int(vdp_csrf_token(key, session, 0, tok2, sizeof tok2), -EINVAL, "empty session secret");
	is_int(vdp_csrf_token(key, session, VDP_SESSION_MAX + 1, tok2, sizeof tok2), -EINVAL,
	       "oversized secret");
	is_int(vdp_csrf_token(key, session, SESSION_LEN, tok2, 43), -EINVAL, "short output buffer");
}

/* Fails n times for login (and addr) at t, t+1, ... */
static void fails(struct vdp_ratelimit *rl, const char *addr, const char *login, int n, int64_t t)
{
	for (int i = 0; i < n; i++)
		vdp_rl_fail(rl, addr, login, t + i);
}

static void test_login_lock(void)
{
	struct vdp_ratelimit *rl = vdp_rl_new(0);
	int64_t wait = 0;
	ok(rl != NULL, "limiter");
	fails(rl, NULL, "alice", 4, 1000);
	is_int(vdp_rl_check(rl, "192.0.2.1", "alice", 1004, &wait), 0, "4 failures: not locked");
	vdp_rl_fail(rl, NULL, "alice", 1004);
	is_int(vdp_rl_check(rl, "192.0.2.1", "alice", 1004, &wait), -EAGAIN, "the 5th locks the login");
	is_int(wait, 60, "for 60 s");
	is_int(vdp_rl_check(rl, "192.0.2.1", "bob", 1004, NULL), 0, "another login is free");
	vdp_rl_fail(rl, NULL, "alice", 1034);
	is_int(vdp_rl_check(rl, NULL, "alice", 1063, &wait), -EAGAIN, "a failure while locked");
	is_int(wait, 1, "does not extend the lock");
	is_int(vdp_rl_check(rl, NULL, "alice", 1064, &wait), 0, "free after 60 s");
	fails(rl, NULL, "alice", 5, 1064);
	is_int(vdp_rl_check(rl, NULL, "alice", 1068, &wait), -EAGAIN, "5 more lock again");
	is_int(wait, 120, "for twice as long");
	/* Locks 3 to 8: 240, 480, 960, 1920, then the cap. */
	int64_t t = 1068 + 120;
	static const int64_t want[] = {240, 480, 960, 1920, 3600, 3600};
	for (int i = 0; i < 6; i++) {
		char name[40];
		fails(rl, NULL, "alice", 5, t);
		snprintf(name, sizeof name, "lock %d lasts %lld s", i + 3, (long long)want[i]);
		is_int(vdp_rl_check(rl, NULL, "alice", t + 4, &wait), -EAGAIN, name);
		is_int(wait, want[i], name);
		t += 4 + want[i];
	}
	vdp_rl_success(rl, "192.0.2.1", "alice", t);
	fails(rl, NULL, "alice", 4, t);
	is_int(vdp_rl_check(rl, NULL, "alice", t + 4, NULL), 0, "a success clears the count");
	vdp_rl_fail(rl, NULL, "alice", t + 4);
	is_int(vdp_rl_check(rl, NULL, "alice", t + 4, &wait), -EAGAIN, "and the lock history");
	is_int(wait, 60, "the next lock is the first again");
	vdp_rl_free(rl);
}

static void test_window_and_forget(void)
{
	struct vdp_ratelimit *rl = vdp_rl_new(0);
	int64_t wait = 0;
	fails(rl, NULL, "carol", 4, 0);
	fails(rl, NULL, "carol", 4, 3 + 900); /* the window of the first 4 (from t=0) has ended */
	is_int(vdp_rl_check(rl, NULL, "carol", 907, NULL), 0, "failures older than the window do not count");
	vdp_rl_fail(rl, NULL, "carol", 907);
	is_int(vdp_rl_check(rl, NULL, "carol", 907, &wait), -EAGAIN, "5 within the window lock");
	is_int(wait, 60, "60 s");
	fails(rl, NULL, "carol", 5, 967 + VDP_RL_FORGET);
	is_int(vdp_rl_check(rl, NULL, "carol", 971 + VDP_RL_FORGET, &wait), -EAGAIN,
	       "locked again a day later");
	is_int(wait, 60, "a day of quiet forgets earlier locks");
	vdp_rl_free(rl);
}

static void test_address(void)
{
	struct vdp_ratelimit *rl = vdp_rl_new(0);
	int64_t wait = 0;
	char login[16];
	/* A spray: one guess at each of 19 logins from one address. */
	for (int i = 0; i < 19; i++) {
		snprintf(login, sizeof login, "user%02d", i);
		vdp_rl_fail(rl, "198.51.100.7", login, 100 + i);
	}
	is_int(vdp_rl_check(rl, "198.51.100.7", "user99", 119, NULL), 0, "19 failures from one address");
	vdp_rl_success(rl, "198.51.100.7", "mallory", 119);
	vdp_rl_fail(rl, "198.51.100.7", "user19", 120);
	is_int(vdp_rl_check(rl, "198.51.100.7", "user99", 120, &wait), -EAGAIN,
	       "the 20th locks the address, a success between notwithstanding");
	is_int(wait, 60, "for 60 s");
	is_int(vdp_rl_check(rl, "198.51.100.8", "user99", 120, NULL), 0, "another address is free");
	is_int(vdp_rl_check(rl, NULL, NULL, 120, NULL), 0, "no keys, no limit");
	is_int(vdp_rl_check(NULL, "198.51.100.7", NULL, 120, NULL), -EINVAL, "no limiter");
	vdp_rl_free(rl);
}

static void test_eviction(void)
{
	struct vdp_ratelimit *rl = vdp_rl_new(4);
	int64_t wait = 0;
	fails(rl, NULL, "a", 5, 0); /* locked until 64 */
	vdp_rl_fail(rl, NULL, "b", 10);
	vdp_rl_fail(rl, NULL, "c", 11);
	vdp_rl_fail(rl, NULL, "d", 12);
	fails(rl, NULL, "b", 3, 13);    /* b: 4 failures, used last at 15 */
	vdp_rl_fail(rl, NULL, "e", 20); /* full: c is the oldest not under lock */
	is_int(vdp_rl_check(rl, NULL, "a", 20, &wait), -EAGAIN, "a locked key survives a full table");
	is_int(wait, 44, "with its time");
	vdp_rl_fail(rl, NULL, "b", 21);
	is_int(vdp_rl_check(rl, NULL, "b", 21, NULL), -EAGAIN, "b kept its count (5th failure locks)");
	fails(rl, NULL, "c", 4, 22); /* c starts afresh, evicting d */
	is_int(vdp_rl_check(rl, NULL, "c", 26, NULL), 0, "c was evicted: its old failure is gone");
	vdp_rl_free(rl);

	/* All slots locked: the least recently used goes. */
	rl = vdp_rl_new(2);
	fails(rl, NULL, "x", 5, 0);
	fails(rl, NULL, "y", 5, 10);
	vdp_rl_fail(rl, NULL, "z", 20);
	is_int(vdp_rl_check(rl, NULL, "x", 20, NULL), 0, "x, locked but oldest, was evicted");
	is_int(vdp_rl_check(rl, NULL, "y", 20, &wait), -EAGAIN, "y stays locked");
	is_int(wait, 54, "y's time");
	ok(vdp_rl_free(rl) == NULL, "free returns NULL");
	ok(vdp_rl_free(NULL) == NULL, "free accepts NULL");
}

int main(void)
{
	test_passwords();
	test_policy();
	test_csrf();
	test_login_lock();
	test_window_and_forget();
	test_address();
	test_eviction();
	return done_testing();
}
