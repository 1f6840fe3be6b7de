"""Reading archives: .eml, mbox, Maildir, folders; bytes kept, failures named."""

from __future__ import annotations

import mailbox
import os
from datetime import UTC, datetime
from pathlib import Path

from router.intake.archive import (
    Archived,
    Item,
    Unreadable,
    read_archives,
    unescape_mboxrd,
)

WHEN = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def message(n: int, *, eol: str = "\r\n", body: str = "Hallo") -> bytes:
    return eol.join([f"From: kunde{n}@example.com", "To: csba-de2de@amazon.de",
                     f"Message-ID: <m{n}@example.com>", f"Subject: Nummer {n}", "",
                     f"{body} {n}", ""]).encode()


def read(*paths: Path) -> list[Item]:
    return list(read_archives(paths))


def archived(items: list[Item]) -> list[Archived]:
    assert all(isinstance(i, Archived) for i in items), items
    return [i for i in items if isinstance(i, Archived)]


def set_mtime(path: Path, when: datetime = WHEN) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def test_eml_file_is_one_message_byte_for_byte(tmp_path: Path) -> None:
    raw = message(1) + b"\xff\xfe 8-bit junk stays\r\n"
    path = tmp_path / "inquiry.eml"
    path.write_bytes(raw)
    set_mtime(path)
    (item,) = archived(read(path))
    assert (item.ref, item.raw) == (str(path), raw)
    assert item.stored_at() == WHEN


def test_mbox_with_three_messages(tmp_path: Path) -> None:
    path = tmp_path / "archive.mbox"
    path.write_bytes(
        b"From kunde1@example.com Tue Nov  3 09:12:00 2026\n" + message(1, eol="\n")
        + b"\nFrom kunde2@example.com Wed Nov  4 10:00:00 2026\n"
        + message(2, eol="\n", body=">From the shop:\n>>From deeper\nFrom-ish")
        + b"\nFrom MAILER-DAEMON Thu Nov  5 11:30:00 2026\n" + message(3, eol="\n") + b"\n")
    items = archived(read(path))
    assert [i.ref for i in items] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert items[0].raw == message(1, eol="\n")  # From_ line and separator dropped
    assert items[1].raw == message(2, eol="\n", body="From the shop:\n>From deeper\nFrom-ish")
    assert items[2].raw == message(3, eol="\n")
    assert [i.stored_at() for i in items] == [
        datetime(2026, 11, 3, 9, 12, tzinfo=UTC), datetime(2026, 11, 4, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 5, 11, 30, tzinfo=UTC)]


def test_mbox_written_by_the_standard_library_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "box"
    box = mailbox.mbox(path)
    originals = [message(n, eol="\n") for n in (1, 2)]
    for raw in originals:
        box.add(raw)
    box.close()
    assert [i.raw for i in archived(read(path))] == originals


def test_maildir_new_and_cur_not_tmp(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir")
    first = box.add(message(1))
    second = box.add(mailbox.MaildirMessage(message(2)))
    seen = box.get_message(second)
    seen.set_subdir("cur")
    seen.add_flag("S")
    box[second] = seen  # a mail reader moved it to cur/ and marked it seen
    (tmp_path / "Maildir" / "tmp" / "half-written").write_bytes(message(9))
    for sub in ("new", "cur"):
        for name in os.listdir(tmp_path / "Maildir" / sub):
            set_mtime(tmp_path / "Maildir" / sub / name)
    items = archived(read(tmp_path / "Maildir"))
    by_ref = {i.ref: i for i in items}
    folder = tmp_path / "Maildir"
    assert set(by_ref) == {f"{folder}#{first}", f"{folder}#{second}"}
    assert by_ref[f"{folder}#{first}"].raw == message(1)
    assert b"Subject: Nummer 2" in by_ref[f"{folder}#{second}"].raw
    assert all(i.stored_at() == WHEN for i in items)


def test_folder_recursive_with_maildir_inside_hidden_skipped(tmp_path: Path) -> None:
    root = tmp_path / "backup"
    (root / "2026" / "11").mkdir(parents=True)
    (root / "2026" / "11" / "a.eml").write_bytes(message(1))
    (root / "b.msg").write_bytes(message(2))
    (root / ".DS_Store").write_bytes(b"\x00\x01binary")
    mailbox.Maildir(root / "inbox").add(message(3))
    (root / "notes.txt").write_bytes(b"just some notes\n")
    (root / "loop").symlink_to(root)
    items = read(root)
    got = {i.ref: i for i in items}
    assert isinstance(got[str(root / "2026" / "11" / "a.eml")], Archived)
    assert isinstance(got[str(root / "b.msg")], Archived)
    assert sum(1 for ref in got if ref.startswith(f"{root / 'inbox'}#")) == 1
    assert got[str(root / "notes.txt")] == Unreadable(
        str(root / "notes.txt"), "not a mail message (it does not start with a header field)")
    assert len(items) == 4


def test_failures_are_named_and_the_rest_is_read(tmp_path: Path) -> None:
    good = tmp_path / "good.eml"
    good.write_bytes(message(1))
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.eml"
    items = read(missing, empty, good)
    assert items[:2] == [Unreadable(str(missing), "no such file or directory"),
                         Unreadable(str(empty), "empty message")]
    assert isinstance(items[2], Archived)


def test_unreadable_file_reports_the_os_reason(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert read(fifo) == [Unreadable(str(fifo), "not a regular file")]


def test_single_message_with_from_line_is_an_mbox_of_one(tmp_path: Path) -> None:
    path = tmp_path / "saved.eml"
    path.write_bytes(b"From kunde1@example.com Tue Nov  3 09:12:00 2026\n" + message(1))
    (item,) = archived(read(path))
    assert (item.ref, item.raw) == (f"{path}#1", message(1))


def test_unescape_mboxrd_only_touches_quoted_from_lines() -> None:
    assert unescape_mboxrd(b">From a\n>>From b\n> From c\nx>From d\n>Fromage\n") == (
        b"From a\n>From b\n> From c\nx>From d\n>Fromage\n")
