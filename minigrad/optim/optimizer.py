"""``Optimizer``: the base of SGD, Adam, ...: parameter groups, per-parameter state, ``zero_grad``,
``state_dict`` / ``load_state_dict`` -- PyTorch's ``torch.optim.Optimizer``, same layout and same words.

A subclass passes its ``defaults`` (lr, momentum, ...) and implements ``step``. Each entry of
``param_groups`` is a dict: ``{'params': [tensors], 'lr': ..., ...}``; options missing from a group are
filled from ``defaults``. ``state`` maps each parameter to its own dict (momentum buffers, step counts).

Updates are written with tensor operations under ``no_grad``, in the order PyTorch's single-tensor
(``foreach=False``) implementations use, so the rounding matches too. SGD and Adam also write each update
on the arrays themselves (see ``array_updates``): the same operations in the same order, without the per-op
work of tensors, for the usual case of parameters that nothing records.
"""
from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain

from .._tensor import Tensor
from .._tensor_methods import _bump_version_of as bump_version
from ..autograd.function import nothing_to_record
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.graph import RemovableHandle
from ..backend import is_device_array


class _RequiredParameter:
    """Marks an option a parameter group must give (no default)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj) -> str:
    from ..nn.module import _typename as typename

    return typename(obj)


def _hooked_step(step):
    """Wrap a subclass's ``step``: step pre/post hooks, and updates that are never recorded."""

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        for hook in list(self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                                       f"{result}.")
                args, kwargs = result
        with no_grad():
            out = step(self, *args, **kwargs)
        for hook in list(self._optimizer_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    wrapper._hooked = True
    return wrapper


class Optimizer:
    """Base class: holds ``param_groups``, ``defaults`` and ``state``; subclasses implement ``step``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _hooked_step(step)

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups: list[dict] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for group in self.param_groups:
            for name, default in self.defaults.items():
                group.setdefault(name, default)

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict) -> None:
        """Add a group (e.g. layers to unfreeze) with its own options; missing options take the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):  # (name, parameter) pairs from named_parameters()
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(set(param_group["params"])):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ gradients and steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors: to ``None`` (default) or to zeros."""
        if set_to_none:  # the default, once per step: dropping each gradient needs no per-parameter call
            for group in self.param_groups:
                for param in group["params"]:
                    param._grad = None
            return
        from ..nn.module import _zero_grad_of

        for group in self.param_groups:
            for param in group["params"]:
                _zero_grad_of(param, set_to_none)

    def step(self, closure=None):
        """Perform one optimization step (subclasses implement it)."""
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure):
        """The loss from ``closure`` (which recomputes it, so it runs with grad mode on)."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def register_step_pre_hook(self, hook) -> RemovableHandle:
        """``hook(optimizer, args, kwargs) -> None | (new_args, new_kwargs)`` runs before each ``step``."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs after each ``step``."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self) -> dict:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``.

        Parameters are named by their position across the groups (0, 1, 2, ...), so the dict can be loaded
        into an optimizer built over other parameter objects of the same shapes.
        """
        param_mappings: dict[int, int] = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            param_mappings.update({id(p): i for i, p in enumerate(group["params"], start_index)
                                   if id(p) not in param_mappings})
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load ``state_dict`` (from ``state_dict()``): options of each group, then per-parameter state,
        matched by position and cast to each parameter's dtype and device."""
        state_dict = dict(state_dict)
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            if isinstance(value, Tensor):
                if key == "step":
                    return value  # step counts stay float32 scalars on the CPU
                if param.is_floating_point():
                    return value.to(dtype=param.dtype, device=param.device)
                return value.to(device=param.device)
            if isinstance(value, dict):
                return {k: cast(param, v, key=k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = cast(param, value)
            else:
                state[key] = value

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})


def gradients_of(group: dict):
    """``(param, gradient)`` for each parameter of ``group`` that has a gradient; the gradient is negated when
    the group has ``maximize`` (the update rules then descend on ``-loss``)."""
    for param in group["params"]:
        if param.grad is not None:
            yield param, (-param.grad if group["maximize"] else param.grad)


def array_updates(group: dict, options) -> list | None:
    """``(param, param_array, grad_array)`` for each parameter of ``group`` that has a gradient (negated
    under ``maximize``), for an update written on the arrays themselves (NumPy, CuPy or strict: the caller
    computes with the array's own operators and namespace); or None when the group must take the tensor
    operations: a gradient on another device than its parameter, a non-float parameter or a gradient of
    another dtype, a read-only parameter, an option in ``options`` that is not a Python number (tensor
    operations treat NumPy scalars and tensors by PyTorch's promotion rules, arrays would not), or an update
    that forward AD or a jit trace must see.

    Like PyTorch's foreach implementations this skips the per-op work of tensors; unlike them it does the
    single-tensor operations in their order, so the values are the same to the bit. The caller bumps the
    version counters as the tensor methods would."""
    if not nothing_to_record():
        return None
    for option in options:
        if type(option) is not float and type(option) is not int:
            return None
    maximize = group["maximize"]
    updates = []
    for param in group["params"]:
        grad = param.grad
        if grad is None:
            continue
        array, grad_array = param._array, grad._array
        if type(grad_array) is not type(array) or not is_device_array(array):
            return None
        dtype = array.dtype
        # Equal, not identical: an unpickled array carries its own float32 dtype object, and so do the gradients
        # computed from it. (CuPy's flags have no writeable: its arrays always are.)
        if dtype.kind != "f" or grad_array.dtype != dtype or not getattr(array.flags, "writeable", True):
            return None
        updates.append((param, array, -grad_array if maximize else grad_array))
    return updates


def _no_differentiable(defaults: dict, name: str) -> None:
    """minigrad runs PyTorch's single-tensor update only: refuse the options that select another one."""
    if defaults.get("differentiable"):
        raise NotImplementedError(f"{name}(differentiable=True) is not supported by minigrad")
    if defaults.get("fused"):
        raise NotImplementedError(f"{name}(fused=True) is not supported by minigrad")
    if defaults.get("capturable"):
        raise NotImplementedError(f"{name}(capturable=True) is not supported by minigrad")


# ---------------------------------------------------------------------- in-place arithmetic, ATen's way
def lerp_(tensor: Tensor, end: Tensor, weight: float) -> Tensor:
    """``tensor += weight * (end - tensor)``, with ATen's formula choice so rounding matches PyTorch."""
    if weight < 0.5:
        return tensor.add_((end - tensor) * weight)
    return tensor.copy_(end - (end - tensor) * (1 - weight))


def addcmul_(tensor: Tensor, tensor1: Tensor, tensor2: Tensor, value: float = 1) -> Tensor:
    """``tensor += value * tensor1 * tensor2`` (products in ATen's order)."""
    return tensor.add_(tensor1 * value * tensor2)


def addcdiv_(tensor: Tensor, tensor1: Tensor, tensor2: Tensor, value: float = 1) -> Tensor:
    """``tensor += value * tensor1 / tensor2``."""
    return tensor.add_(tensor1 * value / tensor2)


def scalar_step() -> Tensor:
    """A fresh step counter: a float32 0-d tensor, as PyTorch keeps it."""
    from ..factories import tensor

    return tensor(0.0)
