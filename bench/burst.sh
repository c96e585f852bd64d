#!/usr/bin/env bash
# Harness burst: 10 000 signed deliveries at concurrency 64 against nginx
# answering 200, sent by vambe-harness from bench/scenarios/burst.json (ten
# burst steps of 1000, the most one step may hold). The figure is
# 10000 / the case's duration in the JSON report (scenario loading, the
# reachability check and report writing left out); the process's whole wall
# time is logged beside it.
#
#   bench/burst.sh          prints harness.burst_rps
#
# Baseline: bare_sender sending 10 000 deliveries of the harness's own
# event body at concurrency 64. Target: >= 0.80 of it.
# Layout: the senders on BENCH_SERVER_CPU, nginx on BENCH_LOAD_CPU.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-harness
bench_nginx nginx "$load_cpu" 200
hook_url=$nginx_url/hook
scenario=$bench_root/bench/scenarios/burst.json

h_r=() b_r=() pairs=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    report=$bench_work/report-$rep.json
    t0=$(date +%s.%N)
    taskset -c "$server_cpu" "$harness_bin" run --target "$hook_url" --secret "$bench_secret" \
        --scenario "$scenario" --seed "$rep" --report "json:$report" --no-color \
        >"$bench_work/harness-$rep.out" 2>&1 ||
        bench_die "the harness run failed: $(tail -5 "$bench_work/harness-$rep.out")"
    wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    read -r h n body_file < <(python3 - "$report" "$bench_work" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
n = 0
body = None
for case in r["cases"]:
    for step in case["steps"]:
        for x in step["exchanges"]:
            if 200 <= x["status"] < 300:
                n += 1
            if body is None and x["request_body"]:
                body = x["request_body"]
secs = sum(c["duration_us"] for c in r["cases"]) / 1e6
path = sys.argv[2] + "/event.json"
open(path, "w").write(body or "{}")
print("%.0f %d %s" % (n / secs if secs > 0 else 0, n, path))
EOF
    )
    ((n == 10000)) || bench_die "the harness got $n answers 2xx out of 10000"
    bout=$(taskset -c "$server_cpu" "$bare_sender_bin" --url "$hook_url" --body-file "$body_file" \
        --count 10000 --concurrency 64 --secret "$bench_secret") ||
        bench_die "bare_sender failed: $bout"
    b=$(awk '{print $10}' <<<"$bout")
    h_r+=("$h") b_r+=("$b") pairs+=("$h" "$b")
    bench_log "rep $rep: harness $h/s (whole process ${wall}s); bare_sender $b/s"
done

bench_figure harness.burst_rps "$(bench_median "${h_r[@]}")" "$(bench_median "${b_r[@]}")" \
    "$(bench_paired_ratio "${pairs[@]}")"
