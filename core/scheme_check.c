/* What only a whole scheme can tell (see scheme_priv.h): the headers a
 * receiver is told to read are sent, and sent once; templates name only
 * values the scheme has; a list header can be cut into its parts. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/scheme_priv.h"

/* A list header's value is parts joined by the separator, each one
 * "{signatures}" or the timestamp's part ("t={timestamp}"): a verifier
 * splits the header and reads each part alone. */
static int scheme_list_value(struct jread *p, const struct scheme *s)
{
    char ts_part[SCHEME_HEADER_NAME_MAX + 16];
    char copy[SCHEME_TEMPLATE_MAX + 1];
    size_t sep_len = strlen(s->separator);
    char *part = copy;

    for (const char *c = s->separator; *c != '\0'; c++) {
        bool in_alphabet = isalnum((unsigned char)*c) ||
                           (s->encoding == SCHEME_ENC_BASE64 && strchr("+/=", *c) != NULL);
        if (in_alphabet && (s->encoding == SCHEME_ENC_BASE64 || isxdigit((unsigned char)*c))) {
            jpath_push_key(&p->path, "signature");
            jpath_push_key(&p->path, "list");
            jread_error_at(p, "separator", "'%s' can appear inside a %s signature", s->separator,
                           s->encoding == SCHEME_ENC_HEX ? "hex" : "base64");
            return -1;
        }
    }
    if (strstr(s->element, s->separator) != NULL ||
        strstr(s->timestamp.name, s->separator) != NULL) {
        jpath_push_key(&p->path, "signature");
        jpath_push_key(&p->path, "list");
        jread_error_at(p, "separator", "'%s' appears inside a part ('%s')", s->separator,
                       strstr(s->element, s->separator) != NULL ? s->element : s->timestamp.name);
        return -1;
    }
    snprintf(ts_part, sizeof(ts_part), "%s{timestamp}", s->timestamp.name);
    snprintf(copy, sizeof(copy), "%s", s->signature_value);
    while (part != NULL) {
        char *next = strstr(part, s->separator);
        if (next != NULL) {
            *next = '\0';
        }
        if (strcmp(part, "{signatures}") != 0 &&
            !(s->timestamp.place == SCHEME_PLACE_IN_SIGNATURE && strcmp(part, ts_part) == 0)) {
            jpath_push_key(&p->path, "signature");
            jread_error_at(p, "value",
                           "'%s': with a list, each part between '%s' is {signatures}%s%s",
                           s->signature_value, s->separator,
                           s->timestamp.place == SCHEME_PLACE_IN_SIGNATURE ? " or " : "",
                           s->timestamp.place == SCHEME_PLACE_IN_SIGNATURE ? ts_part : "");
            return -1;
        }
        part = next != NULL ? next + sep_len : NULL;
    }
    if (s->timestamp.place == SCHEME_PLACE_IN_SIGNATURE &&
        strncmp(s->element, s->timestamp.name, strlen(s->timestamp.name)) == 0) {
        jpath_push_key(&p->path, "signature");
        jread_error_at(p, "list", "the element '%s' starts like the timestamp's part '%s'",
                       s->element, s->timestamp.name);
        return -1;
    }
    return 0;
}

/* What only the whole scheme can tell: templates that name a value the
 * scheme does not have. */
int scheme_check_coherent(struct jread *p, struct scheme *s)
{
    bool has_ts = s->timestamp.place != SCHEME_PLACE_NONE;
    const struct {
        const char *key;
        const struct scheme_locator *l;
        const char *value; /* the template the header must have */
    } sent[] = {{"event_id", &s->event_id, "{id}"},
                {"event_type", &s->event_type, "{type}"},
                {"delivery_id", &s->delivery_id, "{delivery_id}"}};

    /* The signature, timestamp and token headers are the scheme's to
     * write; a second line of the same name would be a second value. */
    for (size_t k = 0; k < s->n_headers; k++) {
        const char *name = s->headers[k].name;
        bool taken = (s->kind == SCHEME_HMAC && strcasecmp(name, s->signature_header) == 0) ||
                     (s->timestamp.place == SCHEME_PLACE_HEADER &&
                      strcasecmp(name, s->timestamp.name) == 0) ||
                     (s->kind == SCHEME_TOKEN && s->token.place == SCHEME_PLACE_HEADER &&
                      strcasecmp(name, s->token.name) == 0) ||
                     strcasecmp(name, "Content-Type") == 0;
        for (size_t j = 0; j < k && !taken; j++) {
            taken = strcasecmp(name, s->headers[j].name) == 0;
        }
        if (taken) {
            jpath_push_key(&p->path, "headers");
            jread_error_at(p, name,
                           "'%s' is sent twice (once here, once as another header or "
                           "by the scheme itself)",
                           name);
            return -1;
        }
    }
    /* The timestamp has a header of its own: in the signature's (or the
     * token's) it would be overwritten by it. */
    if (s->timestamp.place == SCHEME_PLACE_HEADER &&
        ((s->kind == SCHEME_HMAC && strcasecmp(s->timestamp.name, s->signature_header) == 0) ||
         strcasecmp(s->timestamp.name, "Content-Type") == 0)) {
        jpath_push_key(&p->path, "timestamp");
        jread_error_at(p, "header",
                       "'%s' already carries the signature (or the content type): the "
                       "timestamp needs a header of its own, or 'in_signature'",
                       s->timestamp.name);
        return -1;
    }
    /* Content-Type is the request's own (application/json): a signature or
     * token sent under that name would be a second value of it. */
    const char *own = s->kind == SCHEME_HMAC ? s->signature_header
                      : s->kind == SCHEME_TOKEN && s->token.place == SCHEME_PLACE_HEADER
                          ? s->token.name
                          : NULL;
    if (own != NULL && strcasecmp(own, "Content-Type") == 0) {
        jpath_push_key(&p->path, s->kind == SCHEME_HMAC ? "signature" : "token");
        jread_error_at(p, "header",
                       "'%s' is the request's content type (application/json): the %s needs a "
                       "header of its own",
                       own, s->kind == SCHEME_HMAC ? "signature" : "token");
        return -1;
    }
    /* A header a receiver is told to read must be one the sender sends. */
    for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
        bool found = sent[i].l->place != SCHEME_PLACE_HEADER;
        for (size_t k = 0; k < s->n_headers && !found; k++) {
            found = strcasecmp(s->headers[k].name, sent[i].l->name) == 0;
            if (found && strcmp(s->headers[k].value, sent[i].value) != 0) {
                jpath_push_key(&p->path, "headers");
                jread_error_at(p, s->headers[k].name, "'%s' carries the %s, so its value is '%s'",
                               s->headers[k].name, sent[i].key, sent[i].value);
                return -1;
            }
        }
        if (!found) {
            jpath_push_key(&p->path, sent[i].key);
            jread_error_at(p, "header",
                           "'%s' is not one of the headers the scheme sends "
                           "('headers')",
                           sent[i].l->name);
            return -1;
        }
    }
    if (s->kind != SCHEME_HMAC) {
        return 0;
    }
    if (!has_ts && strstr(s->signed_template, "{timestamp}") != NULL) {
        jpath_push_key(&p->path, "signature");
        jread_error_at(p, "signed", "'%s' names {timestamp}, but the scheme has no 'timestamp'",
                       s->signed_template);
        return -1;
    }
    if (!has_ts && strstr(s->signature_value, "{timestamp}") != NULL) {
        jpath_push_key(&p->path, "signature");
        jread_error_at(p, "value", "'%s' names {timestamp}, but the scheme has no 'timestamp'",
                       s->signature_value);
        return -1;
    }
    if (s->timestamp.place == SCHEME_PLACE_IN_SIGNATURE && !s->list) {
        return jread_error_at(p, "timestamp",
                              "'in_signature' needs a signature 'list' (its separator splits the "
                              "header into parts)");
    }
    if (s->list && scheme_list_value(p, s) != 0) {
        return -1;
    }
    if (s->timestamp.place == SCHEME_PLACE_IN_SIGNATURE) {
        char part[SCHEME_HEADER_NAME_MAX + 16];
        snprintf(part, sizeof(part), "%s{timestamp}", s->timestamp.name);
        if (strstr(s->signature_value, part) == NULL) {
            jpath_push_key(&p->path, "signature");
            jread_error_at(p, "value", "'%s' must hold '%s': the timestamp travels in it",
                           s->signature_value, part);
            return -1;
        }
    }
    return 0;
}
