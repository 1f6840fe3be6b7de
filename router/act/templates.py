"""The notice templates: which file a notice (or a case mail) is rendered from.

Found and rendered by `router.mail.templates` (the admin's
`templates.override_dir` first, the packaged `templates/` folder second; a
broken override gives way to the packaged file with a warning, a broken
packaged file raises `TemplateSetupError`).  What is the notices' own:
the file names under `notices/` tried for a category and a language, and
the category's words in the language of the file used.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from router.act.wording import category_words
from router.config.model import Config
from router.mail.templates import (
    FALLBACK_LANGUAGE,
    PACKAGED_CANDIDATES,
    Rendered,
    TemplateFolders,
    TemplateSetupError,
)

log = logging.getLogger("router.act.templates")

DEFAULT_CATEGORY = "default"
NOTICE_DIR = "notices"


def notice_name(category: str, language: str) -> str:
    """The relative file name of one notice template."""
    return f"{NOTICE_DIR}/{category}.{language}.txt.j2"


def candidate_names(category: str, language: str) -> list[str]:
    """Template names to try, best first.

    The category's own text beats the generic one even in English: it
    says why CSBA does not take the inquiry.  Language order inside each:
    the seller's, then English.
    """
    names: list[str] = []
    for cat in (category, DEFAULT_CATEGORY):
        for lang in (language, FALLBACK_LANGUAGE):
            name = notice_name(cat, lang)
            if name not in names:
                names.append(name)
    return names


class NoticeTemplates:
    """Renders notices and case mail from `notices/`, override folder first.

    Build one per loaded config (`from_config`) and keep it: jinja2 caches
    compiled templates and re-reads a file whose modification time changed.
    """

    def __init__(self, override_dir: Path | None = None, packaged_dir: Path | None = None,
                 candidates: Sequence[Path] = PACKAGED_CANDIDATES):
        self.folders = TemplateFolders(NOTICE_DIR, override_dir=override_dir,
                                       packaged_dir=packaged_dir, candidates=candidates, log=log)
        self.packaged_dir = self.folders.packaged_dir
        self.override_dir = override_dir

    @classmethod
    def from_config(cls, config: Config) -> NoticeTemplates:
        return cls(override_dir=config.templates.override_dir)

    def choose(self, category: str, language: str, *, packaged_only: bool = False) -> str:
        """The template name used for `category` in `language`."""
        name = self.folders.choose(candidate_names(category, language),
                                   packaged_only=packaged_only)
        if name is None:
            raise TemplateSetupError(_missing(category, language))
        return name

    def render_notice(self, category: str, language: str,
                      variables: Mapping[str, Any]) -> Rendered:
        """Render the notice for `category` in `language` (or its fallback)."""
        # The category's words in the language of the file actually used
        # (an Italian seller on the English fallback reads English words).
        return self.folders.render(
            candidate_names(category, language),
            lambda used: {**variables, "category_label": category_words(category, used)},
            missing=_missing(category, language), what="notice",
            context={"category": category, "language": language})


def _missing(category: str, language: str) -> str:
    return (f"no notice template for {category!r} ({language}) and no "
            f"{notice_name(DEFAULT_CATEGORY, FALLBACK_LANGUAGE)}")
