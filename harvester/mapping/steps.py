"""Running a rule's ``transforms:`` chain over the values a path produced.

``bind_steps`` turns the compiled steps of one rule (``transforms.compile_steps``) into one function
``values -> (values left, failures)``, once, when the engine is built; ``apply_steps`` runs a chain
directly (tests, tools). Steps run in order over the whole list; a value a step cannot handle is
dropped and reported as a failure ``(transform, value, reason)`` (the engine turns it into a
``MAP-TRANSFORM`` issue); after every step ``None`` and blank text are dropped.

Chains of built-in transforms (pure by contract) are memoised for single short values, which repeat
across the records of a harvest (dates, format and licence IRIs, checksum algorithms, codes). The
cache holds the result *and* the failures, so a cached answer is exactly what running the chain would
give; a chain whose values do not repeat (URIs, titles) switches its cache off after a while.

Failure behaviour: a step raising ``TransformError``, ``ValueError`` or ``TypeError`` is a failure of
that value; anything else propagates (a bug in a transform).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Sequence

from harvester.mapping.transforms import BUILTINS, CompiledStep, TransformError

Failure = tuple[str, Any, str]
StepsFn = Callable[[list[Any]], tuple[list[Any], Sequence[Failure]]]
_NO_FAILURES: tuple[Failure, ...] = ()


def _kept(values: list[Any]) -> list[Any]:
    """Drop None and blank text: a transform that gives nothing drops the value."""
    return [v for v in values if v is not None and not (isinstance(v, str) and not v.strip())]


def _each_value(name: str, fn: Callable[[Any], Any], values: list[Any], failures: list[Failure]) -> list[Any]:
    """One value-wise step over ``values``: results (lists flattened), failures appended."""
    out: list[Any] = []
    for v in values:
        try:
            r = fn(v)
        except (TransformError, ValueError, TypeError) as exc:
            failures.append((name, v, str(exc)))
            continue
        if isinstance(r, list):
            out.extend(r)
        else:
            out.append(r)
    return out


def _bind(steps: Sequence[CompiledStep]) -> StepsFn:
    bound = tuple((step.name, step.fn, step.listwise) for step in steps)
    if len(bound) == 1 and not bound[0][2]:
        name, fn, _ = bound[0]

        def one(values: list[Any]) -> tuple[list[Any], Sequence[Failure]]:
            if len(values) == 1:  # one value: the usual case, without the list work
                v = values[0]
                try:
                    r = fn(v)
                except (TransformError, ValueError, TypeError) as exc:
                    return [], [(name, v, str(exc))]
                if isinstance(r, list):
                    return _kept(r), _NO_FAILURES
                if r is None or (isinstance(r, str) and not r.strip()):
                    return [], _NO_FAILURES
                return [r], _NO_FAILURES
            failures: list[Failure] = []
            return _kept(_each_value(name, fn, values, failures)), failures

        return one

    def chain(values: list[Any]) -> tuple[list[Any], Sequence[Failure]]:
        failures: list[Failure] = []
        for name, fn, listwise in bound:
            values = fn(values) if listwise else _each_value(name, fn, values, failures)
            values = _kept(values)
        return values, failures

    return chain


#: Built-in transforms whose input is usually long, unique text: a chain with one is not memoised.
_LONG_INPUT = frozenset({"strip_html", "json_parse"})
_BUILTIN_NAMES = frozenset(t.name for t in BUILTINS)
CHAIN_MEMO_SIZE = 2048
_MEMO_MAX_LEN = 256
_MEMO_CHECK_EVERY = 1024  # a memoised chain hit by fewer than one value in four by then is unmemoised


def bind_steps(steps: Sequence[CompiledStep]) -> StepsFn:
    """The whole chain as one function: values -> (values left, failures as (transform, value, reason)).

    Built once per rule. A chain of one value-wise transform (the usual case) gets a tighter loop.
    A chain of built-in transforms (pure by contract) is memoised for single short values, which
    repeat across records (dates, format and licence IRIs, checksum algorithms, codes): the result
    and the failures are data, so a cached answer is exactly what running the chain would give.
    The memoised function's ``plain`` attribute is the same chain without the memo."""
    run = _bind(steps)
    names = {step.name for step in steps}
    if not names <= _BUILTIN_NAMES or names & _LONG_INPUT:
        return run

    @lru_cache(maxsize=CHAIN_MEMO_SIZE, typed=True)
    def single(value: Any) -> tuple[tuple[Any, ...], tuple[Failure, ...]]:
        left, failures = run([value])
        return tuple(left), tuple(failures)

    calls, enabled = 0, True

    def memoised(values: list[Any]) -> tuple[list[Any], Sequence[Failure]]:
        nonlocal calls, enabled
        if enabled and len(values) == 1:
            v = values[0]
            kind = type(v)
            if (kind is str and len(v) <= _MEMO_MAX_LEN) or kind is int or kind is float or kind is bool:
                calls += 1
                if calls % _MEMO_CHECK_EVERY == 0:
                    info = single.cache_info()
                    if info.hits * 4 < info.hits + info.misses:
                        enabled = False  # values of this rule do not repeat (URIs ...): stop paying for the cache
                        single.cache_clear()
                        return run(values)
                left, failures = single(v)
                return list(left), failures
        return run(values)

    memoised.plain = run  # type: ignore[attr-defined]  # the chain without its memo (see ValueProg)
    return memoised


def apply_steps(values: list[Any], steps: Sequence[CompiledStep]) -> tuple[list[Any], list[Failure]]:
    """Run ``steps`` over ``values``. Returns (values left, failures as (transform, value, reason))."""
    left, failures = bind_steps(steps)(values)
    return left, list(failures)
