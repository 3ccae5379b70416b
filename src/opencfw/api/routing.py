"""Routing from an operation table: a tree keyed by path segments, so a match costs one dict
lookup per segment however many operations there are (no scan over every route).

At each segment a literal child is tried before a ``{parameter}`` child; a path that some route
matches but not for this method is, under ``/_opencfw/``, 405 with ``Allow`` (the methods of every
route that matches it), anything else 404 — the same answers as the list router it replaces.
"""

from __future__ import annotations

from opencfw.api.http import EXTENSION_PREFIX, Route
from opencfw.domain.errors import MethodNotAllowed, RouteNotFound


class _Node:
    __slots__ = ("literal", "methods", "param", "param_name")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        self.param: _Node | None = None
        self.param_name: str | None = None
        #: method -> (route, parameter names in path order)
        self.methods: dict[str, tuple[Route, tuple[str, ...]]] = {}


def _segments(template: str) -> list[str]:
    return template.split("/")


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self._routes = list(routes)
        self._root = _Node()
        for route in routes:
            node, names = self._root, []
            for segment in _segments(route.template):
                if segment.startswith("{") and segment.endswith("}"):
                    if node.param is None:
                        node.param = _Node()
                    node = node.param
                    names.append(segment[1:-1])
                else:
                    node = node.literal.setdefault(segment, _Node())
            if route.method in node.methods:
                raise ValueError(f"two routes for {route.method} {route.template}")
            node.methods[route.method] = (route, tuple(names))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        segments = path.split("/")
        # the first path the full search below would try (literal before parameter at each step):
        # when it leads to the method, it is the answer, found without recursion
        node = self._root
        values = []
        for segment in segments:
            child = node.literal.get(segment)
            if child is None and segment:
                child = node.param
                values.append(segment)
            if child is None:
                break
            node = child
        else:
            hit = node.methods.get(method)
            if hit is not None:
                return hit[0], dict(zip(hit[1], values))  # noqa: B905 - same length by construction
        allowed: set[str] = set()
        found = self._walk(self._root, segments, 0, [], method, allowed)
        if found is not None:
            route, names, found_values = found
            return route, dict(zip(names, found_values, strict=True))
        if allowed and path.startswith(EXTENSION_PREFIX):
            # opencfw's own paths say which methods they take; the documented API answers as the
            # real gateway does: 404 APIGW.0101 for a method the path does not serve
            raise MethodNotAllowed(method, list(allowed))
        raise RouteNotFound()

    def _walk(
        self, node: _Node, segments: list[str], i: int, values: list[str], method: str, allowed: set[str]
    ) -> tuple[Route, tuple[str, ...], list[str]] | None:
        if i == len(segments):
            hit = node.methods.get(method)
            if hit is not None:
                return hit[0], hit[1], values
            allowed.update(node.methods)
            return None
        segment = segments[i]
        child = node.literal.get(segment)
        if child is not None:
            found = self._walk(child, segments, i + 1, values, method, allowed)
            if found is not None:
                return found
        if node.param is not None and segment:
            return self._walk(node.param, segments, i + 1, [*values, segment], method, allowed)
        return None

    @property
    def routes(self) -> list[Route]:
        return list(self._routes)
