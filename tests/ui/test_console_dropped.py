#!/usr/bin/env python3
"""ui.console_dropped: the console's "N updates were missed" banner, for real.

The mock gives each viewer of GET /mock/stream a queue of at most 1024
records or 4 MiB and drops the oldest beyond that, then sends
`event: dropped` with how many were lost; the page shows a banner with a
Reload button. This test makes the page's stream fall behind honestly: the
browser's network is throttled through the Chrome DevTools Protocol
(Network.emulateNetworkConditions, 2000 bytes/s down) before the stream is
opened, a receiver answers every delivery with 6000 bytes (the call log keeps
4 KiB of it: ~5.9 KB per streamed record), and thousands of events are
triggered. Once all are recorded the throttling is lifted, and the test
checks: the banner shows a number > 0; every record the mock wrote was either
shown or counted as missed, none shown twice; Reload hides the banner and
loads the first page of the log, newest record first, as the API lists it.
Chromium throttles only requests started after the emulation is set (a
stream already open keeps its speed; lifting it applies at once), so the key
is entered, and the stream opened, after it is set. The screenshot goes to
<build dir>/artifacts/ui-dropped.png.

usage: test_console_dropped.py BUILD_DIR
Needs what ui.console needs (test_console.py, whose helpers it uses).
"""
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_console as tc  # noqa: E402  (exits, never skips, without selenium)

THROTTLE = 2000  # bytes per second, the browser's download speed while behind
BODY = b"x" * 6000  # the receiver's answer; the call log keeps 4 KiB of it
EVENTS = 4000  # ~23 MB of stream: far beyond the socket buffers and the 4 MiB queue
RECORD_WAIT = 40  # seconds for the mock to deliver and record them all
DRAIN_WAIT = 20  # seconds for the page to read the backlog once unthrottled


class Big(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the mock keeps connections: faster

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # the mock opens up to 16 connections at once


def throttle(driver, down):
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": down, "uploadThroughput": -1})


def rows(c):
    """The ids of the call log's rows, in page order."""
    return c.d.execute_script(
        "return [...document.querySelectorAll('#calls-table tbody tr[data-id]')]"
        ".map((tr) => tr.getAttribute('data-id'))")


def banner(c):
    """The number the banner shows, or None while it is hidden."""
    if c.d.execute_script("return document.getElementById('dropped').hidden"):
        return None
    m = re.fullmatch(r"(\d+) updates were missed", c.q("#dropped-text").text.strip())
    return int(m.group(1)) if m else -1


def run(c, base, receiver):
    d, f = c.d, c.fails
    tc.api(base, "POST", "/api/webhooks", {"topic": "message.received",
                                           "url": receiver + "/big",
                                           "secret": "whsec_ui_dropped_1"})
    d.get(base + "/ui#/calls")
    c.wait(c.visible("#key-form"), "the key form shows (the page's files are loaded)")
    d.execute_cdp_cmd("Network.enable", {})
    throttle(d, THROTTLE)
    c.typed("#key-input", tc.KEY)
    c.q("#key-submit").click()
    c.wait(lambda _: c.q("#stream-state").get_attribute("data-state") == "live",
           "the stream opens under throttling")
    c.wait(lambda _: c.q("#calls-count").text.startswith("0 of 0"), "the call log is empty")

    t0 = time.monotonic()
    tc.api(base, "POST", "/mock/events", {"topic": "message.received", "count": EVENTS})
    total = 0
    deadline = t0 + RECORD_WAIT
    while time.monotonic() < deadline:
        total = tc.api(base, "GET", "/api/webhooks/calls?limit=1")["total"]
        if total >= EVENTS:
            break
        time.sleep(0.2)
    f.check(total == EVENTS, "the mock recorded the %d deliveries (%d in %.1f s)"
            % (EVENTS, total, time.monotonic() - t0))
    shown = len(rows(c))
    print("# throttled to %d B/s: the page shows %d of the %d records, %.1f s after the "
          "trigger" % (THROTTLE, shown, total, time.monotonic() - t0))
    f.check(shown < total // 10, "the throttled stream falls behind (%d of %d shown)"
            % (shown, total))
    f.check(banner(c) is None, "no banner yet: the drop notice waits behind the backlog")

    throttle(d, -1)
    t1 = time.monotonic()
    if not c.wait(lambda _: banner(c) is not None,
                  "the banner shows once the throttling is lifted", timeout=DRAIN_WAIT):
        c.shot("dropped-failure")
        return
    missed = banner(c)
    f.check(missed is not None and missed > 0, "the banner says N updates were missed, N > 0 "
            "(%r: %r)" % (missed, c.q("#dropped-text").text))
    f.check(c.q("#dropped-reload").is_displayed(), "the banner has its Reload button")
    # Everything the mock wrote after the stream opened reached the page or
    # was counted as missed, and nothing came twice.
    c.wait(lambda _: len(set(rows(c))) + (banner(c) or 0) >= total,
           "the page reads the backlog to its end", timeout=DRAIN_WAIT)
    ids = rows(c)
    missed = banner(c) or 0
    print("# unthrottled: %d shown + %d missed = %d of %d records, %.1f s after lifting"
          % (len(set(ids)), missed, len(set(ids)) + missed, total, time.monotonic() - t1))
    f.check(len(ids) == len(set(ids)), "no record is shown twice (%d rows, %d distinct)"
            % (len(ids), len(set(ids))))
    f.check(len(set(ids)) + missed == total,
            "shown + missed = recorded (%d + %d, %d)" % (len(set(ids)), missed, total))
    d.execute_script("window.scrollTo(0, 0)")
    c.shot("dropped")

    # Reload: the banner goes, the log is the API's first page, newest first.
    page = [r["id"] for r in tc.api(base, "GET", "/api/webhooks/calls?limit=100")["data"]]
    c.q("#dropped-reload").click()
    c.wait(lambda _: banner(c) is None, "Reload hides the banner")
    c.wait(lambda _: rows(c) == page,
           "Reload loads the log again: the API's first page, in its order")
    ids = rows(c)
    f.check(ids[:1] == page[:1], "the newest record is shown first")
    f.check(len(ids) == len(set(ids)), "no record is shown twice after Reload")
    f.check(c.q("#calls-count").text.startswith("100 of %d" % total),
            "the count says 100 of %d (%r)" % (total, c.q("#calls-count").text))
    f.check(c.q("#stream-state").get_attribute("data-state") == "live", "the stream is still live")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_console_dropped.py BUILD_DIR")
    artifacts = os.path.join(sys.argv[1], "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    work = tempfile.mkdtemp(prefix="vambe-ui-dropped-")
    fails = tc.Failures()
    receiver = Server(("127.0.0.1", 0), Big)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    mock, log, base = tc.start_mock(work, ("--time-scale", "0.001", "--jitter", "0"))
    driver = None
    try:
        driver = tc.start_browser(work)
        c = tc.Console(driver, base, artifacts, fails)
        try:
            run(c, base, "http://127.0.0.1:%d" % receiver.server_address[1])
        except Exception:
            fails.check(False, "the run went to its end:\n" + traceback.format_exc())
            c.shot("dropped-failure")
    finally:
        if driver is not None:
            driver.quit()
        mock.terminate()
        try:
            rc = mock.wait(timeout=tc.WAIT)
        except subprocess.TimeoutExpired:
            mock.kill()
            rc = mock.wait()
        receiver.shutdown()
        log.close()
    fails.check(rc == 0, "vambe-mock stops cleanly (exit %d)" % rc)
    if fails.failed:
        shutil.copy(os.path.join(work, "mock.log"), os.path.join(artifacts, "ui-dropped-mock.log"))
    shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (fails.passed, len(fails.failed)))
    for what in fails.failed:
        print("failed: " + what.splitlines()[0])
    return 1 if fails.failed else 0


if __name__ == "__main__":
    sys.exit(main())
