/* Redis replies: see wire_redis.h. */
#include "wire_redis.h"

#include <errno.h>
#include <string.h>

const char redis_request[] = "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n";
const size_t redis_request_len = sizeof redis_request - 1;

/* The line ending at the first CR LF from data: its length without CR LF, or 0 with *need set. */
static int line_end(const uint8_t *data, size_t len, size_t *end)
{
	for (size_t i = 0; i + 1 < len && i < REDIS_LINE_MAX; i++) {
		if (data[i] == '\r') {
			if (data[i + 1] != '\n')
				return -EBADMSG;
			*end = i;
			return 1;
		}
		if (data[i] == '\n')
			return -EBADMSG;
	}
	return len > REDIS_LINE_MAX ? -E2BIG : 0;
}

/* A RESP integer: optional '-', 1 to 18 digits, nothing else; -1 or within [0, max] (else -E2BIG). */
static int parse_len(const char *s, long long max, long long *out)
{
	long long v = 0;
	int neg = *s == '-';
	const char *p = s + neg;
	size_t n = strlen(p);
	if (n == 0 || n > 18)
		return -EBADMSG;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EBADMSG;
		v = v * 10 + (*p - '0');
	}
	if (neg && v != 1)
		return -EBADMSG;
	*out = neg ? -1 : v;
	return v > max ? -E2BIG : 0;
}

int redis_reply_parse(const uint8_t *data, size_t len, struct redis_reply *out)
{
	size_t end;
	memset(out, 0, sizeof *out);
	if (len == 0)
		return 0;
	if (strchr("+-:$*", data[0]) == NULL || data[0] == '\0')
		return -EPROTO;
	int rc = line_end(data + 1, len - 1, &end);
	if (rc <= 0)
		return rc;
	out->type = (char)data[0];
	memcpy(out->line, data + 1, end);
	out->line[end] = '\0';
	for (size_t i = 0; i < end; i++)
		if (out->line[i] == '\0')
			return -EBADMSG;
	size_t used = 1 + end + 2;
	long long n;
	if (out->type == ':' || out->type == '*') {
		rc = parse_len(out->line, out->type == '*' ? 1024 : (1LL << 60), &n);
		return rc < 0 ? rc : (int)used;
	}
	if (out->type != '$')
		return (int)used;
	rc = parse_len(out->line, REDIS_BULK_MAX, &n);
	if (rc < 0)
		return rc;
	if (n < 0)
		return (int)used;
	if (len - used < (size_t)n + 2)
		return 0;
	if (data[used + (size_t)n] != '\r' || data[used + (size_t)n + 1] != '\n')
		return -EBADMSG;
	out->bulk = data + used;
	out->bulk_len = (size_t)n;
	return (int)(used + (size_t)n + 2);
}

int redis_info_version(const uint8_t *info, size_t len, char *out, size_t outlen)
{
	static const char key[] = "redis_version:";
	size_t k = sizeof key - 1;
	for (size_t i = 0; i + k <= len; i++) {
		if ((i > 0 && info[i - 1] != '\n') || memcmp(info + i, key, k) != 0)
			continue;
		size_t j = i + k, n = 0;
		while (j < len && info[j] != '\r' && info[j] != '\n' && n + 1 < outlen &&
		       n < REDIS_VERSION_MAX) {
			char c = (char)info[j++];
			/* a version is digits, dots and letters; anything else ends it */
			if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || (c >= 'a' && c <= 'z') ||
			      (c >= 'A' && c <= 'Z')))
				break;
			out[n++] = c;
		}
		out[n] = '\0';
		return n > 0 ? 0 : -ENOENT;
	}
	return -ENOENT;
}
