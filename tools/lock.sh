#!/usr/bin/env sh
# Regenerate the lock files from pyproject.toml: the pinned versions that CI
# (.ci/run: requirements-test.lock) and the Dockerfile (requirements.lock)
# install.  Run it after changing a dependency in pyproject.toml; it keeps
# every pin it can, so the diff shows only what the change needs.
#   tools/lock.sh              # after editing pyproject.toml
#   tools/lock.sh --upgrade    # move every pin to the newest allowed release
# Needs uv (pip install uv).  The resolution is universal (environment
# markers for other platforms and Pythons) for Python 3.11 and newer.
set -eu
cd "$(dirname "$0")/.."
uv=${UV:-uv}
"$uv" pip compile pyproject.toml --universal --python-version 3.11 \
    --output-file requirements.lock "$@"
"$uv" pip compile pyproject.toml --extra test --universal --python-version 3.11 \
    --constraint requirements.lock --output-file requirements-test.lock "$@"
