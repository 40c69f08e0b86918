/*
 * TLS on the wire, built and read by vitals itself so that a probe can ask a server
 * about any protocol version, suite or group whatever the linked OpenSSL allows.
 *
 * - tls_hello_build() writes a ClientHello (SSLv3 to TLS 1.3 shapes) into a caller
 *   buffer, deterministically from its inputs (the caller supplies the random and any
 *   key_share bytes).
 * - struct tls_reader frames the server's bytes into records incrementally, reassembles
 *   handshake messages across records under a cap, and tells an SSLv2 or non-TLS reply
 *   ("HTTP/", an SMTP/FTP "220" banner, "SSH-") apart from TLS.
 * - tls_parse_*() read ServerHello (and HelloRetryRequest), Alert, Certificate (TLS 1.2
 *   and older form), ServerKeyExchange (DHE prime size and generator, ECDHE curve) and
 *   ServerHelloDone, every length checked against its input.
 * - struct tls_summary gathers what one handshake attempt showed, for an observation
 *   (a CertificateStatus message says an OCSP response was stapled).
 *
 * It opens no socket, does no cryptography (no Finished, no key derivation: TLS 1.3
 * records after the ServerHello stay encrypted and are only counted) and judges nothing.
 */
#ifndef VITALS_WIRE_TLS_H
#define VITALS_WIRE_TLS_H

#include <stddef.h>
#include <stdint.h>

#define TLS_FALLBACK_SCSV                 0x5600 /* RFC 7507 */
#define TLS_EMPTY_RENEGOTIATION_INFO_SCSV 0x00FF /* RFC 5746 */

#define TLS_MAX_PLAINTEXT  16384                      /* 2^14: the most a record may carry */
#define TLS_MAX_RECORD     (TLS_MAX_PLAINTEXT + 2048) /* a ciphertext's limit (RFC 5246 s6.2.3) */
#define TLS_READER_MAX     (256 * 1024)               /* bytes a reader keeps (and handshake bytes) */
#define TLS_MAX_CERTS      16                         /* certificates kept from one Certificate */
#define TLS_MAX_CERT_BYTES (64 * 1024)                /* larger single certificates are refused */

enum tls_content { TLS_CT_CCS = 20, TLS_CT_ALERT = 21, TLS_CT_HANDSHAKE = 22, TLS_CT_APPDATA = 23 };

enum tls_hs_type {
	TLS_HS_SERVER_HELLO = 2,
	TLS_HS_CERTIFICATE = 11,
	TLS_HS_SERVER_KEY_EXCHANGE = 12,
	TLS_HS_CERTIFICATE_REQUEST = 13,
	TLS_HS_SERVER_HELLO_DONE = 14,
	TLS_HS_CERTIFICATE_STATUS = 22,
};

/* Extension code points the builder writes and the parsers read. */
enum tls_ext {
	TLS_EXT_SERVER_NAME = 0,
	TLS_EXT_STATUS_REQUEST = 5,
	TLS_EXT_SUPPORTED_GROUPS = 10,
	TLS_EXT_EC_POINT_FORMATS = 11,
	TLS_EXT_SIGNATURE_ALGORITHMS = 13,
	TLS_EXT_EXTENDED_MASTER_SECRET = 23,
	TLS_EXT_SESSION_TICKET = 35,
	TLS_EXT_SUPPORTED_VERSIONS = 43,
	TLS_EXT_KEY_SHARE = 51,
	TLS_EXT_RENEGOTIATION_INFO = 0xFF01,
};

/* One key_share entry a client offers: the caller supplies the public key bytes. */
struct tls_key_share {
	uint16_t group;     /* named group code point */
	const uint8_t *key; /* public key bytes (may be NULL when len is 0) */
	size_t len;         /* their length */
};

/* What to put in a ClientHello. Zeroed fields mean "leave out". */
struct tls_hello_spec {
	uint16_t record_version;            /* record layer version (0x0301 is customary) */
	uint16_t client_version;            /* ClientHello.legacy_version */
	uint8_t random[32];                 /* the client random, chosen by the caller */
	const uint8_t *session_id;          /* legacy session id (may be NULL) */
	size_t session_id_len;              /* its length, at most 32 */
	const uint16_t *suites;             /* cipher suites, in preference order */
	size_t nsuites;                     /* how many */
	int fallback_scsv;                  /* append TLS_FALLBACK_SCSV */
	int empty_reneg_scsv;               /* append TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
	const char *sni;                    /* server_name host, or NULL */
	const uint16_t *groups;             /* supported_groups (none: no extension) */
	size_t ngroups;                     /* how many */
	const uint16_t *sigalgs;            /* signature_algorithms (none: no extension) */
	size_t nsigalgs;                    /* how many */
	const uint16_t *versions;           /* supported_versions (none: no extension) */
	size_t nversions;                   /* how many */
	const struct tls_key_share *shares; /* key_share entries */
	size_t nshares;                     /* how many (0 with share_ext: an empty list) */
	int share_ext;                      /* send key_share even when nshares is 0 */
	int ec_point_formats;               /* send ec_point_formats (uncompressed only) */
	int reneg_info;                     /* send an empty renegotiation_info */
	int ems;                            /* send extended_master_secret */
	int status_request;                 /* send status_request (OCSP) */
	int sslv3;                          /* SSLv3 shape: no extensions block at all */
};

/*
 * Writes the ClientHello as TLS records (split at 2^14 bytes) into buf. Returns the
 * number of bytes written, -E2BIG when cap is too small, -EINVAL for a bad spec (session
 * id over 32 bytes, no suites, a host name over 255 bytes, a list too long to encode).
 */
int tls_hello_build(const struct tls_hello_spec *spec, uint8_t *buf, size_t cap);

/* What the peer's first bytes show it speaks. */
enum tls_peer {
	TLS_PEER_UNKNOWN = 0, /* not enough bytes yet */
	TLS_PEER_TLS,         /* TLS (or SSLv3) records */
	TLS_PEER_SSL2,        /* an SSLv2 record header */
	TLS_PEER_HTTP,        /* "HTTP/": a plaintext web server */
	TLS_PEER_BANNER,      /* "220 " or "220-": an SMTP or FTP greeting */
	TLS_PEER_SSH,         /* "SSH-" */
	TLS_PEER_OTHER,       /* anything else */
};

enum tls_event_type {
	TLS_EV_HANDSHAKE = 1, /* a whole handshake message: hs_type, body, len */
	TLS_EV_ALERT,         /* a plaintext alert: level, desc */
	TLS_EV_CCS,           /* ChangeCipherSpec: what follows is encrypted */
	TLS_EV_ENCRYPTED,     /* an encrypted record (counted, not read): ctype, len */
};

struct tls_event {
	enum tls_event_type type; /* what it is */
	uint8_t ctype;            /* record content type it came in */
	uint16_t version;         /* that record's version field */
	uint8_t hs_type;          /* TLS_EV_HANDSHAKE: message type */
	const uint8_t *body;      /* TLS_EV_HANDSHAKE: message body (valid until the next call) */
	size_t len;               /* its length (TLS_EV_ENCRYPTED: the record's length) */
	uint8_t level;            /* TLS_EV_ALERT: 1 warning, 2 fatal */
	uint8_t desc;             /* TLS_EV_ALERT: description */
};

struct tls_reader;

/* A reader keeping at most `cap` bytes (0: TLS_READER_MAX); NULL when out of memory. */
struct tls_reader *tls_reader_new(size_t cap);
struct tls_reader *tls_reader_free(struct tls_reader *r);

/* Takes bytes as they arrive. Returns 0, or -EMSGSIZE when the peer sent more than cap. */
int tls_reader_feed(struct tls_reader *r, const uint8_t *data, size_t len);

/*
 * The next event: 1 with *ev filled, 0 when more bytes are needed, -EPROTO when the
 * peer does not speak TLS (see tls_reader_peer()), -EBADMSG for a malformed record
 * (bad content type or version, length over TLS_MAX_RECORD, an empty or partial
 * alert, a handshake message over the cap). Errors are sticky.
 */
int tls_reader_next(struct tls_reader *r, struct tls_event *ev);

enum tls_peer tls_reader_peer(const struct tls_reader *r);

/* Every byte fed so far (up to the cap): *len receives their count. */
const uint8_t *tls_reader_bytes(const struct tls_reader *r, size_t *len);

/* The number of whole records framed so far. */
unsigned tls_reader_records(const struct tls_reader *r);

struct tls_server_hello {
	uint16_t legacy_version;   /* ServerHello.legacy_version */
	uint16_t version;          /* negotiated: supported_versions if present, else legacy */
	uint8_t random[32];        /* server random */
	uint8_t session_id_len;    /* echoed session id length */
	uint8_t session_id[32];    /* its bytes */
	uint16_t suite;            /* the chosen suite */
	uint8_t compression;       /* the chosen compression method */
	int hrr;                   /* a HelloRetryRequest (RFC 8446 s4.1.3 random) */
	uint16_t downgrade;        /* RFC 8446 s4.1.3 sentinel in the random: 0x0303 for
	                              "DOWNGRD\1", 0x0302 for "DOWNGRD\0", else 0 */
	uint16_t selected_version; /* supported_versions value (0: absent) */
	uint16_t group;            /* key_share group (the selected group in an HRR; 0: absent) */
	uint16_t key_share_len;    /* length of the server's key_exchange bytes */
	int reneg_info;            /* renegotiation_info present */
	int ems;                   /* extended_master_secret present */
	int ec_point_formats;      /* ec_point_formats present */
	int status_request;        /* status_request acknowledged */
	int session_ticket;        /* session_ticket acknowledged */
	unsigned nexts;            /* extensions seen */
	uint16_t ext[32];          /* their types, in order (the first 32) */
};

int tls_parse_server_hello(const uint8_t *body, size_t len, struct tls_server_hello *out);

struct tls_alert {
	uint8_t level; /* 1 warning, 2 fatal */
	uint8_t desc;  /* AlertDescription */
};

int tls_parse_alert(const uint8_t *p, size_t len, struct tls_alert *out);

/* RFC 8446 s6 name of an alert description ("handshake_failure"), or "unknown". */
const char *tls_alert_name(uint8_t desc);

struct tls_cert_list {
	unsigned n; /* certificates (at most TLS_MAX_CERTS kept; more is an error) */
	struct {
		const uint8_t *der; /* DER bytes inside the parsed input */
		size_t len;         /* their length */
	} cert[TLS_MAX_CERTS];
};

/* TLS 1.2 and older Certificate body. -EBADMSG when malformed, -E2BIG over the caps. */
int tls_parse_certificate(const uint8_t *body, size_t len, struct tls_cert_list *out);

struct tls_ske {
	enum { TLS_SKE_DHE = 1, TLS_SKE_ECDHE } kind; /* which kind of parameters */
	unsigned dh_bits;                             /* DHE: the prime's length in bits */
	uint32_t dh_g;                                /* DHE: the generator (UINT32_MAX when over 4 bytes) */
	unsigned dh_ys_bits;                          /* DHE: the public value's bits */
	uint8_t curve_type;                           /* ECDHE: 3 named_curve (others kept, not read) */
	uint16_t curve;                               /* ECDHE: the named group */
	uint8_t point_len;                            /* ECDHE: the public point's length */
};

/*
 * A ServerKeyExchange for the suite `suite` (which says DHE or ECDHE; the signature
 * after the parameters is not read). -ENOTSUP for other key exchanges, -EBADMSG when
 * malformed.
 */
int tls_parse_server_key_exchange(const uint8_t *body, size_t len, uint16_t suite, struct tls_ske *out);

/* 0 for a well-formed (empty) ServerHelloDone, -EBADMSG otherwise. */
int tls_parse_server_hello_done(const uint8_t *body, size_t len);

/* What one handshake attempt showed: the probe stores it as an observation. */
struct tls_summary {
	enum tls_peer peer;             /* what the peer speaks */
	int error;                      /* 0, or the reader's or a parser's negative error */
	int server_hello;               /* a ServerHello (or HRR) was read */
	uint16_t version;               /* negotiated version (0: none) */
	uint16_t suite;                 /* chosen suite (0: none) */
	uint16_t group;                 /* key_share group or ECDHE curve (0: none) */
	int hrr;                        /* the reply was a HelloRetryRequest */
	int alert;                      /* the last alert's description, or -1 */
	uint8_t alert_level;            /* its level */
	unsigned dh_bits;               /* DHE prime size (0: none) */
	int ocsp;                       /* a CertificateStatus (stapled OCSP response) was read */
	int done;                       /* ServerHelloDone, or encrypted flight (TLS 1.3), was seen */
	unsigned ncerts;                /* certificates in the chain */
	uint8_t *certs;                 /* their DER, concatenated (malloc'd, owned) */
	size_t certs_len;               /* bytes in certs */
	size_t cert_len[TLS_MAX_CERTS]; /* each certificate's length, in order */
	size_t bytes_seen;              /* bytes the peer sent */
	unsigned records;               /* records framed */
};

/*
 * Reads every event the reader has into the summary (call after each feed). Returns 1
 * when the attempt has its answer (a fatal alert or close_notify, ServerHelloDone, HRR,
 * TLS 1.3 ServerHello, an error or a non-TLS peer; a warning alert is noted and reading
 * goes on), 0 when more bytes are needed, -ENOMEM.
 */
int tls_summary_update(struct tls_summary *s, struct tls_reader *r);

void tls_summary_init(struct tls_summary *s);
void tls_summary_clear(struct tls_summary *s);

#endif
