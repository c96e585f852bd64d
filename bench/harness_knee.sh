#!/usr/bin/env bash
# Knees: `vambe-harness load --ramp` (from 10/s, doubling every 5 s, budget
# 5 s, concurrency 256) against vambe-receiver as it ships (--work 5ms: one
# worker, a queue of 10 000), against vambe-receiver with --work 0, and
# against nginx answering 200. Each prints its knee, the sustained
# deliveries/s and why the ramp stopped; the JSON reports stay in the work
# folder with BENCH_KEEP=1.
#
#   bench/harness_knee.sh   prints harness_knee.receiver, .receiver_work0, .nginx
#
# Each line: name sustained_per_s knee_rate stop-reason. No baseline: a knee
# is the receiver's figure, the harness's own limit shows as "harness".
# Layout: the harness on BENCH_SERVER_CPU, the receivers on BENCH_LOAD_CPU.
# BENCH_KNEE_STEP (default 5s) and BENCH_KNEE_MAX (default 100000) change
# the ramp.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

step=${BENCH_KNEE_STEP:-5s}
max=${BENCH_KNEE_MAX:-100000}
ulimit -n 8192

bench_build vambe-harness vambe-receiver

# knee NAME URL [load flags...]: runs the ramp; prints the figure line.
knee() {
    local name=$1 url=$2 report=$bench_work/knee-$1.json
    shift 2
    taskset -c "$server_cpu" "$harness_bin" load --target "$url" --secret "$bench_secret" \
        --ramp --step-duration "$step" --max "$max" --seed 1 --report "json:$report" "$@" \
        >"$bench_work/knee-$name.out" 2>&1 ||
        bench_die "the ramp against $name failed: $(tail -5 "$bench_work/knee-$name.out")"
    cat "$bench_work/knee-$name.out" >&2
    python3 - "$report" "$name" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["result"]
k = r["knee"]
print("harness_knee.%s %s %s %s" % (sys.argv[2], "%.0f" % k["sustained_per_s"] if k else "none",
                                    k["rate"] if k else "none", r["stop"]))
EOF
}

rm -f "$bench_work/rcv.port"
bench_start receiver "$load_cpu" "$receiver_bin" --secret "$bench_secret" --port 0 \
    --port-file "$bench_work/rcv.port"
rcv_pid=$bench_last_pid
knee receiver "http://127.0.0.1:$(bench_wait_port "$bench_work/rcv.port" "$rcv_pid")/"
bench_stop "$rcv_pid"

rm -f "$bench_work/rcv0.port"
bench_start receiver0 "$load_cpu" "$receiver_bin" --secret "$bench_secret" --port 0 \
    --port-file "$bench_work/rcv0.port" --work 0ms
rcv_pid=$bench_last_pid
knee receiver_work0 "http://127.0.0.1:$(bench_wait_port "$bench_work/rcv0.port" "$rcv_pid")/"
bench_stop "$rcv_pid"

bench_nginx nginx "$load_cpu" 200
knee nginx "$nginx_url/hook"
