#!/usr/bin/env bash
# shellcheck disable=SC2031,SC2119 # lib.sh is sourced in a subshell on purpose
# Runs every figure of docs/performance.md: builds once, then each bench/
# script in turn (progress and each script's lines on stderr), then prints
# every line (name value baseline ratio ...) on stdout as one table. A script that fails is reported as such
# and the others still run; the exit status is 1 when one failed.
#
#   bench/run-all.sh                 every figure (a few minutes)
#   bench/run-all.sh api delivery    only these scripts
#
# The table is also written to $BUILD_DIR/bench-results.txt. Environment:
# see bench/lib.sh (BUILD_DIR, BENCH_REPS, BENCH_DURATION, ...).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$root/build-bench}
case "$BUILD_DIR" in
/*) ;;
*) BUILD_DIR=$root/$BUILD_DIR ;;
esac
export BUILD_DIR

scripts=("$@")
if ((${#scripts[@]} == 0)); then
    scripts=(api create delivery console retry accuracy burst harness_load harness_memory suite memory)
fi

# Build everything once (the scripts then skip it).
(
    # shellcheck source=bench/lib.sh
    source "$here/lib.sh"
    bench_build
)
export BENCH_SKIP_BUILD=1

results=$BUILD_DIR/bench-results.txt
lines=()
failed=0
start=$(date +%s)
for s in "${scripts[@]}"; do
    [[ -f $here/$s.sh ]] || {
        echo "run-all.sh: no bench/$s.sh" >&2
        exit 2
    }
    echo "== $s" >&2
    t0=$(date +%s)
    if out=$(bash "$here/$s.sh"); then
        [[ -n $out ]] && echo "$out" >&2
        while IFS= read -r l; do
            lines+=("$l")
        done <<<"$out"
    else
        failed=1
        lines+=("$s FAILED")
        echo "$s FAILED" >&2
    fi
    echo "   ($s: $(($(date +%s) - t0)) s)" >&2
done

{
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, $(uname -r), ${BENCH_REPS:-3} repetitions, median"
    echo "# name value baseline ratio [beside it]"
    printf '%s\n' "${lines[@]}"
} >"$results"
echo >&2
echo "== all figures ($(($(date +%s) - start)) s; also in $results)" >&2
grep '^#' "$results"
grep -v '^#' "$results" | { column -t 2>/dev/null || cat; }
exit "$failed"
