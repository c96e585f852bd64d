#!/usr/bin/env bash
# api.openapi: docs/openapi.yaml is a valid OpenAPI 3.1 document, and every
# answer the mock gives the integration tests matches it.
#   (a) the document passes an OpenAPI 3.1 validator (npm, tests/openapi/)
#       and its schemas the JSON Schema 2020-12 meta-schema;
#   (b) the mock's integration tests, run with VAMBE_TEST_API_LOG, pass and
#       record their exchanges, which cover every operation of the API;
#   (c) check_responses.py finds every recorded answer documented;
#   (d) the checker fails on answers that are not (so (c) means something);
#   (e) GET /openapi.json of a running vambe-mock is this document.
# Usage: test_openapi.sh TEST_EXECUTABLE...  (VAMBE_MOCK_BIN names vambe-mock)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
spec="$root/docs/openapi.yaml"
checker="$here/check_responses.py"
# The integration tests make about 870 exchanges; far fewer means the log
# lost them or the tests were cut down.
min_exchanges=500

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

need() {
    if ! command -v "$1" >/dev/null; then
        echo "FAIL: $1 is missing (bash scripts/deps.sh --test installs it)"
        exit 1
    fi
}
need node
need npm
need python3
need curl
need flock
if ! python3 -c 'import jsonschema, yaml' 2>/dev/null; then
    echo "FAIL: python3's jsonschema or yaml module is missing (bash scripts/deps.sh --test)"
    exit 1
fi
if [[ -z "${VAMBE_MOCK_BIN:-}" || ! -x "$VAMBE_MOCK_BIN" ]]; then
    echo "FAIL: VAMBE_MOCK_BIN does not name the vambe-mock program"
    exit 1
fi
if (($# == 0)); then
    echo "FAIL: no integration test executable given"
    exit 1
fi

tmp=$(mktemp -d)
mock_pid=""
cleanup() {
    if [[ -n "$mock_pid" ]]; then
        kill "$mock_pid" 2>/dev/null || true
        wait "$mock_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# ---- (a) the document ----------------------------------------------------
validator="$here/node_modules/@seriousme/openapi-schema-validator/bin/validate-api-cli.js"
# Two builds testing at once must not run npm ci in one folder together.
if ! (
    flock 9 || exit 1
    if [[ ! -f "$validator" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
        echo "npm ci in tests/openapi (test tooling only)"
        cd "$here" && npm ci --no-audit --no-fund --loglevel=error
    fi
) 9>"${TMPDIR:-/tmp}/vambe-openapi-npm-$(id -u).lock"; then
    echo "FAIL: npm ci in $here failed (npm and the npm registry are needed)"
    exit 1
fi
if node "$validator" "$spec" >"$tmp/validate.out" 2>&1 && grep -q '"valid": true' "$tmp/validate.out"; then
    echo "ok: $spec is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)"
else
    cat "$tmp/validate.out"
    fail "$spec is not a valid OpenAPI 3.1 document"
fi
if python3 "$checker" --spec "$spec" --check-schemas; then
    echo "ok: its schemas are valid JSON Schema 2020-12"
else
    fail "$spec has invalid schemas"
fi

# ---- (b) the integration tests, recorded ------------------------------------
log="$tmp/exchanges.jsonl"
: >"$log"
for exe in "$@"; do
    name=$(basename "$exe")
    if [[ ! -x "$exe" ]]; then
        fail "$exe is not an executable"
        continue
    fi
    start=$(wc -l <"$log")
    if VAMBE_TEST_API_LOG="$log" "$exe" >"$tmp/$name.out" 2>&1; then
        echo "ok: $name passed, $(($(wc -l <"$log") - start)) exchanges recorded"
    else
        tail -n 40 "$tmp/$name.out"
        fail "$name failed"
    fi
done

# ---- (c) every answer documented, every operation exercised ------------------
if python3 "$checker" --spec "$spec" --min-exchanges "$min_exchanges" --require-operations \
    "$log"; then
    echo "ok: every recorded answer matches $spec"
else
    fail "recorded answers do not match $spec (or the tests left operations out)"
fi

# ---- (d) the checker fails where it should ----------------------------------
webhook='{"id":"d3758406-2681-4ff5-8de9-85003bc78067","topic":"message.received","url":"https://example.com/hook","secret":"****3c6d","active":true,"created_at":"2024-09-30T10:00:00.304Z","updated_at":"2024-09-30T10:00:00.304Z","deleted_at":null'
python3 - "$tmp" "$webhook" <<'EOF'
import json, sys
tmp, webhook = sys.argv[1], sys.argv[2]
def line(method, path, status, body):
    return json.dumps({"method": method, "path": path, "status": status,
                       "content_type": "application/json", "body": body}) + "\n"
path = "/api/webhooks/d3758406-2681-4ff5-8de9-85003bc78067"
with open(tmp + "/good.jsonl", "w") as f:
    f.write(line("GET", path, 200, webhook + "}"))
with open(tmp + "/bad.jsonl", "w") as f:
    f.write(line("GET", path, 200, webhook + ',"surprise":1}'))
    f.write(line("GET", path, 418, '{"statusCode":418,"error":"I\'m a Teapot","message":"no"}'))
EOF
if python3 "$checker" --spec "$spec" "$tmp/good.jsonl" >"$tmp/good.out" 2>&1; then
    echo "ok: the checker passes a documented answer"
else
    cat "$tmp/good.out"
    fail "the checker refuses a documented answer"
fi
rc=0
python3 "$checker" --spec "$spec" "$tmp/bad.jsonl" >"$tmp/bad.out" 2>&1 || rc=$?
if ((rc == 1)) && grep -q "'surprise' was unexpected" "$tmp/bad.out" &&
    grep -q "status 418 is not documented for GET /api/webhooks/{id}" "$tmp/bad.out"; then
    echo "ok: the checker refuses an undocumented field and an undocumented status"
else
    cat "$tmp/bad.out"
    fail "the checker did not refuse the made-up answers (exit $rc)"
fi

# ---- (e) GET /openapi.json is this document ---------------------------------
VAMBE_MOCK_API_KEY=openapi-test-key "$VAMBE_MOCK_BIN" serve --port 0 \
    --port-file "$tmp/mock.port" --no-access-log 2>"$tmp/mock.err" &
mock_pid=$!
for _ in $(seq 200); do
    [[ -s "$tmp/mock.port" ]] && break
    kill -0 "$mock_pid" 2>/dev/null || break
    sleep 0.05
done
if [[ ! -s "$tmp/mock.port" ]]; then
    cat "$tmp/mock.err"
    fail "vambe-mock did not start"
else
    port=$(cat "$tmp/mock.port")
    status=$(curl -s -o "$tmp/openapi.json" -D "$tmp/openapi.headers" -w '%{http_code}' \
        "http://127.0.0.1:$port/openapi.json" || true)
    if python3 - "$spec" "$tmp" "$status" <<'EOF'; then
import json, sys, yaml
spec, tmp, status = sys.argv[1], sys.argv[2], sys.argv[3]
body = open(tmp + "/openapi.json", encoding="utf-8", errors="replace").read()
ctype = ""
for h in open(tmp + "/openapi.headers", encoding="latin-1"):
    if h.lower().startswith("content-type:"):
        ctype = h.split(":", 1)[1].strip()
with open(tmp + "/openapi.jsonl", "w") as f:
    f.write(json.dumps({"method": "GET", "path": "/openapi.json", "status": int(status or 0),
                        "content_type": ctype, "body": body}) + "\n")
if status != "200":
    sys.exit("GET /openapi.json answered %s: %s" % (status, body[:300]))
try:
    served = json.loads(body)
except ValueError as e:
    sys.exit("GET /openapi.json is not JSON: %s" % e)
with open(spec, encoding="utf-8") as f:
    doc = yaml.safe_load(f)
if served != doc:
    sys.exit("GET /openapi.json differs from %s" % spec)
EOF
        if python3 "$checker" --spec "$spec" "$tmp/openapi.jsonl"; then
            echo "ok: GET /openapi.json is $spec"
        else
            fail "the answer of GET /openapi.json does not match its own description"
        fi
    else
        fail "GET /openapi.json is not $spec"
    fi
fi

if ((failures > 0)); then
    echo "api.openapi: $failures checks failed"
    exit 1
fi
echo "api.openapi: all checks passed"
