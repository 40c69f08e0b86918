/*
 * Fuzz target for what a login or a state-changing request hands vdp_auth.c: the input is a
 * CSRF token as a form field brings it, then (after a NUL) a password. Only the one token
 * made for the session verifies; the policy and the verification of a password against a
 * cheap stored hash answer, never crash, and agree with the length limits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vdp_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[VDP_CSRF_KEYLEN] = {7};
static const uint8_t session[] = "fuzzing session";

static void check_token(const char *token)
{
	char want[VDP_CSRF_LEN];
	if (vdp_csrf_token(key, session, sizeof session - 1, want, sizeof want) != 0)
		abort();
	int rc = vdp_csrf_verify(key, session, sizeof session - 1, token);
	if (rc != (strcmp(token, want) == 0 ? 0 : -EACCES))
		abort();
}

static void check_password(const char *pw)
{
	/* A stored hash at the smallest costs, made once: the fuzzer must not spend 64 MiB a run. */
	static char stored[VDP_PWHASH_LEN];
	char why[80];
	if (stored[0] == '\0' && vdp_pw_hash_cost("fuzzing password", 1, 8192, stored, sizeof stored) != 0)
		abort();
	size_t n = strlen(pw);
	int rc = vdp_pw_policy("fuzzer", pw, why, sizeof why);
	if ((rc == 0) != (n >= VDP_PW_MIN && n <= VDP_PW_MAX && strcasecmp(pw, "fuzzer") != 0))
		abort();
	rc = vdp_pw_verify(stored, pw);
	if (rc != (strcmp(pw, "fuzzing password") == 0 ? 0 : -EACCES))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 2);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	check_token(buf);
	check_password(buf + strlen(buf) + (strlen(buf) < size ? 1 : 0));
	free(buf);
	return 0;
}
