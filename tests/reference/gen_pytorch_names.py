"""Record the public names of PyTorch's main namespaces into ``minigrad/_pytorch_names.json``.

Run from the repository root with torch installed:

    python tests/reference/gen_pytorch_names.py

minigrad ships that file: when an attribute is missing, ``minigrad._missing_names`` reads it (once, only
then) to say whether PyTorch has the name; ``python docs/build_api.py`` turns it into docs/API.md, the table of
what minigrad has and lacks.
"""
from __future__ import annotations

import json
import os

import torch
import torch.nn.functional

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "..", "..", "minigrad", "_pytorch_names.json")

NAMESPACES = {
    "torch": torch,
    "torch.nn": torch.nn,
    "torch.nn.functional": torch.nn.functional,
    "torch.optim": torch.optim,
    "torch.Tensor": torch.Tensor,
}


def public_names(namespace) -> list:
    return sorted(name for name in dir(namespace) if not name.startswith("_"))


def main():
    names = {"pytorch_version": torch.__version__.split("+")[0]}
    names.update({key: public_names(namespace) for key, namespace in NAMESPACES.items()})
    with open(OUT_PATH, "w") as file:
        json.dump(names, file, indent=0, separators=(",", ":"))
        file.write("\n")
    print(f"wrote {os.path.normpath(OUT_PATH)}: " + ", ".join(f"{k} {len(v)}" for k, v in names.items()
                                                                if isinstance(v, list)))


if __name__ == "__main__":
    main()
