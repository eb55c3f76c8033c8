"""Shared fixtures and the golden-file mechanism.

Golden backtests compare tables computed on ``data/sample`` with committed CSVs under
``tests/golden/``. After an intended change, rewrite them with ``pytest --update-golden``
and review the diff like any other code change.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
GOLDEN = Path(__file__).parent / "golden"
TINY = Path(__file__).parent / "fixtures" / "tiny"


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/*.csv from data/sample"
    )


def pytest_collection_modifyitems(config, items):
    """Tiers by file: golden backtests and end-to-end tests carry their marker, so that
    ``make quick`` (``-m "not slow and not golden and not e2e"``) runs the unit tests alone."""
    for item in items:
        name = item.path.name
        if name.startswith("test_golden_"):
            item.add_marker(pytest.mark.golden)
        if name.endswith("_e2e.py"):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item (``item.rep_call``): the browser tests' fixtures take a
    screenshot when the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def sample_dataset():
    from eduwb.data.dataset import load

    if not (SAMPLE / "schools.csv").exists():
        pytest.skip("data/sample not generated yet")
    return load(SAMPLE)


@pytest.fixture(scope="session")
def standard():
    from eduwb.standards import load_standard

    return load_standard("moe-2017")


@pytest.fixture
def golden(request):
    """``golden(name, df)``: compare ``df`` with tests/golden/NAME.csv (or rewrite it)."""
    update = request.config.getoption("--update-golden")

    def check(name: str, df: pd.DataFrame) -> None:
        path = GOLDEN / f"{name}.csv"
        if update or not path.exists():
            if not update:
                pytest.fail(f"no golden file {path.name}; run pytest --update-golden and review it")
            path.parent.mkdir(parents=True, exist_ok=True)
            df.to_csv(path, index=False, lineterminator="\n")
            return
        expected = pd.read_csv(path, keep_default_na=True)
        actual = pd.read_csv(__import__("io").StringIO(df.to_csv(index=False, lineterminator="\n")))
        pd.testing.assert_frame_equal(actual, expected, check_exact=False, rtol=1e-9, atol=1e-12)

    return check
