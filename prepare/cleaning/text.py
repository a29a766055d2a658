"""Pure text repairs (the normalised key that finds near-duplicates is robustflow.textkey)."""

from __future__ import annotations

import html
import re
import unicodedata

# Markup: an HTML element name right after `<` (no space: "a < b" is text), then attributes. Only
# real element names, so placeholders such as "<user>" or "<unk>" in tweets stay text.
_ELEMENTS = ("a abbr address article aside audio b bdi bdo blockquote body br button caption cite code col "
             "colgroup dd del details dfn div dl dt em embed fieldset figcaption figure font footer form h1 h2 h3 "
             "h4 h5 h6 head header hr html i iframe img input ins kbd label legend li link main mark meta nav "
             "noscript object ol option p param pre q s samp script section select small source span strike "
             "strong style sub summary sup table tbody td textarea tfoot th thead title tr tt u ul var video wbr")
_BLOCK = set("address article aside blockquote br dd div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 "
             "h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split())
_TAG = re.compile(r"</?(" + "|".join(sorted(_ELEMENTS.split(), key=len, reverse=True)) + r")(?=[\s/>])(?:\s[^<>]*)?/?>",
                  re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]{1,31});")
_KEEP_CONTROLS = {"\t", "\n", "\r"}  # whitespace: the whitespace rule owns them


def normalize_unicode(text: str, form: str = "NFC") -> str:
    """Normalise to ``form`` without adding whitespace: a character whose compatibility form holds a
    space ("´" -> " ́", "¨", "‗") is kept as it is (NFC'd), so a token never gains a space and a
    text never gains a word break. NFC only composes, so it never does that anyway."""
    if form in ("NFC", "NFD") or text.isascii() or not any(map(_spaced, text, [form] * len(text))):
        return unicodedata.normalize(form, text)
    pieces, run = [], []
    for ch in text:
        if _spaced(ch, form):
            pieces += [unicodedata.normalize(form, "".join(run)), unicodedata.normalize("NFC", ch)]
            run = []
        else:
            run.append(ch)
    return "".join(pieces) + unicodedata.normalize(form, "".join(run))


def _spaced(ch: str, form: str) -> bool:
    return not ch.isspace() and any(c.isspace() for c in unicodedata.normalize(form, ch))


def unescape(text: str) -> str:
    """HTML entities to characters; twice, for double-escaped exports ("&amp;amp;")."""
    for _ in range(2):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    return text


def html_counts(text: str) -> dict[str, int]:
    """Entities that `strip_html` unescapes and tags it then removes."""
    return {"entities_unescaped": len(_ENTITY.findall(text)), "tags_removed": len(_TAG.findall(unescape(text)))}


def has_html(text: str) -> bool:
    return any(html_counts(text).values())


def strip_html(text: str, block_separator: str = " ") -> str:
    """Unescape entities (&amp; -> &), then remove tags keeping their inner text
    (&lt;a href="x"&gt;KMB.N&lt;/a&gt; -> KMB.N). A block tag (<br/>, <p>) becomes
    ``block_separator`` (a word break in a text; "" inside a token), an inline one (<b>) nothing.
    A "<" or ">" that is not part of an HTML tag stays."""
    return _TAG.sub(lambda m: block_separator if m.group(1).lower() in _BLOCK else "", unescape(text))


def is_control(ch: str) -> bool:
    """Control (Cc) and format (Cf: zero-width spaces and joiners, BOM, soft hyphen, bidi marks)."""
    return ch not in _KEEP_CONTROLS and unicodedata.category(ch) in ("Cc", "Cf")


def has_control(text: str) -> bool:
    return any(is_control(ch) for ch in text)


def remove_control(text: str) -> str:
    return "".join(ch for ch in text if not is_control(ch))
