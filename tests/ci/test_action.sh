#!/usr/bin/env bash
# Runs scripts/ci/vambe-action.sh, the logic of the GitHub Action (action.yml)
# and of the GitLab CI template, against vambe-receiver, with GitHub's files
# (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_PATH) and RUNNER_TEMP pointed at
# a temporary folder: a conformant run, a receiver that processes duplicates
# twice (--flaw no-dedupe), bad inputs, an unreachable receiver, a run outside
# GitHub, and an install-only step. The kit is the one already built: the
# script under test gets it through VAMBE_BIN_DIR and builds nothing.
#
#   tests/ci/test_action.sh [BUILD_DIR]
#
# The programs are $VAMBE_HARNESS_BIN and $VAMBE_RECEIVER_BIN when set (as
# CTest sets them), else BUILD_DIR's (default: build).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
harness_bin=${VAMBE_HARNESS_BIN:-$build/harness/vambe-harness}
receiver_bin=${VAMBE_RECEIVER_BIN:-$build/examples/receiver/vambe-receiver}
action=$root/scripts/ci/vambe-action.sh
if [[ ! -f "$action" ]]; then
    echo "test_action: no script under test at $action" >&2
    exit 2
fi
for f in "$harness_bin" "$receiver_bin"; do
    if [[ ! -x "$f" ]]; then
        echo "test_action: no program at $f (build the kit first)" >&2
        exit 2
    fi
done
# Absolute: the runs below start in folders of their own.
harness_bin=$(cd "$(dirname "$harness_bin")" && pwd)/$(basename "$harness_bin")
receiver_bin=$(cd "$(dirname "$receiver_bin")" && pwd)/$(basename "$receiver_bin")
for tool in xmllint python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "test_action: $tool is needed (bash scripts/deps.sh)" >&2
        exit 2
    fi
done

# wait_port (at most 10 s for a program to write the port it chose) and
# stop_servers.
# shellcheck source=scripts/port-file.sh
source "$root/scripts/port-file.sh"

work=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    stop_servers "${pids[@]}"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failures=0
checks=0
# check DESCRIPTION COMMAND...: one assertion; a failure is counted, not fatal,
# so one run shows every broken promise.
check() {
    local what=$1
    shift
    checks=$((checks + 1))
    if "$@"; then
        echo "ok     $what"
    else
        echo "FAILED $what" >&2
        failures=$((failures + 1))
    fi
}

secret="ci-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

# start_receiver NAME [FLAGS...]: starts vambe-receiver on 127.0.0.1, port 0;
# prints its port.
start_receiver() {
    local name=$1
    shift
    VAMBE_SECRET=$secret "$receiver_bin" --port 0 --port-file "$work/$name.port" "$@" \
        2>"$work/$name.receiver.log" &
    pids+=($!)
}

# The kit as a folder of programs, and as a CMake build folder (the layout
# the script links into BUILD/bin when it builds the kit itself).
mkdir -p "$work/bin" "$work/build/harness" "$work/build/examples/receiver"
ln -s "$harness_bin" "$work/bin/vambe-harness"
ln -s "$receiver_bin" "$work/bin/vambe-receiver"
ln -s "$harness_bin" "$work/build/harness/vambe-harness"
ln -s "$receiver_bin" "$work/build/examples/receiver/vambe-receiver"

start_receiver good
start_receiver flawed --flaw no-dedupe
start_receiver gone
good=http://127.0.0.1:$(wait_port "$work/good.port")
flawed=http://127.0.0.1:$(wait_port "$work/flawed.port")
gone_port=$(wait_port "$work/gone.port")
# A port nothing listens on any more: the third receiver's, once stopped.
kill "${pids[2]}"
wait "${pids[2]}" 2>/dev/null || true

# run_action NAME github|plain [VAR=VALUE...]: runs the script under test in
# $work/NAME with only the variables given (none of the caller's VAMBE_* or
# GITHUB_*), the GitHub ones too for "github"; stdout and stderr go to
# $work/NAME/log, the exit status to $work/NAME/rc.
run_action() {
    local name=$1 mode=$2 dir=$work/$1 rc=0
    shift 2
    local unset_args=() v
    for v in $(compgen -e); do
        if [[ "$v" == VAMBE_* || "$v" == GITHUB_* || "$v" == RUNNER_* ]]; then
            unset_args+=(-u "$v")
        fi
    done
    local vars=()
    mkdir -p "$dir/tmp"
    if [[ "$mode" == github ]]; then
        : >"$dir/summary.md"
        : >"$dir/output"
        : >"$dir/path"
        vars+=(GITHUB_ACTIONS=true "GITHUB_STEP_SUMMARY=$dir/summary.md"
            "GITHUB_OUTPUT=$dir/output" "GITHUB_PATH=$dir/path" "RUNNER_TEMP=$dir/tmp")
    else
        vars+=("TMPDIR=$dir/tmp")
    fi
    (cd "$dir" && env "${unset_args[@]}" "${vars[@]}" "$@" bash "$action") >"$dir/log" 2>&1 ||
        rc=$?
    echo "$rc" >"$dir/rc"
}

rc_of() { cat "$work/$1/rc"; }
# out NAME KEY: the value the run wrote for an output, or nothing.
out() { sed -n "s/^$2=//p" "$work/$1/output" | tail -n 1; }
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
eq() { [[ "$1" == "$2" ]]; }
nonzero_int() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }
# The secret shows only in the line that asks GitHub to mask it.
secret_hidden() { ! grep -v '^::add-mask::' "$@" | grep -qF -- "$secret"; }

echo "== a conformant receiver, on GitHub"
run_action pass github "VAMBE_TARGET=$good/" "VAMBE_SECRET_INPUT=$secret" \
    "VAMBE_PROBE_URL=$good/_probe/events/{event_id}" \
    "VAMBE_STATE_PROBE_URL=$good/_probe/entities/{entity_id}" \
    "VAMBE_BIN_DIR=$work/bin" VAMBE_STRICT=false
d=$work/pass
check "exit 0" eq "$(rc_of pass)" 0
check "output result=conformant" eq "$(out pass result)" conformant
check "output conformant=true" eq "$(out pass conformant)" true
check "output exit-code=0" eq "$(out pass exit-code)" 0
check "output junit is the stable path" eq "$(out pass junit)" "$d/vambe-conformance/report.xml"
check "output html names the HTML report" eq "$(out pass html)" "$d/vambe-conformance/report.html"
check "output reports-dir" eq "$(out pass reports-dir)" "$d/vambe-conformance"
check "output bin-dir" eq "$(out pass bin-dir)" "$work/bin"
check "output passed counts cases" nonzero_int "$(out pass passed)"
check "output failed=0" eq "$(out pass failed)" 0
check "JUnit report is well-formed XML" xmllint --noout "$d/vambe-conformance/report.xml"
check "JUnit report matches the JUnit schema" \
    xmllint --noout --schema "$root/tests/data/junit.xsd" "$d/vambe-conformance/report.xml"
check "HTML report written" test -s "$d/vambe-conformance/report.html"
check "summary holds the Markdown report" \
    has "$d/summary.md" "# ✅ Vambe webhook conformance: CONFORMANT"
check "summary lists the cases" has "$d/summary.md" "| DLV-001 |"
check "kit folder added to PATH" eq "$(cat "$d/path")" "$work/bin"
check "a notice says conformant" has "$d/log" "::notice title=Vambe conformance%3A conformant::"
check "the secret is masked" has "$d/log" "::add-mask::$secret"
check "the secret is shown nowhere else" secret_hidden "$d/log" "$d/summary.md" "$d/output"
check "the harness's output cannot issue workflow commands" has "$d/log" "::stop-commands::"

echo "== a receiver that processes a duplicate twice (--flaw no-dedupe), from a build folder"
run_action dedupe github "VAMBE_TARGET=$flawed/" "VAMBE_SECRET_INPUT=$secret" \
    "VAMBE_PROBE_URL=$flawed/_probe/events/{event_id}" VAMBE_ONLY=DLV-001,IDM-002,IDM-003 \
    "VAMBE_BIN_DIR=$work/build" VAMBE_REPORTS_DIR=out/reports
d=$work/dedupe
check "exit 1" eq "$(rc_of dedupe)" 1
check "output result=not conformant" eq "$(out dedupe result)" "not conformant"
check "output conformant=false" eq "$(out dedupe conformant)" false
check "output exit-code=1" eq "$(out dedupe exit-code)" 1
check "output failed=2" eq "$(out dedupe failed)" 2
check "output junit under reports-dir" eq "$(out dedupe junit)" "$d/out/reports/report.xml"
check "JUnit report is well-formed XML" xmllint --noout "$d/out/reports/report.xml"
check "JUnit report has the failure" has "$d/out/reports/report.xml" "<failure"
check "programs linked into the build folder's bin/" eq "$(out dedupe bin-dir)" "$work/build/bin"
check "summary says NOT CONFORMANT" \
    has "$d/summary.md" "# ❌ Vambe webhook conformance: NOT CONFORMANT"
check "summary names the failed case" has "$d/summary.md" "IDM-002"
check "an error annotation says not conformant" \
    has "$d/log" "::error title=Vambe conformance%3A not conformant::$flawed/ does not conform"
check "the annotation names the failed case" has "$d/log" "FAIL IDM-002 (MUST)"
check "the secret is shown nowhere else" secret_hidden "$d/log" "$d/summary.md" "$d/output"

echo "== an unknown scheme, in a folder holding an earlier run's reports"
mkdir -p "$work/scheme/vambe-conformance"
echo '<testsuites/>' >"$work/scheme/vambe-conformance/report.xml"
echo '# ✅ Vambe webhook conformance: CONFORMANT' >"$work/scheme/vambe-conformance/report.md"
run_action scheme github "VAMBE_TARGET=$good/" "VAMBE_SECRET_INPUT=$secret" \
    VAMBE_SCHEME=no-such-scheme "VAMBE_BIN_DIR=$work/bin"
d=$work/scheme
check "exit 2" eq "$(rc_of scheme)" 2
check "output result=usage error" eq "$(out scheme result)" "usage error"
check "output exit-code=2" eq "$(out scheme exit-code)" 2
check "an error annotation quotes the harness" has "$d/log" \
    "::error title=Vambe conformance%3A usage error::--scheme: unknown scheme 'no-such-scheme'"
check "output junit empty: no report" eq "$(out scheme junit)" ""
check "the earlier run's JUnit report is gone" test ! -e "$d/vambe-conformance/report.xml"
check "summary says what went wrong" has "$d/summary.md" "unknown scheme 'no-such-scheme'"
check "summary holds no earlier report" lacks "$d/summary.md" "CONFORMANT"

echo "== a bad input: strict is not a boolean"
run_action strict github "VAMBE_TARGET=$good/" "VAMBE_SECRET_INPUT=$secret" \
    VAMBE_STRICT=maybe "VAMBE_BIN_DIR=$work/bin"
d=$work/strict
check "exit 2" eq "$(rc_of strict)" 2
check "output result=usage error" eq "$(out strict result)" "usage error"
check "an error annotation names the input" has "$d/log" \
    "::error title=Vambe conformance%3A bad input::strict: 'maybe' is not a boolean"
check "the harness did not run" lacks "$d/log" "vambe-harness run"

echo "== a missing target"
run_action notarget github "VAMBE_SECRET_INPUT=$secret" "VAMBE_BIN_DIR=$work/bin"
check "exit 2" eq "$(rc_of notarget)" 2
check "an error annotation names the input" has "$work/notarget/log" \
    "::error title=Vambe conformance%3A bad input::target: the receiver's webhook URL is required"

echo "== a .deb that is not there"
run_action nodeb github "VAMBE_TARGET=$good/" "VAMBE_SECRET_INPUT=$secret" \
    "VAMBE_DEB=$work/no-such.deb"
check "exit 2" eq "$(rc_of nodeb)" 2
check "an error annotation names the input" has "$work/nodeb/log" \
    "::error title=Vambe conformance%3A bad input::deb: no such file: '$work/no-such.deb'"
check "nothing installed or built" lacks "$work/nodeb/log" "::group::"

echo "== an unreachable receiver, waited for 1 s"
started=$SECONDS
run_action gone github "VAMBE_TARGET=http://127.0.0.1:$gone_port/" \
    "VAMBE_SECRET_INPUT=$secret" VAMBE_WAIT=1 "VAMBE_BIN_DIR=$work/bin"
d=$work/gone
check "exit 3" eq "$(rc_of gone)" 3
check "the wait is bounded" test $((SECONDS - started)) -le 15
check "output result=unreachable" eq "$(out gone result)" unreachable
check "an error annotation says unreachable" has "$d/log" \
    "::error title=Vambe conformance%3A receiver unreachable::target http://127.0.0.1:$gone_port/ unreachable"

echo "== outside GitHub (as the GitLab template runs it)"
run_action plain plain "VAMBE_TARGET=$good/" "VAMBE_SECRET=$secret" VAMBE_ONLY=DLV-001 \
    "VAMBE_BIN_DIR=$work/bin" VAMBE_REPORTS_DIR=reports
d=$work/plain
check "exit 0" eq "$(rc_of plain)" 0
check "JUnit report is well-formed XML" xmllint --noout "$d/reports/report.xml"
check "no workflow command printed" lacks "$d/log" "::"
check "the secret is shown nowhere" lacks "$d/log" "$secret"
check "nothing GitHub's written" test ! -e "$d/summary.md" -a ! -e "$d/output"

echo "== install only (the first of two steps)"
run_action install github VAMBE_INSTALL_ONLY=true "VAMBE_BIN_DIR=$work/bin"
d=$work/install
check "exit 0" eq "$(rc_of install)" 0
check "output bin-dir" eq "$(out install bin-dir)" "$work/bin"
check "output version" eq "$(out install version)" "$("$harness_bin" --version | awk '{ print $2 }')"
check "kit folder added to PATH" eq "$(cat "$d/path")" "$work/bin"
check "the harness did not run" lacks "$d/log" "vambe-harness run"

if ((failures > 0)); then
    echo "test_action: $failures of $checks checks failed; the runs' logs:" >&2
    for f in "$work"/*/log; do
        echo "--- $f" >&2
        cat "$f" >&2
    done
    exit 1
fi
echo "test_action: all $checks checks passed"
