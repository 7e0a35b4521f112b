"""Documents the district writes as YAML (the grading standard, the commendation criteria):
parsed safely, validated by a pydantic model, every problem named in Chinese and English."""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from services.common.errors import DomainError, combined, invalid

MAX_DOCUMENT_BYTES = 256 * 1024  # a standard is a few dozen entries; more is a mistake
Model = TypeVar("Model", bound=BaseModel)
Problem = tuple[str, str, str]  # (path, zh, en)

_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的字段",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "string_pattern_mismatch": "格式不正确",
    "literal_error": "取值不在允许范围内",
    "too_short": "条目不足",
    "too_long": "条目过多",
}


class DocumentError(ValueError):
    """A document that cannot be loaded; `problems` are (path, zh, en) triples."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{path}: {en}" for path, _, en in problems))
        self.problems = problems


def parse_document(text: str, model: type[Model], *, wrong_zh: str) -> Model:
    """`text` as a `model`; DocumentError lists every problem (`wrong_zh` names the document
    in Chinese for problems without a message of their own)."""
    if len(text.encode()) > MAX_DOCUMENT_BYTES:
        raise DocumentError([("", "文档过大", f"the document exceeds {MAX_DOCUMENT_BYTES} bytes")])
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise DocumentError([(where, "不是有效的YAML文档", f"not a YAML document: {exc}")]) from exc
    if not isinstance(raw, dict):
        raise DocumentError([("", "文档应为键值映射", "the document must be a mapping")])
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise DocumentError([_problem(error, wrong_zh) for error in exc.errors()]) from exc


def _problem(error: Any, wrong_zh: str) -> Problem:
    path = ".".join(str(part) for part in error["loc"])
    return path, _ZH.get(error["type"], wrong_zh), error["msg"]


def refusal(problems: list[Problem]) -> DomainError:
    """A refused document as one typed error per problem (field: document.<path>)."""
    errors = [
        invalid(
            f"{path}：{zh}" if path else zh,
            f"{path}: {en}" if path else en,
            ["document", *path.split(".")] if path else ["document"],
        )
        for path, zh, en in problems
    ]
    return combined(errors)
