"""YUV <-> RGB for looking at frames: the BT.601 or BT.709 matrix, limited ("TV") range, 8- or
10-bit samples, 4:2:0 chroma (UV planes as halo.runtime.frames lays them out: U at [..., 0]).

RGB is 8-bit (what a PNG viewer shows). To RGB, each chroma sample covers its 2x2 block (nearest
neighbour, as ffmpeg's `-sws_flags neighbor+full_chroma_int`); from RGB, chroma is the mean of
the 2x2 block (ffmpeg's `-sws_flags area`)."""
import numpy as np

MATRICES = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722)}  # (Kr, Kb)
DEFAULT_MATRIX = "bt601"
RANGE = "limited"  # Y 16..235, U and V 16..240 around 128 (times 4 for 10 bits)


def _weights(matrix):
    try:
        kr, kb = MATRICES[matrix]
    except KeyError:
        raise ValueError(f"colour matrix must be one of {', '.join(MATRICES)}, not {matrix!r}") from None
    return kr, 1 - kr - kb, kb


def _scale(bits):
    return 2 ** (bits - 8)


def to_rgb(y, uv, bits, matrix=DEFAULT_MATRIX):
    """8-bit RGB (H, W, 3) of a Y plane (H, W) and its UV plane (ceil(H/2), ceil(W/2), 2)."""
    kr, kg, kb = _weights(matrix)
    s = _scale(bits)
    h, w = y.shape
    c = np.repeat(np.repeat(np.asarray(uv, np.float64), 2, axis=0), 2, axis=1)[:h, :w]
    luma = (np.asarray(y, np.float64) - 16 * s) * 255 / (219 * s)
    u, v = ((c[..., k] - 128 * s) * 255 / (224 * s) for k in (0, 1))
    r = luma + 2 * (1 - kr) * v
    b = luma + 2 * (1 - kb) * u
    g = luma - (2 * kb * (1 - kb) * u + 2 * kr * (1 - kr) * v) / kg
    return np.clip(np.rint(np.stack([r, g, b], axis=-1)), 0, 255).astype(np.uint8)


def from_rgb(rgb, bits, matrix=DEFAULT_MATRIX):
    """(Y, UV) planes of `bits`-bit samples (uint8, or uint16 holding 0..1023) of an 8-bit RGB
    image (H, W, 3) with an even width and height."""
    kr, kg, kb = _weights(matrix)
    s = _scale(bits)
    h, w = rgb.shape[:2]
    if h % 2 or w % 2:
        raise ValueError(f"a 4:2:0 frame needs an even width and height, not {w}x{h}")
    e = np.asarray(rgb, np.float64) / 255
    blocks = e.reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))
    weights = np.array([kr, kg, kb])
    luma, block_luma = e @ weights, blocks @ weights
    u = (blocks[..., 2] - block_luma) / (2 * (1 - kb))
    v = (blocks[..., 0] - block_luma) / (2 * (1 - kr))
    dtype = np.uint8 if bits == 8 else np.uint16
    y = np.rint(16 * s + 219 * s * luma).astype(dtype)
    uv = np.rint(np.stack([128 * s + 224 * s * u, 128 * s + 224 * s * v], axis=-1)).astype(dtype)
    return y, uv
