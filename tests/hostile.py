"""Hostile strings: what a pod name, label, SQL text or alert annotation may carry.

Shared by the widget tests, the pane tests, the screenshots and the drill: every place that shows
external text is tested with all of these.
"""

from __future__ import annotations

ESC = "\x1b"
BEL = "\x07"

# Byte sequences that must never reach the terminal as written (checked in rendered output).
FORBIDDEN_OUTPUT: tuple[str, ...] = (
    f"{ESC}]",  # OSC: title, clipboard, hyperlinks, colours
    f"{ESC}P",  # DCS
    f"{ESC}c",  # full reset
    f"{ESC}[2J",  # clear screen
    f"{ESC}[H",  # cursor home
    f"{ESC}[10;10H",
    "\x9b",  # 8-bit CSI
    "\x9d",  # 8-bit OSC
    "\x90",  # 8-bit DCS
    BEL,
)

HOSTILE_STRINGS: tuple[str, ...] = (
    f"pod-{ESC}]0;pwned{BEL}-name",  # OSC 0: retitle the terminal
    f"{ESC}]52;c;cm0gLXJmIH4K{BEL}",  # OSC 52: write "rm -rf ~" to the clipboard
    f"{ESC}]52;c;cm0gLXJmIH4K{ESC}\\",  # ... terminated by ST instead of BEL
    f"before{ESC}[2Jafter",  # clear the screen
    f"{ESC}[10;10H{ESC}[1A{ESC}[2K overwritten",  # cursor moves and line erase
    f"{ESC}[31mred{ESC}[0m",  # SGR colour
    "\x9b2J\x9b31m",  # 8-bit CSI
    "\x9d0;title\x9c",  # 8-bit OSC ... ST
    f"{ESC}P+q544e{ESC}\\",  # DCS: request terminfo
    f"{ESC}c",  # full terminal reset
    f"{ESC}]8;;http://evil.example/{ESC}\\click{ESC}]8;;{ESC}\\",  # OSC 8 hyperlink
    "[bold red]x[/]",  # Rich markup
    "[link=file:///etc/passwd]open me[/link]",
    "[@click=app.quit]quit[/]",  # Textual action markup
    "$variable $error [$accent]x[/]",  # Textual content variables
    "\\[escaped] [/] [ unbalanced",
    "x" * 10_000,
    "first line\nsecond line\r\nthird\rfourth\ttabbed",
    "\u202eexe.txt",  # right-to-left override: reads as "txt.exe"
    "\u2066isolate\u2069 \u200eLRM \u200fRLM \u202aLRE\u202c",
    "nul\x00byte",
    "zero\u200bwidth\u200dj\ufeffoiner",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 family",  # emoji ZWJ sequence
    "🔥 emoji ⚠️ 🚨 and 中文字符 wide \uff46\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48",  # fullwidth
    "bell\x07back\x08space\x7fdel",
    "line\u2028sep\u2029para\x85nel\x0bvt\x0cff",
    "lone \udcff surrogate",
    "tag\U000e0041\U000e0042 smuggling",
    "",
    " ",
)
