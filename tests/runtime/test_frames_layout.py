"""Frame layouts: the reference's formulas and worked values (formats_and_dma_engines.md A.2-A.5)."""
import pytest

from halo.runtime import HaloRuntimeError, ffi, frames, lib


def align(n, a):
    return (n + a - 1) // a * a


# (format, W, H) -> Y stride x scanlines, UV stride x scanlines, Y meta, UV meta, plane bytes, total
WORKED = [
    ("nv12", 1920, 1080, (1920, 1088), (1920, 544), (64, 144), (64, 80),
     (12288, 2088960, 8192, 1044480), 3153920),
    ("nv12", 640, 480, (640, 480), (640, 256), (64, 64), (64, 32),
     (4096, 307200, 4096, 163840), 479232),
    ("p010", 1920, 1080, (3840, 1088), (3840, 544), (64, 272), (64, 144),
     (20480, 4177920, 12288, 2088960), 6299648),
    ("tp10", 1920, 1080, (2560, 1088), (2560, 544), (64, 272), (64, 144),
     (20480, 2785280, 12288, 1392640), 4210688),
]


@pytest.mark.parametrize("fmt,w,h,ys,uvs,ym,uvm,planes,total", WORKED)
def test_ubwc_layout_matches_the_reference_worked_values(fmt, w, h, ys, uvs, ym, uvm, planes, total):
    lay = frames.layout(fmt, w, h, ubwc=True)
    assert (lay.y_stride, lay.y_scanlines) == ys
    assert (lay.uv_stride, lay.uv_scanlines) == uvs
    assert (lay.y_meta_stride, lay.y_meta_scanlines) == ym
    assert (lay.uv_meta_stride, lay.uv_meta_scanlines) == uvm
    ymeta, ypix, uvmeta, uvpix = planes
    assert lay.y_meta_offset == 0
    assert lay.y_offset == ymeta
    assert lay.uv_meta_offset == ymeta + ypix
    assert lay.uv_offset == ymeta + ypix + uvmeta
    assert lay.size == total == ymeta + ypix + uvmeta + uvpix


def test_nv12_4r_ubwc_layout_follows_the_camx_table():
    w, h = 1000, 600
    lay = frames.layout("nv12_4r", w, h, ubwc=True)
    assert (lay.y_stride, lay.y_scanlines) == (align(w, 256), align(h, 16))
    assert (lay.uv_stride, lay.uv_scanlines) == (align(w, 256), align(h // 2, 16))
    assert (lay.y_meta_stride, lay.y_meta_scanlines) == (align(-(-w // 64), 64), align(-(-h // 4), 16))
    assert (lay.y_tile_width, lay.y_tile_height, lay.uv_tile_width, lay.uv_tile_height) == (64, 4, 32, 4)


@pytest.mark.parametrize("fmt,tiles", [("nv12", (32, 8, 16, 8)), ("p010", (32, 4, 16, 4)),
                                        ("tp10", (48, 4, 24, 4))])
def test_tile_shapes(fmt, tiles):
    lay = frames.layout(fmt, 64, 64, ubwc=True)
    assert (lay.y_tile_width, lay.y_tile_height, lay.uv_tile_width, lay.uv_tile_height) == tiles


@pytest.mark.parametrize("fmt", ["nv12", "nv12_4r", "p010", "tp10"])
def test_every_ubwc_plane_is_4096_aligned(fmt):
    for w, h in [(1, 1), (37, 23), (1921, 1081)]:
        lay = frames.layout(fmt, w, h, ubwc=True)
        for off in (lay.y_offset, lay.uv_meta_offset, lay.uv_offset, lay.size):
            assert off % 4096 == 0


def test_odd_ubwc_sizes_use_the_rounded_up_chroma():
    lay = frames.layout("nv12", 33, 17, ubwc=True)
    assert lay.uv_meta_stride == align(-(-17 // 16), 64)  # (W+1)>>1 = 17 pairs, 16 per tile
    assert lay.uv_meta_scanlines == align(-(-9 // 8), 16)  # (H+1)>>1 = 9 rows


@pytest.mark.parametrize("fmt,w,h,stride,uv_rows,size", [
    ("nv12", 640, 480, 640, 240, 640 * 480 * 3 // 2),
    ("nv12", 7, 5, 8, 3, 8 * 5 + 8 * 3),          # UV rows hold 4 pairs = 8 bytes > 7
    ("p010", 6, 4, 12, 2, 12 * 6),
    ("tp10", 6, 2, 8, 1, 8 * 3),                  # 2 words per 6 samples
    ("tp10", 7, 2, 12, 1, 12 * 3),                # 7 samples -> 3 words; 8 UV samples -> 3 words
])
def test_tight_linear_layouts(fmt, w, h, stride, uv_rows, size):
    lay = frames.layout(fmt, w, h)
    assert (lay.y_stride, lay.uv_stride, lay.y_scanlines, lay.uv_scanlines) == (stride, stride, h, uv_rows)
    assert lay.uv_offset == lay.uv_plane_offset == stride * h
    assert lay.size == size


def test_venus_style_linear_padding():
    lay = frames.layout("nv12", 1920, 1080, stride=align(1920, 512), scanlines=align(1080, 512))
    assert lay.uv_offset == 2048 * 1536
    assert lay.size == 2048 * 1536 + 2048 * 540


def test_raw_layout_is_one_plane():
    lay = frames.layout("raw", 100, 3, stride=128)
    assert (lay.y_stride, lay.size, lay.has_uv) == (128, 384, False)


@pytest.mark.parametrize("kwargs,code,text", [
    (dict(fmt="nv12", width=64, height=64, stride=63), -103, "stride 63"),
    (dict(fmt="p010", width=64, height=64, stride=129), -103, "multiple of 2"),
    (dict(fmt="tp10", width=6, height=2, stride=10), -103, "multiple of 4"),
    (dict(fmt="nv12", width=64, height=64, scanlines=63), -103, "scanlines 63"),
    (dict(fmt="nv12", width=64, height=64, ubwc=True, stride=128), -103, "UBWC strides"),
    (dict(fmt="raw", width=64, height=64, ubwc=True), -100, "no UBWC form"),
    (dict(fmt="nv12", width=0, height=64), -102, "outside 1..65535"),
    (dict(fmt="nv12", width=65536, height=64), -102, "outside 1..65535"),
])
def test_layout_errors(kwargs, code, text):
    with pytest.raises(HaloRuntimeError) as e:
        frames.layout(**kwargs)
    assert e.value.code == code and text in e.value.message


def test_plane_formats_are_not_frame_formats():

    out = ffi.new("halo_frame_layout_t *")
    assert lib.halo_frame_layout(2, False, 64, 64, 0, 0, out) == -100  # NV12_Y
    with pytest.raises(ValueError, match="frame format must be one of"):
        frames.layout("yuv444", 8, 8)


def test_only_the_known_combined_formats_have_a_layout():
    out = ffi.new("halo_frame_layout_t *")
    accepted = [f for f in range(-64, 1024) if lib.halo_frame_layout(f, False, 64, 16, 0, 0, out) == 0]
    assert accepted == [0, 1, 4, 7, 10]  # RawData, NV12, P010, TP10, NV124R
    assert lib.halo_frame_layout(13, False, 64, 16, 0, 0, out) == lib.halo_error_dma_bad_format
