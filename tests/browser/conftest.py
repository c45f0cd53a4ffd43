"""Browser harness: Debian's Chromium, driven by Playwright's sync API, against ``live_server``.

* One Playwright and one Chromium per session; ``/usr/bin/chromium`` missing is a failure, never a
  skip (CI must not silently skip the browser tests). Playwright never downloads a browser here.
* Each test gets fresh browser contexts (no cookies, storage or cache from another test) through
  ``new_context``; ``page`` is a page in one such context.
* Every context is watched: a console error, a ``securitypolicyviolation`` event (each CSP
  violation, reported by a listener added to every page before its own scripts run), an uncaught
  JavaScript error, a request that failed on the network, or a response of 400 or more that the
  test did not announce with ``browser_problems.allow(status, path)`` fails the test.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Request,
    Response,
    expect,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
#: Reports every CSP violation of a page (and of its frames) to the test, with what was blocked.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation({
    documentURI: event.documentURI, effectiveDirective: event.effectiveDirective, blockedURI: event.blockedURI,
    sourceFile: event.sourceFile, lineNumber: event.lineNumber, sample: event.sample,
  });
});
"""
HTMX_ABORT_LOGS = frozenset({"htmx:sendAbort", "htmx:afterRequest"})

# expect() has its own default (5 s); use the same budget as the page's actions.
expect.set_options(timeout=TIMEOUT_MS)


class BrowserProblems:
    """What went wrong in the browser during one test, besides the test's own assertions."""

    def __init__(self, origin: str):
        self.origin = origin
        self.problems: list[str] = []
        self.contexts: list[BrowserContext] = []
        self._allowed: set[tuple[int, str]] = set()
        self._in_flight: set[Request] = set()

    def allow(self, status: int, path: str) -> None:
        """The test expects ``path`` (on the live server) to answer ``status`` >= 400."""
        self._allowed.add((status, path))

    def _is_allowed(self, status: int, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.origin and (status, parts.path) in self._allowed

    def watch(self, context: BrowserContext) -> None:
        self.contexts.append(context)
        # Playwright's bindings and init scripts are not subject to the page's CSP.
        context.expose_binding("__reportCspViolation", self._on_csp_violation)
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.problems.append(f"uncaught JavaScript error: {error.error}"))
        context.on("request", lambda request: self._in_flight.add(request))
        context.on("requestfinished", lambda request: self._in_flight.discard(request))
        context.on("requestfailed", self._on_request_failed)
        context.on("response", self._on_response)

    def _on_csp_violation(self, source, violation: dict) -> None:
        self.problems.append(
            f"CSP violation at {violation.get('documentURI') or source['page'].url}: "
            f"{violation.get('effectiveDirective')} blocked {violation.get('blockedURI') or 'inline'} "
            f"({violation.get('sourceFile') or '?'}:{violation.get('lineNumber') or '?'}) {violation.get('sample') or ''}"
        )

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # htmx logs an aborted request (hx-sync="this:replace" superseding a preview) as two console
        # errors, "htmx:afterRequest" and "htmx:sendAbort". A network error or a timeout also logs
        # "htmx:afterRequest", but next to "htmx:sendError" or "htmx:timeout", which still count.
        if message.text in HTMX_ABORT_LOGS:
            return
        url = message.location.get("url", "")
        # Chromium also logs each response >= 400 to the console; an announced one is no problem.
        prefix = "Failed to load resource: the server responded with a status of "
        if message.text.startswith(prefix):
            status = message.text[len(prefix) :].split(" ", 1)[0]
            if status.isdigit() and self._is_allowed(int(status), url):
                return
        self.problems.append(f"console error at {url or '?'}: {message.text}")

    def _on_request_failed(self, request: Request) -> None:
        self._in_flight.discard(request)
        failure = request.failure or "?"
        # htmx aborts a request it has superseded (hx-sync replace, a newer search): not a failure.
        if failure == "net::ERR_ABORTED" and request.resource_type in ("xhr", "fetch"):
            return
        # A page left before its scripts, styles or pictures arrived (a quick click on a busy
        # machine) aborts them; a file the server cannot give still counts, as its 404 does.
        if failure == "net::ERR_ABORTED" and request.resource_type in ("script", "stylesheet", "image", "font"):
            return
        self.problems.append(f"request failed: {request.method} {request.url} ({request.resource_type}): {failure}")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400 and not self._is_allowed(response.status, response.url):
            self.problems.append(
                f"HTTP {response.status} for {response.request.method} {response.url} "
                f"({response.request.resource_type})"
            )

    def settle(self) -> None:
        """Let every open page finish loading and every request started get its answer, so that
        late problems (a stylesheet's 404, a CSP report) are seen before the check."""
        for context in self.contexts:
            for page in context.pages:
                if page.is_closed():
                    continue
                try:
                    page.wait_for_load_state("load")
                    page.evaluate("0")  # a round trip: events sent before the answer have been handled
                except Error as exc:
                    self.problems.append(f"page {page.url} did not settle: {exc.message}")
        for request in list(self._in_flight):
            try:
                request.response()  # waits for the answer; None when the request failed
            except Error as exc:
                self.problems.append(f"request {request.method} {request.url} got no answer: {exc.message}")

    def report(self) -> str:
        return "\n".join(f"  - {problem}" for problem in self.problems)


@pytest.fixture(scope="session")
def playwright_session():
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright_session) -> Browser:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Debian's Chromium is not installed at {CHROMIUM}; the browser tests need it and never skip. "
            "Install it with: apt-get install chromium",
            pytrace=False,
        )
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def job_worker(app):
    """Documents are made by a job worker beside the server, as ``make run`` starts one (asked for
    by the tests whose pages ask for documents)."""
    from tests.jobs_support import ThreadWorker

    with ThreadWorker() as worker:
        yield worker


@pytest.fixture
def browser_problems(live_server) -> BrowserProblems:
    return BrowserProblems(live_server)


@pytest.fixture
def new_context(browser, live_server, browser_problems):
    """Make a fresh, watched browser context on the live server; options go to ``new_context``."""
    contexts: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        options.setdefault("base_url", live_server)
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        browser_problems.watch(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a browser test's body: fail it when the browser saw a problem."""
    watcher = item.funcargs.get("browser_problems") if hasattr(item, "funcargs") else None
    try:
        result = yield
    except BaseException:
        if watcher is not None and watcher.problems:
            item.add_report_section("call", "browser problems", watcher.report())
        raise
    if watcher is not None:
        watcher.settle()
        if watcher.problems:
            pytest.fail("the browser reported problems:\n" + watcher.report(), pytrace=False)
    return result


#: Listens in every page for the browser's ``securitypolicyviolation`` events (a blocked inline
#: style or script), which Chromium does not always log to the console, and hands them to Python.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  const element = event.target instanceof Element ? event.target.outerHTML.slice(0, 120) : '';
  window.__coverdeskCsp(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} `
    + `at ${event.sourceFile || document.location.href}:${event.lineNumber} ${element}`);
}, true);
"""


@pytest.fixture
def strict_context(new_context, browser_problems):
    """``new_context`` that also fails the test on any CSP violation the page reports."""

    def make(**options) -> BrowserContext:
        context = new_context(**options)
        context.expose_function(
            "__coverdeskCsp", lambda text: browser_problems.problems.append(f"CSP violation: {text}")
        )
        context.add_init_script(_CSP_LISTENER)
        return context

    return make


@pytest.fixture
def artefacts(request, tmp_path):
    """Where a browser test saves its screenshots: a folder per test under
    ``COVERDESK_TEST_ARTEFACTS`` when it is set (CI can keep it), else under the test's tmp path."""
    from pathlib import Path

    root = os.environ.get("COVERDESK_TEST_ARTEFACTS")
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.nodeid.split("::", 1)[-1])
    folder = Path(root) / name if root else tmp_path / "artefacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class PinnedClock:
    """The app's clock for a test (its ``CLOCK`` setting): it says ``now`` until the test moves it,
    for the server's pages and the job worker alike, whatever the day the test runs."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def move_to(self, moment) -> None:
        assert moment >= self.now, f"the clock only goes forward ({moment} is before {self.now})"
        self.now = moment


@pytest.fixture
def pinned_clock(app):
    """Pin the app's clock; the test sets its first moment with ``move_to`` or ``now``."""
    from datetime import UTC, datetime

    clock = PinnedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    app.config["CLOCK"] = clock
    yield clock
    app.config.pop("CLOCK", None)
