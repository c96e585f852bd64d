#!/usr/bin/env bash
# Harness latency accuracy: bench/slow_receiver answers every delivery after
# exactly 50 ms; vambe-harness sends 200 deliveries one at a time
# (bench/scenarios/latency-accuracy.json) and the figure is the p99 of
# (latency the JSON report gives for each exchange - 50 ms).
#
#   bench/accuracy.sh       prints harness.latency_error_p99_ms
#
# Baseline: the same 200 sequential deliveries from bare_sender, whose
# latency is libcurl's own total time (what the harness reads too): the error
# the machine and libcurl impose. Beside it: the harness's error measured
# against the time the receiver really held each request (its
# x-bench-held-us header), which removes the receiver's own sleep overshoot.
# Target: p99 error <= 1 ms. Layout: the receiver on BENCH_SERVER_CPU, the
# senders on BENCH_LOAD_CPU.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-harness
delay_ms=50

rm -f "$bench_work/slow.port"
bench_start slow "$server_cpu" "$slow_receiver_bin" --delay-ms "$delay_ms" \
    --port-file "$bench_work/slow.port"
slow_url=http://127.0.0.1:$(bench_wait_port "$bench_work/slow.port" "$bench_last_pid")/hook
printf '%s' '{"id":"evt_bench","event":"message.received","data":{"message_body":"hola"}}' \
    >"$bench_work/event.json"

# p99 and p50 of "value - delay" over a file of microsecond figures.
err_stats() {
    python3 - "$1" "$delay_ms" <<'EOF'
import math, sys
v = sorted(int(x) / 1000.0 - float(sys.argv[2]) for x in open(sys.argv[1]) if x.strip())
r = lambda p: v[max(0, math.ceil(p / 100.0 * len(v)) - 1)]
print("%.3f %.3f %d" % (r(99), r(50), len(v)))
EOF
}

h_p99=() b_p99=() held_p99=() over_p99=() pairs=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    report=$bench_work/report-$rep.json
    taskset -c "$load_cpu" "$harness_bin" run --target "$slow_url" --secret "$bench_secret" \
        --scenario "$bench_root/bench/scenarios/latency-accuracy.json" --seed "$rep" \
        --report "json:$report" --no-color >"$bench_work/harness-$rep.out" 2>&1 ||
        bench_die "the harness run failed: $(tail -5 "$bench_work/harness-$rep.out")"
    python3 - "$report" "$bench_work" "$rep" <<'EOF'
import json, re, sys
rep = json.load(open(sys.argv[1]))
d, n = sys.argv[2], sys.argv[3]
with open("%s/harness-%s.us" % (d, n), "w") as tot, \
     open("%s/harness-vs-held-%s.us" % (d, n), "w") as vs, \
     open("%s/held-%s.us" % (d, n), "w") as held:
    for case in rep["cases"]:
        for step in case["steps"]:
            for x in step["exchanges"]:
                if x["status"] == 0:
                    continue
                tot.write("%d\n" % x["total_us"])
                m = re.search(r"(?im)^x-bench-held-us:\s*(\d+)", x["response_headers"] or "")
                if m:
                    h = int(m.group(1))
                    held.write("%d\n" % h)
                    # total - held + 50 ms: the harness's error alone, on the same scale
                    vs.write("%d\n" % (x["total_us"] - h + 50000))
EOF
    taskset -c "$load_cpu" "$bare_sender_bin" --url "$slow_url" --body-file "$bench_work/event.json" \
        --count 200 --concurrency 1 --secret "$bench_secret" \
        --latency-out "$bench_work/bare-$rep.us" >/dev/null ||
        bench_die "bare_sender failed"
    read -r hp hm hn < <(err_stats "$bench_work/harness-$rep.us")
    ((hn == 200)) || bench_die "the JSON report lists $hn answered exchanges, want 200"
    read -r bp bm _ < <(err_stats "$bench_work/bare-$rep.us")
    read -r vp _ _ < <(err_stats "$bench_work/harness-vs-held-$rep.us")
    read -r op _ _ < <(err_stats "$bench_work/held-$rep.us")
    h_p99+=("$hp") b_p99+=("$bp") held_p99+=("$vp") over_p99+=("$op")
    pairs+=("$hp" "$bp")
    bench_log "rep $rep: harness error p50 $hm p99 $hp ms ($hn exchanges); bare_sender p50 $bm p99 $bp ms; harness minus held p99 $vp ms; receiver overshoot p99 $op ms"
done

bench_figure harness.latency_error_p99_ms "$(bench_median "${h_p99[@]}")" \
    "$(bench_median "${b_p99[@]}")" "$(bench_paired_ratio "${pairs[@]}")" \
    vs_held "$(bench_median "${held_p99[@]}")" \
    receiver_overshoot "$(bench_median "${over_p99[@]}")"
