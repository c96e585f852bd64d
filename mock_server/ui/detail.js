// One attempt in full: a call record of GET /api/webhooks/calls (or of the
// stream, the same shape). Every value is the server's and may be hostile
// (the receiver wrote the response body and headers): text only.

import {api} from "./api.js";
import {badge, el, prettyBody} from "./dom.js";

function headerTable(headers, cls) {
    if (!headers || typeof headers !== "object") {
        return el("p", {class: "muted"}, "none");
    }
    const rows = Object.keys(headers).map((k) => el("tr", {},
        el("th", {scope: "row"}, k), el("td", {}, el("code", {}, String(headers[k])))));
    return el("table", {class: "headers " + cls}, el("tbody", {}, rows));
}

function bodyBlock(text, size, truncated, cls) {
    if (text === null || text === undefined) {
        return el("p", {class: "muted"}, "none");
    }
    const note = [];
    if (typeof size === "number") {
        note.push(size + " bytes");
    }
    if (truncated) {
        note.push("cut: the log keeps the first part only");
    }
    return el("div", {},
        note.length ? el("p", {class: "muted"}, note.join(", ")) : null,
        el("pre", {class: "body " + cls}, prettyBody(text)));
}

function fact(name, value) {
    return [el("dt", {}, name),
        el("dd", {}, value === null || value === undefined ? "—" : String(value))];
}

// Replays the attempt's event (POST /mock/calls/{id}/replay): resolves to
// a line to show.
export async function replay(id) {
    const a = await api("POST", "/mock/calls/" + encodeURIComponent(id) + "/replay");
    return "Replayed: a new delivery chain of " + a.event_id + " started.";
}

// The detail panel of record c; onDone(text) gets the replay's outcome.
export function callDetail(c, onDone) {
    const note = el("p", {class: "note", id: "cd-note"});
    const replayBtn = el("button", {type: "button", id: "cd-replay"}, "Replay this attempt");
    replayBtn.addEventListener("click", async () => {
        note.textContent = "";
        try {
            note.textContent = await replay(c.id);
        } catch (e) {
            note.textContent = "replay: " + e.message;
        }
        if (onDone) {
            onDone(note.textContent);
        }
    });
    return el("article", {class: "call-detail", "data-id": c.id},
        el("h3", {}, badge(c.outcome), " attempt ", String(c.attempt), " · ", c.topic),
        el("div", {class: "actions"},
            replayBtn,
            el("a", {id: "cd-timeline", class: "button",
                href: "#/event/" + encodeURIComponent(c.event_id)}, "Event timeline")),
        note,
        // The receiver's answer first: what a receiver's author looks for.
        el("section", {class: "exchange"},
            el("div", {},
                el("h4", {}, "Response ", c.response_status === null ||
                    c.response_status === undefined ? "(none)" : String(c.response_status)),
                c.error ? el("p", {class: "form-error"}, c.error) : null,
                headerTable(c.response_headers, "response-headers"),
                el("h4", {}, "Response body"),
                bodyBlock(c.response_body, c.response_body_size, c.response_body_truncated,
                    "response-body")),
            el("dl", {class: "facts"},
                fact("call id", c.id),
                fact("event id", c.event_id),
                fact("webhook id", c.webhook_id),
                fact("url", c.url),
                fact("scheme", c.scheme),
                fact("outcome", c.outcome),
                fact("error", c.error),
                fact("response status", c.response_status),
                fact("duration_ms", c.duration_ms),
                fact("scheduled_at", c.scheduled_at),
                fact("sent_at", c.sent_at),
                fact("created_at", c.created_at),
                fact("next_attempt_at", c.next_attempt_at)),
            el("div", {},
                el("h4", {}, "Request headers"),
                headerTable(c.request_headers, "request-headers"),
                el("h4", {}, "Request body"),
                bodyBlock(c.request_body, c.request_body_size, c.request_body_truncated,
                    "request-body"))));
}
