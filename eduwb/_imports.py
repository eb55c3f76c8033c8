"""Import-time settings for the processes that read or execute notebooks (report workers, git's
notebook filter): each saves a second or more of start-up and changes no result."""

from __future__ import annotations

import sys


def skip_iri_grammar() -> None:
    """Import jsonschema without the IRI grammar it would build, in a process making reports.

    nbformat (papermill's notebooks) validates with jsonschema, whose format checker imports
    ``rfc3987_syntax`` when installed (JupyterLab's event schemas want it): that import
    builds a parser for the IRI grammar, ≈ 1.1 s of every process's start.  Notebook
    validation checks no ``iri`` format.  Nothing changes once jsonschema is imported, and
    the module stays importable by whoever asks for it later.
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # import fails: format skipped
    try:
        import jsonschema  # noqa: F401 -- its format checkers are made on import
    except Exception:  # noqa: BLE001, S110 -- whatever happens here, papermill says it later
        pass
    finally:
        if "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None:
            del sys.modules["rfc3987_syntax"]
