#!/usr/bin/env bash
# The kit in one minute: build, start the reference receiver and the mock on
# free ports, run the whole conformance suite against the receiver (with the
# side-effect probe), write all four reports, then show the mock delivering
# every topic to the receiver and print its call log.
#
#   scripts/demo.sh                 against the reference receiver
#   scripts/demo.sh --flaw NAME     against a receiver broken on purpose
#   scripts/demo.sh --help
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

flaws=()
out_dir=${VAMBE_DEMO_OUT:-$root/demo-out}
while (($#)); do
    case "$1" in
    --flaw)
        [[ $# -ge 2 ]] || { echo "demo.sh: --flaw needs a name" >&2; exit 2; }
        flaws+=(--flaw "$2")
        shift 2
        ;;
    --out)
        [[ $# -ge 2 ]] || { echo "demo.sh: --out needs a folder" >&2; exit 2; }
        out_dir=$2
        shift 2
        ;;
    -h | --help)
        sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "demo.sh: unknown option '$1' (see --help)" >&2
        exit 2
        ;;
    esac
done

build_dir=${BUILD_DIR:-build}
bold() { if [[ -t 1 ]]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }

bold "== 1. Build"
bash scripts/deps.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" >/dev/null
receiver_bin=$build_dir/examples/receiver/vambe-receiver
mock_bin=$build_dir/mock_server/vambe-mock
harness_bin=$build_dir/harness/vambe-harness

# wait_port (at most 10 s for a program to write the port it chose) and
# stop_servers.
# shellcheck source=scripts/port-file.sh
source "$root/scripts/port-file.sh"

work=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    stop_servers "${pids[@]}"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

secret="demo-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export VAMBE_SECRET=$secret

bold "== 2. Start vambe-receiver ${flaws[*]:-(done right)} and vambe-mock"
"$receiver_bin" --secret "$secret" --port 0 --port-file "$work/receiver.port" "${flaws[@]}" \
    2>"$work/receiver.log" &
pids+=($!)
"$mock_bin" serve --port 0 --port-file "$work/mock.port" --time-scale 0.01 \
    2>"$work/mock.log" &
pids+=($!)
receiver_port=$(wait_port "$work/receiver.port")
mock_port=$(wait_port "$work/mock.port")
receiver=http://127.0.0.1:$receiver_port
mock=http://127.0.0.1:$mock_port
echo "receiver: $receiver/   mock: $mock/"
echo "console: $mock/ui   (docs/console.md; key vambe-mock-local-key)"

bold "== 3. Run the conformance suite against the receiver"
mkdir -p "$out_dir"
set +e
"$harness_bin" run --target "$receiver/" --probe-url "$receiver/_probe/events/{event_id}" \
    --report-dir "$out_dir"
verdict=$?
set -e
echo
echo "reports:"
for f in report.xml report.json report.md report.html; do
    [[ -f "$out_dir/$f" ]] && echo "  $out_dir/$f"
done

bold "== 4. The mock at work: one webhook per topic, every topic triggered"
echo "(plus one webhook registered with the wrong secret: the receiver answers 401 and the"
echo " mock retries with exponential backoff, here at --time-scale 0.01, until it gives up)"
api_key=vambe-mock-local-key
topics=$(curl -sf -H "x-api-key: $api_key" "$mock/api/webhooks/topics" |
    python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)))')
for topic in $topics; do
    curl -sf -X POST -H "x-api-key: $api_key" -H 'Content-Type: application/json' \
        -d "{\"topic\":\"$topic\",\"url\":\"$receiver/\",\"secret\":\"$secret\"}" \
        "$mock/api/webhooks" >/dev/null
    if [[ "$topic" == message.received ]]; then
        curl -sf -X POST -H "x-api-key: $api_key" -H 'Content-Type: application/json' \
            -d "{\"topic\":\"$topic\",\"url\":\"$receiver/\",\"secret\":\"not-the-receivers-secret\"}" \
            "$mock/api/webhooks" >/dev/null
    fi
    "$mock_bin" trigger "$topic" --server "$mock" --api-key "$api_key" >/dev/null
done
# Wait (at most 15 s) until every event has a final outcome in the call log.
for ((i = 0; i < 150; i++)); do
    pending=$(curl -sf -H "x-api-key: $api_key" "$mock/api/webhooks/calls?limit=500" |
        python3 -c 'import json,sys
d=json.load(sys.stdin)["data"]
final={"succeeded","gave_up","webhook_disabled"}
chains={(c["event_id"], c["webhook_id"]) for c in d}
done_={(c["event_id"], c["webhook_id"]) for c in d if c["outcome"] in final}
print(len(chains - done_) + (0 if len(chains) >= 9 else 1))')
    [[ "$pending" == 0 ]] && break
    sleep 0.1
done
echo "call log (GET /api/webhooks/calls):"
curl -sf -H "x-api-key: $api_key" "$mock/api/webhooks/calls?limit=500" | python3 -c '
import json, sys
rows = json.load(sys.stdin)["data"]
print("  %-18s %-30s %7s %6s %9s  %s" % ("topic", "event", "attempt", "status", "ms", "outcome"))
for c in sorted(rows, key=lambda c: (c["sent_at"] or "", c["attempt"])):
    print("  %-18s %-30s %7s %6s %9.1f  %s" % (c["topic"], c["event_id"], c["attempt"],
          c["response_status"] if c["response_status"] is not None else "-",
          c["duration_ms"] or 0, c["outcome"]))'

echo
if ((verdict == 0)); then
    bold "Result: the receiver conforms (vambe-harness exit 0)"
elif ((verdict == 1)); then
    bold "Result: the receiver does NOT conform (vambe-harness exit 1); see the reports above"
else
    bold "Result: the harness could not run (exit $verdict)"
fi
exit "$verdict"
