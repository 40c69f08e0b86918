/* Unit tests for sealing at rest, reporter and form tokens, and key files (src/serve/vdp_seal.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "vdp_seal.h"

static const char key_a[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
static const char key_b[] =
    "# another\n\n  ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100  \n";

static void keys(const char *text, struct seal_keys *k)
{
	char err[128];
	if (seal_parse_keyfile(text, strlen(text), k, err, sizeof err) != 0)
		abort();
}

static void test_round_trip(void)
{
	struct seal_keys k;
	unsigned char *blob = NULL;
	char *out = NULL;
	size_t n = 0, m = 0;
	keys(key_a, &k);
	is_int(seal_box(&k, "reports", "r1", "title", "SQL injection", 13, &blob, &n), 0, "seal: sealed");
	is_int(n, 13 + SEAL_OVERHEAD, "seal: blob is the text plus key id, nonce and tag");
	is_int(blob[0], SEAL_KEY_ID, "seal: first byte is the key id");
	ok(memmem(blob, n, "SQL injection", 13) == NULL, "seal: the text does not appear in the blob");
	is_int(seal_open(&k, "reports", "r1", "title", blob, n, &out, &m), 0, "open: opened");
	is_str(out, "SQL injection", "open: the same text");
	is_int(m, 13, "open: the same length");
	free(out);
	is_int(seal_open(&k, "reports", "r2", "title", blob, n, &out, &m), -EBADMSG,
	       "open: another row fails");
	is_int(seal_open(&k, "reports", "r1", "steps", blob, n, &out, &m), -EBADMSG,
	       "open: another field fails");
	is_int(seal_open(&k, "messages", "r1", "title", blob, n, &out, &m), -EBADMSG,
	       "open: another table fails");
	blob[n - 1] ^= 1;
	is_int(seal_open(&k, "reports", "r1", "title", blob, n, &out, &m), -EBADMSG,
	       "open: a changed tag fails");
	blob[n - 1] ^= 1;
	blob[30] ^= 0x80;
	is_int(seal_open(&k, "reports", "r1", "title", blob, n, &out, &m), -EBADMSG,
	       "open: a changed byte fails");
	blob[30] ^= 0x80;
	blob[0] = 2;
	is_int(seal_open(&k, "reports", "r1", "title", blob, n, &out, &m), -ENOKEY,
	       "open: an unknown key id");
	blob[0] = SEAL_KEY_ID;
	is_int(seal_open(&k, "reports", "r1", "title", blob, 20, &out, &m), -EBADMSG,
	       "open: a short blob fails");
	struct seal_keys other;
	keys(key_b, &other);
	is_int(seal_open(&other, "reports", "r1", "title", blob, n, &out, &m), -EBADMSG,
	       "open: another key fails");
	free(blob);
	is_int(seal_box(&k, "attachments", "r1/a1", "data", "", 0, &blob, &n), 0, "seal: empty bytes");
	is_int(seal_open(&k, "attachments", "r1/a1", "data", blob, n, &out, &m), 0, "open: empty bytes");
	is_int(m, 0, "open: empty is empty");
	free(out);
	free(blob);
}

static void test_keyfile_lines(void)
{
	struct seal_keys k;
	char err[128];
	const char *two = "# k\n000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
	                  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
	is_int(seal_parse_keyfile(two, strlen(two), &k, err, sizeof err), -EINVAL,
	       "keyfile: two keys refused");
	is_str(err, "line 3: a second key (one key per file)", "keyfile: names the second key's line");
	const char *shortk = "\n# comment\n0001020304\n";
	is_int(seal_parse_keyfile(shortk, strlen(shortk), &k, err, sizeof err), -EINVAL,
	       "keyfile: short refused");
	is_str(err, "line 3: not a key of 64 hexadecimal digits", "keyfile: names the short line");
	const char *nothex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n";
	is_int(seal_parse_keyfile(nothex, strlen(nothex), &k, err, sizeof err), -EINVAL,
	       "keyfile: non-hex refused");
	is_str(err, "line 1: not a key of 64 hexadecimal digits", "keyfile: names the non-hex line");
	is_int(seal_parse_keyfile("# none\n", 7, &k, err, sizeof err), -EINVAL, "keyfile: no key refused");
	is_str(err, "no key (a line of 64 hexadecimal digits)", "keyfile: says there is no key");
	is_int(seal_parse_keyfile("\n\0", 2, &k, err, sizeof err), -EINVAL, "keyfile: NUL refused");
	is_str(err, "line 2: a NUL byte", "keyfile: names the NUL's line");
	is_int(seal_parse_keyfile(key_b, strlen(key_b), &k, err, sizeof err), 0,
	       "keyfile: blanks and comments");
}

static void test_keyfile_mode(void)
{
	struct seal_keys k;
	char err[256], dir[] = "/tmp/test_seal.XXXXXX", path[300];
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/key", dir);
	is_int(seal_new_keyfile(path, err, sizeof err), 0, "new key file: written");
	struct stat sb;
	stat(path, &sb);
	is_int(sb.st_mode & 0777, 0600, "new key file: mode 0600");
	is_int(seal_new_keyfile(path, err, sizeof err), -EEXIST, "new key file: never overwrites");
	is_int(seal_load_keyfile(path, &k, err, sizeof err), 0, "key file: loads");
	chmod(path, 0640);
	is_int(seal_load_keyfile(path, &k, err, sizeof err), -EPERM, "key file: group-readable refused");
	ok(strstr(err, "readable or writable by group or others") != NULL, "key file: says why");
	unlink(path);
	rmdir(dir);
}

static void test_tokens(void)
{
	struct seal_keys k, other;
	char tok[SEAL_TOKEN_CHARS + 1], ftok[SEAL_FORM_CHARS + 1];
	unsigned char h1[SEAL_HASH_BYTES], h2[SEAL_HASH_BYTES];
	keys(key_a, &k);
	keys(key_b, &other);
	is_int(seal_token_new(&k, tok, h1), 0, "token: made");
	is_int(strlen(tok), SEAL_TOKEN_CHARS, "token: 43 characters");
	ok(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
	       SEAL_TOKEN_CHARS,
	   "token: base64url");
	is_int(seal_token_hash(&k, tok, h2), 0, "token: hashed");
	ok(seal_hash_equal(h1, h2), "token: the same hash as stored");
	is_int(seal_token_hash(&other, tok, h2), 0, "token: hashed under another key");
	ok(!seal_hash_equal(h1, h2), "token: another key, another hash");
	is_int(seal_token_hash(&k, "short", h2), -EINVAL, "token: a short one is refused");
	tok[5] = '+';
	is_int(seal_token_hash(&k, tok, h2), -EINVAL, "token: not base64url is refused");
	seal_form_token(&k, "report:org001", 1000000, ftok);
	is_int(seal_form_check(&k, "report:org001", ftok, 1000000 + 60), 0,
	       "form token: good a minute later");
	is_int(seal_form_check(&k, "report:org002", ftok, 1000000 + 60), -EACCES,
	       "form token: not another form");
	is_int(seal_form_check(&other, "report:org001", ftok, 1000000), -EACCES,
	       "form token: not another key");
	is_int(seal_form_check(&k, "report:org001", ftok, 1000000 + SEAL_FORM_TTL + 1), -EACCES,
	       "form token: expired after a day");
	is_int(seal_form_check(&k, "report:org001", NULL, 1000000), -EACCES, "form token: missing");
}

int main(void)
{
	if (seal_init() < 0)
		return 1;
	test_round_trip();
	test_keyfile_lines();
	test_keyfile_mode();
	test_tokens();
	return done_testing();
}
