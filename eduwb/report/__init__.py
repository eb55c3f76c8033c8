"""Annual reports in batch: every notebook, for every county and year, into one PDF and one workbook.

``eduwb report DATA... [--years A-B] [--out reports/] [--workers N] [--lang zh|en]`` runs
:func:`~eduwb.report.command.report_command`.  For each county × year it

1. loads and validates the dataset (a :class:`~eduwb.errors.DataError` fails that county);
2. executes every notebook with papermill (parameters checked against
   ``papermill.inspect_notebook``; ``interactive=False``), keeping the executed notebooks in
   ``<out>/<county>/<year>/notebooks/`` for audit, also when one fails;
3. turns each into a document model, without code (:mod:`eduwb.report.layout`), and typesets cover,
   contents, chapters and appendix as ONE Typst document (:mod:`eduwb.report.typeset`):
   ``<county>_<year>_优质均衡监测报告.pdf`` (``_quality_balance_report.pdf`` in English);
4. writes every table the notebooks displayed to ``<county>_<year>_tables.xlsx``
   (:mod:`eduwb.report.workbook`);
5. records the fingerprint of its inputs in ``report.json``; a rerun skips reports whose
   fingerprint still matches, so an interrupted batch resumes where it stopped.

Every file is written under a temporary name in its final directory and renamed when complete
(:mod:`eduwb._files`): an interrupted run never leaves a truncated file at a final path.

The modules, in the order a run meets them:

- :mod:`~eduwb.report.command`: the command, its options, the notebooks' parameters, the summary;
- :mod:`~eduwb.report.jobs`: what a run is made of (options, jobs and their fingerprints), planned
  from each county as it is read;
- :mod:`~eduwb.report.workers`: a standard process pool (whose workers die with the command)
  or a Dask cluster, and the order the pieces run in;
- :mod:`~eduwb.report.engine`: one chapter's execution, with the in-process papermill engine
  (one warm IPython shell per worker, byte-identical to a kernel);
- :mod:`~eduwb.report.context`: one report from its chapters (cover, appendix, PDF, workbook);
  :mod:`~eduwb.report.layout`, :mod:`~eduwb.report.blocks`, :mod:`~eduwb.report.typeset`,
  :mod:`~eduwb.report.workbook`: notebooks → a document model → PDF, and the
  Excel workbook.

Work is split finer than county × year: the notebooks of one report run in parallel and the
PDF is laid out when all are done, so a single report uses every worker and a batch keeps
them all busy to the end.  A worker process that dies (killed, out of memory) costs only the
report it was working on.  Heavy imports (papermill, mistune, typst, dask) are made
inside functions.
"""

from __future__ import annotations

from eduwb.report.command import report_command

__all__ = ["report_command"]
