"""The runbook's tools and the Grafana dashboards: clickable where the terminal supports links (OSC 8),
and enter copies the address, for the terminals that do not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from modulo_watch.incident.links import Link
from modulo_watch.tui.clipboard import copy_to_clipboard
from modulo_watch.widgets.badges import Palette
from modulo_watch.widgets.safe_text import clean, inert, web_link


def link_prompt(link: Link, palette: Palette) -> Text:
    name = inert(f"{link.name:<24} ", "bold", max_length=40)
    if link.url is None:
        return name + inert(link.note or "no address in the runbook", palette.muted, max_length=120)
    return name + web_link(link.url, palette.accent, max_length=160)


class LinksScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="links-close"),
    ]

    DEFAULT_CSS = """
    LinksScreen { align: center middle; }
    LinksScreen > Vertical {
        width: 110; max-width: 100%; height: auto; max-height: 90%;
        border: thick $accent; padding: 0 1; background: $surface;
    }
    LinksScreen OptionList { height: auto; max-height: 30; border: none; }
    LinksScreen #links-help { color: $text-muted; }
    """

    def __init__(self, links: Sequence[Link]) -> None:
        super().__init__()
        self._links = tuple(links)

    def compose(self) -> ComposeResult:
        palette = Palette.from_theme(self.app.theme_variables)
        options: list[Option | None] = []
        group = None
        for index, link in enumerate(self._links):
            if link.group != group:
                group = link.group
                options.append(Option(inert(group, "bold underline"), disabled=True))
            options.append(Option(link_prompt(link, palette), id=str(index)))
        with Vertical() as box:
            box.border_title = "Tools and dashboards"
            box.border_subtitle = "enter copies the address · escape closes"
            yield OptionList(*options, id="links-list")
            if not self._links:
                yield Static("The runbook lists no tools, and no [grafana] dashboards are configured.")
            yield Static("Click a link where the terminal supports it; enter copies it.", id="links-help")

    @on(OptionList.OptionSelected)
    def _copy(self, event: OptionList.OptionSelected) -> None:
        link = self._links[int(event.option.id or 0)]
        if link.url is None:
            self.notify(f"{clean(link.name)}: {clean(link.note)}", title="No address", markup=False)
            return
        copy_to_clipboard(self.app, link.url)
        self.notify(f"Copied the address of {clean(link.name, max_length=60)}", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
