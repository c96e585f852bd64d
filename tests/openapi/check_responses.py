#!/usr/bin/env python3
"""Checks recorded exchanges with the mock against docs/openapi.yaml.

The log holds one JSON object a line, as tests/support/api.c writes it with
VAMBE_TEST_API_LOG set: method, path (with the query), status, content_type,
body (text). Every exchange whose path starts with /api/, /mock/ or /ui/,
or is /openapi.json or /ui, must belong to a documented operation (path template and
method), answer a status that operation lists, with a content type it
lists, and a JSON body must validate against that response's schema
(JSON Schema draft 2020-12, $ref resolved against the whole document).

Paths no template matches may answer only the document's
x-unmatched-responses 404, and known paths with a method they do not
document only its 405: that is how the mock answers them.

Usage: check_responses.py --spec docs/openapi.yaml [--check-schemas]
                          [--min-exchanges N] [--require-operations] [LOG]
Exit 0 when every exchange matches, 1 on a mismatch (each printed with its
exchange), 2 on a usage or input error.
"""

import argparse
import json
import re
import sys
import urllib.parse

import jsonschema
import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
CHECKED_PREFIXES = ("/api/", "/mock/", "/ui/")
CHECKED_PATHS = ("/openapi.json", "/ui")
# Operations the integration tests cannot reach through their one request
# helper: a stream that never ends, and the console's static files.
NOT_REQUIRED = re.compile(r"^(/mock/stream|/ui(/.*)?|/openapi\.json)$")
DIALECT = "https://json-schema.org/draft/2020-12/schema"


class Spec:
    """The document, its path templates and a validator per schema."""

    def __init__(self, doc):
        self.doc = doc
        self.templates = []
        for template, item in (doc.get("paths") or {}).items():
            names = re.findall(r"\{([^}/]+)\}", template)
            pattern = "^" + re.sub(r"\\\{[^}/]+\\\}", "([^/]+)", re.escape(template)) + "$"
            self.templates.append((template, re.compile(pattern), len(names), item))
        self.validators = {}

    def resolve(self, node):
        """Follows a local $ref (responses, parameters) to its target."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and len(node) == 1:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError("only local references are supported: %s" % ref)
            target = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target[part]
            node = target
            seen += 1
            if seen > 32:
                raise ValueError("reference loop at %s" % ref)
        return node

    def validator(self, schema):
        """A draft 2020-12 validator of schema, whose $refs resolve against
        the whole document (it is wrapped in an object that carries the
        document's components)."""
        key = json.dumps(schema, sort_keys=True)
        if key not in self.validators:
            wrapper = {
                "$schema": DIALECT,
                "components": self.doc.get("components", {}),
                "allOf": [schema],
            }
            self.validators[key] = jsonschema.Draft202012Validator(wrapper)
        return self.validators[key]

    def operations(self):
        for template, _, _, item in self.templates:
            for method in METHODS:
                if method in item:
                    yield template, method.upper(), item[method]

    def match(self, method, path):
        """(template, operation) of the documented operation, or
        (None, "404") when no template matches the path, or
        (template, "405") when none that matches takes the method. Like
        the mock's router, the template with the fewest captures wins."""
        decoded = urllib.parse.unquote(path)
        known = None
        best = None
        for template, regex, n_caps, item in self.templates:
            if not regex.match(decoded):
                continue
            if known is None or n_caps < known[1]:
                known = (template, n_caps)
            op = item.get(method.lower())
            if op is not None and (best is None or n_caps < best[2]):
                best = (template, op, n_caps)
        if best is not None:
            return best[0], best[1]
        if known is not None:
            return known[0], "405"
        return None, "404"


def short(text, limit=300):
    text = text if isinstance(text, str) else json.dumps(text)
    return text if len(text) <= limit else text[:limit] + "…(%d chars)" % len(text)


def media_type(ctype):
    return (ctype or "").split(";")[0].strip().lower()


def is_json_type(mt):
    return mt == "application/json" or mt.endswith("+json")


def check_response(spec, response, ex, problems):
    """Checks the exchange ex against one response object."""
    response = spec.resolve(response)
    content = response.get("content") or {}
    body = ex.get("body")
    mt = media_type(ex.get("content_type"))
    if ex["method"] == "HEAD":
        return
    if not content:
        if body:
            problems.append("a body came, but the document declares none for status %s"
                            % ex["status"])
        return
    if mt not in content:
        problems.append("content type '%s' is not documented for status %s (documented: %s)"
                        % (ex.get("content_type"), ex["status"], ", ".join(sorted(content))))
        return
    schema = (content[mt] or {}).get("schema")
    if schema is None or not is_json_type(mt):
        return
    try:
        value = json.loads(body if body is not None else "")
    except ValueError as exc:
        problems.append("the body is not JSON (%s) though the content type is %s" % (exc, mt))
        return
    errors = sorted(spec.validator(schema).iter_errors(value),
                    key=lambda e: [str(p) for p in e.absolute_path])
    for err in errors:
        where = "/".join(str(p) for p in err.absolute_path) or "(the body)"
        detail = err.message
        # allOf/oneOf hide the useful message one level down.
        if err.context:
            detail += "; " + "; ".join(c.message for c in err.context[:4])
        problems.append("the body does not match the schema at %s: %s" % (where, short(detail)))


def check_exchange(spec, ex):
    """Returns (operation name or None, problems)."""
    problems = []
    method = ex["method"].upper()
    path = ex["path"].split("?", 1)[0]
    status = str(ex["status"])
    template, op = spec.match(method, path)
    if isinstance(op, str):
        unmatched = spec.doc.get("x-unmatched-responses") or {}
        what = ("no documented path matches %s" % path if op == "404"
                else "method %s is not documented on %s" % (method, template))
        if status != op or op not in unmatched:
            problems.append("%s, and the answer is %s (only %s is documented for that)"
                            % (what, status, op))
            return None, problems
        check_response(spec, unmatched[op], ex, problems)
        return "(%s for %s)" % (op, "unknown paths" if op == "404" else "other methods"), problems
    name = "%s %s" % (method, template)
    responses = op.get("responses") or {}
    response = responses.get(status) or responses.get(status[0] + "XX") or responses.get(
        "default")
    if response is None:
        problems.append("status %s is not documented for %s (documented: %s)"
                        % (status, name, ", ".join(sorted(responses))))
        return name, problems
    check_response(spec, response, ex, problems)
    return name, problems


def check_schemas(spec):
    """Checks every schema of the document against the 2020-12 meta-schema
    (the OpenAPI document validator checks the document's structure, not
    the keywords inside its schemas). Returns the problems."""
    problems = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                here = where + "/" + str(key)
                if key == "schema" and isinstance(value, dict):
                    check(value, here)
                elif key == "schemas" and where.endswith("/components") and isinstance(value, dict):
                    for name, schema in value.items():
                        check(schema, here + "/" + name)
                else:
                    walk(value, here)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, "%s/%d" % (where, i))

    def check(schema, where):
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as exc:
            problems.append("%s: not a valid JSON Schema 2020-12 schema: %s"
                            % (where, short(exc.message)))
        refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(schema))
        for ref in refs:
            try:
                spec.resolve({"$ref": ref})
            except (KeyError, TypeError, ValueError):
                problems.append("%s: unresolvable $ref %s" % (where, ref))

    walk(spec.doc, "#")
    return problems


def load_log(path):
    exchanges = []
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                ex = json.loads(line)
                for key in ("method", "path", "status"):
                    if key not in ex:
                        raise ValueError("no '%s'" % key)
            except ValueError as exc:
                raise SystemExit("check_responses: %s:%d: not an exchange: %s" % (path, n, exc))
            exchanges.append(ex)
    return exchanges


def checked(path):
    path = path.split("?", 1)[0]
    return path.startswith(CHECKED_PREFIXES) or path in CHECKED_PATHS


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", required=True, help="the OpenAPI document (YAML or JSON)")
    ap.add_argument("--check-schemas", action="store_true",
                    help="check every schema of the document against the meta-schema")
    ap.add_argument("--min-exchanges", type=int, default=0,
                    help="fail when fewer exchanges were checked")
    ap.add_argument("--require-operations", action="store_true",
                    help="fail when an operation (but the stream, the console and "
                         "/openapi.json) was exercised by no exchange")
    ap.add_argument("log", nargs="?", help="the exchanges, one JSON object a line (- for stdin)")
    args = ap.parse_args()

    with open(args.spec, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3.1"):
        print("check_responses: %s is not an OpenAPI 3.1 document" % args.spec, file=sys.stderr)
        return 2
    spec = Spec(doc)
    failed = False

    if args.check_schemas:
        problems = check_schemas(spec)
        for p in problems:
            print("SCHEMA: " + p)
        failed = failed or bool(problems)
        if not problems:
            print("every schema of %s is a valid JSON Schema 2020-12 schema" % args.spec)
    if args.log is None:
        return 1 if failed else 0

    counts = {}
    mismatches = 0
    total = 0
    for ex in load_log(args.log):
        if not checked(ex["path"]):
            continue
        total += 1
        name, problems = check_exchange(spec, ex)
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
        for p in problems:
            mismatches += 1
            print("MISMATCH: %s\n  exchange: %s %s -> %s %s\n  body: %s"
                  % (p, ex["method"], ex["path"], ex["status"], ex.get("content_type") or "-",
                     short(ex.get("body") or "")))

    print("checked %d exchanges against %s:" % (total, args.spec))
    for name in sorted(counts):
        print("  %6d  %s" % (counts[name], name))
    missing = []
    for template, method, op in spec.operations():
        name = "%s %s" % (method, template)
        if name not in counts and args.require_operations:
            required = not NOT_REQUIRED.match(template)
            print("  %6s  %s (%s)%s" % ("none", name, op.get("operationId", "?"),
                                        "" if required else ": not required here"))
            if required:
                missing.append(name)
    if mismatches:
        print("check_responses: %d mismatches between the answers and %s"
              % (mismatches, args.spec))
        failed = True
    if missing:
        print("check_responses: %d operations were exercised by no exchange: %s"
              % (len(missing), ", ".join(missing)))
        failed = True
    if total < args.min_exchanges:
        print("check_responses: %d exchanges checked, fewer than the %d required"
              % (total, args.min_exchanges))
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
