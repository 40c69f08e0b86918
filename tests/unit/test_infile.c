/* Input file tests: kinds refused and accepted, caps, standard input, and the format checks. */
#include "infile.h"
#include "scope.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/vitals-test-infile-XXXXXX";
static char err[512];

static const char *at(const char *name)
{
	static char paths[4][300];
	static int next;
	char *p = paths[next++ % 4];
	snprintf(p, sizeof paths[0], "%s/%s", dir, name);
	return p;
}

static void write_bytes(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return;
	fwrite(data, 1, len, f);
	fclose(f);
}

static void write_file(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

/* A message that is exactly "<path><rest>". */
static void is_msg(const char *path, const char *rest, const char *name)
{
	char want[600];
	snprintf(want, sizeof want, "%s%s", path, rest);
	is_str(err, want, name);
}

/* Reads `text` from a path through infile_read and checks the result. */
static int read_text(const char *path, const char *text, struct infile *f)
{
	write_file(path, text);
	return infile_read(path, INFILE_DNS_CAP, 0, f, err, sizeof err);
}

static void test_regular(void)
{
	struct infile f = {0};
	const char *p = at("plain.txt");
	write_file(p, "hello\nworld\n");
	is_int(infile_read(p, INFILE_DNS_CAP, 0, &f, err, sizeof err), 0, "regular file: read");
	is_int(f.len, 12, "regular file: len exact");
	ok(f.data && memcmp(f.data, "hello\nworld\n", 12) == 0, "regular file: contents exact");
	ok(f.data && f.data[12] == '\0', "regular file: NUL-terminated");
	infile_free(&f);
	ok(f.data == NULL && f.len == 0, "infile_free resets the struct");

	/* A NUL in the middle is kept: len counts every byte. */
	write_bytes(p, "a\0b", 3);
	is_int(infile_read(p, INFILE_DNS_CAP, 0, &f, err, sizeof err), 0, "binary file: read");
	is_int(f.len, 3, "binary file: len counts past the NUL");
	ok(f.data && f.data[2] == 'b', "binary file: byte after the NUL");
	infile_free(&f);
	unlink(p);
}

static void test_refused_kinds(void)
{
	struct infile f = {.data = NULL, .len = 99};

	is_int(infile_read(dir, INFILE_DNS_CAP, 0, &f, err, sizeof err), -EISDIR, "directory: -EISDIR");
	is_msg(dir, ": is a directory", "directory: message");
	is_int(f.len, 99, "directory: output untouched");
	is_int(infile_read(dir, INFILE_DNS_CAP, 1, &f, err, sizeof err), -EISDIR,
	       "directory with stream: -EISDIR");

	is_int(infile_read("/dev/zero", INFILE_DNS_CAP, 0, &f, err, sizeof err), -EINVAL,
	       "/dev/zero: -EINVAL");
	is_str(err, "/dev/zero: a character device, not a file", "/dev/zero: message");
	is_int(infile_read("/dev/zero", INFILE_DNS_CAP, 1, &f, err, sizeof err), -EINVAL,
	       "/dev/zero with stream: still -EINVAL");

	const char *p = at("missing");
	is_int(infile_read(p, INFILE_DNS_CAP, 0, &f, err, sizeof err), -ENOENT, "missing file: -ENOENT");
	is_msg(p, ": No such file or directory", "missing file: message");

	p = at("empty");
	write_file(p, "");
	is_int(infile_read(p, INFILE_DNS_CAP, 0, &f, err, sizeof err), -ENODATA, "empty file: -ENODATA");
	is_msg(p, ": is empty", "empty file: message");
	is_int(f.len, 99, "empty file: output untouched");
	unlink(p);
}

static void test_cap(void)
{
	struct infile f = {0};
	const size_t cap = 1u << 20;
	char *big = malloc(cap + 1);
	if (big == NULL)
		return;
	memset(big, 'x', cap + 1);
	const char *p = at("big");

	write_bytes(p, big, cap + 1);
	is_int(infile_read(p, cap, 0, &f, err, sizeof err), -EFBIG, "one byte over the cap: -EFBIG");
	is_msg(p, ": 1048577 bytes, larger than the 1 MiB allowed", "over the cap: message");
	ok(f.data == NULL, "over the cap: nothing returned");

	write_bytes(p, big, cap);
	is_int(infile_read(p, cap, 0, &f, err, sizeof err), 0, "exactly the cap: read");
	is_int(f.len, cap, "exactly the cap: every byte");
	ok(f.data && f.data[cap - 1] == 'x' && f.data[cap] == '\0', "exactly the cap: last byte and NUL");
	infile_free(&f);
	unlink(p);
	free(big);
}

/* A child that opens the FIFO for writing, writes `len` bytes of a pattern, and exits. */
static pid_t fifo_writer(const char *path, size_t len)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	signal(SIGPIPE, SIG_IGN);
	int fd = open(path, O_WRONLY);
	char buf[4096];
	for (size_t done = 0; fd >= 0 && done < len;) {
		size_t n = len - done < sizeof buf ? len - done : sizeof buf;
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)('a' + (done + i) % 26);
		ssize_t w = write(fd, buf, n);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	_exit(0);
}

static int is_pattern(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (char)('a' + i % 26))
			return 0;
	return 1;
}

static void test_fifo(void)
{
	struct infile f = {0};
	const char *p = at("fifo");
	if (!ok(mkfifo(p, 0600) == 0, "mkfifo"))
		return;

	is_int(infile_read(p, INFILE_DNS_CAP, 0, &f, err, sizeof err), -EINVAL,
	       "FIFO without stream: -EINVAL");
	is_msg(p, ": a FIFO, not a file", "FIFO without stream: message");

	/* More than the first 64 KiB allocation, so the buffer has to grow. */
	const size_t len = 200000;
	pid_t pid = fifo_writer(p, len);
	int rc = infile_read(p, INFILE_TARGETS_CAP, 1, &f, err, sizeof err);
	int status = -1;
	waitpid(pid, &status, 0);
	is_int(rc, 0, "FIFO with stream: accepted");
	is_int(f.len, len, "FIFO with stream: every byte");
	ok(f.data && is_pattern(f.data, len), "FIFO with stream: exact contents");
	ok(f.data && f.data[len] == '\0', "FIFO with stream: NUL-terminated");
	infile_free(&f);

	/* A pipe has no size to check up front: the cap stops the read. */
	pid = fifo_writer(p, (1u << 20) + 1);
	rc = infile_read(p, 1u << 20, 1, &f, err, sizeof err);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	is_int(rc, -EFBIG, "FIFO over the cap: -EFBIG");
	is_msg(p, ": larger than the 1 MiB allowed", "FIFO over the cap: message");
	ok(f.data == NULL, "FIFO over the cap: nothing returned");
	unlink(p);
}

/* Reads "-" with `text` on standard input, through a pipe put in place of fd 0. */
static int read_stdin(const char *text, struct infile *f)
{
	int fds[2], saved = dup(STDIN_FILENO);
	if (saved < 0 || pipe(fds) < 0)
		return -999;
	ssize_t w = write(fds[1], text, strlen(text));
	close(fds[1]);
	dup2(fds[0], STDIN_FILENO);
	close(fds[0]);
	int rc =
	    w == (ssize_t)strlen(text) ? infile_read("-", INFILE_TARGETS_CAP, 1, f, err, sizeof err) : -998;
	dup2(saved, STDIN_FILENO);
	close(saved);
	return rc;
}

static void test_stdin(void)
{
	struct infile f = {0};
	is_int(read_stdin("org1,a.test\norg2,b.test\n", &f), 0, "stdin: read");
	is_int(f.len, 24, "stdin: len exact");
	ok(f.data && strcmp(f.data, "org1,a.test\norg2,b.test\n") == 0, "stdin: contents exact");
	infile_free(&f);
	ok(fcntl(STDIN_FILENO, F_GETFD) >= 0, "stdin: descriptor 0 still open after the read");

	is_int(read_stdin("", &f), -ENODATA, "empty stdin: -ENODATA");
	is_str(err, "<stdin>: is empty", "empty stdin: message names <stdin>");
}

static const char hints[] = "; root hints for a test\n"
                            ".                     3600000  NS    A.ROOT-SERVERS.NET.\n"
                            "A.ROOT-SERVERS.NET.   3600000  A     127.0.0.1\n"
                            "A.ROOT-SERVERS.NET.   3600000  AAAA  ::1\n"
                            ".                     3600000  NS    B.ROOT-SERVERS.NET.\n"
                            "B.ROOT-SERVERS.NET.   3600000  A     198.41.0.4\n"
                            "C.ROOT-SERVERS.NET.   3600000  A     127.0.0.53\n";

static void test_root_hints(void)
{
	struct scope s = {0};
	struct infile f = {0};
	int servers = -1, inside = -1;
	const char *p = at("root.hints");
	is_int(scope_add_list(&s, "127.0.0.0/8", 0, NULL, NULL), 0, "scope 127.0.0.0/8");

	is_int(read_text(p, hints, &f), 0, "hints: read");
	is_int(infile_check_root_hints(p, &f, &s, &servers, &inside, err, sizeof err), 0, "hints: valid");
	is_int(servers, 4, "hints: 4 addresses (3 A, 1 AAAA)");
	is_int(inside, 2, "hints: 2 of them inside 127.0.0.0/8");
	infile_free(&f);

	servers = inside = -1;
	read_text(p, ". 3600000 NS A.ROOT-SERVERS.NET.\nA.ROOT-SERVERS.NET. 3600000 A 198.41.0.4", &f);
	is_int(infile_check_root_hints(p, &f, &s, &servers, &inside, err, sizeof err), 0,
	       "hints without a final newline: valid");
	ok(servers == 1 && inside == 0, "hints without a final newline: the last line counts");
	infile_free(&f);

	servers = inside = -1;
	read_text(p, "A.ROOT-SERVERS.NET. 3600000 A 127.0.0.1\n", &f);
	is_int(infile_check_root_hints(p, &f, &s, &servers, &inside, err, sizeof err), -EINVAL,
	       "hints without NS: -EINVAL");
	is_msg(p, ": not root hints: no NS record", "hints without NS: message");
	ok(servers == -1 && inside == -1, "hints without NS: counts untouched");
	infile_free(&f);

	read_text(p, ". 3600000 NS A.ROOT-SERVERS.NET.\n", &f);
	is_int(infile_check_root_hints(p, &f, &s, &servers, &inside, err, sizeof err), -EINVAL,
	       "hints without addresses: -EINVAL");
	is_msg(p, ": not root hints: no A or AAAA record for the root servers",
	       "hints without addresses: message");
	infile_free(&f);

	read_text(p,
	          ". 3600000 NS A.ROOT-SERVERS.NET.\n"
	          "A.ROOT-SERVERS.NET. 3600000 A 127.0.0.1\n"
	          "A.ROOT-SERVERS.NET. 3600000 A not-an-address\n"
	          "B.ROOT-SERVERS.NET. 3600000 A 127.0.0.2\n",
	          &f);
	is_int(infile_check_root_hints(p, &f, &s, &servers, &inside, err, sizeof err), -EINVAL,
	       "syntax error: -EINVAL");
	char want[320];
	snprintf(want, sizeof want, "%s:3:", p);
	ok(strncmp(err, want, strlen(want)) == 0, "syntax error: message names line 3");
	if (strncmp(err, want, strlen(want)) != 0)
		printf("#   got '%s'\n", err);
	infile_free(&f);

	static const char nul[] =
	    ". 3600000 NS A.ROOT-SERVERS.NET.\nA.ROOT-SERVERS.NET. 3600000 A 127.0.0.1\n\0\n";
	write_bytes(p, nul, sizeof nul - 1);
	infile_read(p, INFILE_DNS_CAP, 0, &f, err, sizeof err);
	is_int(infile_check_root_hints(p, &f, &s, &servers, &inside, err, sizeof err), -EINVAL,
	       "NUL byte: -EINVAL");
	is_msg(p, ":3: a NUL byte: not a text file", "NUL byte: message names line 3");
	infile_free(&f);
	unlink(p);
	scope_free(&s);
}

static void test_trust_anchor(void)
{
	struct infile f = {0};
	const char *p = at("root.key");

	read_text(p, ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n",
	          &f);
	is_int(infile_check_trust_anchor(p, &f, err, sizeof err), 0, "trust anchor: DS line accepted");
	infile_free(&f);

	read_text(p,
	          ". IN DNSKEY 257 3 8 "
	          "AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/"
	          "4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+"
	          "B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/"
	          "EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/"
	          "ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU= ; "
	          "keytag 20326\n",
	          &f);
	is_int(infile_check_trust_anchor(p, &f, err, sizeof err), 0, "trust anchor: DNSKEY line accepted");
	infile_free(&f);

	read_text(p, ". 3600000 NS A.ROOT-SERVERS.NET.\n", &f);
	is_int(infile_check_trust_anchor(p, &f, err, sizeof err), -EINVAL, "NS only: -EINVAL");
	is_msg(p, ": not a trust anchor: no DS or DNSKEY record", "NS only: message");
	infile_free(&f);
	unlink(p);
}

static void test_ca(void)
{
	struct infile f = {0};
	char cmd[1024];
	const char *key = at("K"), *crt = at("C");
	snprintf(cmd, sizeof cmd,
	         "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=t -days 1 -keyout '%s' -out '%s' "
	         ">/dev/null 2>&1",
	         key, crt);
	is_int(system(cmd), 0, "openssl made a certificate");

	is_int(infile_read(crt, INFILE_CA_CAP, 0, &f, err, sizeof err), 0, "certificate: read");
	is_int(infile_check_ca(crt, &f, err, sizeof err), 0, "PEM certificate accepted");
	infile_free(&f);

	infile_read(key, INFILE_CA_CAP, 0, &f, err, sizeof err);
	is_int(infile_check_ca(key, &f, err, sizeof err), -EINVAL, "a PEM key alone: -EINVAL");
	is_msg(key, ": no PEM certificate (-----BEGIN CERTIFICATE-----)", "a PEM key alone: message");
	infile_free(&f);

	const char *txt = at("notes.txt");
	read_text(txt, "These are notes, not certificates.\n", &f);
	is_int(infile_check_ca(txt, &f, err, sizeof err), -EINVAL, "text file: -EINVAL");
	is_msg(txt, ": no PEM certificate (-----BEGIN CERTIFICATE-----)", "text file: message");
	infile_free(&f);
	unlink(key);
	unlink(crt);
	unlink(txt);
}

static void test_sha256(void)
{
	char hex[65];
	struct infile f = {.data = (char *)"abc", .len = 3};
	memset(hex, '?', sizeof hex);
	is_int(infile_sha256(&f, hex), 0, "sha256: computed");
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of abc");
}

/* Removes whatever a failed test left in the directory, then the directory. */
static void cleanup(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlink(at(e->d_name));
	if (d != NULL)
		closedir(d);
	ok(rmdir(dir) == 0, "temporary directory removed");
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_regular();
	test_refused_kinds();
	test_cap();
	test_fifo();
	test_stdin();
	test_root_hints();
	test_trust_anchor();
	test_ca();
	test_sha256();
	cleanup();
	return done_testing();
}
