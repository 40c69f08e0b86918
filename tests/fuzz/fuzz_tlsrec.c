/*
 * Fuzz target for the TLS wire layer (wire_tls.c): the input is fed to a record reader
 * in pieces whose size the first byte chooses, summarized, and also handed whole to
 * every handshake parser; parsed lengths must lie inside the input. The ClientHello
 * builder gets a spec drawn from the same bytes and must fit or report -E2BIG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_suites.h"
#include "wire_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void summary(const uint8_t *data, size_t size)
{
	size_t step = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
	struct tls_reader *r = tls_reader_new(size % 3 == 0 ? 4096 : 0);
	struct tls_summary s;
	size_t total = 0;
	if (r == NULL)
		return;
	tls_summary_init(&s);
	for (size_t off = 0; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;
		if (tls_reader_feed(r, data + off, n) < 0 || tls_summary_update(&s, r) != 0)
			break;
	}
	for (unsigned i = 0; i < s.ncerts; i++)
		total += s.cert_len[i];
	if (s.ncerts > TLS_MAX_CERTS || total != s.certs_len || s.bytes_seen > size)
		abort();
	tls_summary_clear(&s);
	tls_reader_free(r);
}

static void parsers(const uint8_t *data, size_t size)
{
	static const uint16_t suites[] = {0x0033, 0xC02F, 0x002F, 0xC018, 0x1301};
	struct tls_server_hello sh;
	struct tls_cert_list cl;
	struct tls_ske ske;
	struct tls_alert al;
	if (tls_parse_server_hello(data, size, &sh) == 0 && sh.session_id_len > 32)
		abort();
	if (tls_parse_certificate(data, size, &cl) == 0)
		for (unsigned i = 0; i < cl.n; i++)
			if (cl.cert[i].der < data || cl.cert[i].der + cl.cert[i].len > data + size)
				abort();
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		(void)tls_parse_server_key_exchange(data, size, suites[i], &ske);
	(void)tls_parse_alert(data, size, &al);
	(void)tls_parse_server_hello_done(data, size);
	(void)tls_alert_name(size > 0 ? data[0] : 0);
}

static void builder(const uint8_t *data, size_t size)
{
	uint16_t suites[64];
	uint8_t out[1024];
	char host[32];
	size_t n = size / 2 < 64 ? size / 2 : 64;
	for (size_t i = 0; i < n; i++)
		suites[i] = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
	size_t hn = size < sizeof(host) - 1 ? size : sizeof(host) - 1;
	memcpy(host, data, hn);
	host[hn] = '\0';
	struct tls_key_share ks = {0x001d, data, size < 200 ? size : 200};
	struct tls_hello_spec spec = {.record_version = 0x0301,
	                              .client_version = 0x0303,
	                              .suites = suites,
	                              .nsuites = n,
	                              .sni = host,
	                              .shares = &ks,
	                              .nshares = 1,
	                              .groups = suites,
	                              .ngroups = n,
	                              .ems = 1,
	                              .sslv3 = size % 5 == 0};
	int rc = tls_hello_build(&spec, out, size % 2 ? sizeof(out) : 100);
	if (rc > (int)sizeof(out) || (rc < 0 && rc != -E2BIG && rc != -EINVAL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	summary(data, size);
	parsers(data, size);
	builder(data, size);
	return 0;
}
