#!/usr/bin/env bash
# Harness load: what `vambe-harness load` drives against nginx answering
# 200, asked for a rate above what it can send (BENCH_LOAD_RATE, default
# 200000/s) for BENCH_DURATION seconds at concurrency 64: every delivery a
# new event, signed for its own timestamp. The figure is its 2xx answers
# per second of the step (ok / elapsed_us in the JSON report: from the
# first send to the last answer).
#
#   bench/harness_load.sh   prints harness_load.rps, harness_load.cpu_us_per_delivery
#
# Baseline: bare_sender (one thread, libcurl multi, HMAC-SHA256 per request)
# POSTing as many deliveries of one of the harness's own event bodies at
# the same concurrency, in the same repetition. Beside it: wrk POSTing the
# same body with static signed headers at the same concurrency, unsigned
# work: the machine's limit. Target: >= 0.80 of bare_sender, so the
# harness measures the receiver and not itself.
# harness_load.cpu_us_per_delivery: CPU time (user + system) per 2xx
# answer, the harness's and bare_sender's; the ratio is bare / harness, so
# it reads like the rate ratio but holds better on a busy machine.
# Layout: the senders (harness, bare_sender, wrk) on BENCH_SERVER_CPU,
# nginx on BENCH_LOAD_CPU.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

rate=${BENCH_LOAD_RATE:-200000}
conc=64

bench_build vambe-harness
bench_nginx nginx "$load_cpu" 200
hook_url=$nginx_url/hook

# One of the harness's own bodies, from a one-case run's JSON report.
"$harness_bin" run --target "$hook_url" --secret "$bench_secret" --only DLV-001 \
    --report "json:$bench_work/dlv.json" --no-color >"$bench_work/dlv.out" 2>&1 ||
    bench_die "the harness run failed: $(tail -5 "$bench_work/dlv.out")"
python3 - "$bench_work/dlv.json" "$bench_work/event.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
body = r["cases"][0]["steps"][0]["exchanges"][0]["request_body"]
open(sys.argv[2], "w").write(body)
EOF
bench_log "rate asked $rate/s for ${BENCH_DURATION}s at concurrency $conc; event body $(wc -c <"$bench_work/event.json") bytes"

export BENCH_BODY_FILE=$bench_work/event.json BENCH_SIGNED=1
h_r=() b_r=() w_r=() pairs=() pairs_w=() h_cpu=() b_cpu=() pairs_cpu=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    report=$bench_work/load-$rep.json
    /usr/bin/time -f '%U %S' -o "$bench_work/time-$rep.txt" taskset -c "$server_cpu" \
        "$harness_bin" load --target "$hook_url" --secret "$bench_secret" --rate "$rate" \
        --duration "${BENCH_DURATION}s" --concurrency "$conc" --seed "$rep" \
        --report "json:$report" >"$bench_work/load-$rep.out" 2>&1 ||
        bench_die "vambe-harness load failed: $(tail -5 "$bench_work/load-$rep.out")"
    read -r h n failed < <(python3 - "$report" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["steps"][0]
failed = s["non_2xx"] + sum(s["transport_errors"].values())
print("%.0f %d %d" % (s["ok"] / (s["elapsed_us"] / 1e6), s["ok"], failed))
EOF
    )
    ((failed == 0)) || bench_die "the harness saw $failed failed deliveries (see $report)"
    hcpu=$(awk -v n="$n" '{printf "%.1f\n", ($1 + $2) * 1e6 / n}' "$bench_work/time-$rep.txt")

    bout=$(taskset -c "$server_cpu" "$bare_sender_bin" --url "$hook_url" \
        --body-file "$bench_work/event.json" --count "$n" --concurrency "$conc" \
        --secret "$bench_secret") || bench_die "bare_sender failed: $bout"
    b=$(awk '{print $10}' <<<"$bout")
    bcpu=$(awk -v n="$n" '{printf "%.1f\n", $12 * 1e6 / n}' <<<"$bout")

    w=$(wrk_cpu=$server_cpu bench_wrk "$hook_url" -c "$conc" -s "$bench_root/bench/post.lua")
    h_r+=("$h") b_r+=("$b") w_r+=("$w") h_cpu+=("$hcpu") b_cpu+=("$bcpu")
    pairs+=("$h" "$b") pairs_w+=("$h" "$w") pairs_cpu+=("$bcpu" "$hcpu")
    bench_log "rep $rep: harness $h/s ($n deliveries, ${hcpu} us CPU each); bare_sender $b/s (${bcpu} us CPU each); wrk $w/s"
done

bench_figure harness_load.rps "$(bench_median "${h_r[@]}")" "$(bench_median "${b_r[@]}")" \
    "$(bench_paired_ratio "${pairs[@]}")" \
    wrk "$(bench_median "${w_r[@]}")" "$(bench_paired_ratio "${pairs_w[@]}")"
bench_figure harness_load.cpu_us_per_delivery "$(bench_median "${h_cpu[@]}")" \
    "$(bench_median "${b_cpu[@]}")" "$(bench_paired_ratio "${pairs_cpu[@]}")"
