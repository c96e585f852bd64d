#!/usr/bin/env bash
# Harness memory: peak RSS of vambe-harness over 64 000 deliveries, and with
# its exchange detail budget full; all four reports written each time.
#
#   bench/harness_memory.sh     prints harness.memory_mb and
#                               harness.memory_full_budget_mb
#
# harness.memory_mb: the peak RSS (/usr/bin/time's "Maximum resident set
#   size") of one harness process that sends 64 burst steps of 1 000
#   distinct signed deliveries, 64 in flight (bench/scenarios/
#   harness-memory.json: ten times the harness burst figure's traffic, and
#   the most one case may hold) to bare_mhd answering 200, and writes the
#   JUnit, JSON, Markdown and HTML reports (--report-dir). Baseline: the same case
#   cut to its first 8 steps (8 000 deliveries, the run that once took
#   1.07 GB), in the same repetition: a ratio near 1 means the memory does
#   not grow with the traffic. Beside it: the peak for 1 step of 1 000 (the
#   process with almost nothing kept), the exchange detail the JSON report
#   holds, the four report sizes and the wall time of the 64 000 run.
# harness.memory_full_budget_mb: the most the harness keeps. Two cases of
#   64 burst steps of 20 copies against bare_mhd answering every delivery
#   200 with a 64 KiB body instead: each step keeps 16 exchanges whole,
#   2 x 64 x 16 x 65 KiB = 130 MiB of detail, so the budget runs out half-way and a
#   note says how many exchanges lost their detail. Baseline: the 1 x 1 000
#   run's peak (the process without detail), in the same repetition.
# Target of both: the run's exchange detail budget (RP_DETAIL_BUDGET,
#   64 MiB, reports/model.h) plus a stated overhead of 32 MiB for what is
#   not exchange detail (libcurl, OpenSSL, jansson, the arrays of one burst
#   step of 1 000, 8 bytes of latency per delivery, one step's JSON tree
#   while the report is written): 96 MB.
# Checks, or fails: every run exits 0 with all four reports written, the
# JSON parses (python3 -m json.tool) and counts every delivery in its
# latency samples; the full-budget run's report holds the budget note.
# Why bare_mhd and not vambe-receiver: the harness keeps the same whoever
# answers 200 (a small body), and vambe-receiver, done right, answers 503
# with Retry-After once 10 000 events wait for its worker: 64 000
# deliveries in 7 s outrun that worker on a busy 2-core machine (some runs
# failed so, even with --work 0ms), which made the figure depend on the
# machine's other load.
# Layout: bare_mhd on BENCH_SERVER_CPU, the harness on BENCH_LOAD_CPU.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-harness
bench_cc bare_mhd libmicrohttpd
[[ -x /usr/bin/time ]] || bench_die "needs /usr/bin/time (Debian package time)"
budget_mb=64   # RP_DETAIL_BUDGET
overhead_mb=32 # everything else, stated
target_mb=$((budget_mb + overhead_mb))
scenario=$bench_root/bench/scenarios/harness-memory.json
mb() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }

# The same case cut to its first 1 and 8 steps; the full-budget suite.
python3 - "$scenario" "$bench_work" <<'EOF'
import json, os, sys
doc = json.load(open(sys.argv[1]))
work = sys.argv[2]
assert len(doc["steps"]) == 64 and all(s["count"] == 1000 for s in doc["steps"])
for n in (1, 8):
    json.dump(dict(doc, steps=doc["steps"][:n]), open("%s/steps-%d.json" % (work, n), "w"))
os.mkdir(work + "/full")
for i in (1, 2):
    steps = [dict(s, count=20, concurrency=8, copies=True) for s in doc["steps"]]
    json.dump(dict(doc, id="BENCH-90%d" % i, steps=steps),
              open("%s/full/BENCH-90%d.json" % (work, i), "w"))
open(work + "/fat.json", "w").write('{"ok":true,"pad":"' + "a" * (65536 - 20) + '"}')
open(work + "/ok.json", "w").write('{"status":"ok"}')
EOF

bench_bare_mhd ok "$bench_work/ok.json" --content-type application/json
ok_url=$bare_url
bench_bare_mhd fat "$bench_work/fat.json" --content-type application/json
fat_url=$bare_url

# run_once NAME SCENARIO DELIVERIES REP: one harness run writing all four
# reports to $bench_work/NAME-REP/ (a SCENARIO folder is a suite, run
# against the 64 KiB answers); sets run_kb (peak RSS), run_wall (s) and
# run_dir.
# Fails unless it passed, wrote every report and the JSON report parses
# and counts every delivery.
run_once() {
    local name=$1 file=$2 n=$3 rep=$4 rc=0 f samples
    local target=$ok_url/hook what=(--scenario "$file")
    if [[ -d $file ]]; then
        target=$fat_url/hook what=(--suite "$file")
    fi
    run_dir=$bench_work/$name-$rep
    mkdir -p "$run_dir"
    taskset -c "$load_cpu" /usr/bin/time -f '%e %M' -o "$bench_work/time-$name-$rep" \
        "$harness_bin" run --target "$target" --secret "$bench_secret" "${what[@]}" \
        --seed "$rep" --report-dir "$run_dir" --no-color \
        >"$bench_work/harness-$name-$rep.out" 2>&1 || rc=$?
    ((rc == 0)) || bench_die "$name: the harness exited $rc: $(tail -5 "$bench_work/harness-$name-$rep.out")"
    for f in report.xml report.json report.md report.html; do
        [[ -s $run_dir/$f ]] || bench_die "$name: $f was not written"
    done
    python3 -m json.tool "$run_dir/report.json" >/dev/null ||
        bench_die "$name: report.json does not parse"
    samples=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["summary"]["latency"]["samples"])' "$run_dir/report.json")
    ((samples == n)) || bench_die "$name: $samples latency samples, want $n"
    read -r run_wall run_kb <"$bench_work/time-$name-$rep"
}

# What a JSON report keeps of the exchanges: "listed counted_only
# detail_dropped detail_bytes".
detail_of() {
    python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
listed = omitted = dropped = detail = 0
for case in r["cases"]:
    for step in case["steps"]:
        omitted += step["exchanges_omitted"]
        for x in step["exchanges"]:
            listed += 1
            dropped += x.get("detail_dropped", False)
            for k in ("request_headers", "response_headers"):
                detail += len((x[k] or "").encode())
            detail += x["request_body_bytes"] + x["response_body_bytes"]
print(listed, omitted, dropped, detail)
EOF
}

# A run's report sizes in bytes: "json html junit md".
sizes() {
    stat -c %s "$1/report.json" "$1/report.html" "$1/report.xml" "$1/report.md" | xargs
}

big=() base=() one=() pairs=() walls=() full=() full_pairs=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    run_once one "$bench_work/steps-1.json" 1000 "$rep"
    one+=("$(mb "$run_kb")") one_kb=$run_kb
    run_once base "$bench_work/steps-8.json" 8000 "$rep"
    base+=("$(mb "$run_kb")") base_kb=$run_kb
    run_once big "$scenario" 64000 "$rep"
    big+=("$(mb "$run_kb")") pairs+=("$run_kb" "$base_kb") walls+=("$run_wall")
    read -r listed omitted dropped detail < <(detail_of "$run_dir/report.json")
    bench_log "rep $rep: 64 x 1000: peak $(mb "$run_kb") MB in ${run_wall}s, reports (json html junit md, bytes) $(sizes "$run_dir") (json at 8 x 1000: $(stat -c %s "$bench_work/base-$rep/report.json")); exchanges listed $listed, counted only $omitted, detail dropped $dropped, detail kept $detail bytes; 8 x 1000: $(mb "$base_kb") MB; 1 x 1000: $(mb "$one_kb") MB"
    run_once full "$bench_work/full" 2560 "$rep"
    full+=("$(mb "$run_kb")") full_pairs+=("$run_kb" "$one_kb")
    read -r f_listed _ f_dropped f_detail < <(detail_of "$run_dir/report.json")
    grep -q 'exchange detail budget of 64 MiB reached' "$run_dir/report.json" ||
        bench_die "full: no note about the detail budget in report.json"
    bench_log "rep $rep: full budget: peak $(mb "$run_kb") MB in ${run_wall}s, reports (json html junit md, bytes) $(sizes "$run_dir"); exchanges listed $f_listed, detail dropped $f_dropped, detail kept $f_detail bytes"
done

for peak in "$(bench_median "${big[@]}")" "$(bench_median "${full[@]}")"; do
    ((${peak%.*} < target_mb)) ||
        bench_log "over the target: peak $peak MB > $budget_mb MiB budget + $overhead_mb MiB overhead"
done
read -r jb hb xb mdb < <(sizes "$bench_work/big-$BENCH_REPS")
bench_figure harness.memory_mb "$(bench_median "${big[@]}")" "$(bench_median "${base[@]}")" \
    "$(bench_paired_ratio "${pairs[@]}")" target "$target_mb" one_burst_mb \
    "$(bench_median "${one[@]}")" detail_bytes "$detail" json_bytes "$jb" html_bytes "$hb" \
    junit_bytes "$xb" md_bytes "$mdb" wall_s "$(bench_median "${walls[@]}")"
read -r jb hb xb mdb < <(sizes "$bench_work/full-$BENCH_REPS")
bench_figure harness.memory_full_budget_mb "$(bench_median "${full[@]}")" \
    "$(bench_median "${one[@]}")" "$(bench_paired_ratio "${full_pairs[@]}")" \
    target "$target_mb" detail_bytes "$f_detail" dropped "$f_dropped" json_bytes "$jb" \
    html_bytes "$hb" junit_bytes "$xb" md_bytes "$mdb"
