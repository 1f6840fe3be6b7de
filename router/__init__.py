"""csba-router: the mail daemon behind the regional CSBA addresses."""

__version__ = "0.1.0"
