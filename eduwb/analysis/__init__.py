"""The analyses: DataFrames in, DataFrames out — no language, no files, no charts."""
