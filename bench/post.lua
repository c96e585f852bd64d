-- wrk script: POST the same body to every request.
--   BENCH_BODY_FILE  the body (default: a small webhook creation)
--   BENCH_API_KEY    sent as x-api-key when set
--   BENCH_SIGNED=1   add the headers of a signed Vambe delivery (static
--                    values: wrk is the physical limit, it does not sign)
local path = os.getenv("BENCH_BODY_FILE")
local body = '{"topic":"message.received","url":"http://127.0.0.1:9/hook","secret":"bench-secret-0123456789abcdef"}'
if path then
    local f = assert(io.open(path, "rb"))
    body = f:read("*a")
    f:close()
end
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("BENCH_API_KEY")
if key then
    wrk.headers["x-api-key"] = key
end
if os.getenv("BENCH_SIGNED") == "1" then
    wrk.headers["User-Agent"] = "Vambe-Webhooks/1.0"
    wrk.headers["x-vambe-event"] = "message.received"
    wrk.headers["x-vambe-event-id"] = "evt_000000000000000000000001"
    wrk.headers["x-vambe-delivery-id"] = "00000000-0000-4000-8000-000000000001"
    wrk.headers["x-vambe-attempt"] = "1"
    wrk.headers["x-vambe-webhook-id"] = "00000000-0000-4000-8000-000000000001"
    wrk.headers["x-vambe-timestamp"] = "1727690400000"
    wrk.headers["x-vambe-signature"] = string.rep("0", 64)
end
