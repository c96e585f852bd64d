#!/usr/bin/env bash
# Runs the integration tests under valgrind memcheck: no invalid access, no
# use of uninitialised memory, no leak ("definitely" or "indirectly" lost).
#   scripts/valgrind.sh                     every integration.* test
#   scripts/valgrind.sh 'integration\.mock' the tests whose name matches
#   scripts/valgrind.sh --all               every test (unit tests too)
#   BUILD_DIR=... scripts/valgrind.sh       another build folder (default build-valgrind)
#
# Builds a Debug build without sanitizers (valgrind and ASan do not mix),
# asks CTest for each test's command and environment, and runs each test
# executable under
#   valgrind --leak-check=full --error-exitcode=99 --trace-children=yes
# --trace-children=yes matters: the integration tests start vambe-mock,
# vambe-harness and vambe-receiver as child processes (tests/support/proc.c),
# and without it those would run unchecked. System programs the kit
# executes (/bin/sh for --probe-cmd, ...) are skipped. Every process writes
# its own log, build-valgrind/valgrind/<test>.<pid>.log.
# Exits 1 when memcheck found an error or a leak in any process (the test
# or a child: every log is read), 0 otherwise. A test that fails its own
# assertions with memcheck clean (timing-dependent verdicts under valgrind's
# slowdown) is listed but fails the script only with VALGRIND_STRICT=1.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

pattern='^integration\.'
case "${1:-}" in
--all) pattern='.' ;;
-h | --help)
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
"") ;;
*) pattern=$1 ;;
esac

bash scripts/deps.sh --test
if ! command -v valgrind >/dev/null; then
    echo "valgrind.sh: valgrind is missing: apt-get install valgrind" >&2
    exit 3
fi

build_dir=${BUILD_DIR:-build-valgrind}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DVAMBE_SANITIZERS= >/dev/null
cmake --build "$build_dir" -j "$(nproc)" >/dev/null

logs="$build_dir/valgrind"
rm -rf "$logs"
mkdir -p "$logs"
# Reachable memory at exit (libcurl's and OpenSSL's global state, which
# they free only at process end) is not a leak; definite and indirect
# losses are.
vg=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes
    --trace-children=yes --trace-children-skip='/bin/*,/usr/bin/*,/sbin/*,/usr/sbin/*'
    --child-silent-after-fork=yes --num-callers=30)

# name, working folder, environment and command of each test, from CTest.
mapfile -t tests < <(ctest --test-dir "$build_dir" --show-only=json-v1 -R "$pattern" |
    python3 -c '
import json, sys
for t in json.load(sys.stdin)["tests"]:
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    env = props.get("ENVIRONMENT", [])
    print("\t".join([t["name"], props.get("WORKING_DIRECTORY", "."), "\x1f".join(env)]
                    + t["command"]))
')
if ((${#tests[@]} == 0)); then
    echo "valgrind.sh: no test matches '$pattern'" >&2
    exit 2
fi

failed=()
slow_failed=()
summary=()
for line in "${tests[@]}"; do
    IFS=$'\t' read -r -a f <<<"$line"
    name=${f[0]}
    dir=${f[1]}
    IFS=$'\x1f' read -r -a env <<<"${f[2]}"
    cmd=("${f[@]:3}")
    start=$SECONDS
    echo "== $name"
    set +e
    (cd "$dir" && env "${env[@]}" timeout 1800 "${vg[@]}" --log-file="$root/$logs/$name.%p.log" \
        "${cmd[@]}") >"$logs/$name.out" 2>&1
    rc=$?
    set -e
    # Errors valgrind counted in any process of the test.
    errors=$({ cat "$logs/$name".*.log 2>/dev/null || true; } |
        awk '/ERROR SUMMARY:/ {s += $4} END {print s + 0}')
    lost=$({ cat "$logs/$name".*.log 2>/dev/null || true; } |
        awk '/(definitely|indirectly) lost: [1-9]/ {n++} END {print n + 0}')
    procs=$(find "$logs" -name "$name.*.log" | wc -l)
    result="ok"
    if ((errors > 0 || lost > 0 || rc == 99)); then
        result="MEMCHECK: $errors errors, $lost leak reports (exit $rc); see $logs/$name.*"
        failed+=("$name")
    elif ((rc != 0)); then
        # The test's own assertions failed but memcheck found nothing: a
        # verdict that depends on speed (valgrind runs 20-50 times slower)
        # or a real failure; the normal build's ctest tells which.
        result="test failed (exit $rc), memcheck clean; see $logs/$name.out"
        slow_failed+=("$name")
    fi
    summary+=("$(printf '%-36s %5s %6s %6s %5s  %s' "$name" "$((SECONDS - start))" "$procs" \
        "$errors" "$lost" "$result")")
done

echo
printf '%-36s %5s %6s %6s %5s  %s\n' test s procs errors leaks result
printf '%s\n' "${summary[@]}"
if ((${#slow_failed[@]} > 0)); then
    echo "valgrind.sh: ${#slow_failed[@]} tests failed their own checks under valgrind" \
        "(memcheck clean): ${slow_failed[*]}" >&2
fi
if ((${#failed[@]} > 0)); then
    echo "valgrind.sh: memcheck found errors or leaks in ${#failed[@]} of ${#tests[@]} tests" >&2
    exit 1
fi
if [[ "${VALGRIND_STRICT:-0}" == 1 && ${#slow_failed[@]} -gt 0 ]]; then
    exit 1
fi
echo "valgrind.sh: memcheck clean in ${#tests[@]} tests"
