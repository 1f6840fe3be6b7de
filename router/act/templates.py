"""The notice templates: where they are found and how one is rendered.

Two folders are searched, first hit wins per file name (a jinja2
ChoiceLoader): the admin's `templates.override_dir`, then the packaged
`templates/` folder of the project.  A notice template renders to a
`Subject:` line, a blank line and the body, so the subject is written
(and overridden) together with the text it belongs to.

Rendering is strict (`StrictUndefined`), so a typo in an override fails
instead of writing half a notice; such a failure is logged as a warning
and the packaged template is used instead: a broken override must not
stop notices, and the packaged set is tested.  A failure of the packaged
set itself is a bug and raises `TemplateSetupError`.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

import router
from router.act.wording import category_words
from router.config.model import Config

log = logging.getLogger("router.act.templates")

# Where the packaged `templates/` folder can be, first existing one wins:
# beside the package source (a checkout, an editable install, the
# container's /opt/csba-router), then the data-files location of a wheel.
PACKAGED_CANDIDATES: tuple[Path, ...] = (
    Path(router.__file__).resolve().parents[1] / "templates",
    Path(sys.prefix) / "share" / "csba-router" / "templates",
)

FALLBACK_LANGUAGE = "en"
DEFAULT_CATEGORY = "default"
NOTICE_DIR = "notices"

_SUBJECT_LINE = re.compile(r"\ASubject:[ \t]*(?P<subject>[^\n]*)\n(?:[ \t]*\n)?")
_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
# C0 and C1 controls, line and paragraph separators, bidi overrides: none
# may reach a header (or turn a subject around on the seller's screen).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


class TemplateSetupError(Exception):
    """The packaged templates are missing or broken: the install is at fault."""


@dataclass(frozen=True)
class RenderedNotice:
    """A rendered notice; `template` names the file used, for logs and tests."""

    subject: str
    body: str
    template: str
    language: str
    overridden: bool


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


def find_packaged_dir(candidates: Sequence[Path] = PACKAGED_CANDIDATES) -> Path:
    """The packaged templates folder (one holding `notices/`)."""
    for path in candidates:
        if (path / NOTICE_DIR).is_dir():
            return path
    searched = ", ".join(str(p) for p in candidates)
    raise TemplateSetupError(f"no templates folder with {NOTICE_DIR}/ found (looked in {searched})")


def text_environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    # Plain text, not HTML: no autoescaping.  trim/lstrip make block tags
    # on their own lines vanish without leaving blank lines behind.
    return jinja2.Environment(
        loader=loader,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )


class NoticeTemplates:
    """Renders notices from the override folder, falling back to the packaged set.

    Build one per loaded config (`from_config`) and keep it: jinja2 caches
    compiled templates and re-reads a file whose modification time changed.
    """

    def __init__(self, override_dir: Path | None = None, packaged_dir: Path | None = None,
                 candidates: Sequence[Path] = PACKAGED_CANDIDATES):
        if packaged_dir is None:
            # An install without the packaged folder still works when the
            # override folder is a complete copy of it.
            extra = [override_dir] if override_dir is not None else []
            packaged_dir = find_packaged_dir([*candidates, *extra])
        self.packaged_dir = packaged_dir
        if not (self.packaged_dir / NOTICE_DIR).is_dir():
            raise TemplateSetupError(f"{self.packaged_dir / NOTICE_DIR} is not a folder")
        self.override_dir = override_dir
        if override_dir is not None and not override_dir.is_dir():
            log.warning("templates.override_dir %s is not a folder; using packaged templates",
                        override_dir, extra={"override_dir": str(override_dir)})
        packaged = jinja2.FileSystemLoader(str(self.packaged_dir))
        self._packaged = text_environment(packaged)
        if override_dir is not None:
            override = jinja2.FileSystemLoader(str(override_dir))
            self._override: jinja2.Environment | None = text_environment(override)
            self._env = text_environment(jinja2.ChoiceLoader([override, packaged]))
        else:
            self._override = None
            self._env = self._packaged

    @classmethod
    def from_config(cls, config: Config) -> NoticeTemplates:
        return cls(override_dir=config.templates.override_dir)

    def _exists(self, env: jinja2.Environment, name: str) -> bool:
        assert env.loader is not None
        try:
            env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            return False
        return True

    def _is_overridden(self, name: str) -> bool:
        return self._override is not None and self._exists(self._override, name)

    def choose(self, category: str, language: str, *, packaged_only: bool = False) -> str:
        """The template name used for `category` in `language`."""
        env = self._packaged if packaged_only else self._env
        for name in candidate_names(category, language):
            if self._exists(env, name):
                return name
        raise TemplateSetupError(
            f"no notice template for {category!r} ({language}) and no "
            f"{notice_name(DEFAULT_CATEGORY, FALLBACK_LANGUAGE)}")

    def render_notice(self, category: str, language: str,
                      variables: Mapping[str, Any]) -> RenderedNotice:
        """Render the notice for `category` in `language` (or its fallback)."""
        name = self.choose(category, language)
        try:
            return self._render(self._env, name, category, variables,
                                overridden=self._is_overridden(name))
        except (jinja2.TemplateError, ValueError) as exc:
            if self._env is self._packaged:
                raise TemplateSetupError(f"packaged template {name}: {exc}") from exc
            packaged_name = self.choose(category, language, packaged_only=True)
            log.warning("notice template %s failed (%s); using packaged %s",
                        name, exc, packaged_name,
                        extra={"template": name, "category": category, "language": language})
        try:
            return self._render(self._packaged, packaged_name, category, variables,
                                overridden=False)
        except (jinja2.TemplateError, ValueError) as exc:
            raise TemplateSetupError(f"packaged template {packaged_name}: {exc}") from exc

    def _render(self, env: jinja2.Environment, name: str, category: str,
                variables: Mapping[str, Any], *, overridden: bool) -> RenderedNotice:
        # The category's words in the language of the file actually used
        # (an Italian seller on the English fallback reads English words).
        language = name.rsplit(".", 3)[-3]
        text = env.get_template(name).render(
            {**variables, "category_label": category_words(category, language)})
        subject, body = split_subject(text, name)
        return RenderedNotice(subject=subject, body=body, template=name,
                              language=language, overridden=overridden)


def split_subject(text: str, name: str = "template") -> tuple[str, str]:
    """Split rendered text into its `Subject:` line and a tidy body.

    Raises ValueError when the first line is no non-empty `Subject:`.
    """
    text = text.replace("\r\n", "\n").lstrip("\n")
    match = _SUBJECT_LINE.match(text)
    if not match or not match.group("subject").strip():
        raise ValueError(f"{name}: the first line must be 'Subject: ...'")
    subject = " ".join(_CONTROL.sub(" ", match.group("subject")).split())
    body = _TRAILING_SPACE.sub("", text[match.end():])
    body = _BLANK_RUNS.sub("\n\n", body).strip("\n") + "\n"
    return subject, body
