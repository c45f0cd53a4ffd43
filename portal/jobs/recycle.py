"""Recycling a job worker: after N jobs, or once its memory is above a limit, it finishes the jobs
in hand and leaves with ``RECYCLE_STATUS`` for its supervisor (``make run``, systemd, ...) to start
a fresh process, as gunicorn's ``max_requests`` does for the web workers: memory a library leaks
or fragments is given back to the system."""

from __future__ import annotations

import logging
import os
import resource
import threading
from collections.abc import Callable

log = logging.getLogger("coverdesk.jobs")

#: The worker's exit status when it leaves to be recycled (EX_TEMPFAIL): start it again.
RECYCLE_STATUS = 75


def rss_mb() -> float:
    """This process's resident memory now (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Recycler:
    def __init__(self, max_jobs: int = 0, max_rss_mb: float = 0, stop: Callable[[], None] = lambda: None):
        self.max_jobs, self.max_rss_mb = max_jobs, max_rss_mb
        #: Stops the worker's threads taking jobs (the consumer's stop flag): each finishes the
        #: job in hand, then the worker leaves.
        self.stop = stop
        self.done = 0
        self.reason = ""
        self._lock = threading.Lock()

    @property
    def leaving(self) -> bool:
        return bool(self.reason)

    def finished_one(self) -> bool:
        """Count a job; True the first time a limit is reached (the caller stops the worker)."""
        with self._lock:
            self.done += 1
            if self.reason:
                return False
            if self.max_jobs and self.done >= self.max_jobs:
                self.reason = f"{self.done} jobs done"
            elif self.max_rss_mb and (rss := rss_mb()) > self.max_rss_mb:
                self.reason = f"memory {rss:.0f} MB above {self.max_rss_mb:g} MB after {self.done} jobs"
            return bool(self.reason)


_current: Recycler | None = None


def install(recycler: Recycler | None) -> None:
    global _current
    _current = recycler


def current() -> Recycler | None:
    return _current
