#!/usr/bin/env bash
# Harness burst: 10 000 signed deliveries at concurrency 64 against nginx
# answering 200, sent by vambe-harness in ten burst steps of 1000 (the most
# one step may hold). A figure is 10000 / the case's duration in the JSON
# report (scenario loading, the reachability check and report writing left
# out); the process's whole wall time is logged beside it.
#
#   bench/burst.sh          prints harness.burst_rps, harness.burst_distinct_rps
#
# harness.burst_rps (bench/scenarios/burst-copies.json): copies of one event,
# each with its own delivery id, timestamp and signature: the work
# bare_sender does, like for like. harness.burst_distinct_rps
# (bench/scenarios/burst.json): 10 000 distinct events, so the harness also
# builds an event (ids, names, texts, times; jansson) for each delivery.
# Baseline of both: bare_sender sending 10 000 deliveries of the harness's
# own event body at concurrency 64, once per repetition. Target: >= 0.80.
# Layout: the senders on BENCH_SERVER_CPU, nginx on BENCH_LOAD_CPU.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-harness
bench_nginx nginx "$load_cpu" 200
hook_url=$nginx_url/hook

# burst_run NAME SCENARIO REP: runs the harness; sets run_rps, run_wall and
# run_body (a file holding the body of its first delivery).
burst_run() {
    local name=$1 scenario=$2 rep=$3 report t0 n
    report=$bench_work/report-$name-$rep.json
    t0=$(date +%s.%N)
    taskset -c "$server_cpu" "$harness_bin" run --target "$hook_url" --secret "$bench_secret" \
        --scenario "$scenario" --seed "$rep" --report "json:$report" --no-color \
        >"$bench_work/harness-$name-$rep.out" 2>&1 ||
        bench_die "the harness run failed: $(tail -5 "$bench_work/harness-$name-$rep.out")"
    run_wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    read -r run_rps n run_body < <(python3 - "$report" "$bench_work/event-$name.json" <<'EOF'
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
        # A step lists a few exchanges and counts the rest; in a step that
        # passed, every one went as expected (2xx).
        if step["verdict"] == "PASS":
            n += step["exchanges_omitted"]
secs = sum(c["duration_us"] for c in r["cases"]) / 1e6
open(sys.argv[2], "w").write(body or "{}")
print("%.0f %d %s" % (n / secs if secs > 0 else 0, n, sys.argv[2]))
EOF
    )
    ((n == 10000)) || bench_die "the harness ($name) got $n answers 2xx out of 10000"
}

c_r=() d_r=() b_r=() pairs=() pairs_d=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    burst_run copies "$bench_root/bench/scenarios/burst-copies.json" "$rep"
    c=$run_rps c_wall=$run_wall body_file=$run_body
    burst_run distinct "$bench_root/bench/scenarios/burst.json" "$rep"
    d=$run_rps d_wall=$run_wall
    bout=$(taskset -c "$server_cpu" "$bare_sender_bin" --url "$hook_url" --body-file "$body_file" \
        --count 10000 --concurrency 64 --secret "$bench_secret") ||
        bench_die "bare_sender failed: $bout"
    b=$(awk '{print $10}' <<<"$bout")
    c_r+=("$c") d_r+=("$d") b_r+=("$b") pairs+=("$c" "$b") pairs_d+=("$d" "$b")
    bench_log "rep $rep: harness copies $c/s (whole process ${c_wall}s), distinct events $d/s (${d_wall}s); bare_sender $b/s"
done

bench_figure harness.burst_rps "$(bench_median "${c_r[@]}")" "$(bench_median "${b_r[@]}")" \
    "$(bench_paired_ratio "${pairs[@]}")"
bench_figure harness.burst_distinct_rps "$(bench_median "${d_r[@]}")" \
    "$(bench_median "${b_r[@]}")" "$(bench_paired_ratio "${pairs_d[@]}")"
