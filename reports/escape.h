/* Escaping for the report writers.
 *
 * Everything that came from a receiver (bodies, headers, reasons quoting
 * them) may hold any byte: NUL, control characters, invalid UTF-8, markup.
 * These functions turn such bytes into text each output format accepts:
 *
 *   - invalid UTF-8 (stray continuation bytes, overlong forms, surrogates,
 *     code points past U+10FFFF, a sequence cut short) becomes U+FFFD, one
 *     replacement character per offending byte;
 *   - control characters that XML 1.0 forbids (C0 except tab, LF and CR),
 *     DEL and the C1 range are shown as their bytes, "\x00", "\xC2\x85",
 *     so a reader still sees what the receiver sent; CR before LF is dropped;
 *   - Unicode noncharacters (U+FFFE, U+FFFF, U+FDD0..U+FDEF, ...) become
 *     U+FFFD, since XML forbids some and HTML flags all;
 *   - markup and Markdown special characters are escaped for their format.
 *
 * All functions write to a stream and never fail themselves: the caller
 * checks ferror() once at the end. */
#ifndef REPORTS_ESCAPE_H
#define REPORTS_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* How many bytes of one body the HTML, JUnit and Markdown reports show. */
#define RP_ESCAPE_BODY_CAP 4096

enum rp_escape_mode {
    RP_ESCAPE_TEXT, /* element content: LF and tab kept as is */
    RP_ESCAPE_ATTR  /* attribute value: LF and tab as character references */
};

/* Decodes the UTF-8 sequence at p (len > 0 bytes available). Returns its
 * length (1-4) and stores the code point in *cp, or returns 0 when the bytes
 * at p do not start a valid shortest-form sequence (the caller then treats
 * one byte as invalid). */
size_t rp_escape_utf8_decode(const unsigned char *p, size_t len, uint32_t *cp);

/* The length of the longest prefix of s[0..len) that is at most cap bytes
 * and does not end inside a UTF-8 sequence. */
size_t rp_escape_cut(const char *s, size_t len, size_t cap);

/* Writes s[0..len) as XML 1.0 / HTML text: & < > " ' as entities, plus the
 * replacements above. The output is safe in element content and in quoted
 * attribute values, and never contains "]]>", "<!--" or "</script". */
void rp_escape_markup(FILE *f, const char *s, size_t len, enum rp_escape_mode mode);
/* Same for a NUL-terminated string; NULL writes nothing. */
void rp_escape_markup_str(FILE *f, const char *s);
/* Writes ` name="value"` with value escaped (NULL: empty), and a JUnit
 * `<property name=".." value=".."/>` line, for the JUnit writers. */
void rp_escape_xml_attr(FILE *f, const char *name, const char *value);
void rp_escape_xml_property(FILE *f, const char *name, const char *value);

/* Writes s[0..len) as one line of Markdown text (a table cell, a heading):
 * line breaks and tabs become spaces, Markdown punctuation is
 * backslash-escaped (so "|" cannot split a table cell nor "`" open a code
 * span), and < > & become entities, so no receiver data turns into HTML. */
void rp_escape_md_inline(FILE *f, const char *s, size_t len);
/* Same for a NUL-terminated string; NULL writes nothing. */
void rp_escape_md_inline_str(FILE *f, const char *s);

/* Writes s[0..len) as a fenced Markdown code block ("```text" ... "```"),
 * the fence made longer than any run of backticks in s so s cannot close
 * it. Inside a code block nothing is interpreted, so only the UTF-8 and
 * control replacements apply. Ends with a line break. */
void rp_escape_md_code(FILE *f, const char *s, size_t len);

/* Returns a valid UTF-8 copy of s[0..len) (NUL-terminated, the caller
 * frees it with free()): invalid bytes become U+FFFD, everything else,
 * NUL bytes and control characters included, is kept. *out_len receives
 * the copy's length; *replaced (may be NULL) the number of bytes replaced. */
char *rp_escape_utf8(const char *s, size_t len, size_t *out_len, size_t *replaced);

/* Returns data[0..len) in standard base64 with padding, NUL-terminated;
 * the caller frees it with free(). */
char *rp_escape_base64(const void *data, size_t len);

#endif
