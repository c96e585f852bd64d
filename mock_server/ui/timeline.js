// The event timeline (#/event/<id>): every attempt of one event
// (GET /api/webhooks/calls?event_id=…&limit=500) on a time axis, one lane
// per delivery chain (a webhook's attempts 1, 2, …; a duplicate copy or a
// replay starts a chain of its own), the waits between attempts labelled,
// and the next attempt due marked. Drawn as SVG with createElementNS, and
// kept up to date from the live stream.

import {api, query} from "./api.js";
import {$, badge, clock, duration, el, fill, ms, svg} from "./dom.js";
import {callDetail, replay} from "./detail.js";

const LANE_H = 64;
const TOP = 34;
const LEFT = 190;
const RIGHT = 150;
// A next attempt due further than this many times the attempts' own span is
// drawn past a break at the right edge, so the attempts keep their room.
const FAR = 3;
const WIDTH = 1000;

function startOf(c) {
    return ms(c.sent_at) ?? ms(c.scheduled_at) ?? ms(c.created_at);
}

function endOf(c) {
    return ms(c.created_at) ?? startOf(c);
}

// Splits one webhook's attempts into chains: attempt n+1 follows the chain
// whose last attempt is n, was retry_scheduled, and is due when it was.
function chainsOf(list) {
    const sorted = list.slice().sort((a, b) => (startOf(a) - startOf(b)) || (a.attempt - b.attempt));
    const chains = [];
    for (const c of sorted) {
        const open = chains.filter((ch) => {
            const last = ch[ch.length - 1];
            return last.attempt === c.attempt - 1 && last.outcome === "retry_scheduled";
        });
        const exact = open.find((ch) => ch[ch.length - 1].next_attempt_at === c.scheduled_at);
        const chain = exact || open[0];
        if (chain && c.attempt > 1) {
            chain.push(c);
        } else {
            chains.push([c]);
        }
    }
    return chains;
}

// Tick step for a span of ms: 1, 2 or 5 times a power of ten.
function tickStep(span) {
    const raw = span / 6;
    const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    for (const m of [1, 2, 5, 10]) {
        if (p * m >= raw) {
            return p * m;
        }
    }
    return p * 10;
}

export function initTimeline(ctx) {
    const title = $("#tl-title");
    const box = $("#tl-chart");
    const list = $("#tl-list tbody");
    const note = $("#tl-note");
    const panel = $("#tl-detail");
    let eventId = null;
    let byId = new Map();
    let selected = null;

    function select(id) {
        selected = byId.has(id) ? id : null;
        for (const n of document.querySelectorAll("[data-call].selected")) {
            n.classList.remove("selected");
        }
        if (selected === null) {
            fill(panel);
            return;
        }
        for (const n of document.querySelectorAll('[data-call="' + CSS.escape(id) + '"]')) {
            n.classList.add("selected");
        }
        fill(panel, callDetail(byId.get(id), () => load()));
    }

    function drawChart(chains) {
        const all = Array.from(byId.values());
        let t0 = Math.min(...all.map(startOf).filter((t) => t !== null));
        let t1 = Math.max(...all.map(endOf).filter((t) => t !== null));
        if (!Number.isFinite(t0) || !Number.isFinite(t1)) {
            t0 = Date.now();
            t1 = t0 + 1000;
        }
        const near = Math.max(t1 - t0, 10) * FAR;
        for (const c of all) {
            const due = ms(c.next_attempt_at);
            if (due !== null && due - t0 <= near) {
                t1 = Math.max(t1, due);
            }
        }
        const span = Math.max(t1 - t0, 10);
        const plot = WIDTH - LEFT - RIGHT;
        const x = (t) => LEFT + ((t - t0) / span) * plot;
        const farX = WIDTH - RIGHT + 40;
        // Where a due time is drawn: on the axis, or past the break.
        const dueX = (t) => (t - t0 <= near ? x(t) : farX);
        const height = TOP + chains.length * LANE_H + 16;
        const root = svg("svg", {viewBox: "0 0 " + WIDTH + " " + height, width: "100%",
            role: "img", "aria-label": "attempts of " + eventId + " over time", id: "tl-svg"});

        // The axis: time since the first attempt.
        const axis = svg("g", {class: "axis"});
        const step = tickStep(span);
        for (let t = 0; t <= span + 1e-9; t += step) {
            axis.appendChild(svg("line", {x1: x(t0 + t), x2: x(t0 + t), y1: TOP - 8,
                y2: height - 10, class: "tick"}));
            axis.appendChild(svg("text", {x: x(t0 + t), y: TOP - 14, class: "tick-label",
                "text-anchor": "middle"}, t === 0 ? clock(new Date(t0).toISOString()) :
                "+" + duration(t)));
        }
        root.appendChild(axis);

        let latestDue = null; // the next attempt due, of the latest retry_scheduled attempt
        chains.forEach((chain, lane) => {
            const y = TOP + lane * LANE_H + LANE_H / 2;
            const g = svg("g", {class: "lane"});
            const first = chain[0];
            const hook = ctx.webhooks().find((w) => w.id === first.webhook_id);
            const name = hook ? hook.url.replace(/^https?:\/\//, "") : String(first.webhook_id);
            g.appendChild(svg("text", {x: 8, y: y - 4, class: "lane-label"},
                svg("title", {}, hook ? hook.url : String(first.webhook_id)),
                name.length > 26 ? "…" + name.slice(-25) : name));
            g.appendChild(svg("text", {x: 8, y: y + 12, class: "lane-sub"},
                "chain " + (lane + 1) + ", " + chain.length + " attempt(s)"));
            g.appendChild(svg("line", {x1: LEFT, x2: WIDTH - RIGHT, y1: y, y2: y, class: "lane-line"}));
            chain.forEach((c, i) => {
                const s = startOf(c);
                const e = endOf(c);
                if (i > 0) {
                    // The wait before this attempt: from the end of the one
                    // before to this one's start (the backoff, time-scaled).
                    const pe = endOf(chain[i - 1]);
                    const mid = (x(pe) + x(s)) / 2;
                    g.appendChild(svg("line", {x1: x(pe), x2: x(s), y1: y, y2: y, class: "gap"}));
                    g.appendChild(svg("text", {x: mid, y: y + 22, class: "gap-label",
                        "text-anchor": "middle"}, duration(s - pe)));
                }
                const outcome = String(c.outcome);
                const mark = svg("g", {class: "attempt outcome-" + outcome.replace(/[^a-z_]/g, ""),
                    "data-call": c.id, "data-attempt": String(c.attempt), tabindex: "0"},
                    svg("title", {}, "attempt " + c.attempt + ": " + outcome +
                        (c.response_status !== null ? ", status " + c.response_status : "") +
                        (c.error ? ", " + c.error : "") + ", sent " + (c.sent_at || "—")),
                    svg("rect", {x: x(s), y: y - 5, width: Math.max(x(e) - x(s), 2), height: 10,
                        class: "duration"}),
                    svg("circle", {cx: x(s), cy: y, r: 7}),
                    svg("text", {x: x(s), y: y - 12, "text-anchor": "middle", class: "attempt-label"},
                        "#" + c.attempt));
                mark.addEventListener("click", () => select(c.id));
                mark.addEventListener("keydown", (ev) => {
                    if (ev.key === "Enter" || ev.key === " ") {
                        select(c.id);
                    }
                });
                g.appendChild(mark);
            });
            const last = chain[chain.length - 1];
            const due = ms(last.next_attempt_at);
            if (last.outcome === "retry_scheduled" && due !== null) {
                g.appendChild(svg("line", {x1: x(endOf(last)), x2: dueX(due), y1: y, y2: y,
                    class: "gap pending"}));
                if (dueX(due) === farX) {
                    const b = WIDTH - RIGHT + 12;
                    g.appendChild(svg("path", {class: "axis-break",
                        d: "M " + b + " " + (y + 8) + " l 6 -16 M " + (b + 6) + " " + (y + 8) +
                            " l 6 -16"}));
                }
                if (dueX(due) !== farX) {
                    g.appendChild(svg("text", {x: (x(endOf(last)) + dueX(due)) / 2, y: y + 22,
                        class: "gap-label", "text-anchor": "middle"},
                    "due " + duration(due - endOf(last)) + " later"));
                }
                if (latestDue === null || endOf(last) >= latestDue.after) {
                    latestDue = {after: endOf(last), due, y, far: dueX(due) === farX};
                }
            }
            root.appendChild(g);
        });
        if (latestDue !== null) {
            const {after, due, y, far} = latestDue;
            const dx = dueX(due);
            root.appendChild(svg("g", {class: "next-due", id: "tl-next"},
                svg("title", {}, "next attempt due at " + new Date(due).toISOString()),
                svg("path", {d: "M " + dx + " " + (y - 9) + " l 9 9 l -9 9 l -9 -9 z"}),
                svg("text", {x: dx, y: y - 14, "text-anchor": "middle"}, "next due"),
                svg("text", {x: dx, y: y + 24, "text-anchor": "middle", class: "due-time"},
                    clock(new Date(due).toISOString())),
                far ? svg("text", {x: dx, y: y + 38, "text-anchor": "middle", class: "due-time"},
                    duration(due - after) + " later") : null));
        }
        fill(box, root);
    }

    function drawList(chains) {
        const rows = [];
        chains.forEach((chain, lane) => {
            for (const c of chain) {
                const replayBtn = el("button", {type: "button", "data-action": "replay"}, "Replay");
                replayBtn.addEventListener("click", async (ev) => {
                    ev.stopPropagation();
                    try {
                        fill(note, await replay(c.id));
                    } catch (e) {
                        fill(note, "replay: " + e.message);
                    }
                });
                const tr = el("tr", {"data-call": c.id, class: c.id === selected ? "selected" : null},
                    el("td", {class: "num"}, String(lane + 1)),
                    el("td", {class: "num"}, String(c.attempt)),
                    el("td", {}, badge(c.outcome)),
                    el("td", {title: c.sent_at || ""}, clock(c.sent_at)),
                    el("td", {class: "num"}, c.response_status === null ? "—" : String(c.response_status)),
                    el("td", {class: "num"}, c.duration_ms === null ? "—" : c.duration_ms + " ms"),
                    el("td", {class: "error"}, c.error || ""),
                    el("td", {title: c.next_attempt_at || ""}, clock(c.next_attempt_at)),
                    el("td", {class: "actions"}, replayBtn));
                tr.addEventListener("click", () => select(c.id));
                rows.push(tr);
            }
        });
        fill(list, rows);
    }

    function draw() {
        const hooks = new Map();
        for (const c of byId.values()) {
            if (!hooks.has(c.webhook_id)) {
                hooks.set(c.webhook_id, []);
            }
            hooks.get(c.webhook_id).push(c);
        }
        const chains = [];
        for (const group of hooks.values()) {
            chains.push(...chainsOf(group));
        }
        chains.sort((a, b) => startOf(a[0]) - startOf(b[0]));
        if (chains.length === 0) {
            fill(box, el("p", {class: "empty"}, "No attempt of this event yet."));
        } else {
            drawChart(chains);
        }
        drawList(chains);
        if (selected !== null) {
            select(selected);
        }
    }

    async function load() {
        if (eventId === null) {
            return;
        }
        const want = eventId;
        try {
            const answer = await api("GET", "/api/webhooks/calls" +
                query({event_id: want, limit: 500}));
            if (want !== eventId) {
                return;
            }
            byId = new Map((answer.data || []).map((c) => [c.id, c]));
            draw();
        } catch (e) {
            fill(note, e.message);
        }
    }

    return {
        eventId: () => eventId,
        async show(id) {
            if (id !== eventId) {
                selected = null;
                fill(panel);
                fill(note);
            }
            eventId = id;
            fill(title, "Event ", el("code", {}, id));
            await ctx.loadWebhooks();
            await load();
        },
        hide() {
            eventId = null;
        },
        onOpen: load,
        onCall(c) {
            if (eventId !== null && c.event_id === eventId) {
                byId.set(c.id, c);
                draw();
            }
        },
        reload: load,
    };
}
