"""PyTorch's ready queue, kept only to learn the order in which PyTorch runs leaves that become ready together.

PyTorch's engine pushes every node whose consumers have all run into a ``std::priority_queue`` ordered by
sequence number, and runs the one on top. Every ``AccumulateGrad`` has the same, highest, priority, so when
one node makes several leaves ready at once (``torch.cat([a, b, c, d])``), which leaf's hooks run first is
decided by where the binary heap happens to keep equal keys: ``a c b d``, not ``a b c d``. The order also
depends on the other nodes waiting in the queue at that moment, so the whole queue has to be mirrored.

``ReadyQueue`` is that heap, step for step as libstdc++ writes ``push_heap`` and ``pop_heap`` (PyTorch's
Linux builds use it). Python's ``heapq`` would not do: it is a min-heap that breaks ties differently. The
engine needs it only when some node feeds three or more leaves; with two or fewer, the heap always hands
them out in the order they were pushed.
"""
from __future__ import annotations


class ReadyQueue:
    """A max-heap of nodes keyed by ``_sequence_nr``, with ``std::priority_queue``'s push and pop."""

    def __init__(self):
        self.heap: list = []  # (sequence number, node), the top at 0

    def push(self, node) -> None:
        """``push_heap``: the new entry rises while its parent is strictly smaller (equal keys stay put)."""
        heap = self.heap
        heap.append(None)
        self._rise(len(heap) - 1, 0, (node._sequence_nr, node))

    def pop(self):
        """``pop_heap``: the hole left by the top sinks to the bottom, always towards the larger child (the
        right one on a tie), and the last entry is put there and rises."""
        heap = self.heap
        top, last = heap[0], heap.pop()
        size = len(heap)
        if size:
            hole = child = 0
            while child < (size - 1) // 2:
                child = 2 * child + 2
                if heap[child][0] < heap[child - 1][0]:
                    child -= 1
                heap[hole], hole = heap[child], child
            if size % 2 == 0 and child == (size - 2) // 2:  # a last parent with only a left child
                child = 2 * child + 2
                heap[hole], hole = heap[child - 1], child - 1
            self._rise(hole, 0, last)
        return top[1]

    def _rise(self, hole: int, top: int, entry) -> None:
        heap = self.heap
        parent = (hole - 1) // 2
        while hole > top and heap[parent][0] < entry[0]:
            heap[hole], hole = heap[parent], parent
            parent = (hole - 1) // 2
        heap[hole] = entry
