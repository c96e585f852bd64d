/* Escaping for the report writers: UTF-8 repair, markup, Markdown, base64. */
#include "reports/escape.h"

#include <stdbool.h>
#include <string.h>

#include "core/xalloc.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD in UTF-8 */

/* What one step through the input found. */
enum tok {
    TOK_CHAR,    /* a character every format accepts as text */
    TOK_INVALID, /* one byte that is not valid UTF-8 */
    TOK_CONTROL, /* a control character: shown as its bytes */
    TOK_NONCHAR, /* a Unicode noncharacter: replaced */
    TOK_DROP     /* CR before LF: dropped */
};

size_t rp_escape_utf8_decode(const unsigned char *p, size_t len, uint32_t *cp)
{
    unsigned char c = p[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1Fu;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        v = c & 0x0Fu;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        v = (v << 6) | (p[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        return 0;
    }
    *cp = v;
    return n;
}

static bool is_nonchar(uint32_t cp)
{
    return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

/* Classifies the next character of p[0..len); returns how many bytes it
 * takes (at least 1). */
static size_t next_token(const unsigned char *p, size_t len, uint32_t *cp, enum tok *kind)
{
    size_t n = rp_escape_utf8_decode(p, len, cp);
    if (n == 0) {
        *kind = TOK_INVALID;
        return 1;
    }
    if (*cp == '\r' && len > 1 && p[1] == '\n') {
        *kind = TOK_DROP;
    } else if ((*cp < 0x20 && *cp != '\t' && *cp != '\n') || (*cp >= 0x7F && *cp <= 0x9F)) {
        *kind = TOK_CONTROL;
    } else if (is_nonchar(*cp)) {
        *kind = TOK_NONCHAR;
    } else {
        *kind = TOK_CHAR;
    }
    return n;
}

/* Shows bytes as "\xNN" each. */
static void put_visible(FILE *f, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "\\x%02X", p[i]);
    }
}

size_t rp_escape_cut(const char *s, size_t len, size_t cap)
{
    if (len <= cap) {
        return len;
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t n = cap;
    /* p[cap] is the first byte left out: when it continues a sequence,
     * back up to that sequence's lead byte (at most 3 bytes back). */
    for (int i = 0; i < 3 && n > 0 && (p[n] & 0xC0) == 0x80; i++) {
        n--;
    }
    return (p[n] & 0xC0) == 0x80 ? cap : n;
}

/* The entity for a markup special character, or NULL. */
static const char *markup_entity(uint32_t cp, enum rp_escape_mode mode)
{
    switch (cp) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    case '\n':
        return mode == RP_ESCAPE_ATTR ? "&#10;" : NULL;
    case '\t':
        return mode == RP_ESCAPE_ATTR ? "&#9;" : NULL;
    default:
        return NULL;
    }
}

void rp_escape_markup(FILE *f, const char *s, size_t len, enum rp_escape_mode mode)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* start of the pending run of plain characters */
    size_t i = 0;
    while (i < len) {
        uint32_t cp = 0;
        enum tok kind;
        size_t n = next_token(p + i, len - i, &cp, &kind);
        const char *entity = kind == TOK_CHAR ? markup_entity(cp, mode) : NULL;
        if (kind == TOK_CHAR && entity == NULL) {
            i += n;
            continue;
        }
        fwrite(p + run, 1, i - run, f);
        if (entity != NULL) {
            fputs(entity, f);
        } else if (kind == TOK_CONTROL) {
            put_visible(f, p + i, n);
        } else if (kind != TOK_DROP) {
            fputs(REPLACEMENT, f);
        }
        i += n;
        run = i;
    }
    fwrite(p + run, 1, len - run, f);
}

void rp_escape_markup_str(FILE *f, const char *s)
{
    if (s != NULL) {
        rp_escape_markup(f, s, strlen(s), RP_ESCAPE_TEXT);
    }
}

void rp_escape_xml_attr(FILE *f, const char *name, const char *value)
{
    fprintf(f, " %s=\"", name);
    if (value != NULL) {
        rp_escape_markup(f, value, strlen(value), RP_ESCAPE_ATTR);
    }
    fputc('"', f);
}

void rp_escape_xml_property(FILE *f, const char *name, const char *value)
{
    fputs("      <property", f);
    rp_escape_xml_attr(f, "name", name);
    rp_escape_xml_attr(f, "value", value != NULL ? value : "");
    fputs("/>\n", f);
}

/* ASCII characters that mean something in inline Markdown (GitHub's
 * flavour: tables, code spans, emphasis, links, strikethrough, headings'
 * closing hashes, mentions, math): each gets a backslash. */
static const char md_punct[] = "\\`*_[]|~#@$";

void rp_escape_md_inline(FILE *f, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp = 0;
        enum tok kind;
        size_t n = next_token(p + i, len - i, &cp, &kind);
        if (kind == TOK_CONTROL) {
            /* "\\xNN" in the source renders as the visible text "\xNN". */
            for (size_t k = 0; k < n; k++) {
                fprintf(f, "\\\\x%02X", p[i + k]);
            }
        } else if (kind == TOK_INVALID || kind == TOK_NONCHAR) {
            fputs(REPLACEMENT, f);
        } else if (kind == TOK_DROP) {
            /* CR before LF: the LF becomes the space */
        } else if (cp == '&') {
            fputs("&amp;", f);
        } else if (cp == '<') {
            fputs("&lt;", f);
        } else if (cp == '>') {
            fputs("&gt;", f);
        } else if (cp == '\n' || cp == '\t') {
            fputc(' ', f);
        } else if (cp < 0x80 && strchr(md_punct, (int)cp) != NULL) {
            fputc('\\', f);
            fputc((int)cp, f);
        } else {
            fwrite(p + i, 1, n, f);
        }
        i += n;
    }
}

void rp_escape_md_inline_str(FILE *f, const char *s)
{
    if (s != NULL) {
        rp_escape_md_inline(f, s, strlen(s));
    }
}

void rp_escape_md_code(FILE *f, const char *s, size_t len)
{
    size_t longest = 0, cur = 0;
    for (size_t i = 0; i < len; i++) {
        cur = s[i] == '`' ? cur + 1 : 0;
        if (cur > longest) {
            longest = cur;
        }
    }
    size_t fence = longest >= 3 ? longest + 1 : 3;
    for (size_t i = 0; i < fence; i++) {
        fputc('`', f);
    }
    fputs("text\n", f);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp = 0;
        enum tok kind;
        size_t n = next_token(p + i, len - i, &cp, &kind);
        if (kind == TOK_CHAR) {
            fwrite(p + i, 1, n, f);
        } else if (kind == TOK_CONTROL) {
            put_visible(f, p + i, n);
        } else if (kind != TOK_DROP) {
            fputs(REPLACEMENT, f);
        }
        i += n;
    }
    if (len > 0 && s[len - 1] != '\n') {
        fputc('\n', f);
    }
    for (size_t k = 0; k < fence; k++) {
        fputc('`', f);
    }
    fputc('\n', f);
}

char *rp_escape_utf8(const char *s, size_t len, size_t *out_len, size_t *replaced)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t bad = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = rp_escape_utf8_decode(p + i, len - i, &cp);
        bad += n == 0;
        i += n ? n : 1;
    }
    /* Each bad byte (1) becomes U+FFFD (3): 2 more bytes each. */
    size_t total = len + 2 * bad;
    char *out = xmalloc(total + 1);
    size_t o = 0;
    i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = rp_escape_utf8_decode(p + i, len - i, &cp);
        if (n == 0) {
            memcpy(out + o, REPLACEMENT, 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, p + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    *out_len = o;
    if (replaced != NULL) {
        *replaced = bad;
    }
    return out;
}

char *rp_escape_base64(const void *data, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    char *out = xmalloc((len + 2) / 3 * 4 + 1);
    size_t o = 0;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < len) {
            v |= (uint32_t)p[i + 1] << 8;
        }
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}
