/*
 * Encryption at rest for the disclosure program, and the secrets it hands out.
 * One master key (32 random bytes, 64 hex characters in the --key-file, never in the
 * database) gives three subkeys through crypto_kdf: one seals report fields with
 * XChaCha20-Poly1305, one makes the keyed hashes under which reporter tokens are
 * stored, one MACs the anti-forgery tokens of the researcher forms.
 *
 * A sealed blob is: key id (1 byte) | nonce (24) | ciphertext and tag. Its associated
 * data names the table, the row and the field, so a blob copied to another row or
 * field does not open. The key id is there for rotation (docs/SERVE.md); this version
 * knows key id 1 only.
 *
 * It keeps no state but the keys, stores nothing and logs nothing.
 */
#ifndef VITALS_VDP_SEAL_H
#define VITALS_VDP_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SEAL_KEY_ID      1             /* the key id written into every blob made now */
#define SEAL_OVERHEAD    (1 + 24 + 16) /* bytes a sealed blob adds to its plaintext */
#define SEAL_TOKEN_BYTES 32            /* random bytes in a reporter token */
#define SEAL_TOKEN_CHARS 43            /* base64url characters of a token (no padding) */
#define SEAL_HASH_BYTES  32            /* a token's stored keyed hash */
#define SEAL_FORM_CHARS  32            /* characters of a form token: base64url of 8 + 16 bytes */
#define SEAL_FORM_TTL    (24 * 3600)   /* seconds a form token stays good */
#define SEAL_KEYFILE_MAX 4096          /* a key file larger than this is refused */

struct seal_keys {
	unsigned char seal[32];  /* XChaCha20-Poly1305 key for report fields */
	unsigned char token[32]; /* keyed-hash key for reporter tokens */
	unsigned char form[32];  /* keyed-hash key for form tokens */
};

/* Initialises libsodium (once; safe from several calls). 0 or -EIO. */
int seal_init(void);

/*
 * Parses key file text: blank lines and '#' comments, and exactly one line of 64 hex
 * digits (surrounding blanks allowed). Errors name the line ("line 3: ...") in `err`.
 * 0 with *out set; -EINVAL. Wipes its copies of the key.
 */
int seal_parse_keyfile(const char *text, size_t len, struct seal_keys *out, char *err, size_t errlen);

/*
 * Reads and parses the key file at `path`: refuses one that is not a regular file,
 * is readable or writable by group or others, or exceeds SEAL_KEYFILE_MAX. 0 or a
 * negative errno with the reason in `err`.
 */
int seal_load_keyfile(const char *path, struct seal_keys *out, char *err, size_t errlen);

/* Writes a new random key to `path` (mode 0600, refusing to overwrite). 0 or negative errno. */
int seal_new_keyfile(const char *path, char *err, size_t errlen);

/* Wipes the keys. */
void seal_keys_wipe(struct seal_keys *k);

/*
 * Seals `n` bytes for the field `field` of row `row` in `table` into a new buffer
 * (*out, *outlen; caller frees). 0, -ENOMEM, -EINVAL (names too long).
 */
int seal_box(const struct seal_keys *k, const char *table, const char *row, const char *field, const void *p,
             size_t n, unsigned char **out, size_t *outlen);

/*
 * Opens a blob sealed for (table, row, field) into a new NUL-terminated buffer (*out,
 * *outlen without the NUL; caller frees). -EBADMSG when the blob was altered, moved
 * or sealed under another key; -ENOKEY for an unknown key id; -ENOMEM.
 */
int seal_open(const struct seal_keys *k, const char *table, const char *row, const char *field,
              const unsigned char *blob, size_t n, char **out, size_t *outlen);

/* A new reporter token (SEAL_TOKEN_CHARS + NUL) and its stored hash. 0 or -EIO. */
int seal_token_new(const struct seal_keys *k, char token[SEAL_TOKEN_CHARS + 1],
                   unsigned char hash[SEAL_HASH_BYTES]);

/* The stored hash of a presented token text; -EINVAL when it is not a well-formed token. */
int seal_token_hash(const struct seal_keys *k, const char *token, unsigned char hash[SEAL_HASH_BYTES]);

/* Constant-time equality of two hashes: 1 equal, 0 not. */
int seal_hash_equal(const unsigned char a[SEAL_HASH_BYTES], const unsigned char b[SEAL_HASH_BYTES]);

/* A random id of `nbytes` bytes as lower-case hex into `out` (2 * nbytes + 1 bytes). */
void seal_random_hex(char *out, size_t nbytes);

/*
 * A form token for the form named `scope` (e.g. "report:org001"), issued at `now`:
 * SEAL_FORM_CHARS characters + NUL into `out`.
 */
void seal_form_token(const struct seal_keys *k, const char *scope, time_t now, char out[SEAL_FORM_CHARS + 1]);

/* 0 when `tok` is a form token for `scope` issued within SEAL_FORM_TTL of `now`; -EACCES otherwise. */
int seal_form_check(const struct seal_keys *k, const char *scope, const char *tok, time_t now);

#endif
