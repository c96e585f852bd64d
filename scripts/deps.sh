#!/usr/bin/env bash
# Installs the Debian packages the kit needs to build, test and run its demo.
# Installs only what is missing; quiet when everything is present.
#   scripts/deps.sh            build + test packages
#   scripts/deps.sh --bench    also nginx and wrk (bench/ scripts)
set -euo pipefail

packages=(
    build-essential cmake pkg-config git
    libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libcmocka-dev
    libssl-dev libsqlite3-dev
    libxml2-utils python3 python3-jsonschema
    curl procps
)
if [[ "${1:-}" == "--bench" ]]; then
    packages+=(nginx wrk)
fi
if [[ "${1:-}" == "--browser" || "${VAMBE_BROWSER_TESTS:-0}" == "1" ]]; then
    packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
    sudo_cmd=(sudo)
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
