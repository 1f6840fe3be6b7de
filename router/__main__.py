"""`python -m router` is the same program as `csba-router`."""

from router.cli import main

raise SystemExit(main())
