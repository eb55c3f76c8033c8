"""Files written (and read) safely, in one place for every output of eduwb: atomic writes,
pinned zip dates, regular input files under a size limit, ``$SOURCE_DATE_EPOCH``, and the
refusal to overwrite data. Only the standard library is imported here.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from eduwb.errors import ParameterError

#: Marks the temporary files of :func:`atomic_path` (a rerun removes stale ones).
TMP_MARK = ".tmp-"

# The process umask, read once: temporary files are created 0600 and must end with the
# permissions an ordinary file would have.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; rename it to ``final`` only if the block succeeds,
    so that an interrupted run never leaves a partial file at a final path."""
    from eduwb.errors import os_error

    final = Path(final)
    # Hidden, in the same folder (so the rename is atomic), same suffix (tools check it).
    tmp = final.with_name(f".{final.stem}{TMP_MARK}{os.getpid()}-{threading.get_ident()}{final.suffix}")
    try:
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise os_error(exc, final.parent, "无法创建文件夹 cannot create the folder") from None
        try:
            yield tmp
            if tmp.exists():
                os.chmod(tmp, 0o666 & ~_UMASK)
            os.replace(tmp, final)
        except OSError as exc:  # a read-only or full disk: say where and what, not a traceback
            raise os_error(exc, final) from None
    finally:
        with contextlib.suppress(OSError):  # gone already, or its folder could not be made
            tmp.unlink()


def atomic_write_bytes(final: Path, data: bytes) -> Path:
    with atomic_path(Path(final)) as tmp:
        tmp.write_bytes(data)
    return Path(final)


def atomic_write_text(final: Path, text: str) -> Path:
    return atomic_write_bytes(final, text.encode("utf-8"))


def pin_zip_dates(content: bytes, when: datetime) -> bytes:
    """The same zip (xlsx) with every member dated ``when`` and its document dates set to it
    (they carry the time of saving): the same tables give the same bytes."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl sets "modified" to the time of saving, whatever was asked.
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + iso + rb"\g<3>",
                    body,
                )
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16  # one value for every member, whatever wrote it
            dst.writestr(member, body)
    return out.getvalue()


def source_date_epoch() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ParameterError(f"SOURCE_DATE_EPOCH must be an integer, not {value!r}") from None


def file_time() -> tuple[datetime, bool]:
    """The moment to stamp into a written file (naive UTC) and whether it is fixed.

    Fixed means it comes from ``$SOURCE_DATE_EPOCH``: then the zip dates are pinned too.
    """
    epoch = source_date_epoch()
    if epoch is not None:
        return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None), True
    return datetime.now(UTC).replace(tzinfo=None), False


class FileRefused(ValueError):
    """An input file is not an ordinary file, or is larger than its limit (``str`` says which)."""


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of ``path``, which must be a regular file of at most ``limit`` bytes, else
    :class:`FileRefused` (or FileNotFoundError, OSError).

    The file is opened without blocking and checked on the open descriptor, so a FIFO, a
    device (``/dev/zero``) or a folder is refused at once, and a file that grows while it is
    read is cut at ``limit + 1`` bytes and refused.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:
        raise FileRefused("is a folder, not a file") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileRefused("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused("is not a regular file (a device, pipe or socket)")
        if info.st_size > limit:
            raise FileRefused(f"is {info.st_size:,} bytes, more than the {limit:,} allowed")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)  # to the end, or one byte past the limit
        if len(data) > limit:
            raise FileRefused(f"is more than the {limit:,} bytes allowed")
        return data
    finally:
        os.close(fd)


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name the same file or folder (links resolved, hard links too)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def refuse_overwrite(
    target: str | os.PathLike[str],
    inputs: tuple[str | os.PathLike[str] | None, ...] = (),
    *,
    force: bool = False,
) -> None:
    """A :class:`ParameterError` when ``target`` would overwrite data: one of the command's
    ``inputs`` (or an existing file inside an input folder, or a folder that holds an input)
    always, even with ``force``; any other existing file, or a folder that is not empty,
    unless ``force``. Paths are compared with links resolved (hard links by inode)."""
    target = Path(target)
    resolved = target.resolve()
    for source in (Path(given) for given in inputs if given is not None):
        inside = source.is_dir() and resolved.is_relative_to(source.resolve()) and os.path.lexists(target)
        holds = target.is_dir() and source.resolve().is_relative_to(resolved)  # replacing it removes it
        if (
            (os.path.lexists(target) and _same(target, source))
            or resolved == source.resolve()
            or inside
            or holds
        ):
            raise ParameterError(
                f"{target}: 不能覆盖本次读取的数据 {source}（即使加 --force 也不行） "
                f"(it would overwrite the data this command reads, {source}; refused even with --force)"
            )
    if force or not os.path.lexists(target):
        return
    if target.is_dir() and not target.is_symlink() and not any(target.iterdir()):
        return  # an empty folder
    raise ParameterError(
        f"{target}: 已存在；如确需覆盖，请加 --force "
        f"(already exists: add --force to overwrite it, or choose another name)"
    )
