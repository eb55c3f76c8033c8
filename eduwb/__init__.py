"""eduwb: an analytical workbook for county compulsory-education quality balance (优质均衡).

The top-level package stays light (``import eduwb`` must be fast); heavy modules load on
first use: ``eduwb.load`` is ``eduwb.data.dataset.load``, ``eduwb.load_standard`` is
``eduwb.standards.load_standard``.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load", "load_standard"]


def __getattr__(name: str):
    if name == "load":
        from eduwb.data.dataset import load

        return load
    if name == "load_standard":
        from eduwb.standards import load_standard

        return load_standard
    raise AttributeError(f"module 'eduwb' has no attribute {name!r}")
