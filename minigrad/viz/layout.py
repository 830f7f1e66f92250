"""A layered (Sugiyama-style) layout in inches: inputs at the top, outputs at the bottom, no overlapping boxes.

1. Layers: networkx's topological generations of the reversed graph, so every node sits just above the
   first operation that uses it (a leaf used late is drawn next to its consumer, not at the very top).
2. Order inside a layer: a few sweeps of the barycenter heuristic (each node moves to the mean position of
   its neighbours), ties broken by input position so ``w * x`` shows ``w`` left of ``x``.
3. x coordinates: each layer is placed as close as possible to its neighbours' positions while keeping the
   boxes apart (an isotonic regression; the pool-adjacent-violators algorithm solves it exactly).
"""
from __future__ import annotations

import networkx as nx

HORIZONTAL_GAP = 0.3  # inches between boxes of a layer
VERTICAL_GAP = 0.42  # inches between layers: room for the arrow heads
SWEEPS = 6
WAYPOINT_WIDTH = 0.0  # a waypoint is a point; HORIZONTAL_GAP still keeps it off the boxes


def layered_layout(graph: nx.DiGraph, sizes: dict) -> tuple[dict, float, float, dict]:
    """Centres ``{node: (x, y)}`` in inches for boxes of ``sizes[node] = (width, height)``.

    Returns the centres, the width and height of the drawing (origin at the bottom left) and the routes of
    edges that skip layers: ``{(u, v): [(x, y), ...]}``, the points the edge passes between its ends, so it
    goes around the boxes of the layers it crosses instead of through them.
    """
    if graph.number_of_nodes() == 0:
        return {}, 0.0, 0.0, {}
    rank = _ranks(graph)
    routed, sizes, chains = _with_waypoints(graph, sizes, rank)
    layers = [[] for _ in range(max(rank.values()) + 1)]
    for node in routed.nodes:
        layers[routed.nodes[node]["rank"]].append(node)
    _order_layers(routed, layers)
    x = _x_coordinates(routed, layers, sizes)

    # y: layer 0 at the top; every layer as tall as its tallest box
    heights = [max(sizes[n][1] for n in layer) for layer in layers]
    total_height = sum(heights) + VERTICAL_GAP * (len(layers) - 1)
    centres = {}
    top = total_height
    for layer, height in zip(layers, heights):
        for node in layer:
            centres[node] = (x[node], top - height / 2)
        top -= height + VERTICAL_GAP
    left = min(x[n] - sizes[n][0] / 2 for n in graph)
    right = max(x[n] + sizes[n][0] / 2 for n in graph)
    left = min([left] + [x[w] for chain in chains.values() for w in chain])
    right = max([right] + [x[w] for chain in chains.values() for w in chain])
    centres = {n: (px - left, py) for n, (px, py) in centres.items()}
    positions = {n: centres[n] for n in graph}
    routes = {edge: [centres[w] for w in chain] for edge, chain in chains.items()}
    return positions, right - left, total_height, routes


def _ranks(graph) -> dict:
    """Layer of each node: its longest distance to an output, counted from the bottom (layer 0 on top)."""
    generations = list(nx.topological_generations(graph.reverse(copy=False)))
    last = len(generations) - 1
    return {node: last - depth for depth, generation in enumerate(generations) for node in generation}


def _with_waypoints(graph, sizes, rank):
    """A copy of the graph where an edge skipping layers passes through one small waypoint per layer."""
    routed = nx.DiGraph()
    for node in graph.nodes:
        routed.add_node(node, rank=rank[node])
    sizes = dict(sizes)
    chains = {}
    for u, v, data in graph.edges(data=True):
        index = data.get("index", 0)
        previous = u
        chain = []
        for layer in range(rank[u] + 1, rank[v]):
            waypoint = ("waypoint", u, v, layer)
            routed.add_node(waypoint, rank=layer)
            sizes[waypoint] = (WAYPOINT_WIDTH, 0.0)
            routed.add_edge(previous, waypoint, index=index)
            previous = waypoint
            chain.append(waypoint)
        routed.add_edge(previous, v, index=index)
        if chain:
            chains[(u, v)] = chain
    return routed, sizes, chains


def _order_layers(graph, layers) -> None:
    position = {}
    for layer in layers:
        for i, node in enumerate(layer):
            position[node] = (i + 0.5) / len(layer)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        sequence = layers[1:] if downward else layers[-2::-1]
        for layer in sequence:
            keys = {}
            for i, node in enumerate(layer):
                neighbours = graph.predecessors(node) if downward else graph.successors(node)
                places = [position[n] for n in neighbours]
                if places:
                    centre = sum(places) / len(places)
                else:
                    centre = position[node]
                keys[node] = (round(centre, 9), _input_index(graph, node), i)
            layer.sort(key=keys.__getitem__)
            for i, node in enumerate(layer):
                position[node] = (i + 0.5) / len(layer)


def _input_index(graph, node) -> int:
    """Which argument of its consumer this node is (``w`` of ``w * x`` is 0): keeps code order left to right."""
    indices = [data.get("index", 0) for _, _, data in graph.out_edges(node, data=True)]
    return min(indices) if indices else 0


def _x_coordinates(graph, layers, sizes) -> dict:
    x = {}
    for layer in layers:  # start packed and centred
        offsets = _offsets(layer, sizes)
        width = offsets[-1]
        for node, offset in zip(layer, offsets):
            x[node] = offset - width / 2
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        for layer in (layers[1:] if downward else layers[-2::-1]):
            desired = []
            for node in layer:
                neighbours = list(graph.predecessors(node) if downward else graph.successors(node))
                desired.append(sum(x[n] for n in neighbours) / len(neighbours) if neighbours else x[node])
            for node, value in zip(layer, _place_in_order(desired, _offsets(layer, sizes))):
                x[node] = value
    return x


def _offsets(layer, sizes) -> list[float]:
    """Minimal centre-to-centre distances, accumulated: box i may not sit left of ``offsets[i]`` + shift."""
    offsets = [0.0]
    for left, right in zip(layer, layer[1:]):
        offsets.append(offsets[-1] + (sizes[left][0] + sizes[right][0]) / 2 + HORIZONTAL_GAP)
    return offsets


def _place_in_order(desired, offsets) -> list[float]:
    """Positions closest (least squares) to ``desired`` with ``x[i+1] - x[i] >= offsets[i+1] - offsets[i]``.

    Substituting ``y = x - offsets`` turns this into isotonic regression (y non-decreasing), solved by pooling
    adjacent violators.
    """
    targets = [d - c for d, c in zip(desired, offsets)]
    blocks: list[list[float]] = []  # [mean, count]
    for t in targets:
        blocks.append([t, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            previous = blocks[-1]
            previous[0] = (previous[0] * previous[1] + mean * count) / (previous[1] + count)
            previous[1] += count
    y = []
    for mean, count in blocks:
        y.extend([mean] * count)
    return [value + c for value, c in zip(y, offsets)]
