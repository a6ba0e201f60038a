"""Frames as pictures, through Pillow: a frame as a person looks at it (NV12 / P010 / TP10 in colour,
raw frames as the grey bytes they are), an input / output side-by-side picture, and image files
read as 8-bit RGB."""
import numpy as np
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from halo.runtime.frames import TEN_BIT

from . import colour

GAP = 8          # pixels between the two halves of a side-by-side picture
CAPTION = 16     # pixels of caption above them


def frame_picture(fmt, y, uv, matrix=colour.DEFAULT_MATRIX):
    """A PIL image of a frame's planes (Y, UV) in format `fmt`."""
    if fmt == "raw":
        return Image.fromarray(np.ascontiguousarray(y, np.uint8), "L")
    return Image.fromarray(colour.to_rgb(y, uv, 10 if fmt in TEN_BIT else 8, matrix), "RGB")


def side_by_side(left, right, left_caption="input", right_caption="output"):
    """One picture of `left` and `right` (PIL images of a size) next to each other, captioned."""
    width, height = left.size
    out = Image.new("RGB", (2 * width + GAP, height + CAPTION), "white")
    out.paste(left.convert("RGB"), (0, CAPTION))
    out.paste(right.convert("RGB"), (width + GAP, CAPTION))
    draw = ImageDraw.Draw(out)
    draw.text((2, 2), left_caption, fill="black")
    draw.text((width + GAP + 2, 2), right_caption, fill="black")
    return out


def read_rgb(path):
    """The 8-bit RGB pixels (H, W, 3) of an image file."""
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except (OSError, UnidentifiedImageError) as e:
        raise ValueError(f"{path}: not an image Pillow can read ({e})") from None


def fitted(rgb, size):
    """`rgb` scaled to cover `size` (width, height) and cropped to it around the centre."""
    if (rgb.shape[1], rgb.shape[0]) == tuple(size):
        return rgb
    return np.asarray(ImageOps.fit(Image.fromarray(rgb), tuple(size), Image.Resampling.LANCZOS))


def luma(rgb):
    """8-bit grey of an RGB picture (Pillow's ITU-R 601 luma), the bytes of a raw frame made from it."""
    return np.asarray(Image.fromarray(rgb).convert("L"))
