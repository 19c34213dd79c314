"""Python's `random`, the part tutorials use (d2l shuffles its batches with `random.shuffle`): `import random`
binds this namespace.

Each function is a wrapper over the module's own generator, which the run seeds from its seed and puts back
afterwards (recording/run.py, isolated_random_state), so runs stay reproducible and nothing leaks between them.
Every size is bounded before the work (a shuffle or sample of at most max_collection_len items); the generator's
state (getstate/setstate), the classes (Random, SystemRandom) and reseeding from the operating system are not
offered.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from explorer.errors import ProgramError
from explorer.language import guards
from explorer.language.objects import Fn, LazyMembers, Namespace

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter

RANDOM_FUNCTIONS = frozenset(
    "seed random uniform gauss normalvariate randint randrange choice shuffle sample".split()
)
_STATE = "the random state is the run's own; seed it with random.seed(n)"
RANDOM_REFUSED: dict[str, str] = {
    "getstate": _STATE, "setstate": _STATE, "Random": _STATE, "SystemRandom": "use random.random() here",
    "_inst": _STATE,
}


def make_random(interp: Interpreter) -> Namespace:
    limits = interp.limits

    def seed(a: Any = None) -> None:
        if not isinstance(a, int) or isinstance(a, bool):
            raise ProgramError("runtime", "random.seed needs a whole number here")
        random.seed(a)

    def number(name: str) -> Callable[..., Any]:
        real = getattr(random, name)

        def impl(*args: Any) -> Any:
            for a in args:
                if not isinstance(a, (int, float)) or isinstance(a, bool):
                    raise TypeError(f"random.{name}() takes numbers")
            return real(*args)

        return impl

    def choice(seq: Any) -> Any:
        if not isinstance(seq, (list, tuple, str, range)):
            raise TypeError("random.choice() takes a list, a tuple, a string or a range")
        return random.choice(seq)

    def shuffle(x: Any) -> None:
        if not isinstance(x, list):
            raise TypeError("random.shuffle() shuffles a list in place")
        guards.check_length(len(x), limits)
        random.shuffle(x)

    def sample(population: Any, k: Any) -> list:
        if not isinstance(population, (list, tuple, str, range)):
            raise TypeError("random.sample() takes a list, a tuple, a string or a range")
        if not isinstance(k, int) or isinstance(k, bool):
            raise TypeError("random.sample()'s k must be a whole number")
        guards.check_length(k, limits)
        return random.sample(population, k)

    special: dict[str, Callable[..., Any]] = {"seed": seed, "choice": choice, "shuffle": shuffle, "sample": sample}

    def member(name: str) -> Fn:
        return Fn(f"random.{name}", special[name] if name in special else number(name), torch_args=False)

    return Namespace("random", LazyMembers(RANDOM_FUNCTIONS, member), RANDOM_REFUSED)
