// The Calls tab: the call log, newest first. The first page comes from
// GET /api/webhooks/calls (filters webhook_id, topic, outcome, event_id),
// older pages on demand, and new records from the live stream (app.js
// routes them here while the stream runs with this tab's filters). A click
// on a record opens it in full (detail.js).

import {api, clearErrors, query, showError} from "./api.js";
import {$, badge, clock, el, fill} from "./dom.js";
import {callDetail} from "./detail.js";

const PAGE = 100;
const FILTERS = ["webhook_id", "topic", "outcome", "event_id"];
const OUTCOMES = ["succeeded", "failed", "retry_scheduled", "gave_up", "webhook_disabled",
    "dropped"];

export function initCalls(ctx) {
    const form = $("#calls-filter");
    const body = $("#calls-table tbody");
    const count = $("#calls-count");
    const older = $("#calls-older");
    const panel = $("#call-detail");
    let filters = {};
    let records = []; // newest first
    let byId = new Map();
    let pages = 0; // pages loaded
    let total = 0;
    let loaded = null; // the filters the records were loaded with (JSON)
    let selected = null;
    const live = new Set(); // ids of the records the stream brought

    function key(f) {
        return JSON.stringify(FILTERS.map((k) => f[k] || ""));
    }

    function matches(c) {
        return FILTERS.every((k) => !filters[k] || c[k] === filters[k]);
    }

    function row(c) {
        const cls = [c.id === selected ? "selected" : "", live.has(c.id) ? "live" : ""];
        const tr = el("tr", {"data-id": c.id, "data-outcome": c.outcome, "data-event": c.event_id,
            "data-live": live.has(c.id) ? "1" : null, class: cls.join(" ").trim() || null},
            el("td", {title: c.created_at || ""}, clock(c.created_at)),
            el("td", {}, badge(c.outcome)),
            el("td", {class: "num"}, String(c.attempt)),
            el("td", {}, c.topic),
            el("td", {}, el("a", {href: "#/event/" + encodeURIComponent(c.event_id)},
                c.event_id)),
            el("td", {class: "url", title: c.url}, c.url),
            el("td", {class: "num"}, c.response_status === null ? "—" : String(c.response_status)),
            el("td", {class: "num"}, c.duration_ms === null ? "—" : c.duration_ms + " ms"),
            el("td", {class: "error"}, c.error === null ? "" : c.error));
        tr.addEventListener("click", (ev) => {
            if (ev.target.closest("a")) {
                return;
            }
            select(c.id);
        });
        return tr;
    }

    function renderCount() {
        fill(count, records.length + " of " + total + " record(s)");
        older.hidden = records.length >= total;
    }

    function render() {
        fill(body, records.map(row));
        if (records.length === 0) {
            body.appendChild(el("tr", {}, el("td", {colspan: "9", class: "empty"},
                "No call yet. Trigger an event: its attempts appear here as they happen.")));
        }
        renderCount();
    }

    function select(id) {
        const c = byId.get(id);
        selected = c ? id : null;
        for (const tr of body.querySelectorAll("tr.selected")) {
            tr.classList.remove("selected");
        }
        if (!c) {
            fill(panel);
            panel.hidden = true;
            return;
        }
        const tr = body.querySelector('tr[data-id="' + CSS.escape(id) + '"]');
        if (tr) {
            tr.classList.add("selected");
        }
        fill(panel, callDetail(c));
        panel.hidden = false;
    }

    // Adds records, newest first, each once.
    function merge(list) {
        let added = 0;
        for (const c of list) {
            if (!c || typeof c.id !== "string") {
                continue;
            }
            if (!byId.has(c.id)) {
                added++;
                records.push(c);
            } else {
                records[records.indexOf(byId.get(c.id))] = c;
            }
            byId.set(c.id, c);
        }
        // ISO-8601 UTC times sort as text; a stable sort keeps the API's
        // order between equal times.
        records.sort((a, b) => (a.created_at < b.created_at ? 1 :
            a.created_at > b.created_at ? -1 : 0));
        return added;
    }

    async function fetchPage(page) {
        const q = Object.assign({}, filters, {page, limit: PAGE});
        return api("GET", "/api/webhooks/calls" + query(q));
    }

    async function load() {
        clearErrors(form);
        let answer;
        try {
            answer = await fetchPage(1);
        } catch (e) {
            showError(form, e);
            return;
        }
        records = [];
        byId = new Map();
        merge(answer.data || []);
        pages = 1;
        total = answer.total;
        loaded = key(filters);
        render();
        if (selected) {
            select(selected);
        }
    }

    older.addEventListener("click", async () => {
        try {
            const answer = await fetchPage(pages + 1);
            pages++;
            merge(answer.data || []);
            total = Math.max(answer.total, records.length);
            render();
        } catch (e) {
            showError(form, e);
        }
    });

    function readForm() {
        const f = {};
        for (const k of FILTERS) {
            const v = form.elements[k].value.trim();
            if (v !== "") {
                f[k] = v;
            }
        }
        return f;
    }

    async function fillForm() {
        const e = form.elements;
        const topics = await ctx.topics();
        fill(e.topic, el("option", {value: ""}, "any topic"),
            topics.map((t) => el("option", {value: t}, t)));
        fill(e.outcome, el("option", {value: ""}, "any outcome"),
            OUTCOMES.map((o) => el("option", {value: o}, o)));
        await ctx.loadWebhooks();
        fill(e.webhook_id, el("option", {value: ""}, "any webhook"),
            ctx.webhooks().map((w) => el("option", {value: w.id},
                w.topic + " → " + w.url + (w.deleted_at ? " (deleted)" : ""))));
        for (const k of FILTERS) {
            e[k].value = filters[k] || "";
        }
    }

    function apply(f) {
        filters = f;
        loaded = null;
        ctx.filtersChanged();
    }

    form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        apply(readForm());
        load();
    });
    $("#calls-clear").addEventListener("click", () => {
        form.reset();
        apply({});
        load();
    });

    return {
        filters: () => Object.assign({}, filters),
        setFilters(f) {
            apply(f);
        },
        async show() {
            await fillForm();
            if (loaded !== key(filters)) {
                await load();
            }
        },
        // The stream (re)opened with these filters: fetch what came before
        // (the records written while it was down).
        async onOpen() {
            if (loaded !== key(filters)) {
                await load();
                return;
            }
            try {
                const answer = await fetchPage(1);
                merge(answer.data || []);
                total = Math.max(answer.total, records.length);
                render();
            } catch (e) {
                showError(form, e);
            }
        },
        // A record from the stream, filtered by the mock with filters.
        onCall(c) {
            if (loaded === null || !matches(c)) {
                return;
            }
            const added = merge([c]);
            total += added;
            live.add(c.id);
            const tr = row(c);
            const old = body.querySelector('tr[data-id="' + CSS.escape(c.id) + '"]');
            const empty = body.querySelector("td.empty");
            if (empty) {
                body.removeChild(empty.parentNode);
            }
            if (old) {
                body.replaceChild(tr, old);
            } else {
                const at = records.indexOf(c);
                body.insertBefore(tr, body.children[at] || null);
            }
            renderCount();
        },
        reload: load,
        stale() {
            loaded = null;
        },
    };
}
