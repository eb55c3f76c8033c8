"""What the report does to be fast must not change what it computes or prints."""

from __future__ import annotations

import dataclasses
import pickle

from eduwb.analysis import resources
from eduwb.data.dataset import load
from eduwb.standards import load_standard


def test_section_values_are_computed_once_per_load_and_given_as_copies():
    ds = load("data/sample")
    std = load_standard(ds.settings.standard)
    first = resources.section_values(ds, std, years=[2025])
    first.iloc[0, first.columns.get_loc("students")] = -1  # the caller's copy
    again = load("data/sample")  # another copy of the same files shares the results
    assert again.memo is ds.memo
    second = resources.section_values(again, std, years=[2025])
    assert second["students"].iloc[0] != -1
    assert len([k for k in ds.memo.results if k[0] == "section_values"]) >= 1
    # a dataset with another table computes its own, and does not keep it
    fewer = dataclasses.replace(again, sections=again.sections[again.sections["school_id"] != "4299990001"])
    assert not fewer.memo.holds(fewer)
    assert "4299990001" not in set(resources.section_values(fewer, std, years=[2025])["school_id"])
    assert "4299990001" in set(resources.section_values(again, std, years=[2025])["school_id"])
    # a pickled dataset (sent to a worker) starts with no results
    assert pickle.loads(pickle.dumps(again)).memo.results == {}
