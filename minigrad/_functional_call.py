"""``functional_call`` and ``stack_module_state``: a module as a function of its parameters (``torch.func``).

    functional_call(model, {"weight": w, "bias": b}, (x,))   # model(x) computed with w and b in place of
                                                             # model.weight and model.bias; the model is unchanged
    params, buffers = stack_module_state(models)            # each model's parameters stacked along a new dim 0

Together with ``vmap`` they run an ensemble of models in one batched call, or give per-example gradients with
respect to a model's parameters (``grad`` of a ``functional_call``).
"""
from __future__ import annotations

__all__ = ["functional_call", "stack_module_state"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True,
                    strict=False):
    """``module(*args, **kwargs)`` with the named tensors put in place of its parameters and buffers.

    ``parameter_and_buffer_dicts`` is a dict (or a tuple / list of dicts) from full names (``'0.weight'``)
    to tensors; names it lacks keep the module's own tensors (``strict=True`` refuses that). With
    ``tie_weights`` one tensor given for a parameter shared under several names replaces it under all of them.
    The module's own tensors are put back afterwards, also when the call raises.
    """
    tensors = _merged(parameter_and_buffer_dicts)
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    if tie_weights:
        tensors = _with_tied_names(module, tensors)
    if strict:
        _check_keys(module, tensors)
    swapped = [_swap(module, name, tensor) for name, tensor in tensors.items()]
    try:
        return module(*args, **kwargs)
    finally:
        for restore in reversed(swapped):
            restore()


def _merged(dicts) -> dict:
    """One dict from a dict or a tuple / list of dicts, refusing a name given twice (PyTorch's words)."""
    if isinstance(dicts, dict):
        return dict(dicts)
    if not isinstance(dicts, (list, tuple)):
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(dicts)}")
    merged, repeated = {}, []
    for one in dicts:
        for name, tensor in one.items():
            if name in merged:
                repeated.append(name)
            merged[name] = tensor
    if repeated:
        raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
    return merged


def _all_named_tensors(module) -> list:
    """Every ``(name, tensor)`` of the module's parameters and buffers, shared ones under each of their names."""
    return (list(module.named_parameters(remove_duplicate=False))
            + list(module.named_buffers(remove_duplicate=False)))


def _with_tied_names(module, tensors: dict) -> dict:
    """``tensors`` extended to every name of a tied (shared) parameter or buffer that one of its names got."""
    names_of = {}  # id(tensor) -> its names, in order
    for name, tensor in _all_named_tensors(module):
        names_of.setdefault(id(tensor), []).append(name)
    result = dict(tensors)
    for names in names_of.values():
        given = [name for name in names if name in tensors]
        if len(names) < 2 or not given:
            continue
        values = {id(tensors[name]) for name in given}
        if len(values) > 1:
            raise ValueError(f"functional_call got multiple values for keys {given}, which are tied. Consider "
                             "using tie_weights=False")
        for name in names:
            result[name] = tensors[given[0]]
    return result


def _check_keys(module, tensors: dict) -> None:
    """strict=True: every parameter and buffer named, and no other name (PyTorch's message)."""
    known = [name for name, _ in _all_named_tensors(module)]
    unexpected = [name for name in tensors if name not in known]
    missing = [name for name in known if name not in tensors]
    problems = []
    if unexpected:
        problems.append("Unexpected key(s): " + ", ".join(f"'{name}'" for name in unexpected) + ".")
    if missing:
        problems.append("Missing key(s): " + ", ".join(f"'{name}'" for name in missing) + ".")
    if problems:
        raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t" + "\n\t".join(problems))


def _swap(module, name: str, tensor):
    """Put ``tensor`` under the full ``name`` and return what puts the old entry back.

    The tensor goes straight into the owning module's ``_parameters`` / ``_buffers`` table (a plain tensor is
    no Parameter, and ``__setattr__`` would refuse it there); a name the module does not have becomes a
    plain attribute for the duration of the call, as in PyTorch.
    """
    *path, attribute = name.split(".")
    owner = module.get_submodule(".".join(path)) if path else module
    for table in (owner._parameters, owner._buffers):
        if attribute in table:
            old = table[attribute]
            table[attribute] = tensor

            def restore(table=table, old=old):
                table[attribute] = old

            return restore
    missing = object()
    old = owner.__dict__.get(attribute, missing)
    object.__setattr__(owner, attribute, tensor)

    def restore_attribute():
        if old is missing:
            object.__delattr__(owner, attribute)
        else:
            object.__setattr__(owner, attribute, old)

    return restore_attribute


def stack_module_state(models) -> tuple:
    """``(params, buffers)``: dicts from each name to the models' tensors stacked along a new dim 0.

    The stacked parameters are new leaves that require grad (when the models' parameters do), ready for
    ``vmap(functional_call)`` over an ensemble; buffers are stacked without grad.
    """
    from ._functions import stack

    models = list(models)
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    per_model_params = [dict(m.named_parameters()) for m in models]
    per_model_buffers = [dict(m.named_buffers()) for m in models]
    params = {}
    for name in per_model_params[0]:
        tensors = [model_params[name] for model_params in per_model_params]
        params[name] = _stacked_leaf(stack, tensors, name)
    buffers = {name: stack([model_buffers[name] for model_buffers in per_model_buffers]).detach()
               for name in per_model_buffers[0]}
    return params, buffers


def _stacked_leaf(stack, tensors, name):
    requires_grad = [t.requires_grad for t in tensors]
    if any(requires_grad) and not all(requires_grad):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    result = stack([t.detach() for t in tensors])
    return result.requires_grad_() if all(requires_grad) else result
