#!/usr/bin/env bash
# install.deb: the package as a user gets it. Builds the .deb from the build
# folder, unpacks it into a temporary root with dpkg-deb -x and, from that
# root only: vambe-harness lists and validates the installed suite (not the
# source tree's), finds the reference receiver conformant, vambe-mock
# delivers an event to it, and every man page renders. Then checks that no
# installed file names the build or source folder, that the programs are
# stripped and carry no RPATH, and that lintian finds no error.
#
#   tests/install/test_deb.sh BUILD_DIR SOURCE_DIR VERSION
#
# Every server listens on 127.0.0.1, on a port it picks and writes to its
# --port-file; every process started here is killed on exit.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: test_deb.sh BUILD_DIR SOURCE_DIR VERSION" >&2
    exit 2
fi
build=$(cd "$1" && pwd -P)
src=$(cd "$2" && pwd -P)
version=$3
programs=(vambe-harness vambe-mock vambe-receiver)

# wait_port (at most 10 s for a program to write the port it chose) and
# stop_servers.
# shellcheck source=scripts/port-file.sh
source "$src/scripts/port-file.sh"

work=$(mktemp -d)
pids=()
cleanup() {
    stop_servers "${pids[@]}"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
step() { echo "== $*"; }

step "build the package"
if ! cmake --build "$build" --target package >"$work/package.log" 2>&1; then
    cat "$work/package.log" >&2
    fail "cmake --build $build --target package"
fi
deb=$build/vambe-kit_${version}_$(dpkg --print-architecture).deb
[[ -f "$deb" ]] || fail "no $deb after the build"
dpkg-deb -I "$deb" | sed -n 's/^ \(Package\|Version\|Installed-Size\|Depends\): /  \1: /p'

step "unpack into a temporary root"
root=$work/root
dpkg-deb -x "$deb" "$root"
bin=$root/usr/bin
share=$root/usr/share/vambe-kit
for p in "${programs[@]}"; do
    [[ -x "$bin/$p" ]] || fail "no usr/bin/$p in the package"
    [[ -s "$root/usr/share/man/man1/$p.1.gz" ]] || fail "no man page usr/share/man/man1/$p.1.gz"
done
for f in README.md CHANGELOG.md copyright changelog.gz docs/checks.md; do
    [[ -s "$root/usr/share/doc/vambe-kit/$f" ]] || fail "no usr/share/doc/vambe-kit/$f"
done
n_installed=$(find "$share/scenarios" -name '*.json' | wc -l)
n_source=$(find "$src/scenarios" -name '*.json' | wc -l)
((n_installed > 0 && n_installed == n_source)) ||
    fail "$n_installed scenario files installed, $n_source in the source tree"

# Run from the temporary root: no build folder on the way, no source tree
# as the working directory.
cd "$work"

step "the installed programs print the project's version"
for p in "${programs[@]}"; do
    out=$("$bin/$p" --version)
    [[ "$out" == "$p $version" ]] || fail "$p --version printed '$out', expected '$p $version'"
done

step "vambe-harness list and validate use the installed suite"
"$bin/vambe-harness" list >"$work/list.txt"
n_listed=$(grep -c '^[A-Z][A-Z][A-Z]-[0-9][0-9][0-9] ' "$work/list.txt" || true)
((n_listed == n_installed)) || fail "list shows $n_listed cases, $n_installed files installed"
out=$("$bin/vambe-harness" validate)
[[ "$out" == "$n_installed scenarios OK" ]] || fail "validate printed '$out'"
# Proof that the suite came from the package and not from the source tree:
# a case removed from the installed copy only is gone from the listing.
victim=$(find "$share/scenarios" -name 'DLV-001*.json' | head -n 1)
[[ -n "$victim" ]] || fail "no DLV-001 scenario installed"
mv "$victim" "$work/"
"$bin/vambe-harness" list >"$work/list-less.txt"
mv "$work/$(basename "$victim")" "$victim"
grep -q '^DLV-001 ' "$work/list.txt" || fail "DLV-001 missing from the first listing"
if grep -q '^DLV-001 ' "$work/list-less.txt"; then
    fail "DLV-001 is still listed once removed from the installed suite: the harness reads another copy"
fi

step "vambe-harness run against the installed vambe-receiver"
secret="pkg-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export VAMBE_SECRET=$secret
"$bin/vambe-receiver" --bind 127.0.0.1 --port 0 --port-file "$work/receiver.port" \
    2>"$work/receiver.log" &
pids+=($!)
receiver=http://127.0.0.1:$(wait_port "$work/receiver.port")
set +e
"$bin/vambe-harness" run --target "$receiver/" --probe-url "$receiver/_probe/events/{event_id}" \
    --no-color --report json:"$work/report.json" >"$work/run.txt" 2>"$work/run.err"
rc=$?
set -e
if ((rc != 0)); then
    cat "$work/run.txt" "$work/run.err" >&2
    fail "vambe-harness run exited $rc against the reference receiver (expected 0: conformant)"
fi
tail -n 3 "$work/run.txt"

step "vambe-mock serves and delivers to the receiver"
key=pkg-mock-key-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
"$bin/vambe-mock" serve --bind 127.0.0.1 --port 0 --port-file "$work/mock.port" \
    --api-key "$key" --time-scale 0.01 2>"$work/mock.log" &
pids+=($!)
mock=http://127.0.0.1:$(wait_port "$work/mock.port")
curl -sf --max-time 10 -X POST -H "x-api-key: $key" -H 'Content-Type: application/json' \
    -d "{\"topic\":\"message.received\",\"url\":\"$receiver/\",\"secret\":\"$secret\"}" \
    "$mock/api/webhooks" >"$work/webhook.json" || fail "POST /api/webhooks"
event=$("$bin/vambe-mock" trigger message.received --server "$mock" --api-key "$key")
[[ "$event" == evt_* ]] || fail "vambe-mock trigger printed '$event', expected an event id"
# Waits (at most 10 s) for the call log to show the delivery's outcome, then
# for the receiver's probe to count the event processed.
outcome=
for ((i = 0; i < 100; i++)); do
    outcome=$(curl -sf --max-time 5 -H "x-api-key: $key" \
        "$mock/api/webhooks/calls?event_id=$event" | python3 -c '
import json, sys
calls = json.load(sys.stdin)["data"]
print(" ".join("%s:%s" % (c["outcome"], c["response_status"]) for c in calls))') ||
        fail "GET /api/webhooks/calls"
    [[ "$outcome" == *succeeded* ]] && break
    sleep 0.1
done
[[ "$outcome" == "succeeded:200" ]] || fail "the call log shows '$outcome' for $event, expected succeeded:200"
count=
for ((i = 0; i < 100; i++)); do
    count=$(curl -sf --max-time 5 "$receiver/_probe/events/$event" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["count"])') || count=0
    [[ "$count" == 1 ]] && break
    sleep 0.1
done
[[ "$count" == 1 ]] || fail "the receiver's probe counts $event processed $count times, expected 1"
echo "  $event: $outcome, processed once"

step "man -l renders each page"
for p in "${programs[@]}"; do
    page=$root/usr/share/man/man1/$p.1.gz
    MANWIDTH=80 man -l "$page" 2>"$work/man.err" | head -n 20 >"$work/man.txt" || true
    [[ -s "$work/man.txt" ]] || fail "man -l $page printed nothing: $(cat "$work/man.err")"
    grep -q "$p" "$work/man.txt" || fail "man -l $page does not name $p"
    [[ ! -s "$work/man.err" ]] || fail "man -l $page: $(cat "$work/man.err")"
done

step "no installed file names the build or the source folder"
leaks=()
while IFS= read -r -d '' f; do
    if [[ "$f" == *.gz ]]; then
        # grep -c reads to the end: zcat never dies of SIGPIPE (pipefail).
        hits=$(zcat -- "$f" | grep -acF -e "$build" -e "$src" || true)
    else
        hits=$(grep -acF -e "$build" -e "$src" -- "$f" || true)
    fi
    if ((hits > 0)); then
        leaks+=("${f#"$root"}")
    fi
done < <(find "$root" -type f -print0)
((${#leaks[@]} == 0)) || fail "the path of $src or $build is in: ${leaks[*]}"

step "the programs are stripped and have no RPATH"
for p in "${programs[@]}"; do
    sections=$(readelf -SW "$bin/$p")
    dynamic=$(readelf -dW "$bin/$p")
    if grep -qE '\.symtab|\.debug_' <<<"$sections"; then
        fail "$p is not stripped"
    fi
    if grep -qE 'RPATH|RUNPATH' <<<"$dynamic"; then
        fail "$p has an RPATH: $(grep -E 'RPATH|RUNPATH' <<<"$dynamic")"
    fi
done

step "lintian"
command -v lintian >/dev/null || fail "lintian is not installed (bash scripts/deps.sh --test)"
set +e
lintian --fail-on error --tag-display-limit 0 "$deb" >"$work/lintian.txt" 2>"$work/lintian.err"
rc=$?
set -e
sed 's/^/  /' "$work/lintian.txt"
if ((rc != 0)); then
    cat "$work/lintian.err" >&2
    fail "lintian exited $rc (an error, or lintian could not run)"
fi
echo "install.deb: OK ($(wc -l <"$work/lintian.txt") lintian tags below error level)"
