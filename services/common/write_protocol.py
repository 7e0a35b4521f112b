"""What the gateway and the subgraphs agree on about retried writes and deadlines: the
headers, the errors and what a valid key is. Apart from `idempotency` (the subgraphs' side,
with its database table), so the gateway imports these without SQLAlchemy."""

from __future__ import annotations

import orjson

KEY_HEADER = "idempotency-key"
DEADLINE_HEADER = "partygrid-deadline-ms"
MAX_KEY_LENGTH = 255

MESSAGES = {
    "OUTCOME_UNKNOWN": (
        "写入未能在时限内完成，结果未知：请用同一 Idempotency-Key 重试以取得结果，或查看变更记录",
        "The write did not finish in time; its outcome is unknown. Retry with the same "
        "Idempotency-Key to get its outcome, or look it up in the change log.",
    ),
    "DEADLINE_EXCEEDED": ("查询未能在时限内完成", "The request did not finish in time."),
    "IDEMPOTENCY_KEY_REUSED": (
        "该 Idempotency-Key 已用于另一个请求：每个不同的写入请使用新的键",
        "This Idempotency-Key was used for a different request; use a new key for each "
        "distinct write.",
    ),
    "IN_PROGRESS": (
        "使用该 Idempotency-Key 的请求仍在处理中，请稍后用同一键重试",
        "A request with this Idempotency-Key is still running; retry later with the same key.",
    ),
    "ALREADY_APPLIED": (
        "该写入已经生效，但其答复未能保存：请查看当前状态，不要重复提交",
        "The write was applied but its answer was not kept; read the current state instead "
        "of sending it again.",
    ),
    "INVALID_IDEMPOTENCY_KEY": (
        f"Idempotency-Key 须为 1 至 {MAX_KEY_LENGTH} 个可见 ASCII 字符",
        f"The Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters.",
    ),
}


def error_body(code: str) -> bytes:
    """A GraphQL response without data, refusing or cutting off the request with `code`."""
    message, message_en = MESSAGES[code]
    return orjson.dumps(
        {
            "data": None,
            "errors": [{"message": message, "extensions": {"code": code, "messageEn": message_en}}],
        }
    )


def valid_key(key: str) -> bool:
    """1 to MAX_KEY_LENGTH visible ASCII characters (what a UUID or any token is)."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all("!" <= c <= "~" for c in key)
