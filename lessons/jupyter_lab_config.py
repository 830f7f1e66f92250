"""JupyterLab settings for the lessons; the README's command passes this file with ``--config``.

JupyterLab refuses to start as root ("Running as root is not recommended. Use --allow-root to bypass."),
because a notebook server runs whatever code its pages send with the rights of the user who started it.
Containers, Binder-like images and many cloud machines only have root, and there the lessons would not open.
So ``--allow-root`` is switched on exactly when this process runs as root, and nowhere else: a normal user keeps
JupyterLab's protection. The server still listens on localhost only and asks for its token, as by default.
"""
import os


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0  # Windows has no root user and no geteuid


c = get_config()  # noqa: F821 - defined by Jupyter when it reads this file
c.ServerApp.allow_root = running_as_root()
