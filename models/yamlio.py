"""Safe reading of user YAML files (targets, data config, KPI catalog, actions, plans) with size and depth limits.

PyYAML's ``safe_load`` builds any nesting depth recursively (a file nested 600 deep ends in ``RecursionError``)
and reads files of any size. ``read_yaml`` / ``load_yaml`` refuse a file over ``max_bytes`` before parsing and
one nested deeper than ``max_depth`` while composing its node tree, before any Python object is built
(``YamlLimitError``). YAML 1.1 booleans used as mapping keys (``on``, ``off``, ``yes``, ``no`` in any case) are
read as the strings they spell, so a channel named ``on`` stays ``"on"``; ``true``/``false`` keep their meaning
as keys and every value is read as PyYAML reads it.

Lives in ``models`` so that ``models.plan`` (which cannot import ``advisor``) and ``advisor.data`` share it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # PyYAML is imported on first use: this module sits on the CLI's start-up path
    import yaml
    from yaml.nodes import MappingNode, Node

#: Default largest YAML file, bytes (``advisor.data.limits.DataLimits.max_yaml_bytes`` uses it).
MAX_YAML_BYTES = 1024**2
#: Default deepest nesting of mappings/sequences (``DataLimits.max_yaml_depth``).
MAX_YAML_DEPTH = 32

_BOOL_TAG = "tag:yaml.org,2002:bool"
_STR_TAG = "tag:yaml.org,2002:str"
_REAL_BOOLEANS = frozenset({"true", "false"})


class YamlLimitError(ValueError):
    """A YAML file is larger or deeper than allowed.

    source: file name (or label) of the text; rule: ``max_yaml_bytes`` or ``max_yaml_depth``; limit: the allowed
    number; actual: bytes of the file, or the depth reached (composition stops at ``limit + 1``). Depth counts
    nested mappings and sequences (``{a: [[1]]}`` is 3 deep).
    """

    def __init__(self, source: str, rule: str, limit: int, actual: int) -> None:
        if rule == "max_yaml_bytes":
            text = f"{source}: YAML file has {actual:,} bytes, more than the {limit:,} allowed ({rule})"
        else:
            text = f"{source}: YAML nested more than {limit} levels deep ({rule} = {limit})"
        super().__init__(text)
        self.source, self.rule, self.limit, self.actual = source, rule, limit, actual


def _bounded_loader(source: str, max_depth: int) -> type[yaml.SafeLoader]:
    """A ``SafeLoader`` subclass that counts nesting while composing and reads 1.1 boolean keys as text."""
    import yaml
    from yaml.events import AliasEvent, ScalarEvent

    class BoundedLoader(yaml.SafeLoader):
        _depth = 0

        def compose_node(self, parent: Node | None, index: int) -> Node | None:
            if self.check_event(ScalarEvent, AliasEvent):  # leaves: no new level
                return super().compose_node(parent, index)  # type: ignore[no-any-return]
            self._depth += 1
            try:
                if self._depth > max_depth:
                    raise YamlLimitError(source, "max_yaml_depth", max_depth, self._depth)
                return super().compose_node(parent, index)  # type: ignore[no-any-return]
            finally:
                self._depth -= 1

        def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
            for key, _ in node.value:
                if key.tag == _BOOL_TAG and str(key.value).lower() not in _REAL_BOOLEANS:
                    key.tag = _STR_TAG
            return super().construct_mapping(node, deep=deep)

    return BoundedLoader


def load_yaml(
    text: str, source: str = "<yaml>", *, max_bytes: int = MAX_YAML_BYTES, max_depth: int = MAX_YAML_DEPTH
) -> Any:
    """Parse one YAML document from ``text`` (``source`` names it in errors); None for an empty document.

    Raises ``YamlLimitError`` over the limits (size counted as UTF-8 bytes), ``yaml.YAMLError`` for bad YAML.
    """
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise YamlLimitError(source, "max_yaml_bytes", max_bytes, size)
    loader = _bounded_loader(source, max_depth)(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_yaml(path: str | Path, *, max_bytes: int = MAX_YAML_BYTES, max_depth: int = MAX_YAML_DEPTH) -> Any:
    """Read and parse a UTF-8 (± BOM) YAML file; its size is checked before it is read (see ``load_yaml``)."""
    p = Path(path)
    size = p.stat().st_size
    if size > max_bytes:
        raise YamlLimitError(p.name, "max_yaml_bytes", max_bytes, size)
    return load_yaml(p.read_text(encoding="utf-8-sig"), p.name, max_bytes=max_bytes, max_depth=max_depth)
