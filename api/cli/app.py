"""The Typer application object that every CLI command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="kpi-advisor",
    help=(
        "KPI Advisor: how the marketing department is doing and what to do next.\n\n"
        "Start with `kpi-advisor demo-data --out data/demo`, then "
        "`kpi-advisor kpis --data data/demo --by channel --grain month`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
