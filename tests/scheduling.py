"""How ``./dev test`` spreads the suite over parallel workers (pytest-xdist, ``--dist loadgroup``).

Tests run one by one on whichever worker is free, except:

- an ``xdist_group`` runs whole on one worker (the interop tier's toolchain builds are made once);
- tests marked ``exclusive`` (the soak, the PostgreSQL restart) form the group ``exclusive``, which
  starts only when every other test has finished, on the one worker still running. One session, so
  one exit status and one closing summary line.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadGroupScheduling

#: the xdist group of the tests marked ``exclusive``
EXCLUSIVE = "exclusive"


class ExclusiveLastScheduling(LoadGroupScheduling):
    """``loadgroup`` scheduling that keeps the ``exclusive`` group for the end, alone.

    A worker runs the last test it was given only once it gets more work or is told to stop, so the
    exclusive group cannot wait for idle workers: when nothing else is left, every worker but one is
    told to stop (each finishes what it has), and the group goes to the one left once the others are
    gone.
    """

    _exclusive_node: Any = None

    def _assign_work_unit(self, node: Any) -> None:
        for scope in self.workqueue:
            if scope != EXCLUSIVE:
                self.workqueue.move_to_end(scope, last=False)
                super()._assign_work_unit(node)
                return
        if self._exclusive_node is None:
            self._exclusive_node = node
        for other in self.nodes:
            if other is not self._exclusive_node and not other.shutting_down:
                other.shutdown()
        self._start_exclusive()

    def _start_exclusive(self) -> None:
        node = self._exclusive_node
        if node is None or EXCLUSIVE not in self.workqueue or node.shutting_down:
            return
        if any(other is not node for other in self.nodes):
            return  # the others are still finishing their last tests
        self.workqueue.move_to_end(EXCLUSIVE, last=False)
        super()._assign_work_unit(node)

    def remove_node(self, node: Any) -> str | None:
        crashitem = super().remove_node(node)
        if node is self._exclusive_node:
            self._exclusive_node = None  # it crashed: its replacement takes the group
        else:
            self._start_exclusive()
        return crashitem
