"""The one way text from outside reaches the screen.

Pod names, labels, SQL text, alert annotations and error messages come from systems an attacker may
write to. Textual passes ESC sequences in a ``Label(..., markup=False)`` straight to the terminal
(OSC 0 retitles it, CSI 2J clears it, OSC 52 writes the clipboard) and a DataTable renders plain
``str`` cells as markup. So every external string goes through :func:`clean` (to a ``str``) or
:func:`inert` (to a Rich ``Text``, which is never parsed as markup) before display.

Dangerous characters are not deleted but replaced with a visible placeholder, so that the responder
sees that the value carried something odd (and two names that differ only by a control character
do not look identical).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rich.cells import cell_len, get_character_cell_size
from rich.style import Style
from rich.text import Text

__all__ = ["ELLIPSIS", "clean", "inert", "scrub_text", "web_link"]

ELLIPSIS = "…"
_UNKNOWN = "⍰"  # C1 controls and invisible format characters
_LINE_BREAK = "⏎"
_REPLACEMENT = "\ufffd"  # lone surrogates (from surrogateescape decoding) would crash the writer

# Invisible format characters that can spoof text: bidi embeddings/overrides/isolates (U+202E makes
# "exe.txt" read as "txt.exe"), zero-width characters (hide a difference between two names; ZWJ also
# makes terminals disagree with Rich about a cell width), the soft hyphen, the BOM, interlinear
# annotations and the invisible "tag" characters used to smuggle ASCII.
_FORMAT_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),
    (0x061C, 0x061C),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0xE0000, 0xE007F),
)


def _build_table(*, single_line: bool) -> dict[int, str]:
    # Every entry maps one code point to one code point, so single-line cleaning keeps string
    # offsets: the spans of a Rich Text stay valid after its plain text is cleaned.
    table: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}  # Control Pictures
    table[0x09] = " "
    table[0x7F] = "\u2421"  # ␡
    table.update({code: _UNKNOWN for code in range(0x80, 0xA0)})  # C1, incl. 8-bit CSI/OSC/DCS
    for start, end in _FORMAT_RANGES:
        table.update({code: _UNKNOWN for code in range(start, end + 1)})
    table.update({code: _REPLACEMENT for code in range(0xD800, 0xE000)})
    if single_line:
        table[0x0A] = _LINE_BREAK
        table[0x2028] = _LINE_BREAK
        table[0x2029] = _LINE_BREAK
    else:
        del table[0x0A]
        table[0x2028] = "\n"
        table[0x2029] = "\n"
    return table


_SINGLE_LINE = _build_table(single_line=True)
_MULTI_LINE = _build_table(single_line=False)


def clean(value: str, *, single_line: bool = True, max_length: int | None = None) -> str:
    """Make an external string inert for the terminal.

    Args:
        value: The raw string, as the source sent it.
        single_line: Show line breaks as "⏎" (and tabs as a space) instead of keeping them. In this
            mode the result has exactly one code point per input code point (before truncation).
        max_length: Truncate to this many terminal cells, ending with "…".

    Returns:
        The string with every C0/C1 control, DEL, lone surrogate and spoofing format character
        replaced by a visible placeholder (ESC becomes "␛"). Markup characters are left as they
        are: markup is escaped by never parsing it (see :func:`inert`).
    """
    # isprintable() is a fast C loop and is False for every character the tables replace.
    if not value.isprintable():
        if single_line:
            value = value.translate(_SINGLE_LINE)
        else:
            value = value.replace("\r\n", "\n").expandtabs(4).translate(_MULTI_LINE)
    if max_length is not None:
        value = _truncate(value, max_length)
    return value


def _truncate(value: str, max_cells: int) -> str:
    if max_cells <= 0:
        return ""
    if cell_len(value) <= max_cells:
        return value
    budget = max_cells - cell_len(ELLIPSIS)
    if value.isascii():  # cleaned ASCII is one cell per character
        return value[:budget] + ELLIPSIS
    width = 0
    for index, character in enumerate(value):
        width += get_character_cell_size(character)
        if width > budget:  # a wide character that would straddle the edge is dropped whole
            return value[:index] + ELLIPSIS
    return value


def inert(value: str, style: str = "", *, single_line: bool = True, max_length: int | None = None) -> Text:
    """A Rich ``Text`` of :func:`clean` ``(value)``, styled as a whole and never parsed as markup.

    Args:
        value: The raw string.
        style: A Rich style for the whole text (ours, never from the source).
        single_line: See :func:`clean`; a single-line text also does not wrap.
        max_length: See :func:`clean`.
    """
    return Text(
        clean(value, single_line=single_line, max_length=max_length),
        style=style,
        no_wrap=single_line,
        overflow="ellipsis" if single_line else "fold",
        end="",
    )


def scrub_text(text: Text) -> Text:
    """Clean the plain text of an already styled ``Text``, keeping its spans.

    Widgets that accept ``Text`` from callers run it through this as a second line of defence.
    Returns the same object when there is nothing to replace.
    """
    if text.plain.isprintable():
        return text
    scrubbed = text.copy()
    scrubbed.plain = clean(text.plain)  # one code point per code point, so spans stay aligned
    return scrubbed


def web_link(url: str, color: str, *, max_length: int = 500) -> Text:
    """A web address, clickable (OSC 8) in terminals that support links. Anything but a well-formed http(s)
    URL (``javascript:``, ``file:``, ``http://[oops``) is shown as inert text and links nowhere."""
    text = inert(url or "-", single_line=True, max_length=max_length)
    try:
        linkable = urlsplit(url).scheme in ("http", "https")
    except ValueError:  # an address urllib cannot split is no address to open
        linkable = False
    if linkable:
        text.stylize(Style(link=clean(url, max_length=2000), underline=True, color=color))
    return text
