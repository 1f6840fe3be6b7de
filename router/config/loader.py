"""Load, validate and explain a router config file.

Everything that can be wrong with the file is collected and raised as one
ConfigError, each problem with the file, line and column of the value to
fix: YAML syntax, unknown keys, wrong types and values (pydantic), and the
cross-value rules of router.config.checks.
"""

from __future__ import annotations

import os
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from router.config.checks import check_all, check_schedules, suggest
from router.config.errors import ConfigError, Problem, dotted
from router.config.model import Billing, Config, FeeSchedule
from router.config.yamlsource import SourceMap, load_yaml
from router.heap import collections_paused

DEFAULT_PATH = Path("config/router.yaml")
ENV_VAR = "CSBA_ROUTER_CONFIG"


def config_path(explicit: str | None) -> Path:
    """`--config`, then `$CSBA_ROUTER_CONFIG`, then `config/router.yaml`."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return DEFAULT_PATH


def load_config(path: Path, env: dict[str, str] | None = None) -> Config:
    """The validated config, or ConfigError listing every problem.

    The cyclic garbage collector waits meanwhile (`router.heap`): its passes
    over the growing tree were half the time of loading 20,000 sellers.
    """
    with collections_paused():
        return _load(path, env)


def _load(path: Path, env: dict[str, str] | None) -> Config:
    data, smap, problems = load_yaml(path, env)
    if problems and data is None:
        raise ConfigError(problems)  # syntax: nothing further can be trusted
    if not isinstance(data, dict):
        what = "empty" if data is None else "not a mapping of sections"
        raise ConfigError([Problem(str(path), 1, 1, f"the config is {what}")])
    data = dict(data)
    problems += _include_sellers(path, data, smap, env)

    warnings: list[Problem] = []

    def report(where: tuple[str | int, ...], message: str, *, key: bool = False,
               warning: bool = False) -> None:
        pos = smap.key_pos(where) if key else smap.value_pos(where)
        (warnings if warning else problems).append(
            Problem(pos.file, pos.line, pos.column, message))

    check_all(data, report)
    config: Config | None = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems += [_problem(err, data, smap) for err in exc.errors()]
    if problems or config is None:
        raise ConfigError(problems)
    return config.model_copy(update={"source": path, "warnings": tuple(sorted(warnings))})


def load_fees(path: Path, env: dict[str, str] | None = None) -> dict[str, list[FeeSchedule]]:
    """The `billing.fees` of a config file, or of a YAML file holding only `fees:`.

    For `billing --fees FILE` (what-if): the schedules are checked by the
    same rules and reported at the same positions as in a config.
    """
    data, smap, problems = load_yaml(path, env)
    if problems and data is None:
        raise ConfigError(problems)
    if isinstance(data, dict) and set(data) == {"fees"}:
        def report(where: tuple[str | int, ...], message: str, *, key: bool = False,
                   warning: bool = False) -> None:
            if warning:
                return
            pos = smap.key_pos(where) if key else smap.value_pos(where)
            problems.append(Problem(pos.file, pos.line, pos.column, message))

        fees = data["fees"] if isinstance(data["fees"], dict) else {}
        for market, schedules in fees.items():
            check_schedules(("fees", market), schedules, report)
        billing = None
        try:
            billing = Billing.model_validate({"fees": data["fees"]})
        except ValidationError as exc:
            problems += [_problem(err, data, smap) for err in exc.errors()]
        if problems or billing is None:
            raise ConfigError(problems)
        return billing.fees
    if isinstance(data, dict) and "regions" in data:
        return load_config(path, env).billing.fees
    raise ConfigError([Problem(str(path), 1, 1, "expected a config file or a YAML file "
                               "holding only fees: (a mapping of marketplaces)")])


def _include_sellers(
    path: Path, data: dict[str, Any], smap: SourceMap, env: dict[str, str] | None
) -> list[Problem]:
    """Replace `sellers_file:` by the list it names, keeping its positions."""
    name = data.get("sellers_file")
    if "sellers" in data and "sellers_file" in data:
        pos = smap.key_pos(("sellers_file",))
        return [Problem(pos.file, pos.line, pos.column,
                        "give either sellers: or sellers_file:, not both")]
    if not isinstance(name, str):
        return []
    target = (path.parent / name) if not Path(name).is_absolute() else Path(name)
    sellers, sub, problems = load_yaml(target, env)
    if sellers is None and problems and problems[0].message == "file not found":
        pos = smap.value_pos(("sellers_file",))
        return [Problem(pos.file, pos.line, pos.column, f"sellers_file: {target} not found")]
    if sellers is None:
        return problems
    prefix: tuple[str | int, ...] = ("sellers",)
    if isinstance(sellers, dict) and set(sellers) == {"sellers"}:
        sellers, prefix = sellers["sellers"], ()
    if not isinstance(sellers, list):
        return [Problem(str(target), 1, 1, "a sellers file must hold a list of sellers")]
    smap.graft(sub, prefix)
    data["sellers"] = sellers
    return problems


def _resolve(loc: tuple[Any, ...], data: Any) -> tuple[tuple[str | int, ...], list[str | int]]:
    """Follow a pydantic location through the data; drop union/validator tags."""
    path: list[str | int] = []
    shown: list[str | int] = []
    node = data
    for element in loc:
        if isinstance(node, dict) and element in node:
            node = node[element]
        elif isinstance(node, list) and isinstance(element, int) and element < len(node):
            node = node[element]
        elif isinstance(node, dict | list) or element not in loc[-1:]:
            if not (isinstance(element, str) and ("[" in element or "(" in element)):
                shown.append(element)
            continue
        path.append(element)
        shown.append(element)
    return tuple(path), shown


def _problem(err: Any, data: dict[str, Any], smap: SourceMap) -> Problem:
    loc = tuple(err["loc"])
    path, shown = _resolve(loc, data)
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        choices = _field_names(loc[:-1])
        pos = smap.key_pos(path)
        message = f"{dotted(shown[:-1])}: unknown key '{key}'{suggest(key, choices)}"
    elif kind == "missing":
        pos = smap.value_pos(path)
        message = f"{dotted(shown[:-1])}: missing required key '{loc[-1]}'"
    else:
        pos = smap.value_pos(path)
        msg = _FRIENDLY.get(kind) or str(err["msg"]).removeprefix("Value error, ")
        value = err.get("input")
        if kind != "value_error" and isinstance(value, str | int | float) and not isinstance(
            value, bool
        ):
            msg += f" (got {value!r})"
        message = f"{dotted(shown)}: {msg}"
    return Problem(pos.file, pos.line, pos.column, message)


# pydantic's wording for type errors talks about Python; admins read YAML.
_FRIENDLY = {
    "model_type": "expected a mapping of keys (key: value, or {key: value})",
    "model_attributes_type": "expected a mapping of keys (key: value, or {key: value})",
    "dict_type": "expected a mapping (key: value)",
    "list_type": "expected a list ([a, b] or lines starting with -)",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "date_from_datetime_parsing": "expected a date like 2026-06-01",
    "date_parsing": "expected a date like 2026-06-01",
    "date_type": "expected a date like 2026-06-01",
    "path_type": "expected a path",
}


def _field_names(loc: tuple[Any, ...]) -> list[str]:
    """Names a mapping at `loc` may have, for "did you mean"."""
    annotation: Any = Config
    for element in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(element))
            if field is None:
                return []
            annotation = field.annotation
        elif typing.get_origin(annotation) is list:
            annotation = typing.get_args(annotation)[0]
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [n for n in annotation.model_fields if n not in ("source", "warnings")]
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip Optional[...] and Annotated[...] down to the model or container."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation
        else:
            return annotation
