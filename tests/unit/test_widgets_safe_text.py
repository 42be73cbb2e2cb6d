from __future__ import annotations

import io
import re

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from modulo_watch.widgets.safe_text import clean, inert, scrub_text
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ud800-\udfff]")
# The only escape sequences allowed in rendered output: the console's own SGR style codes.
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _render(text: Text) -> str:
    console = Console(
        file=io.StringIO(), force_terminal=True, color_system="truecolor", width=200, legacy_windows=False
    )
    console.print(text)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(output, str)
    return output


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
@pytest.mark.parametrize("single_line", [True, False])
def test_clean_leaves_no_control_characters(value: str, single_line: bool) -> None:
    cleaned = clean(value, single_line=single_line)
    allowed = "" if single_line else "\n"
    assert not _CONTROL.search(cleaned.translate({ord(c): None for c in allowed}))
    cleaned.encode("utf-8")  # a lone surrogate would make the terminal writer raise


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_single_line_clean_keeps_one_code_point_per_code_point(value: str) -> None:
    assert len(clean(value)) == len(value)


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
@pytest.mark.parametrize("style", ["", "bold red"])
def test_inert_renders_without_input_escape_sequences(value: str, style: str) -> None:
    output = _render(inert(value, style))
    without_styles = _SGR.sub("", output)
    assert "\x1b" not in without_styles
    for forbidden in FORBIDDEN_OUTPUT:
        assert forbidden not in output


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_inert_multi_line_renders_without_escape_sequences(value: str) -> None:
    output = _render(inert(value, single_line=False))
    assert "\x1b" not in _SGR.sub("", output)


def test_escape_becomes_a_visible_placeholder() -> None:
    assert clean("a\x1b]0;pwned\x07b") == "a␛]0;pwned␇b"
    assert clean("\x00\x7f\x9b") == "␀␡⍰"
    assert clean("\u202eexe.txt") == "⍰exe.txt"


def test_line_breaks_single_and_multi_line() -> None:
    assert clean("a\nb\tc") == "a⏎b c"
    assert clean("a\r\nb\tc", single_line=False) == "a\nb   c"
    assert clean("a\u2028b", single_line=False) == "a\nb"


def test_markup_comes_out_literally() -> None:
    for value in (
        "[bold red]x[/]",
        "[link=file:///etc/passwd]open me[/link]",
        "$error [@click=app.quit]q[/]",
    ):
        text = inert(value)
        assert text.plain == value
        assert not text.spans
        assert value in _render(text)


def test_printable_text_is_returned_unchanged() -> None:
    value = "kube-system/coredns-5d78c9869d-x2x4q 🔥 中文"
    assert clean(value) is value


@pytest.mark.parametrize(
    ("value", "max_length", "expected"),
    [
        ("abcdef", 6, "abcdef"),
        ("abcdefg", 6, "abcde…"),
        ("abc", 0, ""),
        ("abc", 1, "…"),
        ("中文字符", 5, "中文…"),
        ("中文字符", 4, "中…"),
        ("a中文", 3, "a…"),
    ],
)
def test_truncation_counts_cells(value: str, max_length: int, expected: str) -> None:
    result = clean(value, max_length=max_length)
    assert result == expected
    assert cell_len(result) <= max_length


def test_long_value_is_truncated_in_cells() -> None:
    result = clean("\x1b" * 10_000, max_length=40)
    assert cell_len(result) == 40
    assert result.endswith("…")


def test_inert_is_single_line_text() -> None:
    text = inert("a\nb", "bold", max_length=10)
    assert text.plain == "a⏎b"
    assert text.no_wrap
    assert str(text.style) == "bold"


def test_scrub_text_keeps_spans() -> None:
    text = Text.assemble(("ok ", "green"), ("\x1b]0;x\x07", "red"), (" tail", "blue"))
    scrubbed = scrub_text(text)
    assert scrubbed.plain == "ok ␛]0;x tail"  # Rich itself already dropped the BEL
    assert [(s.start, s.end, str(s.style)) for s in scrubbed.spans] == [
        (s.start, s.end, str(s.style)) for s in text.spans
    ]
    safe = Text("fine")
    assert scrub_text(safe) is safe


def test_only_well_formed_web_addresses_become_links() -> None:
    from modulo_watch.widgets.safe_text import web_link

    def linked(url: str) -> list[str]:
        return [span.style.link for span in web_link(url, "cyan").spans if span.style.link]  # type: ignore[union-attr]

    assert linked("https://wiki.example.com/runbooks/x") == ["https://wiki.example.com/runbooks/x"]
    for hostile in ("javascript:alert(1)", "file:///etc/passwd", "http://[oops", "\x1b]8;;http://x\x07"):
        assert linked(hostile) == [], hostile
        assert "\x1b" not in web_link(hostile, "cyan").plain
