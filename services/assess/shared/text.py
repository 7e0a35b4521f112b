"""Free text as the assess service takes it in: the one rule of services/common/text.py."""

from services.common.text import MAX_LINE, MAX_NOTE, clean_text

__all__ = ["MAX_LINE", "MAX_NOTE", "clean_text"]
