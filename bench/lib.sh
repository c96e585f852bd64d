# shellcheck shell=bash disable=SC2034 # its variables are used by the scripts that source it
# Shared helpers of the bench/ scripts: sourced, never run.
#
# Every figure script does the same things: install nginx and wrk when they
# are missing, build the kit and the baseline programs, start servers on
# free loopback ports pinned to one core, load them from the other core,
# repeat each measurement BENCH_REPS times (3 by default) and print one line
# per figure:
#
#   name value baseline ratio [physical N ratio_physical R]
#
# Environment:
#   BUILD_DIR      build folder (default build-bench); configured with tests
#                  off when it does not exist yet, otherwise only built
#   BENCH_REPS     repetitions of each measurement (default 3)
#   BENCH_SKIP_BUILD=1   use what BUILD_DIR holds (run-all.sh sets it after
#                  building once)
#   BENCH_DURATION wrk duration in seconds (default 5)
#   BENCH_SERVER_CPU / BENCH_LOAD_CPU   cores for the server side and the
#                  load side (default 0 and 1; both 0 on a single core)
#   BENCH_KEEP=1   keep the work folder (logs, reports) and print its path

set -euo pipefail

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$bench_root/build-bench}
case "$BUILD_DIR" in
/*) ;;
*) BUILD_DIR=$bench_root/$BUILD_DIR ;;
esac
BENCH_REPS=${BENCH_REPS:-3}
BENCH_DURATION=${BENCH_DURATION:-5}
bench_name=$(basename "$0" .sh)
# shellcheck source=scripts/port-file.sh
source "$bench_root/scripts/port-file.sh"

mock_bin=$BUILD_DIR/mock_server/vambe-mock
harness_bin=$BUILD_DIR/harness/vambe-harness
receiver_bin=$BUILD_DIR/examples/receiver/vambe-receiver
bare_mhd_bin=$BUILD_DIR/bench/bare_mhd
bare_sender_bin=$BUILD_DIR/bench/bare_sender
slow_receiver_bin=$BUILD_DIR/bench/slow_receiver
bare_timer_bin=$BUILD_DIR/bench/bare_timer
api_key=vambe-mock-local-key
bench_secret=bench-secret-0123456789abcdef

if (($(nproc) >= 2)); then
    server_cpu=${BENCH_SERVER_CPU:-0}
    load_cpu=${BENCH_LOAD_CPU:-1}
else
    server_cpu=${BENCH_SERVER_CPU:-0}
    load_cpu=${BENCH_LOAD_CPU:-0}
fi

bench_pids=()
bench_work=$(mktemp -d "${TMPDIR:-/tmp}/vambe-bench.XXXXXX")

bench_cleanup() {
    local pid
    for pid in "${bench_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${bench_pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then
        echo "$bench_name: work folder kept: $bench_work" >&2
    else
        rm -rf "$bench_work"
    fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_log() { echo "$bench_name: $*" >&2; }
bench_die() {
    echo "$bench_name: error: $*" >&2
    exit 1
}

# ---- building -------------------------------------------------------------

# bench_cc NAME [PKG...]: cc for one baseline program (bench/NAME.c, linked
# with the pkg-config packages given) when its source is newer than the binary.
bench_cc() {
    local name=$1
    shift
    local src=$bench_root/bench/$name.c out=$BUILD_DIR/bench/$name
    local util=$bench_root/bench/bench_util.c
    if [[ -x $out && $out -nt $src && $out -nt $util && $out -nt ${util%.c}.h ]]; then
        return 0
    fi
    mkdir -p "$BUILD_DIR/bench"
    local flags=()
    if (($#)); then
        read -r -a flags <<<"$(pkg-config --cflags --libs "$@")"
    fi
    cc -std=c11 -O2 -g -Wall -Wextra -D_GNU_SOURCE -o "$out" "$src" "$util" \
        ${flags[@]+"${flags[@]}"} -lpthread -lm
}

# bench_build [TARGET...]: installs nginx and wrk when missing, builds the
# kit's programs a script needs (default: vambe-mock, vambe-harness and
# vambe-receiver) and the baselines. Idempotent; fast when nothing changed.
bench_build() {
    local targets=("$@")
    ((${#targets[@]})) || targets=(vambe-mock vambe-harness vambe-receiver)
    if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
        return 0
    fi
    bash "$bench_root/scripts/deps.sh" --bench
    if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
        cmake -S "$bench_root" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DBUILD_TESTING=OFF >/dev/null
    fi
    cmake --build "$BUILD_DIR" -j "$(nproc)" --target "${targets[@]}" \
        >"$bench_work/build.log" 2>&1 || {
        tail -20 "$bench_work/build.log" >&2
        bench_die "the kit does not build (see above)"
    }
    bench_cc bare_mhd libmicrohttpd
    bench_cc slow_receiver libmicrohttpd
    bench_cc bare_sender libcurl libcrypto
    bench_cc bare_timer
}

# ---- processes ------------------------------------------------------------

# bench_start NAME CPU CMD...: starts CMD pinned to CPU, output in
# $bench_work/NAME.log; sets bench_last_pid (stopped on exit).
bench_start() {
    local name=$1 cpu=$2
    shift 2
    taskset -c "$cpu" "$@" >"$bench_work/$name.log" 2>&1 &
    bench_last_pid=$!
    bench_pids+=("$bench_last_pid")
}

# bench_stop PID: SIGTERM, then wait (at most 10 s, then SIGKILL).
bench_stop() {
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# bench_wait_port FILE PID: prints the port written to FILE (at most 10 s).
bench_wait_port() {
    wait_port "$1" "$2" || bench_die "no port in $1 (see $bench_work/*.log)"
}

# A free loopback port (for nginx, which cannot report the one it got).
bench_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# bench_wait_http URL: waits (at most 10 s) until URL answers at all.
bench_wait_http() {
    local url=$1 i
    for ((i = 0; i < 200; i++)); do
        if curl -s -o /dev/null --max-time 1 "$url"; then
            return 0
        fi
        sleep 0.05
    done
    bench_die "$url does not answer"
}

# bench_mock NAME [serve flags...]: starts vambe-mock on the server core;
# sets mock_pid and mock_url.
bench_mock() {
    local name=$1
    shift
    rm -f "$bench_work/$name.port"
    bench_start "$name" "$server_cpu" "$mock_bin" serve --port 0 \
        --port-file "$bench_work/$name.port" --api-key "$api_key" "$@"
    mock_pid=$bench_last_pid
    mock_url=http://127.0.0.1:$(bench_wait_port "$bench_work/$name.port" "$mock_pid")
}

# Whether `vambe-mock serve` takes FLAG (e.g. --no-access-log).
bench_mock_has_flag() {
    local help
    help=$("$mock_bin" serve --help 2>/dev/null) || true
    grep -q -- "$1" <<<"$help"
}

# bench_api_mock_flags: sets threads (BENCH_THREADS, default one per core)
# and mock_flags for a mock that serves the API: --threads, and no access
# log when the build has the flag.
bench_api_mock_flags() {
    threads=${BENCH_THREADS:-$(nproc)}
    mock_flags=(--threads "$threads")
    if bench_mock_has_flag --no-access-log; then
        mock_flags+=(--no-access-log)
    fi
}

# bench_bare_mhd NAME BODY_FILE [flags...]: sets bare_pid and bare_url.
bench_bare_mhd() {
    local name=$1 body=$2
    shift 2
    rm -f "$bench_work/$name.port"
    bench_start "$name" "$server_cpu" "$bare_mhd_bin" --body-file "$body" \
        --port-file "$bench_work/$name.port" "$@"
    bare_pid=$bench_last_pid
    bare_url=http://127.0.0.1:$(bench_wait_port "$bench_work/$name.port" "$bare_pid")
}

# bench_nginx NAME CPU POST_STATUS [URI=FILE]...: nginx on a free port
# answering POST with POST_STATUS and a small body, and GET URI with FILE;
# sets nginx_pid and nginx_url. Tries three ports (another process may take
# the free one first).
bench_nginx() {
    local name=$1 cpu=$2 status=$3
    shift 3
    local prefix=$bench_work/$name try port
    for ((try = 0; try < 3; try++)); do
        port=$(bench_free_port)
        rm -rf "$prefix"
        bash "$bench_root/bench/nginx-conf.sh" --prefix "$prefix" --port "$port" \
            --post-status "$status" "$@"
        bench_start "$name" "$cpu" nginx -e stderr -p "$prefix" -c "$prefix/nginx.conf"
        nginx_pid=$bench_last_pid
        nginx_url=http://127.0.0.1:$port
        if bench_wait_nginx; then
            return 0
        fi
        bench_stop "$nginx_pid"
    done
    cat "$bench_work/$name.log" >&2
    bench_die "nginx did not start"
}

bench_wait_nginx() {
    local i
    for ((i = 0; i < 200; i++)); do
        kill -0 "$nginx_pid" 2>/dev/null || return 1
        if curl -s -o /dev/null --max-time 1 "$nginx_url/"; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# Peak, current and private (anonymous) RSS of PID, in kB:
# "VmHWM VmRSS RssAnon". The rest of VmRSS is shared library pages.
bench_rss_kb() {
    awk '/^VmHWM:/ {h = $2} /^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} END {print h, r, a}' \
        "/proc/$1/status"
}

# ---- the management API ---------------------------------------------------

# bench_api METHOD PATH [BODY]: one call to the mock at $mock_url, body on stdout.
bench_api() {
    local method=$1 path=$2 body=${3:-}
    if [[ -n $body ]]; then
        curl -sS --fail-with-body -X "$method" -H "x-api-key: $api_key" \
            -H 'Content-Type: application/json' -d "$body" "$mock_url$path"
    else
        curl -sS --fail-with-body -X "$method" -H "x-api-key: $api_key" "$mock_url$path"
    fi
}

# bench_wait_log_lines FILE N [SECONDS]: waits until FILE (an nginx access
# log, one line a request) has N lines; at most SECONDS (default 600).
bench_wait_log_lines() {
    local file=$1 n=$2 limit=${3:-600} i got=0
    for ((i = 0; i < limit * 10; i++)); do
        got=$(wc -l <"$file" 2>/dev/null || echo 0)
        ((got >= n)) && return 0
        sleep 0.1
    done
    bench_die "$file: $got requests logged of $n"
}

# bench_wait_calls_settled: waits until the call log's total of the mock at
# mock_url stops moving (at most 10 s).
bench_wait_calls_settled() {
    local prev=-1 cur i
    for ((i = 0; i < 100; i++)); do
        cur=$(python3 "$bench_root/bench/mockctl.py" "$mock_url" "$api_key" total)
        ((cur == prev)) && return 0
        prev=$cur
        sleep 0.2
    done
}

# bench_create_webhook URL [TOPIC]: prints the new webhook's id.
bench_create_webhook() {
    local url=$1 topic=${2:-message.received}
    bench_api POST /api/webhooks \
        "{\"topic\":\"$topic\",\"url\":\"$url\",\"secret\":\"$bench_secret\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}

# ---- load and statistics --------------------------------------------------

# bench_wrk URL [wrk args...]: requests per second (wrk on the load core,
# or on $wrk_cpu when set; -t1 -c64 -d$BENCH_DURATION, later arguments
# win). Fails when wrk saw errors or non-2xx answers.
bench_wrk() {
    local url=$1
    shift
    local out
    out=$(taskset -c "${wrk_cpu:-$load_cpu}" wrk -t1 -c64 -d"${BENCH_DURATION}s" "$@" "$url" 2>&1) ||
        bench_die "wrk failed: $out"
    echo "$out" >>"$bench_work/wrk.log"
    if grep -qE 'Non-2xx or 3xx responses|Socket errors' <<<"$out"; then
        echo "$out" >&2
        bench_die "wrk saw errors or non-2xx answers on $url"
    fi
    awk '/^Requests\/sec:/ {printf "%.0f\n", $2}' <<<"$out"
}

# Median of the numbers given as arguments.
bench_median() {
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# a / b, rounded as bench_round does.
bench_div() {
    bench_round "$(awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.6f\n", a / b }')"
}

# Median of the paired ratios a_i / b_i: "a1 b1 a2 b2 ...". Pairs measured
# in the same repetition share the machine's state, so their ratio is
# steadier than the ratio of the two medians.
bench_paired_ratio() {
    local r=()
    while (($# >= 2)); do
        r+=("$(awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.4f\n", a / b }')")
        shift 2
    done
    bench_round "$(bench_median "${r[@]}")"
}

# Two decimals, or four below 0.1 (a ratio of 0.004 must not print as 0.00).
bench_round() {
    awk -v x="$1" 'BEGIN { if (x == "nan") print x; else if (x < 0.1) printf "%.4f\n", x; else printf "%.2f\n", x }'
}

# bench_figure NAME VALUE BASELINE RATIO [extra columns...]: the one output line.
bench_figure() {
    echo "$*"
}
