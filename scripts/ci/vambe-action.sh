#!/usr/bin/env bash
# Runs the Vambe webhook conformance suite in CI: gets the kit (one already
# built, a .deb, or a build of this checkout), waits for the receiver to
# accept connections, runs vambe-harness against it and hands the verdict to
# the CI system. The GitHub Action (action.yml) and the GitLab CI template
# (examples/ci/gitlab/vambe-conformance.yml) both call it; it runs wherever
# bash does.
#
# Settings, from the environment (action.yml maps its inputs onto them):
#   VAMBE_TARGET          the receiver's webhook URL (required, unless VAMBE_INSTALL_ONLY)
#   VAMBE_SECRET          the secret the receiver checks; vambe-harness reads it from the
#                         environment, so it is never on a command line
#   VAMBE_SECRET_INPUT    replaces VAMBE_SECRET when not empty (the action's `secret`)
#   VAMBE_SCHEME, VAMBE_PROBE_URL, VAMBE_STATE_PROBE_URL, VAMBE_ONLY, VAMBE_SKIP,
#   VAMBE_TAGS            given to vambe-harness as --scheme, --probe-url, ... when set
#   VAMBE_STRICT          true or false (default): --strict, a failed SHOULD case fails
#   VAMBE_ARGS            more vambe-harness arguments, one per line
#   VAMBE_REPORTS_DIR     where the four reports go (default: vambe-conformance)
#   VAMBE_WAIT            seconds to wait for the target to accept connections (default 30)
#   VAMBE_BIN_DIR         use the kit there, a folder holding vambe-harness or a CMake
#                         build folder of the kit (its programs get linked into BIN_DIR/bin)
#   VAMBE_DEB             else install this vambe-kit .deb (a path or an http(s) URL)
#   VAMBE_KIT_DIR         else build this source tree (default: the one holding this script)
#   VAMBE_BUILD_DIR       ... in this folder, its programs linked into BUILD_DIR/bin (default:
#                         $RUNNER_TEMP/vambe-kit-build, or under $TMPDIR or /tmp)
#   VAMBE_INSTALL_ONLY    true: get the kit, say where its programs are, and stop
#
# On GitHub (GITHUB_ACTIONS=true) it also masks the secret and writes annotations; where
# GITHUB_STEP_SUMMARY, GITHUB_OUTPUT and GITHUB_PATH are set, the Markdown report goes to
# the job summary, the outputs (result, exit-code, report paths, counts) to the step's
# outputs, and the kit's folder to the PATH of later steps. Elsewhere these are skipped.
#
# Exit status: vambe-harness's (0 conformant, 1 not conformant, 2 usage or configuration
# error, a bad setting above included, 3 target unreachable, 130 or 143 interrupted), or 4
# when the kit could not be installed or built.
set -euo pipefail

self_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
on_github=false
if [[ "${GITHUB_ACTIONS:-}" == true ]]; then
    on_github=true
fi

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/vambe-action.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    rm -rf "$work"
}
trap cleanup EXIT

# --- Messages ----------------------------------------------------------------

# GitHub's workflow commands read '%', CR and LF in a message as their own;
# a property (the title) also ':' and ','.
gh_escape_data() {
    local s=$1
    s=${s//'%'/%25}
    s=${s//$'\r'/%0D}
    s=${s//$'\n'/%0A}
    printf '%s' "$s"
}
gh_escape_property() {
    local s
    s=$(gh_escape_data "$1")
    s=${s//:/%3A}
    s=${s//,/%2C}
    printf '%s' "$s"
}

# annotate LEVEL TITLE MESSAGE: an annotation on GitHub (LEVEL error, warning
# or notice), a plain line on stderr elsewhere.
annotate() {
    local level=$1 title=$2 message=$3
    if [[ $on_github == true ]]; then
        printf '::%s title=%s::%s\n' "$level" "$(gh_escape_property "$title")" \
            "$(gh_escape_data "$message")"
    else
        printf 'vambe-action: %s: %s: %s\n' "$level" "$title" "$message" >&2
    fi
}

group_start() {
    if [[ $on_github == true ]]; then
        printf '::group::%s\n' "$1"
    else
        printf '== %s\n' "$1"
    fi
}
group_end() {
    if [[ $on_github == true ]]; then
        echo "::endgroup::"
    fi
}

# set_output NAME VALUE, for the step's outputs; values are single lines.
set_output() {
    if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
        printf '%s=%s\n' "$1" "${2//$'\n'/ }" >>"$GITHUB_OUTPUT"
    fi
}

# finish CODE RESULT TITLE MESSAGE: the outputs and a short job summary of a
# run that wrote no report (a bad setting, a failed build), an error
# annotation, and the exit.
finish() {
    local code=$1 result=$2 title=$3 message=$4
    annotate error "$title" "$message"
    set_output result "$result"
    set_output exit-code "$code"
    set_output conformant false
    if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
        printf '# ❌ Vambe webhook conformance: %s\n\n~~~text\n%s\n~~~\n' \
            "$(tr '[:lower:]' '[:upper:]' <<<"$result")" "$message" >>"$GITHUB_STEP_SUMMARY"
    fi
    exit "$code"
}

# --- Settings ----------------------------------------------------------------

# bool VAR INPUT VALUE: sets VAR to true or false, or ends the run on
# anything else (INPUT names the setting in the message).
bool() {
    case "${3,,}" in
    true | yes | on | 1) printf -v "$1" true ;;
    false | no | off | 0 | '') printf -v "$1" false ;;
    *) finish 2 "usage error" "Vambe conformance: bad input" \
        "$2: '$3' is not a boolean (use true or false)" ;;
    esac
}

target=${VAMBE_TARGET:-}
strict=false
install_only=false
bool strict strict "${VAMBE_STRICT:-}"
bool install_only install-only "${VAMBE_INSTALL_ONLY:-}"
wait_s=${VAMBE_WAIT:-30}
reports_dir=${VAMBE_REPORTS_DIR:-vambe-conformance}
if [[ ! "$wait_s" =~ ^[0-9]{1,4}$ ]]; then
    finish 2 "usage error" "Vambe conformance: bad input" \
        "wait: '$wait_s' is not a number of seconds (0 to 9999)"
fi
if [[ $install_only == false && -z "$target" ]]; then
    finish 2 "usage error" "Vambe conformance: bad input" \
        "target: the receiver's webhook URL is required"
fi

if [[ -n "${VAMBE_SECRET_INPUT:-}" ]]; then
    export VAMBE_SECRET=$VAMBE_SECRET_INPUT
fi
unset VAMBE_SECRET_INPUT
# A secret from GitHub's secrets is masked already; one typed into the
# workflow, or built from parts, is not. Each line, since the runner masks
# line by line.
if [[ $on_github == true && -n "${VAMBE_SECRET:-}" ]]; then
    while IFS= read -r line; do
        if [[ -n "$line" ]]; then
            printf '::add-mask::%s\n' "$line"
        fi
    done <<<"$VAMBE_SECRET"
fi

# --- The kit -----------------------------------------------------------------

# Runs a command as root: directly when root, through sudo otherwise.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    else
        sudo "$@"
    fi
}

# kit_from_build DIR: links the programs of a CMake build folder into DIR/bin,
# so that one folder holds all three (for PATH and the bin-dir output).
kit_from_build() {
    local build=$1 prog
    mkdir -p "$build/bin"
    for prog in harness/vambe-harness mock_server/vambe-mock examples/receiver/vambe-receiver; do
        if [[ -x "$build/$prog" ]]; then
            ln -sfn "../$prog" "$build/bin/${prog##*/}"
        fi
    done
    bin_dir=$(cd "$build/bin" && pwd)
}

# install_deb PATH|URL: installs the package with its dependencies and sets
# bin_dir to where its vambe-harness went.
install_deb() {
    local deb=$1 package
    export DEBIAN_FRONTEND=noninteractive
    if [[ "$deb" =~ ^https?:// ]]; then
        if ! command -v curl >/dev/null; then
            as_root apt-get -o DPkg::Lock::Timeout=300 update -qq
            as_root apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
                curl ca-certificates >/dev/null
        fi
        echo "downloading $deb"
        curl -fsSL --retry 3 -o "$work/vambe-kit.deb" "$deb" || return 1
        deb=$work/vambe-kit.deb
        chmod 0644 "$deb"
        chmod 0755 "$work"
    fi
    # apt takes a file only as a path with a slash in it.
    deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
    package=$(dpkg-deb -f "$deb" Package) || return 1
    as_root apt-get -o DPkg::Lock::Timeout=300 update -qq
    as_root apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
        "$deb" || return 1
    bin_dir=$(dpkg -L "$package" | sed -n 's|/vambe-harness$||p' | head -n 1)
    [[ -n "$bin_dir" ]]
}

# build_kit: installs the Debian packages the kit needs and builds it; the
# build folder is kept, so a second run (install-only first, the run later)
# only checks that it is up to date.
build_kit() {
    local kit=${VAMBE_KIT_DIR:-$(cd "$self_dir/../.." && pwd)}
    local build=${VAMBE_BUILD_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/vambe-kit-build}
    bash "$kit/scripts/deps.sh" || return 1
    # Warnings are not errors here: a newer compiler's new warning must not
    # stop a user's pipeline; the kit's own CI keeps them errors.
    cmake -S "$kit" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
        -DVAMBE_WERROR=OFF >/dev/null || return 1
    cmake --build "$build" -j "$(nproc)" || return 1
    kit_from_build "$build"
}

bin_dir=
if [[ -n "${VAMBE_BIN_DIR:-}" ]]; then
    if [[ -x "$VAMBE_BIN_DIR/vambe-harness" ]]; then
        bin_dir=$(cd "$VAMBE_BIN_DIR" && pwd)
    elif [[ -x "$VAMBE_BIN_DIR/harness/vambe-harness" ]]; then
        kit_from_build "$VAMBE_BIN_DIR"
    else
        finish 2 "usage error" "Vambe conformance: bad input" \
            "bin-dir: no vambe-harness in '$VAMBE_BIN_DIR' (nor in its harness/ folder)"
    fi
elif [[ -n "${VAMBE_DEB:-}" ]]; then
    if [[ ! "$VAMBE_DEB" =~ ^https?:// && ! -f "$VAMBE_DEB" ]]; then
        finish 2 "usage error" "Vambe conformance: bad input" \
            "deb: no such file: '$VAMBE_DEB' (give a path to a .deb or an http(s) URL)"
    fi
    group_start "Install the kit from $VAMBE_DEB"
    if ! install_deb "$VAMBE_DEB"; then
        group_end
        finish 4 "setup failed" "Vambe conformance: setup failed" \
            "could not install the kit from $VAMBE_DEB (see the log above)"
    fi
    group_end
else
    group_start "Build the kit"
    if ! build_kit; then
        group_end
        finish 4 "setup failed" "Vambe conformance: setup failed" \
            "could not build the kit (see the log above)"
    fi
    group_end
fi
harness=$bin_dir/vambe-harness
version=$("$harness" --version 2>/dev/null | awk '{ print $2 }') || version=unknown
echo "vambe-harness ${version:-unknown} in $bin_dir"
set_output bin-dir "$bin_dir"
set_output version "$version"
if [[ -n "${GITHUB_PATH:-}" ]]; then
    echo "$bin_dir" >>"$GITHUB_PATH"
fi
if [[ $install_only == true ]]; then
    exit 0
fi

# --- Wait for the receiver ---------------------------------------------------

# wait_target URL SECONDS: waits until the URL's host accepts a TCP
# connection, at most SECONDS. Does not fail: if the receiver never comes
# up, vambe-harness says so (exit 3) in its own words.
wait_target() {
    local url=$1 seconds=$2 rest hostport host port deadline
    [[ "$url" =~ ^(https?)://([^/?#]*) ]] || return 0
    hostport=${BASH_REMATCH[2]##*@}
    if [[ "$hostport" == \[* ]]; then
        host=${hostport%%]*}
        host=${host#[}
        rest=${hostport#*]}
    else
        host=${hostport%%:*}
        rest=${hostport#"$host"}
    fi
    # A port vambe-harness would refuse: let it say so, without a wait.
    [[ -z "$rest" || "$rest" =~ ^:[0-9]{1,5}$ ]] || return 0
    port=${rest#:}
    if [[ -z "$port" ]]; then
        port=80
        [[ "$url" == https* ]] && port=443
    fi
    deadline=$((SECONDS + seconds))
    while :; do
        # shellcheck disable=SC2016 # $1 and $2 are the inner shell's
        if timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null; then
            return 0
        fi
        if ((SECONDS >= deadline)); then
            echo "vambe-action: $host:$port accepts no connection after ${seconds} s" >&2
            return 0
        fi
        sleep 0.5
    done
}

if ((wait_s > 0)); then
    wait_target "$target" "$wait_s"
fi

# --- Run the suite -----------------------------------------------------------

mkdir -p "$reports_dir" 2>/dev/null || finish 2 "usage error" "Vambe conformance: bad input" \
    "reports-dir: cannot create '$reports_dir'"
reports_dir=$(cd "$reports_dir" && pwd)
# A report left by an earlier run must not pass for this one's.
rm -f "$reports_dir"/report.xml "$reports_dir"/report.json "$reports_dir"/report.md \
    "$reports_dir"/report.html

args=(run --target "$target" --report-dir "$reports_dir")
[[ -n "${VAMBE_SCHEME:-}" ]] && args+=(--scheme "$VAMBE_SCHEME")
[[ -n "${VAMBE_PROBE_URL:-}" ]] && args+=(--probe-url "$VAMBE_PROBE_URL")
[[ -n "${VAMBE_STATE_PROBE_URL:-}" ]] && args+=(--state-probe-url "$VAMBE_STATE_PROBE_URL")
[[ -n "${VAMBE_ONLY:-}" ]] && args+=(--only "$VAMBE_ONLY")
[[ -n "${VAMBE_SKIP:-}" ]] && args+=(--skip "$VAMBE_SKIP")
[[ -n "${VAMBE_TAGS:-}" ]] && args+=(--tags "$VAMBE_TAGS")
[[ $strict == true ]] && args+=(--strict)
while IFS= read -r line; do
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    if [[ -n "$line" ]]; then
        args+=("$line")
    fi
done <<<"${VAMBE_ARGS:-}"

# A word as a shell reads it back: bare when it can be, else in single quotes.
shell_word() {
    if [[ "$1" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}

# The command as run, without the values of --header (they may be tokens);
# the secret is not in it at all.
shown=()
hide_next=false
for a in "${args[@]}"; do
    if [[ $hide_next == true ]]; then
        shown+=("'***'")
        hide_next=false
    elif [[ "$a" == --header ]]; then
        shown+=("$a")
        hide_next=true
    elif [[ "$a" == --header=* ]]; then
        shown+=("--header='***'")
    else
        shown+=("$(shell_word "$a")")
    fi
done
echo "vambe-harness ${shown[*]}"

# What the harness prints holds what the receiver answered: on GitHub, stop
# the runner from reading any of it as a workflow command.
stop_token=
if [[ $on_github == true ]]; then
    stop_token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    echo "::stop-commands::$stop_token"
fi
# stderr is shown as it comes and kept, for the annotation of a usage error.
set +e
{ "$harness" "${args[@]}" 2>&1 1>&3 3>&- | tee "$work/harness.err" >&2; } 3>&1
code=${PIPESTATUS[0]}
set -e
if [[ -n "$stop_token" ]]; then
    echo "::$stop_token::"
fi

# --- Hand the verdict over ---------------------------------------------------

junit=$reports_dir/report.xml
json=$reports_dir/report.json
markdown=$reports_dir/report.md
html=$reports_dir/report.html
set_output exit-code "$code"
set_output reports-dir "$reports_dir"
for pair in "junit:$junit" "json:$json" "markdown:$markdown" "html:$html"; do
    if [[ -f "${pair#*:}" ]]; then
        set_output "${pair%%:*}" "${pair#*:}"
    else
        set_output "${pair%%:*}" ""
    fi
done

# The counts and the failed cases, from the JSON report (python3 is one of
# the kit's build dependencies; without it, there are no counts).
counts=
failed_cases=
if [[ -f "$json" ]] && command -v python3 >/dev/null; then
    counts=$(python3 - "$json" <<'EOF' || true
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
c = s["counts"]
print("cases=%d passed=%d failed=%d warnings=%d skipped=%d errors=%d"
      % (s["cases"], c["PASS"], c["FAIL"], c["WARN"], c["SKIP"], c["ERROR"]))
EOF
    )
    failed_cases=$(python3 - "$json" <<'EOF' || true
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
bad = [c for c in cases if c["verdict"] in ("FAIL", "ERROR")]
for c in bad[:10]:
    print("%s %s (%s): %s" % (c["verdict"], c["id"], c["level"], c["reason"] or ""))
if len(bad) > 10:
    print("... and %d more" % (len(bad) - 10))
EOF
    )
fi
for kv in $counts; do
    set_output "${kv%%=*}" "${kv#*=}"
done

if [[ -n "${GITHUB_STEP_SUMMARY:-}" && -f "$markdown" ]]; then
    # Made for the summary: escaped, and under its 1 MiB limit.
    cat "$markdown" >>"$GITHUB_STEP_SUMMARY"
fi

# The harness's own words for a run that did not get to a verdict.
harness_error() {
    local msg
    msg=$(sed -n 's/^vambe-harness: error: //p' "$work/harness.err" | head -n 5)
    if [[ -z "$msg" ]]; then
        msg=$(grep -v '^[[:space:]]*$' "$work/harness.err" | tail -n 3)
    fi
    printf '%s' "${msg:-vambe-harness exited with status $code}"
}

counts_text=${counts// /, }
counts_text=${counts_text//=/ }
case "$code" in
0)
    set_output result conformant
    set_output conformant true
    annotate notice "Vambe conformance: conformant" "$target conforms${counts_text:+ ($counts_text)}"
    ;;
1)
    set_output result "not conformant"
    set_output conformant false
    annotate error "Vambe conformance: not conformant" \
        "$target does not conform${counts_text:+ ($counts_text)}${failed_cases:+$'\n'$failed_cases}"
    ;;
2)
    set_output result "usage error"
    set_output conformant false
    msg=$(harness_error)
    if [[ -z "${VAMBE_SECRET:-}" && "$msg" == *--secret* ]]; then
        msg+=" (no secret given: the secret input and VAMBE_SECRET are empty)"
    fi
    annotate error "Vambe conformance: usage error" "$msg"
    ;;
3)
    set_output result unreachable
    set_output conformant false
    annotate error "Vambe conformance: receiver unreachable" "$(harness_error)"
    ;;
130 | 143)
    set_output result interrupted
    set_output conformant false
    annotate error "Vambe conformance: interrupted" \
        "the run was stopped before every case ran (exit $code)"
    ;;
*)
    set_output result error
    set_output conformant false
    annotate error "Vambe conformance: harness failed" "$(harness_error)"
    ;;
esac
if [[ -n "${GITHUB_STEP_SUMMARY:-}" && ! -f "$markdown" ]]; then
    printf '# ❌ Vambe webhook conformance: no report (exit %s)\n\n~~~text\n%s\n~~~\n' \
        "$code" "$(harness_error)" >>"$GITHUB_STEP_SUMMARY"
fi
echo "reports: $reports_dir"
exit "$code"
