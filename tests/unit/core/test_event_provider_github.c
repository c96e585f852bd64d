/* core/event_provider_github.c: GitHub bodies, every listed event and an
 * unknown one: the sender and repository objects, the action, the fields
 * each event has, the delivery id (a UUID v4). */
#include "event_provider_check.h"

#include "core/ids.h"

static void check_github_actors(const json_t *root)
{
    const json_t *sender = obj_of(root, "sender");
    const json_t *repo = obj_of(root, "repository");
    const json_t *owner = obj_of(repo, "owner");
    char full[128];
    char html[160];

    assert_true(strlen(str_of(sender, "login")) > 0);
    assert_true(int_of(sender, "id") > 0);
    assert_true(strlen(str_of(sender, "node_id")) > 0);
    assert_string_equal(str_of(sender, "type"), "User");
    assert_true(is_bool(sender, "site_admin"));
    assert_true(int_of(repo, "id") > 0);
    assert_true(strlen(str_of(repo, "node_id")) > 0);
    snprintf(full, sizeof(full), "%s/%s", str_of(owner, "login"), str_of(repo, "name"));
    assert_string_equal(str_of(repo, "full_name"), full);
    snprintf(html, sizeof(html), "https://github.com/%s", full);
    assert_string_equal(str_of(repo, "html_url"), html);
    assert_true(is_bool(repo, "private"));
    assert_true(int_of(owner, "id") > 0);
}

static void check_github(const json_t *root, const struct event *ev, const char *type)
{
    static const char *const issue_acts[] = {"opened",   "closed",  "edited",
                                             "reopened", "labeled", NULL};
    static const char *const pull_acts[] = {"opened", "closed", "synchronize", "reopened", NULL};
    static const char *const comment_acts[] = {"created", "edited", "deleted", NULL};
    static const char *const release_acts[] = {"published", "created", "released", "prereleased",
                                               NULL};

    assert_true(ids_is_uuid(ev->id));
    assert_int_equal(ev->id[14], '4');
    check_github_actors(root);
    if (strcmp(type, "push") == 0) {
        assert_null(json_object_get(root, "action"));
        assert_true(strncmp(str_of(root, "ref"), "refs/heads/", 11) == 0);
        assert_true(is_token(str_of(root, "before"), "", HEX, 40));
        assert_true(is_token(str_of(root, "after"), "", HEX, 40));
        assert_true(json_array_size(get_kind(root, "commits", JSON_ARRAY)) >= 1);
        assert_string_equal(str_of(obj_of(root, "head_commit"), "id"), str_of(root, "after"));
    } else if (strcmp(type, "issues") == 0) {
        const json_t *issue = obj_of(root, "issue");
        bool closed = strcmp(str_of(root, "action"), "closed") == 0;

        assert_true(in_list(str_of(root, "action"), issue_acts));
        assert_true(int_of(issue, "number") > 0);
        assert_string_equal(str_of(issue, "state"), closed ? "closed" : "open");
        assert_int_equal(json_is_null(json_object_get(issue, "closed_at")), !closed);
    } else if (strcmp(type, "pull_request") == 0) {
        assert_true(in_list(str_of(root, "action"), pull_acts));
        assert_int_equal(int_of(root, "number"), int_of(obj_of(root, "pull_request"), "number"));
    } else if (strcmp(type, "issue_comment") == 0) {
        assert_true(in_list(str_of(root, "action"), comment_acts));
        assert_true(int_of(obj_of(root, "issue"), "number") > 0);
        assert_true(int_of(obj_of(root, "comment"), "id") > 0);
    } else if (strcmp(type, "release") == 0) {
        assert_true(in_list(str_of(root, "action"), release_acts));
        assert_true(strncmp(str_of(obj_of(root, "release"), "tag_name"), "v1.", 3) == 0);
    } else if (strcmp(type, "ping") == 0) {
        assert_true(strlen(str_of(root, "zen")) > 0);
        assert_true(int_of(root, "hook_id") > 0);
        assert_string_equal(str_of(obj_of(root, "hook"), "type"), "Repository");
    } else {
        assert_int_equal(json_object_size(root), 2); /* repository and sender only */
    }
}

static void test_github_bodies(void **state)
{
    (void)state;
    check_every_type(EVENT_PROFILE_GITHUB, check_github);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_github_bodies),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
