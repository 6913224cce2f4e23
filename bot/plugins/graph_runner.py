"""Rasa's model graph run in a fixed order, without dask's scheduler per message.

Rasa 3.6 runs the trained graph (NLU components, policies) through
`dask.get` on every message: it rebuilds the minimal schema by recursion,
orders the tasks (dask.order) and schedules them one by one. For a graph whose
nodes are plain calls in one thread that was about a tenth of a turn
(docs/performance.md). This runner keeps Rasa's nodes, hooks, inputs and
results, and computes the order of each set of targets once.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner


class OrderedGraphRunner(DaskGraphRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: dict[tuple[str, ...], list[str]] = {}

    def _order(self, targets: tuple[str, ...]) -> list[str]:
        """The nodes the targets need, each after the nodes it needs."""
        if targets not in self._orders:
            nodes, order, seen = self._graph_schema.nodes, [], set()

            def visit(name: str) -> None:
                if name in seen or name not in nodes:  # not a node: an input
                    return
                seen.add(name)
                for needed in nodes[name].needs.values():
                    visit(needed)
                order.append(name)

            for target in targets:
                visit(target)
            self._orders[targets] = order
        return self._orders[targets]

    def run(
        self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
    ) -> dict[str, Any]:
        run_targets = tuple(targets or self._graph_schema.target_names)
        nodes, order = self._graph_schema.nodes, self._order(run_targets)
        # As with dask: a node receives (name, value) pairs, an input is one too.
        results: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in order:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure "
                    f"that none of the input names passed to the `run` method are "
                    f"the same as node names in the graph schema."
                )
            results[name] = (name, value)
        try:
            for name in order:
                needed = nodes[name].needs.values()
                results[name] = self._instantiated_nodes[name](
                    *(results.get(each, each) for each in needed)
                )
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)
