"""Ports of Halide's Python binding tests: every test body runs twice, once with `hl` as Halide
(the PyPI package `halide`: the checks are Halide's behaviour) and once as halo (halo matches it
by changing the import)."""
import importlib

import pytest

MODULES = ("halo", "halide")


@pytest.fixture(params=MODULES)
def hl(request):
    try:
        return importlib.import_module(request.param)
    except ImportError:
        pytest.skip(f"needs the PyPI package {request.param}")


def differs(hl, reason):
    """Skip one check in halo only, where halo deliberately differs (README: "Where halo differs
    from Halide")."""
    if hl.__name__ == "halo":
        pytest.skip(f"halo differs from Halide: {reason}")
