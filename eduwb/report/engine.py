"""Executing one notebook of a report (papermill) and converting it into a chapter, with an
in-process papermill engine: one warm IPython shell per worker, byte-identical to a kernel."""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from eduwb._files import atomic_path
from eduwb.errors import ParameterError
from eduwb.report.jobs import ChapterOutcome, ReportJob
from eduwb.standards import BUILTIN

ENGINE_NAME = "eduwb-inprocess"
ENGINE_LOCK = threading.Lock()


@contextlib.contextmanager
def few_collections():
    """Fewer garbage collections while a piece runs.

    Layout and plotting allocate millions of short-lived objects; with Python's default
    thresholds the cyclic collector runs thousands of times (≈ 15 % of a report's time).
    Reference counting still frees almost everything at once.
    """
    saved = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


@few_collections()
def execute_chapter(job: ReportJob, index: int) -> ChapterOutcome:
    """Execute one notebook of a report and convert it into a chapter.

    The executed notebook is kept in ``<out>/<county>/<year>/notebooks/`` whether it
    succeeded or not.  Never raises for a notebook's own failure: the outcome says why.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from eduwb.report import layout as pdf

    t0 = time.perf_counter()
    spec = job.notebooks[index]
    final = job.notebooks_dir / f"{spec.stem}.ipynb"
    engine, failure = None, None
    try:
        with atomic_path(final) as tmp, choose_engine() as engine:
            try:
                nb = papermill.execute_notebook(
                    _literal_path(spec.path),
                    _literal_path(tmp),
                    parameters=job.parameters_for(spec),
                    engine_name=engine,
                    kernel_name="python3",
                    progress_bar=False,
                    request_save_on_cell_execute=False,
                )
            except PapermillExecutionError as exc:
                # papermill saved the failing notebook at tmp: it is renamed into place for the analyst.
                failure, nb = exc, nbformat.read(str(tmp), as_version=4)
            nb = without_machine_paths(nb, job, index, final)
            nbformat.write(nb, str(tmp))
        engine = engine or "kernel"
        if failure is not None:
            return ChapterOutcome(
                index, False, time.perf_counter() - t0, reason=_execution_reason(failure, final)
            )
        chapter = pdf.chapter_from_notebook(
            nb, fallback_title=spec.stem, chapter_id=f"ch{index + 1}", lang=job.lang
        )
    except Exception as exc:  # noqa: BLE001 -- anything else fails this report, not the batch
        reason = f"{spec.stem}: {type(exc).__name__}: {exc}"
        return ChapterOutcome(index, False, time.perf_counter() - t0, reason=reason)
    seconds = time.perf_counter() - t0
    return ChapterOutcome(index, True, seconds, chapter.title, chapter.blocks, chapter.tables, engine=engine)


def without_machine_paths(nb: Any, job: ReportJob, index: int, final: Path) -> Any:
    """An executed notebook with the machine's absolute paths (the data, a ``--standard`` file,
    papermill's input and output paths) replaced by how the report shows them (:func:`shown_path`)."""
    import nbformat

    spec = job.notebooks[index]
    meta = nb.metadata.get("papermill")
    if meta is not None:
        meta["input_path"] = Path(spec.path).name
        meta["output_path"] = f"notebooks/{final.name}"
        if "parameters" in meta:
            meta["parameters"] = job.parameters_for(spec, shown=True)
    pairs = {(str(Path(path).resolve()), shown) for path, shown in job.shown} | set(job.shown)
    if job.standard and job.standard_shown and job.standard not in BUILTIN:
        pairs.add((job.standard, job.standard_shown))
    text = json.dumps(nb, ensure_ascii=False)
    for absolute, shown in sorted(pairs, key=lambda pair: (-len(pair[0]), pair)):  # longest first
        # as written, and as papermill writes a parameter ("\\u8fb9…" for non-ASCII characters)
        for old, new in ((absolute, shown), (json.dumps(absolute)[1:-1], json.dumps(shown)[1:-1])):
            text = text.replace(
                json.dumps(old, ensure_ascii=False)[1:-1], json.dumps(new, ensure_ascii=False)[1:-1]
            )
    return nbformat.from_dict(json.loads(text))


def _literal_path(path: str | Path) -> str:
    """A path papermill uses as written: it formats paths with the parameters (``str.format``),
    so a brace in a folder name would pick a parameter or fail ("Missing parameter")."""
    return str(path).replace("{", "{{").replace("}", "}}")


def _execution_reason(exc: Any, kept: Path) -> str:
    lines = [line for line in str(getattr(exc, "evalue", "") or "").strip().splitlines() if line.strip()]
    head = (
        f"{kept.name} failed in cell [{getattr(exc, 'exec_count', None)}]: {getattr(exc, 'ename', 'Error')}"
    )
    return "\n  ".join([head, *lines[:6], f"executed notebook kept: {kept}"])


def warm_up() -> None:
    """Import the heavy machinery of a worker once (papermill, the IPython shell, mistune, Typst
    and its fonts, openpyxl, the dataset loader and the scorecard)."""
    with contextlib.suppress(Exception):
        import openpyxl  # noqa: F401
        import papermill  # noqa: F401

        import eduwb.analysis.scorecard  # noqa: F401
        import eduwb.data.dataset  # noqa: F401
        from eduwb.report import layout as pdf
        from eduwb.report import typeset

        if inprocess_possible():
            with ENGINE_LOCK:
                report_shell()
        pdf.markdown_blocks("# warm-up")  # loads mistune
        typeset.warm_up()


# ---- the in-process papermill engine ---------------------------------------------------------
@contextlib.contextmanager
def choose_engine():
    """Choose the papermill engine for one notebook execution.

    ``EDUWB_REPORT_ENGINE``: ``auto`` (default) uses this process's warm IPython shell when it
    is free and ours, else papermill's kernel engine; ``inprocess`` waits for the shell;
    ``kernel`` always starts a kernel.
    """
    choice = os.environ.get("EDUWB_REPORT_ENGINE", "auto")
    if choice not in ("auto", "inprocess", "kernel"):
        raise ParameterError(f"EDUWB_REPORT_ENGINE must be auto, inprocess or kernel, not {choice!r}")
    if choice == "kernel" or not inprocess_possible():
        yield None
        return
    if not ENGINE_LOCK.acquire(blocking=choice == "inprocess"):
        yield None  # another thread of this process is using the shell: run a kernel instead
        return
    try:
        _register_engine()
        yield ENGINE_NAME
    finally:
        ENGINE_LOCK.release()


def inprocess_possible() -> bool:
    try:
        from IPython.core.interactiveshell import InteractiveShell
    except ImportError:
        return False
    # Inside Jupyter or IPython the singleton shell is the user's: never execute into it.
    return not InteractiveShell.initialized() or hasattr(InteractiveShell.instance(), "eduwb_run")


@functools.cache
def _register_engine() -> None:
    from papermill.engines import Engine, papermill_engines

    class InProcessEngine(Engine):
        """Execute a notebook in this process's IPython shell, in a fresh namespace.

        Outputs (displays, results, streams, errors, inline figures) are recorded as a kernel
        would record them; modules imported by one notebook stay imported for the next.
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> None:
            shell = report_shell()
            _fresh_state(shell)
            cwd = os.getcwd()
            count = 0
            try:
                for index, cell in enumerate(nb_man.nb.cells):
                    nb_man.cell_start(cell, index)
                    if cell.cell_type == "code":
                        cell.outputs = []
                        if cell.source.strip():
                            count += 1
                            cell.execution_count = count
                            if not shell.eduwb_run(cell.source, cell.outputs, count):
                                nb_man.cell_exception(cell, index)
                                nb_man.cell_complete(cell, index)
                                break
                    nb_man.cell_complete(cell, index)
            finally:
                os.chdir(cwd)
                plt = sys.modules.get("matplotlib.pyplot")
                if plt is not None:
                    plt.close("all")  # the namespace is cleared when the next notebook starts

    papermill_engines.register(ENGINE_NAME, InProcessEngine)


@functools.cache
def report_shell() -> Any:
    """The report's IPython shell: displays, results and errors go to the running cell's outputs.

    Why this is long: the shell's display publisher, display hook and shell class subclass
    IPython's, which are imported here, on first use, so that a command that makes no report
    never imports IPython; the three small classes and the shell's configuration are one
    piece, read together.
    """
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    def clean(data: dict[str, Any]) -> dict[str, Any]:
        import base64

        return {
            k: (base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v) for k, v in data.items()
        }

    class _Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):  # noqa: ANN001
            self.shell.eduwb_add(_new_output("display_data", data=clean(data), metadata=metadata or {}))

        def clear_output(self, wait=False):  # noqa: ANN001
            self.shell.eduwb_clear()

    class _DisplayHook(DisplayHook):
        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict, md_dict=None) -> None:  # noqa: ANN001
            self.shell.eduwb_add(
                _new_output(
                    "execute_result",
                    data=clean(format_dict),
                    metadata=md_dict or {},
                    execution_count=self.shell.eduwb_count,
                )
            )

    class _ReportShell(InteractiveShell):
        eduwb_outputs: list[Any] | None = None
        eduwb_count = 0

        def enable_gui(self, gui=None):  # noqa: ANN001 -- no GUI event loop in a report
            pass

        def eduwb_add(self, output: Any) -> None:
            if self.eduwb_outputs is not None:
                self.eduwb_outputs.append(output)

        def eduwb_clear(self) -> None:
            if self.eduwb_outputs is not None:
                self.eduwb_outputs.clear()

        def eduwb_run(self, source: str, outputs: list[Any], count: int) -> bool:
            self.eduwb_outputs, self.eduwb_count = outputs, count
            try:
                with _captured_streams(outputs):
                    result = self.run_cell(source, store_history=False, silent=False)
            finally:
                self.eduwb_outputs = None
            if not result.success and not any(o.output_type == "error" for o in outputs):
                exc = result.error_in_exec or result.error_before_exec
                outputs.append(_new_output("error", ename=type(exc).__name__, evalue=str(exc), traceback=[]))
            return result.success

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"
    # No output cache (Out, _1, …): nothing keeps a notebook's results alive after it, and
    # reset() then has no cache to flush (which costs a full garbage collection).
    config.InteractiveShell.cache_size = 0
    main = sys.modules.get("__main__")
    shell = _ReportShell.instance(config=config, display_pub_class=_Publisher, displayhook_class=_DisplayHook)
    # IPython installs its namespace as sys.modules["__main__"]; the host program keeps its own.
    if main is not None:
        sys.modules["__main__"] = main
    with contextlib.redirect_stdout(io.StringIO()):
        shell.enable_matplotlib("inline")
    shell.eduwb_rc = dict(sys.modules["matplotlib"].rcParams)  # imported by enable_matplotlib
    shell.set_custom_exc((Exception,), _record_error)
    return shell


def _record_error(shell: Any, etype: type, evalue: BaseException, tb: Any, tb_offset: Any = None) -> None:
    """A cell's exception as the notebook's error output, with the traceback a kernel shows."""
    stb = shell.InteractiveTB.structured_traceback(etype, evalue, tb, tb_offset=tb_offset)
    shell.eduwb_add(_new_output("error", ename=etype.__name__, evalue=str(evalue), traceback=list(stb)))


def _fresh_state(shell: Any) -> None:
    """What a new kernel would give the next notebook: empty namespace, no figures, default settings."""
    shell.reset(new_session=False)
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
        # a notebook may have chosen how figures become images (eduwb.present.setup does):
        # the next one starts with the inline backend's own choice, as in a new kernel
        from IPython.core.pylabtools import select_figure_formats
        from matplotlib_inline.backend_inline import InlineBackend

        cfg = InlineBackend.instance()
        select_figure_formats(shell, cfg.figure_formats, **cfg.print_figure_kwargs)
    mpl = sys.modules.get("matplotlib")
    if mpl is not None:
        dict.update(mpl.rcParams, shell.eduwb_rc)
    pd = sys.modules.get("pandas")
    if pd is not None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.reset_option("all")


def _new_output(output_type: str, **fields: Any) -> Any:
    """``nbformat.v4.new_output`` without its schema check of each output: the same node.

    A report records hundreds of outputs and the check was a good part of the engine's own
    time; the notebook is still validated as a whole when it is written.
    """
    from nbformat import NotebookNode

    output = NotebookNode(output_type=output_type)
    output.update(fields)  # nested dicts become nodes, as new_output makes them
    return output


class _RoutedStream(io.TextIOBase):
    """sys.stdout/sys.stderr while a cell runs: this thread's writes become notebook outputs."""

    encoding = "utf-8"  # type: ignore[assignment]  # (isatty: IOBase's False)

    def __init__(self, original: Any, name: str, outputs: list[Any], owner: int):
        self.original, self.name, self.outputs, self.owner = original, name, outputs, owner

    def write(self, text: str) -> int:
        if threading.get_ident() != self.owner:
            return self.original.write(text)
        if not text:
            return 0  # a kernel sends nothing for an empty write (the display hook's separators)
        if (
            self.outputs
            and self.outputs[-1].get("output_type") == "stream"
            and self.outputs[-1].get("name") == self.name
        ):
            self.outputs[-1]["text"] += text
        else:
            self.outputs.append(_new_output("stream", name=self.name, text=text))
        return len(text)

    def flush(self) -> None:
        with contextlib.suppress(Exception):
            self.original.flush()


@contextlib.contextmanager
def _captured_streams(outputs: list[Any]):
    owner = threading.get_ident()
    saved = sys.stdout, sys.stderr
    sys.stdout = _RoutedStream(saved[0], "stdout", outputs, owner)
    sys.stderr = _RoutedStream(saved[1], "stderr", outputs, owner)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
