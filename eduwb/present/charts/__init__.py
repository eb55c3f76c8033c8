"""Charts: each function takes tidy DataFrames (and ``lang``) and returns a matplotlib Figure.

One module per concern (``resources``, ``classsize``, ``rotation``, ``scorecard``); nothing
here computes an indicator. Call :func:`eduwb.present.setup` first for the CJK font.
"""
