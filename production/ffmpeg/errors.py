"""The ffmpeg errors and the stderr reading they quote, shared by probing and running: one
place decides what part of ffmpeg's chatter a person sees when a file cannot be read."""

from __future__ import annotations

import re
from pathlib import Path

# How many meaningful stderr lines an error message quotes.
TAIL_LINES = 3


class FFmpegError(Exception):
    """ffmpeg or ffprobe failed; the message quotes the tool's own last meaningful stderr lines."""

    stderr_tail: str

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.stderr_tail = stderr_tail


class RefusedFormat(FFmpegError):
    """The file's format is not one a master may be (ALLOWED_FORMATS); nothing was read from
    any other file it names."""

    format_name: str

    def __init__(self, format_name: str, stderr_tail: str = "") -> None:
        super().__init__(f"{format_name} is not an allowed master format", stderr_tail)
        self.format_name = format_name


class FFmpegCancelled(FFmpegError):
    """The caller asked to stop (should_cancel returned True) and the process was killed."""


class FFmpegTimeout(FFmpegError):
    """The process ran longer than allowed and was killed."""


def path_arg(path: str | Path) -> str:
    """Give ffmpeg a local path it cannot mistake for a protocol ("a:b.mp4") or an option ("-x")."""
    text = str(path)
    head = text.split("/", 1)[0]
    if text.startswith("-") or (":" in head and not text.startswith("file:")):
        return "file:" + text
    return text


_ADDRESS_RE = re.compile(r" @ 0x[0-9a-fA-F]+\]")
_NOISE_RE = re.compile(
    r"^(frame=|size=|video:\S+ audio:|Conversion failed!|Exiting normally|"
    r"\s*Last message repeated|Press \[q\])"
)


def _meaningful_lines(stderr: str) -> list[str]:
    """Drop blank, statistics and boilerplate lines, strip pointer addresses, collapse repeats."""
    out: list[str] = []
    for raw in stderr.splitlines():
        line = _ADDRESS_RE.sub("]", raw.rstrip())
        if not line.strip() or _NOISE_RE.match(line):
            continue
        if out and out[-1] == line:
            continue
        out.append(line)
    return out


def stderr_tail(stderr: str, lines: int = TAIL_LINES) -> str:
    """The last few lines of stderr that explain a failure, for messages a person can act on."""
    return "\n".join(_meaningful_lines(stderr)[-lines:])


def _one_line(tail: str) -> str:
    """Join tail lines for an exception message shown on one line."""
    return "; ".join(line.strip() for line in tail.splitlines() if line.strip())

