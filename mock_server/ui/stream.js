// The live feed: GET /mock/stream, Server-Sent Events read with fetch() and
// a ReadableStream reader.
//
// Why not EventSource: it cannot send a header, so the key would have to go
// in the URL, where logs and history keep it. Why not polling: one open
// response per viewer gets each call record as soon as the mock's writer
// commits it (it batches every 50 ms), at no cost while nothing happens.
//
// The stream is opened with the filters of the view that needs it and is
// reopened, with backoff, when it drops. Each (re)connection calls onOpen
// once the mock has answered 200, so the view can reload what it may have
// missed; records then come to onCall, "dropped" notices to onDropped.

import {authHeaders, query, unauthorized} from "./api.js";

const BACKOFF_MAX_MS = 30000;
// The mock sends ": ping" every 15 s: after this long with nothing, the
// connection is taken for dead (a proxy or a sleeping laptop) and reopened.
const SILENCE_MS = 45000;

export class CallStream {
    constructor(handlers) {
        this.h = handlers; // {onOpen, onCall, onDropped, onState, onError}
        this.filters = null;
        this.ctl = null;
        this.timer = null;
        this.watchdog = null;
        this.retryMs = 2000;
        this.backoffMs = 0;
        this.generation = 0;
    }

    // Opens the stream with these filters (webhook_id, topic, outcome,
    // event_id); reopens it when they changed or it is down.
    open(filters) {
        const same = this.filters !== null &&
            JSON.stringify(this.filters) === JSON.stringify(filters) && this.ctl !== null;
        if (same) {
            return;
        }
        this.filters = Object.assign({}, filters);
        this.backoffMs = 0;
        this.connect();
    }

    close() {
        this.generation++;
        this.filters = null;
        this.stop();
        this.state("off", "");
    }

    stop() {
        clearTimeout(this.timer);
        clearTimeout(this.watchdog);
        this.timer = null;
        if (this.ctl) {
            this.ctl.abort();
            this.ctl = null;
        }
    }

    state(name, text) {
        if (this.h.onState) {
            this.h.onState(name, text);
        }
    }

    async connect() {
        this.stop();
        const gen = ++this.generation;
        const ctl = new AbortController();
        this.ctl = ctl;
        this.state("connecting", "connecting…");
        let resp;
        try {
            resp = await fetch("/mock/stream" + query(this.filters), {
                headers: authHeaders({accept: "text/event-stream"}),
                cache: "no-store",
                credentials: "omit",
                signal: ctl.signal,
            });
        } catch (e) {
            if (gen === this.generation) {
                this.retry("cannot reach the mock");
            }
            return;
        }
        if (gen !== this.generation) {
            return;
        }
        if (resp.status === 401) {
            this.close();
            unauthorized();
            return;
        }
        if (!resp.ok || resp.body === null) {
            let message = "the stream answered " + resp.status;
            try {
                const j = await resp.json();
                if (j && typeof j.message === "string") {
                    message = j.message;
                }
            } catch (e) {
                // not the API's error shape: keep the status
            }
            if (resp.status === 400) {
                // A filter the mock refuses: retrying would not help.
                this.stop();
                this.state("error", message);
                if (this.h.onError) {
                    this.h.onError(message);
                }
                return;
            }
            this.retry(message);
            return;
        }
        this.backoffMs = 0;
        this.state("live", "live");
        if (this.h.onOpen) {
            this.h.onOpen();
        }
        await this.read(resp.body.getReader(), gen);
        if (gen === this.generation) {
            this.retry("the stream ended");
        }
    }

    retry(why) {
        this.stop();
        this.backoffMs = this.backoffMs === 0
            ? this.retryMs
            : Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
        const gen = this.generation;
        this.state("offline", why + "; reconnecting in " + Math.round(this.backoffMs / 1000) + " s");
        this.timer = setTimeout(() => {
            if (gen === this.generation) {
                this.connect();
            }
        }, this.backoffMs);
    }

    armWatchdog(gen) {
        clearTimeout(this.watchdog);
        this.watchdog = setTimeout(() => {
            if (gen === this.generation && this.ctl) {
                this.ctl.abort();
            }
        }, SILENCE_MS);
    }

    // Reads SSE: lines "field: value", an empty line ends an event, lines
    // starting with ":" are comments (the pings).
    async read(reader, gen) {
        const decoder = new TextDecoder();
        let buf = "";
        let ev = {event: "message", data: []};
        this.armWatchdog(gen);
        for (;;) {
            let chunk;
            try {
                chunk = await reader.read();
            } catch (e) {
                return; // aborted or dropped
            }
            if (gen !== this.generation) {
                return;
            }
            if (chunk.done) {
                return;
            }
            this.armWatchdog(gen);
            buf += decoder.decode(chunk.value, {stream: true});
            let nl;
            while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + (buf[nl] === "\r" && buf[nl + 1] === "\n" ? 2 : 1));
                if (line === "") {
                    this.dispatch(ev);
                    ev = {event: "message", data: []};
                    continue;
                }
                if (line[0] === ":") {
                    continue;
                }
                const colon = line.indexOf(":");
                const field = colon < 0 ? line : line.slice(0, colon);
                let value = colon < 0 ? "" : line.slice(colon + 1);
                if (value[0] === " ") {
                    value = value.slice(1);
                }
                if (field === "event") {
                    ev.event = value;
                } else if (field === "data") {
                    ev.data.push(value);
                } else if (field === "retry" && /^\d+$/.test(value)) {
                    this.retryMs = Math.max(500, Number(value));
                }
            }
        }
    }

    dispatch(ev) {
        if (ev.data.length === 0) {
            return;
        }
        let data;
        try {
            data = JSON.parse(ev.data.join("\n"));
        } catch (e) {
            return;
        }
        if (ev.event === "call" && data && typeof data === "object" && this.h.onCall) {
            this.h.onCall(data);
        } else if (ev.event === "dropped" && data && this.h.onDropped) {
            this.h.onDropped(Number(data.missed) || 0);
        }
    }
}
