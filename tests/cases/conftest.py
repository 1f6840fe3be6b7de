"""Fixtures of the pipeline tests that the case tests use too.

`world` and `config`: the pipeline tests' database with orders, and the
reference config; `daemons` and `pg_url`: `serve` processes stopped at the
end whatever happened, and a PostgreSQL schema of the test's own.
"""

from tests.pipeline.conftest import daemons, pg_url  # noqa: F401
from tests.pipeline.test_process import config, world  # noqa: F401
