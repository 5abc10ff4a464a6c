"""Safe expressions for the KPI catalog.

Two small languages, both parsed with :mod:`ast` against a strict whitelist and evaluated by walking the tree
(never ``eval``/``exec``):

* **formulas** — arithmetic over base-measure names and KPI ids: ``(revenue - spend) / spend``,
  ``1000 * spend / impressions``. Allowed: numbers, names, ``+ - * /``, unary ``-``/``+``, and the functions
  ``abs``, ``min``, ``max`` (element-wise). Evaluated on aggregated columns (:class:`Col`), where a zero
  denominator makes the result null *with a reason*.
* **filters** — row conditions over a table's columns, used by base measures:
  ``metric == 'nps' and score >= 9``. Allowed: names, string/number/bool constants, comparisons (``== != < <= > >= in not in``, chained),
  ``and``/``or``/``not``, and tuples/lists of constants after ``in``. Evaluated vectorised on a DataFrame.

Anything else (calls to other functions, attribute access, subscripts, lambdas, comprehensions, names
that start with ``_``) is rejected with :class:`ExpressionError` naming the construct.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

MAX_LENGTH = 500
FUNCTIONS = ("abs", "min", "max")

_FORBIDDEN = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Starred: "starred arguments",
    ast.NamedExpr: "assignment expressions",
    ast.IfExp: "conditional expressions",
    ast.JoinedStr: "f-strings",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.Dict: "dict literals",
    ast.Set: "set literals",
}
_ARITH: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class ExpressionError(ValueError):
    """A catalog formula or filter that is not in the safe whitelist, or does not parse."""


def _reject(source: str, kind: str, what: str) -> ExpressionError:
    return ExpressionError(f"{kind} {source!r}: {what} is not allowed")


def _parse(source: str, kind: str) -> ast.expr:
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError(f"{kind} must be a non-empty string, got {source!r}")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"{kind} {source[:40]!r}...: longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{kind} {source!r} does not parse: {exc.msg}") from None
    for node in ast.walk(tree):
        for bad, what in _FORBIDDEN.items():
            if isinstance(node, bad):
                raise _reject(source, kind, what)
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise _reject(source, kind, f"name {node.id!r} (names starting with '_')")
    return tree.body


def _names(tree: ast.expr) -> frozenset[str]:
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS)


@dataclass(frozen=True)
class Formula:
    """A parsed, whitelisted arithmetic formula. ``names`` are the measure/KPI names it reads."""

    source: str
    tree: ast.expr = field(repr=False, compare=False)
    names: frozenset[str]


@dataclass(frozen=True)
class Filter:
    """A parsed, whitelisted row filter. ``names`` are the table columns it reads."""

    source: str
    tree: ast.expr = field(repr=False, compare=False)
    names: frozenset[str]


def parse_formula(source: str) -> Formula:
    """Parse and whitelist-check a KPI formula; raises :class:`ExpressionError`."""
    tree = _parse(source, "formula")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise _reject(source, "formula", f"function calls other than {', '.join(FUNCTIONS)}")
            if node.keywords or not node.args or (node.func.id == "abs" and len(node.args) != 1):
                raise _reject(source, "formula", f"this call of {node.func.id}()")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _ARITH:
                raise _reject(source, "formula", f"operator {type(node.op).__name__}")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise _reject(source, "formula", f"operator {type(node.op).__name__}")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise _reject(source, "formula", f"constant {node.value!r} (numbers only)")
        elif not isinstance(node, ast.Name | ast.Load | ast.operator | ast.unaryop):
            raise _reject(source, "formula", type(node).__name__)
    return Formula(source=source, tree=tree, names=_names(tree))


def parse_filter(source: str) -> Filter:
    """Parse and whitelist-check a row filter; raises :class:`ExpressionError`."""
    tree = _parse(source, "filter")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            raise _reject(source, "filter", "function calls")
        if isinstance(node, ast.Compare):
            for op, right in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, ast.In | ast.NotIn):
                    if not isinstance(right, ast.Tuple | ast.List) or not all(
                        isinstance(e, ast.Constant) for e in right.elts
                    ):
                        raise _reject(source, "filter", "'in' with anything but a list of constants")
                elif type(op) not in _COMPARE:
                    raise _reject(source, "filter", f"comparison {type(op).__name__}")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.Not | ast.USub):
                raise _reject(source, "filter", f"operator {type(node.op).__name__}")
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, str | int | float | bool):
                raise _reject(source, "filter", f"constant {node.value!r}")
        elif not isinstance(
            node,
            ast.Name | ast.Load | ast.BoolOp | ast.And | ast.Or | ast.cmpop | ast.Tuple | ast.List | ast.unaryop,
        ):
            raise _reject(source, "filter", type(node).__name__)
    return Filter(source=source, tree=tree, names=_names(tree))


# --------------------------------------------------------------------------------------------- formula values


class ReasonBook:
    """Interned null reasons: code 0 means 'has a value', code k > 0 is ``texts[k]``.

    Reason codes are int32 arrays, so propagating reasons over a million rows costs what a numeric op costs.
    """

    def __init__(self) -> None:
        self.texts: list[str] = [""]
        self._codes: dict[str, int] = {}

    def code(self, text: str) -> int:
        if text not in self._codes:
            self._codes[text] = len(self.texts)
            self.texts.append(text)
        return self._codes[text]

    def text(self, code: int) -> str | None:
        return self.texts[code] if code else None

    def map(self, codes: np.ndarray, fn: Callable[[str], str]) -> np.ndarray:
        """Codes of ``fn(text)`` for each non-zero code (0 stays 0)."""
        out = codes.copy()
        for c in np.unique(codes[codes != 0]).tolist():
            out[codes == c] = self.code(fn(self.texts[c]))
        return out


@dataclass(frozen=True)
class Col:
    """A column of aggregated values: ``values`` float64 (NaN = null) and ``codes`` int32 reason codes in
    ``book`` (0 = has a value). Both arrays have one entry per output row; every null carries a reason."""

    values: np.ndarray
    codes: np.ndarray
    book: ReasonBook = field(repr=False, compare=False)

    @staticmethod
    def constant(value: float, n: int, book: ReasonBook) -> Col:
        return Col(np.full(n, float(value)), np.zeros(n, dtype=np.int32), book)

    @staticmethod
    def null(reason: str, n: int, book: ReasonBook) -> Col:
        return Col(np.full(n, np.nan), np.full(n, book.code(reason), dtype=np.int32), book)

    @property
    def valid(self) -> np.ndarray:
        return self.codes == 0

    def take(self, idx: np.ndarray) -> Col:
        return Col(self.values[idx], self.codes[idx], self.book)

    def with_reason(self, mask: np.ndarray, reason: str) -> Col:
        """Null the rows in ``mask`` that are still valid, giving them ``reason``."""
        new = mask & (self.codes == 0)
        if not new.any():
            return self
        values, codes = self.values.copy(), self.codes.copy()
        values[new] = np.nan
        codes[new] = self.book.code(reason)
        return Col(values, codes, self.book)


def first_reason(*cols: Col) -> np.ndarray:
    """Per row, the reason code of the first operand that is null (0 when all have values)."""
    out = cols[0].codes
    for col in cols[1:]:
        out = np.where(out != 0, out, col.codes)
    return out


def evaluate_formula(formula: Formula, resolve: Callable[[str], Col], n: int, book: ReasonBook) -> Col:
    """Evaluate ``formula`` element-wise over ``n`` rows; ``resolve(name)`` gives the column for a name.

    Nulls propagate with their reason; a zero denominator gives null with reason
    ``"zero denominator: X is 0"``; a non-finite result gives null with reason ``"non-finite result"``.
    """

    def ev(node: ast.expr) -> Col:
        if isinstance(node, ast.Constant):
            return Col.constant(float(node.value), n, book)  # type: ignore[arg-type]
        if isinstance(node, ast.Name):
            return resolve(node.id)
        if isinstance(node, ast.UnaryOp):
            inner = ev(node.operand)
            return Col(-inner.values, inner.codes, book) if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left), ev(node.right)
            codes = first_reason(left, right)
            with np.errstate(divide="ignore", invalid="ignore"):
                values = _ARITH[type(node.op)](left.values, right.values)
            out = Col(np.where(codes == 0, values, np.nan), codes, book)
            if isinstance(node.op, ast.Div):
                out = out.with_reason(right.values == 0, f"zero denominator: {ast.unparse(node.right)} is 0")
            return out
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            args = [ev(a) for a in node.args]
            codes = first_reason(*args)
            if node.func.id == "abs":
                values = np.abs(args[0].values)
            else:
                fn = np.minimum if node.func.id == "min" else np.maximum
                values = args[0].values
                for a in args[1:]:
                    values = fn(values, a.values)
            return Col(np.where(codes == 0, values, np.nan), codes, book)
        raise ExpressionError(f"formula {formula.source!r}: unsupported node {type(node).__name__}")

    result = ev(formula.tree)
    return result.with_reason(~np.isfinite(result.values), "non-finite result")


# --------------------------------------------------------------------------------------------- filter values


def evaluate_filter(flt: Filter, frame: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
    """Boolean mask (numpy, one entry per row of ``frame``) for the rows that satisfy ``flt``.

    Raises :class:`KeyError` naming the column when the filter reads a column that ``frame`` lacks.
    Comparisons with missing values are False.
    """

    def column(name: str) -> Any:
        if name not in frame:
            raise KeyError(name)
        return frame[name]

    def ev(node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return column(node.id)
        if isinstance(node, ast.UnaryOp):
            inner = ev(node.operand)
            return ~_as_bool(inner) if isinstance(node.op, ast.Not) else -inner
        if isinstance(node, ast.BoolOp):
            parts = [_as_bool(ev(v)) for v in node.values]
            acc = parts[0]
            for p in parts[1:]:
                acc = (acc & p) if isinstance(node.op, ast.And) else (acc | p)
            return acc
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            result: Any = True
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, ast.In | ast.NotIn):
                    assert isinstance(right_node, ast.Tuple | ast.List)
                    options = [e.value for e in right_node.elts if isinstance(e, ast.Constant)]
                    res = pd.Series(left).isin(options).to_numpy()
                    res = ~res if isinstance(op, ast.NotIn) else res
                    right: Any = None
                else:
                    right = ev(right_node)
                    res = _as_bool(_COMPARE[type(op)](left, right))
                result = result & res
                left = right
            return result
        raise ExpressionError(f"filter {flt.source!r}: unsupported node {type(node).__name__}")

    n = len(frame) if isinstance(frame, pd.DataFrame) else len(next(iter(frame.values())))
    mask = ev(flt.tree)
    if np.isscalar(mask):
        return np.full(n, bool(mask))
    return _as_bool(mask)


def _as_bool(value: Any) -> Any:
    if isinstance(value, pd.Series):
        return value.fillna(False).to_numpy(dtype=bool)
    if isinstance(value, np.ndarray):
        return value.astype(bool)
    return value
