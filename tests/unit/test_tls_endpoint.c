/* tls_endpoint (the endpoints of `vitals tls`): every written form, file lines, bad input, round trips. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "tls_endpoint.h"

static int parse(const char *s, struct tls_endpoint *ep, char *why, size_t whylen)
{
	return tls_endpoint_parse(s, strlen(s), ep, why, whylen);
}

static void test_forms(void)
{
	struct tls_endpoint ep;
	char why[160];
	is_int(parse("127.1.0.1", &ep, why, sizeof why), 0, "an IPv4 address");
	is_str(ep.name, "127.1.0.1", "its text");
	is_int(ep.literal, 4, "a literal of family 4");
	is_int(tls_endpoint_port(&ep), 443, "port 443 by default");
	is_int(parse("127.1.0.1:8443", &ep, why, sizeof why), 0, "ADDR:PORT");
	is_int(ep.port, 8443, "its port");
	is_int(parse("[::1]:465", &ep, why, sizeof why), 0, "[V6]:PORT");
	is_str(ep.name, "::1", "the address without brackets");
	is_int(ep.literal, 6, "family 6");
	is_int(ep.port, 465, "and its port");
	is_int(parse("2001:DB8:0:0::1", &ep, why, sizeof why), 0, "a bare IPv6 address");
	is_str(ep.name, "2001:db8::1", "in canonical text");
	is_int(ep.port, 0, "without a port");
	is_int(parse("[2001:db8::2]", &ep, why, sizeof why), 0, "[V6] without a port");
	is_int(parse("WWW.Org1.Test.", &ep, why, sizeof why), 0, "a host name with a trailing dot");
	is_str(ep.name, "www.org1.test", "lower case, no trailing dot");
	is_int(ep.literal, 0, "not a literal");
	is_int(parse("mx-1.org1.test:25", &ep, why, sizeof why), 0, "HOST:PORT");
	is_int(ep.port, 25, "its port");
	is_int(parse("localhost", &ep, why, sizeof why), 0, "a one-label name");
}

static void test_bad(void)
{
	struct tls_endpoint ep;
	char why[160];
	const char *bad[] = {"",
	                     "127.0.0.1:0",
	                     "127.0.0.1:65536",
	                     "127.0.0.1:",
	                     "127.0.0.1:44x",
	                     "1.2.3.999",
	                     "10.1.1",
	                     "[::1",
	                     "[::1]443",
	                     "[127.0.0.1]:443",
	                     "::1:443:x",
	                     "-a.test",
	                     "a-.test",
	                     "a..test",
	                     "a_b.test",
	                     "a b",
	                     "host.test:123456"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char name[64];
		snprintf(name, sizeof name, "'%s' is refused", bad[i]);
		is_int(parse(bad[i], &ep, why, sizeof why), -EINVAL, name);
	}
	parse("1.2.3.999:443", &ep, why, sizeof why);
	is_str(why, "'1.2.3.999:443': neither an IP address nor a host name",
	       "the reason quotes the endpoint");
	parse("127.0.0.1:70000", &ep, why, sizeof why);
	is_str(why, "'127.0.0.1:70000': not a port (1 to 65535) after ':'", "a bad port is named");
	char label[80];
	memset(label, 'a', 64);
	memcpy(label + 64, ".test", 6);
	is_int(parse(label, &ep, why, sizeof why), -EINVAL, "a label of 64 characters is refused");
	label[63] = '\0';
	is_int(parse(label, &ep, why, sizeof why), 0, "one of 63 is a name");
}

static int line(const char *s, struct tls_endpoint *ep, char *why, size_t whylen)
{
	return tls_endpoint_line(s, strlen(s), ep, why, whylen);
}

static void test_lines(void)
{
	struct tls_endpoint ep;
	char why[160];
	is_int(line("", &ep, why, sizeof why), 0, "an empty line is none");
	is_int(line("  \t# a comment\r", &ep, why, sizeof why), 0, "a comment line is none");
	is_int(line(" 127.1.0.1  sni=www.Org1.test\t# web\r", &ep, why, sizeof why), 1,
	       "an address with sni=");
	is_str(ep.name, "127.1.0.1", "its address");
	is_str(ep.sni, "www.org1.test", "its server name, lower case");
	is_int(ep.smtp, 0, "no STARTTLS");
	is_int(line("mx.org1.test starttls=smtp", &ep, why, sizeof why), 1, "a host with starttls=smtp");
	is_int(ep.smtp, 1, "STARTTLS");
	is_int(tls_endpoint_port(&ep), 25, "port 25 by default with STARTTLS");
	is_int(line("127.1.0.1 sni=127.0.0.1", &ep, why, sizeof why), -EINVAL,
	       "an address is no server name");
	is_str(why, "'sni=127.0.0.1': the server name is not a host name", "said so");
	is_int(line("127.1.0.1 starttls=imap", &ep, why, sizeof why), -EINVAL, "only smtp for STARTTLS");
	is_str(why, "'starttls=imap': unknown option (sni=NAME or starttls=smtp)", "the option is named");
	is_int(line("x:99999 sni=a.test", &ep, why, sizeof why), -EINVAL,
	       "a bad endpoint before good options");
}

static void round_trip(const char *in, const char *want)
{
	struct tls_endpoint a, b;
	char why[160], text[TLS_ENDPOINT_TEXT_MAX];
	int rc = line(in, &a, why, sizeof why);
	is_int(rc, 1, in);
	is_int(tls_endpoint_text(&a, text, sizeof text), (int)strlen(want), "its canonical text's length");
	is_str(text, want, "its canonical text");
	is_int(line(text, &b, why, sizeof why), 1, "reads back");
	ok(strcmp(a.name, b.name) == 0 && strcmp(a.sni, b.sni) == 0 && a.smtp == b.smtp &&
	       a.literal == b.literal && tls_endpoint_port(&a) == tls_endpoint_port(&b),
	   "to the same endpoint");
}

static void test_text(void)
{
	round_trip("127.1.0.1", "127.1.0.1:443");
	round_trip("[::1]:8443 sni=a.test", "[::1]:8443 sni=a.test");
	round_trip("mx.org1.test starttls=smtp", "mx.org1.test:25 starttls=smtp");
	struct tls_endpoint ep;
	char why[160], small[8];
	line("www.org1.test", &ep, why, sizeof why);
	is_int(tls_endpoint_text(&ep, small, sizeof small), -ENOSPC, "a buffer too small is -ENOSPC");
}

int main(void)
{
	test_forms();
	test_bad();
	test_lines();
	test_text();
	return done_testing();
}
