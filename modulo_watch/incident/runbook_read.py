"""A runbook file's bytes -> its text: size limit, UTF-8, no binary data; mis-encoded emoji repaired."""

from __future__ import annotations

import ftfy

from modulo_watch.incident.runbook_model import RunbookError

MAX_BYTES = 256 * 1024  # a runbook is a few pages (the seed is 9 KiB); a bigger file is the wrong file

# Only undo mojibake. ftfy's other fixes (straight quotes, ligatures, line breaks, NFC) would change
# what the team wrote, and fixing line breaks would shift the line numbers in error messages.
_MOJIBAKE_ONLY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


def line_of(data: bytes, offset: int) -> int:
    """The 1-based line that byte ``offset`` is on."""
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, source: str) -> str:
    """The text of a runbook file, or RunbookError naming the first line that is not text."""
    if len(data) > MAX_BYTES:
        line = line_of(data, MAX_BYTES)
        raise RunbookError(f"{source}:{line}: too large: a runbook must be under {MAX_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise RunbookError(f"{source}:{line_of(data, err.start)}: not UTF-8 text") from None
    if "\x00" in text:
        line = line_of(data, data.index(0))
        raise RunbookError(f"{source}:{line}: binary data (a NUL byte), not a Markdown runbook")
    return text


def repair(text: str) -> str:
    """Undo mojibake (UTF-8 read as Windows-1252 somewhere on its way): ``ðŸš¨`` -> 🚨."""
    return ftfy.fix_text(text, _MOJIBAKE_ONLY)
