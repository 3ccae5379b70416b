"""The resolver opencfw owns (``domain.resolver``) with the answers configured through the admin
API. The configured answers live in the store (``meta``), so that every process sharing it
resolves alike; a name without one gets its derived addresses."""

from __future__ import annotations

import msgspec

from opencfw.domain import resolver
from opencfw.domain.resolver import Answer
from opencfw.store.base import Store

KEY = "resolver.answers"
_ANSWERS = msgspec.json.Decoder(dict[str, Answer])


class Resolver:
    def __init__(self, store: Store) -> None:
        self.store = store

    def configured(self) -> dict[str, Answer]:
        raw = self.store.get_meta(KEY)
        return {} if raw is None else _ANSWERS.decode(raw)

    def answer(self, name: str) -> tuple[Answer, bool]:
        """What ``name`` resolves to, and whether that answer was configured."""
        found = self.configured().get(resolver.canonical(name))
        return (found, True) if found is not None else (resolver.derived(name), False)

    def resolve(self, name: str, address_type: int | None = None) -> list[str]:
        return self.answer(name)[0].addresses(address_type)

    def configure(self, name: str, answer: Answer) -> Answer:
        """Make ``name`` resolve to ``answer`` (raises ValueError for a bad address)."""
        answer = resolver.normalised(answer)
        answers = self.configured()
        answers[resolver.canonical(name)] = answer
        self.store.set_meta(KEY, msgspec.json.encode(dict(sorted(answers.items()))).decode())
        return answer

    def forget(self, name: str) -> bool:
        """Give ``name`` its derived answer again; False when none was configured."""
        answers = self.configured()
        if answers.pop(resolver.canonical(name), None) is None:
            return False
        self.store.set_meta(KEY, msgspec.json.encode(answers).decode())
        return True
