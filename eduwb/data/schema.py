"""The data dictionary as data: every table, column, Chinese alias, type, enum label and rule.

This module is the single place where ``../shared/spec/data-dictionary.md`` is encoded; the
loader (``eduwb.data.dataset``), the sample generator and the Excel writers all read it.
It imports nothing heavy so that ``import eduwb`` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Enum codes and their Chinese labels (the loader accepts either; tables carry the code).
KINDS = {
    "primary": "小学",
    "junior": "初中",
    "nine_year": "九年一贯制学校",
    "twelve_year": "十二年一贯制学校",
    "complete_secondary": "完全中学",
    "teaching_point": "教学点",
    "special": "特殊教育学校",
}
LOCALES = {"urban": "城区", "town": "镇区", "rural": "乡村"}
SPONSORS = {"public": "公办", "private": "民办"}
STAGES = {"primary": "小学", "junior": "初中", "senior": "高中"}
SEXES = {"male": "男", "female": "女"}
BACKBONE_LEVELS = {"none": "无", "county": "县级", "city": "市级", "province": "省级", "national": "国家级"}
MODES = {"transfer": "调动", "rotation": "轮岗", "itinerant": "走教", "support": "支教", "pairing": "结对帮扶"}
SURVEY_GROUPS = {
    "student": "学生",
    "parent": "家长",
    "teacher": "教师",
    "principal": "校长",
    "deputy": "人大代表",
    "cppcc": "政协委员",
    "resident": "其他群众",
}
# Extra spellings analysts use for enum labels.
ENUM_SYNONYMS = {
    "kind": {"九年一贯制": "nine_year", "十二年一贯制": "twelve_year", "特殊教育": "special", "特教学校": "special"},
    "locale": {"城市": "urban", "城镇": "town", "镇": "town", "农村": "rural"},
}
TRUE_VALUES = ("true", "1", "是", "yes", "y", "t")
FALSE_VALUES = ("false", "0", "否", "no", "n", "f")

# Which stages each kind of school may have, and which of them are compulsory.
STAGES_BY_KIND = {
    "primary": ("primary",),
    "junior": ("junior",),
    "nine_year": ("primary", "junior"),
    "twelve_year": ("primary", "junior", "senior"),
    "complete_secondary": ("junior", "senior"),
    "teaching_point": ("primary",),
    "special": ("primary", "junior"),
}
GRADES_BY_STAGE = {"primary": range(1, 7), "junior": range(7, 10)}


@dataclass(frozen=True)
class Column:
    """One column of a table."""

    name: str
    zh: str
    dtype: str  # "text", "int", "number", "bool", "enum"
    required: bool = True
    enum: dict[str, str] | None = None
    min: float | None = None  # inclusive lower bound
    gt: float | None = None  # exclusive lower bound
    unique: bool = False
    default: object = None
    rule: str = ""  # human wording of the rule, for messages
    aliases: tuple[str, ...] = ()  # other headers analysts use for it (besides name and zh)


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    columns: tuple[Column, ...]
    required: bool = False
    key: tuple[str, ...] = field(default=())  # unique together

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name, zh, dtype, **kw) -> Column:
    return Column(name, zh, dtype, **kw)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "schools",
            "学校名录",
            (
                _c("school_id", "学校标识码", "text", unique=True),
                _c("name", "学校名称", "text"),
                _c("kind", "办学类型", "enum", enum=KINDS),
                _c("parent_id", "所属学校标识码", "text", required=False),
                _c("locale", "城乡类型", "enum", enum=LOCALES),
                _c("township", "所在乡镇", "text", required=False),
                _c("sponsor", "举办者类型", "enum", enum=SPONSORS),
                _c("boarding", "是否寄宿制", "bool", required=False, default=False),
                _c("built_year", "建成年份", "int", required=False, min=1800),
            ),
            required=True,
            key=("school_id",),
        ),
        Table(
            "sections",
            "学段情况",
            (
                _c("school_id", "学校标识码", "text"),
                _c("year", "学年", "int", min=1990),
                _c("stage", "学段", "enum", enum=STAGES),
                _c("students", "在校生数", "int", gt=0),
                _c("classes", "班级数", "int", min=1),
                _c("teachers", "专任教师数", "int", min=0),
                _c("teachers_above_degree", "高于规定学历专任教师数", "int", min=0),
                _c("backbone_teachers", "县级及以上骨干教师数", "int", min=0),
                _c("pe_art_teachers", "体育艺术专任教师数", "int", min=0),
                # optional: moe-2012's B8 (生均中级及以上专业技术职务教师数)
                _c("intermediate_title_teachers", "中级及以上专业技术职务教师数", "int", required=False, min=0,
                   aliases=("中级及以上职称教师数", "中级及以上职称专任教师数")),
            ),
            required=True,
            key=("school_id", "year", "stage"),
        ),
        Table(
            "facilities",
            "办学条件",
            (
                _c("school_id", "学校标识码", "text"),
                _c("year", "学年", "int", min=1990),
                _c("stage", "学段", "enum", enum=STAGES, required=False),
                _c("teaching_aux_area_m2", "教学及辅助用房面积", "number", min=0),
                _c("indoor_sports_area_m2", "室内体育用房面积", "number", min=0),
                _c("sports_field_area_m2", "体育运动场地面积", "number", min=0),
                _c("equipment_value_yuan", "教学仪器设备资产值", "number", min=0),
                _c("multimedia_rooms", "网络多媒体教室数", "int", min=0),
                _c("music_rooms", "音乐专用教室数", "int", min=0),
                _c("music_room_min_area_m2", "最小音乐专用教室面积", "number", required=False, min=0),
                _c("art_rooms", "美术专用教室数", "int", min=0),
                _c("art_room_min_area_m2", "最小美术专用教室面积", "number", required=False, min=0),
                # optional: moe-2012's B4 (每百名学生拥有计算机台数) and B5 (生均图书册数)
                _c("computers", "计算机台数", "int", required=False, min=0, aliases=("教学用计算机台数", "计算机数")),
                _c("books", "图书册数", "int", required=False, min=0, aliases=("图书藏量", "图书藏书量")),
            ),
            required=True,
            key=("school_id", "year", "stage"),
        ),
        Table(
            "classes",
            "班级",
            (
                _c("school_id", "学校标识码", "text"),
                _c("year", "学年", "int", min=1990),
                _c("grade", "年级", "int", min=1),
                _c("class_id", "班级", "text"),
                _c("students", "班级人数", "int", gt=0),
            ),
            key=("school_id", "year", "class_id"),
        ),
        Table(
            "teachers",
            "专任教师",
            (
                _c("teacher_id", "教师编号", "text"),
                _c("year", "学年", "int", min=1990),
                _c("school_id", "学校标识码", "text"),
                _c("stage", "学段", "enum", enum=STAGES),
                _c("sex", "性别", "enum", enum=SEXES),
                _c("birth_year", "出生年份", "int", min=1900),
                _c("backbone", "骨干教师级别", "enum", enum=BACKBONE_LEVELS),
                _c("years_at_school", "本校连续任教年限", "int", min=0),
                _c("certified", "持有教师资格证", "bool"),
                _c("training_hours_5y", "近五年培训学时", "number", min=0),
            ),
            key=("teacher_id", "year"),
        ),
        Table(
            "rotations",
            "交流轮岗",
            (
                _c("teacher_id", "教师编号", "text"),
                _c("year", "学年", "int", min=1990),
                _c("from_school", "原学校标识码", "text"),
                _c("to_school", "交流学校标识码", "text"),
                _c("mode", "交流方式", "enum", enum=MODES),
            ),
        ),
        Table(
            "cohorts",
            "初中巩固率",
            (
                _c("year", "学年", "int", min=1990, unique=True),
                _c("graduates", "初中毕业班学生数", "int", min=0),
                _c("entrants_3y_ago", "三年前该年级入学学生数", "int", gt=0),
                _c("transfers_in", "三年转入学生数", "int", min=0),
                _c("transfers_out", "三年转出学生数", "int", min=0),
                _c("deaths", "三年死亡学生数", "int", min=0),
            ),
            key=("year",),
        ),
        Table(
            "budget",
            "公用经费与培训经费",
            (
                _c("school_id", "学校标识码", "text"),
                _c("year", "学年", "int", min=1990),
                _c("public_funds_yuan", "年度公用经费预算总额", "number", gt=0),
                _c("training_funds_yuan", "教师培训经费", "number", min=0),
            ),
            key=("school_id", "year"),
        ),
        Table(
            "county_indicators",
            "县级指标",
            (
                _c("year", "学年", "int", min=1990),
                _c("indicator", "指标", "text"),
                _c("value", "数值", "text", required=False),
                _c("evidence", "佐证材料", "text", required=False),
            ),
            key=("year", "indicator"),
        ),
        Table(
            "survey",
            "社会认可度调查",
            (
                _c("year", "学年", "int", min=1990),
                _c("group", "调查对象", "enum", enum=SURVEY_GROUPS),
                _c("valid", "有效问卷数", "int", min=0),
                _c("satisfied", "满意问卷数", "int", min=0),
            ),
            key=("year", "group"),
        ),
    )
}

REQUIRED_TABLES = tuple(name for name, t in TABLES.items() if t.required)
OPTIONAL_TABLES = tuple(name for name, t in TABLES.items() if not t.required)


def chinese_headers(table: str) -> dict[str, str]:
    """English column name → Chinese header, for writing tables the way analysts receive them."""
    return {c.name: c.zh for c in TABLES[table].columns}
