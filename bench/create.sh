#!/usr/bin/env bash
# Create throughput: wrk -t1 -c64 POSTing a valid webhook to /api/webhooks
# (bench/post.lua), with the store in memory and in a SQLite file (--db).
#
#   bench/create.sh     prints create.memory_rps and create.db_rps
#
# create.memory_rps: baseline GET /api/webhooks/{id} on the same mock just
#   before (10 webhooks); target >= 0.30 of it.
# create.db_rps: baseline create.memory_rps of the same repetition
#   (reported; what the file costs).
# Every repetition starts a fresh mock: the store grows by every create, so
# repetitions on one mock would not measure the same thing.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-mock
bench_api_mock_flags
key_hdr=(-H "x-api-key: $api_key")
post=(-s "$bench_root/bench/post.lua")
export BENCH_API_KEY=$api_key
unset BENCH_BODY_FILE BENCH_SIGNED

# One repetition on a fresh mock started with the given extra flags; sets
# rep_get (GET /api/webhooks/{id} per second), rep_create (POST per second)
# and rep_hooks (webhooks at the end). Runs in this shell, so the mock it
# starts is stopped on exit whatever happens.
create_rep() {
    local name=$1 id
    shift
    bench_mock "$name" "${mock_flags[@]}" "$@"
    for ((i = 0; i < 10; i++)); do
        id=$(bench_create_webhook "https://receiver.example.com/hooks/$i")
    done
    rep_get=$(bench_wrk "$mock_url/api/webhooks/$id" "${key_hdr[@]}")
    rep_create=$(bench_wrk "$mock_url/api/webhooks" "${post[@]}")
    rep_hooks=$(bench_api GET '/api/webhooks?include_deleted=false' |
        python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
    bench_stop "$mock_pid"
}

g_mem=() c_mem=() c_db=() pairs_mem=() pairs_db=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    create_rep "mock-mem-$rep"
    g=$rep_get c=$rep_create n=$rep_hooks
    rm -f "$bench_work/store-$rep.db"*
    create_rep "mock-db-$rep" --db "$bench_work/store-$rep.db"
    g2=$rep_get d=$rep_create n2=$rep_hooks
    rm -f "$bench_work/store-$rep.db"*
    g_mem+=("$g") c_mem+=("$c") c_db+=("$d")
    pairs_mem+=("$c" "$g") pairs_db+=("$d" "$c")
    bench_log "rep $rep: memory: get $g create $c ($n webhooks at the end); db: get $g2 create $d ($n2 webhooks)"
done

bench_figure create.memory_rps "$(bench_median "${c_mem[@]}")" "$(bench_median "${g_mem[@]}")" \
    "$(bench_paired_ratio "${pairs_mem[@]}")"
bench_figure create.db_rps "$(bench_median "${c_db[@]}")" "$(bench_median "${c_mem[@]}")" \
    "$(bench_paired_ratio "${pairs_db[@]}")"
