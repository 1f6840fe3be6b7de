"""What fuzzing and the hostile-input review found, one regression test each.

docs/fuzzing.md lists them with the command that found them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from router.config.errors import ConfigError
from router.config.loader import load_config


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "router.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", ["\x1f", "instance:\n  hostname: a\x07b\n", "\ufffe"])
def test_config_with_a_control_character_is_a_config_error(tmp_path: Path, text: str) -> None:
    # Found by the config target: PyYAML's reader refuses non-printable
    # characters when the loader is made, which was outside the try.
    with pytest.raises(ConfigError) as caught:
        load_config(_config(tmp_path, text))
    [problem] = caught.value.problems
    assert "special characters are not allowed" in problem.message
