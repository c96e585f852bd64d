// The vambe-mock console: the page's shell. It asks for the API key, routes
// the tabs (#/webhooks, #/trigger, #/calls, #/event/<id>, #/config), owns
// the one live stream and hands its records to the tabs that show them.
// docs/console.md describes the console.

import {api, keyForget, keyGet, keySet, setUnauthorizedHandler} from "./api.js";
import {$, $all, fill, show} from "./dom.js";
import {CallStream} from "./stream.js";
import {initCalls} from "./calls.js";
import {initConfig} from "./config.js";
import {initTimeline} from "./timeline.js";
import {initTrigger} from "./trigger.js";
import {initWebhooks} from "./webhooks.js";

const keyView = $("#key-view");
const keyForm = $("#key-form");
const keyMessage = $("#key-message");
const appView = $("#app");
const streamState = $("#stream-state");
const dropped = $("#dropped");
let missed = 0;
let topicsCache = null;
let webhooksCache = [];
let current = null; // the tab shown: "webhooks", "trigger", "calls", "event", "config"

const ctx = {
    async topics() {
        if (topicsCache === null) {
            const t = await api("GET", "/api/webhooks/topics");
            topicsCache = Array.isArray(t) ? t : [];
        }
        return topicsCache;
    },
    webhooks: () => webhooksCache,
    setWebhooks(list) {
        webhooksCache = list;
    },
    async loadWebhooks() {
        const list = await api("GET", "/api/webhooks");
        webhooksCache = Array.isArray(list) ? list : [];
        return webhooksCache;
    },
    showCallsOf(webhookId) {
        calls.setFilters({webhook_id: webhookId});
        location.hash = "#/calls";
    },
    filtersChanged() {
        syncStream();
    },
};

const calls = initCalls(ctx);
const timeline = initTimeline(ctx);
const views = {
    webhooks: initWebhooks(ctx),
    trigger: initTrigger(ctx),
    calls,
    config: initConfig(),
};

function sameFilters(a, b) {
    const x = a || {};
    const y = b || {};
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    return [...keys].every((k) => (x[k] || "") === (y[k] || ""));
}

// The stream runs with the call log's filters, so the log stays current on
// every tab. On an event's timeline, when those filters could leave its
// attempts out, it runs with that event's id instead.
function streamFilters() {
    const f = calls.filters();
    if (current === "event" && timeline.eventId() !== null && Object.keys(f).length > 0) {
        return {event_id: timeline.eventId()};
    }
    return f;
}

const stream = new CallStream({
    onOpen() {
        if (sameFilters(stream.filters, calls.filters())) {
            calls.onOpen();
        } else {
            calls.stale();
        }
        timeline.onOpen();
    },
    onCall(c) {
        if (sameFilters(stream.filters, calls.filters())) {
            calls.onCall(c);
        }
        timeline.onCall(c);
    },
    onDropped(n) {
        missed += n;
        fill($("#dropped-text"), missed + " updates were missed");
        dropped.hidden = false;
    },
    onState(state, text) {
        streamState.setAttribute("data-state", state);
        fill(streamState, text);
    },
    onError(message) {
        fill(streamState, "stream: " + message);
    },
});

function syncStream() {
    if (keyGet() !== null) {
        stream.open(streamFilters());
    }
}

$("#dropped-reload").addEventListener("click", () => {
    missed = 0;
    dropped.hidden = true;
    calls.reload();
    timeline.reload();
});

async function route() {
    if (keyGet() === null) {
        return;
    }
    const hash = location.hash || "#/webhooks";
    const m = /^#\/event\/(.+)$/.exec(hash);
    let name = m ? "event" : hash.replace(/^#\//, "");
    if (!m && !(name in views)) {
        name = "webhooks";
    }
    current = name;
    for (const v of $all(".view")) {
        show(v, v.id === "view-" + name);
    }
    for (const a of $all("nav a")) {
        if (a.getAttribute("data-view") === name) {
            a.setAttribute("aria-current", "page");
        } else {
            a.removeAttribute("aria-current");
        }
    }
    if (name !== "event") {
        timeline.hide();
    }
    syncStream();
    try {
        if (m) {
            await timeline.show(decodeURIComponent(m[1]));
            syncStream();
        } else {
            await views[name].show();
        }
    } catch (e) {
        fill($("#view-error"), e.message);
        $("#view-error").hidden = e.status === 401;
        return;
    }
    $("#view-error").hidden = true;
}

function askKey(message) {
    stream.close();
    topicsCache = null;
    appView.hidden = true;
    keyView.hidden = false;
    $("#sign-out").hidden = true;
    fill(keyMessage, message || "");
    keyMessage.hidden = !message;
    keyForm.elements.key.focus();
}

setUnauthorizedHandler(() => {
    askKey("The mock refused the key (401). Enter its API key again.");
});

async function start() {
    try {
        await ctx.topics(); // the first request with the key: checks it
    } catch (e) {
        if (e.status !== 401) {
            askKey("Cannot check the key: " + e.message);
        }
        return;
    }
    keyView.hidden = true;
    appView.hidden = false;
    $("#sign-out").hidden = false;
    await route();
}

keyForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = keyForm.elements.key;
    const key = input.value;
    // The key leaves the page's DOM at once: it lives in sessionStorage.
    input.value = "";
    if (key === "") {
        askKey("Enter the mock's API key.");
        return;
    }
    keySet(key);
    start();
});

$("#sign-out").addEventListener("click", () => {
    keyForget();
    askKey("Signed out: the key is forgotten.");
});

window.addEventListener("hashchange", route);

if (keyGet() !== null) {
    start();
} else {
    askKey("");
}
