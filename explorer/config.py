"""Every default in one place: the limits a typed program runs under, and how much of a tensor we keep."""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Bounds for one run of a typed program. Each one, when hit, ends the run with its own `limit` error."""

    max_source_chars: int = 50_000
    max_ast_nodes: int = 20_000
    max_ast_depth: int = 60
    max_nesting: int = 50  # brackets, checked before ast.parse (which can blow its own stack)
    max_steps: int = 2_000_000  # expression evaluations by the interpreter
    max_ops: int = 50_000  # autograd nodes recorded
    max_loop_iterations: int = 200_000  # all loop bodies together
    max_call_depth: int = 40
    max_tensor_elements: int = 4_000_000
    max_collection_len: int = 100_000  # list/tuple/str/range lengths
    max_int_bits: int = 4_096
    max_backward_passes: int = 5_000
    max_stdout_chars: int = 50_000
    time_seconds: float = 5.0  # wall time of the program itself
    memory_mb: int = 1_024  # extra address space a worker may take beyond what torch needs at rest
    max_result_bytes: int = 32_000_000  # JSON a worker may send back

    def __post_init__(self) -> None:
        """Every limit is a positive number: a zero or negative one (`time_seconds=-5`) would stop every program
        at once with a message that makes no sense ("ran longer than -5 s")."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            kind = int if f.type in ("int", int) else float
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or \
                    (kind is int and not isinstance(value, int)):
                wanted = "a whole number" if kind is int else "a number"
                raise ValueError(f"limits: {f.name} must be {wanted} above 0, not {value!r}")

    def replace(self, **changes: Any) -> Limits:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_any(cls, value: Limits | dict | None) -> Limits:
        if value is None:
            return cls()
        if isinstance(value, Limits):
            return value
        if isinstance(value, dict):
            unknown = set(value) - {f.name for f in dataclasses.fields(cls)}
            if unknown:
                raise TypeError(f"unknown limit(s): {', '.join(sorted(unknown))}")
            return cls(**value)
        raise TypeError("limits must be an explorer.Limits, a dict or None")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


DEFAULT_LIMITS = Limits()

ENV_PREFIX = "EXPLORER_"


def limits_from_env(environ: Mapping[str, str] | None = None, base: Limits = DEFAULT_LIMITS) -> Limits:
    """Limits for a server, from environment variables named after the fields: EXPLORER_TIME_SECONDS=3,
    EXPLORER_MEMORY_MB=512, EXPLORER_MAX_TENSOR_ELEMENTS=1000000, ... Unset ones keep `base`'s value."""
    environ = os.environ if environ is None else environ
    changes: dict[str, object] = {}
    for f in dataclasses.fields(Limits):
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw is None or raw.strip() == "":
            continue
        kind = type(getattr(base, f.name))
        try:
            value = kind(float(raw)) if kind is int and "." not in raw else kind(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX + f.name.upper()}={raw!r} is not a {kind.__name__}") from None
        if value <= 0:
            raise ValueError(f"{ENV_PREFIX + f.name.upper()} must be greater than 0")
        changes[f.name] = value
    return base.replace(**changes) if changes else base

# How much of a tensor a trace keeps: every element up to FULL_VALUE_ELEMENTS on graph nodes, a summary
# (shape, min/mean/max, first elements) beyond; named values and grads are kept whole up to
# FULL_NAMED_ELEMENTS.
FULL_VALUE_ELEMENTS = 64
FULL_NAMED_ELEMENTS = 100_000
# ... and as many elements whole over all the named values and grads together, the program's own variables
# first, then the parameters of its modules (a model's parameters would otherwise outgrow a worker's reply)
FULL_NAMED_TOTAL = 400_000
SUMMARY_FIRST_ELEMENTS = 8

# Backward passes kept in full when a loop runs many; older ones are counted and summarised.
KEEP_PASSES = 3

# Values given to free names (`z = y*y*2` makes `y` an input) in order of first appearance.
DEFAULT_INPUT_VALUES = (3.0, 2.0, 4.0, 1.5, 5.0, 0.5, 2.5, 1.0)

DEFAULT_SEED = 0
