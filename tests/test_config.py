"""Server limits from environment variables and flags: what a class deployment sets."""
import subprocess
import sys

import pytest

from explorer import ProgramError
from explorer.config import DEFAULT_LIMITS, Limits, limits_from_env


def test_environment_variables_set_limits_by_field_name():
    limits = limits_from_env({"EXPLORER_TIME_SECONDS": "2.5", "EXPLORER_MEMORY_MB": "512",
                              "EXPLORER_MAX_TENSOR_ELEMENTS": "1e6", "UNRELATED": "x"})
    assert limits.time_seconds == 2.5 and limits.memory_mb == 512 and limits.max_tensor_elements == 1_000_000
    assert limits.max_ops == DEFAULT_LIMITS.max_ops
    assert limits_from_env({}) == DEFAULT_LIMITS


@pytest.mark.parametrize("env", [{"EXPLORER_MEMORY_MB": "lots"}, {"EXPLORER_TIME_SECONDS": "-1"},
                                 {"EXPLORER_MAX_OPS": "1.5"}])
def test_bad_values_say_which_variable(env):
    with pytest.raises(ValueError, match=next(iter(env))):
        limits_from_env(env)


def test_the_app_runs_programs_under_its_limits():
    from explorer.app import callbacks, create_app

    create_app(limits={"time_seconds": 0.5})
    try:
        with pytest.raises(ProgramError) as e:
            callbacks.run_trace({"source": "i = 0\nwhile True:\n    i = i + 1\n", "backward": "auto", "seed": 0})
        assert e.value.kind == "limit" and "0.5 s" in e.value.message
    finally:
        create_app()


def test_serve_refuses_a_bad_flag_with_a_message():
    r = subprocess.run([sys.executable, "-m", "explorer", "serve", "--time-limit", "-3"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and "--time-limit must be greater than 0" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("change", [{"time_seconds": -5}, {"time_seconds": 0}, {"max_ops": 0}, {"max_ops": 2.5},
                                    {"memory_mb": True}, {"max_steps": "many"}])
def test_a_limit_is_a_positive_number(change):
    """time_seconds=-5 stopped every program at once, "after -5 s": a limit that is no bound is refused."""
    name = next(iter(change))
    with pytest.raises(ValueError, match=f"limits: {name} must be .*above 0"):
        Limits(**change)
    with pytest.raises(ValueError, match=name):
        Limits.from_any(change)
