"""Pages measured as users get them: gunicorn (2 sync workers) serving the app, wrk driving it
with a logged-in agent's session cookie, and a bare page (``bare_app``) served the same way in
the same run as the ceiling.

wrk comes from Debian (``scripts/bench-deps.sh``). Each measurement walks a list of paths at
random with a fixed number of connections for a fixed time; a response that is not 200 (a
redirect to the login page, say) counts as bad and fails the run.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
USER_AGENT = "coverdesk-bench"  # Flask-Login's strong session protection ties the session to it
PORT, BARE_PORT = (
    int(os.environ.get("COVERDESK_BENCH_PORT", 5160)),
    int(os.environ.get("COVERDESK_BENCH_PORT", 5160)) + 1,
)

WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
wrk.headers["Cookie"] = os.getenv("WRK_COOKIE")
wrk.headers["User-Agent"] = os.getenv("WRK_AGENT")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format('WRK {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "bad": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    b, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class Load:
    requests: int
    req_s: float
    p50: float  # milliseconds
    p95: float
    p99: float

    def __str__(self) -> str:
        return f"{self.req_s:7.1f} req/s   p50 {self.p50:6.1f}   p95 {self.p95:6.1f}   p99 {self.p99:6.1f} ms"


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: run scripts/bench-deps.sh (make bench does)")
    return wrk


@contextlib.contextmanager
def gunicorn(app: str, port: int, env: dict, *, workers: int = 2, chdir: Path = ROOT):
    """Serve ``app`` (a gunicorn app spec) on 127.0.0.1:port until the block ends."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers", str(workers), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), "--log-level", "warning",
        app,
    ]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # answering
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn serving {app} on port {port} did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def login(base: str, username: str, password: str) -> str:
    """Log in through the served login form; return the Cookie header the browser would send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    opener.open(f"{base}/login", data=data).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    check = urllib.request.Request(f"{base}/queue", headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    with urllib.request.urlopen(check) as response:
        if "/login" in response.url:
            raise SystemExit("the benchmark agent could not log in")
    return cookie


def load(base: str, paths: list[str], *, cookie: str = "", seconds: int = 10, connections: int = 2) -> Load:
    """Drive ``paths`` (picked at random) for ``seconds`` with ``connections`` keep-alive connections."""
    wrk = require_wrk()
    with tempfile.TemporaryDirectory(prefix="coverdesk-wrk-") as folder:
        script, listing = Path(folder) / "pages.lua", Path(folder) / "paths.txt"
        script.write_text(WRK_SCRIPT)
        listing.write_text("\n".join(paths) + "\n")
        result = subprocess.run(
            [wrk, "--threads", "1", "--connections", str(connections), "--duration", f"{seconds}s",
             "--timeout", "10s", "--script", str(script), base],
            env={**os.environ, "WRK_PATHS": str(listing), "WRK_COOKIE": cookie, "WRK_AGENT": USER_AGENT},
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    line = next(line for line in result.stdout.splitlines() if line.startswith("WRK "))
    figures = json.loads(line[4:])
    if figures["bad"] or figures["errors"]:
        raise SystemExit(f"{figures['bad']} responses were not 200 and {figures['errors']} failed: {paths[:3]}")
    return Load(
        figures["requests"],
        figures["requests"] / (figures["duration_us"] / 1e6),
        figures["p50"] / 1000,
        figures["p95"] / 1000,
        figures["p99"] / 1000,
    )
