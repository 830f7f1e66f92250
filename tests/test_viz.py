"""minigrad.viz: the graph as data (to_networkx), its layout, and the drawn picture."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as torch
from minigrad import viz
from minigrad.viz.layout import HORIZONTAL_GAP

REPO_ROOT = Path(__file__).resolve().parent.parent


def lesson_graph():
    """Lesson 02's example: z = w * x + b with x = 2, w = 3, b = 1; only w and b require grad."""
    x = torch.tensor(2.0)
    w = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    y = w * x
    z = y + b
    return x, w, b, y, z


def kinds(graph):
    return {node: data["kind"] for node, data in graph.nodes(data=True)}


# ---------------------------------------------------------------------------------------------- to_networkx
def test_lesson_graph_nodes_edges_and_kinds():
    x, w, b, y, z = lesson_graph()
    graph = viz.to_networkx(z, names={"x": x, "w": w, "b": b, "y": y, "z": z})
    assert kinds(graph) == {
        "x": "constant", "w": "leaf", "b": "leaf", "y": "tensor", "z": "output",
        "MulBackward0": "op", "AddBackward0": "op",
        "AccumulateGrad(w)": "accumulate", "AccumulateGrad(b)": "accumulate",
    }
    # data-flow direction: inputs -> operation -> result
    assert set(graph.edges) == {
        ("w", "AccumulateGrad(w)"), ("AccumulateGrad(w)", "MulBackward0"), ("x", "MulBackward0"),
        ("MulBackward0", "y"), ("y", "AddBackward0"), ("b", "AccumulateGrad(b)"),
        ("AccumulateGrad(b)", "AddBackward0"), ("AddBackward0", "z"),
    }
    assert graph.edges["x", "MulBackward0"]["index"] == 1  # x is the second argument of w * x
    assert graph.edges["AccumulateGrad(w)", "MulBackward0"]["kind"] == "accumulate"
    assert graph.graph["outputs"] == ["z"]
    assert graph.nodes["AccumulateGrad(w)"]["op"] == "AccumulateGrad"
    assert graph.nodes["MulBackward0"]["fn"] is z.grad_fn.next_functions[0][0]


def test_names_default_to_the_callers_variables():
    x, w, b, y, z = lesson_graph()
    graph = viz.to_networkx(z)  # no names given: this function's local variables label the graph
    assert {"x", "w", "b", "y", "z"} <= set(graph.nodes)
    labels = {data["label"] for _, data in graph.nodes(data=True)}
    assert {"x", "w", "b", "y", "z", "MulBackward0", "AddBackward0", "AccumulateGrad"} == labels


def test_names_false_gives_generic_labels():
    *_, z = lesson_graph()
    graph = viz.to_networkx(z, names=False)
    assert kinds(graph)["output"] == "output"
    assert sorted(n for n, k in kinds(graph).items() if k == "leaf") == ["leaf", "leaf #2"]
    assert graph.nodes["tensor"]["label"] == "tensor"  # an unnamed scalar intermediate


def test_attributes_of_tensor_nodes():
    torch.manual_seed(0)
    W = torch.randn(5, 3, requires_grad=True)
    inputs = torch.ones(2, 5)
    out = inputs.mm(W)
    graph = viz.to_networkx(out, names={"W": W, "inputs": inputs, "out": out})
    node = graph.nodes["W"]
    assert node["shape"] == (5, 3) and node["dtype"] == "float32" and node["requires_grad"]
    assert node["label"] == "W (5, 3)"
    assert graph.nodes["inputs"]["requires_grad"] is False
    assert graph.nodes["out"]["shape"] == (2, 3)
    assert graph.nodes["out"]["value"] == viz.summarize(out)
    assert graph.nodes["out"]["tensor"] is out
    assert node["grad"] is None


def test_params_are_named_from_named_parameters():
    from minigrad import nn

    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    out = model(torch.randn(3, 4)).sum()
    graph = viz.to_networkx(out, params=dict(model.named_parameters()), names=False)
    assert kinds(graph)["weight"] == "param" and kinds(graph)["bias"] == "param"
    assert graph.nodes["weight"]["label"] == "weight (2, 4)"
    ops = {data["op"] for _, data in graph.nodes(data=True) if data["kind"] == "op"}
    assert "AddmmBackward0" in ops and "SumBackward0" in ops


def test_saved_tensors_and_whether_they_were_freed():
    x, w, b, y, z = lesson_graph()
    before = viz.to_networkx(z, names={"x": x, "w": w})
    # only w requires grad, so (as in PyTorch) MulBackward0 keeps just x, the factor w's gradient needs
    assert [entry["label"] for entry in before.nodes["MulBackward0"]["saved"]] == ["x"]
    assert before.nodes["MulBackward0"]["freed"] is False

    z.backward(retain_graph=True)
    kept = viz.to_networkx(z, names=False)
    assert kept.nodes["MulBackward0"]["freed"] is False

    z.backward()  # frees the saved tensors
    after = viz.to_networkx(z, names=False)
    assert after.nodes["MulBackward0"]["freed"] is True
    assert after.nodes["MulBackward0"]["saved"] == []
    assert after.nodes["AddBackward0"]["freed"] is False  # an addition saves nothing


def test_gradients_after_backward():
    x, w, b, y, z = lesson_graph()
    y.retain_grad()
    z.backward()
    graph = viz.to_networkx(z, names={"w": w, "b": b, "y": y})
    assert graph.nodes["w"]["grad"] == viz.summarize(w.grad) == "2.0"  # dz/dw = x
    assert graph.nodes["b"]["grad"] == "1.0"
    assert graph.nodes["y"]["grad"] == "1.0"  # kept because of retain_grad()


def test_a_tensor_used_twice_by_one_operation():
    t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = (t * t).sum()
    graph = viz.to_networkx(s, names={"t": t, "s": s})
    assert graph.edges["AccumulateGrad(t)", "MulBackward0"]["indices"] == [0, 1]


def test_same_operation_twice_is_numbered_in_creation_order():
    a = torch.tensor(1.0, requires_grad=True)
    first = a * 2
    second = first * 3
    graph = viz.to_networkx(second, names=False)
    assert graph.nodes["MulBackward0"]["fn"] is first.grad_fn
    assert graph.nodes["MulBackward0 #2"]["fn"] is second.grad_fn
    assert graph.nodes["constant"]["label"] in ("2", "3")  # Python numbers are saved as they are


def test_an_input_without_grad_is_recognised_from_what_its_operation_saved():
    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, factor):
            ctx.save_for_backward(factor)  # not in argument order: only the input without grad
            return a * factor

        @staticmethod
        def backward(ctx, grad):
            factor, = ctx.saved_tensors
            return grad * factor, None

    a = torch.tensor([1.0, 2.0], requires_grad=True)
    factor = torch.tensor([3.0, 4.0])
    out = Scale.apply(a, factor)
    graph = viz.to_networkx(out, names={"a": a, "factor": factor})
    assert kinds(graph)["factor"] == "constant"
    assert ("factor", "ScaleBackward") in graph.edges
    unnamed = viz.to_networkx(a * 2 + torch.ones(2), names=False)  # Add saves nothing: a generic label
    assert {d["label"] for _, d in unnamed.nodes(data=True) if d["kind"] == "constant"} == {"2", "constant"}


def test_several_outputs_and_a_leaf_alone():
    x, w, b, y, z = lesson_graph()
    graph = viz.to_networkx(y, z, names={"y": y, "z": z})
    assert kinds(graph)["y"] == "output" and kinds(graph)["z"] == "output"
    assert graph.graph["outputs"] == ["y", "z"]
    alone = viz.to_networkx(w, names={"w": w})
    assert list(alone.nodes) == ["w"] and kinds(alone)["w"] == "leaf"


def test_a_long_chain_needs_no_recursion():
    a = torch.tensor(1.0, requires_grad=True)
    out = a
    for _ in range(3000):
        out = out * 1.0
    graph = viz.to_networkx(out, names=False)
    assert sum(1 for k in kinds(graph).values() if k == "op") == 3000


def test_bad_arguments():
    with pytest.raises(TypeError, match="expects Tensors"):
        viz.to_networkx(3.0)
    with pytest.raises(TypeError, match="must be a Tensor"):
        viz.to_networkx(torch.tensor(1.0), names={"a": 1.0})


def test_summaries_are_short_and_deterministic():
    assert viz.summarize(torch.tensor(7.0)) == "7.0"
    assert viz.summarize(torch.tensor([1.0, 2.5])) == "[1.0, 2.5]"
    assert viz.summarize(torch.arange(10.0)) == "[0.0, 1.0, 2.0, …]"
    assert viz.summarize(torch.tensor(1 / 3)) == "0.3333"


# ---------------------------------------------------------------------------------------------- layout
def assert_no_overlap(picture):
    boxes = [(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
             for node, (x, y) in picture.positions.items() for w, h in [picture.sizes[node]]]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            separate = a[2] <= b[0] + 1e-9 or b[2] <= a[0] + 1e-9 or a[3] <= b[1] + 1e-9 or b[3] <= a[1] + 1e-9
            assert separate, f"boxes overlap: {a} {b}"


def assert_edges_point_down(picture):
    for source, target in picture.graph.edges:
        assert picture.positions[source][1] > picture.positions[target][1]


def test_lesson_picture_layout():
    x, w, b, y, z = lesson_graph()
    picture = viz.draw(z)
    assert_no_overlap(picture)
    assert_edges_point_down(picture)
    pos = picture.positions
    assert pos["w"][0] < pos["x"][0]  # w * x: w drawn left of x
    assert pos["z"][1] == min(p[1] for p in pos.values())  # the output at the bottom
    width, height = picture.figure.get_size_inches()
    for node, (cx, cy) in pos.items():  # every box inside the figure
        bw, bh = picture.sizes[node]
        assert 0 <= cx - bw / 2 and cx + bw / 2 <= width


def random_graph(seed, size):
    """A random expression DAG over a few leaves: ops reuse earlier results, so edges skip layers."""
    import random

    rng = random.Random(seed)
    leaves = [torch.tensor([float(i + 1)], requires_grad=True) for i in range(4)]
    values = list(leaves)
    for _ in range(size):
        a, b = rng.choice(values), rng.choice(values)
        op = rng.choice(["add", "mul", "tanh", "exp"])
        values.append({"add": lambda: a + b, "mul": lambda: a * b, "tanh": lambda: a.tanh(),
                       "exp": lambda: (a * 0.1).exp()}[op]())
    return sum(values[4:], torch.zeros(1))


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 12))
def test_random_graphs_never_overlap(seed, size):
    out = random_graph(seed, size)
    picture = viz.render(viz.to_networkx(out, names=False))
    assert_no_overlap(picture)
    assert_edges_point_down(picture)


def test_two_hundred_nodes_stay_readable():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    h = x
    parameters = {}
    for i in range(9):
        weight = torch.randn(3, 3, requires_grad=True)
        bias = torch.randn(3, requires_grad=True)
        parameters[f"W{i}"], parameters[f"b{i}"] = weight, bias
        h = torch.tanh(h.mm(weight) + bias)
        h = h * 0.5 + h.exp().sum(1, keepdim=True) * 0.01
    loss = (h ** 2).mean()
    picture = viz.draw(loss, params=parameters)
    assert 180 <= picture.graph.number_of_nodes() <= 230
    assert_no_overlap(picture)
    assert_edges_point_down(picture)
    # gaps between neighbours in a layer are at least the layout's gap
    rows: dict = {}
    for node, (cx, cy) in picture.positions.items():
        rows.setdefault(round(cy, 6), []).append((cx - picture.sizes[node][0] / 2, cx + picture.sizes[node][0] / 2))
    for row in rows.values():
        row.sort()
        for (_, right), (left, _) in zip(row, row[1:]):
            assert left - right >= HORIZONTAL_GAP - 1e-6


# ---------------------------------------------------------------------------------------------- drawing
def drawn_texts(picture):
    return [text.get_text() for text in picture.ax.texts]


def test_drawn_labels_and_box_count():
    x, w, b, y, z = lesson_graph()
    picture = viz.draw(z, show_data=True)
    texts = drawn_texts(picture)
    for expected in ("w\n= 3.0", "x\n= 2.0", "b\n= 1.0", "y\n= 6.0", "z\n= 7.0", "MulBackward0", "AddBackward0"):
        assert expected in texts
    assert texts.count("AccumulateGrad") == 2
    from matplotlib.patches import FancyBboxPatch

    boxes = [p for p in picture.ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == picture.graph.number_of_nodes() == 9
    legend = [t.get_text() for t in picture.ax.get_legend().get_texts()]
    assert "leaf tensor (requires grad)" in legend and "operation (grad_fn)" in legend
    assert "parameter" not in legend  # only kinds that occur


def test_show_grad_and_freed_buffers_in_the_picture():
    x, w, b, y, z = lesson_graph()
    z.backward()
    texts = drawn_texts(viz.draw(z, show_grad=True))
    assert "w\ngrad 2.0" in texts and "b\ngrad 1.0" in texts
    assert "MulBackward0\nsaved tensors freed" in texts


def test_show_saved():
    x, w, b, y, z = lesson_graph()
    texts = drawn_texts(viz.draw(z, show_saved=True))
    assert "MulBackward0\nsaved: x" in texts


def test_png_is_deterministic_and_has_no_metadata():
    x, w, b, y, z = lesson_graph()
    first = viz.draw(z)
    png, metadata = first._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png == viz.draw(z).to_png()  # same graph, same bytes
    assert b"Software" not in png and b"tIME" not in png
    width, height = first.figure.get_size_inches()
    assert metadata == {"width": round(width * 96), "height": round(height * 96)}
    assert repr(first) == "<minigrad graph picture: 9 nodes, 8 edges>"


def test_figure_is_sized_by_the_widest_layer():
    a = torch.tensor(1.0, requires_grad=True)
    narrow = viz.draw(a * 2, names=False)
    leaves = [torch.tensor(1.0, requires_grad=True) for _ in range(12)]
    wide = viz.draw(sum(leaves[1:], leaves[0] * 1), names=False)
    assert wide.figure.get_size_inches()[0] > narrow.figure.get_size_inches()[0] + 3


def test_draw_into_an_existing_axes():
    from matplotlib.figure import Figure

    figure = Figure()
    ax = figure.add_subplot()
    x, w, b, y, z = lesson_graph()
    picture = viz.draw(z, ax=ax)
    assert picture.ax is ax and picture.figure is figure
    assert "MulBackward0" in drawn_texts(picture)


def test_import_minigrad_loads_no_plotting_or_widgets():
    code = ("import sys, minigrad\n"
            "x = minigrad.tensor(1.0, requires_grad=True); (x * 2).backward()\n"
            "print(sorted(m for m in ('matplotlib', 'networkx', 'ipywidgets', 'IPython') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
