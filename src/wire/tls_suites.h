/*
 * The TLS registries vitals speaks: cipher suites, named groups (supported_groups) and
 * signature schemes, as const tables built from the IANA "TLS Parameters" registries and
 * the RFCs they cite (RFC 5246, 4492, 8422, 5288, 5289, 6209, 6367, 6655, 7251, 7905,
 * 8446, 8442, 4279, 4785, 5487, 5054, 2712, 4132, 4162, 7919, 8734) plus the hybrid
 * post-quantum group code points (draft-ietf-tls-ecdhe-mlkem, draft-tls-westerbaan-xyber768d00).
 *
 * Every suite carries its key exchange, authentication, bulk cipher, MAC, the protocol
 * versions it belongs to and a class bitmask (the weakness classes the methodology
 * judges). The class is derived from the other columns by one rule, so the table cannot
 * disagree with itself. Lookups are by code point and by IANA or OpenSSL name.
 *
 * Besides the IANA entries it lists the unregistered code points scanners still probe
 * (flagged `draft`): the 56-bit EXPORT1024 drafts, the pre-RFC 7905 CHACHA20 suites and
 * Netscape's SSL_RSA_FIPS suites. It does not list SSLv2 cipher kinds or GOST suites.
 *
 * It does not decide what to offer or how to judge a server (probes and analyzers do),
 * and it lists no signalling values (TLS_FALLBACK_SCSV, TLS_EMPTY_RENEGOTIATION_INFO_SCSV
 * are constants in wire_tls.h), no GREASE and no private-use code points.
 */
#ifndef VITALS_TLS_SUITES_H
#define VITALS_TLS_SUITES_H

#include <stddef.h>
#include <stdint.h>

/* Protocol version code points as they appear on the wire. */
#define TLS_V_SSL3  0x0300
#define TLS_V_TLS10 0x0301
#define TLS_V_TLS11 0x0302
#define TLS_V_TLS12 0x0303
#define TLS_V_TLS13 0x0304

enum tls_kx {
	TLS_KX_NULL = 0,   /* no key exchange (TLS_NULL_WITH_NULL_NULL) */
	TLS_KX_RSA,        /* RSA key transport */
	TLS_KX_RSA_EXPORT, /* RSA with a 512-bit ephemeral key (export) */
	TLS_KX_DH,         /* static DH from the certificate */
	TLS_KX_DHE,        /* ephemeral finite-field DH (also anonymous DH_anon) */
	TLS_KX_ECDH,       /* static ECDH from the certificate */
	TLS_KX_ECDHE,      /* ephemeral ECDH (also anonymous ECDH_anon) */
	TLS_KX_PSK,        /* pre-shared key alone */
	TLS_KX_DHE_PSK,    /* PSK plus ephemeral DH */
	TLS_KX_RSA_PSK,    /* PSK plus RSA key transport */
	TLS_KX_ECDHE_PSK,  /* PSK plus ephemeral ECDH */
	TLS_KX_SRP,        /* SRP password key exchange */
	TLS_KX_KRB5,       /* Kerberos */
	TLS_KX_TLS13,      /* TLS 1.3: negotiated separately (key_share) */
};

enum tls_au {
	TLS_AU_NULL = 0, /* no authentication at all */
	TLS_AU_RSA,
	TLS_AU_DSS,
	TLS_AU_ECDSA,
	TLS_AU_ANON, /* anonymous (DH_anon, ECDH_anon) */
	TLS_AU_PSK,
	TLS_AU_SRP,
	TLS_AU_KRB5,
	TLS_AU_TLS13, /* TLS 1.3: the certificate's signature scheme decides */
};

/* Bulk ciphers, grouped so that the class rule is a range test: export ciphers first,
 * then the other 64-bit block ciphers, then the 128-bit CBC ciphers, then the AEADs. */
enum tls_enc {
	TLS_ENC_NULL = 0,
	TLS_ENC_RC4_40,     /* export */
	TLS_ENC_RC2_40_CBC, /* export, 64-bit block */
	TLS_ENC_DES40_CBC,  /* export, 64-bit block */
	TLS_ENC_RC4_56,     /* export (EXPORT1024 drafts) */
	TLS_ENC_RC2_56_CBC, /* export (EXPORT1024 drafts), 64-bit block */
	TLS_ENC_DES56_CBC,  /* export (EXPORT1024 drafts), 64-bit block */
	TLS_ENC_RC4_128,    /* stream */
	TLS_ENC_DES_CBC,    /* 64-bit block */
	TLS_ENC_3DES_CBC,   /* 64-bit block */
	TLS_ENC_IDEA_CBC,   /* 64-bit block */
	TLS_ENC_SEED_CBC,   /* 128-bit block from here */
	TLS_ENC_CAMELLIA128_CBC,
	TLS_ENC_CAMELLIA256_CBC,
	TLS_ENC_ARIA128_CBC,
	TLS_ENC_ARIA256_CBC,
	TLS_ENC_AES128_CBC,
	TLS_ENC_AES256_CBC,
	TLS_ENC_AES128_GCM, /* AEAD from here */
	TLS_ENC_AES256_GCM,
	TLS_ENC_AES128_CCM,
	TLS_ENC_AES256_CCM,
	TLS_ENC_AES128_CCM8,
	TLS_ENC_AES256_CCM8,
	TLS_ENC_CAMELLIA128_GCM,
	TLS_ENC_CAMELLIA256_GCM,
	TLS_ENC_ARIA128_GCM,
	TLS_ENC_ARIA256_GCM,
	TLS_ENC_CHACHA20_POLY1305,
	TLS_ENC_SM4_GCM, /* RFC 8998 (TLS 1.3) */
	TLS_ENC_SM4_CCM, /* RFC 8998 (TLS 1.3) */
};

enum tls_mac {
	TLS_MAC_NULL = 0,
	TLS_MAC_MD5,
	TLS_MAC_SHA1,
	TLS_MAC_SHA256, /* HMAC-SHA256, or the PRF hash of an AEAD suite */
	TLS_MAC_SHA384,
	TLS_MAC_AEAD, /* AEAD with the default SHA-256 PRF (CCM, TLS 1.2 CHACHA20) */
	TLS_MAC_SM3,  /* the SM3 hash (RFC 8998) */
};

/* Weakness classes (bits of struct tls_suite.cls). */
#define TLS_CLS_NULL    0x01u /* no encryption */
#define TLS_CLS_EXPORT  0x02u /* export-grade (40/56-bit, 512-bit RSA) */
#define TLS_CLS_ANON    0x04u /* no server authentication */
#define TLS_CLS_RC4     0x08u /* RC4 stream cipher */
#define TLS_CLS_BLOCK64 0x10u /* 64-bit block cipher: DES, 3DES, IDEA, RC2 (Sweet32) */
#define TLS_CLS_CBC     0x20u /* CBC mode */
#define TLS_CLS_NO_FS   0x40u /* no forward secrecy */
#define TLS_CLS_NO_AEAD 0x80u /* not an AEAD cipher */

struct tls_suite {
	uint16_t code;        /* IANA code point */
	const char *iana;     /* IANA name, e.g. "TLS_RSA_WITH_RC4_128_SHA" */
	const char *openssl;  /* OpenSSL's name, or NULL where OpenSSL has none */
	enum tls_kx kx;       /* key exchange */
	enum tls_au au;       /* authentication */
	enum tls_enc enc;     /* bulk cipher */
	enum tls_mac mac;     /* record MAC (or PRF hash for AEAD suites) */
	uint16_t min_version; /* lowest protocol version it may be negotiated in */
	uint16_t max_version; /* highest protocol version it may be negotiated in */
	unsigned cls;         /* TLS_CLS_* bits */
	int draft;            /* not in the IANA registry: a draft or vendor code point */
};

/* The whole table, in code point order; *n receives its length. */
const struct tls_suite *tls_suites_all(size_t *n);

/* The suite with this code point, or NULL. */
const struct tls_suite *tls_suite_by_code(uint16_t code);

/* The suite with this IANA or OpenSSL name (case-insensitive), or NULL. */
const struct tls_suite *tls_suite_by_name(const char *name);

/* Name of a bulk cipher ("AES128-GCM", "3DES-CBC", ...). */
const char *tls_enc_name(enum tls_enc enc);

/* Name of a key exchange ("ECDHE", "RSA", ...). */
const char *tls_kx_name(enum tls_kx kx);

enum tls_group_kind {
	TLS_GROUP_EC,     /* elliptic curve (NIST, brainpool, sect) */
	TLS_GROUP_ECX,    /* X25519, X448 (RFC 7748) */
	TLS_GROUP_FFDHE,  /* finite-field DH (RFC 7919) */
	TLS_GROUP_PQ,     /* pure post-quantum KEM (ML-KEM) */
	TLS_GROUP_HYBRID, /* classical plus post-quantum hybrid */
};

struct tls_group {
	uint16_t code;            /* IANA NamedGroup code point */
	const char *name;         /* IANA name */
	enum tls_group_kind kind; /* family */
	unsigned bits;            /* classical size in bits (field or prime); 0 for pure PQ */
	uint16_t share_len;       /* a client's key_share length in bytes (0: not for TLS 1.3) */
};

const struct tls_group *tls_groups_all(size_t *n);
const struct tls_group *tls_group_by_code(uint16_t code);
const struct tls_group *tls_group_by_name(const char *name);

struct tls_sigscheme {
	uint16_t code;    /* IANA SignatureScheme code point */
	const char *name; /* IANA name */
	int legacy;       /* SHA-1, DSA or PKCS#1 v1.5 (not for TLS 1.3 handshake signatures) */
};

const struct tls_sigscheme *tls_sigschemes_all(size_t *n);
const struct tls_sigscheme *tls_sigscheme_by_code(uint16_t code);

#endif
