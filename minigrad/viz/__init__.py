"""Pictures of the recorded graph (needs matplotlib and networkx: ``pip install "minigrad[widgets]"``).

    import minigrad.viz
    minigrad.viz.draw(loss)                    # a picture that shows itself in Jupyter
    g = minigrad.viz.to_networkx(loss)         # the same graph as plain data

The engine never imports this package; it only reads ``grad_fn`` and ``next_functions``.
"""
from .graph import KIND_DESCRIPTIONS, caller_names, summarize, to_networkx  # noqa: F401
from .draw import GraphPicture, draw, figure_png, render  # noqa: F401
