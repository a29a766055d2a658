"""Pure text repairs (the normalised key that finds near-duplicates is robustflow.textkey)."""

from __future__ import annotations

import html
import re
import unicodedata


_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9:-]*(?:\s+[^<>]*?)?\s*/?\s*>")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]{1,31});")
_KEEP_CONTROLS = {"\t", "\n", "\r"}  # whitespace: the whitespace rule owns them


def normalize_unicode(text: str, form: str = "NFKC") -> str:
    return unicodedata.normalize(form, text)


def has_html(text: str) -> bool:
    return bool(_TAG.search(text) or _ENTITY.search(text))


def strip_html(text: str) -> str:
    """Unescape entities (&amp; -> &) and replace tags (<br/>) with a space.

    Tags are removed before unescaping so an escaped "&lt;b&gt;" in the text stays visible text.
    Two passes of unescaping handle double-escaped exports ("&amp;amp;").
    """
    text = _TAG.sub(" ", text)
    for _ in range(2):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    return text


def is_control(ch: str) -> bool:
    """Control (Cc) and format (Cf: zero-width spaces and joiners, BOM, soft hyphen, bidi marks)."""
    return ch not in _KEEP_CONTROLS and unicodedata.category(ch) in ("Cc", "Cf")


def has_control(text: str) -> bool:
    return any(is_control(ch) for ch in text)


def remove_control(text: str) -> str:
    return "".join(ch for ch in text if not is_control(ch))
