"""``minigrad.jit``: static graphs from dynamic code, by tracing (``torch.jit.trace``, ``torch.fx``).

    import minigrad as torch
    import minigrad.jit

    traced = minigrad.jit.trace(fn, (x,))    # runs fn once, records its ops
    traced.graph.print_tabular()            # the recording, one row per node
    print(traced.code)                      # ... and as the Python code a replay runs
    traced(new_x)                           # replay on a new input: no Python of fn runs
    faster = traced.optimize(verbose=True)  # constant folding, CSE, dead code, fusion where it pays
    step = traced.grad_graph()              # (loss, *gradients) as a graph of its own, built ahead of time
    compiled = step.optimize()              # ... compiled to one plain function of NumPy/CuPy calls
    print(compiled.code)

Files: ``tracer.py`` (recording), ``graph.py`` (StaticGraph, Node), ``codegen.py`` (graph -> Python on
tensors), ``lowering.py`` (graph -> Python on arrays, buffer reuse), ``templates.py`` (each op as array code,
the one place), ``passes.py`` (optimisations, and which of them pay), ``fusion.py`` (the fused element-wise
kernel), ``gradients.py`` (grad_graph), ``targets.py`` (what an op node calls).
"""
from .fusion import FusedElementwise, FusedKernel  # noqa: F401
from .graph import Node, StaticGraph, TracerWarning  # noqa: F401
from .passes import (  # noqa: F401
    common_subexpression_elimination, compile_to_arrays, constant_folding, dead_code_elimination, fuse_elementwise,
    optimize,
)
from .traced import TracedFunction  # noqa: F401
from .tracer import trace  # noqa: F401

__all__ = ["trace", "TracedFunction", "StaticGraph", "Node", "TracerWarning", "FusedElementwise", "FusedKernel",
           "constant_folding", "common_subexpression_elimination", "dead_code_elimination", "fuse_elementwise",
           "compile_to_arrays", "optimize"]
