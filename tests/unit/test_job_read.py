"""The job read: its cache of answers shared by the event loop and the thread pool."""

from __future__ import annotations

import sys
import threading

from tests.unit import test_api
from tests.unit.test_api import P

env = test_api.env
api = test_api.api


def test_the_answer_cache_takes_inserts_from_many_threads_at_once(api):
    """PostgreSQL reads run in a thread pool: threads fill the cache while one of them purges it.
    Iterating the shared dict while another thread inserts raised RuntimeError (an HTTP 500)."""
    runtime, _, _ = api
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def hammer(n: int) -> None:
        start.wait()
        try:
            for i in range(6000):
                runtime.remember_finished((P, f"job-{n}-{i}"), b"{}")
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever escaped
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
