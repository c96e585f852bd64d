#!/usr/bin/env bash
# Management API throughput: wrk -t1 -c64 on GET /api/webhooks (10 webhooks)
# and on GET /api/webhooks/{id}, against vambe-mock and against bare_mhd
# (libmicrohttpd alone, same threading) answering the very same bytes; nginx
# serving the same bytes from a file is reported beside them.
#
#   bench/api.sh            prints api.list_rps and api.get_rps
#
# Layout: the servers on core BENCH_SERVER_CPU, wrk on BENCH_LOAD_CPU. Each
# repetition measures the six targets one after the other, so each ratio is
# taken between figures of the same moment. Target: >= 0.80 of bare_mhd.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

bench_build vambe-mock
bench_api_mock_flags
bench_mock mock "${mock_flags[@]}"
ids=()
for ((i = 0; i < 10; i++)); do
    ids+=("$(bench_create_webhook "https://receiver.example.com/hooks/$i")")
done
one=/api/webhooks/${ids[4]}
bench_api GET /api/webhooks >"$bench_work/list.json"
bench_api GET "$one" >"$bench_work/one.json"
bench_log "list body $(wc -c <"$bench_work/list.json") bytes, one webhook $(wc -c <"$bench_work/one.json") bytes, $threads threads"

bench_bare_mhd bare-list "$bench_work/list.json" --threads "$threads"
bare_list_url=$bare_url/api/webhooks
bench_bare_mhd bare-one "$bench_work/one.json" --threads "$threads"
bare_one_url=$bare_url$one
bench_nginx nginx "$server_cpu" 200 "/api/webhooks=$bench_work/list.json" "$one=$bench_work/one.json"

# The same bytes everywhere (headers aside).
for u in "$bare_list_url" "$nginx_url/api/webhooks"; do
    cmp -s "$bench_work/list.json" <(curl -sS "$u") || bench_die "$u does not serve the mock's list"
done
for u in "$bare_one_url" "$nginx_url$one"; do
    cmp -s "$bench_work/one.json" <(curl -sS "$u") || bench_die "$u does not serve the mock's webhook"
done

key_hdr=(-H "x-api-key: $api_key")
# Warm-up: connections, caches, CPU frequency.
BENCH_DURATION=1 bench_wrk "$mock_url/api/webhooks" "${key_hdr[@]}" >/dev/null
BENCH_DURATION=1 bench_wrk "$bare_list_url" >/dev/null

pairs_list=() pairs_get=() pairs_list_ng=() pairs_get_ng=()
m_list=() b_list=() n_list=() m_get=() b_get=() n_get=()
for ((rep = 1; rep <= BENCH_REPS; rep++)); do
    a=$(bench_wrk "$mock_url/api/webhooks" "${key_hdr[@]}")
    b=$(bench_wrk "$bare_list_url" "${key_hdr[@]}")
    n=$(bench_wrk "$nginx_url/api/webhooks" "${key_hdr[@]}")
    m_list+=("$a") b_list+=("$b") n_list+=("$n")
    pairs_list+=("$a" "$b") pairs_list_ng+=("$a" "$n")
    c=$(bench_wrk "$mock_url$one" "${key_hdr[@]}")
    d=$(bench_wrk "$bare_one_url" "${key_hdr[@]}")
    g=$(bench_wrk "$nginx_url$one" "${key_hdr[@]}")
    m_get+=("$c") b_get+=("$d") n_get+=("$g")
    pairs_get+=("$c" "$d") pairs_get_ng+=("$c" "$g")
    bench_log "rep $rep: list mock $a bare $b nginx $n; get mock $c bare $d nginx $g"
done

bench_figure api.list_rps "$(bench_median "${m_list[@]}")" "$(bench_median "${b_list[@]}")" \
    "$(bench_paired_ratio "${pairs_list[@]}")" \
    nginx "$(bench_median "${n_list[@]}")" "$(bench_paired_ratio "${pairs_list_ng[@]}")"
bench_figure api.get_rps "$(bench_median "${m_get[@]}")" "$(bench_median "${b_get[@]}")" \
    "$(bench_paired_ratio "${pairs_get[@]}")" \
    nginx "$(bench_median "${n_get[@]}")" "$(bench_paired_ratio "${pairs_get_ng[@]}")"
