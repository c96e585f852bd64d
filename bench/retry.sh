#!/usr/bin/env bash
# Retry timing: a receiver that always fails (bench/slow_receiver answering
# 500 at once), 1000 events triggered at once, retried on the schedule
# 100ms,200ms,400ms,800ms (5 attempts, no jitter, time scale 1). For every
# retry (attempt >= 2) the lateness is sent_at - scheduled_at from the call
# log; the figure is its p99, with p50 and max beside it. First attempts are
# left out: they are "scheduled" at the trigger and their lateness is the
# queue of a 1000-event burst, not timer precision (their p99 is beside).
# The call log keeps milliseconds, so the receiver's own log measures the
# same lateness to the microsecond as well: arrival of attempt n - answer
# to attempt n-1 - the scheduled delay (receiver_p99, which also holds two
# loopback hops).
#
#   bench/retry.sh          prints retry.lateness_p99_ms
#
# Baseline: bare_timer on the mock's core just before each repetition, the
# p99 lateness of a thread that only sleeps to absolute deadlines (1 ms
# apart, as long as the retries last): the floor set by the machine's
# scheduler at that moment. Target: p99 <= 5 ms (beside the figure).
# Layout: the mock on BENCH_SERVER_CPU, the receiver on BENCH_LOAD_CPU.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-mock
events=${BENCH_EVENTS:-1000}
target_ms=5
mockctl=(python3 "$bench_root/bench/mockctl.py")

mock_flags=(--retry-schedule "100ms,200ms,400ms,800ms" --max-attempts 5 --jitter 0
    --time-scale 1 --max-calls 100000)
if bench_mock_has_flag --no-access-log; then
    mock_flags+=(--no-access-log)
fi

p99s=() p50s=() maxs=() firsts=() recv=() timer=() pairs=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    tout=$(taskset -c "$server_cpu" "$bare_timer_bin" --count 1600 --period-us 1000)
    t99=$(awk '{print $6}' <<<"$tout")
    rm -f "$bench_work/fail-$rep.port"
    bench_start "fail-$rep" "$load_cpu" "$slow_receiver_bin" --delay-ms 0 --status 500 \
        --log "$bench_work/receiver-$rep.log" --port-file "$bench_work/fail-$rep.port"
    fail_pid=$bench_last_pid
    fail_url=http://127.0.0.1:$(bench_wait_port "$bench_work/fail-$rep.port" "$fail_pid")/hook
    bench_mock "mock-$rep" "${mock_flags[@]}"
    bench_create_webhook "$fail_url" >/dev/null
    out=$(taskset -c "$load_cpu" "${mockctl[@]}" "$mock_url" "$api_key" deliver "$events" \
        --outcome gave_up --timeout 60)
    taskset -c "$load_cpu" "${mockctl[@]}" "$mock_url" "$api_key" calls >"$bench_work/calls-$rep.jsonl"
    bench_stop "$mock_pid"
    bench_stop "$fail_pid"
    rp99=$(python3 - "$bench_work/receiver-$rep.log" <<'EOF'
import collections, math, sys
delay_us = {2: 100000, 3: 200000, 4: 400000, 5: 800000}
att = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    ev, n, arrived, answered = line.split()
    att[ev][int(n)] = (int(arrived), int(answered))
late = []
for a in att.values():
    for n, (arrived, _) in a.items():
        if n >= 2 and n - 1 in a:
            late.append((arrived - a[n - 1][1] - delay_us[n]) / 1000.0)
late.sort()
print("%.3f" % late[max(0, math.ceil(0.99 * len(late)) - 1)] if late else "nan")
EOF
    )
    read -r n p50 p99 mx fp99 < <(python3 - "$bench_work/calls-$rep.jsonl" <<'EOF'
import datetime, json, sys

def ms(t):
    return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000.0

def pct(v, p):
    # nearest rank, as the harness reports
    import math
    return v[max(0, math.ceil(p / 100.0 * len(v)) - 1)]

retries, firsts = [], []
for line in open(sys.argv[1]):
    c = json.loads(line)
    if c.get("sent_at") is None or c.get("scheduled_at") is None:
        continue
    late = ms(c["sent_at"]) - ms(c["scheduled_at"])
    (retries if c["attempt"] >= 2 else firsts).append(late)
retries.sort()
firsts.sort()
if not retries:
    raise SystemExit("retry.sh: no retry in the call log")
print(len(retries), pct(retries, 50), pct(retries, 99), retries[-1],
      pct(firsts, 99) if firsts else "nan")
EOF
    )
    p99s+=("$p99") p50s+=("$p50") maxs+=("$mx") firsts+=("$fp99") recv+=("$rp99") timer+=("$t99")
    pairs+=("$p99" "$t99")
    bench_log "rep $rep: $n retries, lateness p50 $p50 ms, p99 $p99 ms, max $mx ms; first attempts p99 $fp99 ms; receiver-side p99 $rp99 ms; bare_timer p99 $t99 ms ($out)"
done

bench_figure retry.lateness_p99_ms "$(bench_median "${p99s[@]}")" "$(bench_median "${timer[@]}")" \
    "$(bench_paired_ratio "${pairs[@]}")" target "$target_ms" p50 "$(bench_median "${p50s[@]}")" \
    max "$(bench_median "${maxs[@]}")" first_attempt_p99 "$(bench_median "${firsts[@]}")" \
    receiver_p99 "$(bench_median "${recv[@]}")"
