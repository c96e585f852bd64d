#!/usr/bin/env python3
"""Drives vambe-mock's control API and reads its call log for the benchmarks.

    mockctl.py URL KEY config
        GET /mock/config as JSON on stdout.
    mockctl.py URL KEY deliver N [--topic T] [--outcome O] [--timeout S] [--chunk C]
        Triggers N events (POST /mock/events, C per request, default 10000)
        then polls GET /api/webhooks/calls?outcome=O&limit=1 (default
        succeeded) until its total has grown by N, after half the time the
        rest should take at the rate so far (20 ms to 0.5 s: each count
        scans the mock's outcome index). Prints
        "events N seconds S rps R trigger_seconds T".
    mockctl.py URL KEY trigger N [--topic T] [--chunk C]
        Triggers N events and prints the last event id.
    mockctl.py URL KEY paced N --count-file F [--base B] [--chunk C] [--timeout S]
                                [--data-bytes D]
        Triggers N events C at a time, keeping at most two batches
        undelivered: a batch goes once the receiver's log F (one 4-byte
        line per request, "200\\n") shows all but the last batch delivered.
        B is the count F already held. Returns once F shows B + N. With D,
        each event's data carries a text of D bytes (a body of about D).
    mockctl.py URL KEY rate N --per-second R [--timeout S]
        Triggers N events at R a second (a batch every 100 ms, on a fixed
        schedule: open loop), then waits until the call log counts N more
        succeeded. Prints "events N seconds S rps R lag_p50_ms A lag_p99_ms B",
        S from the first trigger to the last success, the lags those of
        sent_at after scheduled_at over the records of the run (how late the
        engine sent each attempt).
    mockctl.py URL KEY total [--outcome O]
        Prints the call log's total (with that outcome).
    mockctl.py URL KEY calls [--outcome O]
        Every call record (all pages), one JSON object a line, on stdout.

One keep-alive connection; the standard library only. Exit 1 on a failure
(a status other than the expected one, or the timeout)."""

import argparse
import http.client
import json
import os
import sys
import time
import urllib.parse


class Mock:
    def __init__(self, url, key, data_bytes=0):
        u = urllib.parse.urlsplit(url)
        self.data = {"text": "x" * data_bytes} if data_bytes > 0 else None
        self.host, self.port = u.hostname, u.port
        self.key = key
        self.conn = None

    def call(self, method, path, body=None, expect=(200,)):
        headers = {"x-api-key": self.key}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        if r.status not in expect:
            raise SystemExit("mockctl: %s %s: %d %s" % (method, path, r.status,
                                                         raw[:300].decode("utf-8", "replace")))
        return json.loads(raw) if raw else None

    def total(self, outcome=None):
        q = {"limit": "1"}
        if outcome:
            q["outcome"] = outcome
        return self.call("GET", "/api/webhooks/calls?" + urllib.parse.urlencode(q))["total"]

    def trigger(self, n, topic, chunk):
        last = None
        left = n
        while left > 0:
            c = min(chunk, left)
            body = {"topic": topic, "count": c}
            if self.data is not None:
                body["data"] = self.data
            r = self.call("POST", "/mock/events", body, expect=(200, 202))
            ids = r.get("event_ids") or []
            if ids:
                last = ids[-1]
            left -= c
        return last


def iso_ms(text):
    """Epoch milliseconds of the mock's "2024-09-30T10:00:00.123Z"."""
    import calendar
    base, frac = text.rstrip("Z").split(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) * 1000 + int(frac)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("key")
    p.add_argument("command", choices=["config", "deliver", "trigger", "paced", "rate", "total", "calls"])
    p.add_argument("n", nargs="?", type=int, default=0)
    p.add_argument("--topic", default="message.received")
    p.add_argument("--outcome", default=None)
    p.add_argument("--timeout", type=float, default=300.0)
    p.add_argument("--chunk", type=int, default=10000)
    p.add_argument("--count-file", default=None)
    p.add_argument("--base", type=int, default=0)
    p.add_argument("--data-bytes", type=int, default=0)
    p.add_argument("--per-second", type=float, default=1000.0)
    a = p.parse_args()
    m = Mock(a.url, a.key, a.data_bytes)

    if a.command == "config":
        json.dump(m.call("GET", "/mock/config"), sys.stdout)
        print()
    elif a.command == "total":
        print(m.total(a.outcome))
    elif a.command == "trigger":
        print(m.trigger(a.n, a.topic, a.chunk) or "")
    elif a.command == "paced":
        def delivered():
            try:
                return os.path.getsize(a.count_file) // 4 - a.base
            except OSError:
                return 0

        deadline = time.monotonic() + a.timeout

        def wait_for(n):
            while delivered() < n:
                if time.monotonic() > deadline:
                    raise SystemExit("mockctl: %d of %d delivered after %.0f s" % (
                        delivered(), n, a.timeout))
                time.sleep(0.02)

        sent = 0
        while sent < a.n:
            wait_for(sent - a.chunk)
            c = min(a.chunk, a.n - sent)
            m.trigger(c, a.topic, a.chunk)
            sent += c
        wait_for(a.n)
    elif a.command == "rate":
        base = m.total("succeeded")
        per_tick = max(1, int(round(a.per_second / 10)))
        t0 = time.monotonic()
        sent = 0
        tick = 0
        while sent < a.n:
            due = t0 + tick * 0.1
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            c = min(per_tick, a.n - sent)
            m.trigger(c, a.topic, a.chunk)
            sent += c
            tick += 1
        deadline = t0 + a.timeout
        while m.total("succeeded") - base < a.n:
            if time.monotonic() > deadline:
                raise SystemExit("mockctl: not all %d delivered after %.0f s" % (a.n, a.timeout))
            time.sleep(0.05)
        secs = time.monotonic() - t0
        lags = []
        page = 1
        while len(lags) < a.n:
            q = {"limit": "500", "page": str(page), "outcome": "succeeded"}
            r = m.call("GET", "/api/webhooks/calls?" + urllib.parse.urlencode(q))
            for rec in r["data"]:
                lags.append(iso_ms(rec["sent_at"]) - iso_ms(rec["scheduled_at"]))
            if len(r["data"]) < 500:
                break
            page += 1
        lags.sort()
        pick = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))] if lags else 0
        print("events %d seconds %.3f rps %.0f lag_p50_ms %d lag_p99_ms %d" % (
            a.n, secs, a.n / secs, pick(0.50), pick(0.99)))
    elif a.command == "calls":
        page = 1
        while True:
            q = {"limit": "500", "page": str(page)}
            if a.outcome:
                q["outcome"] = a.outcome
            r = m.call("GET", "/api/webhooks/calls?" + urllib.parse.urlencode(q))
            for rec in r["data"]:
                sys.stdout.write(json.dumps(rec) + "\n")
            if len(r["data"]) < 500:
                break
            page += 1
    elif a.command == "deliver":
        outcome = a.outcome or "succeeded"
        base = m.total(outcome)
        t0 = time.monotonic()
        m.trigger(a.n, a.topic, a.chunk)
        t_trig = time.monotonic() - t0
        deadline = t0 + a.timeout
        while True:
            got = m.total(outcome) - base
            if got >= a.n:
                break
            now = time.monotonic()
            if now > deadline:
                raise SystemExit("mockctl: %d of %d %s after %.0f s" % (got, a.n, outcome,
                                                                       a.timeout))
            # Counting the call log costs the mock a scan of its outcome
            # index (O(records)): ask again after half the time the rest
            # should take at the rate so far, every 20 ms at the end.
            rate = got / (now - t0) if got > 0 else 0
            wait = 0.5 * (a.n - got) / rate if rate > 0 else 0.02
            time.sleep(min(0.5, max(0.02, wait)))
        secs = time.monotonic() - t0
        print("events %d seconds %.3f rps %.0f trigger_seconds %.3f" % (a.n, secs, a.n / secs,
                                                                        t_trig))


if __name__ == "__main__":
    main()
