#!/usr/bin/env bash
# Installs the Debian packages the kit needs to build, test and run its demo.
# Installs only what is missing; quiet when everything is present.
#   scripts/deps.sh            build and run (the demo); help2man writes the man pages;
#                              python3-yaml turns docs/openapi.yaml into the mock's
#                              /openapi.json
#   scripts/deps.sh --test     also what the tests use (chromium renders the HTML report
#                              and, with chromium-driver and python3-selenium, drives the
#                              mock's web console;
#                              clang builds the fuzz targets; clang-format checks the
#                              formatting and clang-tidy the code in .ci/run; valgrind checks for leaks; lintian
#                              checks the .deb; npm installs the OpenAPI validator of
#                              tests/openapi, python3-yaml reads docs/openapi.yaml)
#   scripts/deps.sh --bench    also nginx and wrk (bench/ scripts)
set -euo pipefail

packages=(
    build-essential cmake pkg-config git
    libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libcmocka-dev
    libssl-dev libsqlite3-dev
    libxml2-utils python3 python3-jsonschema python3-yaml
    curl procps help2man
)
for arg in "$@"; do
    case "$arg" in
    --test)
        packages+=(chromium chromium-driver python3-selenium clang clang-format clang-tidy
                   libclang-rt-14-dev valgrind openssl lintian
                   nodejs util-linux)
        # A nodejs package from elsewhere may bundle npm and conflict with Debian's.
        command -v npm >/dev/null || packages+=(npm)
        ;;
    --bench) packages+=(nginx wrk time) ;;
    *)
        echo "deps.sh: unknown option '$arg' (use --test or --bench)" >&2
        exit 2
        ;;
    esac
done

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
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
