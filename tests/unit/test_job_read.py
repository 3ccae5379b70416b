"""The job read: its answers kept coherent with the store, shared by the event loop, the thread
pool and the store's listener thread."""

from __future__ import annotations

import sys
import threading

from opencfw.service.job_answers import JobAnswer, JobAnswers
from tests.unit import test_api
from tests.unit.test_api import P

env = test_api.env
api = test_api.api


def test_the_answer_cache_takes_inserts_from_many_threads_at_once():
    """PostgreSQL reads ran in a thread pool: threads filled the cache while one of them purged it,
    and iterating the shared dict while another thread inserted raised RuntimeError (an HTTP 500).
    Here eight threads put (past the bound, so that it evicts) and forget at once."""
    answers = JobAnswers(limit=1000)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def hammer(n: int) -> None:
        start.wait()
        try:
            for i in range(6000):
                answers.put(f"job-{n}-{i}", JobAnswer(P, b"{}", None), answers.generation)
                if i % 500 == 0:
                    answers.forget([f"job-{n}-{i - 1}"])
                answers.get(f"job-{n}-{i // 2}", P, 0)
        except BaseException as exc:
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
    assert len(answers) <= 1000
