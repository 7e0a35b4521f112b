"""Words of every console page: the frame, navigation, roles, refusals, common buttons."""

from __future__ import annotations

from services.common.auth import ROLE_LABELS


def _roles(lang: str) -> dict[str, str]:
    """`role_<value>`: each role's label from its one source (services.common.auth)."""
    return {
        f"role_{role.value}": zh if lang == "zh" else en[:1].upper() + en[1:]
        for role, (zh, en) in ROLE_LABELS.items()
    }


ZH = {
    **_roles("zh"),
    "app": "党建网格",
    "console": "工作台",
    "skip": "跳到正文",
    "nav": "导航",
    "nav_home": "首页",
    "nav_overview": "社区总览",
    "nav_reports": "月报",
    "nav_rollup": "月报汇总",
    "nav_community": "组织体系",
    "nav_members": "党员",
    "nav_assessment": "分类定级",
    "nav_records": "工作记录",
    "nav_commendations": "评星评优",
    "nav_search": "搜索",
    "nav_maps": "覆盖图",
    "nav_graphiql": "GraphQL 查询",
    "signed_in_as": "当前用户",
    "region": "辖区",
    "sign_out": "退出登录",
    "language": "English",
    "print": "打印",
    "save": "保存",
    "submit": "提交",
    "cancel": "取消",
    "back": "返回",
    "download": "下载",
    "none": "无",
    "yes": "是",
    "no": "否",
    "required": "必填",
    "form_problem": "未保存：请按提示修改后重新提交",
    "form_not_offered": "请从本页列出的选项中选择",
    "saved": "已保存",
    "forbidden": "您无权查看此页面",
    "forbidden_hint": "此页面不在您的角色或辖区权限范围内。",
    "not_found": "未找到",
    "not_found_hint": "地址有误，或该对象不在您的辖区内。",
    "csrf_refused": "表单已过期或来源不明，请刷新页面后重新提交",
    "form_unreadable": "表单无法读取：文件或字段过多、过大",
    "unavailable": "服务暂不可用，请稍后重试",
    "session_expired": "登录已过期，请重新登录",
}

EN = {
    **_roles("en"),
    "app": "PartyGrid",
    "console": "Console",
    "skip": "Skip to content",
    "nav": "Navigation",
    "nav_home": "Home",
    "nav_overview": "Communities",
    "nav_reports": "Monthly reports",
    "nav_rollup": "District roll-up",
    "nav_community": "Organizations",
    "nav_members": "Members",
    "nav_assessment": "Grading",
    "nav_records": "Work records",
    "nav_commendations": "Commendations",
    "nav_search": "Search",
    "nav_maps": "Coverage maps",
    "nav_graphiql": "GraphQL",
    "signed_in_as": "Signed in as",
    "region": "Region",
    "sign_out": "Sign out",
    "language": "中文",
    "print": "Print",
    "save": "Save",
    "submit": "Submit",
    "cancel": "Cancel",
    "back": "Back",
    "download": "Download",
    "none": "None",
    "yes": "Yes",
    "no": "No",
    "required": "required",
    "form_problem": "Not saved: correct the fields marked and submit again",
    "form_not_offered": "Choose one of the options this page lists",
    "saved": "Saved",
    "forbidden": "You may not see this page",
    "forbidden_hint": "This page lies outside your role or region.",
    "not_found": "Not found",
    "not_found_hint": "The address is wrong, or what it names is outside your region.",
    "csrf_refused": "The form expired or came from elsewhere; reload the page and submit again",
    "form_unreadable": "The form could not be read: too many or too large files or fields",
    "unavailable": "A service did not answer; try again shortly",
    "session_expired": "The sign-in has expired; sign in again",
}
