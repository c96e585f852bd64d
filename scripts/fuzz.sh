#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UndefinedBehavior-
# Sanitizer) in build-fuzz/ and runs each one on its seed corpus.
#   scripts/fuzz.sh                    every target, 20 s each
#   scripts/fuzz.sh -t 300             every target, 300 s each
#   scripts/fuzz.sh -t 60 scenario     only the named targets
#   BUILD_DIR=... scripts/fuzz.sh      another build folder
# The committed seeds (fuzz/corpus/<target>/) are only read; what a run
# discovers goes to build-fuzz/corpus/<target>/ and is reused next time.
# A finding (crash, sanitizer report, broken property, hang) is saved as
# build-fuzz/findings/<target>/crash-* (or timeout-*, leak-*); replay it
# with build-fuzz/fuzz/fuzz_<target> FILE and add it under
# tests/regress/<target>/. Prints executions and time per target; exits 1
# when a target found something, 2 on a usage error, 3 when clang is missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=20
targets=()
while (($# > 0)); do
    case "$1" in
    -t | --time)
        seconds=${2:?fuzz.sh: -t needs a number of seconds}
        shift 2
        ;;
    -h | --help)
        sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        echo "fuzz.sh: unknown option '$1' (use -t SECONDS, then target names)" >&2
        exit 2
        ;;
    *)
        targets+=("$1")
        shift
        ;;
    esac
done
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz.sh: -t wants a whole number of seconds, not '$seconds'" >&2
    exit 2
fi

bash scripts/deps.sh
if ! command -v clang >/dev/null; then
    echo "fuzz.sh: clang is missing (libFuzzer comes with it): apt-get install clang" >&2
    exit 3
fi

build_dir=${BUILD_DIR:-build-fuzz}
# VAMBE_FUZZ_SRC: the CMake source folder to configure (the kit's root by
# default; another one can wrap the kit).
src=${VAMBE_FUZZ_SRC:-$root}
CC=clang cmake -S "$src" -B "$build_dir" -DVAMBE_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" >/dev/null

fuzz_bin_dir="$build_dir/fuzz"
if ! compgen -G "$fuzz_bin_dir/fuzz_*" >/dev/null; then
    echo "fuzz.sh: no fuzz target was built in $fuzz_bin_dir (is VAMBE_FUZZ wired in CMakeLists.txt?)" >&2
    exit 3
fi
if ((${#targets[@]} == 0)); then
    for bin in "$fuzz_bin_dir"/fuzz_*; do
        [[ -x "$bin" && -f "$bin" ]] || continue
        targets+=("${bin##*/fuzz_}")
    done
fi

# Per-target options. The two HTTP targets keep a server running across
# inputs: memory it keeps on purpose (webhooks, dedupe ids) is not a leak
# of one input, and libFuzzer's per-input leak check would stop the whole
# process at every such input. Leaks are checked by the ASan suite and by
# scripts/valgrind.sh instead.
declare -A extra=(
    [scenario]="-dict=fuzz/dict/json.dict"
    [scheme]="-dict=fuzz/dict/scheme.dict"
    [mock_validate]="-dict=fuzz/dict/json.dict"
    [mock_http]="-dict=fuzz/dict/http.dict -detect_leaks=0"
    [receiver_http]="-dict=fuzz/dict/http.dict -detect_leaks=0"
)

summary=()
found=0
for t in "${targets[@]}"; do
    bin="$fuzz_bin_dir/fuzz_$t"
    if [[ ! -x "$bin" ]]; then
        echo "fuzz.sh: no target '$t' (built: $(ls "$fuzz_bin_dir" | grep '^fuzz_' | sed 's/^fuzz_//' | tr '\n' ' '))" >&2
        exit 2
    fi
    work="$build_dir/corpus/$t"
    findings="$build_dir/findings/$t"
    mkdir -p "$work" "$findings"
    log="$build_dir/fuzz-$t.log"
    echo "== $t: ${seconds} s"
    start=$SECONDS
    set +e
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=3072 -print_final_stats=1 \
        -artifact_prefix="$findings/" ${extra[$t]:-} "$work" "fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    set -e
    took=$((SECONDS - start))
    # Executions: libFuzzer's final statistics (printed on success and on
    # a finding alike).
    runs=$(grep -Eo '^stat::number_of_executed_units: *[0-9]+' "$log" | awk '{print $2}' |
        tail -n 1 || true)
    corpus=$(find "$work" -type f | wc -l)
    result="ok"
    if ((rc != 0)); then
        result="FOUND (exit $rc): $(ls -t "$findings" | head -n 1), see $log"
        found=1
        grep -E 'property broken|ERROR: |SUMMARY: ' "$log" | head -n 5 || true
    fi
    summary+=("$(printf '%-14s %12s %8s %10s %7s  %s' "$t" "${runs:-?}" "$took" \
        "$((${runs:-0} / (took > 0 ? took : 1)))" "$corpus" "$result")")
done

echo
printf '%-14s %12s %8s %10s %7s  %s\n' target executions seconds exec/s corpus result
printf '%s\n' "${summary[@]}"
exit "$found"
