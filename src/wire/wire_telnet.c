/* What a Telnet server sends first: see wire_telnet.h. */
#include "wire_telnet.h"

#include <string.h>

/* Where the parser is between bytes. */
enum {
	ST_DATA,   /* ordinary data */
	ST_IAC,    /* after IAC */
	ST_OPT,    /* after IAC DO/DONT/WILL/WONT/SB: the option byte follows */
	ST_SB,     /* inside a subnegotiation */
	ST_SB_IAC, /* after IAC inside a subnegotiation */
};

void telnet_init(struct telnet_scan *t)
{
	memset(t, 0, sizeof *t);
}

static void data_byte(struct telnet_scan *t, uint8_t c)
{
	/* CR and NUL are line-end padding (RFC 854): dropped, as a terminal would. */
	if (c == '\r' || c == '\0')
		return;
	if ((c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f || t->textlen == TELNET_TEXT_MAX) {
		t->other++;
		return;
	}
	t->text[t->textlen++] = (char)c;
	t->text[t->textlen] = '\0';
}

static void after_iac(struct telnet_scan *t, uint8_t c)
{
	if (c == TELNET_IAC) {
		data_byte(t, c); /* an escaped 255 is data */
		t->state = ST_DATA;
		return;
	}
	t->ncmds++;
	t->cmd = c;
	t->state = c >= TELNET_WILL || c == TELNET_SB ? ST_OPT : ST_DATA;
}

static void option(struct telnet_scan *t, uint8_t c)
{
	if (t->nnegs < TELNET_OPTS_MAX)
		t->negs[t->nnegs++] = (struct telnet_neg){t->cmd, c};
	t->state = t->cmd == TELNET_SB ? ST_SB : ST_DATA;
	t->sblen = 0;
}

/* A parameter byte: real subnegotiations are a few bytes; a long one is not Telnet's. */
static void sb_byte(struct telnet_scan *t)
{
	if (++t->sblen > TELNET_SB_MAX)
		t->other++;
}

void telnet_feed(struct telnet_scan *t, const uint8_t *b, size_t len)
{
	t->bytes += len;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = b[i];
		switch (t->state) {
		case ST_DATA:
			if (c == TELNET_IAC)
				t->state = ST_IAC;
			else
				data_byte(t, c);
			break;
		case ST_IAC:
			after_iac(t, c);
			break;
		case ST_OPT:
			option(t, c);
			break;
		case ST_SB:
			/* A subnegotiation's parameters are not text: skipped up to IAC SE. */
			if (c == TELNET_IAC)
				t->state = ST_SB_IAC;
			else
				sb_byte(t);
			break;
		default: /* ST_SB_IAC: IAC SE ends it, IAC IAC is an escaped parameter byte */
			t->state = c == TELNET_SE ? ST_DATA : ST_SB;
			if (c != TELNET_SE)
				sb_byte(t);
			break;
		}
	}
}

int telnet_plausible(const struct telnet_scan *t)
{
	return (t->ncmds > 0 || t->textlen > 0) && t->other <= t->textlen;
}

const char *telnet_cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case TELNET_DO:
		return "DO";
	case TELNET_DONT:
		return "DONT";
	case TELNET_WILL:
		return "WILL";
	case TELNET_WONT:
		return "WONT";
	case TELNET_SB:
		return "SB";
	}
	return NULL;
}

const char *telnet_opt_name(uint8_t opt)
{
	switch (opt) {
	case 0:
		return "binary";
	case 1:
		return "echo";
	case 3:
		return "suppress-go-ahead";
	case 5:
		return "status";
	case 6:
		return "timing-mark";
	case 24:
		return "terminal-type";
	case 31:
		return "window-size";
	case 32:
		return "terminal-speed";
	case 33:
		return "remote-flow-control";
	case 34:
		return "linemode";
	case 35:
		return "x-display-location";
	case 36:
		return "environment";
	case 37:
		return "authentication";
	case 38:
		return "encryption";
	case 39:
		return "new-environment";
	}
	return NULL;
}
