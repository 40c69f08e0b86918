/* wire_ssh on canned bytes: OpenSSH 9.2's real greeting and KEXINIT (modern and legacy), lines
 * before the identification, split input, every cap and malformed packets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "wire_ssh.h"

/* A whole file (a capture) into buf; its length, or 0. */
static size_t load(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;
	if (f)
		fclose(f);
	return n;
}

/* Whether list l of k has the name s. */
static int has(const struct ssh_kexinit *k, enum ssh_list l, const char *s)
{
	size_t pos = 0, n;
	const char *name;
	while (ssh_namelist_next(&k->lists[l], &pos, &name, &n))
		if (n == strlen(s) && memcmp(name, s, n) == 0)
			return 1;
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A packet of message `msg` whose payload after the message byte is body[0..n), padding 4. */
static size_t packet(uint8_t *out, uint8_t msg, const uint8_t *body, size_t n)
{
	put32(out, (uint32_t)(1 + 1 + n + 4));
	out[4] = 4;
	out[5] = msg;
	memcpy(out + 6, body, n);
	memset(out + 6 + n, 0, 4);
	return 4 + 1 + 1 + n + 4;
}

/* A KEXINIT body: cookie, ten lists (`lists[i]` or "" ), follows flag, reserved. */
static size_t kexinit_body(uint8_t *out, const char *const *lists)
{
	size_t off = 16;
	memset(out, 0xAA, 16);
	for (int i = 0; i < SSH_NLISTS; i++) {
		size_t n = lists[i] ? strlen(lists[i]) : 0;
		put32(out + off, (uint32_t)n);
		memcpy(out + off + 4, lists[i] ? lists[i] : "", n);
		off += 4 + n;
	}
	out[off] = 0;
	put32(out + off + 1, 0);
	return off + 5;
}

static void test_openssh(void)
{
	static uint8_t buf[8192];
	size_t n = load("tests/fuzz/corpus/ssh/openssh92_modern.bin", buf, sizeof buf), used = 0, used2 = 0;
	struct ssh_ident id;
	struct ssh_kexinit k;
	ok(n > 1000, "the modern capture is there");
	is_int(ssh_ident_parse(buf, n, &id, &used), 1, "OpenSSH 9.2's identification");
	is_str(id.proto, "2.0", "protoversion");
	is_str(id.software, "OpenSSH_9.2p1 Debian-2+deb12u10", "software with its comment");
	is_int(used, strlen("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"), "the line with CR LF");
	is_int(ssh_kexinit_parse(buf + used, n - used, &k, &used2), 1, "its KEXINIT");
	is_int(used2, n - used, "the KEXINIT is all that came");
	ok(has(&k, SSH_KEX, "curve25519-sha256") && !has(&k, SSH_KEX, "diffie-hellman-group1-sha1"),
	   "modern kex, no group1");
	ok(has(&k, SSH_KEX, "kex-strict-s-v00@openssh.com"), "the strict-kex marker is a kex name");
	ok(has(&k, SSH_HOSTKEY, "rsa-sha2-512") && !has(&k, SSH_HOSTKEY, "ssh-rsa"), "no ssh-rsa host key");
	ok(has(&k, SSH_ENC_SC, "chacha20-poly1305@openssh.com") && !has(&k, SSH_ENC_SC, "3des-cbc"),
	   "modern ciphers");
	ok(has(&k, SSH_MAC_CS, "hmac-sha1") && !has(&k, SSH_MAC_CS, "hmac-md5"), "default MACs");
	ok(has(&k, SSH_COMP_CS, "none"), "compression none");
	ok(k.lists[SSH_LANG_CS].p == NULL && k.lists[SSH_LANG_CS].n == 0, "no languages");

	n = load("tests/fuzz/corpus/ssh/openssh92_legacy.bin", buf, sizeof buf);
	is_int(ssh_ident_parse(buf, n, &id, &used), 1, "the legacy server's identification");
	is_int(ssh_kexinit_parse(buf + used, n - used, &k, &used2), 1, "its KEXINIT");
	ok(has(&k, SSH_KEX, "diffie-hellman-group1-sha1") && has(&k, SSH_KEX, "diffie-hellman-group14-sha1"),
	   "legacy kex added with +");
	ok(has(&k, SSH_HOSTKEY, "ssh-rsa"), "ssh-rsa host key");
	ok(has(&k, SSH_ENC_CS, "3des-cbc") && has(&k, SSH_ENC_SC, "aes128-cbc"), "CBC ciphers");
	ok(has(&k, SSH_MAC_SC, "hmac-md5") && has(&k, SSH_MAC_SC, "umac-64@openssh.com"), "weak MACs");
}

static void test_ident(void)
{
	struct ssh_ident id;
	size_t used = 0;
	const char *s = "Welcome\r\nauthorised use only\nSSH-1.99-Cisco-1.25\r\n\x00\x00";
	is_int(ssh_ident_parse((const uint8_t *)s, strlen(s) + 2, &id, &used), 1,
	       "lines before the identification; binary packet bytes after it");
	is_int(used, strlen(s), "the packet bytes are left to the caller");
	is_int(id.prelines, 2, "two of them");
	is_str(id.proto, "1.99", "protoversion 1.99");
	is_str(id.software, "Cisco-1.25", "software keeps its dashes");
	is_str(id.line, "SSH-1.99-Cisco-1.25", "the line without CR LF");
	s = "SSH-2.0-Open";
	is_int(ssh_ident_parse((const uint8_t *)s, strlen(s), &id, &used), 0, "an unended line: more needed");
	s = "SSH-2.0\r\n";
	is_int(ssh_ident_parse((const uint8_t *)s, strlen(s), &id, &used), -EBADMSG, "no software version");
	s = "SSH-2.0-\n";
	is_int(ssh_ident_parse((const uint8_t *)s, strlen(s), &id, &used), -EBADMSG,
	       "an empty software version");
	char big[400];
	memset(big, 'a', sizeof big);
	memcpy(big, "SSH-2.0-", 8);
	is_int(ssh_ident_parse((const uint8_t *)big, 256, &id, &used), -E2BIG,
	       "identification over 255 bytes");
	is_int(ssh_ident_parse((const uint8_t *)big, 255, &id, &used), 0,
	       "255 bytes without LF: more needed");
	big[253] = '\r', big[254] = '\n';
	is_int(ssh_ident_parse((const uint8_t *)big, 255, &id, &used), 1, "exactly 255 bytes with CR LF");
	is_int(strlen(id.software), 253 - 8, "the whole software field kept");
	static char lines[34 * 3 + 32];
	size_t off = 0;
	for (int i = 0; i < 33; i++)
		off += (size_t)snprintf(lines + off, sizeof lines - off, "x\r\n");
	is_int(ssh_ident_parse((const uint8_t *)lines, off, &id, &used), -E2BIG, "33 lines before it");
	memset(big, 'b', sizeof big);
	is_int(ssh_ident_parse((const uint8_t *)big, 400, &id, &used), 0, "a 400-byte line before: allowed");
	static char huge[SSH_PRELINE_MAX + 2];
	memset(huge, 'c', sizeof huge);
	is_int(ssh_ident_parse((const uint8_t *)huge, sizeof huge, &id, &used), -E2BIG,
	       "a line over 1024 bytes");
	is_int(ssh_ident_parse((const uint8_t *)"\x16\x03\x01\x00", 4, &id, &used), -EBADMSG,
	       "a TLS record (with a NUL) is not SSH");
}

static void test_kexinit(void)
{
	static uint8_t body[2048], pkt[4096];
	const char *lists[SSH_NLISTS] = {"curve25519-sha256,diffie-hellman-group1-sha1",
	                                 "ssh-ed25519",
	                                 "aes128-ctr",
	                                 "aes128-ctr",
	                                 "hmac-sha2-256",
	                                 "hmac-sha2-256",
	                                 "none",
	                                 "none,zlib@openssh.com",
	                                 NULL,
	                                 NULL};
	struct ssh_kexinit k;
	size_t used = 0, bn = kexinit_body(body, lists);
	size_t n = packet(pkt, 2, (const uint8_t *)"\x00\x00\x00\x01x", 5); /* an IGNORE first */
	n += packet(pkt + n, SSH_MSG_KEXINIT, body, bn);
	for (size_t i = 0; i < n; i++)
		if (ssh_kexinit_parse(pkt, i, &k, &used) != 0)
			break;
	ok(1, "every prefix tried");
	is_int(ssh_kexinit_parse(pkt, n - 1, &k, &used), 0, "a byte short: more needed");
	is_int(ssh_kexinit_parse(pkt, n, &k, &used), 1, "an IGNORE, then KEXINIT");
	is_int(k.skipped, 1, "one message skipped");
	is_int(used, n, "both packets used");
	ok(has(&k, SSH_KEX, "diffie-hellman-group1-sha1") && has(&k, SSH_COMP_SC, "zlib@openssh.com"),
	   "names found");
	size_t pos = 0, nn;
	const char *name;
	int count = 0;
	while (ssh_namelist_next(&k.lists[SSH_KEX], &pos, &name, &nn))
		count++;
	is_int(count, 2, "two kex names");
	is_str(ssh_list_name(SSH_MAC_SC), "macs_sc", "list names for evidence");

	lists[1] = "ssh-ed25519,,ssh-rsa";
	bn = kexinit_body(body, lists);
	n = packet(pkt, SSH_MSG_KEXINIT, body, bn);
	is_int(ssh_kexinit_parse(pkt, n, &k, &used), -EBADMSG, "an empty name");
	lists[1] = "ssh-ed25519 x";
	bn = kexinit_body(body, lists);
	n = packet(pkt, SSH_MSG_KEXINIT, body, bn);
	is_int(ssh_kexinit_parse(pkt, n, &k, &used), -EBADMSG, "a blank inside a name");
	lists[1] = "ssh-ed25519";
	bn = kexinit_body(body, lists);
	n = packet(pkt, SSH_MSG_KEXINIT, body, bn - 3);
	is_int(ssh_kexinit_parse(pkt, n, &k, &used), -EBADMSG, "a KEXINIT cut before its reserved field");
	n = packet(pkt, 21, body, bn);
	is_int(ssh_kexinit_parse(pkt, n, &k, &used), -EBADMSG, "NEWKEYS instead of KEXINIT");
	put32(pkt, SSH_PACKET_MAX + 1);
	is_int(ssh_kexinit_parse(pkt, n, &k, &used), -E2BIG, "a packet length over 35000");
	put32(pkt, 8);
	pkt[4] = 7;
	is_int(ssh_kexinit_parse(pkt, n, &k, &used), -EBADMSG, "padding leaves no payload");
	n = 0;
	for (int i = 0; i <= SSH_SKIPPED_MAX; i++)
		n += packet(pkt + n, 4, (const uint8_t *)"\x00", 1);
	is_int(ssh_kexinit_parse(pkt, n, &k, &used), -E2BIG, "nine DEBUG messages");
}

int main(void)
{
	test_openssh();
	test_ident();
	test_kexinit();
	return done_testing();
}
