/*
 * Round trip of the TLS wire layer against a real server: ClientHellos built by
 * tls_hello_build() go to Debian's `openssl s_server` on 127.0.0.1 (an ephemeral port),
 * and the replies are read with tls_reader and tls_summary. Skipped when openssl is
 * missing. With VITALS_TLS_CAPTURE=DIR set, each reply is also written to DIR/NAME.bin:
 * that is how tests/unit/fixtures/tls/ was made.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tls_suites.h"
#include "wire_tls.h"

static const char *openssl = "/usr/bin/openssl";
static char dir[64];

/* RFC 8448's client x25519 public key: any 32 bytes are a valid X25519 share. */
static const uint8_t x25519_pub[32] = {
    0x99, 0x38, 0x1d, 0xe5, 0x60, 0xe4, 0xbd, 0x43, 0xd2, 0x3d, 0x8e, 0x43, 0x5a, 0x7d, 0xba, 0xfe,
    0xb3, 0xc0, 0x6e, 0x51, 0xc1, 0x3c, 0xae, 0x4d, 0x54, 0x13, 0x69, 0x1e, 0x52, 0x9a, 0xaf, 0x2c,
};
static const uint16_t groups[] = {0x001d, 0x0017, 0x0018};
static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0601, 0x0201};

static int run(const char *cmd)
{
	int rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int dial(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Starts s_server with extra arguments; waits until it accepts. */
static pid_t start_server(int port, const char *extra)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
	         "exec %s s_server -quiet -accept 127.0.0.1:%d -cert %s/cert.pem -key %s/key.pem "
	         "-cipher ALL:@SECLEVEL=0 -ciphersuites "
	         "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256 %s "
	         ">/dev/null 2>&1 </dev/null",
	         openssl, port, dir, dir, extra);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 200; i++) {
		int fd = dial(port);
		if (fd >= 0) {
			close(fd);
			return pid;
		}
		usleep(20000);
	}
	return pid;
}

static void stop_server(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

static void capture(const char *name, struct tls_reader *r)
{
	const char *cap = getenv("VITALS_TLS_CAPTURE");
	char path[512];
	size_t n;
	const uint8_t *b = tls_reader_bytes(r, &n);
	if (cap == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s.bin", cap, name);
	FILE *f = fopen(path, "wb");
	if (f != NULL) {
		fwrite(b, 1, n, f);
		fclose(f);
	}
}

/* Sends the hello and reads until the summary has its answer, EOF or 5 seconds. */
static int exchange(int port, const struct tls_hello_spec *spec, const char *name, struct tls_summary *s)
{
	uint8_t out[4096], in[16384];
	int n = tls_hello_build(spec, out, sizeof(out)), rc = 0;
	int fd = dial(port);
	struct tls_reader *r = tls_reader_new(0);
	tls_summary_init(s);
	if (n < 0 || fd < 0 || r == NULL || write(fd, out, (size_t)n) != n) {
		rc = -EIO;
		goto out;
	}
	for (int rounds = 0; rc == 0 && rounds < 100;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			break;
		ssize_t got = read(fd, in, sizeof(in));
		if (got <= 0)
			break;
		if (tls_reader_feed(r, in, (size_t)got) < 0)
			break;
		rc = tls_summary_update(s, r);
		rounds++;
	}
	capture(name, r);
out:
	if (fd >= 0)
		close(fd);
	tls_reader_free(r);
	return rc;
}

static struct tls_hello_spec base_spec(uint16_t version, const uint16_t *suites, size_t n)
{
	struct tls_hello_spec s = {.record_version = 0x0301,
	                           .client_version = version,
	                           .suites = suites,
	                           .nsuites = n,
	                           .sni = "localhost",
	                           .groups = groups,
	                           .ngroups = 3,
	                           .sigalgs = sigalgs,
	                           .nsigalgs = 8,
	                           .ec_point_formats = 1,
	                           .reneg_info = 1};
	for (int i = 0; i < 32; i++)
		s.random[i] = (uint8_t)(i * 7 + version);
	return s;
}

static void test_legacy(int port, uint16_t version, const char *name)
{
	static const uint16_t suites[] = {0xC02F, 0xC013, 0xC014, 0x002F, 0x0035};
	struct tls_hello_spec spec = base_spec(version, suites, 5);
	struct tls_summary s;
	char msg[80];
	snprintf(msg, sizeof(msg), "%s: an answer", name);
	is_int(exchange(port, &spec, name, &s), 1, msg);
	snprintf(msg, sizeof(msg), "%s: negotiated version", name);
	is_int(s.version, version, msg);
	snprintf(msg, sizeof(msg), "%s: an ECDHE suite", name);
	ok(s.suite == (version == 0x0303 ? 0xC02F : 0xC013), msg);
	snprintf(msg, sizeof(msg), "%s: group x25519 from ServerKeyExchange", name);
	is_int(s.group, 0x001d, msg);
	snprintf(msg, sizeof(msg), "%s: one certificate, ServerHelloDone", name);
	ok(s.ncerts == 1 && s.done && s.alert == -1 && s.cert_len[0] > 500, msg);
	tls_summary_clear(&s);
}

static void test_dhe(int port, unsigned bits, const char *name)
{
	static const uint16_t suites[] = {0x009E, 0x0033};
	struct tls_hello_spec spec = base_spec(0x0303, suites, 2);
	struct tls_summary s;
	is_int(exchange(port, &spec, name, &s), 1, "dhe: an answer");
	is_int(s.suite, 0x009E, "dhe: DHE-RSA-AES128-GCM-SHA256");
	is_int(s.dh_bits, bits, "dhe: the prime's size");
	ok(s.done && s.ncerts == 1, "dhe: whole flight");
	tls_summary_clear(&s);
}

static void test_tls13(int port)
{
	static const uint16_t suites[] = {0x1301, 0x1302, 0x1303};
	static const uint16_t versions[] = {0x0304};
	struct tls_key_share ks = {0x001d, x25519_pub, 32};
	struct tls_hello_spec spec = base_spec(0x0303, suites, 3);
	struct tls_summary s;
	spec.versions = versions;
	spec.nversions = 1;
	spec.shares = &ks;
	spec.nshares = 1;
	is_int(exchange(port, &spec, "tls13", &s), 1, "tls13: an answer");
	is_int(s.version, 0x0304, "tls13: version from supported_versions");
	is_int(s.suite, 0x1301, "tls13: TLS_AES_128_GCM_SHA256");
	is_int(s.group, 0x001d, "tls13: x25519 key share");
	ok(!s.hrr && s.done && s.ncerts == 0, "tls13: no HRR, the rest encrypted");
	tls_summary_clear(&s);
}

static void test_hrr(int port)
{
	static const uint16_t suites[] = {0x1301};
	static const uint16_t versions[] = {0x0304};
	static const uint16_t g[] = {0x0018, 0x001d};
	uint8_t p384[97] = {4};
	struct tls_key_share ks = {0x0018, p384, sizeof(p384)};
	struct tls_hello_spec spec = base_spec(0x0303, suites, 1);
	struct tls_summary s;
	spec.versions = versions;
	spec.nversions = 1;
	spec.groups = g;
	spec.ngroups = 2;
	spec.shares = &ks;
	spec.nshares = 1;
	is_int(exchange(port, &spec, "hrr", &s), 1, "hrr: an answer");
	is_int(s.hrr, 1, "hrr: HelloRetryRequest");
	is_int(s.group, 0x001d, "hrr: asks for x25519");
	tls_summary_clear(&s);
}

static void test_rc4(int port)
{
	static const uint16_t suites[] = {0x0005, 0x0004, 0xC011};
	struct tls_hello_spec spec = base_spec(0x0303, suites, 3);
	struct tls_summary s;
	is_int(exchange(port, &spec, "alert_rc4", &s), 1, "rc4: an answer");
	is_int(s.alert, 40, "rc4: handshake_failure alert");
	is_int(s.alert_level, 2, "rc4: fatal");
	is_int(s.server_hello, 0, "rc4: no ServerHello");
	tls_summary_clear(&s);
}

int main(void)
{
	char cmd[512];
	if (access(openssl, X_OK) != 0) {
		printf("1..0 # SKIP %s not found\n", openssl);
		return 0;
	}
	snprintf(dir, sizeof(dir), "/tmp/vitals-tls-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(
	    cmd, sizeof(cmd),
	    "%s req -x509 -newkey rsa:2048 -nodes -keyout %s/key.pem -out %s/cert.pem -subj /CN=localhost "
	    "-days 2 >/dev/null 2>&1 && %s genpkey -genparam -algorithm DH -pkeyopt group:dh_1024_160 "
	    "-out %s/dh1024.pem >/dev/null 2>&1",
	    openssl, dir, dir, openssl, dir);
	ok(run(cmd) == 0, "made a key, certificate and 1024-bit DH parameters");
	int port = free_port(), port2 = free_port();
	snprintf(cmd, sizeof(cmd), "-groups X25519:P-256 -dhparam %s/dh1024.pem", dir);
	pid_t a = start_server(port, cmd);
	pid_t b = start_server(port2, "-groups X25519:P-256");
	test_legacy(port, 0x0301, "tls10");
	test_legacy(port, 0x0302, "tls11");
	test_legacy(port, 0x0303, "tls12_ecdhe");
	test_dhe(port, 1024, "tls12_dhe1024");
	test_dhe(port2, 2048, "tls12_dhe2048");
	test_tls13(port2);
	test_hrr(port2);
	test_rc4(port2);
	stop_server(a);
	stop_server(b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
	return done_testing();
}
