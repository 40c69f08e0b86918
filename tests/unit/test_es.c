/* wire_es on canned bytes: the GET / request, Elasticsearch 8 and OpenSearch 2 root answers open
 * and locked, a close-delimited answer, split input, caps and what is not HTTP. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "wire_es.h"

static size_t load(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;
	if (f)
		fclose(f);
	return n;
}

static void test_request(void)
{
	char buf[256];
	int n = es_request_build(buf, sizeof buf, "127.40.2.40:9200");
	is_str(
	    buf,
	    "GET / HTTP/1.1\r\nHost: 127.40.2.40:9200\r\nUser-Agent: vitals\r\nAccept: application/json\r\n"
	    "Connection: close\r\n\r\n",
	    "GET / without credentials");
	is_int(n, (int)strlen(buf), "its length");
	is_int(es_request_build(buf, 40, "127.40.2.40:9200"), -ENOSPC, "a buffer too small");
}

static void test_answers(void)
{
	static uint8_t buf[65536];
	struct es_reply r;
	size_t n = load("tests/fuzz/corpus/es/es_open.http", buf, sizeof buf);
	is_int(es_reply_parse(buf, n, 0, &r), 1, "Elasticsearch open: whole at its Content-Length");
	is_int(r.status, 200, "200");
	is_int(r.json, 1, "a JSON object");
	is_str(r.cluster_name, "records-search", "cluster_name");
	is_str(r.version, "8.11.1", "version.number");
	is_str(r.distribution, "", "no distribution: Elasticsearch");
	is_str(r.product, "Elasticsearch", "X-elastic-product");
	is_int(r.www_authenticate, 0, "no challenge");
	is_int(es_reply_parse(buf, n - 1, 0, &r), 0, "a byte short: more needed");
	is_int(es_reply_parse(buf, n - 1, 1, &r), -EBADMSG, "closed a byte short: cut");

	n = load("tests/fuzz/corpus/es/es_locked.http", buf, sizeof buf);
	is_int(es_reply_parse(buf, n, 0, &r), 1, "Elasticsearch locked");
	is_int(r.status, 401, "401");
	is_int(r.www_authenticate, 1, "a Basic challenge");
	is_str(r.cluster_name, "", "no cluster name");

	n = load("tests/fuzz/corpus/es/os_open.http", buf, sizeof buf);
	is_int(es_reply_parse(buf, n, 0, &r), 1, "OpenSearch open");
	is_str(r.distribution, "opensearch", "version.distribution");
	is_str(r.version, "2.11.0", "its version");
	is_str(r.tagline, "The OpenSearch Project: https://opensearch.org/", "its tagline");

	n = load("tests/fuzz/corpus/es/os_locked.http", buf, sizeof buf);
	is_int(es_reply_parse(buf, n, 0, &r), 1, "OpenSearch locked (a text body)");
	ok(r.status == 401 && r.www_authenticate && !r.json, "401, challenge, no JSON");

	n = load("tests/fuzz/corpus/es/close_delimited.http", buf, sizeof buf);
	is_int(es_reply_parse(buf, n, 0, &r), 0, "no Content-Length: until the close");
	is_int(es_reply_parse(buf, n, 1, &r), 1, "whole once closed");
	is_str(r.version, "1.7.6", "an old version");
}

static void test_bad(void)
{
	static uint8_t big[ES_HEAD_MAX + 2];
	struct es_reply r;
	const char *s = "SSH-2.0-OpenSSH_9.2\r\n";
	is_int(es_reply_parse((const uint8_t *)s, strlen(s), 0, &r), -EBADMSG, "SSH is not HTTP");
	s = "HTTP/1.1 2x0 OK\r\n\r\n";
	is_int(es_reply_parse((const uint8_t *)s, strlen(s), 1, &r), -EBADMSG, "a status that is not digits");
	s = "HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n";
	is_int(es_reply_parse((const uint8_t *)s, strlen(s), 0, &r), -E2BIG, "a body over the cap announced");
	s = "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n";
	is_int(es_reply_parse((const uint8_t *)s, strlen(s), 0, &r), -EBADMSG,
	       "a Content-Length that is no number");
	memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
	memset(big + 17, 'a', sizeof big - 17);
	is_int(es_reply_parse(big, sizeof big, 0, &r), -E2BIG, "headers over 16 KiB");
	is_int(es_reply_parse(big, 100, 0, &r), 0, "headers not yet ended: more needed");
	is_int(es_reply_parse(big, 100, 1, &r), -EBADMSG, "closed inside the headers");
}

int main(void)
{
	test_request();
	test_answers();
	test_bad();
	return done_testing();
}
