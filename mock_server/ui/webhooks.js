// The Webhooks tab: list (GET /api/webhooks, deleted ones included),
// create (POST), edit (PUT, the changed fields only), delete (DELETE, a
// soft delete) and restore (POST /api/webhooks/{id}/restore).

import {api, clearErrors, showError} from "./api.js";
import {$, badge, clock, el, fill} from "./dom.js";

function stateOf(w) {
    if (w.deleted_at) {
        return "deleted";
    }
    return w.active ? "active" : "disabled";
}

export function initWebhooks(ctx) {
    const form = $("#wh-form");
    const title = $("#wh-form-title");
    const submit = $("#wh-submit");
    const cancel = $("#wh-cancel");
    const activeField = $("#wh-active-field");
    const body = $("#wh-table tbody");
    const status = $("#wh-status");
    let editing = null; // the webhook being edited, or null when creating

    function resetForm() {
        editing = null;
        form.reset();
        clearErrors(form);
        fill(title, "New webhook");
        fill(submit, "Create");
        cancel.hidden = true;
        activeField.hidden = true;
        form.elements.secret.placeholder = "";
        form.elements.secret.value = "";
    }

    function startEdit(w) {
        editing = w;
        clearErrors(form);
        fill(title, "Edit webhook ", el("code", {}, w.id));
        fill(submit, "Save");
        cancel.hidden = false;
        activeField.hidden = false;
        form.elements.topic.value = w.topic;
        form.elements.url.value = w.url;
        form.elements.secret.value = "";
        form.elements.secret.placeholder = "unchanged (" + w.secret + ")";
        form.elements.active.checked = !!w.active;
        form.scrollIntoView({block: "nearest"});
        form.elements.url.focus();
    }

    async function act(fn, what) {
        fill(status);
        try {
            await fn();
            await refresh();
        } catch (e) {
            fill(status, what + ": " + e.message);
        }
    }

    function row(w) {
        const state = stateOf(w);
        const actions = el("td", {class: "actions"});
        if (state !== "deleted") {
            actions.appendChild(el("button", {type: "button", "data-action": "edit"}, "Edit"));
            actions.appendChild(el("button", {type: "button", "data-action": "delete"}, "Delete"));
        } else {
            actions.appendChild(el("button", {type: "button", "data-action": "restore"}, "Restore"));
        }
        actions.appendChild(el("button", {type: "button", "data-action": "calls"}, "Calls"));
        const tr = el("tr", {"data-id": w.id, "data-state": state, class: "state-" + state},
            el("td", {}, badge(state)),
            el("td", {}, w.topic),
            el("td", {class: "url"}, el("code", {}, w.url)),
            el("td", {}, el("code", {}, w.secret)),
            el("td", {title: w.id}, el("code", {}, String(w.id).slice(0, 8))),
            el("td", {title: w.updated_at || ""}, clock(w.updated_at)),
            actions);
        actions.addEventListener("click", (ev) => {
            const b = ev.target.closest("button");
            if (!b) {
                return;
            }
            const id = encodeURIComponent(w.id);
            const a = b.getAttribute("data-action");
            if (a === "edit") {
                startEdit(w);
            } else if (a === "delete") {
                act(() => api("DELETE", "/api/webhooks/" + id), "delete");
                if (editing && editing.id === w.id) {
                    resetForm();
                }
            } else if (a === "restore") {
                act(() => api("POST", "/api/webhooks/" + id + "/restore"), "restore");
            } else if (a === "calls") {
                ctx.showCallsOf(w.id);
            }
        });
        return tr;
    }

    async function refresh() {
        const list = await api("GET", "/api/webhooks");
        ctx.setWebhooks(Array.isArray(list) ? list : []);
        fill(body, ctx.webhooks().map(row));
        if (ctx.webhooks().length === 0) {
            body.appendChild(el("tr", {}, el("td", {colspan: "7", class: "empty"},
                "No webhook yet: create one above.")));
        }
    }

    form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        clearErrors(form);
        const f = form.elements;
        try {
            if (editing === null) {
                await api("POST", "/api/webhooks",
                    {topic: f.topic.value, url: f.url.value, secret: f.secret.value});
            } else {
                const change = {};
                if (f.topic.value !== editing.topic) {
                    change.topic = f.topic.value;
                }
                if (f.url.value !== editing.url) {
                    change.url = f.url.value;
                }
                if (f.secret.value !== "") {
                    change.secret = f.secret.value;
                }
                if (f.active.checked !== !!editing.active) {
                    change.active = f.active.checked;
                }
                await api("PUT", "/api/webhooks/" + encodeURIComponent(editing.id), change);
            }
            resetForm();
            await refresh();
        } catch (e) {
            showError(form, e);
        }
    });
    cancel.addEventListener("click", resetForm);

    return {
        async show() {
            fill(form.elements.topic, (await ctx.topics()).map((t) => el("option", {value: t}, t)));
            if (editing) {
                form.elements.topic.value = editing.topic;
            }
            await refresh();
        },
        reset: resetForm,
    };
}
