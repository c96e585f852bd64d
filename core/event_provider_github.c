/* GitHub webhook bodies: the body of the event named by the type (what
 * GitHub sends in X-GitHub-Event), with "action" where the event has
 * actions, then "repository" and "sender". An unknown event carries only
 * repository and sender. Internal to core/event (see core/event_provider.h). */
#include <stdio.h>
#include <string.h>

#include "core/event_provider.h"

const char *const event_provider_github_types[] = {
    "push", "issues", "pull_request", "issue_comment", "release", "ping", NULL};
/* In the order of the list. */
enum { EVP_GH_PUSH, EVP_GH_ISSUES, EVP_GH_PULL, EVP_GH_COMMENT, EVP_GH_RELEASE, EVP_GH_PING };

static const char *const evp_gh_orgs[] = {"acme-corp", "octo-org", "northwind", "vambe-labs"};
static const char *const evp_gh_repos[] = {"webhook-receiver", "api-gateway", "billing", "docs",
                                           "mobile-app",       "infra"};
static const char *const evp_gh_titles[] = {
    "Retry deliveries with exponential backoff", "Crash when the payload is empty",
    "Document the signature header", "Bump jansson to 2.14", "Add a health check endpoint"};
static const char *const evp_gh_texts[] = {
    "Looks good to me, thanks!", "Can you add a test for this?", "I can reproduce this on main.",
    "Fixed in the latest commit."};

static json_t *evp_gh_user(struct rng *r, const char *login, bool org)
{
    json_int_t id = (json_int_t)rng_below(r, 150000000) + 1;
    char node[32];
    char avatar[96];
    char html[96];

    event_provider_token(r, org ? "O_kgDO" : "U_kgDO", EVP_ALNUM, 8, node, sizeof(node));
    snprintf(avatar, sizeof(avatar), "https://avatars.githubusercontent.com/u/%lld?v=4",
             (long long)id);
    snprintf(html, sizeof(html), "https://github.com/%s", login);
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:b}", "login", login, "id", id, "node_id",
                     node, "avatar_url", avatar, "html_url", html, "type",
                     org ? "Organization" : "User", "site_admin", 0);
}

/* The repository; full receives "owner/name". */
static json_t *evp_gh_repo(struct rng *r, uint64_t now_ms, char *full, size_t full_size)
{
    const char *org = EVP_PICK(r, evp_gh_orgs);
    const char *name = EVP_PICK(r, evp_gh_repos);
    json_int_t id = (json_int_t)rng_below(r, 800000000) + 1;
    int priv = rng_below(r, 2) == 0;
    char node[32];
    char html[160];
    char created[EVP_TIME_MAX];
    char pushed[EVP_TIME_MAX];
    json_t *owner;

    event_provider_token(r, "R_kgDO", EVP_ALNUM, 8, node, sizeof(node));
    event_provider_time(event_provider_ago(r, now_ms, 1000 * EVP_MS_DAY), EVP_ZULU, created,
                        sizeof(created));
    event_provider_time(event_provider_ago(r, now_ms, EVP_MS_DAY), EVP_ZULU, pushed,
                        sizeof(pushed));
    owner = evp_gh_user(r, org, true);
    snprintf(full, full_size, "%s/%s", org, name);
    snprintf(html, sizeof(html), "https://github.com/%s", full);
    return json_pack("{s:I, s:s, s:s, s:s, s:b, s:o, s:s, s:b, s:s, s:s, s:s, s:s, s:s}", "id", id,
                     "node_id", node, "name", name, "full_name", full, "private", priv, "owner",
                     owner, "html_url", html, "fork", 0, "created_at", created, "updated_at",
                     pushed, "pushed_at", pushed, "default_branch", "main", "visibility",
                     priv ? "private" : "public");
}

/* An issue or pull request's common part ("number", "title", "state"...);
 * kind is "issues" or "pull"; closed gives state "closed" and closed_at. */
static json_t *evp_gh_thread(const struct event_provider_ctx *c, const char *full, const char *kind,
                             const json_t *user, bool closed)
{
    json_int_t id = (json_int_t)rng_below(c->r, 2000000000) + 1;
    json_int_t number = (json_int_t)rng_below(c->r, 900) + 1;
    const char *title = EVP_PICK(c->r, evp_gh_titles);
    int comments = (int)rng_below(c->r, 8);
    char node[32];
    char html[200];
    char created[EVP_TIME_MAX];
    char now[EVP_TIME_MAX];

    event_provider_token(c->r, kind[0] == 'i' ? "I_kwDO" : "PR_kwDO", EVP_ALNUM, 14, node,
                         sizeof(node));
    event_provider_time(event_provider_ago(c->r, c->now_ms, 20 * EVP_MS_DAY), EVP_ZULU, created,
                        sizeof(created));
    event_provider_time(c->now_ms, EVP_ZULU, now, sizeof(now));
    snprintf(html, sizeof(html), "https://github.com/%s/%s/%lld", full, kind, (long long)number);
    return json_pack("{s:s, s:I, s:s, s:I, s:s, s:O, s:s, s:b, s:i, s:s, s:s, s:s?, s:s, s:s}",
                     "html_url", html, "id", id, "node_id", node, "number", number, "title", title,
                     "user", user, "state", closed ? "closed" : "open", "locked", 0, "comments",
                     comments, "created_at", created, "updated_at", now, "closed_at",
                     closed ? now : NULL, "author_association", "MEMBER", "body",
                     "Steps to reproduce are in the description below.");
}

static json_t *evp_gh_push(const struct event_provider_ctx *c, const char *full,
                           const struct event_provider_person *who)
{
    char before[48];
    char after[48];
    char url[240];
    char ts[EVP_TIME_MAX];
    const char *message = EVP_PICK(c->r, evp_gh_titles);
    json_t *author;
    json_t *commit;

    event_provider_token(c->r, "", EVP_HEX, 40, before, sizeof(before));
    event_provider_token(c->r, "", EVP_HEX, 40, after, sizeof(after));
    event_provider_time(event_provider_ago(c->r, c->now_ms, 600000), -240, ts, sizeof(ts));
    snprintf(url, sizeof(url), "https://github.com/%s/commit/%s", full, after);
    author = json_pack("{s:s++, s:s, s:s}", "name", who->first, " ", who->last, "email", who->mail,
                       "username", who->login);
    commit = json_pack("{s:s, s:b, s:s, s:s, s:s, s:O, s:O, s:[], s:[], s:[s]}", "id", after,
                       "distinct", 1, "message", message, "timestamp", ts, "url", url, "author",
                       author, "committer", author, "added", "removed", "modified", "README.md");
    json_decref(author);
    snprintf(url, sizeof(url), "https://github.com/%s/compare/%.12s...%.12s", full, before, after);
    return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:b, s:b, s:b, s:n, s:s, s:[O], s:o}", "ref",
                     "refs/heads/main", "before", before, "after", after, "pusher", "name",
                     who->login, "email", who->mail, "created", 0, "deleted", 0, "forced", 0,
                     "base_ref", "compare", url, "commits", commit, "head_commit", commit);
}

static json_t *evp_gh_release(const struct event_provider_ctx *c, const char *full,
                              const json_t *user, const char *action)
{
    json_int_t id = (json_int_t)rng_below(c->r, 200000000) + 1;
    unsigned minor = (unsigned)rng_below(c->r, 20);
    unsigned patch = (unsigned)rng_below(c->r, 10);
    char tag[32];
    char node[32];
    char html[200];
    char now[EVP_TIME_MAX];

    event_provider_token(c->r, "RE_kwDO", EVP_ALNUM, 14, node, sizeof(node));
    snprintf(tag, sizeof(tag), "v1.%u.%u", minor, patch);
    snprintf(html, sizeof(html), "https://github.com/%s/releases/tag/%s", full, tag);
    event_provider_time(c->now_ms, EVP_ZULU, now, sizeof(now));
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:s, s:O, s:s}", "html_url",
                     html, "id", id, "node_id", node, "tag_name", tag, "target_commitish", "main",
                     "name", tag, "draft", 0, "prerelease", strcmp(action, "prereleased") == 0,
                     "created_at", now, "published_at", now, "author", user, "body",
                     "Bug fixes and performance improvements.");
}

/* The part before repository and sender, for which's event. */
static json_t *evp_gh_event(const struct event_provider_ctx *c, const char *full,
                            const json_t *sender, const struct event_provider_person *who)
{
    static const char *const issue_acts[] = {"opened", "closed", "edited", "reopened", "labeled"};
    static const char *const pull_acts[] = {"opened", "closed", "synchronize", "reopened"};
    static const char *const comment_acts[] = {"created", "edited", "deleted"};
    static const char *const release_acts[] = {"published", "created", "released", "prereleased"};
    static const char *const zen[] = {"Design for failure.", "Speak like a human.",
                                      "Practicality beats purity.", "Keep it logically awesome."};
    const char *act;
    const char *text;
    json_int_t id;
    json_t *thread;

    switch (c->which) {
    case EVP_GH_PUSH:
        return evp_gh_push(c, full, who);
    case EVP_GH_ISSUES:
        act = EVP_PICK(c->r, issue_acts);
        return json_pack("{s:s, s:o}", "action", act, "issue",
                         evp_gh_thread(c, full, "issues", sender, strcmp(act, "closed") == 0));
    case EVP_GH_PULL:
        act = EVP_PICK(c->r, pull_acts);
        thread = evp_gh_thread(c, full, "pull", sender, strcmp(act, "closed") == 0);
        return json_pack("{s:s, s:O?, s:o}", "action", act, "number",
                         json_object_get(thread, "number"), "pull_request", thread);
    case EVP_GH_COMMENT:
        act = EVP_PICK(c->r, comment_acts);
        text = EVP_PICK(c->r, evp_gh_texts);
        id = (json_int_t)rng_below(c->r, 2000000000) + 1;
        thread = evp_gh_thread(c, full, "issues", sender, false);
        return json_pack("{s:s, s:o, s:{s:I, s:O, s:s, s:s}}", "action", act, "issue", thread,
                         "comment", "id", id, "user", sender, "body", text, "author_association",
                         "CONTRIBUTOR");
    case EVP_GH_RELEASE:
        act = EVP_PICK(c->r, release_acts);
        return json_pack("{s:s, s:o}", "action", act, "release",
                         evp_gh_release(c, full, sender, act));
    case EVP_GH_PING:
        act = EVP_PICK(c->r, zen);
        id = (json_int_t)rng_below(c->r, 500000000) + 1;
        return json_pack("{s:s, s:I, s:{s:s, s:I, s:s, s:b, s:[ss], s:{s:s, s:s, s:s}}}", "zen",
                         act, "hook_id", id, "hook", "type", "Repository", "id", id, "name", "web",
                         "active", 1, "events", "push", "pull_request", "config", "content_type",
                         "json", "insecure_ssl", "0", "url",
                         "https://receiver.example.com/webhooks/github");
    default:
        return json_object();
    }
}

json_t *event_provider_github(const struct event_provider_ctx *c)
{
    struct event_provider_person who;
    char full[96];
    json_t *repo = evp_gh_repo(c->r, c->now_ms, full, sizeof(full));
    json_t *sender = NULL;
    json_t *body = NULL;
    int rc;

    event_provider_person(c->r, &who);
    sender = evp_gh_user(c->r, who.login, false);
    body = evp_gh_event(c, full, sender, &who);
    rc = json_object_set_new(body, "repository", repo);
    rc |= json_object_set_new(body, "sender", sender);
    if (rc != 0) {
        json_decref(body);
        return NULL;
    }
    return body;
}
