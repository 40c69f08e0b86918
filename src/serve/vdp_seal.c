/* Encryption at rest and the program's secrets (see vdp_seal.h). */
#include "vdp_seal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"

#define KDF_CONTEXT  "vitalvdp" /* crypto_kdf context: 8 bytes naming this use */
#define SUBKEY_SEAL  1
#define SUBKEY_TOKEN 2
#define SUBKEY_FORM  3
#define AD_MAX       512 /* associated data: table, row and field names */
#define NONCE_BYTES  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define FORM_MAC     16

int seal_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

void seal_keys_wipe(struct seal_keys *k)
{
	if (k != NULL)
		sodium_memzero(k, sizeof *k);
}

static void derive(const unsigned char master[32], struct seal_keys *out)
{
	crypto_kdf_derive_from_key(out->seal, sizeof out->seal, SUBKEY_SEAL, KDF_CONTEXT, master);
	crypto_kdf_derive_from_key(out->token, sizeof out->token, SUBKEY_TOKEN, KDF_CONTEXT, master);
	crypto_kdf_derive_from_key(out->form, sizeof out->form, SUBKEY_FORM, KDF_CONTEXT, master);
}

/* One line of the key file, without its end: a comment, blank, or the key. */
static int key_line(const char *s, size_t n, unsigned char master[32], int *have)
{
	while (n > 0 && (s[0] == ' ' || s[0] == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n == 0 || s[0] == '#')
		return 0;
	if (*have)
		return -EEXIST;
	size_t bin = 0;
	const char *end = NULL;
	if (n != 64 || sodium_hex2bin(master, 32, s, n, NULL, &bin, &end) != 0 || bin != 32 || end != s + n)
		return -EINVAL;
	*have = 1;
	return 0;
}

int seal_parse_keyfile(const char *text, size_t len, struct seal_keys *out, char *err, size_t errlen)
{
	unsigned char master[32];
	int have = 0, rc = 0;
	unsigned line = 0;
	for (size_t i = 0; i < len && rc == 0;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		line++;
		if (memchr(text + i, '\0', n) != NULL)
			rc = errf(err, errlen, -EINVAL, "line %u: a NUL byte", line);
		else if ((rc = key_line(text + i, n, master, &have)) == -EEXIST)
			rc = errf(err, errlen, -EINVAL, "line %u: a second key (one key per file)", line);
		else if (rc < 0)
			rc = errf(err, errlen, -EINVAL, "line %u: not a key of 64 hexadecimal digits", line);
		i += n + 1;
	}
	if (rc == 0 && !have)
		rc = errf(err, errlen, -EINVAL, "no key (a line of 64 hexadecimal digits)");
	if (rc == 0)
		derive(master, out);
	sodium_memzero(master, sizeof master);
	return rc;
}

static int check_mode(int fd, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return errf(err, errlen, -errno, "%s: %s", path, err_text(errno));
	if (!S_ISREG(sb.st_mode))
		return errf(err, errlen, -EINVAL, "%s: not a regular file", path);
	if ((sb.st_mode & 077) != 0)
		return errf(err, errlen, -EPERM, "%s: readable or writable by group or others (chmod 600 %s)",
		            path, path);
	if (sb.st_size > SEAL_KEYFILE_MAX)
		return errf(err, errlen, -EFBIG, "%s: larger than %d bytes", path, SEAL_KEYFILE_MAX);
	return 0;
}

int seal_load_keyfile(const char *path, struct seal_keys *out, char *err, size_t errlen)
{
	char buf[SEAL_KEYFILE_MAX + 1], sub[256];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc;
	if (fd < 0)
		return errf(err, errlen, -errno, "%s: %s", path, err_text(errno));
	rc = check_mode(fd, path, err, errlen);
	if (rc == 0 && (n = read(fd, buf, sizeof buf)) < 0)
		rc = errf(err, errlen, -errno, "%s: %s", path, err_text(errno));
	else if (rc == 0 && n > SEAL_KEYFILE_MAX)
		rc = errf(err, errlen, -EFBIG, "%s: larger than %d bytes", path, SEAL_KEYFILE_MAX);
	if (rc == 0 && (rc = seal_parse_keyfile(buf, (size_t)n, out, sub, sizeof sub)) < 0)
		errf(err, errlen, rc, "%s: %s", path, sub);
	sodium_memzero(buf, sizeof buf);
	close(fd);
	return rc;
}

int seal_new_keyfile(const char *path, char *err, size_t errlen)
{
	unsigned char key[32];
	char hex[65], text[256];
	randombytes_buf(key, sizeof key);
	sodium_bin2hex(hex, sizeof hex, key, sizeof key);
	int n = snprintf(text, sizeof text,
	                 "# vitals serve key: keep it out of the database and its backups\n%s\n", hex);
	int rc = 0, fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = errf(err, errlen, -errno, "%s: %s", path, err_text(errno));
	else if (write(fd, text, (size_t)n) != n || fsync(fd) < 0)
		rc = errf(err, errlen, -EIO, "%s: cannot write", path);
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = errf(err, errlen, -EIO, "%s: cannot write", path);
	if (rc < 0 && fd >= 0)
		unlink(path);
	sodium_memzero(key, sizeof key);
	sodium_memzero(hex, sizeof hex);
	sodium_memzero(text, sizeof text);
	return rc;
}

/* "vitals-vdp/1|table|row|field": the place a blob belongs to. */
static int make_ad(char ad[AD_MAX], const char *table, const char *row, const char *field, size_t *n)
{
	int k = snprintf(ad, AD_MAX, "vitals-vdp/1|%s|%s|%s", table, row, field);
	if (k < 0 || k >= AD_MAX)
		return -EINVAL;
	*n = (size_t)k;
	return 0;
}

int seal_box(const struct seal_keys *k, const char *table, const char *row, const char *field, const void *p,
             size_t n, unsigned char **out, size_t *outlen)
{
	char ad[AD_MAX];
	size_t adn;
	unsigned long long clen = 0;
	if (make_ad(ad, table, row, field, &adn) < 0 || n > SIZE_MAX - SEAL_OVERHEAD)
		return -EINVAL;
	unsigned char *b = malloc(n + SEAL_OVERHEAD);
	if (b == NULL)
		return -ENOMEM;
	b[0] = SEAL_KEY_ID;
	randombytes_buf(b + 1, NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(b + 1 + NONCE_BYTES, &clen, p, n,
	                                           (const unsigned char *)ad, adn, NULL, b + 1, k->seal);
	*out = b;
	*outlen = 1 + NONCE_BYTES + (size_t)clen;
	return 0;
}

int seal_open(const struct seal_keys *k, const char *table, const char *row, const char *field,
              const unsigned char *blob, size_t n, char **out, size_t *outlen)
{
	char ad[AD_MAX];
	size_t adn;
	unsigned long long plen = 0;
	if (make_ad(ad, table, row, field, &adn) < 0 || blob == NULL || n < SEAL_OVERHEAD)
		return -EBADMSG;
	if (blob[0] != SEAL_KEY_ID)
		return -ENOKEY;
	char *p = malloc(n - SEAL_OVERHEAD + 1);
	if (p == NULL)
		return -ENOMEM;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	        (unsigned char *)p, &plen, NULL, blob + 1 + NONCE_BYTES, n - 1 - NONCE_BYTES,
	        (const unsigned char *)ad, adn, blob + 1, k->seal) != 0) {
		free(p);
		return -EBADMSG;
	}
	p[plen] = '\0';
	*out = p;
	*outlen = (size_t)plen;
	return 0;
}

static void token_mac(const struct seal_keys *k, const unsigned char *tok,
                      unsigned char hash[SEAL_HASH_BYTES])
{
	crypto_generichash(hash, SEAL_HASH_BYTES, tok, SEAL_TOKEN_BYTES, k->token, sizeof k->token);
}

int seal_token_new(const struct seal_keys *k, char token[SEAL_TOKEN_CHARS + 1],
                   unsigned char hash[SEAL_HASH_BYTES])
{
	unsigned char raw[SEAL_TOKEN_BYTES];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(token, SEAL_TOKEN_CHARS + 1, raw, sizeof raw,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	token_mac(k, raw, hash);
	sodium_memzero(raw, sizeof raw);
	return 0;
}

int seal_token_hash(const struct seal_keys *k, const char *token, unsigned char hash[SEAL_HASH_BYTES])
{
	unsigned char raw[SEAL_TOKEN_BYTES];
	size_t bin = 0;
	const char *end = NULL;
	if (token == NULL || strlen(token) != SEAL_TOKEN_CHARS ||
	    sodium_base642bin(raw, sizeof raw, token, SEAL_TOKEN_CHARS, NULL, &bin, &end,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    bin != sizeof raw || end != token + SEAL_TOKEN_CHARS)
		return -EINVAL;
	token_mac(k, raw, hash);
	sodium_memzero(raw, sizeof raw);
	return 0;
}

int seal_hash_equal(const unsigned char a[SEAL_HASH_BYTES], const unsigned char b[SEAL_HASH_BYTES])
{
	return sodium_memcmp(a, b, SEAL_HASH_BYTES) == 0;
}

void seal_random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];
	if (nbytes > sizeof raw)
		nbytes = sizeof raw;
	randombytes_buf(raw, nbytes);
	sodium_bin2hex(out, 2 * nbytes + 1, raw, nbytes);
}

/* The MAC of a form token: over the scope and the issue time, under the form subkey. */
static void form_mac(const struct seal_keys *k, const char *scope, const unsigned char ts[8],
                     unsigned char mac[FORM_MAC])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, k->form, sizeof k->form, FORM_MAC);
	crypto_generichash_update(&st, ts, 8);
	crypto_generichash_update(&st, (const unsigned char *)scope, strlen(scope) + 1);
	crypto_generichash_final(&st, mac, FORM_MAC);
}

void seal_form_token(const struct seal_keys *k, const char *scope, time_t now, char out[SEAL_FORM_CHARS + 1])
{
	unsigned char raw[8 + FORM_MAC];
	uint64_t t = (uint64_t)now;
	for (int i = 0; i < 8; i++)
		raw[i] = (unsigned char)(t >> (56 - 8 * i));
	form_mac(k, scope, raw, raw + 8);
	sodium_bin2base64(out, SEAL_FORM_CHARS + 1, raw, sizeof raw,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int seal_form_check(const struct seal_keys *k, const char *scope, const char *tok, time_t now)
{
	unsigned char raw[8 + FORM_MAC], mac[FORM_MAC];
	size_t bin = 0;
	uint64_t t = 0;
	if (tok == NULL || strlen(tok) != SEAL_FORM_CHARS ||
	    sodium_base642bin(raw, sizeof raw, tok, SEAL_FORM_CHARS, NULL, &bin, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    bin != sizeof raw)
		return -EACCES;
	form_mac(k, scope, raw, mac);
	for (int i = 0; i < 8; i++)
		t = t << 8 | raw[i];
	if (sodium_memcmp(mac, raw + 8, FORM_MAC) != 0)
		return -EACCES;
	/* A little clock skew forward is tolerated; older than the lifetime is not. */
	if ((int64_t)t > (int64_t)now + 300 || (int64_t)now - (int64_t)t > SEAL_FORM_TTL)
		return -EACCES;
	return 0;
}
