// Talking to the mock: the API key and fetch.
//
// The key lives in sessionStorage only (gone when the tab closes) and goes
// out as the x-api-key header: never in a URL (URLs end up in logs and
// history), never left in the page, never logged.

import {$, fill} from "./dom.js";

const KEY_SLOT = "vambe-mock-key";

export function keyGet() {
    return sessionStorage.getItem(KEY_SLOT);
}

export function keySet(key) {
    sessionStorage.setItem(KEY_SLOT, key);
}

export function keyForget() {
    sessionStorage.removeItem(KEY_SLOT);
}

// An answer that is not 2xx, in the API's error shape
// {"statusCode", "error", "message"}; the message starts with the field
// at fault ("url: must use http or https"), kept in field.
export class ApiError extends Error {
    constructor(status, body) {
        const message = body && typeof body.message === "string"
            ? body.message
            : "the mock answered " + status;
        super(message);
        this.status = status;
        this.field = null;
        const m = /^([A-Za-z_][A-Za-z0-9_.]*): /.exec(message);
        if (m) {
            this.field = m[1];
        }
    }
}

// Called on a 401: the console asks for the key again (app.js sets it).
let onUnauthorized = () => {};

export function setUnauthorizedHandler(fn) {
    onUnauthorized = fn;
}

export function unauthorized() {
    keyForget();
    onUnauthorized();
}

// The headers of every request to the mock.
export function authHeaders(extra) {
    const h = Object.assign({}, extra || {});
    const key = keyGet();
    if (key !== null) {
        h["x-api-key"] = key;
    }
    return h;
}

// A query string from an object, empty values left out.
export function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) {
        if (v !== undefined && v !== null && v !== "") {
            q.set(k, String(v));
        }
    }
    const s = q.toString();
    return s ? "?" + s : "";
}

// Sends a request; resolves with the parsed JSON answer (and the raw text
// in .raw when asked), rejects with an ApiError. body: an object sent as
// JSON, or a string already in JSON.
export async function api(method, path, body, opts) {
    const init = {method, headers: authHeaders(), cache: "no-store", credentials: "omit"};
    if (body !== undefined) {
        init.headers["content-type"] = "application/json";
        init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    let resp;
    try {
        resp = await fetch(path, init);
    } catch (e) {
        throw new ApiError(0, {message: "cannot reach the mock (" + e.message + ")"});
    }
    const text = await resp.text();
    let json = null;
    try {
        json = text ? JSON.parse(text) : null;
    } catch (e) {
        json = null;
    }
    if (resp.status === 401) {
        unauthorized();
    }
    if (!resp.ok) {
        throw new ApiError(resp.status, json);
    }
    if (opts && opts.raw) {
        return {json, raw: text};
    }
    return json;
}

// Shows err next to its field in form: the element [data-error-for=<field>]
// when the form has one, else the form's general [data-error-for=_form].
export function showError(form, err) {
    clearErrors(form);
    const message = err instanceof Error ? err.message : String(err);
    let slot = null;
    if (err && err.field) {
        slot = $('[data-error-for="' + CSS.escape(err.field) + '"]', form);
        const input = form.elements.namedItem(err.field);
        if (slot && input && input.setAttribute) {
            input.setAttribute("aria-invalid", "true");
        }
    }
    if (!slot) {
        slot = $('[data-error-for="_form"]', form);
    }
    if (slot) {
        fill(slot, message);
        slot.hidden = false;
    }
}

export function clearErrors(form) {
    for (const slot of form.querySelectorAll("[data-error-for]")) {
        fill(slot);
        slot.hidden = true;
    }
    for (const input of form.querySelectorAll("[aria-invalid]")) {
        input.removeAttribute("aria-invalid");
    }
}
