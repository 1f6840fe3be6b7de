"""The daemon and database fixtures of the pipeline tests, shared here."""

from tests.pipeline.conftest import daemons, pg_url  # noqa: F401 (fixtures)
