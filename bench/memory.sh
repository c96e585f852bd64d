#!/usr/bin/env bash
# Memory of vambe-mock: peak RSS (VmHWM in /proc/PID/status).
#
#   bench/memory.sh         prints memory.idle_mb and memory.bounded_mb
#
# memory.idle_mb: the mock started (in memory, default threads) and left
#   alone for a second. Baseline: bare_mhd, the same libmicrohttpd set-up
#   with nothing on top. Target <= 10 MB.
# memory.bounded_mb: the mock started with --max-calls 100000, one webhook
#   pointing at nginx (200), 1 000 000 events triggered 10 000 at a time,
#   each batch once nginx has received the one before (so the figure
#   measures what the mock retains, not a backlog of undelivered events);
#   the peak once nginx has logged every delivery and the call log has
#   settled. Baseline: the peak of the same mock when the first 100 000
#   deliveries are done (the call log just full): a ratio near 1 means the
#   memory is bounded by --max-calls. Target <= 150 MB.
#   BENCH_MEMORY_BACKLOG=1 triggers everything at once instead (the peak
#   then holds the backlog too).
# BENCH_MEMORY_EVENTS changes the 1 000 000; BENCH_MEMORY_REPS the number of
# bounded runs (default BENCH_REPS).
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-mock
events=${BENCH_MEMORY_EVENTS:-1000000}
first=$((events < 100000 ? events : 100000))
reps_bounded=${BENCH_MEMORY_REPS:-$BENCH_REPS}
mockctl=(python3 "$bench_root/bench/mockctl.py")
mb() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }
printf '{}' >"$bench_work/empty.json"

idle=() bare=() pairs=() anon=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    bench_mock "idle-$rep"
    bench_bare_mhd "bare-$rep" "$bench_work/empty.json" --threads "$(nproc)"
    curl -sf -o /dev/null "$mock_url/mock/health"
    curl -sf -o /dev/null "$bare_url/"
    sleep 1
    read -r m _ a < <(bench_rss_kb "$mock_pid")
    read -r b _ < <(bench_rss_kb "$bare_pid")
    bench_stop "$mock_pid"
    bench_stop "$bare_pid"
    idle+=("$(mb "$m")") bare+=("$(mb "$b")") pairs+=("$m" "$b") anon+=("$(mb "$a")")
    bench_log "rep $rep: idle mock $(mb "$m") MB ($(mb "$a") MB private), bare_mhd $(mb "$b") MB"
done
bench_figure memory.idle_mb "$(bench_median "${idle[@]}")" "$(bench_median "${bare[@]}")" \
    "$(bench_paired_ratio "${pairs[@]}")" target 10 private_mb "$(bench_median "${anon[@]}")"

# trigger_paced FROM TO: triggers events FROM+1..TO, 10 000 at a time, with
# at most two batches undelivered (all at once with BENCH_MEMORY_BACKLOG=1).
trigger_paced() {
    local from=$1 to=$2
    if [[ ${BENCH_MEMORY_BACKLOG:-0} == 1 ]]; then
        taskset -c "$load_cpu" "${mockctl[@]}" "$mock_url" "$api_key" trigger "$((to - from))" \
            >/dev/null
    else
        taskset -c "$load_cpu" "${mockctl[@]}" "$mock_url" "$api_key" paced "$((to - from))" \
            --count-file "$nginx_log" --base "$from" --timeout 900
    fi
    bench_wait_log_lines "$nginx_log" "$to"
}

full=() bounded=() pairs=()
for ((rep = 1; rep <= reps_bounded; rep++)); do
    bench_nginx "nginx-$rep" "$load_cpu" 200 --access-log
    nginx_log=$bench_work/nginx-$rep/access.log
    mock_flags=(--max-calls 100000)
    if bench_mock_has_flag --no-access-log; then
        mock_flags+=(--no-access-log)
    fi
    bench_mock "bounded-$rep" "${mock_flags[@]}"
    bench_create_webhook "$nginx_url/hook" >/dev/null
    t0=$(date +%s)
    trigger_paced 0 "$first"
    bench_wait_calls_settled
    read -r h1 _ < <(bench_rss_kb "$mock_pid")
    trigger_paced "$first" "$events"
    bench_wait_calls_settled
    read -r h2 rss a2 < <(bench_rss_kb "$mock_pid")
    total=$("${mockctl[@]}" "$mock_url" "$api_key" total)
    bench_stop "$mock_pid"
    bench_stop "$nginx_pid"
    full+=("$(mb "$h1")") bounded+=("$(mb "$h2")") pairs+=("$h2" "$h1")
    bench_log "rep $rep: peak $(mb "$h1") MB after $first deliveries, $(mb "$h2") MB after $events (RSS now $(mb "$rss") MB, $(mb "$a2") MB private; $total call records kept; $(($(date +%s) - t0)) s)"
done
bench_figure memory.bounded_mb "$(bench_median "${bounded[@]}")" "$(bench_median "${full[@]}")" \
    "$(bench_paired_ratio "${pairs[@]}")" target 150
