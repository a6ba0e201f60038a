import pytest


@pytest.fixture(scope="module")
def quick_c_compiles():
    """For tests about results only (the property tests): their many small pipelines are compiled
    without optimization, several times faster; every other test compiles at -O3."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HALO_OPT", "-O0")
        yield
