"""The operations (use cases) every interface calls: CLI, HTTP, MCP and the dashboard are thin adapters over them.

Each operation takes a typed, frozen request (``advisor.ops.requests``: pydantic models every interface validates
through) and an :class:`~advisor.ops.context.OpsContext` (dataset, :class:`~advisor.ops.modelset.ModelSet`,
settings values, optional caches) and returns a typed, frozen result with one ``to_json()``: the same document
on every interface. One module per operation: ``kpis``, ``scorecard``, ``customers``, ``diagnose``, ``forecast``,
``optimize``, ``attribution``, ``advise``, ``train``; models are read by ``modelset.load_model_set``. Import from
the module (``from advisor.ops.kpis import kpis``).
"""
