"""The deployment files parse, name only files that exist, and say what they claim.

`docker build` cannot run here: the Dockerfile is read instruction by
instruction instead, and its edits of the config are run with sed on a copy
and loaded by the real config loader.  The compose file's config is loaded
the same way.  The unit file is read as systemd reads it (and checked by
`systemd-analyze` where that is installed).  The lock files must pin every
dependency pyproject.toml declares, at a version its specifier allows.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from router.config import load_config
from tests.helpers import REPO

DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "deploy" / "compose.yaml"
UNIT = REPO / "deploy" / "csba-router.service"
LOCK = REPO / "requirements.lock"
TEST_LOCK = REPO / "requirements-test.lock"


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = pending + line
        pending = ""
        word, _, rest = whole.partition(" ")
        found.append((word.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return found


def test_the_dockerfile_copies_only_files_that_exist_and_installs_from_the_lock() -> None:
    steps = instructions(DOCKERFILE)
    known = {"FROM", "ENV", "WORKDIR", "COPY", "RUN", "USER", "VOLUME", "EXPOSE",
             "HEALTHCHECK", "CMD", "ARG", "LABEL", "ENTRYPOINT"}
    assert {word for word, _ in steps} <= known
    assert steps[0][0] == "FROM" and re.fullmatch(r"python:3\.1[1-9][\w.-]*", steps[0][1])
    copied = []
    for word, args in steps:
        if word in ("COPY", "ADD"):
            parts = [p for p in shlex.split(args) if not p.startswith("--")]
            copied += parts[:-1]
    assert copied
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: no such file in the repository"
    runs = " ".join(args for word, args in steps if word == "RUN")
    assert "pip install --no-cache-dir -r requirements.lock" in runs
    assert "pip install --no-cache-dir --no-deps ." in runs
    assert "requirements.lock" in copied


def test_the_images_config_is_valid_and_serves_readyz_to_the_healthcheck(
        tmp_path: Path) -> None:
    steps = instructions(DOCKERFILE)
    (edit,) = [args for word, args in steps if word == "RUN" and "sed -i" in args]
    sed = edit.split("&&")[0].replace("/etc/csba-router/router.yaml", "router.yaml")
    shutil.copy(REPO / "config" / "router.yaml", tmp_path / "router.yaml")
    subprocess.run(["bash", "-c", sed], cwd=tmp_path, check=True)
    assert "csba-router check-config" in edit  # the build refuses a broken config
    config = load_config(tmp_path / "router.yaml", env={})
    assert config.instance.http is not None
    assert (config.instance.http.host, config.instance.http.port) == ("0.0.0.0", 9025)
    assert str(config.instance.data_dir) == "/var/lib/csba-router"
    assert config.storage_url == "sqlite:////var/lib/csba-router/router.db"
    assert config.outbound.transport == "maildir:///var/lib/csba-router/outbox"
    (health,) = [args for word, args in steps if word == "HEALTHCHECK"]
    assert "http://127.0.0.1:9025/readyz" in health
    exposed = " ".join(args for word, args in steps if word == "EXPOSE").split()
    assert {"2525", "9025"} <= set(exposed)


def test_the_compose_file_names_only_files_that_exist_and_its_config_loads() -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = compose["services"]
    base = COMPOSE.parent
    routers = {name: s for name, s in services.items() if "build" in s}
    assert len(routers) >= 2, "the trial shows two instances on one database"
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        assert "image" in service, f"{name}: no image"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (base / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in declared, f"{name}: volume {source} not declared"
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
    for name, service in routers.items():
        context = base / service["build"]["context"]
        assert (context / service["build"]["dockerfile"]).is_file(), name
        mounted = [v.split(":")[0] for v in service["volumes"]
                   if v.split(":")[1] == "/etc/csba-router/router.yaml"]
        assert len(mounted) == 1, f"{name}: the config is not mounted"
        config = load_config(base / mounted[0], env=service["environment"])
        url = config.storage_url
        assert url.startswith("postgresql://") and "@postgres:5432/" in url
        assert config.outbound.transport.startswith("smtp://")
        relay = config.outbound.transport.removeprefix("smtp://").split(":")[0]
        assert relay in services, f"the relay {relay} is not a service"
        assert config.instance.http is not None
        container_ports = {p.split(":")[-1] for p in service["ports"]}
        assert {str(config.instance.http.port), str(config.smtp.listen.port)} <= container_ports
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == (
        routers["router-a"]["environment"]["CSBA_DB_PASSWORD"])


def read_unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",),
                                     comment_prefixes=("#", ";"))
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    unit.read(path, encoding="utf-8")
    return unit


def test_the_unit_file_is_a_hardened_notify_service() -> None:
    service = read_unit(UNIT)["Service"]
    assert service["Type"] == "notify"
    assert service["ExecStart"].split()[-1] == "serve"
    assert "WatchdogSec" in service
    assert service["ExecReload"].endswith("-HUP $MAINPID")
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict",
                       "ProtectHome": "yes", "PrivateTmp": "yes",
                       "CapabilityBoundingSet": "", "User": "csba",
                       "StateDirectory": "csba-router",
                       "RuntimeDirectory": "csba-router"}.items():
        assert service.get(key) == value, key
    analyze = shutil.which("systemd-analyze")
    if analyze is None:  # the checks above stand alone
        return
    verify = subprocess.run([analyze, "verify", str(UNIT)], capture_output=True, text=True,
                            timeout=60)
    complaints = [line for line in verify.stderr.splitlines()
                  if "is not executable" not in line]  # the venv is not installed here
    assert complaints == []
    # Exposure at most 3.0 of 10 (systemd's scale counts tenths): "OK" or better.
    security = subprocess.run([analyze, "security", "--offline=true", "--threshold=30",
                               str(UNIT)], capture_output=True, text=True, timeout=60)
    assert security.returncode == 0, security.stdout[-2000:]


def pins(path: Path) -> dict[str, list[Requirement]]:
    """The lock's requirements by name (a name may be pinned per environment marker)."""
    found: dict[str, list[Requirement]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        assert [s.operator for s in requirement.specifier] == ["=="], line
        found.setdefault(canonicalize_name(requirement.name), []).append(requirement)
    return found


def declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return ([Requirement(r) for r in project["dependencies"]],
            [Requirement(r) for r in project["optional-dependencies"]["test"]])


def test_the_lock_files_pin_every_declared_dependency_at_an_allowed_version() -> None:
    runtime, test = declared()
    locked, test_locked = pins(LOCK), pins(TEST_LOCK)
    for lock, wanted in ((locked, runtime), (test_locked, runtime + test)):
        for requirement in wanted:
            name = canonicalize_name(requirement.name)
            assert name in lock, f"{requirement.name} is not in the lock: run tools/lock.sh"
            for pin in lock[name]:
                (version,) = [s.version for s in pin.specifier]
                assert requirement.specifier.contains(version, prereleases=True), (
                    f"{pin} does not satisfy pyproject's {requirement}: run tools/lock.sh")
    # The test lock is the runtime lock plus the test tools: the same versions.
    for name, requirements in locked.items():
        assert {str(r) for r in requirements} == {str(r) for r in test_locked[name]}, name


def test_ci_installs_from_the_lock() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "-r requirements-test.lock" in script
    assert "--no-deps -e ." in script


def test_the_alert_rules_parse() -> None:
    rules = yaml.safe_load((REPO / "deploy" / "prometheus" / "alerts.yaml").read_text(
        encoding="utf-8"))
    (group,) = rules["groups"]
    names = [rule["alert"] for rule in group["rules"]]
    assert len(names) == len(set(names)) and names
    for rule in group["rules"]:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
        assert "csba_router_" in rule["expr"] or rule["alert"] == "CsbaRouterDown"
        assert rule["expr"].count("(") == rule["expr"].count(")")
