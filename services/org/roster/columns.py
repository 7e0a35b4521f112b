"""The columns of the organization and member rosters (组织、党员花名册) as departments keep
them: Chinese headers with the names other systems use for them, the coded lists behind the
drop-downs, and how one cell's value is read (dates in every form Excel users type them,
full-width characters, spaces inside names).

Templates, checks and exports all read these specs, so a header or a code list is defined once.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from services.common.cells import text_cell

ORGANIZATIONS = "organizations"
MEMBERS = "members"
KINDS = (ORGANIZATIONS, MEMBERS)


@dataclass(frozen=True)
class RosterColumn:
    key: str
    zh: str  # the template's header
    en: str
    aliases: tuple[str, ...] = ()  # other systems' headers for the same column
    codes: dict[str, str] = field(default_factory=dict)  # label (drop-down) -> stored value
    synonyms: dict[str, str] = field(default_factory=dict)  # more labels read on import
    required: bool = False
    is_date: bool = False
    note: str = ""  # the 说明 sheet's line

    def label_of(self, value: str | None) -> str:
        """The drop-down label of a stored code ("" for none)."""
        for label, code in self.codes.items():
            if code == value:
                return label
        return ""

    def code_of(self, label: str) -> str | None:
        key = squeeze(label)
        for options in (self.codes, self.synonyms):
            for known, code in options.items():
                if squeeze(known) == key:
                    return code
        return None


ORGANIZATION_KIND_LABELS = {
    "社区党委": "community_committee",
    "社区党总支": "general_branch",
    "社区党支部": "branch",
    "网格党支部": "grid_branch",
    "党小组": "party_group",
    "功能型党支部": "functional_branch",
    "功能型党小组": "functional_group",
    "特色党支部": "special_branch",
    "特色党小组": "special_group",
}
UNIT_LABELS = {
    "社区工作站": "workstation",
    "综治办": "zongzhiban",
    "居委会": "juweihui",
    "业主委员会": "owners_committee",
    "志愿者服务队": "volunteer_team",
    "文体活动宣传队": "culture_team",
}
EDUCATION_LABELS = {
    "小学": "primary",
    "初中": "junior",
    "高中": "senior",
    "中专": "secondary_vocational",
    "大专": "associate",
    "大学本科": "bachelor",
    "硕士研究生": "master",
    "博士研究生": "doctorate",
}
EDUCATION_SYNONYMS = {
    "中技": "secondary_vocational",
    "职高": "secondary_vocational",
    "中等专科": "secondary_vocational",
    "大学专科": "associate",
    "专科": "associate",
    "本科": "bachelor",
    "大学": "bachelor",
    "研究生": "master",
    "硕士": "master",
    "博士": "doctorate",
}
MANAGEMENT_LABELS = {"自管": "self", "非自管": "non_self", "联管": "joint"}
REPORTING_LABELS = {"待报到": "pending", "已报到": "reported", "已迁出": "left"}
CATEGORY_LABELS = {"正式党员": "full", "预备党员": "probationary"}
GENDER_LABELS = {"男": "M", "女": "F"}

COMMUNITY_NOTE = "12位统计用区划代码；命令行 --community 可为空白单元格补上"

ORGANIZATION_COLUMNS = (
    RosterColumn(
        "external_id",
        "组织编码",
        "organization code",
        ("组织代码", "党组织编码", "党组织代码", "编码", "外部编号"),
        note="本系统或原系统的组织编码；再次导入时按此更新，留空则新建",
    ),
    RosterColumn(
        "name",
        "组织名称",
        "name",
        ("名称", "党组织名称"),
        required=True,
        note="必填",
    ),
    RosterColumn(
        "kind",
        "组织类别",
        "category",
        ("类别", "组织类型", "党组织类别"),
        codes=ORGANIZATION_KIND_LABELS,
        synonyms={"党委": "community_committee", "党总支": "general_branch"},
        required=True,
        note="必填，从下拉列表选择",
    ),
    RosterColumn(
        "parent",
        "上级组织",
        "parent organization",
        ("上级党组织", "上级组织编码"),
        note="上级组织的编码或名称（同一社区）；社区党委、党总支、党支部不填",
    ),
    RosterColumn(
        "community",
        "所在社区（区划代码）",
        "community code",
        ("所在社区", "社区代码", "区划代码", "所在社区/单位"),
        note=COMMUNITY_NOTE,
    ),
    RosterColumn(
        "units",
        "所在单位",
        "units",
        ("设立单位",),
        codes=UNIT_LABELS,
        note="功能型、特色组织所在单位，多个用顿号分隔，如 社区工作站、居委会",
    ),
    RosterColumn("founded_on", "成立日期", "founded on", ("建立日期",), is_date=True),
    RosterColumn(
        "secretary",
        "书记",
        "secretary",
        ("党组织书记", "负责人"),
        note="仅供查看：书记由班子成员维护，导入时不读取",
    ),
)

MEMBER_COLUMNS = (
    RosterColumn(
        "external_id",
        "党员编号",
        "member number",
        ("外部编号", "人员编号", "编号"),
        note="本系统或原系统的党员编号；再次导入时按此更新，留空则新建",
    ),
    RosterColumn("name", "姓名", "name", ("党员姓名",), required=True, note="必填"),
    RosterColumn("gender", "性别", "gender", codes=GENDER_LABELS, required=True),
    RosterColumn("ethnicity", "民族", "ethnicity"),
    RosterColumn(
        "birth_date",
        "出生日期",
        "birth date",
        ("出生年月",),
        is_date=True,
        required=True,
        note="日期，如 1980-05-01、1980.5.1、1980年5月1日、198005",
    ),
    RosterColumn(
        "education",
        "学历",
        "education",
        ("文化程度", "最高学历"),
        codes=EDUCATION_LABELS,
        synonyms=EDUCATION_SYNONYMS,
        required=True,
    ),
    RosterColumn(
        "joined_on",
        "入党日期",
        "joined on",
        ("入党时间",),
        is_date=True,
        required=True,
    ),
    RosterColumn("confirmed_on", "转正日期", "confirmed on", ("转正时间",), is_date=True),
    RosterColumn(
        "category",
        "人员类别",
        "category",
        ("党员类别",),
        codes=CATEGORY_LABELS,
        synonyms={"正式": "full", "预备": "probationary"},
        required=True,
    ),
    RosterColumn(
        "management",
        "管理方式",
        "management",
        codes=MANAGEMENT_LABELS,
        required=True,
        note="自管党员须填所在党组织；非自管、联管党员须填工作单位",
    ),
    RosterColumn(
        "organization",
        "所在党组织",
        "organization",
        ("所在党支部", "所在支部"),
        note="党组织的编码或名称（同一社区），自管党员必填",
    ),
    RosterColumn(
        "community",
        "所在社区（区划代码）",
        "community code",
        ("所在社区", "社区代码", "区划代码"),
        note=COMMUNITY_NOTE,
    ),
    RosterColumn(
        "home",
        "居住地址或楼栋",
        "home address or building",
        ("现居住地", "居住地址", "家庭住址", "楼栋"),
        note="楼栋编号，或与本社区楼栋地址一致的地址；未匹配的列在导入报告中",
    ),
    RosterColumn("employer_unit", "工作单位", "employer unit", ("工作单位及职务", "所在单位")),
    RosterColumn("phone", "联系电话", "phone", ("手机号码", "电话", "手机")),
    RosterColumn(
        "reporting_status",
        "报到情况",
        "reporting in",
        ("报到状态",),
        codes=REPORTING_LABELS,
        note="非自管、联管党员填写；空白为待报到",
    ),
    RosterColumn("reported_in_on", "报到日期", "reported in on", ("报到时间",), is_date=True),
)

COLUMNS = {ORGANIZATIONS: ORGANIZATION_COLUMNS, MEMBERS: MEMBER_COLUMNS}
TITLES = {ORGANIZATIONS: "党组织信息表", MEMBERS: "党员信息表"}
# Personal data the district does not keep (issue 13): the column is read past, never stored.
IGNORED_HEADERS = ("身份证号", "身份证号码", "公民身份号码", "身份证")

_SPACES = re.compile(r"\s+")
_BRACKETED = re.compile(r"\(.*?\)")


def squeeze(value: str) -> str:
    """Full-width folded to half-width (NFKC), every space removed, lower case: how headers,
    labels and addresses are compared."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).replace("*", "").lower()


def header_key(value: str) -> str:
    """A header compared without its bracketed hint: 所在社区（区划代码） reads as 所在社区."""
    return _BRACKETED.sub("", squeeze(value))


# Full-width letters, digits and the ideographic space, as Chinese input methods type them, to
# their ASCII forms. Full-width punctuation (（）、：) is how Chinese text is written: it stays.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}
_WIDTH |= {c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)}
_WIDTH |= {c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)}
_WIDTH[0x3000] = 0x20


def clean_cell(value: object) -> str:
    """A text cell as a person meant it (services.common.cells.text_cell), full-width letters,
    digits and spaces folded, runs of spaces made one. Never for a code: codes are read with
    `code_cell`, exactly as written."""
    return _SPACES.sub(" ", text_cell(value).translate(_WIDTH)).strip()


def clean_name(value: object) -> str:
    """A person's or organization's name: Chinese names carry no spaces (王 小明 is 王小明);
    a Latin-script name keeps single spaces between its words."""
    text = clean_cell(value)
    parts = text.split(" ")
    if all(p.isascii() for p in parts):
        return text
    return "".join(parts)


# Excel's day 0 in the 1900 date system (its 1900-02-29 bug makes the epoch the 30th).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})(?:\s*[-./月]\s*(\d{1,2})\s*日?|\s*月?)$")


class DateUnreadableError(ValueError):
    pass


def read_date(value: object) -> dt.date | None:
    """A date cell: a date, a datetime, an Excel serial number, or text such as 2020-05-01,
    2020/5/1, 2020.5.1, 2020年5月1日, 20200501, 202005 or 2020年5月 (a month: its first day).
    None when blank; DateUnreadableError otherwise."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value)
    text = clean_cell(value)
    return _date_from_text(text) if text else None


def _date_from_text(text: str) -> dt.date:
    try:
        if text.isdigit():
            if len(text) == 8:
                return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
            if len(text) == 6:
                return dt.date(int(text[:4]), int(text[4:]), 1)
            if len(text) <= 5:
                return _serial(int(text))
            raise DateUnreadableError(text)
        found = _DATE_TEXT.match(text)
        if found is None:
            raise DateUnreadableError(text)
        year, month, day = found.groups()
        return dt.date(int(year), int(month), int(day or 1))
    except ValueError:  # a month 13 or a day 32
        raise DateUnreadableError(text) from None


def _serial(number: float) -> dt.date:
    if not 1 <= number < 2958466:  # 9999-12-31
        raise DateUnreadableError(str(number))
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))
