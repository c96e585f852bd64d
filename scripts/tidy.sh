#!/usr/bin/env bash
# Static checks of the kit's C code, as .ci/run runs them:
#   clang-tidy with the checks of .clang-tidy (the analyzer and bugprone-*,
#   each exclusion stated there), over every file of the kit's folders;
#   scripts/check-cycles.py: no two source files depend on each other.
#   scripts/tidy.sh [BUILD_DIR]   (default build/, configured and built)
# Fails on the first finding of either. A finding the code cannot avoid is
# silenced at its line with NOLINT(check) and a comment saying why.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build_dir=${1:-build}

if [[ ! -f "$build_dir/compile_commands.json" ]]; then
    echo "tidy.sh: $build_dir/compile_commands.json is missing: configure and build first" >&2
    exit 2
fi
command -v run-clang-tidy >/dev/null || {
    echo "tidy.sh: run-clang-tidy not found (bash scripts/deps.sh --test installs clang-tidy)" >&2
    exit 2
}

log="$build_dir/clang-tidy.log"
rc=0
run-clang-tidy -p "$build_dir" -j "$(nproc)" -quiet \
    "^$root/(core|mock_server|harness|reports|examples)/" >"$log" 2>&1 || rc=$?
findings=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^/.*: (warning|error): ' | sort -u || true)
if [[ $rc -ne 0 || -n "$findings" ]]; then
    echo "${findings:-clang-tidy failed: see $log}"
    echo "tidy.sh: clang-tidy: $(grep -c . <<<"$findings") findings (full output in $log)" >&2
    exit 1
fi
echo "tidy.sh: clang-tidy: no findings"

python3 scripts/check-cycles.py "$build_dir"
