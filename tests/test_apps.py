"""The example apps (issue 6): every app x schedule x format verifies against numpy at a size
that is a multiple of the tiles and one that is not, and the runner exits non-zero on failure."""
import pytest

from apps.__main__ import APPS, FORMATS, main
from apps.common import run_app

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` runs the fast part

CASES = [(name, schedule, fmt, ubwc) for name, app in sorted(APPS.items())
         for schedule in app.schedules for fmt, ubwc in FORMATS[name]]


@pytest.mark.parametrize("size", [(256, 128), (200, 72)], ids=["256x128", "200x72"])
@pytest.mark.parametrize("name,schedule,fmt,ubwc", CASES,
                         ids=[f"{n}-{s}-{f}{'-ubwc' if u else ''}" for n, s, f, u in CASES])
def test_app_matches_numpy(name, schedule, fmt, ubwc, size):
    w, h = size
    r = run_app(APPS[name], schedule, fmt, ubwc, w, h, repeats=1)
    assert r.ok
    assert r.transfers > 0 and r.local_bytes > 0


def test_runner_prints_the_table_and_succeeds(capsys):
    rc = main(["--app", "dma_nv12_rw", "--schedule", "async", "--size", "256x64", "--repeats", "1",
               "--dma-bandwidth", "0"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "| dma_nv12_rw | async | nv12 |" in out and "| dma_nv12_rw | async | nv12 UBWC |" in out
    assert out.count("| yes |") == 2
