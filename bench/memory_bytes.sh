#!/usr/bin/env bash
# Memory of vambe-mock when the call log's bodies are large: peak RSS
# (VmHWM) against the byte budget of --max-calls-bytes.
#
#   bench/memory_bytes.sh   prints memory.bytes_mb
#
# The mock runs with its defaults (--max-calls 100000, --max-calls-bytes
# 256M), one webhook pointing at nginx (200), and is sent events whose body
# is about 200 KiB (a 200 KiB text in data). A record keeps 64 KiB of such a
# body, so about 4 000 records fill the budget. Events go 200 at a time, at
# most two batches undelivered (80 MB of bodies in flight at most: the
# figure measures what the mock retains, not a backlog).
#
# memory.bytes_mb: the peak once every delivery is logged and the call log
#   has settled. Baseline: the peak of the same mock when the budget has
#   just filled (BENCH_BYTES_FIRST deliveries, default 5 000): a ratio near
#   1 means the memory stays at the budget whatever the traffic. The
#   figure's bound (printed as target, in MiB) is the budget plus what each
#   other holder may keep at most: the event bodies in flight (two chunks,
#   set by this client), the call-log writer's queue and open batch (32 +
#   8 MiB, WRITER_QUEUE_BYTES and MS_DISPATCH_FLUSH_BYTES), one batch of
#   kept bodies over the budget before its trim (256 records of 64 KiB),
#   and 48 MiB for the process itself (about 30 MB idle), SQLite's free
#   pages and malloc's slack.
# BENCH_BYTES_EVENTS: deliveries in all (default 1 000 000, 10 times the
#   default --max-calls; 200 GB through loopback, hours on 2 cores: give
#   fewer for a quick look). BENCH_BYTES_BUDGET: the budget (default 256M).
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-mock
events=${BENCH_BYTES_EVENTS:-1000000}
first=${BENCH_BYTES_FIRST:-5000}
budget=${BENCH_BYTES_BUDGET:-256M}
data_bytes=$((200 * 1024))
chunk=200
((first < events)) || first=$((events / 2))
mockctl=(python3 "$bench_root/bench/mockctl.py")
mb() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }

paced() {
    local from=$1 to=$2
    taskset -c "$load_cpu" "${mockctl[@]}" "$mock_url" "$api_key" paced "$((to - from))" \
        --count-file "$nginx_log" --base "$from" --chunk "$chunk" --data-bytes "$data_bytes" \
        --timeout 36000
    bench_wait_log_lines "$nginx_log" "$to" 36000
}

full=() bounded=() pairs=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    bench_nginx "nginx-$rep" "$load_cpu" 200 --access-log
    nginx_log=$bench_work/nginx-$rep/access.log
    bench_mock "bytes-$rep" --max-calls-bytes "$budget" --no-access-log
    budget_bytes=$("${mockctl[@]}" "$mock_url" "$api_key" config |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["max_calls_bytes"])')
    bench_create_webhook "$nginx_url/hook" >/dev/null
    t0=$(date +%s)
    paced 0 "$first"
    bench_wait_calls_settled
    read -r h1 _ < <(bench_rss_kb "$mock_pid")
    paced "$first" "$events"
    bench_wait_calls_settled
    read -r h2 rss _ < <(bench_rss_kb "$mock_pid")
    total=$("${mockctl[@]}" "$mock_url" "$api_key" total)
    bench_stop "$mock_pid"
    bench_stop "$nginx_pid"
    full+=("$(mb "$h1")") bounded+=("$(mb "$h2")") pairs+=("$h2" "$h1")
    bench_log "rep $rep: peak $(mb "$h1") MB after $first deliveries, $(mb "$h2") MB after $events (RSS now $(mb "$rss") MB); budget $((budget_bytes / 1048576)) MiB; $total call records kept; $(($(date +%s) - t0)) s"
done
target=$(awk -v b="$budget_bytes" -v f="$((2 * chunk * data_bytes))" \
    'BEGIN { printf "%.0f\n", (b + f) / 1048576 + 32 + 8 + 16 + 48 }')
bench_figure memory.bytes_mb "$(bench_median "${bounded[@]}")" "$(bench_median "${full[@]}")" \
    "$(bench_paired_ratio "${pairs[@]}")" budget_mb "$((budget_bytes / 1048576))" target "$target"
