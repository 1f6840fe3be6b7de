"""`classify` and `ingest` accept and refuse the same inputs, with the same words.

Both read through `router.intake.archive`: what one refuses (a plain-text
file, a folder with no mail, a missing path) the other refuses with the
same line on stderr and exit status 2, no traceback; what one reads (an
.eml file, a folder of them) the other reads too.
"""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest

from router.intake.archive import NO_MAIL_IN_FOLDER
from tests.cli.desk import Desk, desk
from tests.pipeline.test_process import forward

NOT_MAIL = "not a mail message (it does not start with a header field)"


@pytest.fixture
def d(tmp_path: Path) -> Desk:
    (tmp_path / "router").mkdir()
    return desk(tmp_path / "router")


def test_what_is_not_mail_is_refused_alike(d: Desk, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("just some notes\nnothing more\n", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    folder = tmp_path / "folder"  # no Maildir, and nothing in it is mail
    folder.mkdir()
    (folder / "readme.txt").write_text("hello\n", encoding="utf-8")
    missing = tmp_path / "missing.eml"
    expected = {notes: f"{notes}: {NOT_MAIL}\n", empty: f"{empty}: {NO_MAIL_IN_FOLDER}\n",
                folder: f"{folder / 'readme.txt'}: {NOT_MAIL}\n",
                missing: f"{missing}: no such file or directory\n"}
    for path, line in expected.items():
        classified, ingested = d.cli("classify", str(path)), d.cli("ingest", str(path))
        for done in (classified, ingested):
            assert (done.returncode, done.stderr) == (2, line), (path, done)
        assert classified.stdout == ""
        assert ingested.stdout.startswith("read 0, stored 0, skipped 0 (already handled), "
                                          "unreadable 1\n")


def test_what_is_mail_is_read_alike(d: Desk, tmp_path: Path) -> None:
    eml = tmp_path / "inquiry.eml"
    eml.write_bytes(forward("302-1234567-1234567", message_id="<one@musterhandel.de>"))
    folder = tmp_path / "archive"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "two.eml").write_bytes(
        forward("302-1234567-1234567", message_id="<two@musterhandel.de>"))
    box = mailbox.mbox(tmp_path / "three.mbox")
    box.add(forward("302-1234567-1234567", message_id="<three@musterhandel.de>"))
    box.close()
    paths = [str(eml), str(folder), str(tmp_path / "three.mbox")]

    classified = d.cli("classify", "--json", *paths)
    assert (classified.returncode, classified.stderr) == (0, "")
    files = [json.loads(line)["file"] for line in classified.stdout.splitlines()]
    assert files == [str(eml), str(folder / "sub" / "two.eml"), f"{tmp_path / 'three.mbox'}#1"]

    ingested = d.cli("ingest", "--no-deliver", *paths)
    assert (ingested.returncode, ingested.stderr) == (0, "")
    assert ingested.stdout.startswith("read 3, stored 3, skipped 0")
