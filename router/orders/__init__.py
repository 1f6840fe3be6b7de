"""Order reports: parsing Amazon's "All Orders" report and importing it."""

from router.orders.importer import ImportSummary, import_report
from router.orders.report import LineError, OrderLine, ReportFormatError, parse_report

__all__ = [
    "ImportSummary",
    "LineError",
    "OrderLine",
    "ReportFormatError",
    "import_report",
    "parse_report",
]
