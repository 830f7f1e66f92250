"""What every widget view shares: finding ipywidgets and the kernel, PNG images, and how a view shows itself.

Views change only from the kernel side: new PNG bytes on a ``widgets.Image``, new HTML on a ``widgets.HTML``.
Nothing is printed into an ``Output`` widget with ``with out:``; such output reaches the widget only through a
browser page, so saved notebooks and nbval would see it in the cell instead.
"""
from __future__ import annotations

import base64
import html
import weakref

from ..viz.draw import DPI, SCREEN_DPI, figure_png

INSTALL_HINT = 'minigrad.widgets needs ipywidgets 8 and IPython: pip install "minigrad[widgets]"'


def ipywidgets():
    """The ipywidgets module, or an ImportError that says how to install it."""
    try:
        import ipywidgets as widgets
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(INSTALL_HINT) from error
    return widgets


def have_ipywidgets() -> bool:
    """Whether ipywidgets can be imported (without it the training dashboard prints text)."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def ipython_shell():
    """The running IPython shell, or None (plain Python, or IPython not installed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def in_kernel() -> bool:
    """True inside a Jupyter kernel, where widgets can be shown (not in a terminal IPython or plain Python)."""
    shell = ipython_shell()
    return shell is not None and getattr(shell, "kernel", None) is not None


def escape(text) -> str:
    """``text`` safe to put inside HTML."""
    return html.escape(str(text), quote=False)


def png_width(png: bytes) -> str:
    """CSS width of a PNG rendered at ``DPI``, read from its header."""
    width = int.from_bytes(png[16:20], "big")
    return f"{round(width * SCREEN_DPI / DPI)}px"


def new_image(png: bytes | None = None):
    """An ``ipywidgets.Image`` showing ``png`` (empty when None)."""
    widgets = ipywidgets()
    image = widgets.Image(format="png")
    if png:
        set_image(image, png)
    return image


def set_image(image, png: bytes) -> None:
    """Swap the picture in place: the browser replaces the image without clearing the output (no flicker)."""
    image.layout.width = png_width(png)
    image.value = png


class WidgetView:
    """Base of the public widget classes: ``.widget`` is the ipywidgets tree, ``.state`` the plain state.

    In Jupyter the object shows the live widget; notebook viewers without a kernel (GitHub, nbviewer, an
    untrusted notebook, nbval) show the PNG snapshot stored beside it in the same output. The snapshot follows
    the widget: after every cell that changed the picture (a training loop, a backward pass that fired hooks),
    the stored picture is replaced (``update_display_data``), so a saved notebook shows the last state.
    """

    widget = None

    def snapshot_png(self) -> bytes | None:
        """The picture a viewer without a kernel shows; None for none."""
        return None

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = repr(self)
        metadata = {}
        png = self.snapshot_png()
        if png:
            bundle["image/png"] = base64.b64encode(png).decode("ascii")
            metadata["image/png"] = {"width": int(png_width(png)[:-2])}
        return bundle, metadata

    def _ipython_display_(self):
        """Display with a display id, so that the stored snapshot can be replaced after later cells."""
        from IPython.display import display

        bundle, metadata = self._repr_mimebundle_()
        handle = display(bundle, metadata=metadata, raw=True, display_id=True)
        if handle is None or self.widget is None:
            return
        self.__dict__.setdefault("_display_handles", []).append(handle)
        self._shown_png = bundle.get("image/png")
        self._shown_text = bundle["text/plain"]
        _follow_cells(self)

    def refresh_snapshot(self) -> bool:
        """Replace the stored snapshot of every place this widget is shown, if its picture changed.

        Called after each notebook cell; call it yourself after changing a widget from a thread or a callback.
        """
        handles = self.__dict__.get("_display_handles")
        if not handles:
            return False
        bundle, metadata = self._repr_mimebundle_()
        if bundle.get("image/png") == self._shown_png:
            return False
        self._shown_png = bundle.get("image/png")
        # The text stays what it was when shown: nbval compares text with the stored notebook but ignores
        # update_display_data, so a text that followed the widget would differ from the stored one.
        bundle["text/plain"] = self._shown_text
        for handle in handles:
            handle.update(bundle, metadata=metadata, raw=True)
        return True


_shown_views: "weakref.WeakSet[WidgetView]" = weakref.WeakSet()  # views displayed with a display id
_registered_shells: "weakref.WeakSet" = weakref.WeakSet()


def _follow_cells(view: WidgetView) -> None:
    """Refresh ``view``'s snapshot after every cell, without keeping it alive (one callback per shell)."""
    _shown_views.add(view)
    shell = ipython_shell()
    if shell is None or shell in _registered_shells or not hasattr(shell, "events"):
        return
    shell.events.register("post_run_cell", _refresh_shown_views)
    _registered_shells.add(shell)


def _refresh_shown_views(result=None) -> None:
    for view in list(_shown_views):
        view.refresh_snapshot()
