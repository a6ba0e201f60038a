"""Generated async and parallel pipelines, built into C programs with the runtime and run under
ThreadSanitizer and AddressSanitizer + UndefinedBehaviorSanitizer: clean, and identical to the
same algorithm without async or parallelism."""
import subprocess

import pytest

import halo as hl
from halo.runtime import build

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` runs the fast part

HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "halo_runtime.h"
int fast(void *uc, halo_buffer_t *in, halo_buffer_t *out);
int slow(void *uc, halo_buffer_t *in, halo_buffer_t *out);

static void make(halo_buffer_t *b, halo_dimension_t *d, uint8_t *host, int w, int h) {
    memset(b, 0, sizeof(*b));
    d[0].min = 0; d[0].extent = w; d[0].stride = 1; d[0].flags = 0;
    d[1].min = 0; d[1].extent = h; d[1].stride = w; d[1].flags = 0;
    b->host = host; b->type.code = 1; b->type.bits = 8; b->type.lanes = 1;
    b->dimensions = 2; b->dim = d;
}

int main(void) {
    const int w = 75, h = 61;
    uint8_t *a = malloc(w * h), *o1 = malloc(w * h), *o2 = malloc(w * h);
    for (int i = 0; i < w * h; i++) a[i] = (uint8_t)((i * 7919) >> 3);
    halo_buffer_t bi, b1, b2;
    halo_dimension_t di[2], d1[2], d2[2];
    make(&bi, di, a, w, h); make(&b1, d1, o1, w, h); make(&b2, d2, o2, w, h);
    for (int rep = 0; rep < 20; rep++) {
        if (fast(NULL, &bi, &b1) != 0) { printf("fast failed: %s\n", halo_last_error_message()); return 2; }
    }
    if (slow(NULL, &bi, &b2) != 0) { printf("slow failed: %s\n", halo_last_error_message()); return 3; }
    int bad = memcmp(o1, o2, w * h) != 0;
    free(a); free(o1); free(o2);
    printf(bad ? "MISMATCH\n" : "OK\n");
    return bad;
}
"""


def _blur(schedule):
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    bx, out = hl.Func("blur_x"), hl.Func("blur_y")
    bx[x, y] = hl.cast(hl.UInt(16), rep[x - 1, y]) + rep[x, y] + rep[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
    schedule(x, y, bx, out)
    return inp, out


def _async_line_buffer(x, y, bx, out):
    bx.compute_at(out, y).store_root().fold_storage(y, 4).async_()


def _async_parallel_strips(x, y, bx, out):
    yo, yi = hl.Var("yo"), hl.Var("yi")
    out.split(y, yo, yi, 16).parallel(yo)
    bx.compute_at(out, yi).store_at(out, yo).fold_storage(y, 4).async_()


def _parallel_tiles(x, y, bx, out):
    xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
    out.tile(x, y, xo, yo, xi, yi, 16, 8).parallel(yo).vectorize(xi, 8)
    bx.compute_at(out, xo)


@pytest.mark.parametrize("sanitize", ["thread", "address,undefined"])
@pytest.mark.parametrize("schedule", [_async_line_buffer, _async_parallel_strips, _parallel_tiles],
                         ids=["async_line_buffer", "async_parallel_strips", "parallel_tiles"])
def test_generated_pipeline_is_sanitizer_clean(tmp_path, schedule, sanitize):
    inp, fast = _blur(schedule)
    inp2, slow = _blur(lambda *a: None)
    fast.compile_to_c(tmp_path / "fast.c", [inp], "fast")
    slow.compile_to_c(tmp_path / "slow.c", [inp2], "slow")
    (tmp_path / "main.c").write_text(HARNESS)
    exe = build.build_c_program([tmp_path / "main.c", tmp_path / "fast.c", tmp_path / "slow.c"],
                                tmp_path / "prog", sanitize=sanitize, flags=["-std=gnu11", "-O1", "-lm"])
    p = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip() == "OK"
    assert "WARNING: ThreadSanitizer" not in p.stderr and "ERROR: AddressSanitizer" not in p.stderr
