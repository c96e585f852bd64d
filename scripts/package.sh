#!/usr/bin/env bash
# Builds the kit's Debian package: deps -> configure -> build -> cpack.
#   scripts/package.sh              into build-pkg/
#   scripts/package.sh BUILD_DIR    another build folder
# Prints the path of the .deb on stdout (the build's output goes to
# stderr); install it with: apt install ./build-pkg/vambe-kit_*.deb
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
build_dir=${1:-build-pkg}

bash scripts/deps.sh
cmake -S . -B "$build_dir" -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
cmake --build "$build_dir" -j "$(nproc)" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cmake --build "$build_dir" --target package 2>&1 | tee "$log" >&2
# CPack says "CPack: - package: <path> generated."
deb=$(sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' "$log" | tail -n 1)
if [[ -z "$deb" || ! -f "$deb" ]]; then
    echo "package.sh: CPack named no .deb (see above)" >&2
    exit 1
fi
echo "$deb"
