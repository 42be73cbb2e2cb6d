"""markdown-it tokens -> a tree of headed sections holding the few block kinds a runbook uses.

The tokens carry source line numbers; every block keeps its (1-based) line so that the parser can name
it in an error. Block kinds a runbook does not use (rules, HTML blocks) are dropped here.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from modulo_watch.incident.runbook_model import RunbookError

# CommonMark plus GFM tables (a team may keep its severity levels in a table); nesting is bounded so
# that hostile input cannot recurse deeply.
_MARKDOWN = MarkdownIt("commonmark", {"maxNesting": 20}).enable("table")
_NEWLINE = re.compile(r"\r\n?|\n")  # the line breaks markdown-it counts
_QUOTE_PREFIX = re.compile(r"^[\s>]*")


@dataclass(frozen=True, slots=True)
class Line:
    """A paragraph, or the text of a list item: plain text, with its code spans and bold lead-in."""

    text: str
    codes: tuple[str, ...]
    lead: str  # "Definition" for "**Definition:** ...", else ""
    line: int


@dataclass(frozen=True, slots=True)
class Fence:
    info: str
    content: str
    line: int


@dataclass(frozen=True, slots=True)
class Item:
    head: Line | None
    blocks: tuple[Block, ...]  # nested lists, code blocks and later paragraphs
    line: int


@dataclass(frozen=True, slots=True)
class ListBlock:
    ordered: bool
    items: tuple[Item, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    line: int


Block = Line | Fence | ListBlock | Table


@dataclass(slots=True)
class Section:
    title: str
    level: int  # 1 for "#", 0 for the document itself
    line: int
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


def parse_sections(text: str, source: str) -> Section:
    """The document as nested sections, or RunbookError for a code block that is never closed."""
    lines = _NEWLINE.split(text)
    reader = _Reader(_MARKDOWN.parse(text), lines, source)
    return reader.document()


def walk(section: Section) -> list[Section]:
    """``section`` and every section below it, breadth first (so a "##" is found before a "###")."""
    found, queue = [], deque([section])
    while queue:
        current = queue.popleft()
        found.append(current)
        queue.extend(current.children)
    return found


def _start(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


class _Reader:
    def __init__(self, tokens: Sequence[Token], lines: list[str], source: str) -> None:
        self.tokens = tokens
        self.lines = lines
        self.source = source

    def document(self) -> Section:
        root = Section(title="", level=0, line=1)
        stack = [root]
        i = 0
        while i < len(self.tokens):
            token = self.tokens[i]
            if token.type == "heading_open":
                section = Section(_title(self.tokens[i + 1]), int(token.tag[1:]), _start(token))
                while stack[-1].level >= section.level:
                    stack.pop()
                stack[-1].children.append(section)
                stack.append(section)
                i += 3
            else:
                blocks, i = self.block(i)
                stack[-1].blocks.extend(blocks)
        return root

    def block(self, i: int) -> tuple[list[Block], int]:
        """The block(s) starting at token ``i`` and the index after them."""
        token = self.tokens[i]
        if token.type in ("paragraph_open", "heading_open"):
            return [_line(self.tokens[i + 1])], i + 3
        if token.type in ("fence", "code_block"):
            return [self.fence(token)], i + 1
        if token.type in ("bullet_list_open", "ordered_list_open"):
            return self.list_block(i)
        if token.type == "table_open":
            return self.table(i)
        if token.type == "blockquote_open":  # a quoted block reads as its content
            return self.blocks_until(i + 1, "blockquote_close")
        return [], i + 1

    def blocks_until(self, i: int, close: str) -> tuple[list[Block], int]:
        blocks: list[Block] = []
        while self.tokens[i].type != close:
            found, i = self.block(i)
            blocks.extend(found)
        return blocks, i + 1

    def list_block(self, i: int) -> tuple[list[Block], int]:
        opening = self.tokens[i]
        items = []
        i += 1
        while self.tokens[i].type == "list_item_open":
            start = _start(self.tokens[i])
            blocks, i = self.blocks_until(i + 1, "list_item_close")
            head = blocks[0] if blocks and isinstance(blocks[0], Line) else None
            items.append(Item(head, tuple(blocks[1:] if head else blocks), start))
        ordered = opening.type == "ordered_list_open"
        return [ListBlock(ordered, tuple(items), _start(opening))], i + 1

    def table(self, i: int) -> tuple[list[Block], int]:
        opening = self.tokens[i]
        rows: list[Row] = []
        while self.tokens[i].type != "table_close":
            token = self.tokens[i]
            if token.type == "tr_open":
                rows.append(Row((), _start(token)))
            elif token.type == "inline":  # a cell of the last row
                rows[-1] = Row((*rows[-1].cells, _line(token).text), rows[-1].line)
            i += 1
        header = rows.pop(0).cells if rows else ()
        return [Table(header, tuple(rows), _start(opening))], i + 1

    def fence(self, token: Token) -> Fence:
        line = _start(token)
        if token.type == "fence" and not self._closed(token):
            raise RunbookError(
                f"{self.source}:{line}: code block opened here is never closed (add a {token.markup} line)"
            )
        return Fence(token.info.strip(), token.content, line)

    def _closed(self, token: Token) -> bool:
        """CommonMark ends an unclosed fence at the end of its container; a runbook means a mistake."""
        assert token.map is not None  # block tokens always carry their lines
        first, end = token.map
        if end - first < 2:
            return False
        last = _QUOTE_PREFIX.sub("", self.lines[end - 1]).rstrip()
        return last.startswith(token.markup) and set(last) == {token.markup[0]}


def _title(inline: Token) -> str:
    return _line(inline).text.rstrip(":").strip()


def _line(inline: Token) -> Line:
    children = inline.children or []
    codes = tuple(child.content for child in children if child.type == "code_inline")
    text = "".join(_pieces(children)).strip()
    return Line(text, codes, _lead(children).rstrip(":").strip(), _start(inline))


def _lead(children: Sequence[Token]) -> str:
    """The text of a leading bold run: the key of "**Definition:** ..." lines."""
    if not children or children[0].type != "strong_open":
        return ""
    end = next(i for i, child in enumerate(children) if child.type == "strong_close")
    return "".join(_pieces(children[1:end]))


def _pieces(children: Sequence[Token]) -> Iterator[str]:
    href = ""
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            yield " "
        elif child.type == "link_open":  # an autolink's text is its URL already
            href = "" if child.markup == "autolink" else str(child.attrGet("href") or "")
        elif child.type == "link_close" and href:
            yield f" ({href})"
        elif not child.type.endswith(("_open", "_close")):
            yield child.content
