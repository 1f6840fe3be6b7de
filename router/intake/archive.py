"""Reading archived mail for `ingest`: .eml files, mbox files, Maildir folders.

Reading only: this module yields each message's bytes with a name for it
and says which inputs could not be read; it never touches the database, so
one bad file costs that file and nothing else.

What is read, per path given:

- a directory holding both ``cur/`` and ``new/`` is a Maildir (the standard
  library's ``mailbox.Maildir``, which needs both): its messages in ``new``
  and ``cur``, not its ``tmp`` (half-delivered), nor its Maildir++
  sub-folders (``.Sent`` ...: name them to read them). Named ``DIR#KEY``,
  KEY being the Maildir unique name, which survives a mail reader moving
  the file to ``cur`` or changing its flags;
- any other directory: its entries recursively, in name order, each read
  as below (a Maildir inside is read as a Maildir); hidden entries (names
  starting with ``.``) are skipped, like editor and OS droppings, and so
  are symbolic links to directories (no loops);
- a file whose first line starts with ``From `` is an mbox (``mailbox.mbox``):
  named ``FILE#N``, N counting from 1 in file order. The ``From `` line is
  dropped and ``>From `` lines are un-escaped per mboxrd (one ``>`` removed
  from ``>``*``From `` lines), which restores the original of mboxrd files
  and of mboxo files whose bodies had no ``>From`` of their own; nothing
  else in the bytes is changed;
- any other file is one message (``.eml`` or any name), byte for byte,
  named by its path. A file that does not start with a header field is
  refused as "not a mail message" (a stray picture in a folder).

A folder named on the command line that is no Maildir and holds no message
at all is refused too (a wrong path, most likely); an empty Maildir is
just empty.  `classify` and `ingest` both read through here, so they accept
and refuse the same inputs with the same words.
"""

from __future__ import annotations

import mailbox
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from router.intake.arrival import parse_date

# A header field's first line: printable name without ":", optional blanks, ":".
_FIELD = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
_MBOXRD_QUOTED = re.compile(rb"^>(>*From )", re.MULTILINE)
NO_MAIL_IN_FOLDER = "no mail in this folder (it is no Maildir and holds no message file)"


@dataclass(frozen=True)
class Archived:
    """One message read from an archive.

    ``stored_at`` says when the archive stored it (file mtime, an mbox
    ``From `` line's date); it is a function because in a Maildir that
    costs a second read, needed only for messages whose headers carry no
    date.
    """

    ref: str
    raw: bytes
    stored_at: Callable[[], datetime | None]


@dataclass(frozen=True)
class Unreadable:
    """An input, or one message in it, that could not be read, and why."""

    ref: str
    reason: str


Item = Archived | Unreadable


def read_archives(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Item]:
    """Every message in ``paths``, in the order given, and every failure."""
    for name in paths:
        path = Path(name)
        found = False
        for item in read_path(path):
            found = True
            yield item
        if not found and path.is_dir() and not is_maildir(path):
            yield Unreadable(str(path), NO_MAIL_IN_FOLDER)


def read_path(path: Path) -> Iterator[Item]:
    """The messages of one path: a file, an mbox, a Maildir or a folder."""
    try:
        if path.is_dir():
            if is_maildir(path):
                yield from read_maildir(path)
            else:
                yield from _read_directory(path)
            return
        if not path.exists():
            yield Unreadable(str(path), "no such file or directory")
        elif not path.is_file():
            yield Unreadable(str(path), "not a regular file")
        elif _starts_with(path, b"From "):
            yield from read_mbox(path)
        else:
            yield read_message_file(path)
    except OSError as exc:
        yield Unreadable(str(path), describe(exc))


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def read_message_file(path: Path) -> Item:
    """One file holding one message."""
    try:
        with path.open("rb") as handle:
            mtime = os.fstat(handle.fileno()).st_mtime
            raw = handle.read()
    except OSError as exc:
        return Unreadable(str(path), describe(exc))
    problem = _not_a_message(raw)
    if problem:
        return Unreadable(str(path), problem)
    return Archived(str(path), raw, _constant(datetime.fromtimestamp(mtime, UTC)))


def read_mbox(path: Path) -> Iterator[Item]:
    """The messages of an mbox file, ``From `` line dropped, mboxrd un-escaped."""
    try:
        box = mailbox.mbox(path, factory=None, create=False)
    except (OSError, mailbox.Error) as exc:
        yield Unreadable(str(path), describe(exc))
        return
    try:
        for number, key in enumerate(box.iterkeys(), 1):
            ref = f"{path}#{number}"
            try:
                from_line, _, raw = box.get_bytes(key, from_=True).partition(b"\n")
            except (OSError, KeyError) as exc:
                yield Unreadable(ref, describe(exc))
                continue
            raw = unescape_mboxrd(raw)
            problem = _not_a_message(raw)
            if problem:
                yield Unreadable(ref, problem)
                continue
            yield Archived(ref, raw, _constant(from_line_date(from_line.decode("latin-1"))))
    except (OSError, mailbox.Error) as exc:  # the table of contents could not be built
        yield Unreadable(str(path), describe(exc))
    finally:
        box.close()


def read_maildir(path: Path) -> Iterator[Item]:
    """The messages in a Maildir's ``new`` and ``cur``, by unique name."""
    try:
        box = mailbox.Maildir(path, factory=None, create=False)
        keys = sorted(box.keys())
    except (OSError, mailbox.Error) as exc:
        yield Unreadable(str(path), describe(exc))
        return
    for key in keys:
        ref = f"{path}#{key}"
        try:
            raw = box.get_bytes(key)
        except (OSError, KeyError) as exc:  # KeyError: gone since listed
            yield Unreadable(ref, describe(exc))
            continue
        problem = _not_a_message(raw)
        if problem:
            yield Unreadable(ref, problem)
            continue
        yield Archived(ref, raw, _maildir_stored_at(box, key))


def unescape_mboxrd(raw: bytes) -> bytes:
    """Remove the one ``>`` an mboxrd writer put before ``>``*``From `` lines."""
    return _MBOXRD_QUOTED.sub(rb"\1", raw)


def from_line_date(from_line: str) -> datetime | None:
    """The date of an mbox ``From `` line (``From``, sender, an asctime date)."""
    _, _, rest = from_line.strip().removeprefix("From ").strip().partition(" ")
    return parse_date(rest)


def describe(exc: BaseException) -> str:
    """A one-line reason for a person, without a traceback."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower() if exc.strerror[:1].isupper() else exc.strerror
    if isinstance(exc, KeyError):
        return "the message disappeared while it was being read"
    return str(exc) or type(exc).__name__


def _read_directory(path: Path) -> Iterator[Item]:
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        yield Unreadable(str(path), describe(exc))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_symlink() and entry.is_dir():  # a link to a folder: no loops
            continue
        yield from read_path(path / entry.name)


def _starts_with(path: Path, prefix: bytes) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(prefix)) == prefix


def _not_a_message(raw: bytes) -> str | None:
    if not raw.strip():
        return "empty message"
    if not _FIELD.match(raw):
        return "not a mail message (it does not start with a header field)"
    return None


def _constant(value: datetime | None) -> Callable[[], datetime | None]:
    return lambda: value


def _maildir_stored_at(box: mailbox.Maildir, key: str) -> Callable[[], datetime | None]:
    def stored_at() -> datetime | None:
        try:
            message = box.get_message(key)
        except (OSError, KeyError):
            return None
        return datetime.fromtimestamp(message.get_date(), UTC)

    return stored_at
