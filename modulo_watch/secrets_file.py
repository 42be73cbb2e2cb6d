"""Reading one API token from a file, for the settings: the content is never quoted, only the path.

No textual or rich imports here: the settings are loaded before the UI is imported.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 16 * 1024  # far above any token; bounds what a mistaken path (a log, a device) can cost
_TOKEN = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces: what an HTTP header can carry
# No "/" (what the user meant as a path has one, or a "~", or a dot) and the look of a token: Slack's
# "xox..." prefix, or a long mix of letters and digits. Such a value is never echoed, even as a "path".
_TOKEN_LIKE = re.compile(r"xox[a-z]-\S*|(?=\S*[0-9])(?=\S*[A-Za-z])[^/.~\s]{16,}")


class SecretFileError(Exception):
    """The file holds no usable token; ``str()`` is a phrase naming the path, never the content."""


@dataclass(frozen=True, slots=True)
class SecretFile:
    token: str
    mode: int  # the permission bits, e.g. 0o600

    @property
    def exposed(self) -> bool:
        """Group or others have some access: a token file should be the owner's alone."""
        return bool(self.mode & 0o077)


def looks_like_token(value: str) -> bool:
    """True when a value given as a path is more likely a pasted token: then it is not shown either."""
    return _TOKEN_LIKE.fullmatch(value) is not None


def read_secret_file(path: Path, shown: str) -> SecretFile:
    """The token in ``path`` (surrounding whitespace stripped) and the file's mode.

    ``shown`` is how to name the path in an error. Raises ``SecretFileError`` when the file is missing,
    unreadable, not a regular file, empty, too large, or holds anything but one printable-ASCII token.
    """
    try:
        # O_NONBLOCK: a FIFO given by mistake must not hang the start; it is refused below, unread.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise SecretFileError(f"cannot read {shown}: no such file") from None
    except IsADirectoryError:
        raise SecretFileError(f"cannot read {shown}: a directory, not a file") from None
    except OSError as err:
        raise SecretFileError(f"cannot read {shown}: {err.strerror or type(err).__name__}") from None
    except ValueError:  # a NUL in the path
        raise SecretFileError(f"cannot read {shown}: not a valid path") from None
    try:
        info = os.fstat(fd)  # the open file's: the mode checked is that of the content read
        if stat.S_ISDIR(info.st_mode):
            raise SecretFileError(f"cannot read {shown}: a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise SecretFileError(f"cannot read {shown}: not a regular file")
        data = b""
        while len(data) <= MAX_BYTES and (chunk := os.read(fd, MAX_BYTES + 1 - len(data))):
            data += chunk
    except OSError as err:
        raise SecretFileError(f"cannot read {shown}: {err.strerror or type(err).__name__}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise SecretFileError(f"{shown} is larger than {MAX_BYTES // 1024} KiB: not a token file")
    try:
        token = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise SecretFileError(f"{shown} does not hold a token: not ASCII text") from None
    if not token:
        raise SecretFileError(f"{shown} is empty")
    if not _TOKEN.fullmatch(token):
        raise SecretFileError(f"{shown} does not hold one token (printable ASCII, no spaces, one line)")
    return SecretFile(token, stat.S_IMODE(info.st_mode))


def exposure_warning(shown: str, mode: int) -> str:
    """The warning for a token file that group or others can access (``mode & 0o077``)."""
    who = "readable by others" if mode & 0o044 else "open to others"
    return f"{shown} is {who} (mode {mode:04o}): chmod 600 it"
