// The Trigger tab: POST /mock/events with a topic, a count, an optional
// webhook and an optional JSON object merged into the payload's data.

import {api, clearErrors, showError} from "./api.js";
import {$, el, fill} from "./dom.js";

export function initTrigger(ctx) {
    const form = $("#tr-form");
    const result = $("#tr-result");

    form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        clearErrors(form);
        fill(result);
        const f = form.elements;
        const body = {topic: f.topic.value};
        const count = f.count.value.trim();
        if (count !== "") {
            if (!/^\d+$/.test(count)) {
                showError(form, {field: "count", message: "count: must be an integer from 1 to 10000"});
                return;
            }
            body.count = Number(count);
        }
        if (f.webhook_id.value !== "") {
            body.webhook_id = f.webhook_id.value;
        }
        const data = f.data.value.trim();
        if (data !== "") {
            let parsed;
            try {
                parsed = JSON.parse(data);
            } catch (e) {
                showError(form, {field: "data", message: "data: not JSON: " + e.message});
                return;
            }
            if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
                showError(form, {field: "data", message: "data: must be a JSON object"});
                return;
            }
            body.data = parsed;
        }
        let answer;
        try {
            answer = await api("POST", "/mock/events", body);
        } catch (e) {
            showError(form, e);
            return;
        }
        const ids = Array.isArray(answer.event_ids) ? answer.event_ids : [];
        fill(result,
            el("p", {}, ids.length + " event(s), " + answer.deliveries + " delivery chain(s) started."),
            answer.warning ? el("p", {class: "warning"}, answer.warning) : null,
            el("ul", {class: "event-ids"}, ids.map((id) => el("li", {},
                el("a", {href: "#/event/" + encodeURIComponent(id), class: "event-id"}, id)))));
    });

    return {
        async show() {
            const f = form.elements;
            const topic = f.topic.value;
            fill(f.topic, (await ctx.topics()).map((t) => el("option", {value: t}, t)));
            if (topic) {
                f.topic.value = topic;
            }
            const chosen = f.webhook_id.value;
            await ctx.loadWebhooks();
            const live = ctx.webhooks().filter((w) => !w.deleted_at);
            fill(f.webhook_id, el("option", {value: ""}, "every subscriber"),
                live.map((w) => el("option", {value: w.id}, w.topic + " → " + w.url)));
            f.webhook_id.value = live.some((w) => w.id === chosen) ? chosen : "";
        },
    };
}
