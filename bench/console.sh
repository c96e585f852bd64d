#!/usr/bin/env bash
# The live stream's cost to deliveries: one webhook pointing at nginx
# answering 200, with the web console's stream open against the same mock
# with no viewer, in the same run, alternating. Two loads:
#
#   paced:     events triggered at 1 000 a second for 20 s (open loop, a batch
#              every 100 ms); the figure is the delivery rate achieved (events /
#              seconds from the first trigger to the last success) and the p99
#              of how late the engine sent each attempt (sent_at - scheduled_at)
#   saturated: bench/delivery.sh's load, 50 000 events at once, as fast as the
#              mock delivers: what the stream costs when the mock itself is the
#              bottleneck (its threads share one core here)
#
#   bench/console.sh       prints console.paced_rps, console.paced_lag_p99_ms
#                          and console.saturated_rps
#
# "With the console" means two viewers of GET /mock/stream, as the console
# and `vambe-mock calls --follow` open it: one that reads every record
# (curl -N to /dev/null), and one that connects and never reads (a stalled
# browser tab), whose queue overflows and drops the oldest records. The
# baseline is the same mock with no viewer; the ratio is with / without, so
# 1.00 means the stream costs nothing. Target (the issue's): paced_rps >=
# 0.95. The reading viewer's records are counted and printed beside the
# figures (a viewer that saw nothing would make the comparison meaningless).
# BENCH_EVENTS changes the saturated run's events (default 50000),
# BENCH_RATE and BENCH_PACED_SECONDS the paced run's (1000 a second, 20 s).
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-mock
events=${BENCH_EVENTS:-50000}
rate=${BENCH_RATE:-1000}
paced_events=$((rate * ${BENCH_PACED_SECONDS:-20}))
mockctl=(python3 "$bench_root/bench/mockctl.py")

bench_nginx nginx "$load_cpu" 200
hook_url=$nginx_url/hook
mock_flags=(--max-calls "$((events * 2))" --no-access-log)

# One delivery run; $1 = "none" or "console", $3 = "paced" or "saturated".
# Prints the rate, the lag p99 (paced; 0 otherwise), the number of records
# the reading viewer got and the number of events.
run_once() {
    local mode=$1 tag=$2 load=$3 out r lag=0 n got=0 stall_pid=
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
    if [[ $load == paced ]]; then
        n=$paced_events
        out=$(taskset -c "$load_cpu" "${mockctl[@]}" "$mock_url" "$api_key" rate "$n" \
            --per-second "$rate" --timeout 300)
        lag=$(awk '{print $10}' <<<"$out")
    else
        n=$events
        out=$(taskset -c "$load_cpu" "${mockctl[@]}" "$mock_url" "$api_key" deliver "$n" \
            --timeout 300)
    fi
    r=$(awk '{print $6}' <<<"$out")
    if [[ $mode == console ]]; then
        sleep 0.5 # the last batch reaches the reader
        got=$(grep -c '^event: call$' "$bench_work/stream-$tag.txt" || true)
        kill "$reader_pid" "$stall_pid" 2>/dev/null || true
        wait "$reader_pid" "$stall_pid" 2>/dev/null || true
    fi
    bench_stop "$mock_pid"
    echo "$r $lag $got $n"
}

p_with=() p_without=() p_pairs=() l_with=() l_without=() l_pairs=()
s_with=() s_without=() s_pairs=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    read -r w0 lag0 _ _ <<<"$(run_once none "paced-none-$rep" paced)"
    read -r w1 lag1 seen n <<<"$(run_once console "paced-console-$rep" paced)"
    ((seen > 0)) || bench_die "rep $rep: the reading viewer got no record"
    p_with+=("$w1") p_without+=("$w0") p_pairs+=("$w1" "$w0")
    l_with+=("$lag1") l_without+=("$lag0") l_pairs+=("$((lag0 + 1))" "$((lag1 + 1))")
    bench_log "rep $rep paced at $rate/s: no viewer $w0/s (lag p99 $lag0 ms); console open $w1/s (lag p99 $lag1 ms; the reading viewer got $seen of $n records)"

    read -r w0 _ _ _ <<<"$(run_once none "saturated-none-$rep" saturated)"
    read -r w1 _ seen n <<<"$(run_once console "saturated-console-$rep" saturated)"
    ((seen > 0)) || bench_die "rep $rep: the reading viewer got no record"
    s_with+=("$w1") s_without+=("$w0") s_pairs+=("$w1" "$w0")
    bench_log "rep $rep saturated: no viewer $w0/s; console open $w1/s (the reading viewer got $seen of $n records)"
done

bench_figure console.paced_rps "$(bench_median "${p_with[@]}")" \
    "$(bench_median "${p_without[@]}")" "$(bench_paired_ratio "${p_pairs[@]}")"
# Lower is better: the ratio is (no viewer + 1) / (console + 1), in ms.
bench_figure console.paced_lag_p99_ms "$(bench_median "${l_with[@]}")" \
    "$(bench_median "${l_without[@]}")" "$(bench_paired_ratio "${l_pairs[@]}")"
bench_figure console.saturated_rps "$(bench_median "${s_with[@]}")" \
    "$(bench_median "${s_without[@]}")" "$(bench_paired_ratio "${s_pairs[@]}")"
