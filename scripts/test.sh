#!/usr/bin/env bash
# Builds the kit and runs every test: deps -> configure -> build -> ctest.
#   scripts/test.sh                 normal build in build/
#   scripts/test.sh --asan          AddressSanitizer + UBSan build in build-asan/
#   BUILD_DIR=... scripts/test.sh   another build folder
# Fails when any test fails or when no test ran. The tests labelled "long"
# (the --long kill matrix, about 13 min of waiting) are left out: .ci/run
# runs them, or: ctest --test-dir build -L long
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

build_dir=${BUILD_DIR:-build}
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [[ "${1:-}" == "--asan" ]]; then
    build_dir=${BUILD_DIR:-build-asan}
    cmake_args=(-DCMAKE_BUILD_TYPE=Debug "-DVAMBE_SANITIZERS=address;undefined")
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

bash scripts/deps.sh --test
cmake -S . -B "$build_dir" "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"

log="$build_dir/ctest.log"
set +e
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" -LE long 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if ! grep -Eq "tests passed, [0-9]+ tests failed out of [1-9]" "$log"; then
    echo "test.sh: no test ran" >&2
    exit 1
fi
exit "$rc"
