"""The leaders' dashboard (``notebooks/dashboard.ipynb``, served by Voilà: ``make dashboard``).

One page per county and year: the verdict and its four dimensions, the failing indicators and
the schools' gaps, class size and teacher rotation, and a what-if simulator whose levers (one row
each, :meth:`Dashboard._lever`) change a school's resources, rooms, classes, pupils or rotations,
apply the costed plan or the least-cost pathway of :func:`eduwb.analysis.pathway.next_year`; the
indicators, CVs, verdict and cost follow at once. All computing is :mod:`eduwb.analysis.whatif`
(prepared once per county and year, then a few milliseconds per change); this module only lays
out widgets and writes HTML. Widgets carry ``eduwb-…`` CSS classes, which the browser tests use.
At 1366×768 the verdict and every lever show without scrolling, in both languages
(``tests/test_browser.py``); controls are as wide as their words.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from eduwb.analysis import scorecard, whatif
from eduwb.data.dataset import load
from eduwb.data.schema import GRADES_BY_STAGE
from eduwb.errors import EduwbError, InputError
from eduwb.lang import COLON, COMMA, LIST_SEP, pick
from eduwb.present.charts.pathway import method_word
from eduwb.present.charts.scorecard import CODE_LABELS, COLOURS, VERDICT_LABELS
from eduwb.present.counties import find_counties
from eduwb.standards import resolve

#: Scorecard rows shown under "rooms, class size and rotation" (when the standard has them).
STATUS_ROWS = ("G3", "G4", "G5", "G11", "G9", "G12")
#: The input columns a leader can add to, by the kind of change: (zh, en) labels.
AREA_INPUTS = {
    "teaching_aux_area_m2": ("教学及辅助用房", "teaching and auxiliary rooms"),
    "sports_field_area_m2": ("室外运动场地", "sports ground"),
    "indoor_sports_area_m2": ("室内体育馆", "indoor sports hall"),
}
#: The units of the schools' gaps (``gap_unit``), in the gap table.
UNITS = {
    "teachers": ("名教师", "teachers"),
    "m2": ("m²", "m²"),
    "yuan": ("元", "yuan"),
    "rooms": ("间", "rooms"),
}
CSS = """
<style>
.eduwb-dash { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif; }
.eduwb-dash .widget-html-content { line-height: 1.35; }
.eduwb-dash h2 { margin: 0 20px 0 0; font-size: 1.35em; }
.eduwb-dash h3 { margin: 0 0 2px 0; font-size: 1.1em; }
.eduwb-columns > .eduwb-situation { flex: 5 1 440px; min-width: 0; margin-right: 12px; }
.eduwb-columns > .eduwb-sim { flex: 6 1 540px; min-width: 0; }
.eduwb-lever { align-items: center; flex-wrap: wrap; }
.eduwb-badge { display: inline-block; padding: 1px 8px; border-radius: 4px; color: white; \
font-weight: bold; white-space: nowrap; }
.eduwb-big { font-size: 1.5em; }
.eduwb-card { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px; \
margin: 4px 0; background: #fff; }
.eduwb-t { border-collapse: collapse; font-size: 0.9em; }
.eduwb-t th, .eduwb-t td { border-bottom: 1px solid #e5e7eb; padding: 2px 6px; vertical-align: top; }
.eduwb-t th { background: #eef2f7; text-align: left; white-space: nowrap; }
.eduwb-t td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.eduwb-t td.s { white-space: nowrap; }
.eduwb-bar { display: inline-block; height: 10px; background: #2f7d4f; vertical-align: middle; }
.eduwb-bar.short { background: #c0392b; }
.eduwb-muted { color: #6b7280; font-size: 0.85em; }
.eduwb-error { color: #b42318; font-weight: bold; }
</style>
"""


def _t(lang: str, zh: str, en: str) -> str:
    return pick((zh, en), lang)


def _badge(code: str, lang: str, labels=CODE_LABELS, big: bool = False) -> str:
    colour = COLOURS.get(code, COLOURS["missing"])
    text = pick(labels[code], lang) if code in labels else code
    cls = "eduwb-badge eduwb-big" if big else "eduwb-badge"
    return f'<span class="{cls}" data-code="{escape(code)}" style="background:{colour}">{escape(text)}</span>'


def _num(x: float, digits: int = 2) -> str:
    if x != x:  # NaN
        return "—"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


#: Column heads the dashboard's tables share.
ID, NAME, VALUE, THRESHOLD = ("指标", "Id"), ("名称", "Name"), ("数值", "Value"), ("标准值", "Threshold")


def _table(lang: str, heads: list, rows) -> str:
    """An ``eduwb-t`` table: a row of heads (a ``(zh, en)`` pair is picked, a string is HTML), then
    ``rows`` (HTML)."""
    cells = "".join(f"<th>{pick(h, lang) if isinstance(h, tuple) else h}</th>" for h in heads)
    return f"<table class='eduwb-t'><tr>{cells}</tr>{''.join(rows)}</table>"


def _paren(text: str, lang: str) -> str:
    """``text`` in brackets: full-width in Chinese, ``" (…)"`` in English."""
    return pick(("（{}）", " ({})"), lang).format(text)


def _money(yuan: float, lang: str) -> str:
    zh = f"{yuan / 1e4:,.1f} 万元" if abs(yuan) >= 1e4 else f"{yuan:,.0f} 元"
    return pick((zh, f"{yuan:,.0f} yuan"), lang)


# ----------------------------------------------------------------------------- the dashboard


@dataclass(frozen=True)
class PathwayStep:
    """The pathway button's step in the list of changes: what it replaced (the state and the
    changes before it, which undo brings back) and :func:`eduwb.analysis.pathway.next_year`'s
    result (actions, total, verdict, what blocks)."""

    before_state: Any
    before_changes: list
    got: dict


class Dashboard:
    """The dashboard's widgets and state. ``Dashboard(root).widget`` is what the notebook displays."""

    def __init__(
        self, root: str | Path, lang: str = "zh", county: str | None = None, year: int | None = None
    ):
        import ipywidgets as w

        self.w = w
        self.lang = lang
        self.counties = find_counties(root)
        if not self.counties:
            raise FileNotFoundError(f"no county data under {root}")
        names = [c.name for c in self.counties]
        self.options = [(c.label(names.count(c.name) > 1), i) for i, c in enumerate(self.counties)]
        self.state = None
        self.baseline = None
        self.result = None
        self.changes: list = []
        self.elapsed_ms = 0.0
        self._datasets: dict[int, Any] = {}
        self.widget = w.VBox(layout=w.Layout(width="100%"))
        self.widget.add_class("eduwb-dash")
        self._quiet = False  # the pickers are being filled: their handlers wait
        self._build()
        start = next((i for i, c in enumerate(self.counties) if county in (c.name, c.path.name)), 0)
        self._load_county(start, year)

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        """Create every widget of the dashboard, in the order of the page; :meth:`_layout` places them."""
        w, lang, make, button = self.w, self.lang, self._make, self._button
        self.county_picker = make(
            w.Dropdown, "county", options=self.options, words=("县", "County"), width="auto"
        )
        self.year_picker = make(w.Dropdown, "year", options=[], words=("学年", "Year"), width="150px")
        self.lang_picker = make(
            w.ToggleButtons, "lang", options=[("中文", "zh"), ("English", "en")], value=lang
        )
        self.lang_picker.style.button_width = "auto"
        self.verdict_html = make(w.HTML, "verdict")
        self.failing_html = make(w.HTML, "failing")
        self.status_html = make(w.HTML, "status")

        # the simulator: a school, then one row per lever
        self.section_picker = make(w.Dropdown, "section", options=[], words=("学校", "School"), width="98%")
        self.n_teachers = make(w.BoundedIntText, "n-teachers", value=1, min=1, max=500, width="64px")
        self.flag_degree = self._flag(True, "高于规定学历", "above the required degree")
        self.flag_backbone = self._flag(False, "县级以上骨干", "backbone (county+)", "flag-backbone")
        self.flag_pe_art = self._flag(False, "体育艺术", "PE / art")
        self.add_teachers = button("增加教师", "Add teachers", "add-teachers", self._hire,
                                   button_style="primary", icon="plus")  # fmt: skip
        area_options = [(pick(p, lang), k) for k, p in AREA_INPUTS.items()]
        self.area_kind = make(w.Dropdown, options=area_options, width="auto")
        self.area_m2 = make(w.BoundedFloatText, value=100, min=0, max=1e6, words=("m²", "m²"), width="130px")
        self.add_area = button("增加面积", "Add area", "add-area", icon="plus",
                               act=lambda: self._add(self.area_kind.value, self.area_m2.value))  # fmt: skip
        self.equipment = make(
            w.BoundedFloatText, value=100000, min=0, max=1e9, words=("元", "yuan"), width="150px"
        )
        self.add_equipment = button(
            "增加设备", "Add equipment", "add-equipment", icon="plus",
            act=lambda: self._add("equipment_value_yuan", self.equipment.value))  # fmt: skip
        self.rooms = make(w.BoundedIntText, value=1, min=1, max=200, width="64px")
        self.add_rooms = button("增加多媒体教室", "Add multimedia rooms", "add-rooms", icon="plus",
                                act=lambda: self._add("multimedia_rooms", self.rooms.value))  # fmt: skip
        self.move_to = make(w.Dropdown, "move-to", options=[], words=("调往", "to"),
                            layout=w.Layout(width="auto", max_width="420px"))  # fmt: skip
        self.move = button("交流一名教师", "Move a teacher", "move", self._move, icon="exchange")
        # the structural levers: G3 rooms, G5 classes, G4 pupils (to the school of "to"), G11 rotations
        kinds = [(_t(lang, "音乐教室", "music rooms"), "music"), (_t(lang, "美术教室", "art rooms"), "art")]
        self.room_kind = make(w.Dropdown, options=kinds, width="auto")
        self.n_rooms = make(w.BoundedIntText, value=1, min=0, max=50, width="56px")
        self.room_m2 = make(
            w.BoundedFloatText, value=0, min=0, max=1e4, words=("m²/间", "m² each"), width="120px"
        )
        self.build_rooms = button("建设", "Build", "build-rooms", self._build_rooms, icon="plus")
        self.grade = make(w.Dropdown, options=[], words=("年级", "grade"), width="120px")
        self.n_classes = make(w.BoundedIntText, value=1, min=0, max=50, width="56px")
        self.add_classes = button("增设班级", "Add classes", "add-classes", self._add_classes, icon="plus")
        self.n_pupils = make(w.BoundedIntText, value=100, min=0, max=100000, width="80px")
        self.move_pupils = button("名学生分流到“调往”学校", "pupils to the “to” school", "move-pupils",
                                  self._move_pupils, icon="exchange")  # fmt: skip
        self.n_rotations = make(w.BoundedIntText, value=1, min=0, max=10000, width="64px")
        self.n_rot_backbone = make(
            w.BoundedIntText, value=0, min=0, max=10000, words=("其中骨干", "backbone"), width="auto"
        )
        self.add_rotations = button(
            "增加交流", "Add rotations", "add-rotations", self._add_rotations, icon="plus"
        )
        self.plan_button = button("按规划补足全部缺口", "Apply the costed plan", "plan", self._plan,
                                  button_style="success")  # fmt: skip
        self.pathway_button = button(
            "下一年达标的最低费用路径", "Least-cost pathway to pass next year", "pathway", self._pathway,
            icon="flag-checkered", button_style="success")  # fmt: skip
        self.undo = button("撤销上一步", "Undo", "undo", self._undo, icon="undo")
        self.reset = button("清空", "Reset", "reset", self._reset, button_style="warning")
        self.school_html = make(w.HTML, "school")
        self.cv_html = make(w.HTML, "cv")
        self.changes_html = make(w.HTML, "changes")
        self.timing = make(w.HTML, "timing")
        self.error_html = make(w.HTML, "error")  # a refused input, in words (never a traceback)
        self._layout()
        self.county_picker.observe(self._on_county, names="value")
        self.year_picker.observe(self._on_year, names="value")
        self.lang_picker.observe(self._on_lang, names="value")
        self.section_picker.observe(
            lambda _: None if self._quiet else self._refresh(school_only=True), names="value"
        )

    def _make(self, kind, css: str | None = None, width: str | None = None, words=None, **options):
        """A widget of ``kind`` with ``options``, carrying the CSS class ``eduwb-<css>``; ``width``
        (its layout's) and ``words``, a ``(zh, en)`` description as wide as its words."""
        if width:
            options["layout"] = self.w.Layout(width=width)
        if words:
            options.update(description=pick(words, self.lang), style={"description_width": "initial"})
        widget = kind(**options)
        if css:
            widget.add_class(f"eduwb-{css}")
        return widget

    def _button(self, zh: str, en: str, css: str, act, **options):
        """A button saying ``zh`` / ``en``, as wide as its words in either language, that runs
        ``act`` (:meth:`_guarded`)."""
        button = self._make(self.w.Button, css, "auto", description=_t(self.lang, zh, en), **options)
        button.on_click(self._guarded(act))
        return button

    def _flag(self, value: bool, zh: str, en: str, css: str | None = None):
        """A check box saying ``zh`` / ``en``, as wide as its words."""
        return self._make(
            self.w.Checkbox, css, "auto", value=value, description=_t(self.lang, zh, en), indent=False
        )

    def _lever(self, name: tuple[str, str], *controls):
        """One row of the simulator: its ``(zh, en)`` name in a column of its own, then its controls."""
        w = self.w
        row = w.HBox(
            [w.HTML(f"<b>{escape(pick(name, self.lang))}</b>", layout=w.Layout(width="5.5em")), *controls]
        )
        row.add_class("eduwb-lever")
        return row

    def _layout(self) -> None:
        """The page: a title bar, then two columns that share the width and wrap on a narrow screen:
        the county's situation (``eduwb-situation``) and the simulator (``eduwb-sim``), one row per lever."""
        w, lang = self.w, self.lang
        lever = self._lever
        levers = self._make(w.VBox, "levers", children=[
            lever(("教师", "Teachers"), self.n_teachers, self.flag_degree, self.flag_backbone,
                  self.flag_pe_art, self.add_teachers),
            lever(("面积", "Area"), self.area_kind, self.area_m2, self.add_area),
            lever(("设备", "Equipment"), self.equipment, self.add_equipment),
            lever(("教室", "Rooms"), self.rooms, self.add_rooms),
            lever(("交流", "Move"), self.move_to, self.move),
            lever(("分流", "Pupils"), self.n_pupils, self.move_pupils),
            lever(("音美教室", "Music/art"), self.room_kind, self.n_rooms, self.room_m2, self.build_rooms),
            lever(("班级", "Classes"), self.grade, self.n_classes, self.add_classes),
            lever(("轮岗", "Rotation"), self.n_rotations, self.n_rot_backbone, self.add_rotations),
            lever(("", ""), self.plan_button, self.pathway_button, self.undo, self.reset),
        ])  # fmt: skip
        what_if = _t(
            lang,
            "选择学校，增加资源或交流教师，看该校指标、校际差异系数和评估结论如何变化。只是模拟，不改动数据。",
            "Pick a school, add resources or move a teacher: the school's indicators, the CVs and the "
            "verdict follow. A simulation: the data are not changed.",
        )
        sim = w.VBox([
            w.HTML(f"<h3>{_t(lang, '如果……会怎样？（模拟）', 'What if …? (simulator)')}</h3>"
                   f"<div class='eduwb-muted'>{what_if}</div>"),
            self.section_picker, levers, self.error_html, self.changes_html, self.school_html,
            self.cv_html, self.timing,
        ])  # fmt: skip
        sim.add_class("eduwb-card")
        sim.add_class("eduwb-sim")
        situation = w.VBox([self.verdict_html, self.failing_html, self.status_html])
        situation.add_class("eduwb-situation")
        columns = w.HBox([situation, sim], layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
        columns.add_class("eduwb-columns")
        title = _t(
            lang,
            "县域义务教育优质均衡发展 · 评估看板",
            "County compulsory education: quality balance dashboard",
        )
        bar = w.HBox(
            [w.HTML(CSS + f"<h2>{title}</h2>"), self.county_picker, self.year_picker, self.lang_picker],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )
        bar.add_class("eduwb-head")
        self.widget.children = [bar, columns]

    # -- data --------------------------------------------------------------------------------

    def _dataset(self, index: int):
        if index not in self._datasets:
            self._datasets[index] = load(self.counties[index].path)
        return self._datasets[index]

    def _load_county(self, index: int, year: int | None = None) -> None:
        """Simulate on a county's data of ``year`` (by default its last), with no change yet."""
        ds = self._dataset(index)
        years = [int(y) for y in ds.years]
        year = year if year in years else years[-1]
        self._quiet = True
        self.county_picker.value = index
        self.year_picker.options = years
        self.year_picker.value = year
        self._quiet = False
        self.state = self.origin = whatif.prepare(ds, resolve(ds), year)
        self.baseline = whatif.apply(self.state)
        self._cards = {}
        self.changes = []
        if self.state.std.has_indicator("G3"):  # the smallest room the standard accepts
            self.room_m2.value = float(self.state.std.indicator("G3").params["music_room_min_area_m2"])
        self._section_options(self.baseline.passes)
        self._refresh()

    def _section_options(self, passes) -> None:
        """The school sections to pick from, failing ones (``passes``) first, marked ✗; the picks stay."""
        secs = self.state.sections
        names = [
            f"{'' if ok else '✗ '}{n}{self._stage(s)}"
            for n, s, ok in zip(secs["school_name"], secs["stage"], passes, strict=True)
        ]
        options = [(names[i], i) for i in sorted(range(len(secs)), key=lambda i: (bool(passes[i]), i))]
        keep = self.section_picker.value, self.move_to.value
        self._quiet = True
        self.section_picker.options = options
        self.move_to.options = options
        self._quiet = False
        if all(k is not None and k < len(secs) for k in keep):
            self.section_picker.value, self.move_to.value = keep
        elif options:
            self.section_picker.value, self.move_to.value = options[0][1], options[-1][1]

    # -- callbacks ---------------------------------------------------------------------------

    def _on_county(self, change) -> None:
        if not self._quiet:
            self._load_county(change["new"])

    def _on_year(self, change) -> None:
        if not self._quiet and change["new"] is not None:
            self._load_county(self.county_picker.value, int(change["new"]))

    def _on_lang(self, change) -> None:
        county, year, changes = self.county_picker.value, self.year_picker.value, self.changes
        section, state, cards = self.section_picker.value, self.state, self._cards
        self.lang = change["new"]
        self._build()
        self._load_county(county, year)
        self._use(state)
        self._cards.update(cards)
        self.section_picker.value = section
        self.changes = changes
        self._refresh()

    def _use(self, state) -> None:
        """Simulate on ``state`` (the data, or the data after the pathway)."""
        if state is self.state:
            return
        self.state = state
        self._section_options(whatif.apply(state).passes)

    def _row(self, index: int | None = None):
        """A school section's row (the one picked, by default)."""
        return self.state.sections.iloc[self.section_picker.value if index is None else index]

    def _section(self, index: int | None = None) -> tuple[str, str]:
        row = self._row(index)
        return str(row["school_id"]), str(row["stage"])

    def _label(self, what: str) -> str:
        row = self._row()
        return f"{row['school_name']}{self._stage(row['stage'])}{pick(COLON, self.lang)}{what}"

    def _stage(self, stage: str, more: str = "") -> str:
        """A stage's name in brackets (then ``more``), to follow a school's name."""
        return _paren(self.state.std.stage_name(stage, self.lang) + more, self.lang)

    def _hire(self) -> None:
        n, lang = int(self.n_teachers.value), self.lang
        kinds = [k for k, on in ((_t(lang, "高学历", "degree"), self.flag_degree.value),
                                 (_t(lang, "骨干", "backbone"), self.flag_backbone.value),
                                 (_t(lang, "体艺", "PE/art"), self.flag_pe_art.value)) if on]  # fmt: skip
        label = self._label(
            _t(lang, f"增加教师 {n} 名", f"{n} more teacher(s)")
            + (_paren(pick(LIST_SEP, lang).join(kinds), lang) if kinds else "")
        )
        school, stage = self._section()
        self._do([whatif.hire(self.state, school, stage, n, label=label, **self._flags())])

    def _add(self, column: str, amount: float) -> None:
        if not amount:
            return
        lang = self.lang
        what = {
            "equipment_value_yuan": _t(
                lang, f"增加设备 {_money(amount, lang)}", f"equipment worth {_money(amount, lang)}"
            ),
            "multimedia_rooms": _t(
                lang, f"增加多媒体教室 {amount:.0f} 间", f"{amount:.0f} multimedia room(s)"
            ),
        }.get(column) or (f"{pick(AREA_INPUTS[column], lang)} +{amount:,.0f} m²")
        school, stage = self._section()
        self._do([whatif.add(self.state, school, stage, column, float(amount), label=self._label(what))])

    def _move(self) -> None:
        source, target = self.section_picker.value, self.move_to.value
        if source == target:
            return
        lang = self.lang
        to = self._row(target)
        label = self._label(
            _t(lang, f"交流一名教师到{to['school_name']}", f"one teacher moved to {to['school_name']}")
        )
        self._do(whatif.move_teacher(self.state, self._section(source), self._section(target), label=label,
                                     **self._flags()))  # fmt: skip

    def _flags(self) -> dict[str, bool]:
        """The kind of teacher hired or moved, as the check boxes say."""
        return {"above_degree": self.flag_degree.value, "backbone": self.flag_backbone.value,
                "pe_art": self.flag_pe_art.value}  # fmt: skip

    def _plan(self) -> None:
        label = _t(self.lang, "规划", "plan")
        self._do([replace(c, label=label) for c in whatif.plan_changes(self.state)])

    def _build_rooms(self) -> None:
        n, kind, m2 = int(self.n_rooms.value), self.room_kind.value, float(self.room_m2.value)
        what = next(k for k, v in self.room_kind.options if v == kind)
        label = self._label(f"{what} +{n} × {m2:,.0f} m²")
        school, stage = self._section()
        self._do([whatif.build_rooms(self.state, school, stage, kind, n, m2, label=label)])

    def _add_classes(self) -> None:
        n, grade = int(self.n_classes.value), self.grade.value
        if grade is None:
            return
        label = self._label(_t(self.lang, f"{grade} 年级增设 {n} 个班", f"grade {grade}: {n} more class(es)"))
        school, _ = self._section()
        self._do([whatif.add_classes(self.state, school, int(grade), n, label=label)])

    def _move_pupils(self) -> None:
        n, lang = int(self.n_pupils.value), self.lang
        to = self._row(self.move_to.value)
        label = self._label(
            _t(lang, f"{n} 名学生分流到{to['school_name']}", f"{n} pupils moved to {to['school_name']}")
        )
        source, target = self._section(), self._section(self.move_to.value)
        self._do(whatif.move_pupils(self.state, source, target, n, label=label, changes=self._flat()))

    def _add_rotations(self) -> None:
        m, b, lang = int(self.n_rotations.value), int(self.n_rot_backbone.value), self.lang
        label = _t(lang, f"增加交流轮岗 {m} 人（骨干 {b} 人）", f"{m} more teachers rotate ({b} backbone)")
        school, stage = self._section()
        self._do([whatif.add_rotations(self.state, school, stage, m, b, label=label)])

    def _pathway(self) -> None:
        """The least-cost pathway to pass next year, from the data as they are: the changes
        simulated before it are set aside (undo brings them back); later levers add to it."""
        new, got = whatif.next_year(self.origin)
        self.changes = [PathwayStep(self.state, self.changes, got)]
        self._use(new)
        self._refresh()

    def _undo(self) -> None:
        if self.changes:
            last = self.changes[-1]
            if isinstance(last, PathwayStep):
                self.changes = last.before_changes
                self._use(last.before_state)
            else:
                self.changes = self.changes[:-1]
            self._refresh()

    def _reset(self) -> None:
        self.changes = []
        self._use(self.origin)
        self._refresh()

    def _do(self, changes: list) -> None:
        whatif.check(self.state, [*self._flat(), *changes])
        self.changes = [*self.changes, changes]
        self._refresh()

    def _guarded(self, act):
        """A simulator button's handler: a refused input is shown in words, and nothing changes
        (the message stays until the next button)."""

        def run(_button=None) -> None:
            self.error_html.value = ""
            try:
                act()
            except Exception as error:  # a bug too is said on the page, not a button that seems dead
                said = error.say(self.lang) if isinstance(error, InputError) else str(error)
                if not isinstance(error, EduwbError):
                    said = f"{pick(('内部错误，未改动', 'internal error, unchanged'), self.lang)}: {error!r}"
                self.error_html.value = f"<div class='eduwb-error' role='alert'>⚠ {escape(said)}</div>"

        return run

    def _flat(self) -> list:
        """The simulator's changes so far, one list (the pathway's step is in the state instead)."""
        return [c for group in self.changes if isinstance(group, list) for c in group]

    def _step(self) -> PathwayStep | None:
        """The pathway's step: the first of the changes, if any (it sets aside those before it)."""
        return next((g for g in self.changes[:1] if isinstance(g, PathwayStep)), None)

    # -- drawing -----------------------------------------------------------------------------

    def _card(self):
        """The scorecard of the state's data by indicator, in the page's language (its values are
        sentences); the pathway's own card is reused in Chinese."""
        key = (id(self.state), self.lang)
        if key not in self._cards:
            st = self.state
            card = st.baseline_card
            if self.lang != "zh":
                card = scorecard.scorecard_table(st.ds, st.std, year=st.year, lang=self.lang)
            self._cards[key] = card.set_index("indicator")
        return self._cards[key]

    def _refresh(self, school_only: bool = False) -> None:
        if self.state is None or self.section_picker.value is None:
            return
        start = time.perf_counter()
        grades = list(GRADES_BY_STAGE.get(self._section()[1], ()))
        if list(self.grade.options) != grades:
            self.grade.options = grades
            self.grade.value = grades[0] if grades else None
        self.result = whatif.apply(self.state, self._flat())
        self.school_html.value = self._school_html()
        if not school_only:
            self.verdict_html.value = self._verdict_html()
            self.failing_html.value = self._failing_html()
            self.status_html.value = self._status_html()
            self.cv_html.value = self._cv_html()
            self.changes_html.value = self._changes_html()
        self.elapsed_ms = (time.perf_counter() - start) * 1000
        self.timing.value = (
            f"<span class='eduwb-muted' data-ms='{self.elapsed_ms:.1f}'>"
            f"{_t(self.lang, '本次计算', 'computed in')} {self.elapsed_ms:.1f} ms</span>"
        )

    def _verdict_html(self) -> str:
        st, r, lang = self.state, self.result, self.lang
        dims = " ".join(
            "<span style='margin-right:14px'>"
            f"{escape(st.std.dimension_name(d, lang))} {_badge(code, lang)}</span>"
            for d, code in r.dimensions.items()
        )
        simulated = ""
        if self.changes:
            was = _badge(self.baseline.verdict, lang, VERDICT_LABELS)
            simulated = (
                f"<span class='eduwb-muted'>{_t(lang, '（模拟；现状为 ', '(simulated; as is: ')}{was}"
                f"{_t(lang, '）', ')')}</span>"
            )
        title = _t(lang, f"{st.county} {st.year} 年评估结论", f"{st.county}, {st.year}: verdict")
        sections = len(st.sections)
        passing = int(r.passes.sum())
        facts = _t(lang, f"纳入资源配置评估的学校（学段）{sections} 个，其中 {passing} 个达到校际要求",
                   f"{sections} school sections evaluated on resources, "
                   f"{passing} pass the per-school rule")  # fmt: skip
        return (
            f"<div class='eduwb-card'><b>{escape(title)}</b> "
            f"{_badge(r.verdict, lang, VERDICT_LABELS, big=True)} {simulated}"
            f"<div style='margin-top:6px'>{dims}</div><div class='eduwb-muted'>{escape(facts)}</div>"
            f"{self._blocks_html()}</div>"
        )

    def _name(self, indicator: str, given: str) -> str:
        """An indicator's name in the page's language (else the name given, e.g. a veto's)."""
        std = self.state.std
        return std.indicator(indicator).name(self.lang) if std.has_indicator(indicator) else given

    def _blocks_html(self) -> str:
        """After the pathway button: what it did, and what still blocks the verdict (if anything)."""
        step, lang = self._step(), self.lang
        if step is None:
            return ""
        got = step.got
        method = method_word(got["method"], lang)
        did = _t(lang, f"下一年达标路径（{method}）：{len(got['actions'])} 项行动，合计 ",
                 f"Pathway to pass next year ({method}): {len(got['actions'])} actions, total ")  # fmt: skip
        head = (
            f"<div class='eduwb-pathway-result' data-actions='{len(got['actions'])}' "
            f"data-yuan='{got['total_yuan']:.0f}'>{escape(did)}{_money(got['total_yuan'], lang)}</div>"
        )
        blocks = got["blocks"]
        if blocks.empty:
            return head
        rows = "".join(
            f"<li data-indicator='{escape(str(b.indicator))}'>{escape(str(b.indicator))} "
            f"{escape(self._name(str(b.indicator), str(b.name)))}{pick(COLON, lang)}"
            f"{_badge(str(b.status), lang)} {escape(str(b.value))}"
            f" <span class='eduwb-muted'>{escape(str(b.evidence))}</span></li>"
            for b in blocks.itertuples(index=False)
        )
        said = _t(
            lang, "金钱和行动无法解决、仍阻碍达标的：", "What money and actions cannot move, and blocks:"
        )
        return f"{head}<div class='eduwb-blocks'><b>{said}</b><ul>{rows}</ul></div>"

    def _failing_html(self) -> str:
        st, r, lang = self.state, self.result, self.lang
        card = self._card()
        rows = []
        for ind in r.failing:
            if ind in st.ids:  # sections reaching the threshold, after the changes
                j = st.ids.index(ind)
                value = f"{int(r.met[:, j].sum())}/{len(st.sections)}"
            else:
                value = str(self._moved_rows().get(ind, card.loc[ind])["value"])
            rows.append(
                f"<tr><td class='s'>{escape(ind)}</td><td>"
                f"{escape(self._name(ind, ind))}</td><td class='n'>{escape(value)}</td></tr>"
            )
        head = f"<b>{_t(lang, '未达标指标', 'Failing indicators')}{_paren(str(len(r.failing)), lang)}</b>"
        table = (
            _table(lang, [ID, NAME, VALUE], rows)
            if rows
            else f"<div>{_t(lang, '没有未达标的指标。', 'No indicator fails.')}</div>"
        )
        gaps = whatif.failing_frame(st, r)
        gap_rows = "".join(
            f"<tr><td>{escape(g.school_name + self._stage(g.stage))}"
            f"</td><td class='s'>{escape(g.indicator)}</td>"
            f"<td class='n'>{_num(g.value)}</td><td class='n'>{_num(g.threshold)}</td>"
            f"<td class='n'>{_num(g.shortfall, 0 if g.shortfall == int(g.shortfall) else 1)}</td>"
            f"<td class='s'>{escape(pick(UNITS.get(g.gap_unit, (g.gap_unit,) * 2), lang))}</td></tr>"
            for g in gaps.head(15).itertuples(index=False)
        )
        gap_table = ""
        if gap_rows:
            heads = [("学校", "School"), ID, VALUE, THRESHOLD, ("缺口", "Gap"), ("单位", "Unit")]
            gap_table = (
                "<div style='margin-top:8px'><b>"
                f"{_t(lang, '未达到校际要求的学校及缺口', 'Schools failing the per-school rule: gaps')}</b>"
                f"</div>{_table(lang, heads, gap_rows)}"
            )
            if len(gaps) > 15:
                more = _t(lang, f"另有 {len(gaps) - 15} 项", f"{len(gaps) - 15} more")
                gap_table += f"<div class='eduwb-muted'>{more}</div>"
        return f"<div class='eduwb-card'>{head}{table}{gap_table}</div>"

    def _moved_rows(self) -> dict:
        """The G rows the structural levers re-judged, in the page's language."""
        return whatif.structural_rows(self.state, self._flat(), self.lang)

    def _status_html(self) -> str:
        st, lang = self.state, self.lang
        card = self._card()
        moved = self._moved_rows()
        rows = []
        for ind in (i for i in STATUS_ROWS if i in card.index):
            row = moved.get(ind, card.loc[ind])
            rows.append(
                f"<tr><td class='s'>{escape(ind)}</td><td>{escape(st.std.indicator(ind).name(lang))}</td>"
                f"<td class='s'>{_badge(str(row['status']), lang)}</td><td>"
                f"{escape(str(row['value']))}</td></tr>"
            )
        title = _t(lang, "音美教室、班额、规模与教师交流", "Music/art rooms, class and school size, rotation")
        untouched = _t(lang, "模拟中的音美教室、增设班级、分流学生和交流轮岗会改变这些指标。",
                       "The simulator's rooms, classes, pupil moves and rotations move these.")  # fmt: skip
        return (
            f"<div class='eduwb-card'><b>{title}</b>"
            f"<table class='eduwb-t'>{''.join(rows)}</table>"
            f"<div class='eduwb-muted'>{untouched}</div></div>"
        )

    def _school_html(self) -> str:
        st, r, lang = self.state, self.result, self.lang
        i = self.section_picker.value
        row = self._row()
        was = self.origin.row_of.get((str(row["school_id"]), str(row["stage"])))
        before = self.baseline.values[was] if was is not None else np.full(len(st.ids), np.nan)
        rows = []
        for j, ind in enumerate(st.ids):
            ratio = r.ratio[i, j]
            width = max(0.0, min(ratio, 1.5)) / 1.5 * 120
            bar = (
                f"<span class='eduwb-bar{'' if r.met[i, j] else ' short'}' "
                f"style='width:{width:.0f}px'></span>"
            )
            changed = not abs(r.values[i, j] - before[j]) <= 1e-12
            rows.append(
                f"<tr data-indicator='{ind}'><td class='s'>{ind}</td><td>"
                f"{escape(st.std.indicator(ind).name(lang))}</td>"
                f"<td class='n'>{_num(before[j])}</td><td class='n'>"
                f"{'<b>' if changed else ''}{_num(r.values[i, j])}{'</b>' if changed else ''}</td>"
                f"<td class='n'>{_num(st.threshold[i, j])}</td><td class='s'>{bar} {ratio:.0%}</td>"
                f"<td class='s'>{_badge('pass' if r.met[i, j] else 'fail', lang)}</td></tr>"
            )
        heads = [ID, NAME, ("现状", "As is"), ("模拟后", "Simulated"), THRESHOLD, ("达标比", "Ratio"),
                 ("状态", "Status")]  # fmt: skip
        rule = st.std.school_rule
        verdict = _badge("pass" if r.passes[i] else "fail", lang)
        pupils = _t(lang, f"{int(row.students)} 名学生", f"{int(row.students)} pupils")
        rule_text = _t(lang, f"校际要求（{rule['min_met']} 项达标、"
                             f"其余不低于 {rule['min_ratio_rest']:.0%}）：",
                       f"Per-school rule ({rule['min_met']} met, "
                       f"the rest ≥ {rule['min_ratio_rest']:.0%}): ")  # fmt: skip
        return (
            f"<div class='eduwb-card'><b>{escape(str(row['school_name']))}"
            f"{escape(self._stage(row['stage'], pick(COMMA, lang) + pupils))}</b> "
            f"<span class='eduwb-rule'>{rule_text}{verdict} "
            f"{_t(lang, f'达标 {int(r.met_count[i])} 项', f'{int(r.met_count[i])} met')}</span>"
            f"{_table(lang, heads, rows)}</div>"
        )

    def _cv_html(self) -> str:
        st, lang, r, base = self.state, self.lang, self.result, self.baseline
        present = [g for g in range(len(st.stages)) if (st.stage_code == g).any()]
        heads = ["", *(escape(st.std.stage_name(st.stages[g], lang)) for g in present)]
        rows = []
        for j, ind in enumerate(st.ids):
            cells = []
            for g in present:
                cv, before = r.cv[g, j], base.cv[g, j]
                colour = COLOURS["pass"] if r.cv_passes[g, j] else COLOURS["fail"]
                moved = (
                    ""
                    if not cv == cv or abs(cv - before) < 5e-4
                    else f" <span class='eduwb-muted'>({_num(before, 3)})</span>"
                )
                cells.append(
                    f"<td class='n' style='color:{colour}'>{_num(cv, 3)} ≤ {st.limit[g]:.2f}{moved}</td>"
                )
            rows.append(f"<tr><td class='s'>{ind}</td>{''.join(cells)}</tr>")
        title = _t(
            lang, "校际差异系数（括号内为模拟前）", "Between-school CVs (before the changes in brackets)"
        )
        return f"<div class='eduwb-card'><b>{title}</b>{_table(lang, heads, rows)}</div>"

    def _changes_html(self) -> str:
        lang = self.lang
        if not self.changes:
            return (
                f"<div class='eduwb-muted'>{_t(lang, '尚未模拟任何变化。', 'No change simulated yet.')}</div>"
            )
        items = []
        for group in self.changes:
            if isinstance(group, PathwayStep):
                n, cost = len(group.got["actions"]), float(group.got["total_yuan"])
                text = _t(
                    lang,
                    f"下一年达标的最低费用路径：{n} 项行动",
                    f"the pathway to pass next year: {n} actions",
                )
            else:
                labels = list(dict.fromkeys(c.label for c in group if c.label))
                cost = sum(c.cost_yuan for c in group)
                text = pick(LIST_SEP, lang).join(labels)
                if len(group) > 2 and labels in (["规划"], ["plan"]):
                    text = _t(
                        lang, f"按规划补足 {len(group)} 项缺口", f"the costed plan: {len(group)} additions"
                    )
            items.append(f"<li>{escape(text)} — {_money(cost, lang)}</li>")
        step = self._step()
        total = self.result.cost_yuan + (float(step.got["total_yuan"]) if step else 0)
        return (
            f"<div><b>{_t(lang, '已模拟的变化', 'Changes so far')}</b><ol>{''.join(items)}</ol>"
            f"<b class='eduwb-cost' data-yuan='{total:.0f}'>"
            f"{_t(lang, '合计费用', 'Total cost')}{pick(COLON, lang)}{_money(total, lang)}</b></div>"
        )


def dashboard(root: str | Path, lang: str = "zh", county: str | None = None, year: int | None = None):
    """The dashboard's widget for the counties under ``root`` (see :class:`Dashboard`)."""
    return Dashboard(root, lang, county, year).widget
