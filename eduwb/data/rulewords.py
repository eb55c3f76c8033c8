"""The Chinese words of every data rule: one catalogue, English rule template → Chinese.

A :class:`~eduwb.errors.Problem` keeps its ``rule`` in English (the stable text tests match);
:func:`zh` finds its template in :data:`RULES` and fills the Chinese with the same ``{name}``
parts (``{rule}`` is translated in turn, ``{hint}`` is a standard's hint, see :func:`know_hint`;
a name used twice must be the same text). A rule without an entry prints in English only, and
``tests/test_rulewords.py`` fails: add the English exactly as the code writes it.
"""

# ruff: noqa: E501  (one rule a line: the catalogue reads as a two-column table)
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Severity words, Chinese.
SEVERITY = {"error": "错误", "warning": "警告"}

# fmt: off
#: English rule template → Chinese rule template (``{name}`` parts carried over as they are).
RULES: dict[str, str] = {
    # --- lists cut short (eduwb/errors.py)
    "{rule} — and {n} more like this, not listed": "{rule}——另有 {n} 处同类问题，未列出",
    "stopped listing after {total} problems: {left} more not listed; fix these and validate again":
        "列出 {total} 个问题后停止：另有 {left} 个未列出；请先改正这些，再重新校验",
    # --- files and folders (eduwb/data/dataset.py, eduwb/_files.py)
    "no such folder or workbook": "没有这个文件夹或工作簿",
    "must be a county folder of CSV files or an .xlsx workbook": "必须是存放 CSV 文件的县文件夹或 .xlsx 工作簿",
    "file not found": "文件不存在",
    "file is empty": "文件为空",
    "file is a folder, not a file": "是文件夹，不是文件",
    "file is not a regular file (a device, pipe or socket)": "不是普通文件（是设备、管道或套接字）",
    "file is {size} bytes, more than the {limit} allowed": "文件有 {size} 字节，超过允许的 {limit} 字节",
    "file is more than the {limit} bytes allowed": "文件超过允许的 {limit} 字节",
    "cannot be read: {why}": "无法读取：{why}",
    "required file missing from {path}": "{path} 中缺少这个必需的文件",
    "required sheet '{name}' ({zh}) missing": "缺少必需的工作表“{name}”（{zh}）",
    "sheet is empty": "工作表为空",
    "one table, two files: '{a}' and '{b}' are both {name} ({zh}); keep one":
        "一张表，两个文件：“{a}”和“{b}”都是{zh}（{name}）；只保留一个",
    "one table, two sheets: '{a}' and '{b}' are both {name} ({zh}); keep one":
        "一张表，两个工作表：“{a}”和“{b}”都是{zh}（{name}）；只保留一个",
    "no data rows: {name} ({zh}) is required": "没有数据行：{name}（{zh}）是必需的",
    # --- CSV text
    "is UTF-16 (Excel's 'Unicode text'), not UTF-8 or GB18030/GBK; save it as 'CSV UTF-8'":
        "是 UTF-16 编码（Excel 的“Unicode 文本”），不是 UTF-8 或 GB18030/GBK；请另存为“CSV UTF-8”",
    "cannot be decoded as UTF-8 (byte {n}) or GB18030/GBK; save it as UTF-8 CSV":
        "无法按 UTF-8（第 {n} 字节）或 GB18030/GBK 解码；请另存为 UTF-8 CSV",
    "not a readable CSV file: header: {why}": "不是可读的 CSV 文件：表头：{why}",
    "not a readable CSV file: {why}": "不是可读的 CSV 文件：{why}",
    "the header has more than {n} columns": "表头超过 {n} 列",
    "more than {n} data rows; split the file or check what wrote it": "数据行超过 {n} 行；请拆分文件，或检查生成它的程序",
    "a header is longer than {n} characters": "有列名超过 {n} 个字符",
    # --- headers
    "column '{name}' appears twice": "“{name}”列出现两次",
    "column '{name}' appears twice (also as '{other}')": "“{name}”列出现两次（另一处写作“{other}”）",
    "required column '{name}' ({zh}) is missing": "缺少必需的列“{name}”（{zh}）",
    "required column '{name}' ({zh}) is missing; found '{found}' — a typo?":
        "缺少必需的列“{name}”（{zh}）；找到“{found}”——是否写错？",
    # --- cells
    "a value is required": "必须填写",
    "is longer than {n} characters": "超过 {n} 个字符",
    "must not contain control characters or invisible formatting characters": "不得包含控制字符或不可见的格式字符",
    "must be yes/no (是/否, true/false, 1/0)": "必须是 是/否（是/否、true/false、1/0）",
    "must be one of: {allowed}": "必须是以下之一：{allowed}",
    "must be a whole number": "必须是整数",
    "must be a number": "必须是数字",
    "must be at most {n}": "不得超过 {n}",
    "must be ≥ {n}": "必须 ≥ {n}",
    "must be > {n}": "必须 > {n}",
    "duplicate {key}: must be unique": "{key} 重复：必须唯一",
    # --- rules across columns and tables
    "must not exceed {other} ({zh})": "不得超过{zh}（{other}）",
    "must not exceed {other} ({zh}), which includes it": "不得超过{zh}（{other}），后者包含它",
    "must be below entrants_3y_ago": "必须小于三年前的入学人数（entrants_3y_ago）",
    "school id not found in schools": "学校代码不在学校表（schools）中",
    "stage does not fit the school's kind": "学段与学校的办学类型不符",
    "a teaching point needs the id of its parent school": "教学点须填写所属学校的代码",
    "parent school id not found in schools": "所属学校的代码不在学校表（schools）中",
    "a school cannot be its own parent": "学校不能是自己的所属学校",
    "required when {rooms} > 0": "{rooms} > 0 时必须填写",
    "this school × year also has a whole-school row; give one or the other":
        "这所学校这一年另有一行全校数据；两者只填其一",
    "grade must be {bounds} (1–6 小学, 7–9 初中)": "年级必须为 {bounds}（1–6 小学，7–9 初中）",
    "grade does not fit the school's stages": "年级与学校的学段不符",
    "must differ from from_school": "必须与调出学校（from_school）不同",
    "teacher not found in teachers for this year or the year before": "教师表（teachers）中本年和上一年都没有这名教师",
    "rotations need the teachers table, which is missing": "交流轮岗（rotations）需要教师表（teachers），但没有教师表",
    "not an indicator or veto id of the standard": "不是标准中的指标或否决项编号",
    "a percentage must not exceed 100%": "百分比不得超过 100%",
    "a percentage must not be negative": "百分比不得为负",
    "must be a number, a percentage or 是/否": "必须是数字、百分比或 是/否",
    "class rows (classes) do not add up to this total": "班级表（classes）各行合计与此数不符",
    "number of class rows (classes) differs from this total": "班级表（classes）的行数与此数不符",
    "no class rows for this school section": "班级表（classes）中没有这个学校学段的行",
    "teacher rows (teachers) do not add up to this total": "教师表（teachers）的行数与此数不符",
    "implausible {id} {name} (plausible {span} {unit}): {hint}": "{id} {name} 不合常理（合理范围 {span} {unit}）：{hint}",
    "implausible {id} {name} (plausible {span} {unit})": "{id} {name} 不合常理（合理范围 {span} {unit}）",
    # --- county.toml
    "not valid TOML: nested too deeply": "不是有效的 TOML：嵌套过深",
    "not valid TOML: {why}": "不是有效的 TOML：{why}",
    "unknown setting; known: {known}": "未知的设置项；可用的有：{known}",
    "must be text: the county's name in quotes": "必须是文本：用引号括起的县名",
    "must not be empty": "不得为空",
    "must be a 6-digit administrative code": "必须是 6 位行政区划代码",
    "must be a standard id (moe-2017) or the path of a standard file": "必须是标准编号（moe-2017）或标准文件的路径",
    "must be true or false": "必须是 true 或 false",
    "must be a table ([{section}])": "必须是一个表（[{section}]）",
    "must be a list of [[class_size.milestones]] tables": "必须是 [[class_size.milestones]] 表的列表",
    "must be a year": "必须是年份",
    'must be a positive whole number or "standard"': '必须是正整数或 "standard"',
    "unknown key; known: {known}": "未知的键；可用的有：{known}",
    "must be a non-negative number": "必须是非负数",
    'must be a table ([statistics_dates]) of year = "YYYY-MM-DD"': '必须是表 [statistics_dates]，每行写作 年份 = "YYYY-MM-DD"',
    "the key must be a school year such as 2024": "键必须是学年，如 2024",
    "must be a school year such as 2027": "必须是学年，如 2027",
    "the folder's or workbook's name holds control or invisible characters or is too long: shown escaped; "
    'give the county its name with name = "…" in county.toml':
        '名称含控制字符或不可见字符、或过长，已转义显示；请在 county.toml 中写 name = "县名"',
    'must be a date without a time, e.g. "2024-09-01"': '必须是不带时间的日期，如 "2024-09-01"',
    'must be a date written YYYY-MM-DD, e.g. "2024-09-01"': '必须是写作 YYYY-MM-DD 的日期，如 "2024-09-01"',
    "must fall in the {year}–{next} school year ({year}-01-01 to {next}-08-31)":
        "必须在 {year}–{next} 学年内（{year}-01-01 至 {next}-08-31）",
    # --- standards (eduwb/standards)
    "unknown standard {name}: use one of {known} or the path of a standard file":
        "未知的标准 {name}：请用 {known} 之一，或标准文件的路径",
    "{path}: standard file not found": "{path}：找不到标准文件",
    "{path}: a standard file must be a regular file: it is a folder, not a file":
        "{path}：标准文件必须是普通文件：它是文件夹，不是文件",
    "{path}: a standard file must be a regular file: it is not a regular file (a device, pipe or socket)":
        "{path}：标准文件必须是普通文件：它不是普通文件（是设备、管道或套接字）",
    "{path}: a standard file must be a regular file: it is {size} bytes, more than the {limit} allowed":
        "{path}：标准文件必须是普通文件：它有 {size} 字节，超过允许的 {limit} 字节",
    "{path}: a standard file must be a regular file: it is more than the {limit} bytes allowed":
        "{path}：标准文件必须是普通文件：它超过允许的 {limit} 字节",
    "{path}: cannot be read: {why}": "{path}：无法读取：{why}",
    "{path}: not valid TOML: nested too deeply": "{path}：不是有效的 TOML：嵌套过深",
    "{path}: not valid TOML: {why}": "{path}：不是有效的 TOML：{why}",
    "{path}: a standard cannot extend itself, directly or through other files (extends = {name})":
        "{path}：标准不能直接或经由其他文件扩展自身（extends = {name}）",
    # --- a province (eduwb/data/province.py)
    "two counties of the province have this name": "省内有两个县同名",
    "also a school of {other}": "也是 {other} 的学校",
    # --- workbooks (eduwb/data/xlsx.py, eduwb/data/annotate.py)
    "not a readable .xlsx workbook: no xl/workbook.xml inside": "不是可读的 .xlsx 工作簿：内无 xl/workbook.xml",
    "not a readable .xlsx workbook: {n} parts inside (at most {max})": "不是可读的 .xlsx 工作簿：内含 {n} 个部件（最多 {max} 个）",
    "not a readable .xlsx workbook: {name} declares a DOCTYPE (refused)":
        "不是可读的 .xlsx 工作簿：{name} 声明了 DOCTYPE（拒绝读取）",
    "not a readable .xlsx workbook: a cell refers to shared string {n}, which does not exist":
        "不是可读的 .xlsx 工作簿：有单元格引用了不存在的共享字符串 {n}",
    "not a readable .xlsx workbook: {why}": "不是可读的 .xlsx 工作簿：{why}",
    "too large inside: its parts hold {n} bytes uncompressed (at most {max}); save the tables as CSV files":
        "内部过大：各部件解压后共 {n} 字节（最多 {max} 字节）；请把各表另存为 CSV 文件",
    "more than {n} data rows (row {row} reached)": "数据行超过 {n} 行（已读到第 {row} 行）",
    "more than {n} columns (column {column} reached)": "超过 {n} 列（已读到 {column} 列）",
    "declares {n} rows (dimension {ref}); at most {max} data rows": "声明有 {n} 行（范围 {ref}）；数据行最多 {max} 行",
    "declares {n} columns (dimension {ref}); at most {max}": "声明有 {n} 列（范围 {ref}）；最多 {max} 列",
    # the guard over a workbook's parts (eduwb/data/xlsx.py: guard_part, open_zip)
    "part {part}: {rule}": "部件 {part}：{rule}",
    "cannot be decompressed: {why}": "无法解压：{why}",
    "cannot be opened: {why}": "无法打开：{why}",
    "too large inside: more than {n} bytes uncompressed; save the tables as CSV files":
        "解压后超过 {n} 字节；请把各表另存为 CSV 文件",
    "more than {n} elements in one cell or string": "一个单元格或字符串中的元素超过 {n} 个",
    "more than {n} cells in one row": "一行超过 {n} 个单元格",
    "more than {n} other XML elements": "其他 XML 元素超过 {n} 个",
    "more than {n} XML elements": "XML 元素超过 {n} 个",
    "more than {n} rows": "超过 {n} 行",
    "more than {n} shared strings": "共享字符串超过 {n} 个",
    "more than {n} cell formats (xf)": "单元格格式（xf）超过 {n} 个",
    "more than {n} sheets": "工作表超过 {n} 个",
    "declares a DOCTYPE (refused)": "声明了 DOCTYPE（拒绝读取）",
    "not readable XML: {why}": "不是可读的 XML：{why}",
}

#: Values the loader composes to explain a rule (not cells as written), English → Chinese.
VALUES: dict[str, str] = {
    "{a} here, {b} in classes": "此处 {a}，班级表中 {b}",
    "{a} here, {b} in teachers": "此处 {a}，教师表中 {b}",
    "{stage} at a {kind} school": "{kind} 学校中的 {stage}",
    "grade {grade} at a {kind} school": "{kind} 学校中的 {grade} 年级",
}
# fmt: on

_PART = re.compile(r"\{(\w+)\}")


#: Longest rule or composed value translated: a longer text (a rule quoting a huge library
#: message) prints in English only, and matching stays cheap whatever a file holds.
LONGEST_TRANSLATED = 2_000
#: Split points tried per template and text (a part's text may contain the next fixed text).
_SPLITS_TRIED = 64


@dataclass(frozen=True)
class _Template:
    """An English template cut at its ``{name}`` parts: fixed texts ``pieces``, part ``names``."""

    pieces: tuple[str, ...]
    names: tuple[str, ...]
    chinese: str

    @classmethod
    def of(cls, english: str, chinese: str) -> _Template:
        split = _PART.split(english)
        return cls(tuple(split[0::2]), tuple(split[1::2]), chinese)

    def parts(self, text: str) -> dict[str, str] | None:
        """The text of each part when ``text`` is this template filled in (leftmost split first),
        by string search with a bounded number of split points (a regex could backtrack for ever).
        """
        head, tail = self.pieces[0], self.pieces[-1]
        limit = len(text) - len(tail)
        if not (text.startswith(head) and text.endswith(tail)) or limit - len(head) < len(self.names):
            return None
        budget = [_SPLITS_TRIED]

        def fill(i: int, at: int, values: tuple[str, ...]) -> tuple[str, ...] | None:
            if i == len(self.names) - 1:
                return values + (text[at:limit],) if limit > at else None
            sep, start = self.pieces[i + 1], at + 1
            while budget[0] > 0:
                budget[0] -= 1
                found = text.find(sep, start, limit)
                if found < 0:
                    return None
                got = fill(i + 1, found + len(sep), values + (text[at:found],))
                if got is not None:
                    return got
                start = found + 1
            return None

        values = fill(0, len(head), ())
        if values is None:
            return None
        parts: dict[str, str] = {}
        for name, value in zip(self.names, values, strict=True):
            if parts.setdefault(name, value) != value:
                return None  # a part named twice must be the same text both times
        return parts

    def fill(self, parts: dict[str, str]) -> str:
        return _PART.sub(lambda m: parts[m.group(1)], self.chinese)


# exact rules by lookup; templates tried most specific (longest fixed text) first
_EXACT = {en: zh for en, zh in RULES.items() if not _PART.search(en)}
_TEMPLATES = [
    _Template.of(en, zh)
    for en, zh in sorted(RULES.items(), key=lambda kv: -len(_PART.sub("", kv[0])))
    if _PART.search(en)
]
_VALUE_TEMPLATES = [_Template.of(en, zh) for en, zh in VALUES.items()]


#: Plausibility hints of a standard, English → Chinese: a standard's own words, learnt by the
#: loader (:func:`know_hint`) when it writes a rule that quotes one (this module reads no standard).
HINTS: dict[str, str] = {}


def know_hint(english: str, chinese: str) -> None:
    """Learn the Chinese of a standard's plausibility hint (``hint_en`` → ``hint_zh``)."""
    if english and chinese and HINTS.get(english) != chinese:
        HINTS[english] = chinese
        zh.cache_clear()


def _part(name: str, text: str) -> str | None:
    if name == "rule":
        return zh(text)
    if name == "hint":
        return HINTS.get(text)
    return text


@lru_cache(maxsize=4096)
def zh(rule: str) -> str | None:
    """The Chinese of an English rule text, or None when the catalogue has no entry for it."""
    if rule in _EXACT:
        return _EXACT[rule]
    if len(rule) > LONGEST_TRANSLATED:
        return None
    for template in _TEMPLATES:
        parts = template.parts(rule)
        if parts is None:
            continue
        chinese = {name: _part(name, text) for name, text in parts.items()}
        if None not in chinese.values():
            return template.fill(chinese)  # type: ignore[arg-type]
    return None


def value_zh(value: object) -> object:
    """A value the loader composed (``41 here, 40 in classes``) in Chinese; any other value as it is."""
    if not isinstance(value, str) or len(value) > LONGEST_TRANSLATED:
        return value
    for template in _VALUE_TEMPLATES:
        parts = template.parts(value)
        if parts is not None:
            return template.fill(parts)
    return value


def severity_zh(severity: str) -> str:
    """错误 / 警告 for a problem's severity."""
    return SEVERITY.get(severity, severity)
