"""How ``kedro run`` ends when it stops: bad input as one clear message, an interrupt with its resume command.

Kedro lets the exception escape to Python's ``sys.excepthook``, which rich replaces with a long
traceback of Kedro's and click's frames. For a ``DEGnextInputError`` that hides the one line that
matters, so this hook installs an excepthook that prints the message last and keeps the traceback
for those who ask: ``DEGNEXT_TRACEBACK=1 kedro run ...`` (it also goes to the log at DEBUG level).
Other errors keep the full traceback: they are bugs, not input.

Kedro's runner names the ``--from-nodes`` to resume a failed run, but not after Ctrl-C (a
``KeyboardInterrupt`` is not an ``Exception``); the hook names it then, from the nodes it saw
complete.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Iterable

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline
from kedro.pipeline.node import Node

from degnext.errors import DEGnextInputError

TRACEBACK_VARIABLE = "DEGNEXT_TRACEBACK"
logger = logging.getLogger(__name__)


def input_error_in(error: BaseException | None) -> DEGnextInputError | None:
    """The ``DEGnextInputError`` behind ``error`` (Kedro wraps dataset errors), or None."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, DEGnextInputError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def wants_traceback() -> bool:
    return os.environ.get(TRACEBACK_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def resume_nodes(pipeline: Pipeline, done: Iterable[Node]) -> list[str]:
    """The nodes to pass to ``--from-nodes``: the first of those not done (every output persists)."""
    remaining = Pipeline(set(pipeline.nodes) - set(done))
    produced = {output for node in remaining.nodes for output in node.outputs}
    return sorted(node.name for node in remaining.nodes if not set(node.inputs) & produced)


class FailureOutputHooks:
    """Install the excepthook for the run; remember completed nodes for the interrupt message."""

    def __init__(self) -> None:
        self._pipeline: Pipeline | None = None
        self._done: set[Node] = set()

    @hook_impl
    def after_context_created(self) -> None:
        """Early, so that errors of other hooks (parameter checks) end the same way."""
        previous = sys.excepthook
        if getattr(previous, "degnext", False):
            previous = previous.previous

        def excepthook(kind, error, tb) -> None:
            if not self._report(error):
                previous(kind, error, tb)

        excepthook.degnext, excepthook.previous = True, previous
        sys.excepthook = excepthook

    @hook_impl
    def before_pipeline_run(self, pipeline: Pipeline) -> None:
        self._pipeline, self._done = pipeline, set()

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        self._done.add(node)

    def _report(self, error: BaseException) -> bool:
        """Print the short ending for input errors and interrupts; False: not ours to handle."""
        if wants_traceback():
            return False
        if isinstance(error, KeyboardInterrupt) and self._pipeline is not None:
            start = resume_nodes(self._pipeline, self._done)
            print(
                "\nInterrupted. Every file already written is complete; to go on from where the "
                "run stopped, repeat the command with:\n"
                f'  --from-nodes "{",".join(start)}"',
                file=sys.stderr,
            )
            return True
        cause = input_error_in(error)
        if cause is None:
            return False
        logger.debug("".join(traceback.format_exception(error)))
        print(
            f"\nThe run stopped on bad input (traceback: {TRACEBACK_VARIABLE}=1 kedro run ...):\n"
            f"DEGnextInputError: {cause}",
            file=sys.stderr,
        )
        return True
