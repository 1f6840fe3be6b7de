"""The one exception the storage layer lets out."""


class StoreError(Exception):
    """The database cannot be opened, reached or migrated.

    The message is meant for a person: callers print it and exit, they never
    show a traceback for it.
    """
