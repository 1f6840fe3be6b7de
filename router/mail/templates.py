"""Text templates of the router's mail: the admin's folder first, the packaged one second.

One loader for every kind of template (notices and case mail under
`notices/`, statements under `statements/`).  Two folders are searched,
first hit wins per file name (a jinja2 ChoiceLoader): the admin's
`templates.override_dir`, then the packaged `templates/` folder of the
project.  A template renders to a `Subject:` line, a blank line and the
body, so the subject is written (and overridden) together with the text it
belongs to; its file name ends in `.<language>.txt.j2`.

Rendering is strict (`StrictUndefined`), so a typo in an override fails
instead of writing half a mail; such a failure is logged as a warning and
the packaged template is used instead: a broken override must not stop the
mail, and the packaged set is tested.  A failure of the packaged set itself
is a bug and raises `TemplateSetupError`.  The kinds differ only in which
file names they try (`TemplateFolders.render` takes them best first) and
what the template sees.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

import router
from router.mail.write import one_line

# Where the packaged `templates/` folder can be, first existing one wins:
# beside the package source (a checkout, an editable install, the
# container's /opt/csba-router), then the data-files location of a wheel.
PACKAGED_CANDIDATES: tuple[Path, ...] = (
    Path(router.__file__).resolve().parents[1] / "templates",
    Path(sys.prefix) / "share" / "csba-router" / "templates",
)

FALLBACK_LANGUAGE = "en"

_SUBJECT_LINE = re.compile(r"\ASubject:[ \t]*(?P<subject>[^\n]*)\n(?:[ \t]*\n)?")
_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)


class TemplateSetupError(Exception):
    """The packaged templates are missing or broken: the install is at fault."""


@dataclass(frozen=True)
class Rendered:
    """A rendered template; `template` names the file used, for logs and tests.

    `language` is the file's (the fallback's where the wanted one is
    missing); `overridden`: the file came from the admin's folder.
    """

    subject: str
    body: str
    template: str
    language: str
    overridden: bool


def template_language(name: str) -> str:
    """The language of a template file `<folder>/<name>.<language>.txt.j2`."""
    return name.rsplit(".", 3)[-3]


def find_packaged_dir(folder: str, candidates: Sequence[Path] = PACKAGED_CANDIDATES) -> Path:
    """The packaged templates folder: the first candidate holding `folder/`."""
    for path in candidates:
        if (path / folder).is_dir():
            return path
    searched = ", ".join(str(p) for p in candidates)
    raise TemplateSetupError(f"no templates folder with {folder}/ found (looked in {searched})")


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


class TemplateFolders:
    """The templates under `folder/`, the override folder first, the packaged one second.

    Build one per loaded config and keep it: jinja2 caches compiled
    templates and re-reads a file whose modification time changed.  An
    install without the packaged folder still works when the override
    folder is a complete copy of it.  Warnings and fallbacks are logged to
    `log`, the logger of the kind of mail.
    """

    def __init__(self, folder: str, *, override_dir: Path | None = None,
                 packaged_dir: Path | None = None,
                 candidates: Sequence[Path] = PACKAGED_CANDIDATES,
                 log: logging.Logger | None = None) -> None:
        self.folder = folder
        self.log = log or logging.getLogger(__name__)
        if packaged_dir is None:
            extra = [override_dir] if override_dir is not None else []
            packaged_dir = find_packaged_dir(folder, [*candidates, *extra])
        self.packaged_dir = packaged_dir
        if not (packaged_dir / folder).is_dir():
            raise TemplateSetupError(f"{packaged_dir / folder} is not a folder")
        self.override_dir = override_dir
        if override_dir is not None and not override_dir.is_dir():
            self.log.warning("templates.override_dir %s is not a folder; using packaged templates",
                             override_dir, extra={"override_dir": str(override_dir)})
        packaged = jinja2.FileSystemLoader(str(packaged_dir))
        self.packaged = text_environment(packaged)
        if override_dir is not None:
            override = jinja2.FileSystemLoader(str(override_dir))
            self.override: jinja2.Environment | None = text_environment(override)
            self.env = text_environment(jinja2.ChoiceLoader([override, packaged]))
        else:
            self.override = None
            self.env = self.packaged

    @staticmethod
    def _exists(env: jinja2.Environment, name: str) -> bool:
        assert env.loader is not None
        try:
            env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            return False
        return True

    def choose(self, names: Sequence[str], *, packaged_only: bool = False) -> str | None:
        """The first of `names` found (in the packaged folder only, if asked), else None."""
        env = self.packaged if packaged_only else self.env
        return next((name for name in names if self._exists(env, name)), None)

    def is_overridden(self, name: str) -> bool:
        return self.override is not None and self._exists(self.override, name)

    def render(self, names: Sequence[str], variables: Callable[[str], Mapping[str, Any]], *,
               missing: str, what: str, context: Mapping[str, str]) -> Rendered:
        """The first of `names` that exists, rendered; a broken override gives way.

        `variables` gives what the template sees from the language of the
        file used.  `missing` is the error when none of `names` exists;
        `what` ("notice") and `context` (log fields) describe the mail in
        the warning about a broken override.
        """
        name = self.choose(names)
        if name is None:
            raise TemplateSetupError(missing)
        try:
            return self._render(self.env, name, variables, overridden=self.is_overridden(name))
        except (jinja2.TemplateError, ValueError) as exc:
            if self.env is self.packaged:
                raise TemplateSetupError(f"packaged template {name}: {exc}") from exc
            packaged_name = self.choose(names, packaged_only=True)
            if packaged_name is None:
                raise TemplateSetupError(missing) from exc
            self.log.warning("%s template %s failed (%s); using packaged %s",
                             what, name, exc, packaged_name,
                             extra={"template": name, **context})
        try:
            return self._render(self.packaged, packaged_name, variables, overridden=False)
        except (jinja2.TemplateError, ValueError) as exc:
            raise TemplateSetupError(f"packaged template {packaged_name}: {exc}") from exc

    @staticmethod
    def _render(env: jinja2.Environment, name: str,
                variables: Callable[[str], Mapping[str, Any]], *,
                overridden: bool) -> Rendered:
        language = template_language(name)
        subject, body = split_subject(env.get_template(name).render(variables(language)), name)
        return Rendered(subject=subject, body=body, template=name, language=language,
                        overridden=overridden)


def split_subject(text: str, name: str = "template") -> tuple[str, str]:
    """Split rendered text into its `Subject:` line and a tidy body.

    The subject is made one line (no control character, line or paragraph
    separator or bidi override reaches a header or turns a subject around
    on the reader's screen).  Raises ValueError when the first line is no
    non-empty `Subject:`.
    """
    text = text.replace("\r\n", "\n").lstrip("\n")
    match = _SUBJECT_LINE.match(text)
    if not match or not match.group("subject").strip():
        raise ValueError(f"{name}: the first line must be 'Subject: ...'")
    subject = one_line(match.group("subject"))
    body = _TRAILING_SPACE.sub("", text[match.end():])
    body = _BLANK_RUNS.sub("\n\n", body).strip("\n") + "\n"
    return subject, body
