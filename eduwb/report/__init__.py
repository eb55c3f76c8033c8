"""Annual reports in batch: every notebook, for every county and year, into one PDF and one workbook.

``eduwb report DATA...`` (:func:`~eduwb.report.command.report_command`), for each county × year:
loads and validates the dataset (a :class:`~eduwb.errors.DataError` fails that county); executes
every notebook with papermill, keeping the executed notebooks in ``<out>/<county>/<year>/notebooks/``
for audit, also when one fails; turns each into a document model, without code, and typesets
cover, contents, chapters and appendix as ONE Typst document; writes every table the notebooks
displayed to ``<county>_<year>_tables.xlsx``; records the fingerprint of its inputs in
``report.json``, so that a rerun skips reports still up to date and an interrupted batch resumes.
Every file is written under a temporary name and renamed when complete (:mod:`eduwb._files`).

The modules, in the order a run meets them: ``command`` (options, the notebooks' parameters, the
summary), ``jobs`` (what a run is made of, with fingerprints), ``workers`` (a process pool or a
Dask cluster, and the order the pieces run in), ``engine`` (one chapter's execution in a warm
in-process IPython shell), ``context`` (one report from its chapters, and its Excel workbook),
then ``layout``, ``colwidths`` and ``typeset`` (notebooks → document model → PDF).

Work is split finer than county × year: the notebooks of one report run in parallel and the PDF
is laid out when all are done, so a single report uses every worker. A worker process that dies
(killed, out of memory) costs only the report it was working on. Heavy imports (papermill,
mistune, typst, dask) are made inside functions.
"""

from __future__ import annotations

from eduwb.report.command import report_command

__all__ = ["report_command"]
