"""``TracedFunction``: what ``minigrad.jit.trace`` returns, used like the function it was traced from."""
from __future__ import annotations

from .graph import StaticGraph


class TracedFunction:
    """A recorded function: ``traced(*inputs)`` replays its ``StaticGraph`` on new inputs.

    ``traced.graph``       -- the StaticGraph (``traced.graph.print_tabular()`` shows it node by node);
    ``traced.code``        -- the Python source the replay runs;
    ``traced.grad_graph()`` -- a TracedFunction returning ``(output, *gradients)``, built ahead of time;
    ``traced.optimize()``   -- a TracedFunction running the optimised graph.

    What ``trace`` returns replays its graph, with autograd, as one autograd node whose forward and backward
    are compiled array code (``compiled.py``; the program is recorded at the first such call): the graph is
    known, so its backward is too. Where that does not apply (nothing to differentiate, forward AD, a graph
    that writes in place...) the call runs ``traced.code``, op by op.
    """

    def __init__(self, graph: StaticGraph, name: str = "traced", compile_autograd: bool = False):
        self.graph = graph
        self.__name__ = name
        self._whole = None  # the graph as one compiled autograd node, for calls that autograd records
        if compile_autograd:
            from .compiled import CompiledTrace
            from .passes import compilable_with_autograd

            if compilable_with_autograd(graph):
                self._whole = CompiledTrace(graph)

    def __call__(self, *inputs):
        if self._whole is not None:
            output = self._whole.run_with_autograd(inputs)
            if output is not None:
                return output
        return self.graph.run(inputs, stacklevel=4)

    @property
    def code(self) -> str:
        return self.graph.code

    def print_tabular(self) -> None:
        self.graph.print_tabular()

    @property
    def parameters(self) -> list:
        """The tensors the graph reads as parameters (the live tensors, not copies)."""
        return [n.target for n in self.graph.parameters]

    def grad_graph(self, wrt=None) -> "TracedFunction":
        """See ``minigrad.jit.gradients.grad_graph``: returns ``(output, *gradients)`` when called."""
        return TracedFunction(self.graph.grad_graph(wrt), f"{self.__name__}_and_gradients")

    def optimize(self, passes=None, verbose: bool = False) -> "TracedFunction":
        """The same function running an optimised graph (``minigrad.jit.passes.optimize``: by default the
        passes that pay on this graph; a gradient graph is compiled to plain array code)."""
        from . import passes as passes_module

        return TracedFunction(passes_module.optimize(self.graph, passes, verbose), self.__name__)

    def to_networkx(self):
        return self.graph.to_networkx()

    def __repr__(self) -> str:
        return f"<TracedFunction {self.__name__}: {self.graph!r}>"
