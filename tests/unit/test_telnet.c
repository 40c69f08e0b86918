/* wire_telnet on canned bytes: inetutils-telnetd's opening, subnegotiation, escapes, caps, byte by byte. */
#include <string.h>

#include "tap.h"
#include "wire_telnet.h"

static void feed(struct telnet_scan *t, const char *s, size_t n)
{
	telnet_feed(t, (const uint8_t *)s, n);
}

static void test_inetutils(void)
{
	/* Captured from inetutils-telnetd 2.4: WILL AUTHENTICATION, WILL ENCRYPT, DO TTYPE, ... */
	static const char open[] = "\377\373%\377\373&\377\375\030\377\375 \377\375#\377\375'\377\375$";
	struct telnet_scan t;
	telnet_init(&t);
	for (size_t i = 0; i < sizeof open - 1; i++)
		feed(&t, open + i, 1);
	is_int(t.ncmds, 7, "seven commands, fed a byte at a time");
	is_int(t.nnegs, 7, "all kept");
	is_str(telnet_cmd_name(t.negs[0].cmd), "WILL", "first: WILL");
	is_str(telnet_opt_name(t.negs[0].opt), "authentication", "authentication");
	is_str(telnet_cmd_name(t.negs[2].cmd), "DO", "third: DO");
	is_str(telnet_opt_name(t.negs[2].opt), "terminal-type", "terminal-type");
	is_int(t.textlen, 0, "no text");
	ok(telnet_plausible(&t), "a Telnet opening");
}

static void test_plausible(void)
{
	/* 1 KiB of bytes from a generator: IAC pairs and printable runs by chance, mostly binary. */
	uint8_t junk[1024];
	uint32_t x = 12345;
	struct telnet_scan t;
	for (size_t i = 0; i < sizeof junk; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (uint8_t)(x >> 16);
	}
	telnet_init(&t);
	telnet_feed(&t, junk, sizeof junk);
	ok(t.textlen > 0 && t.ncmds > 0,
	   "the garbage holds text and IAC commands (any of them passed before)");
	ok(!telnet_plausible(&t), "binary garbage is no Telnet server");
	/* IAC SB then binary: a subnegotiation that never ends counts as unprintable past its cap. */
	telnet_init(&t);
	feed(&t, "\377\372\030", 3);
	feed(&t, "ab", 2);
	telnet_feed(&t, junk, sizeof junk);
	ok(t.other > 0 && !telnet_plausible(&t), "an endless subnegotiation is no Telnet server");
	is_int(t.bytes, 5 + sizeof junk, "every byte taken is counted");
	telnet_init(&t);
	ok(!telnet_plausible(&t), "nothing is no Telnet server");
	feed(&t, "\001\002\003", 3);
	ok(!telnet_plausible(&t), "control bytes alone neither");
	telnet_init(&t);
	feed(&t, "login: ", 7);
	ok(telnet_plausible(&t), "a bare login prompt is one");
}

static void test_text(void)
{
	static const char s[] = "\377\372\030\001\377\377x\377\360Debian GNU/Linux 12\r\n\377\377\001login: ";
	struct telnet_scan t;
	telnet_init(&t);
	feed(&t, s, sizeof s - 1);
	is_int(t.nnegs, 1, "a subnegotiation is one negotiation");
	is_str(telnet_cmd_name(t.negs[0].cmd), "SB", "SB");
	is_str(t.text, "Debian GNU/Linux 12\nlogin: ", "its parameters skipped, CR dropped, the banner kept");
	is_int(t.other, 2, "an escaped 255 and a control byte counted, not kept");
	ok(telnet_cmd_name(241) == NULL && telnet_opt_name(200) == NULL, "unnamed commands and options");
}

static void test_caps(void)
{
	struct telnet_scan t;
	char big[600];
	telnet_init(&t);
	memset(big, 'a', sizeof big);
	feed(&t, big, sizeof big);
	is_int(t.textlen, TELNET_TEXT_MAX, "text kept up to its cap");
	is_int(t.other, sizeof big - TELNET_TEXT_MAX, "the rest counted");
	is_int(strlen(t.text), TELNET_TEXT_MAX, "NUL-terminated");
	for (int i = 0; i < 40; i++)
		feed(&t, "\377\375\001", 3);
	is_int(t.nnegs, TELNET_OPTS_MAX, "negotiations kept up to their cap");
	is_int(t.ncmds, 40, "all counted");
}

int main(void)
{
	test_inetutils();
	test_text();
	test_caps();
	test_plausible();
	return done_testing();
}
