"""The import page `/admin/import`: a district user brings the district's own files in.

The page is markup and labels only; its script (static/admin/import.js, loaded from 'self'
under the gateway's CSP, no inline script or handler) posts the chosen file to
`/imports/<kind>` (imports_proxy.py) with `check=true`, shows the grouped report, and commits
the same file with `check=false`. Its fetches are same-origin and carry the sign-in cookie;
that route refuses the cookie from any other site. Every text from a report goes into the
page as text (`textContent`), never as markup. Chinese first, `?lang=en` for English.
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from gateway.auth.web import page_identity, sign_in_first
from gateway.imports_proxy import OWNERS
from gateway.maps.assets import js
from services.common.auth import Role

STATIC = "/static/admin"

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "导入数据",
        "intro": "选择数据类型和文件，先“检查”（不写入任何数据），确认无误后再“导入”。",
        "kind": "数据类型",
        "kind_regions": "区划",
        "kind_boundaries": "社区边界",
        "kind_zones": "片区",
        "kind_buildings": "楼栋",
        "kind_organizations": "党组织",
        "kind_members": "党员",
        "crs": "坐标系（可选）",
        "crs_hint": "如 EPSG:4547、CGCS2000、GCJ02；文件自带坐标系时不填",
        "community": "社区代码（可选）",
        "policy": "重复数据",
        "policy_skip": "跳过",
        "policy_keep": "保留两份",
        "policy_replace": "替换已有",
        "partial": "只导入通过检查的部分，其余退回",
        "file": "文件",
        "check": "检查",
        "commit": "导入",
        "templates": "模板下载",
        "template_organizations": "党组织名册模板（.xlsx）",
        "template_members": "党员名册模板（.xlsx）",
        "other_lang": "English",
        "file_name": "文件",
        "read": "读取",
        "imported": "新增",
        "updated": "更新",
        "skipped": "跳过",
        "refused": "拒绝",
        "reason": "原因",
        "rule": "规则",
        "count": "数量",
        "example": "示例",
        "row": "行",
        "column": "列",
        "message": "说明",
        "notes": "备注",
        "working": "正在处理……",
        "checked": "检查完成，尚未写入任何数据。",
        "checked_refused": "文件未通过检查，未写入任何数据。请按下表修改后重新检查。",
        "written": "已导入。",
        "refused_whole": "文件被拒绝，未写入任何数据。",
        "nothing_written": "没有写入任何数据。",
        "choose_file": "请先选择文件。",
        "failed": "请求失败，请稍后重试。",
        "refused_rows": "下载被退回的行（.xlsx）",
        "refused_features": "下载被退回的要素，修改后可重新导入",
        "refused_rows_withheld": "重试的答复不含被退回的行：请重新检查该文件以取得。",
        "forbidden": "只有区委组织部用户可以导入数据",
        "forbidden_detail": "请使用区委组织部账号登录。",
    },
    "en": {
        "title": "Import data",
        "intro": "Choose the kind of data and a file, Check it first (nothing is written),"
        " then Import.",
        "kind": "Kind of data",
        "kind_regions": "Places (regions)",
        "kind_boundaries": "Community boundaries",
        "kind_zones": "Zones",
        "kind_buildings": "Buildings",
        "kind_organizations": "Party organizations",
        "kind_members": "Party members",
        "crs": "Coordinate system (optional)",
        "crs_hint": "e.g. EPSG:4547, CGCS2000, GCJ02; leave empty when the file declares one",
        "community": "Community code (optional)",
        "policy": "Duplicates",
        "policy_skip": "Skip",
        "policy_keep": "Keep both",
        "policy_replace": "Replace stored",
        "partial": "Import the rows that pass; return the rest",
        "file": "File",
        "check": "Check",
        "commit": "Import",
        "templates": "Templates",
        "template_organizations": "Organizations roster template (.xlsx)",
        "template_members": "Members roster template (.xlsx)",
        "other_lang": "中文",
        "file_name": "File",
        "read": "Read",
        "imported": "New",
        "updated": "Updated",
        "skipped": "Skipped",
        "refused": "Refused",
        "reason": "Reason",
        "rule": "Rule",
        "count": "Count",
        "example": "Example",
        "row": "Row",
        "column": "Column",
        "message": "Message",
        "notes": "Notes",
        "working": "Working…",
        "checked": "Checked: nothing has been written yet.",
        "checked_refused": "The file did not pass: nothing was written. Fix what the table"
        " lists and check again.",
        "written": "Imported.",
        "refused_whole": "The file was refused: nothing was written.",
        "nothing_written": "Nothing was written.",
        "choose_file": "Choose a file first.",
        "failed": "The request failed; try again later.",
        "refused_rows": "Download the returned rows (.xlsx)",
        "refused_features": "Download the returned features to fix and import again",
        "refused_rows_withheld": "A retry's answer leaves out the returned rows: check the file again to get them.",
        "forbidden": "Only district users may import data",
        "forbidden_detail": "Sign in with a district (区委组织部) account.",
    },
}


def labels_for(lang: str | None) -> dict[str, str]:
    return LABELS["en" if lang == "en" else "zh"]


def _page(lang: str | None) -> str:
    t = labels_for(lang)
    e = html.escape
    kinds = "".join(f'<option value="{kind}">{e(t["kind_" + kind])}</option>' for kind in OWNERS)
    kinds = kinds.replace('value="buildings"', 'value="buildings" selected')
    policies = "".join(
        f'<option value="{p}">{e(t["policy_" + p])}</option>' for p in ("skip", "keep", "replace")
    )
    other = "/admin/import" if lang == "en" else "/admin/import?lang=en"
    return f"""<!doctype html>
<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(t["title"])}</title>
<link rel="stylesheet" href="{STATIC}/import.css">
<script type="application/json" id="import-labels">{js(t)}</script>
<script src="{STATIC}/import.js" defer></script>
</head><body>
<header><h1>{e(t["title"])}</h1><a id="import-lang" href="{other}">{e(t["other_lang"])}</a></header>
<p>{e(t["intro"])}</p>
<form id="import-form">
<p><label>{e(t["kind"])} <select id="import-kind">{kinds}</select></label></p>
<p><label>{e(t["crs"])} <input id="import-crs" placeholder="EPSG:4547"></label>
<small>{e(t["crs_hint"])}</small></p>
<p><label>{e(t["community"])} <input id="import-community" inputmode="numeric"
 maxlength="12"></label></p>
<p><label>{e(t["policy"])} <select id="import-policy">{policies}</select></label></p>
<p><label><input type="checkbox" id="import-partial"> {e(t["partial"])}</label></p>
<p><label>{e(t["file"])} <input type="file" id="import-file"></label></p>
<p class="buttons"><button type="button" id="import-check">{e(t["check"])}</button>
<button type="button" id="import-commit" disabled>{e(t["commit"])}</button></p>
</form>
<p id="import-status" role="status" aria-live="polite"></p>
<section id="import-report" data-state=""></section>
<aside><h2>{e(t["templates"])}</h2><ul>
<li><a id="template-organizations" href="/templates/organizations.xlsx" download>
{e(t["template_organizations"])}</a></li>
<li><a id="template-members" href="/templates/members.xlsx" download>
{e(t["template_members"])}</a></li></ul></aside>
</body></html>"""


def _forbidden(lang: str | None) -> HTMLResponse:
    t = labels_for(lang)
    return HTMLResponse(
        f"<!doctype html><html lang='{'en' if lang == 'en' else 'zh-CN'}'><head>"
        f"<meta charset='utf-8'><title>{html.escape(t['forbidden'])}</title>"
        f"<link rel='stylesheet' href='{STATIC}/import.css'></head><body>"
        f"<h1 id='import-forbidden'>{html.escape(t['forbidden'])}</h1>"
        f"<p>{html.escape(t['forbidden_detail'])}</p></body></html>",
        status_code=403,
    )


async def import_page(request: Request) -> Response:
    if (redirect := sign_in_first(request)) is not None:
        return redirect
    lang = request.query_params.get("lang")
    # The district's user brings the district in; the services check each kind again.
    if page_identity(request).role is not Role.DISTRICT:
        return _forbidden(lang)
    return HTMLResponse(_page(lang))


ROUTES = [Route("/admin/import", import_page, methods=["GET"])]
