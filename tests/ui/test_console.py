#!/usr/bin/env python3
"""ui.console: the web console of vambe-mock (GET /ui) in headless Chromium.

Starts the built vambe-mock (VAMBE_MOCK_BIN) on 127.0.0.1 port 0 and a
receiver of its own (a Python http.server on port 0) that answers 200, 500,
or 200 with a hostile body and header; drives the page with Selenium: the key
form (a wrong key first), a webhook created through the form after a refused
URL, a trigger, the attempt arriving in the live call log, its detail (the
hostile bytes shown as text, nothing run), the retry timeline of the failing
receiver with a replay, delete and restore, the config form, a 401 bringing
the key form back. Checks the headers of the console's files, that
/openapi.json is JSON, and that the key appears in no URL the browser asked
for and nowhere in the mock's log. Screenshots go to <build dir>/artifacts/.

usage: test_console.py BUILD_DIR
Needs Debian's python3-selenium, chromium and chromium-driver
(scripts/deps.sh --test); fails, never skips, when they are missing.
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

try:
    from selenium import webdriver
    from selenium.common.exceptions import (NoAlertPresentException, NoSuchElementException,
                                            StaleElementReferenceException, TimeoutException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError as exc:
    sys.exit("ui.console: cannot import selenium (%s): install python3-selenium "
             "(scripts/deps.sh --test)" % exc)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
KEY = "ui-test-key-6f0c2a9d41e7b385"
WAIT = 10  # seconds, every wait in the page
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HOSTILE_BODY = "<img src=x onerror=alert(1)></script><script>window.__pwned=1</script>"
HOSTILE_HEADER = "<img src=x onerror=alert(2)>"


class Receiver(http.server.BaseHTTPRequestHandler):
    """POST /ok answers 200, /fail 500, /hostile 200 with hostile bytes."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path.startswith("/fail"):
            self.answer(500, "text/plain", "down for the test", {})
        elif self.path.startswith("/hostile"):
            self.answer(200, "text/html", HOSTILE_BODY, {"X-Hostile": HOSTILE_HEADER})
        else:
            self.answer(200, "application/json", '{"status":"ok"}', {})

    def answer(self, status, ctype, body, extra):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Failures:
    """Collects failed checks: the test goes on to check the rest."""

    def __init__(self):
        self.failed = []
        self.passed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
            print("ok   - %s" % what)
        else:
            self.failed.append(what)
            print("FAIL - %s" % what)
        return ok


def wait_for(driver, cond, what, fails, timeout=WAIT):
    """WebDriverWait on cond; a timeout is a failed check, not an abort. An
    element not there yet, or replaced by a re-render, is asked again."""
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.05,
                      ignored_exceptions=(NoSuchElementException,
                                          StaleElementReferenceException)).until(
                                              lambda d: cond(d))
        return fails.check(True, what)
    except TimeoutException:
        return fails.check(False, what + " (not within %d s)" % timeout)


def http_get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=WAIT) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def api(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"x-api-key": KEY, "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=WAIT) as r:
        return json.loads(r.read() or b"null")


# Retries come 0.6 s apart (6 s at a time scale of 0.1), then the fifth
# attempt waits 30 s: the timeline shows four attempts and the next due.
MOCK_OPTIONS = ("--time-scale", "0.1", "--retry-schedule", "6s,6s,6s,300s", "--jitter", "0",
                "--max-attempts", "5", "-v")


def start_mock(work, options=MOCK_OPTIONS):
    binary = os.environ.get("VAMBE_MOCK_BIN")
    if not binary or not os.access(binary, os.X_OK):
        sys.exit("ui.console: VAMBE_MOCK_BIN does not name the built vambe-mock")
    port_file = os.path.join(work, "mock.port")
    log = open(os.path.join(work, "mock.log"), "wb")
    proc = subprocess.Popen(
        [binary, "serve", "--port", "0", "--port-file", port_file, "--api-key", KEY] +
        list(options),
        stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("ui.console: vambe-mock exited %d at start" % proc.returncode)
        try:
            with open(port_file) as f:
                text = f.read()
            if text.endswith("\n"):
                return proc, log, "http://127.0.0.1:%d" % int(text)
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    proc.kill()
    sys.exit("ui.console: vambe-mock wrote no port file in %d s" % WAIT)


def start_browser(work):
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            sys.exit("ui.console: %s is missing: install chromium and chromium-driver "
                     "(scripts/deps.sh --test)" % path)
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 "--window-size=1440,1000",
                 "--user-data-dir=" + tempfile.mkdtemp(prefix="profile-", dir=work)):
        opts.add_argument(flag)
    # Every request the page makes, to look for the key in URLs; the
    # console, for CSP violations. An alert stays open for the check.
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    opts.set_capability("unhandledPromptBehavior", "ignore")
    return webdriver.Chrome(service=Service(CHROMEDRIVER, log_path=os.devnull), options=opts)


class Console:
    def __init__(self, driver, base, artifacts, fails):
        self.d = driver
        self.base = base
        self.artifacts = artifacts
        self.fails = fails
        self.urls = []

    def q(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def qa(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css):
        return lambda d: any(e.is_displayed() for e in d.find_elements(By.CSS_SELECTOR, css))

    def wait(self, cond, what, timeout=WAIT):
        return wait_for(self.d, cond, what, self.fails, timeout)

    def tab(self, name):
        self.q('nav a[data-view="%s"]' % name).click()
        self.wait(self.visible("#view-%s" % name), "the %s tab shows" % name)

    def shot(self, page):
        self.d.save_screenshot(os.path.join(self.artifacts, "ui-%s.png" % page))

    def typed(self, css, text):
        e = self.q(css)
        e.clear()
        e.send_keys(text)

    def collect_urls(self):
        for entry in self.d.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.requestWillBeSent":
                self.urls.append(msg["params"]["request"]["url"])
        self.urls.append(self.d.current_url)

    def no_script_ran(self, where):
        try:
            self.d.switch_to.alert
            self.fails.check(False, "no alert dialog opened (%s)" % where)
        except NoAlertPresentException:
            self.fails.check(True, "no alert dialog opened (%s)" % where)
        self.fails.check(self.d.execute_script("return typeof window.__pwned") == "undefined",
                         "window.__pwned is undefined (%s)" % where)
        self.fails.check(not self.qa('img[src="x"]') and not self.qa("img"),
                         "no img element in the DOM (%s)" % where)


def check_headers(base, fails):
    status, headers, body = http_get(base + "/ui")
    fails.check(status == 200, "GET /ui answers 200 without a key")
    fails.check(headers.get("Content-Security-Policy") == CSP, "GET /ui carries the CSP")
    fails.check(headers.get("X-Content-Type-Options") == "nosniff", "nosniff")
    fails.check(headers.get("Referrer-Policy") == "no-referrer", "Referrer-Policy")
    fails.check(headers.get("Cache-Control") == "no-store", "Cache-Control: no-store")
    fails.check(headers.get("Content-Type") == "text/html; charset=utf-8", "index.html type")
    fails.check(b"<script>" not in body and b"style=" not in body, "no inline script or style")
    status, headers, _ = http_get(base + "/ui/")
    fails.check(status == 200 and headers.get("Content-Security-Policy") == CSP, "GET /ui/")
    for name, ctype in (("app.js", "text/javascript; charset=utf-8"),
                        ("app.css", "text/css; charset=utf-8")):
        status, headers, _ = http_get(base + "/ui/" + name)
        fails.check(status == 200 and headers.get("Content-Type") == ctype and
                    headers.get("Content-Security-Policy") == CSP, "GET /ui/%s" % name)
    status, headers, _ = http_get(base + "/ui/nothing.js")
    fails.check(status == 404 and headers.get("Content-Security-Policy") == CSP,
                "an unknown console file is 404, with the CSP")
    status, headers, body = http_get(base + "/openapi.json")
    fails.check(status == 200 and headers.get("Content-Type") == "application/json; charset=utf-8"
                and headers.get("Content-Security-Policy") == CSP, "GET /openapi.json")
    try:
        doc = json.loads(body)
        fails.check(isinstance(doc, dict) and str(doc.get("openapi", "")).startswith("3."),
                    "/openapi.json is an OpenAPI 3 document")
    except ValueError:
        fails.check(False, "/openapi.json parses as JSON")


def run(c, base, receiver):
    d, f = c.d, c.fails
    d.get(base + "/ui")
    c.wait(c.visible("#key-form"), "the key form shows first")
    c.shot("key")

    # A wrong key: refused, the form stays with a message.
    c.typed("#key-input", "not-the-key")
    c.q("#key-submit").click()
    c.wait(lambda _: c.q("#key-message").is_displayed() and "401" in c.q("#key-message").text,
           "a wrong key is refused with a message")
    c.typed("#key-input", KEY)
    c.q("#key-submit").click()
    c.wait(c.visible("#view-webhooks"), "the right key opens the console")
    f.check(c.q("#key-input").get_attribute("value") == "", "the key input is emptied")
    f.check(KEY not in d.execute_script("return document.documentElement.outerHTML"),
            "the key is nowhere in the DOM")
    f.check(d.execute_script("return sessionStorage.getItem('vambe-mock-key')") == KEY,
            "the key is in sessionStorage")
    f.check(d.execute_script("return localStorage.length") == 0, "nothing in localStorage")

    # Create: a refused URL first, its message next to the url field.
    c.wait(lambda _: len(Select(c.q("#wh-topic")).options) == 8, "the topic select is filled")
    Select(c.q("#wh-topic")).select_by_value("message.received")
    c.typed("#wh-url", "ftp://127.0.0.1/x")
    c.typed("#wh-secret", "whsec_ui_test_secret_1")
    c.q("#wh-submit").click()
    url_error = '#wh-form [data-error-for="url"]'
    c.wait(lambda _: c.q(url_error).is_displayed() and c.q(url_error).text.startswith("url:"),
           "the refused url's message shows next to the url field")
    c.shot("webhook-error")
    c.typed("#wh-url", receiver + "/hostile")
    c.typed("#wh-secret", "whsec_ui_test_secret_1")
    c.q("#wh-submit").click()
    c.wait(lambda _: len(c.qa("#wh-table tbody tr[data-id]")) == 1, "the webhook is listed")
    f.check(not c.q(url_error).is_displayed(), "the url message is gone after a success")
    Select(c.q("#wh-topic")).select_by_value("ticket.updated")
    c.typed("#wh-url", receiver + "/fail")
    c.typed("#wh-secret", "whsec_ui_test_secret_2")
    c.q("#wh-submit").click()
    c.wait(lambda _: len(c.qa("#wh-table tbody tr[data-id]")) == 2, "the second webhook is listed")
    failing_id = [r.get_attribute("data-id") for r in c.qa("#wh-table tbody tr[data-id]")
                  if "/fail" in r.text][0]

    # The call log, live: the stream opens on the Calls tab.
    c.tab("calls")
    live = c.wait(lambda _: c.q("#stream-state").get_attribute("data-state") == "live",
                  "the live stream is open (GET /mock/stream)")

    # Trigger from the form; the attempt arrives in the log without reload.
    c.tab("trigger")
    c.wait(lambda _: len(Select(c.q("#tr-topic")).options) == 8, "the trigger topics are filled")
    Select(c.q("#tr-topic")).select_by_value("message.received")
    c.typed("#tr-data", "{nope")
    c.q("#tr-submit").click()
    c.wait(c.visible('#tr-form [data-error-for="data"]'), "bad JSON data is refused at its field")
    c.typed("#tr-data", '{"message_body": "hola desde la consola"}')
    c.q("#tr-submit").click()
    c.wait(lambda _: c.qa("#tr-result a.event-id"), "the trigger shows its event id")
    c.shot("trigger")
    hostile_event = c.q("#tr-result a.event-id").text
    c.tab("calls")
    row = 'tr[data-event="%s"]' % hostile_event
    arrived = c.wait(lambda _: c.qa(row + '[data-live="1"]'),
                     "the attempt appears in the call log from the stream, without reload")
    if not (live and arrived):
        c.q("#calls-apply").click()  # without the stream, load it to check the rest
        c.wait(lambda _: c.qa(row), "the attempt is in the call log")
    c.shot("calls")

    # Its detail: the receiver's hostile bytes as text.
    if c.qa(row):
        c.q(row + " td:first-child").click()  # not on the event's link
        c.wait(c.visible("#call-detail pre.response-body"), "the attempt's detail opens")
        body = c.q("#call-detail pre.response-body").text
        f.check(HOSTILE_BODY in body, "the hostile body is shown as its characters")
        f.check(HOSTILE_HEADER in c.q("#call-detail table.response-headers").text,
                "the hostile header is shown as its characters")
        f.check("hola desde la consola" in c.q("#call-detail pre.request-body").text,
                "the request body (with the data override) is shown")
        f.check('"message_body"' in c.q("#call-detail pre.request-body").text and
                "\n  " in c.q("#call-detail pre.request-body").text,
                "the request body is pretty-printed")
        c.shot("call-detail")
    c.no_script_ran("after the hostile detail")

    # The failing receiver: the retry timeline, live, then a replay.
    c.tab("trigger")
    Select(c.q("#tr-topic")).select_by_value("ticket.updated")
    c.typed("#tr-data", "")
    c.q("#tr-submit").click()
    c.wait(lambda _: c.qa("#tr-result a.event-id") and
           c.q("#tr-result a.event-id").text != hostile_event, "the failing event is triggered")
    failing_event = c.q("#tr-result a.event-id").text
    c.q("#tr-result a.event-id").click()
    c.wait(c.visible("#view-event"), "the event's timeline opens")
    attempts = "#tl-svg g.attempt"
    c.wait(lambda _: len(c.qa(attempts)) >= 3,
           "the timeline draws new attempts as they happen (stream)")
    # From the API (a fresh view) once the first four attempts are done.
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        done = api(c.base, "GET", "/api/webhooks/calls?event_id=%s&limit=500" % failing_event)
        if done["total"] >= 4:
            break
        time.sleep(0.1)
    c.tab("calls")
    d.get(base + "/ui#/event/" + failing_event)
    c.wait(lambda _: len(c.qa(attempts)) >= 4, "the timeline draws the four attempts")
    c.wait(lambda _: len(c.qa("#tl-svg .gap-label")) >= 3, "the backoff gaps are labelled")
    c.wait(lambda _: c.qa("#tl-svg #tl-next"), "the next attempt due is marked")
    c.shot("timeline")
    chains_before = len(c.qa("#tl-svg g.lane"))
    c.q('#tl-list button[data-action="replay"]').click()
    c.wait(lambda _: "Replayed" in c.q("#tl-note").text, "the replay is accepted")
    c.wait(lambda _: len(c.qa("#tl-svg g.lane")) > chains_before,
           "the replay's chain appears on the timeline (stream)")
    c.q(attempts).click()
    c.wait(c.visible("#tl-detail .call-detail"), "an attempt opens from the timeline")

    # Delete, then restore, the failing webhook.
    c.tab("webhooks")
    hook = '#wh-table tr[data-id="%s"]' % failing_id
    c.wait(lambda _: c.qa(hook), "the failing webhook is listed")
    c.q(hook + ' button[data-action="delete"]').click()
    c.wait(lambda _: c.q(hook).get_attribute("data-state") == "deleted",
           "the deleted webhook is shown as deleted")
    c.shot("webhooks-deleted")
    c.q(hook + ' button[data-action="restore"]').click()
    c.wait(lambda _: c.q(hook).get_attribute("data-state") in ("active", "disabled"),
           "the restored webhook is no longer deleted")
    c.shot("webhooks")

    # Config: a refused value at its field, then a change.
    c.tab("config")
    c.wait(lambda _: c.qa("#cfg-max_attempts"), "the delivery policy is shown")
    c.typed("#cfg-max_attempts", "0")
    c.q("#cfg-save").click()
    err = '#cfg-form [data-error-for="max_attempts"]'
    c.wait(lambda _: c.q(err).is_displayed() and c.q(err).text.startswith("max_attempts:"),
           "a refused setting's message shows next to its field")
    c.typed("#cfg-max_attempts", "6")
    c.q("#cfg-save").click()
    c.wait(lambda _: "Saved" in c.q("#cfg-status").text, "the change is saved")
    f.check(api(c.base, "GET", "/mock/config")["max_attempts"] == 6, "the mock has the change")
    c.shot("config")
    c.no_script_ran("at the end")

    # The page broke none of its own CSP rules.
    csp = [e["message"] for e in d.get_log("browser") if "Content Security Policy" in e["message"]]
    f.check(not csp, "no CSP violation in the console log %s" % csp[:2])
    c.collect_urls()

    # A 401 brings the key form back.
    d.execute_script("sessionStorage.setItem('vambe-mock-key', 'wrong')")
    c.q('nav a[data-view="webhooks"]').click()
    c.wait(lambda _: c.q("#key-view").is_displayed() and "401" in c.q("#key-message").text,
           "a 401 brings the key form back with a message")
    c.collect_urls()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_console.py BUILD_DIR")
    artifacts = os.path.join(sys.argv[1], "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    work = tempfile.mkdtemp(prefix="vambe-ui-")
    fails = Failures()
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    mock, log, base = start_mock(work)
    driver = None
    try:
        check_headers(base, fails)
        driver = start_browser(work)
        c = Console(driver, base, artifacts, fails)
        try:
            run(c, base, "http://127.0.0.1:%d" % receiver.server_address[1])
        except Exception:
            fails.check(False, "the run went to its end:\n" + traceback.format_exc())
            c.shot("failure")
        c.collect_urls()
        fails.check(c.urls and not any(KEY in u for u in c.urls),
                    "the key is in none of the %d URLs the browser asked for" % len(c.urls))
    finally:
        if driver is not None:
            driver.quit()
        mock.terminate()
        try:
            rc = mock.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            mock.kill()
            rc = mock.wait()
        receiver.shutdown()
        log.close()
    with open(os.path.join(work, "mock.log"), "rb") as fh:
        text = fh.read()
    fails.check(rc == 0, "vambe-mock stops cleanly (exit %d)" % rc)
    fails.check(b"GET /ui " in text, "the mock logged the console's requests")
    fails.check(KEY.encode() not in text, "the key is not in the mock's log")
    if fails.failed:
        shutil.copy(os.path.join(work, "mock.log"), os.path.join(artifacts, "ui-mock.log"))
    shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (fails.passed, len(fails.failed)))
    for what in fails.failed:
        print("failed: " + what.splitlines()[0])
    return 1 if fails.failed else 0


if __name__ == "__main__":
    sys.exit(main())
