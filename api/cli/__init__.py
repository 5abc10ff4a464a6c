"""`kpi-advisor` command line. Each command group lives in its own module and registers on `app`."""

from api.cli import customers, foundation, planning  # noqa: F401  (registers commands)
from api.cli.app import app

__all__ = ["app"]
