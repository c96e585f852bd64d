// The Config tab: the delivery policy of GET /mock/config as a form, one
// field per key (whatever keys the mock has), and PUT /mock/config with
// the fields changed. The mock checks the values: its message names the
// key, and is shown next to that field.

import {api, clearErrors, showError} from "./api.js";
import {$, el, fill} from "./dom.js";

// seed is a 64-bit integer, past what a JavaScript number holds exactly:
// integers are kept and sent as the digits the mock wrote.
function rawIntegers(raw) {
    const out = {};
    const re = /"([A-Za-z0-9_]+)"\s*:\s*(-?\d+)(?=\s*[,}])/g;
    let m;
    while ((m = re.exec(raw)) !== null) {
        out[m[1]] = m[2];
    }
    return out;
}

function hint(key) {
    if (key === "retry_schedule_ms") {
        return "comma list of delays (ms, or 5s, 5m, …); empty for none";
    }
    if (key.endsWith("_ms")) {
        return "milliseconds, or a duration such as 300ms, 5s, 2m";
    }
    return "";
}

export function initConfig() {
    const form = $("#cfg-form");
    const fields = $("#cfg-fields");
    const status = $("#cfg-status");
    let shown = {}; // key -> {type, text} as loaded

    function asText(key, value, ints) {
        if (Array.isArray(value)) {
            return value.join(",");
        }
        if (typeof value === "number" && Number.isInteger(value) && key in ints) {
            return ints[key];
        }
        return value === null ? "" : String(value);
    }

    function render(policy, raw) {
        const ints = rawIntegers(raw);
        shown = {};
        fill(fields, Object.keys(policy).map((key) => {
            const value = policy[key];
            const id = "cfg-" + key;
            const type = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
            let input;
            if (type === "boolean") {
                input = el("input", {id, name: key, type: "checkbox", checked: value});
                shown[key] = {type, text: String(value)};
            } else {
                const text = asText(key, value, ints);
                input = el("input", {id, name: key, type: "text", spellcheck: "false",
                    inputmode: type === "number" ? "decimal" : null});
                input.value = text;
                shown[key] = {type, text};
            }
            return el("div", {class: "field"},
                el("label", {for: id}, key),
                input,
                hint(key) ? el("span", {class: "hint"}, hint(key)) : null,
                el("span", {class: "field-error", "data-error-for": key, hidden: true}));
        }));
    }

    // The JSON text of one changed field, or undefined when unchanged.
    function changed(key) {
        const input = form.elements.namedItem(key);
        const was = shown[key];
        if (was.type === "boolean") {
            return input.checked === (was.text === "true") ? undefined : String(input.checked);
        }
        const text = input.value.trim();
        if (text === was.text) {
            return undefined;
        }
        if (was.type === "array") {
            return text === "" ? "[]" : JSON.stringify(text);
        }
        if (was.type === "number" && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) {
            return text; // the number as typed, digits kept exactly
        }
        return JSON.stringify(text); // a duration string, or for the mock to refuse
    }

    async function load() {
        const {json, raw} = await api("GET", "/mock/config", undefined, {raw: true});
        render(json || {}, raw);
    }

    form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        clearErrors(form);
        fill(status);
        const parts = [];
        for (const key of Object.keys(shown)) {
            const v = changed(key);
            if (v !== undefined) {
                parts.push(JSON.stringify(key) + ":" + v);
            }
        }
        if (parts.length === 0) {
            fill(status, "Nothing changed.");
            return;
        }
        try {
            const {json, raw} = await api("PUT", "/mock/config", "{" + parts.join(",") + "}",
                {raw: true});
            render(json || {}, raw);
            fill(status, "Saved: " + parts.length + " setting(s) changed.");
        } catch (e) {
            showError(form, e);
        }
    });
    $("#cfg-reload").addEventListener("click", () => {
        clearErrors(form);
        fill(status);
        load().catch((e) => showError(form, e));
    });

    return {
        show: load,
    };
}
