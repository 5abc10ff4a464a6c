"""`kpi-advisor` command line. Each command group lives in its own module and registers on `app`."""

from api.cli import advise as _advise  # noqa: F401  (registers `advise`)
from api.cli import attribution as _attribution  # noqa: F401  (registers `attribution`)
from api.cli import customers, foundation, planning  # noqa: F401  (registers commands)
from api.cli import diagnose as _diagnose  # noqa: F401  (registers `diagnose`)
from api.cli import keys as _keys  # noqa: F401  (registers `keys`, `db`)
from api.cli import serve as _serve  # noqa: F401  (registers `serve`, `mcp`)
from api.cli import worker as _worker  # noqa: F401  (registers `worker`)
from api.cli.app import app

__all__ = ["app"]
