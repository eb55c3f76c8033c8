"""Start the project's JupyterLab or Voilà dashboard on 127.0.0.1 and print its URL with the token.

    python scripts/serve.py lab [--port N] [--root notebooks]
    python scripts/serve.py dashboard [--port N] [--notebook notebooks/dashboard.ipynb]
    python scripts/serve.py lab -- --LabApp.expose_app_in_browser=True   # more server options after --

A free port is chosen unless one is given; the token is random unless ``EDUWB_TOKEN`` is set.
The token reaches the server in its environment (``JUPYTER_TOKEN``, readable only by the same
user), never on its command line, which any local user can read in ``/proc/PID/cmdline``; it
is printed once, in the URL. Voilà is configured by ``scripts/jupyter/voila.json`` to take that
token and, like JupyterLab, to answer only requests whose ``Host`` is this machine (no DNS
rebinding). As root (a container, CI) JupyterLab needs ``--allow-root``, which is passed then.
The server runs in the foreground until Ctrl-C; the first line printed is
``URL: http://127.0.0.1:…``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def voila_config_paths() -> list[str]:
    """Where Voilà reads ``voila.json``: the project's first, then its usual places."""
    from jupyter_core.paths import jupyter_config_path

    return [str(ROOT / "scripts" / "jupyter"), os.getcwd(), *jupyter_config_path()]


def command(kind: str, port: int, token: str, target: Path) -> tuple[list[str], str]:
    """The server's command line (without the token) and the URL a person opens (with it)."""
    if kind == "lab":
        cmd = [
            str(BIN / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={target}",
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        return cmd, f"http://127.0.0.1:{port}/lab?token={token}"
    cmd = [
        str(BIN / "voila"), str(target), "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}",
        *(f"--Voila.config_file_paths={path}" for path in voila_config_paths()),
    ]  # fmt: skip
    return cmd, f"http://127.0.0.1:{port}/?token={token}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["lab", "dashboard"])
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--root", default=str(ROOT / "notebooks"), help="JupyterLab's folder")
    parser.add_argument(
        "--notebook", default=str(ROOT / "notebooks" / "dashboard.ipynb"), help="the dashboard notebook"
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    args = parser.parse_args(argv)
    port = args.port or free_port()
    token = os.environ.get("EDUWB_TOKEN") or secrets.token_hex(24)
    target = Path(args.root if args.kind == "lab" else args.notebook).resolve()
    cmd, url = command(args.kind, port, token, target)
    cmd += extra
    print(f"URL: {url}", flush=True)
    env = {**os.environ, "JUPYTER_TOKEN": token}
    env.pop("JUPYTER_TOKEN_FILE", None)
    os.execve(cmd[0], cmd, env)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
