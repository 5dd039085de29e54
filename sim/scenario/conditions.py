"""The small language of event conditions: when an event fires on the state of the negotiation.

Grammar (keywords and ids are case-sensitive; ``and`` binds tighter than ``or``)::

    condition  := conjunct ("or" conjunct)*
    conjunct   := term ("and" term)*
    term       := "not" term | "(" condition ")" | test
    test       := "agreed(" TRACK ")"          the track has agreed (a forecast track: settled)
                | "failed(" TRACK ")"          the track closed without agreement
                | "closed(" TRACK ")"          the track closed, either way
                | "signatories(" TRACK ")" OP NUMBER   signatories of an opt-in track
                | "draft(" DIMENSION ")" OP NUMBER     the text on the table on a dimension
                | "round" OP NUMBER            rounds played so far
    OP         := ">=" | "<=" | ">" | "<" | "=="

Examples: ``agreed(umbrella)``, ``signatories(umbrella) >= 4``,
``draft(membership_timing) >= 45 and not failed(consensus)``.

A condition is parsed once, when the scenario is validated (:func:`parse`), and
checked against the scenario's track and dimension ids (:func:`check`); it is
evaluated on arrays over replicates (:func:`evaluate`). Nothing is ever passed
to ``eval``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

import numpy as np

from sim import limits

if TYPE_CHECKING:
    from sim.kernel.state import NegotiationState
    from sim.scenario.scenario import Scenario

__all__ = ["ConditionError", "Condition", "check", "evaluate", "parse", "references"]

_TOKEN = re.compile(r"\s*(?:(>=|<=|==|>|<|\(|\))|([A-Za-z_][A-Za-z0-9_\-]*)|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))")
_STATUS = ("agreed", "failed", "closed")
_COMPARE = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less, "==": np.equal}


class ConditionError(ValueError):
    """A condition that does not parse or names nothing in the scenario."""


@dataclass(frozen=True)
class Status:
    kind: str  # agreed | failed | closed
    track: str


@dataclass(frozen=True)
class Compare:
    quantity: str  # signatories | draft | round
    target: str  # track id, dimension id, or "" for round
    op: str
    value: float


@dataclass(frozen=True)
class Not:
    term: "Condition"


@dataclass(frozen=True)
class Both:
    left: "Condition"
    right: "Condition"
    any_of: bool  # True: or, False: and


Condition = Union[Status, Compare, Not, Both]


def _tokens(text: str) -> list[str]:
    tokens, at = [], 0
    text = text.rstrip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise ConditionError(f"cannot read {text[at:at + 12]!r} at character {at + 1}")
        tokens.append(next(group for group in match.groups() if group is not None))
        at = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0  # "not" and "(" around the current term
        self.tests = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, exact: str | None = None, what: str | None = None) -> str:
        """The next token; ``exact``: it must be this one; ``what``: what it should be, for the message."""
        token = self.peek()
        if token is None:
            raise ConditionError(f"the condition ends early; expected {what or repr(exact) if exact else what or 'more'}")
        if exact is not None and token != exact:
            raise ConditionError(f"expected {exact!r}, got {token!r}")
        self.at += 1
        return token

    def condition(self) -> Condition:
        node = self.conjunct()
        while self.peek() == "or":
            self.take()
            node = Both(node, self.conjunct(), any_of=True)
        return node

    def conjunct(self) -> Condition:
        node = self.term()
        while self.peek() == "and":
            self.take()
            node = Both(node, self.term(), any_of=False)
        return node

    def term(self) -> Condition:
        token = self.take(what="a test")
        if token in ("not", "("):
            self.depth += 1
            if self.depth > limits.MAX_NESTING:
                raise ConditionError(f"'not' and parentheses nested more than {limits.MAX_NESTING} deep "
                                     "(see README, 'Limits')")
            if token == "not":
                node: Condition = Not(self.term())
            else:
                node = self.condition()
                self.take(")")
            self.depth -= 1
            return node
        self.tests += 1
        if self.tests > limits.MAX_CONDITION_TESTS:
            raise ConditionError(f"more than {limits.MAX_CONDITION_TESTS} tests in one condition "
                                 "(see README, 'Limits')")
        if token in _STATUS:
            return Status(token, self._argument())
        if token in ("signatories", "draft"):
            target = self._argument()
            return Compare(token, target, *self._comparison())
        if token == "round":
            return Compare("round", "", *self._comparison())
        raise ConditionError(f"unknown test {token!r}; tests are agreed(T), failed(T), closed(T), "
                             "signatories(T) OP N, draft(D) OP X, round OP N")

    def _argument(self) -> str:
        self.take("(")
        name = self.take(what="an id")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", name):
            raise ConditionError(f"expected an id, got {name!r}")
        self.take(")")
        return name

    def _comparison(self) -> tuple[str, float]:
        op = self.take(what="a comparison (>=, <=, >, <, ==)")
        if op not in _COMPARE:
            raise ConditionError(f"expected a comparison (>=, <=, >, <, ==), got {op!r}")
        number = self.take(what="a number")
        try:
            return op, float(number)
        except ValueError:
            raise ConditionError(f"expected a number, got {number!r}") from None


def parse(text: str) -> Condition:
    """The condition ``text`` as a tree; :class:`ConditionError` says what is wrong."""
    parser = _Parser(text)
    if not parser.tokens:
        raise ConditionError("the condition is empty")
    node = parser.condition()
    if parser.peek() is not None:
        raise ConditionError(f"unexpected {parser.peek()!r} after a complete condition")
    return node


def references(node: Condition) -> list[tuple[str, str]]:
    """Every (kind, id) the condition names: ("track", id) or ("dimension", id); opt-in tracks as ("opt_in", id)."""
    if isinstance(node, Status):
        return [("track", node.track)]
    if isinstance(node, Compare):
        return {"signatories": [("opt_in", node.target)], "draft": [("dimension", node.target)]}.get(node.quantity, [])
    if isinstance(node, Not):
        return references(node.term)
    return references(node.left) + references(node.right)


def check(node: Condition, tracks: dict[str, str], dimensions: set[str]) -> list[str]:
    """Problems with the ids a condition names; ``tracks`` maps track id to its rule kind."""
    problems = []
    for kind, name in references(node):
        if kind == "dimension" and name not in dimensions:
            problems.append(f"unknown dimension '{name}'")
        elif kind in ("track", "opt_in") and name not in tracks:
            problems.append(f"unknown track '{name}'")
        elif kind == "opt_in" and tracks[name] != "opt_in":
            problems.append(f"signatories() needs an opt-in track; '{name}' is {tracks[name].replace('_', ' ')}")
    return problems


def evaluate(node: Condition, scenario: Scenario, state: NegotiationState) -> np.ndarray:
    """Whether the condition holds in each replicate now: array (R,) of bool."""
    if isinstance(node, Status):
        k = scenario.track_index[node.track]
        closed = ~state.open[:, k]
        agreed = state.agreed_round[:, k] > 0
        return {"agreed": agreed, "failed": closed & ~agreed, "closed": closed}[node.kind]
    if isinstance(node, Compare):
        if node.quantity == "round":
            value = np.full(state.replicates, float(state.round))
        elif node.quantity == "signatories":
            k = scenario.track_index[node.target]
            value = (state.signed[:, k, :] & state.participating[:, k, :]).sum(axis=1).astype(float)
        else:
            value = state.draft[:, scenario.dimension_index[node.target]]
        return _COMPARE[node.op](value, node.value) & ~np.isnan(value)
    if isinstance(node, Not):
        return ~evaluate(node.term, scenario, state)
    left, right = evaluate(node.left, scenario, state), evaluate(node.right, scenario, state)
    return (left | right) if node.any_of else (left & right)
