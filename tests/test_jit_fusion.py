"""Fused element-wise kernels: every kernel path computes what the separate ops compute, values and gradients.

Three forward kernels (``minigrad/jit/fusion.py``): numexpr (CPU, optional extra), in-place NumPy code (CPU
fallback) and ``cupy.fuse`` (GPU, tests marked ``gpu``). Each is forced in turn and compared with eager.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

import minigrad
import minigrad.jit as jit
from minigrad.jit import fusion, passes
from test_jit import build, programs, values_and_grads

try:
    import numexpr
except ImportError:  # the optional extra minigrad[jit]; CI installs it (the `test` extra)
    numexpr = None


def _chain(w, b):
    def loss_fn(x):
        h = x
        for _ in range(3):
            h = (h * w + b).tanh()
        return (h * h - 0.1).clamp(min=0.0).sum()

    return loss_fn


def _problem(dtype=np.float64):
    rng = np.random.default_rng(0)
    w = minigrad.tensor(rng.uniform(0.3, 0.9, 6).astype(dtype), requires_grad=True)
    b = minigrad.tensor(rng.uniform(-0.2, 0.2, 6).astype(dtype), requires_grad=True)
    x = minigrad.tensor(rng.standard_normal((4, 6)).astype(dtype))
    return _chain(w, b), x, (w, b)


def _fused(loss_fn, x):
    graph = passes.fuse_elementwise(jit.trace(loss_fn, (x,)).graph)
    assert [n.target.display for n in graph.ops] == ["FusedElementwise", "Sum"]
    return graph


def _same_as_eager(loss_fn, fused, x, params, rtol=1e-12):
    expected = values_and_grads(loss_fn, [x], params)
    actual = values_and_grads(fused, [x], params)
    np.testing.assert_allclose(actual[0], expected[0], rtol=rtol)
    for e, a in zip(expected[1], actual[1]):
        np.testing.assert_allclose(a, e, rtol=rtol, atol=1e-12)


@pytest.fixture
def numexpr_forced(monkeypatch):
    if numexpr is None:
        pytest.skip("numexpr is not installed (pip install minigrad[jit])")
    monkeypatch.setattr(fusion, "NUMEXPR_MIN_ELEMENTS", 0)
    calls = []
    original = numexpr.evaluate
    monkeypatch.setattr(numexpr, "evaluate", lambda *a, **k: calls.append(a[0]) or original(*a, **k))
    return calls


@pytest.fixture
def numpy_forced(monkeypatch):
    monkeypatch.setattr(fusion, "NUMEXPR_MIN_ELEMENTS", 0)  # numexpr would be chosen, were it installed
    monkeypatch.setattr(fusion, "_NUMEXPR", None)  # ... but it is absent


def test_numexpr_kernel_computes_the_chain_in_one_expression(numexpr_forced):
    loss_fn, x, params = _problem()
    fused = _fused(loss_fn, x)
    _same_as_eager(loss_fn, fused, x, params)
    assert len(numexpr_forced) >= 1 and "tanh(" in numexpr_forced[0]


def test_numexpr_keeps_float32_chains_in_float32(numexpr_forced):
    loss_fn, x, params = _problem(np.float32)
    fused = _fused(loss_fn, x)
    assert fused(x).dtype == minigrad.float32
    _same_as_eager(loss_fn, fused, x, params, rtol=1e-5)
    assert numexpr_forced


@pytest.mark.host_only  # buffers reused with NumPy's out= (the strict device's ufuncs have none)
def test_numpy_fallback_writes_the_chain_into_one_buffer(numpy_forced):
    loss_fn, x, params = _problem()
    fused = _fused(loss_fn, x)
    _same_as_eager(loss_fn, fused, x, params)
    kernel = fused.ops[0].args[0]
    code = kernel.numpy_code()
    assert "out=" in code and ".apply(" not in code


@settings(max_examples=15, deadline=None)
@given(programs())
def test_both_cpu_kernels_agree_with_eager_on_random_programs(program):
    f, w, example, fresh = build(program)
    fused = passes.fuse_elementwise(jit.trace(f, example).graph)
    expected = values_and_grads(f, fresh, [w])
    for threshold, module in ((0, None), (0, fusion._numexpr_module())):
        saved = fusion.NUMEXPR_MIN_ELEMENTS, fusion._NUMEXPR
        fusion.NUMEXPR_MIN_ELEMENTS, fusion._NUMEXPR = threshold, module
        try:
            actual = values_and_grads(fused, fresh, [w])
        finally:
            fusion.NUMEXPR_MIN_ELEMENTS, fusion._NUMEXPR = saved
        np.testing.assert_allclose(actual[0], expected[0], rtol=1e-5, atol=1e-6)
        for e, a in zip(expected[1], actual[1]):
            np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-5)


def test_fused_backward_is_the_chains_gradient_compiled_once_per_need():
    loss_fn, x, params = _problem()
    fused = _fused(loss_fn, x)
    kernel = fused.ops[0].args[0]
    for _ in range(2):
        fused(x).backward()
    assert len(kernel._vjps) == 1  # recorded at the first backward, reused by the second
    with minigrad.no_grad():
        params[1].requires_grad_(False)
    params[0].grad = None
    fused(x).backward()
    assert len(kernel._vjps) == 2 and params[0].grad is not None


def test_a_fused_node_inside_a_traced_function_is_differentiated_while_tracing():
    loss_fn, x, params = _problem()
    fused = _fused(loss_fn, x)

    def step(x):  # the fused graph called, and differentiated, inside another trace
        return minigrad.autograd.grad(fused(x), list(params))

    outer = jit.trace(step, (x,))
    expected = minigrad.autograd.grad(loss_fn(x), list(params))
    for e, a in zip(expected, outer(x)):
        np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-12)


@pytest.mark.host_only  # buffers reused with NumPy's out= (the strict device's ufuncs have none)
def test_compiled_code_uses_the_folded_numbers():
    w1 = minigrad.ones(3, 2, requires_grad=True)
    step = jit.trace(lambda x, y: (x.mm(w1) - y).pow(2).sum(), (minigrad.ones(4, 3), minigrad.ones(4, 2)))
    code = step.grad_graph().optimize().code
    assert "xp.multiply(2.0, sub, out=sub)" in code and "** 1" not in code  # 2 * ones and x ** 1 simplified


USABLE, REASON = minigrad.cuda._cupy_status()


@pytest.mark.gpu
@pytest.mark.skipif(not USABLE, reason=f"needs CuPy and a GPU: {REASON}")
def test_cupy_kernel_is_one_fused_gpu_kernel_with_the_cpus_results():
    loss_fn, x, params = _problem()
    fused = _fused(loss_fn, x)
    expected = values_and_grads(loss_fn, [x], params)
    cuda_params = [p.detach().to("cuda").requires_grad_() for p in params]
    loss_cuda = _chain(*cuda_params)
    fused_cuda = _fused(loss_cuda, x.to("cuda"))
    value = fused_cuda(x.to("cuda"))
    value.backward()
    kernel = fused_cuda.ops[0].args[0]
    assert kernel._cupy_kernel is not None  # cupy.fuse compiled the chain
    np.testing.assert_allclose(value.detach().cpu().numpy(), expected[0], rtol=1e-10)
    for e, p in zip(expected[1][1:], cuda_params):
        np.testing.assert_allclose(p.grad.cpu().numpy(), e, rtol=1e-10)
