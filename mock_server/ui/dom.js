// DOM helpers. Everything the server sends is hostile data (a receiver
// chooses its response body and headers): it reaches the page only as text
// (textContent, createTextNode) or as the value of an attribute set with
// setAttribute. No markup is ever parsed from a string in this console.

const SVG_NS = "http://www.w3.org/2000/svg";

// Attributes that can run code or load something are refused outright, so
// a mistake in a caller fails loudly instead of opening a hole.
function checkAttr(name) {
    const n = name.toLowerCase();
    if (n.startsWith("on") || n === "srcdoc" || n === "style") {
        throw new Error("dom: attribute '" + name + "' is not allowed");
    }
}

function setAttrs(node, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
        if (value === undefined || value === null || value === false) {
            continue;
        }
        checkAttr(name);
        if ((name === "href" || name === "src") && !/^[#/]/.test(String(value))) {
            throw new Error("dom: only local links are made");
        }
        node.setAttribute(name, value === true ? "" : String(value));
    }
}

function append(node, children) {
    for (const c of children) {
        if (c === undefined || c === null || c === false) {
            continue;
        }
        if (Array.isArray(c)) {
            append(node, c);
        } else if (c instanceof Node) {
            node.appendChild(c);
        } else {
            node.appendChild(document.createTextNode(String(c)));
        }
    }
    return node;
}

// el("td", {class: "num"}, "text", otherNode, [more]): strings become text.
export function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    return append(node, children);
}

// The same for SVG elements (createElementNS).
export function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    return append(node, children);
}

export function clear(node) {
    while (node.firstChild) {
        node.removeChild(node.firstChild);
    }
    return node;
}

// Replaces node's children.
export function fill(node, ...children) {
    return append(clear(node), children);
}

export function $(selector, root) {
    return (root || document).querySelector(selector);
}

export function $all(selector, root) {
    return Array.from((root || document).querySelectorAll(selector));
}

export function show(node, visible) {
    node.hidden = !visible;
}

// A JSON text pretty-printed when it parses, else as it came.
export function prettyBody(text) {
    if (typeof text !== "string") {
        return "";
    }
    try {
        return JSON.stringify(JSON.parse(text), null, 2);
    } catch (e) {
        return text;
    }
}

// "2024-09-30T10:00:05.014Z" -> "10:00:05.014" (UTC, as the API gives it).
export function clock(iso) {
    if (typeof iso !== "string") {
        return "";
    }
    const m = /T(\d\d:\d\d:\d\d(?:\.\d+)?)/.exec(iso);
    return m ? m[1] : iso;
}

export function ms(iso) {
    const t = typeof iso === "string" ? Date.parse(iso) : NaN;
    return Number.isNaN(t) ? null : t;
}

// A duration in ms as a short label: "52 ms", "5.0 s", "2.5 min", "1.2 h".
export function duration(d) {
    const a = Math.abs(d);
    if (a < 1000) {
        return Math.round(d) + " ms";
    }
    if (a < 60000) {
        return (d / 1000).toFixed(1) + " s";
    }
    if (a < 3600000) {
        return (d / 60000).toFixed(1) + " min";
    }
    return (d / 3600000).toFixed(1) + " h";
}

// A badge for an outcome or a webhook state; the class comes from a fixed
// list, never from the server's text.
const KNOWN = new Set([
    "succeeded", "failed", "retry_scheduled", "gave_up", "webhook_disabled", "dropped",
    "active", "disabled", "deleted",
]);

export function badge(word) {
    const cls = KNOWN.has(word) ? "badge badge-" + word : "badge";
    return el("span", {class: cls}, word === null || word === undefined ? "—" : String(word));
}
