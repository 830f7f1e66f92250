"""Solutions for lesson 04 (build autograd yourself)."""

import math


# 04.mul_backward ---------------------------------------------------------------------------------------------
def mul_backward(a, b, out):
    """out = a * b: each input gets the other input times out.grad, ADDED (a may be b)."""
    a.grad += b.data * out.grad
    b.grad += a.data * out.grad


# 04.topological_order ----------------------------------------------------------------------------------------
def my_order(root):
    """Every node once, after its inputs; an explicit stack instead of recursion."""
    order, done = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if id(node) in done:
            continue
        if inputs_done:
            done.add(id(node))
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev if id(child) not in done)
    return order


# 04.accumulate_fix -------------------------------------------------------------------------------------------
class FixedValue:
    """The lesson's Value with every _backward adding (+=) instead of setting."""

    def __init__(self, data, _prev=(), _op=""):
        self.data, self.grad, self._prev, self._op = data, 0.0, _prev, _op
        self._backward = lambda: None

    def __add__(self, other):
        out = FixedValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        out = FixedValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = FixedValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order = my_order(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


SOLUTIONS = {
    "04.mul_backward": mul_backward,
    "04.topological_order": my_order,
    "04.accumulate_fix": FixedValue,
}

if __name__ == "__main__":
    from minigrad.exercises import check_function

    for exercise_id, answer in SOLUTIONS.items():
        check_function(exercise_id, answer)
