/* Input files read whole, under caps, with their kind and format checked. */
#include "infile.h"

#include <errno.h>
#include <fcntl.h>
#include <ldns/ldns.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"

static const char *kind_name(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* The kind of file is checked on the open descriptor, so a swap after a stat cannot fool it. */
static int check_kind(const char *path, int fd, size_t cap, int stream, char *err, size_t errlen)
{
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return errf(err, errlen, -EISDIR, "%s: is a directory", path);
	if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > cap)
		return errf(err, errlen, -EFBIG, "%s: %lld bytes, larger than the %zu MiB allowed", path,
		            (long long)sb.st_size, cap >> 20);
	if (!S_ISREG(sb.st_mode) && !(stream && S_ISFIFO(sb.st_mode)))
		return errf(err, errlen, -EINVAL, "%s: %s, not a file", path, kind_name(sb.st_mode));
	return 0;
}

static int read_all(const char *path, int fd, size_t cap, struct infile *f, char *err, size_t errlen)
{
	size_t alloc = 0;
	for (;;) {
		if (f->len == alloc) {
			size_t grow = alloc ? alloc * 2 : 64 * 1024;
			if (grow > cap + 1)
				grow = cap + 1;
			char *p = realloc(f->data, grow + 1);
			if (p == NULL)
				return errf(err, errlen, -ENOMEM, "%s: out of memory", path);
			f->data = p, alloc = grow;
		}
		ssize_t n = read(fd, f->data + f->len, alloc - f->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
		if (n == 0)
			break;
		f->len += (size_t)n;
		if (f->len > cap)
			return errf(err, errlen, -EFBIG, "%s: larger than the %zu MiB allowed", path,
			            cap >> 20);
	}
	if (f->data == NULL && (f->data = malloc(1)) == NULL)
		return errf(err, errlen, -ENOMEM, "%s: out of memory", path);
	f->data[f->len] = '\0';
	return 0;
}

int infile_read(const char *path, size_t cap, int stream, struct infile *out, char *err, size_t errlen)
{
	struct infile f = {0};
	int std = stream && strcmp(path, "-") == 0;
	int fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | (stream ? 0 : O_NONBLOCK));
	const char *name = std ? "<stdin>" : path;
	if (fd < 0)
		return errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
	int rc = check_kind(name, fd, cap, stream, err, errlen);
	if (rc == 0)
		rc = read_all(name, fd, cap, &f, err, errlen);
	if (rc == 0 && f.len == 0)
		rc = errf(err, errlen, -ENODATA, "%s: is empty", name);
	if (!std)
		close(fd);
	if (rc < 0)
		infile_free(&f);
	else
		*out = f;
	return rc;
}

void infile_free(struct infile *f)
{
	free(f->data);
	f->data = NULL;
	f->len = 0;
}

/* Text files only: a NUL byte means a binary file given by mistake. */
static int check_text(const char *path, const struct infile *f, char *err, size_t errlen)
{
	const char *nul = memchr(f->data, '\0', f->len);
	if (nul == NULL)
		return 0;
	size_t line = 1;
	for (const char *p = f->data; p < nul; p++)
		line += *p == '\n';
	return errf(err, errlen, -EINVAL, "%s:%zu: a NUL byte: not a text file", path, line);
}

/* Calls fn for every resource record of a zone-file text; a syntax error names its line. */
static int each_rr(const char *path, const struct infile *f, void (*fn)(void *arg, const ldns_rr *rr),
                   void *arg, char *err, size_t errlen)
{
	int rc = check_text(path, f, err, errlen);
	FILE *fp = rc == 0 ? fmemopen(f->data, f->len, "r") : NULL;
	if (rc == 0 && fp == NULL)
		rc = errf(err, errlen, -ENOMEM, "%s: out of memory", path);
	uint32_t ttl = 3600;
	ldns_rdf *origin = NULL, *prev = NULL;
	int line = 0; /* lines ldns has consumed */
	while (rc == 0 && !feof(fp)) {
		ldns_rr *rr = NULL;
		int at = line;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		if (s == LDNS_STATUS_OK)
			fn(arg, rr);
		else if (s != LDNS_STATUS_SYNTAX_EMPTY && s != LDNS_STATUS_SYNTAX_TTL &&
		         s != LDNS_STATUS_SYNTAX_ORIGIN && !(s == LDNS_STATUS_SYNTAX_ERR && feof(fp)))
			rc = errf(err, errlen, -EINVAL, "%s:%d: %s", path, line > at ? line : at + 1,
			          ldns_get_errorstr_by_id(s));
		ldns_rr_free(rr);
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

struct hints_count {
	const struct scope *scope; /* for the inside count */
	int ns, addrs, inside;     /* NS records, A/AAAA records, addresses in scope */
};

static void count_hint(void *arg, const ldns_rr *rr)
{
	struct hints_count *c = arg;
	ldns_rr_type t = ldns_rr_get_type(rr);
	if (t == LDNS_RR_TYPE_NS)
		c->ns++;
	if ((t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA) || ldns_rr_rd_count(rr) < 1)
		return;
	c->addrs++;
	char *text = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	if (text != NULL && scope_allows_text(c->scope, text))
		c->inside++;
	free(text);
}

int infile_check_root_hints(const char *path, const struct infile *f, const struct scope *s, int *servers,
                            int *inside, char *err, size_t errlen)
{
	struct hints_count c = {s, 0, 0, 0};
	int rc = each_rr(path, f, count_hint, &c, err, errlen);
	if (rc == 0 && (c.ns == 0 || c.addrs == 0))
		rc = errf(err, errlen, -EINVAL, "%s: not root hints: %s", path,
		          c.ns == 0 ? "no NS record" : "no A or AAAA record for the root servers");
	if (rc == 0)
		*servers = c.addrs, *inside = c.inside;
	return rc;
}

static void count_anchor(void *arg, const ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	*(int *)arg += t == LDNS_RR_TYPE_DS || t == LDNS_RR_TYPE_DNSKEY;
}

int infile_check_trust_anchor(const char *path, const struct infile *f, char *err, size_t errlen)
{
	int keys = 0;
	int rc = each_rr(path, f, count_anchor, &keys, err, errlen);
	if (rc == 0 && keys == 0)
		rc = errf(err, errlen, -EINVAL, "%s: not a trust anchor: no DS or DNSKEY record", path);
	return rc;
}

int infile_check_ca(const char *path, const struct infile *f, char *err, size_t errlen)
{
	int rc = check_text(path, f, err, errlen);
	if (rc < 0)
		return rc;
	BIO *b = BIO_new_mem_buf(f->data, (int)f->len);
	STACK_OF(X509_INFO) *infos = b ? PEM_X509_INFO_read_bio(b, NULL, NULL, NULL) : NULL;
	int certs = 0;
	for (int i = 0; infos != NULL && i < sk_X509_INFO_num(infos); i++)
		certs += sk_X509_INFO_value(infos, i)->x509 != NULL;
	if (b == NULL)
		rc = errf(err, errlen, -ENOMEM, "%s: out of memory", path);
	else if (infos == NULL)
		rc = errf(err, errlen, -EINVAL, "%s: not PEM: unreadable certificate data", path);
	else if (certs == 0)
		rc = errf(err, errlen, -EINVAL, "%s: no PEM certificate (-----BEGIN CERTIFICATE-----)", path);
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(b);
	/* What OpenSSL queued while reading is ours to drop, not the TLS layer's to find later. */
	ERR_clear_error();
	return rc;
}

int infile_sha256(const struct infile *f, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (!EVP_Digest(f->data, f->len, md, &mdlen, EVP_sha256(), NULL) || mdlen != sizeof md)
		return -ENOMEM;
	for (unsigned i = 0; i < sizeof md; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}
