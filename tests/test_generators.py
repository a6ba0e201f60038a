"""Generators (Halide's Python API) and their ahead-of-time outputs, checked against numpy: the
command line, Gen.call / compile_to_callable, the header and static libraries linked into a C
program (host, and Hexagon under qemu-hexagon), the Python extension in a fresh interpreter that
cannot import halo, and byte-identical outputs across runs."""
import os
import pathlib
import re
import runpy
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import halo as hl
from halo import generate
from halo.lang import generator
from halo.jit import hexagon
from halo.outputs import OutputFileType, extension
from halo.runtime import build

GEN_FILE = pathlib.Path(__file__).parent / "generators" / "blend.py"
ROOT = pathlib.Path(__file__).resolve().parents[1]
PARAMS = ["b.type=uint8", "gain=3", "scale=0.25", "use_blur=true", "blur_name=smooth", "mode=sub",
          "acc_type=uint16", "blur_at=inlined"]
OFFSET = 7
W, H = 40, 6  # at least the vector width the schedule asks for on Hexagon
rng = np.random.default_rng(15)
A = rng.integers(0, 256, (H, W + 2), dtype=np.uint8)
B = rng.integers(0, 256, (H, W), dtype=np.uint8)
HOST_KINDS = [k.value for k in OutputFileType]
HEXAGON_KINDS = [k for k in HOST_KINDS if k != "python_extension"]


def expected(a=A, b=B, offset=OFFSET, gain=3, sign=-1, scale=0.25):
    """The blend generator's outputs for PARAMS, computed with numpy."""
    wide = a.astype(np.uint16)
    blur = (wide[:, :-2] + wide[:, 1:-1] + wide[:, 2:]) // 3
    v = blur.astype(np.int64) * gain + sign * offset + b
    out = np.clip(v, 0, 255).astype(np.uint8)
    return out, out.astype(np.float32) * np.float32(scale)


@pytest.fixture(scope="module")
def registered():
    runpy.run_path(str(GEN_FILE), run_name="blend_generators")
    return generator.registered()


def run_cli(out_dir, target, kinds, runtime="halo_runtime"):
    generate.run(["-g", "blend", "-o", str(out_dir), "-e", ",".join(kinds), "-r", runtime,
                  f"target={target}", *PARAMS])
    return out_dir


@pytest.mark.parametrize("argv, message", [
    (["-g", "nope", "-o", "d", "target=host"], "unknown generator 'nope'; generators registered: "),
    (["-g", "blend", "-o", "d", "-e", "c_header,bitcode", "target=host", "b.type=uint8"],
     "unknown output 'bitcode'; legal outputs: assembly, c_header, c_source, object, python_extension"),
    (["-g", "blend", "-o", "d", "target=host", "b.type=uint8", "gian=3"],
     "no GeneratorParam 'gian'; its GeneratorParams are gain, scale, use_blur, blur_name, mode, acc_type, "
     "blur_at, b.type"),
    (["-g", "blend", "-o", "d", "target=host", "b.type=uint8", "mode=mul"],
     "GeneratorParam mode: 'mul' is not a legal value; it takes one of add, sub"),
    (["-g", "blend", "-o", "d", "target=host", "b.type=uint8", "use_blur=yes"], "it takes true or false"),
    (["-g", "blend", "-o", "d", "target=host", "b.type=u8"], "GeneratorParam b.type: 'u8' is not a legal value; "
                                                             "it takes a type: bool, int8"),
    (["-g", "blend", "-o", "d", "target=host", "b.type=uint8", "blur_at=x"], "it takes a LoopLevel: root, inlined"),
    (["-g", "blend", "-o", "d", "-e", "c_header", "target=host"], "InputBuffer b has no type: set the GeneratorParam "
                                                                  "b.type=..."),
    (["-g", "blend", "-o", "d", "target=host-cuda"], "halo refuses it"),
    (["-g", "blend", "-o", "d"], "target=TARGET is required"),
    (["-g", "blend", "target=host"], "-o OUTPUT_DIR is required"),
    (["-g", "blend", "-o", "d", "-x", "target=host"], "unknown flag -x; flags: -g, -o, -e, -f, -n, -r, --help"),
    (["-g", "blend", "-o", "d", "-f", "halo_x", "target=host", "b.type=uint8"], "cannot name a C function"),
    (["-g", "blend", "-o", "d", "-n", "../up", "target=host", "b.type=uint8"], "give a plain file name"),
    (["-g", "blend", "-o", "d", "-e", "python_extension", "target=hexagon-v67-hvx128", "b.type=uint8"],
     "a Python extension runs in this Python; build it for the host target"),
])
def test_bad_command_lines(registered, tmp_path, argv, message):
    with pytest.raises(hl.HaloError) as e:
        generate.run([str(tmp_path / "d") if a == "d" else a for a in argv])
    assert message in str(e.value)


def test_help_lists_outputs_and_params(registered):
    text = generate.run(["--help", "-g", "blend"])
    assert "-e  a comma-separated list of outputs: assembly, c_header, c_source" in text
    assert "mode=add  (one of add, sub)" in text
    assert "b.type=  (required: a type: bool, int8" in text
    assert "blur_at=root  (a LoopLevel: root, inlined" in text


def test_main_exits_with_message_and_module_lists_generators(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    bad = subprocess.run([sys.executable, str(GEN_FILE), "-g", "blend", "-o", str(tmp_path), "target=host",
                          "b.type=uint8", "gain=two"], capture_output=True, text=True, env=env)
    assert bad.returncode == 1
    assert "blend.py: error: GeneratorParam gain: 'two' is not a legal value; it takes an integer" in bad.stderr
    listed = subprocess.run([sys.executable, "-m", "halo.generate", "--list", str(GEN_FILE)],
                            capture_output=True, text=True, env=env, check=True)
    assert listed.stdout.split() == ["blend", "invert"]


def test_call_and_compile_to_callable(registered):
    gen = registered["blend"]
    params = dict(p.split("=") for p in PARAMS)
    out = gen.call(hl.Buffer(A), B, OFFSET, generator_params=params)[0].realize([W, H])
    want_out, want_total = expected()
    np.testing.assert_array_equal(out.numpy(), want_out)
    # values given as Python objects, the default blur placement (root), the other mode
    g = gen({"b.type": hl.UInt(8), "gain": 2, "mode": "add", "blur_at": hl.LoopLevel.root(), "scale": 1})
    fn = g.compile_to_callable()
    got, total = np.zeros((H, W), np.uint8), np.zeros((H, W), np.float32)
    fn(A, B, total=total, out=got, offset=5)
    want_out, want_total = expected(offset=5, gain=2, sign=1, scale=1.0)
    np.testing.assert_array_equal(got, want_out)
    np.testing.assert_array_equal(total, want_total)
    with pytest.raises(hl.HaloError, match="gain is a GeneratorParam, input or output and is read-only"):
        g.gain = 4


def test_loop_level_param_places_the_intermediate(registered):
    nests = {}
    for level in ("root", "inlined"):
        g = registered["blend"]({"b.type": "uint8", "blur_at": level})
        nests[level] = g.build_pipeline().loop_nest()
    assert "produce blur" in nests["root"] and "produce blur" not in nests["inlined"]
    f, x = hl.Func("f"), hl.Var("x")
    assert repr(hl.LoopLevel(f, x)) == "f.x"


def test_report_json_matches_text():
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    copy, out = hl.Func("copy"), hl.Func("out")
    copy[x, y] = inp[x, y]
    out[x, y] = copy[x, y] + 1
    xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
    out.tile(x, y, xo, yo, xi, yi, 64, 8)
    copy.compute_at(out, xo).store_in(hl.MemoryType.LockedCache)
    data = hl.Pipeline(out).report_data()
    text = hl.Pipeline(out).report()
    buf = data["local_buffers"][0]
    assert buf["name"] == "copy" and buf["bytes"] == 64 * 8
    assert f"copy in {buf['memory']}: {buf['formula']} = 512 B" in text


@pytest.fixture(scope="module")
def host_outputs(registered, tmp_path_factory):
    return run_cli(tmp_path_factory.mktemp("host"), "host", HOST_KINDS)


@pytest.fixture(scope="module")
def hexagon_outputs(registered, tmp_path_factory):
    return run_cli(tmp_path_factory.mktemp("hexagon"), "hexagon-v67-hvx128", HEXAGON_KINDS)


def _c_array(name, ctype, data):
    values = ", ".join(str(v) for v in data.reshape(-1).tolist())
    return f"static const {ctype} {name}[{data.size}] = {{{values}}};"


def harness(out_dir):
    """A C program that runs blend on the test data and compares with numpy's results (the float
    output by bit pattern); its exit status says what failed."""
    want_out, want_total = expected()
    data = "\n".join([_c_array("A", "uint8_t", A), _c_array("B", "uint8_t", B),
                      _c_array("OUT", "uint8_t", want_out), _c_array("TOTAL", "uint32_t", want_total.view(np.uint32))])
    src = textwrap.dedent(f"""\
        #include "blend.h"
        {data}
        static int fail(void);
        static uint8_t out[{W * H}];
        static float total[{W * H}];
        static halo_buffer_t buffer(void *host, int code, int bits, halo_dimension_t *d, int w, int h) {{
          halo_buffer_t b = {{0}};
          d[0] = (halo_dimension_t){{0, w, 1, 0}};
          d[1] = (halo_dimension_t){{0, h, w, 0}};
          b.host = (uint8_t *)host;
          b.type = (halo_type_t){{(uint8_t)code, (uint8_t)bits, 1}};
          b.dimensions = 2;
          b.dim = d;
          return b;
        }}
        static int check(void) {{
          halo_dimension_t da[2], db[2], dout[2], dtot[2];
          halo_buffer_t a = buffer((void *)A, halo_type_uint, 8, da, {W + 2}, {H});
          halo_buffer_t b = buffer((void *)B, halo_type_uint, 8, db, {W}, {H});
          halo_buffer_t o = buffer(out, halo_type_uint, 8, dout, {W}, {H});
          halo_buffer_t t = buffer(total, halo_type_float, 32, dtot, {W}, {H});
          if (blend(NULL, &a, &b, {OFFSET}, &o, &t) != 0) return fail();
          for (int i = 0; i < {W * H}; i++) {{
            uint32_t bits;
            __builtin_memcpy(&bits, &total[i], 4);
            if (out[i] != OUT[i]) return 11;
            if (bits != TOTAL[i]) return 12;
          }}
          da[0].extent = {W};  /* too small for the blur's x + 2: the pipeline must refuse it */
          if (blend(NULL, &a, &b, {OFFSET}, &o, &t) != halo_error_buffer_too_small) return 13;
          return 0;
        }}
        #ifdef __hexagon__
        int halo_hexagon_fail(const char *what);
        static int fail(void) {{ return halo_hexagon_fail("blend"); }}
        int halo_hexagon_main(void) {{ return check(); }}
        #else
        static int fail(void) {{ return 10; }}
        int main(void) {{ return check(); }}
        #endif
        """)
    path = out_dir / "harness.c"
    path.write_text(src)
    return path


@pytest.mark.slow
def test_every_output_kind_is_written(host_outputs, hexagon_outputs):
    for out_dir, kinds in ((host_outputs, HOST_KINDS), (hexagon_outputs, HEXAGON_KINDS)):
        for k in kinds:
            name = "blend" + extension(k)
            assert (out_dir / name).stat().st_size > 0, name
        assert (out_dir / "halo_runtime.a").exists() and (out_dir / "halo_runtime.h").exists()
    header = (host_outputs / "blend.h").read_text()
    assert "int blend(void *_halo_uc, halo_buffer_t *_a_buffer, halo_buffer_t *_b_buffer, int32_t _offset, " \
           "halo_buffer_t *_out_buffer, halo_buffer_t *_total_buffer);" in header
    assert "produce smooth" not in (host_outputs / "blend.stmt").read_text()  # blur_at=inlined
    # the pipeline's library holds the pipeline only: the runtime is its own library
    members = subprocess.run(["ar", "t", str(host_outputs / "blend.a")], capture_output=True, text=True,
                             check=True).stdout.split()
    assert members == ["blend.o"]


@pytest.mark.slow
def test_outputs_are_byte_identical_across_runs(host_outputs, tmp_path):
    again = run_cli(tmp_path, "host", HOST_KINDS)
    names = sorted(p.name for p in host_outputs.iterdir() if p.name != "harness.c" and p.is_file())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (host_outputs / name).read_bytes() == (again / name).read_bytes(), name


@pytest.mark.slow
def test_static_library_linked_into_a_c_program(host_outputs, tmp_path):
    exe = tmp_path / "harness"
    build._run(build.compiler() + ["-std=c11", "-O1", "-I", str(host_outputs), str(harness(tmp_path)),
                                   str(host_outputs / "blend.a"), str(host_outputs / "halo_runtime.a"),
                                   "-pthread", "-lm", "-o", str(exe)], "linking the harness")
    assert subprocess.run([str(exe)]).returncode == 0


@pytest.mark.slow
def test_static_library_linked_for_hexagon_runs_under_qemu(hexagon_outputs, tmp_path):
    obj = tmp_path / "harness.o"
    build._run([hexagon.compiler(), *hexagon.target_flags("v67", 128), "-I", str(hexagon_outputs), "-c",
                str(harness(tmp_path)), "-o", str(obj)], "compiling the Hexagon harness")
    exe = tmp_path / "harness.elf"
    build._run([hexagon.linker(), "-static", "-e", "_start", "-o", str(exe), str(obj),
                str(hexagon_outputs / "blend.a"), str(hexagon_outputs / "halo_runtime.a")], "linking for Hexagon")
    hexagon.run(exe)  # raises with the exit status unless every check passed


GUARDED = """
import sys

class NoHalo:
    # refuses halo (its compiler, its cffi runtime module) and cffi: the extension must not need them
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("halo", "cffi"):
            raise ImportError("import of " + name + " refused")

sys.meta_path.insert(0, NoHalo())
import numpy as np
import blend
a, b = np.load("a.npy"), np.load("b.npy")
out, total = np.zeros(b.shape, np.uint8), np.zeros(b.shape, np.float32)
assert blend.blend(a, b, %d, out, total) is None
np.save("out.npy", out)
np.save("total.npy", total)
try:
    blend.blend(a[:, :-2], b, 1, out, total)
except RuntimeError as e:
    print(e)
assert not [m for m in sys.modules if m.split(".")[0] in ("halo", "cffi")]
""" % OFFSET


@pytest.mark.slow
def test_python_extension_runs_without_halo(host_outputs, tmp_path):
    np.save(tmp_path / "a.npy", A)
    np.save(tmp_path / "b.npy", B)
    (tmp_path / "use.py").write_text(GUARDED)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(host_outputs)
    proc = subprocess.run([sys.executable, "use.py"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "blend failed (error -400): Input buffer a is accessed at" in proc.stdout
    want_out, want_total = expected()
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), want_out)
    np.testing.assert_array_equal(np.load(tmp_path / "total.npy"), want_total)


def test_apps_generators_build_the_apps_pipelines():
    from apps.common import VECTOR
    from apps.dma_nv12_blur_stencil import APP
    from apps.generators import GENERATORS, pipeline
    assert set(GENERATORS) <= set(generator.registered())
    # the generator path gives the C the app's own build gives (so the apps stay bit-exact)
    _, out = APP.build("uv", "async", (128, 32), 8, VECTOR)
    want = hl.Pipeline(out).generate_c("app_uv", target="host-sm8250").source
    got = pipeline(APP, "uv", "async", "nv12", (128, 32), VECTOR, "host-sm8250").generate_c("app_uv",
                                                                                          target="host-sm8250")
    # equal up to the numbers of fresh names (lowering counts them per process)
    fresh = re.compile(r"(?<=[A-Za-z_])[0-9]+")
    assert fresh.sub("N", got.source) == fresh.sub("N", want)
    assert [a.name for a in got.args] == ["input", "out"]


def test_generator_declarations_and_context():
    @hl.generator(name="choices_gen")
    class ChoicesGen:
        border = hl.GeneratorParam("none", {"none": None, "zero": 0})
        src = hl.InputBuffer(int, 1)
        __bad = hl.OutputBuffer(hl.UInt(8), 1)

        def generate(g):
            g._ChoicesGen__bad[hl.Var("x")] = hl.u8(g.src[hl.Var("x")])

    with hl.GeneratorContext("hexagon-v67-hvx128"):
        g = ChoicesGen({"border": "none"})
    assert g.border is None and ChoicesGen({"border": "zero"}).border == 0
    assert g.target() == hl.Target("hexagon-v67-hvx128") and g.using_autoscheduler() is False
    assert g.natural_vector_size(hl.UInt(8)) == 128
    with pytest.raises(hl.HaloError, match="no GeneratorParam 'edge'; its GeneratorParams are border"):
        ChoicesGen({"edge": "zero"})
    with pytest.raises(hl.HaloError, match="input or output name '_ChoicesGen__bad' must be a C identifier "
                                           "without a leading or double underscore"):
        g.build_pipeline()
    with pytest.raises(hl.HaloError, match=r"GeneratorParam default \[3\]: a GeneratorParam is a bool, int"):
        hl.GeneratorParam([3])


def test_func_compile_to_writes_the_outputs_named_by_halide(tmp_path):
    x = hl.Var("x")
    src = hl.ImageParam(hl.Int(16), 1, "src")
    k = hl.Param(hl.Int(16), "k")
    f = hl.Func("scaled")
    f[x] = src[x] * k
    written = f.compile_to({hl.OutputFileType.c_header: tmp_path / "s.h", "c_source": tmp_path / "s.c",
                            "stmt": tmp_path / "s.stmt"}, [k, src], "scale_it", "host")
    assert set(written) == {"c_header", "c_source", "stmt"}
    assert "int scale_it(void *_halo_uc, int16_t _k, halo_buffer_t *_src_buffer, halo_buffer_t *_scaled_buffer);" \
        in (tmp_path / "s.h").read_text()
    assert '#include "s.h"' in (tmp_path / "s.c").read_text()
    assert "(src[(scaled.s0.x - src.min.0)] * k)" in (tmp_path / "s.stmt").read_text()
    with pytest.raises(hl.HaloError, match="unknown output 'llvm_assembly'; legal outputs: assembly"):
        f.compile_to({"llvm_assembly": tmp_path / "s.ll"})


@pytest.mark.slow
def test_python_extension_takes_buffers(host_outputs):
    import importlib.util
    path = host_outputs / ("blend" + extension("python_extension"))
    spec = importlib.util.spec_from_file_location("blend", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out, total = hl.Buffer(np.zeros((H, W), np.uint8)), hl.Buffer(np.zeros((H, W), np.float32))
    mod.blend(a=hl.Buffer(A), b=hl.Buffer(B), offset=OFFSET, out=out, total=total)
    want_out, want_total = expected()
    np.testing.assert_array_equal(out.numpy(), want_out)
    np.testing.assert_array_equal(total.numpy(), want_total)
    with pytest.raises(OverflowError, match="blend: argument offset = 4294967296 is out of range"):
        mod.blend(A, B, 2 ** 32, out, total)
