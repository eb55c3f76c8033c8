"""Issue #25: ``scripts/serve.py`` keeps the token off the servers' command lines.

Any local user can read ``/proc/PID/cmdline`` of any process; the token lets whoever holds it
run code as the analyst. The servers are started as ``make lab`` and ``make dashboard`` start
them (``tests/test_browser.py`` does the same, with a browser), then the command line of every
process they started is read: the token is in none of them, yet it opens the server, and
Voilà, like JupyterLab, answers no request whose ``Host`` is another machine.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_browser import _stop

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc"),
]

ROOT = Path(__file__).resolve().parents[1]


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def _request(url: str, host: str | None = None, data: bytes | None = None) -> int:
    req = urllib.request.Request(url, data=data, headers={"Host": host} if host else {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def served(tmp_path):
    """Start ``serve.py KIND``; yield (process, URL, server address); stop it."""
    token = secrets.token_hex(24)
    env = {
        **os.environ,
        "EDUWB_TOKEN": token,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    procs = []

    def start(kind: str, *args: str):
        log = (tmp_path / f"{kind}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "serve.py"), kind, *args],
            stdout=subprocess.PIPE, stderr=log, env=env, text=True, start_new_session=True,
        )  # fmt: skip
        procs.append(proc)
        url = proc.stdout.readline().strip().removeprefix("URL: ")
        base = url.split("/lab?")[0].split("/?")[0]
        host, port = base.split("//")[1].split(":")
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection((host, int(port)), timeout=2):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (
                    tmp_path / f"{kind}.log"
                ).read_text()
                time.sleep(0.3)
        return proc, url, base, token

    yield start
    for proc in procs:
        _stop(proc)


def _cmdlines(pid: int) -> list[str]:
    lines = []
    for p in _descendants(pid):
        try:
            lines.append(Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            pass
    return lines


def test_jupyterlab_token_is_not_on_any_command_line(served, tmp_path):
    (tmp_path / "nb").mkdir()
    proc, url, base, token = served("lab", "--root", str(tmp_path / "nb"))
    assert url == f"{base}/lab?token={token}"  # printed once, in the URL
    lines = _cmdlines(proc.pid)
    assert any("jupyter" in line and "lab" in line for line in lines), lines
    assert not [line for line in lines if token in line]
    assert _request(f"{base}/api/status?token={token}") == 200  # the token opens it
    assert _request(f"{base}/api/status") == 403
    assert _request(f"{base}/api/status?token={token}", host="attacker.example") == 403


def test_voila_token_is_not_on_any_command_line_and_voila_checks_host(served, tmp_path):
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', encoding="utf-8")
    proc, url, base, token = served("dashboard", "--notebook", str(notebook))
    assert url == f"{base}/?token={token}"
    lines = _cmdlines(proc.pid)
    assert any("voila" in line for line in lines), lines
    assert not [line for line in lines if token in line]
    # without the token: to the login page; with it from another Host: refused
    assert _request(f"{base}/") in (302, 403)
    assert _request(f"{base}/?token={token}", host="attacker.example") == 403
    assert _request(f"{base}/?token={token}") == 200  # the token opens it
