/* The helpers every provider's builder shares (event_provider.c,
 * event_provider_github.c, event_provider_commerce.c): tokens drawn from an
 * alphabet, timestamps with a zone offset, times in the past, and people
 * with a name, a login and an e-mail address. Kept out of the dispatch so
 * that the builders depend on these and the dispatch on the builders, never
 * the other way round. Internal to core/event (see core/event_provider.h
 * for the rules every builder keeps: these draw from the caller's rng in a
 * fixed order). */
#include "core/event_provider.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const evp_first[] = {"Emily", "James", "Olivia", "Michael", "Sarah",
                                        "David", "Lucas", "Ana",    "Kenji",   "Priya"};
static const char *const evp_last[] = {"Smith",  "Johnson", "Brown",  "Garcia", "Taylor",
                                       "Muller", "Rossi",   "Tanaka", "Silva",  "Nguyen"};
static const char *const evp_domains[] = {"gmail.com", "outlook.com", "example.com", "acme.io"};

void event_provider_token(struct rng *r, const char *prefix, const char *alphabet, size_t n,
                          char *out, size_t size)
{
    size_t len = strlen(alphabet);
    size_t i;

    snprintf(out, size, "%s", prefix);
    for (i = strlen(out); n > 0 && i + 1 < size; n--) {
        out[i++] = alphabet[rng_below(r, len)];
    }
    out[i] = '\0';
}

void event_provider_time(uint64_t ms, int offset_min, char *out, size_t size)
{
    int off = offset_min == EVP_ZULU ? 0 : offset_min;
    time_t t = (time_t)(ms / 1000u) + (time_t)off * 60;
    struct tm tm;
    char zone[16] = "Z";

    gmtime_r(&t, &tm);
    if (offset_min != EVP_ZULU) {
        snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60,
                 abs(off) % 60);
    }
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
}

uint64_t event_provider_ago(struct rng *r, uint64_t now_ms, uint64_t max_ms)
{
    uint64_t d = rng_below(r, max_ms);

    return d > now_ms ? 0 : now_ms - d;
}

static void evp_lower(char *s)
{
    for (; *s != '\0'; s++) {
        *s = (char)tolower((unsigned char)*s);
    }
}

void event_provider_person(struct rng *r, struct event_provider_person *p)
{
    const char *first = EVP_PICK(r, evp_first);
    const char *last = EVP_PICK(r, evp_last);
    unsigned n = (unsigned)rng_below(r, 100);
    const char *domain = EVP_PICK(r, evp_domains);

    snprintf(p->first, sizeof(p->first), "%s", first);
    snprintf(p->last, sizeof(p->last), "%s", last);
    snprintf(p->login, sizeof(p->login), "%s-%s%u", first, last, n);
    snprintf(p->mail, sizeof(p->mail), "%s.%s%u@%s", first, last, n, domain);
    evp_lower(p->login);
    evp_lower(p->mail);
}
