"""Running the job queue inside a test: the messages Huey holds are taken and executed by Huey
itself, as a worker would, in the test's process."""

from __future__ import annotations

from datetime import datetime

from portal.jobs.queue import instance

#: Later than any retry's wait: ``later=True`` runs what waits in Huey's schedule at once.
_FAR = datetime(9999, 1, 1)


def drain(limit: int = 100, *, later: bool = False) -> int:
    """Execute what is waiting (and, with ``later``, what waits for a later time, such as a
    retry after its back-off); returns how many messages ran."""
    huey = instance()
    ran = 0
    while ran < limit:
        task = huey.dequeue()
        if task is None and later:
            for waiting in huey.read_schedule(_FAR):
                huey.storage.enqueue(huey.serialize_task(waiting), waiting.priority)
            task = huey.dequeue()
        if task is None:
            return ran
        huey.execute(task)
        ran += 1
    raise AssertionError(f"the queue did not empty after {limit} jobs")


def waiting() -> int:
    huey = instance()
    return huey.pending_count() + huey.scheduled_count()


class ThreadWorker:
    """A real Huey consumer (threads, no schedules) in the test's process, as ``coverdesk worker``
    runs one, for pages served by ``live_server`` to have their documents made."""

    def __init__(self, threads: int = 1):
        import signal

        self._signals = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        self.consumer = instance().create_consumer(workers=threads, worker_type="thread", periodic=False, max_delay=0.2)

    def __enter__(self):
        import signal

        self.consumer.start()
        for sig, handler in self._signals.items():  # the consumer's handlers are for its own process
            signal.signal(sig, handler)
        return self

    def __exit__(self, *exc):
        self.consumer.stop(graceful=True)
