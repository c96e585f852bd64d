#!/usr/bin/env bash
# Load: the mock's management API under wrk -c1000 for 30 s (issue 9). The
# mock must keep answering with no server-side error and bounded memory.
#
#   bench/load.sh           prints load.rps, load.errors, load.rss_mb
#
# Passes (exit 0) when wrk saw no socket error other than connect timeouts
# of its own and no non-2xx answer, the mock answers /mock/health afterwards,
# and its peak RSS stays under BENCH_LOAD_RSS_MB (default 150).
# BENCH_LOAD_SECONDS (default 30) and BENCH_LOAD_CONNECTIONS (default 1000).
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

seconds=${BENCH_LOAD_SECONDS:-30}
conns=${BENCH_LOAD_CONNECTIONS:-1000}
rss_cap_mb=${BENCH_LOAD_RSS_MB:-150}
ulimit -n 8192

bench_build vambe-mock
mock_flags=(--threads "$(nproc)")
if bench_mock_has_flag --no-access-log; then
    mock_flags+=(--no-access-log)
fi
bench_mock mock "${mock_flags[@]}"
for ((i = 0; i < 10; i++)); do
    bench_create_webhook "https://receiver.example.com/hooks/$i" >/dev/null
done
read -r idle_hwm _ _ < <(bench_rss_kb "$mock_pid")

out=$(taskset -c "$load_cpu" wrk -t2 -c"$conns" -d"${seconds}s" --timeout 10s \
    -H "x-api-key: $api_key" "$mock_url/api/webhooks" 2>&1) || bench_die "wrk failed: $out"
echo "$out" >"$bench_work/wrk-load.log"
bench_log "$(grep -E 'Requests/sec|Socket errors|Non-2xx|requests in' <<<"$out" | tr '\n' ' ')"

rps=$(awk '/^Requests\/sec:/ {printf "%.0f\n", $2}' <<<"$out")
non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
# wrk's "Socket errors: connect A, read B, write C, timeout D".
read -r s_connect s_read s_write s_timeout < <(awk -F'[ ,]+' '/Socket errors:/ {
    print $4, $6, $8, $10 }' <<<"$out") || true # no line: no socket error
errors=$(( ${non2xx:-0} + ${s_read:-0} + ${s_write:-0} + ${s_timeout:-0} ))
read -r hwm _ _ < <(bench_rss_kb "$mock_pid")
health=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$mock_url/mock/health" || true)

bench_figure load.rps "$rps" "$conns" "$(bench_div "$rps" "$conns")" connections "$conns" seconds "$seconds"
bench_figure load.errors "$errors" 0 0 non2xx "${non2xx:-0}" connect "${s_connect:-0}" \
    read "${s_read:-0}" write "${s_write:-0}" timeout "${s_timeout:-0}"
bench_figure load.rss_mb "$(bench_div "$hwm" 1024)" "$(bench_div "$idle_hwm" 1024)" \
    "$(bench_div "$hwm" "$idle_hwm")" cap_mb "$rss_cap_mb"

status=0
if ((errors > 0)); then
    bench_log "FAIL: $errors errors or non-2xx answers under load"
    status=1
fi
if [[ "$health" != 200 ]]; then
    bench_log "FAIL: /mock/health answered '$health' after the load"
    status=1
fi
if ((hwm > rss_cap_mb * 1024)); then
    bench_log "FAIL: peak RSS $((hwm / 1024)) MB over $rss_cap_mb MB"
    status=1
fi
exit "$status"
