"""`envsdk report`: one self-contained HTML page from a trainer run, an eval output or a verify output.

See docs/report.md for what the page shows and which files each kind of run provides.
"""

from .render import render_report, write_report
from .runs import ReportInputError, Run, load_run

__all__ = ["ReportInputError", "Run", "load_run", "render_report", "write_report"]
