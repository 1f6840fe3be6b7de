"""The shared template loader on a folder of its own: override first, packaged second."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from router.mail.templates import TemplateFolders, TemplateSetupError

NAMES = ["letters/hello.it.txt.j2", "letters/hello.en.txt.j2"]
LOG = logging.getLogger("tests.mail.templates")


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def packaged(tmp_path: Path) -> Path:
    root = tmp_path / "packaged"
    write(root, "letters/hello.en.txt.j2", "Subject: Hello {{ who }}\n\nin {{ used }}\n")
    return root


def render(folders: TemplateFolders) -> tuple[str, str, str, bool]:
    done = folders.render(NAMES, lambda used: {"who": "Ada", "used": used}, missing="no hello",
                          what="letter", context={"who": "Ada"})
    return done.subject, done.body, done.template, done.overridden


def test_packaged_file_in_the_fallback_language(packaged: Path) -> None:
    folders = TemplateFolders("letters", packaged_dir=packaged)
    assert render(folders) == ("Hello Ada", "in en\n", NAMES[1], False)


def test_override_first_and_its_language(packaged: Path, tmp_path: Path) -> None:
    write(tmp_path / "mine", NAMES[0], "Subject: Ciao {{ who }}\n\nin {{ used }}\n")
    folders = TemplateFolders("letters", override_dir=tmp_path / "mine", packaged_dir=packaged)
    assert render(folders) == ("Ciao Ada", "in it\n", NAMES[0], True)


def test_broken_override_gives_way_with_a_warning_on_the_callers_logger(
        packaged: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path / "mine", NAMES[1], "Subject: x\n\n{{ nobody }}\n")
    folders = TemplateFolders("letters", override_dir=tmp_path / "mine", packaged_dir=packaged,
                              log=LOG)
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        assert render(folders) == ("Hello Ada", "in en\n", NAMES[1], False)
    [record] = [r for r in caplog.records if r.name == LOG.name]
    assert record.getMessage().startswith(f"letter template {NAMES[1]} failed")


def test_missing_and_broken_packaged_files_are_setup_errors(packaged: Path,
                                                            tmp_path: Path) -> None:
    with pytest.raises(TemplateSetupError, match="no hello"):
        TemplateFolders("letters", packaged_dir=packaged).render(
            ["letters/other.en.txt.j2"], lambda used: {}, missing="no hello", what="letter",
            context={})
    write(packaged, NAMES[1], "Subject: x\n\n{{ nobody }}\n")
    with pytest.raises(TemplateSetupError, match="packaged template"):
        render(TemplateFolders("letters", packaged_dir=packaged))
    with pytest.raises(TemplateSetupError, match="no templates folder with parcels/"):
        TemplateFolders("parcels", candidates=[packaged])
