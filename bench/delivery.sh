#!/usr/bin/env bash
# Delivery throughput: one webhook pointing at nginx (answering 200), 100 000
# events triggered through POST /mock/events (10 000 per request, the most
# one trigger takes); the figure is events / seconds from the first trigger
# until GET /api/webhooks/calls?outcome=succeeded counts all of them. Each
# repetition uses a fresh mock.
#
#   bench/delivery.sh       prints delivery.rps
#
# Baseline: bare_sender (one thread, libcurl multi, HMAC-SHA256 per request)
# POSTing the mock's own event body, as many times, at the mock's effective
# concurrency (min of its concurrency and per_webhook_concurrency, read from
# GET /mock/config). Beside it: wrk POSTing the same body at the same
# concurrency (the physical limit: no signing, no bookkeeping).
# Layout: the sender (mock, bare_sender, wrk) on BENCH_SERVER_CPU, nginx on
# BENCH_LOAD_CPU. Target: >= 0.60 of bare_sender.
# delivery.cpu_us_per_event: CPU time (user + system, every thread) per
# delivered event, the mock's and bare_sender's; the ratio is bare / mock,
# so it reads like the throughput ratio but holds better on a busy machine
# (the mock's figure includes building and storing the events).
# BENCH_EVENTS changes the number of events (default 100000).
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-mock
events=${BENCH_EVENTS:-100000}
mockctl=(python3 "$bench_root/bench/mockctl.py")

bench_nginx nginx "$load_cpu" 200
hook_url=$nginx_url/hook

mock_flags=(--max-calls "$((events * 2))")
if bench_mock_has_flag --no-access-log; then
    mock_flags+=(--no-access-log)
fi

# A first mock: the effective concurrency and a real event body.
bench_mock mock-probe "${mock_flags[@]}"
cfg=$("${mockctl[@]}" "$mock_url" "$api_key" config)
conc=$(python3 -c 'import json, sys
c = json.loads(sys.argv[1])
print(min(int(c.get("concurrency", 64)), int(c.get("per_webhook_concurrency", 64))))' "$cfg")
bench_create_webhook "$hook_url" >/dev/null
"${mockctl[@]}" "$mock_url" "$api_key" deliver 1 --timeout 10 >/dev/null
bench_api GET '/api/webhooks/calls?limit=1' |
    python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["data"][0]["request_body"])' \
        >"$bench_work/event.json"
bench_stop "$mock_pid"
bench_log "concurrency $conc (from GET /mock/config), event body $(wc -c <"$bench_work/event.json") bytes"

export BENCH_BODY_FILE=$bench_work/event.json BENCH_SIGNED=1
unset BENCH_API_KEY

mock_r=() bare_r=() wrk_r=() pairs=() pairs_wrk=() mock_cpu=() bare_cpu=() pairs_cpu=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    bench_mock "mock-$rep" "${mock_flags[@]}"
    bench_create_webhook "$hook_url" >/dev/null
    out=$(taskset -c "$load_cpu" "${mockctl[@]}" "$mock_url" "$api_key" deliver "$events" \
        --timeout 300)
    # CPU time of the whole mock (all threads), in clock ticks.
    mcpu=$(awk -v hz="$(getconf CLK_TCK)" -v n="$events" '{printf "%.1f\n", ($14 + $15) / hz * 1e6 / n}' \
        "/proc/$mock_pid/stat")
    bench_stop "$mock_pid"
    m=$(awk '{print $6}' <<<"$out")

    bout=$(taskset -c "$server_cpu" "$bare_sender_bin" --url "$hook_url" \
        --body-file "$bench_work/event.json" --count "$events" --concurrency "$conc" \
        --secret "$bench_secret") || bench_die "bare_sender failed: $bout"
    b=$(awk '{print $10}' <<<"$bout")
    bcpu=$(awk -v n="$events" '{printf "%.1f\n", $12 * 1e6 / n}' <<<"$bout")

    w=$(wrk_cpu=$server_cpu bench_wrk "$hook_url" -c "$conc" -s "$bench_root/bench/post.lua")
    mock_r+=("$m") bare_r+=("$b") wrk_r+=("$w") mock_cpu+=("$mcpu") bare_cpu+=("$bcpu")
    pairs+=("$m" "$b") pairs_wrk+=("$m" "$w") pairs_cpu+=("$bcpu" "$mcpu")
    bench_log "rep $rep: mock $m/s, ${mcpu} us CPU per delivery ($out); bare_sender $b/s, ${bcpu} us CPU per delivery; wrk $w/s"
done

bench_figure delivery.rps "$(bench_median "${mock_r[@]}")" "$(bench_median "${bare_r[@]}")" \
    "$(bench_paired_ratio "${pairs[@]}")" \
    wrk "$(bench_median "${wrk_r[@]}")" "$(bench_paired_ratio "${pairs_wrk[@]}")"
bench_figure delivery.cpu_us_per_event "$(bench_median "${mock_cpu[@]}")" \
    "$(bench_median "${bare_cpu[@]}")" "$(bench_paired_ratio "${pairs_cpu[@]}")"
