"""Configs built to hurt: every command refuses them quickly, with one clear line.

A reload (SIGHUP) or `check-config` on such a file must neither exhaust
memory nor hang: alias bombs (in lists and through merge keys), nesting
deeper than any real config, files that are not regular files, and
oversize files are refused before anything is expanded.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from router.config import ConfigError, load_config
from router.config.yamlsource import MAX_BYTES, MAX_DEPTH


def _refused(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    (problem,) = info.value.problems
    assert problem.file == str(path)
    return problem.message


def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append(f"regions: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(9), encoding="utf-8")  # 9**9 values once expanded
    assert "expands to more than" in _refused(path)


def test_merge_key_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["m0: &m0 {k0: 1, k1: 2}"]
    for i in range(1, 40):
        lines.append(f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], x{i}: 1}}")
    path = tmp_path / "merge.yaml"
    path.write_text("\n".join(lines) + "\nregions: *m39\n", encoding="utf-8")
    assert "expands to more than" in _refused(path)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 5000])
def test_deep_nesting_is_refused(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("regions: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    assert "nested" in _refused(path)


def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    path = tmp_path / "fifo.yaml"
    os.mkfifo(path)  # nobody writes: opening it for reading would block
    assert "not a regular file" in _refused(path)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    assert "not a regular file" in _refused(tmp_path)


def test_an_oversize_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    assert "at most" in _refused(path)
