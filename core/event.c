/* Delivery bodies for Vambe topic events (DESIGN §4).
 *
 * Every generated value is drawn from the caller's rng in a fixed order and
 * every time is derived from now_ms, so the same seed, topic, override and
 * time give the same bytes. The data object is always built in the
 * documented (snake_case) shape first; the legacy profile renames its keys
 * afterwards (event_legacy.c), so both profiles carry the same values for
 * one seed. Other providers' profiles are built in core/event_provider*.c;
 * this file has the caller's inputs checked (event_check.c) for every
 * profile and dispatches. */
#include "core/event.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/event_check.h"
#include "core/event_legacy.h"
#include "core/event_provider.h"
#include "core/jsonh.h"
#include "core/topics.h"

#define EVENT_ISO_MAX 32
#define EVENT_KEY_MAX 64

#define MS_PER_HOUR (3600ull * 1000ull)
#define MS_PER_DAY  (24ull * MS_PER_HOUR)

#define PICK(r, table) ((table)[rng_below((r), sizeof(table) / sizeof((table)[0]))])

/* A name part and its ASCII spelling (for e-mail addresses). */
struct event_name_part {
    const char *text;
    const char *ascii;
};

static const struct event_name_part event_es_first[] = {
    {"María", "maria"},       {"José", "jose"},           {"Sofía", "sofia"},
    {"Matías", "matias"},     {"Valentina", "valentina"}, {"Benjamín", "benjamin"},
    {"Catalina", "catalina"}, {"Joaquín", "joaquin"},     {"Fernanda", "fernanda"},
    {"Ignacio", "ignacio"},   {"Martina", "martina"},     {"Tomás", "tomas"},
};
static const struct event_name_part event_es_last[] = {
    {"González", "gonzalez"},   {"Muñoz", "munoz"}, {"Rojas", "rojas"},
    {"Díaz", "diaz"},           {"Pérez", "perez"}, {"Soto", "soto"},
    {"Contreras", "contreras"}, {"Silva", "silva"}, {"Martínez", "martinez"},
    {"Sepúlveda", "sepulveda"}, {"Núñez", "nunez"}, {"Fuentes", "fuentes"},
};
static const struct event_name_part event_en_first[] = {
    {"Emily", "emily"},     {"James", "james"}, {"Olivia", "olivia"},
    {"Michael", "michael"}, {"Sarah", "sarah"}, {"David", "david"},
};
static const struct event_name_part event_en_last[] = {
    {"Smith", "smith"},       {"Johnson", "johnson"}, {"Brown", "brown"},
    {"Williams", "williams"}, {"Taylor", "taylor"},   {"O'Connor", "oconnor"},
};

static const char *const event_mail_domains[] = {"gmail.com", "hotmail.com", "outlook.com",
                                                 "yahoo.com", "empresa.cl",  "example.com"};

/* Inbound bodies (a contact writes) and outbound ones (the team answers);
 * several carry emoji so receivers meet 4-byte UTF-8 sequences. */
static const char *const event_inbound_bodies[] = {
    "Hola, ¿tienen disponibilidad para mañana?",
    "Hola! Quiero cotizar el plan mensual 🙌",
    "¿Cuál es el horario de atención?",
    "Gracias por la info 👍",
    "Buenas tardes, necesito ayuda con mi pedido #4821",
    "Perfecto, nos vemos el jueves 😊",
    "Hi! Do you ship to Valparaíso?",
    "Can I move my appointment to Friday? 🙏",
    "Me llegó el producto dañado 😞 ¿qué hago?",
    "ok",
};
static const char *const event_outbound_bodies[] = {
    "¡Hola! Tenemos horas mañana a las 10:00 y a las 15:30 📅",
    "Te enviamos el link de pago por aquí 💳",
    "Hi! Your order is on its way 🚚",
    "Gracias por escribirnos, un ejecutivo te contactará pronto 😊",
    "Tu ticket fue resuelto ✅",
    "Thanks for reaching out, how can we help?",
};

/* Weighted by repetition: most traffic is WhatsApp text. */
static const char *const event_platforms[] = {"whatsapp", "whatsapp",  "whatsapp", "instagram",
                                              "webchat",  "messenger", "sms"};
static const char *const event_all_platforms[] = {"whatsapp", "instagram", "webchat", "messenger",
                                                  "sms"};
static const char *const event_message_types[] = {"text", "text", "text", "text", "text",
                                                  "text", "text", "text", "text", "image"};
static const char *const event_chat_statuses[] = {"UNATTENDED", "ATTENDED", "CLOSED"};
static const char *const event_open_statuses[] = {"open", "in_progress", "pending"};
static const char *const event_priorities[] = {"low", "medium", "high", "urgent"};
static const char *const event_outcomes[] = {"won", "lost", "resolved"};
static const char *const event_stage_names[] = {
    "Nuevo lead",  "Contactado", "Calificado", "Propuesta enviada",
    "Negociación", "Ganado",     "Perdido"};
static const char *const event_sources[] = {"whatsapp_ads", "instagram_ads", "landing_page",
                                            "referral", "walk_in"};
static const char *const event_campaigns[] = {"verano-2024", "black-friday", "cyber-day",
                                              "evergreen"};
static const char *const event_branches[] = {"Santiago Centro", "Providencia", "Viña del Mar",
                                             "Concepción"};

/* ---- small builders: each returns 0 or -1 (only out of memory) ---- */

static int event_put(json_t *o, const char *key, json_t *v)
{
    /* Steals v. json_object_set_new returns -1 when v is NULL (a failed
     * jansson constructor) and releases v when o is NULL, so callers can
     * chain constructors and check one result. */
    return json_object_set_new(o, key, v);
}

/* Only for the builder's own text: table entries (UTF-8 literals), ids,
 * times and digits it formats, the topic and id event_check_* accepted.
 * jansson's check would only repeat that; it was a tenth of the CPU of
 * building an event. */
static int event_put_str(json_t *o, const char *key, const char *s)
{
    return event_put(o, key, json_string_nocheck(s));
}

static int event_put_uuid(json_t *o, const char *key, struct rng *r)
{
    char uuid[IDS_UUID_LEN + 1];

    ids_uuid4(r, uuid);
    return event_put_str(o, key, uuid);
}

static int event_put_time(json_t *o, const char *key, uint64_t ms)
{
    char iso[EVENT_ISO_MAX];

    clock_iso8601(ms, iso, sizeof(iso));
    return event_put_str(o, key, iso);
}

static uint64_t event_before(uint64_t now_ms, uint64_t delta_ms)
{
    return delta_ms > now_ms ? 0 : now_ms - delta_ms;
}

/* A time between 1 hour and 30 days before now: when a ticket or contact
 * that is being updated was created. */
static uint64_t event_past(struct rng *r, uint64_t now_ms)
{
    return event_before(now_ms, MS_PER_HOUR + rng_below(r, 30 * MS_PER_DAY));
}

/* A full name, and an e-mail address made from it when mail is not NULL. */
static void event_person(struct rng *r, char *name, size_t name_size, char *mail, size_t mail_size)
{
    bool es = rng_below(r, 4) != 0; /* three in four contacts are Chilean */
    const struct event_name_part *first = es ? &PICK(r, event_es_first) : &PICK(r, event_en_first);
    const struct event_name_part *last = es ? &PICK(r, event_es_last) : &PICK(r, event_en_last);
    unsigned digits = (unsigned)rng_below(r, 100);
    const char *domain = PICK(r, event_mail_domains);

    snprintf(name, name_size, "%s %s", first->text, last->text);
    if (mail != NULL) {
        snprintf(mail, mail_size, "%s.%s%02u@%s", first->ascii, last->ascii, digits, domain);
    }
}

/* A Chilean mobile number in E.164: +569 and eight digits. */
static void event_phone(struct rng *r, char *out, size_t out_size)
{
    snprintf(out, out_size, "+569%08llu", (unsigned long long)rng_below(r, 100000000ull));
}

/* Picks an entry of table other than current. */
static const char *event_other(struct rng *r, const char *const *table, size_t n,
                               const char *current)
{
    size_t i;
    size_t start = (size_t)rng_below(r, n);

    for (i = 0; i < n; i++) {
        const char *c = table[(start + i) % n];
        if (strcmp(c, current) != 0) {
            return c;
        }
    }
    return current;
}

#define EVENT_OTHER(r, table, cur)                                                                 \
    event_other((r), (table), sizeof(table) / sizeof((table)[0]), (cur))

/* {"previous": prev, "current": <data's value of key>} under changes[key]. */
static int event_change(json_t *changes, const json_t *data, const char *key, json_t *prev)
{
    json_t *c = json_object();
    int rc = 0;

    rc |= event_put(c, "previous", prev);
    rc |= event_put(c, "current", json_deep_copy(json_object_get(data, key)));
    rc |= event_put(changes, key, c);
    return rc;
}

/* ---- data objects per kind, fields in the order of the DESIGN table ---- */

static int event_data_message(json_t *d, struct rng *r, uint64_t now_ms, bool inbound)
{
    char name[128];
    char phone[32];
    int rc = 0;

    event_person(r, name, sizeof(name), NULL, 0);
    event_phone(r, phone, sizeof(phone));
    rc |= event_put_uuid(d, "contact_id", r);
    rc |= event_put_str(d, "contact_name", name);
    rc |= event_put_str(d, "contact_phone", phone);
    rc |= event_put_uuid(d, "message_id", r);
    rc |= event_put_str(d, "message_body",
                        inbound ? PICK(r, event_inbound_bodies) : PICK(r, event_outbound_bodies));
    rc |= event_put_str(d, "message_type", PICK(r, event_message_types));
    rc |= event_put_str(d, "platform", PICK(r, event_platforms));
    rc |= event_put_str(d, "direction", inbound ? "inbound" : "outbound");
    rc |= event_put_uuid(d, "stage_id", r);
    rc |= event_put_uuid(d, "pipeline_id", r);
    rc |= event_put_time(d, "created_at", event_before(now_ms, rng_below(r, 3000)));
    return rc;
}

static int event_metadata(json_t *d, struct rng *r)
{
    json_t *m = json_object();
    int rc = 0;

    rc |= event_put_str(m, "source", PICK(r, event_sources));
    rc |= event_put_str(m, "campaign", PICK(r, event_campaigns));
    if (rng_below(r, 2) == 0) {
        rc |= event_put_str(m, "branch", PICK(r, event_branches));
    }
    rc |= event_put(d, "metadata", m);
    return rc;
}

/* which: 0 created, 1 updated, 2 closed. */
static int event_data_ticket(json_t *d, struct rng *r, uint64_t now_ms, int which)
{
    bool clp = rng_below(r, 10) < 7;
    uint64_t created =
        which == 0 ? event_before(now_ms, rng_below(r, 5000)) : event_past(r, now_ms);
    const char *status = which == 0 ? "open" : which == 2 ? "closed" : PICK(r, event_open_statuses);
    json_int_t amount =
        clp ? (json_int_t)(rng_below(r, 2000) + 5) * 1000 : (json_int_t)rng_below(r, 4990) + 10;
    int rc = 0;

    rc |= event_put_uuid(d, "ticket_id", r);
    rc |= event_put_uuid(d, "contact_id", r);
    rc |= event_put_uuid(d, "pipeline_id", r);
    rc |= event_put_uuid(d, "stage_id", r);
    rc |= event_put_str(d, "status", status);
    rc |= event_put_uuid(d, "assignee_id", r);
    rc |= event_put_str(d, "priority", PICK(r, event_priorities));
    rc |= event_put(d, "amount", json_integer(amount));
    rc |= event_put_str(d, "currency", clp ? "CLP" : "USD");
    rc |= event_metadata(d, r);
    rc |= event_put_time(d, "created_at", created);
    rc |= event_put_time(d, "updated_at", which == 0 ? created : now_ms);
    if (which == 1) {
        json_t *changes = json_object();
        char uuid[IDS_UUID_LEN + 1];
        uint64_t pick = rng_below(r, 4);

        if (pick == 0 || pick == 3) {
            rc |= event_change(changes, d, "status",
                               json_string(EVENT_OTHER(r, event_open_statuses, status)));
        }
        if (pick == 1 || pick == 3) {
            ids_uuid4(r, uuid);
            rc |= event_change(changes, d, "assignee_id", json_string(uuid));
        }
        if (pick == 2) {
            const char *prio = json_string_value(json_object_get(d, "priority"));
            rc |= event_change(changes, d, "priority",
                               json_string(EVENT_OTHER(r, event_priorities, prio ? prio : "")));
        }
        rc |= event_put(d, "changes", changes);
    } else if (which == 2) {
        rc |= event_put_time(d, "closed_at", now_ms);
        rc |= event_put_str(d, "outcome", PICK(r, event_outcomes));
    }
    return rc;
}

static int event_data_contact(json_t *d, struct rng *r, uint64_t now_ms, bool updated)
{
    char name[128];
    char mail[128];
    char phone[32];
    uint64_t created = updated ? event_past(r, now_ms) : event_before(now_ms, rng_below(r, 5000));
    const char *status = updated ? PICK(r, event_chat_statuses) : "UNATTENDED";
    int rc = 0;

    event_person(r, name, sizeof(name), mail, sizeof(mail));
    event_phone(r, phone, sizeof(phone));
    rc |= event_put_uuid(d, "contact_id", r);
    rc |= event_put_str(d, "name", name);
    rc |= event_put_str(d, "phone", phone);
    rc |= event_put_str(d, "email", mail);
    rc |= event_put_str(d, "platform", PICK(r, event_all_platforms));
    rc |= event_put_str(d, "chat_status", status);
    rc |= event_put_time(d, "created_at", created);
    rc |= event_put_time(d, "updated_at", updated ? now_ms : created);
    if (updated) {
        json_t *changes = json_object();
        char old_name[128];
        char old_mail[128];

        if (rng_below(r, 2) == 0) {
            rc |= event_change(changes, d, "chat_status",
                               json_string(EVENT_OTHER(r, event_chat_statuses, status)));
        } else {
            int tries = 0;

            /* A few draws at most: two addresses rarely collide. */
            do {
                event_person(r, old_name, sizeof(old_name), old_mail, sizeof(old_mail));
            } while (strcmp(old_mail, mail) == 0 && ++tries < 8);
            rc |= event_change(changes, d, "email", json_string(old_mail));
        }
        rc |= event_put(d, "changes", changes);
    }
    return rc;
}

static int event_data_stage(json_t *d, struct rng *r, uint64_t now_ms)
{
    const size_t n = sizeof(event_stage_names) / sizeof(event_stage_names[0]);
    size_t prev = (size_t)rng_below(r, n);
    size_t next = (prev + 1 + (size_t)rng_below(r, n - 1)) % n;
    char name[128];
    int rc = 0;

    event_person(r, name, sizeof(name), NULL, 0);
    rc |= event_put_uuid(d, "contact_id", r);
    rc |= event_put_str(d, "contact_name", name);
    rc |= event_put_uuid(d, "pipeline_id", r);
    rc |= event_put_uuid(d, "previous_stage_id", r);
    rc |= event_put_str(d, "previous_stage_name", event_stage_names[prev]);
    rc |= event_put_uuid(d, "new_stage_id", r);
    rc |= event_put_str(d, "new_stage_name", event_stage_names[next]);
    rc |= event_put_uuid(d, "ticket_id", r);
    rc |= event_put_time(d, "changed_at", now_ms);
    return rc;
}

/* A topic the kit does not know (a future one): a small generic object. */
static int event_data_generic(json_t *d, struct rng *r, uint64_t now_ms)
{
    int rc = 0;

    rc |= event_put_uuid(d, "object_id", r);
    rc |= event_put_uuid(d, "contact_id", r);
    rc |= event_put_str(d, "note", "generated for a topic outside the catalogue");
    rc |= event_put_time(d, "created_at", now_ms);
    return rc;
}

/* t is NULL for an unknown topic. Returns a new object, or NULL. */
static json_t *event_data(const struct topic *t, struct rng *r, uint64_t now_ms)
{
    json_t *d = json_object();
    int rc = -1;

    if (d == NULL) {
        return NULL;
    }
    if (t == NULL) {
        rc = event_data_generic(d, r, now_ms);
    } else if (t->kind == TOPIC_KIND_MESSAGE) {
        rc = event_data_message(d, r, now_ms, strcmp(t->name, "message.received") == 0);
    } else if (t->kind == TOPIC_KIND_TICKET) {
        int which = strcmp(t->name, "ticket.updated") == 0  ? 1
                    : strcmp(t->name, "ticket.closed") == 0 ? 2
                                                            : 0;
        rc = event_data_ticket(d, r, now_ms, which);
    } else if (t->kind == TOPIC_KIND_CONTACT) {
        rc = event_data_contact(d, r, now_ms, strcmp(t->name, "contact.updated") == 0);
    } else {
        rc = event_data_stage(d, r, now_ms);
    }
    if (rc != 0) {
        json_decref(d);
        return NULL;
    }
    return d;
}

/* ---- assembly ---- */

static json_t *event_root(const char *topic, const char *id, const json_t *override,
                          enum event_profile profile, struct rng *r, uint64_t now_ms)
{
    json_t *root = json_object();
    json_t *data = event_data(topics_find(topic), r, now_ms);
    json_t *copy = NULL;
    char iso[EVENT_ISO_MAX];
    int rc = -1;

    if (root == NULL || data == NULL) {
        goto out;
    }
    if (profile == EVENT_PROFILE_LEGACY) {
        const struct topic *t = topics_find(topic);
        json_t *legacy = event_legacy_data(data, t != NULL && t->kind == TOPIC_KIND_MESSAGE);

        if (legacy == NULL) {
            goto out;
        }
        if (event_put_str(root, "type", topic) != 0 ||
            event_put(root, "aiContactId", json_deep_copy(json_object_get(data, "contact_id"))) !=
                0) {
            json_decref(legacy);
            goto out;
        }
        json_decref(data);
        data = legacy;
    } else {
        clock_iso8601(now_ms, iso, sizeof(iso));
        if (event_put_str(root, "id", id) != 0 || event_put_str(root, "event", topic) != 0 ||
            event_put_str(root, "timestamp", iso) != 0) {
            goto out;
        }
    }
    if (override != NULL) {
        /* A deep copy: the caller's override is const and may be shared. */
        copy = json_deep_copy(override);
        if (copy == NULL || json_object_update(data, copy) != 0) {
            goto out;
        }
    }
    rc = json_object_set(root, "data", data);
out:
    json_decref(copy);
    json_decref(data);
    if (rc != 0) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* id is NULL to draw one from r. The rng is advanced the same way in both
 * cases, so rebuilding an event with its own id and seed gives its bytes.
 * checked: the override passed event_check_override already. */
static int event_make(const char *topic, const char *id, const json_t *override, bool checked,
                      enum event_profile profile, struct rng *r, uint64_t now_ms, struct event *out,
                      struct err *e)
{
    char drawn[EVENT_ID_MAX + 1];
    bool provider = event_provider_is(profile);
    json_t *root = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (event_check_topic(topic, e) != 0 ||
        (id != NULL && event_check_id(id, provider ? EVENT_ID_MAX : IDS_EVENT_ID_LEN, e) != 0) ||
        (!checked && event_check_override(override, e) != 0)) {
        return -1;
    }
    if (!provider && profile != EVENT_PROFILE_DOCUMENTED && profile != EVENT_PROFILE_LEGACY) {
        return err_set(e, "profile: unknown payload profile %d", (int)profile);
    }
    if (provider) {
        event_provider_id(profile, r, drawn);
    } else {
        ids_event_id(r, drawn);
    }
    snprintf(out->id, sizeof(out->id), "%s", id != NULL ? id : drawn);
    snprintf(out->topic, sizeof(out->topic), "%s", topic);
    out->created_ms = now_ms;
    root = provider ? event_provider_root(profile, topic, out->id, override, r, now_ms)
                    : event_root(topic, out->id, override, profile, r, now_ms);
    if (root == NULL) {
        err_set(e, "data: cannot build the event body (out of memory?)");
        goto out;
    }
    out->body = jsonh_dump(root, &out->body_len);
    /* Guarantee: the body is one valid JSON object whatever the override.
     * jsonh_dump writes "null" when jansson cannot dump a value, and
     * jansson's dump refuses a string that is not valid UTF-8, and
     * event_check_override refused such a key (the only invalid text a
     * caller can put in a json_t: json_real refuses NaN and infinities),
     * so a body that opens with '{' is jansson's own dump
     * of root, an object, and valid JSON; it is not parsed again (for a
     * large override the re-parse was half the CPU of a trigger). */
    if (out->body_len < 2 || out->body[0] != '{' || out->body[out->body_len - 1] != '}') {
        err_set(e, "data: the override does not serialize to valid JSON");
        goto out;
    }
    rc = 0;
out:
    json_decref(root);
    if (rc != 0) {
        event_cleanup(out);
    }
    return rc;
}

int event_build(const char *topic, const json_t *override, enum event_profile profile,
                struct rng *rng, uint64_t now_ms, struct event *out, struct err *e)
{
    return event_make(topic, NULL, override, false, profile, rng, now_ms, out, e);
}

int event_override_check(const json_t *override, struct event_override *out, struct err *e)
{
    out->data = NULL;
    if (event_check_override(override, e) != 0) {
        return -1;
    }
    out->data = override;
    return 0;
}

int event_build_checked(const char *topic, const struct event_override *override,
                        enum event_profile profile, struct rng *rng, uint64_t now_ms,
                        struct event *out, struct err *e)
{
    return event_make(topic, NULL, override->data, true, profile, rng, now_ms, out, e);
}

int event_build_with_id(const char *topic, const char *event_id, const json_t *override,
                        enum event_profile profile, struct rng *rng, uint64_t now_ms,
                        struct event *out, struct err *e)
{
    if (event_id == NULL || event_id[0] == '\0') {
        memset(out, 0, sizeof(*out));
        return err_set(e, "event_id: must not be empty");
    }
    return event_make(topic, event_id, override, false, profile, rng, now_ms, out, e);
}

void event_cleanup(struct event *ev)
{
    if (ev == NULL) {
        return;
    }
    free(ev->body);
    memset(ev, 0, sizeof(*ev));
}
