#!/usr/bin/env bash
# The live stream's cost to deliveries: the delivery rate of bench/delivery.sh
# (one webhook pointing at nginx answering 200, events triggered through
# POST /mock/events, timed until the call log counts them all) with the web
# console's stream open, against the same mock with no viewer, in the same
# run, alternating.
#
#   bench/console.sh       prints console.delivery_rps
#
# "With the console" means two viewers of GET /mock/stream, as the console
# and `vambe-mock calls --follow` open it: one that reads every record
# (curl -N to /dev/null), and one that connects and never reads (a stalled
# browser tab), whose queue overflows and drops the oldest records. The
# baseline is the same mock with no viewer; the ratio is with / without, so
# 1.00 means the stream costs nothing. Target: >= 0.95. The reading viewer's
# records are counted and printed beside the figure (a viewer that saw
# nothing would make the comparison meaningless).
# BENCH_EVENTS changes the number of events (default 50000).
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-mock
events=${BENCH_EVENTS:-50000}
mockctl=(python3 "$bench_root/bench/mockctl.py")

bench_nginx nginx "$load_cpu" 200
hook_url=$nginx_url/hook
mock_flags=(--max-calls "$((events * 2))" --no-access-log)

# One delivery run of $events; $1 = "none" or "console". Prints the rate and
# the number of records the reading viewer got.
run_once() {
    local mode=$1 tag=$2 out rate got=0 stall_pid=
    bench_mock "mock-$tag" "${mock_flags[@]}"
    bench_create_webhook "$hook_url" >/dev/null
    if [[ $mode == console ]]; then
        curl -sN -H "x-api-key: $api_key" "$mock_url/mock/stream" >"$bench_work/stream-$tag.txt" &
        bench_pids+=("$!")
        local reader_pid=$!
        python3 - "${mock_url#http://}" "$api_key" <<'EOF' &
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((host, int(port)))
s.sendall(b"GET /mock/stream HTTP/1.1\r\nHost: x\r\nx-api-key: " + sys.argv[2].encode() + b"\r\n\r\n")
time.sleep(3600)  # never reads: a stalled browser tab
EOF
        stall_pid=$!
        bench_pids+=("$stall_pid")
        sleep 0.3
    fi
    out=$(taskset -c "$load_cpu" "${mockctl[@]}" "$mock_url" "$api_key" deliver "$events" \
        --timeout 300)
    rate=$(awk '{print $6}' <<<"$out")
    if [[ $mode == console ]]; then
        sleep 0.5 # the last batch reaches the reader
        got=$(grep -c '^event: call$' "$bench_work/stream-$tag.txt" || true)
        kill "$reader_pid" "$stall_pid" 2>/dev/null || true
        wait "$reader_pid" "$stall_pid" 2>/dev/null || true
    fi
    bench_stop "$mock_pid"
    echo "$rate $got"
}

with_r=() without_r=() pairs=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    read -r w0 _ <<<"$(run_once none "none-$rep")"
    read -r w1 seen <<<"$(run_once console "console-$rep")"
    ((seen > 0)) || bench_die "rep $rep: the reading viewer got no record"
    with_r+=("$w1") without_r+=("$w0") pairs+=("$w1" "$w0")
    bench_log "rep $rep: no viewer $w0/s; console open $w1/s (the reading viewer got $seen of $events records)"
done

bench_figure console.delivery_rps "$(bench_median "${with_r[@]}")" \
    "$(bench_median "${without_r[@]}")" "$(bench_paired_ratio "${pairs[@]}")"
