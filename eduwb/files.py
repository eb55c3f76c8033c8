"""Writing files safely and reproducibly, for every layer that writes one.

* :func:`write_atomically` writes under a temporary name in the target's folder and renames
  it into place, so an interrupted run never leaves a truncated file at the final path;
* :func:`source_date_epoch` and :func:`file_time` give the moment to stamp into a file:
  ``$SOURCE_DATE_EPOCH`` when set (reproducible builds), else now;
* :func:`restamp_zip` rewrites the dates openpyxl stamps into an ``.xlsx`` (every zip entry
  and ``docProps/core.xml``'s ``modified``), so the same content gives the same bytes.

Only the standard library is imported here.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from eduwb.errors import ParameterError


def source_date_epoch() -> int | None:
    """``$SOURCE_DATE_EPOCH`` as an int, or None."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ParameterError(f"SOURCE_DATE_EPOCH must be an integer, not {value!r}") from None


def file_time() -> tuple[datetime, bool]:
    """The moment to stamp into a written file (naive UTC) and whether it is fixed.

    Fixed means it comes from ``$SOURCE_DATE_EPOCH``: then the zip dates are restamped too.
    """
    epoch = source_date_epoch()
    if epoch is not None:
        return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None), True
    return datetime.now(UTC).replace(tzinfo=None), False


def restamp_zip(content: bytes, when: datetime) -> bytes:
    """The zip (an ``.xlsx``) with every member dated ``when`` and ``docProps/core.xml``'s
    ``modified`` set to it: openpyxl stamps the time of saving, whatever it was asked."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + iso.encode() + rb"\g<2>", body
                )
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            dst.writestr(member, body)
    return out.getvalue()


def write_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from the colleagues it is for
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
