# shellcheck shell=bash
# Sourced by the scripts and tests that start a kit server with --port 0:
#
#   wait_port FILE [PID]   prints the port the server wrote to FILE
#                          (--port-file) once it is there
#   stop_servers PID...    stops servers started in the background: TERM to
#                          each, then waits for each (for an EXIT trap)
#
# The servers write the file atomically once they listen (docs/mock-api.md,
# "Port file"), so a non-empty file holds the whole number. Gives up after
# 10 s, or at once when PID (if given) has exited, with a message on stderr,
# and returns 1.
wait_port() {
    local file=$1 pid=${2:-} i
    for ((i = 0; i < 1000; i++)); do
        if [[ -s $file ]]; then
            head -1 "$file"
            return 0
        fi
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            echo "$(basename "$0"): the server (pid $pid) exited before writing $file" >&2
            return 1
        fi
        sleep 0.01
    done
    echo "$(basename "$0"): no port in $file after 10 s" >&2
    return 1
}

stop_servers() {
    local pid
    for pid in "$@"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "$@"; do
        wait "$pid" 2>/dev/null || true
    done
}
