/*
 * Mail transport policy records: the MTA-STS TXT record at _mta-sts.DOMAIN (RFC 8461
 * s3.1), the MTA-STS policy file served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt
 * (s3.2), the MX pattern match senders apply to it (s4.1), and the TLS-RPT TXT record at
 * _smtp._tls.DOMAIN (RFC 8460 s3).
 *
 * Pure parsers of untrusted bytes: no allocation, no I/O, input need not be
 * NUL-terminated, every result is a bounded copy. They say whether a record or policy is
 * valid and why not; they do not fetch anything or judge a domain (analyze_mail.c does).
 */
#ifndef VITALS_WIRE_MTASTS_H
#define VITALS_WIRE_MTASTS_H

#include <stddef.h>

#define MTASTS_POLICY_MAX (64 * 1024) /* a larger policy body is refused (-EFBIG) */
#define MTASTS_MX_MAX     32          /* mx patterns kept; more make the policy invalid */
#define MTASTS_NAME_MAX   254         /* a pattern or URI longer than this is invalid */
#define MTASTS_MAX_AGE    31557600    /* s3.2: the largest max_age */
#define TLSRPT_RUA_MAX    8           /* rua URIs kept; more make the record invalid */

enum mtasts_mode {
	MTASTS_MODE_UNKNOWN = 0, /* absent or not one of the three */
	MTASTS_MODE_NONE,        /* "none": the domain withdraws its policy */
	MTASTS_MODE_TESTING,     /* "testing": failures are reported, mail still delivered */
	MTASTS_MODE_ENFORCE,     /* "enforce": senders refuse MX hosts that do not match or fail TLS */
};

/* The _mta-sts TXT record (s3.1). */
struct mtasts_record {
	char id[33];       /* the id= value (1-32 letters and digits) */
	const char *error; /* static text when invalid, else NULL */
};

/* The policy file (s3.2). */
struct mtasts_policy {
	enum mtasts_mode mode;                       /* mode: */
	long max_age;                                /* max_age: in seconds; -1 when absent */
	size_t nmx;                                  /* mx: patterns kept */
	char mx[MTASTS_MX_MAX][MTASTS_NAME_MAX + 1]; /* lower case, no trailing dot */
	const char *error;                           /* static text when invalid, else NULL */
};

/* The _smtp._tls TXT record (RFC 8460 s3). */
struct tlsrpt_record {
	size_t nrua;                                   /* rua URIs kept */
	char rua[TLSRPT_RUA_MAX][MTASTS_NAME_MAX + 1]; /* as written */
	const char *error;                             /* static text when invalid, else NULL */
};

/* 1 when a TXT string is an MTA-STS record candidate (begins "v=STSv1;" or is "v=STSv1"). */
int mtasts_is_record(const char *s, size_t n);
/* Parses an MTA-STS TXT record: 0 when valid, -EINVAL with out->error set when not. */
int mtasts_record_parse(const char *s, size_t n, struct mtasts_record *out);

/*
 * Parses a policy body (LF or CRLF lines of "key: value"): 0 when valid, -EINVAL with
 * out->error set when not (version other than STSv1, mode or max_age missing or bad, no
 * mx line outside mode none, a bad mx pattern), -EFBIG over MTASTS_POLICY_MAX. Unknown
 * keys are ignored (s3.2); of a repeated version, mode or max_age the first counts.
 */
int mtasts_policy_parse(const char *s, size_t n, struct mtasts_policy *out);

/* 1 when MX host `host` matches policy pattern `pattern` (s4.1: "*." matches one label only). */
int mtasts_mx_match(const char *pattern, const char *host);

/* "enforce", "testing", "none", or NULL for MTASTS_MODE_UNKNOWN. */
const char *mtasts_mode_name(enum mtasts_mode m);

/* 1 when a TXT string is a TLS-RPT record candidate (begins "v=TLSRPTv1;" or is "v=TLSRPTv1"). */
int tlsrpt_is_record(const char *s, size_t n);
/* Parses a TLS-RPT record: 0 when valid (at least one mailto: or https: rua URI), -EINVAL with out->error. */
int tlsrpt_record_parse(const char *s, size_t n, struct tlsrpt_record *out);

#endif
