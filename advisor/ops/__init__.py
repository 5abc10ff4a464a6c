"""The operations (use cases) every interface calls: CLI, HTTP, MCP and the dashboard are thin adapters over them.

Each operation takes a typed, frozen request and a context (dataset, model set, settings) and returns a typed, frozen
result with one ``to_json()``. Import from the module (``from advisor.ops.kpis import kpis``).
"""
