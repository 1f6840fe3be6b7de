"""The pipeline tests' database with orders (`world`) and config, for the case tests."""

from tests.pipeline.test_process import config, world  # noqa: F401
