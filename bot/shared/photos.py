"""Photos citizens attach to a suggestion: checked by content, re-encoded, bare.

Nothing of the upload is kept as sent. Pillow reads the header to learn the
format, the pixel count and the bytes per pixel before it decodes anything,
so a decompression bomb is refused unread: 39 megapixels of RGBA fit into a
few kilobytes of WebP and decode to about a gigabyte. A JPEG is decoded at a
fraction of its size (Pillow's draft). The pixels are then drawn onto a fresh
JPEG, which carries no EXIF, GPS, XMP, ICC comment or trailing bytes of a
polyglot file. Decoding runs on an executor of its own, two at a time, so
uploads never hold up the database calls that every chat turn needs.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from actions.db import photos
from actions.db.models import utcnow
from actions.db.session import run_in_transaction

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 50-megapixel upload is refused
# What one decoded copy may take: 24 megapixels of RGB. A few copies exist at
# once (transparency onto white, the downscaled one), and two uploads at most.
MAX_DECODED_BYTES = 24_000_000 * 3
DECODING_AT_ONCE = 2
DECODER = ThreadPoolExecutor(DECODING_AT_ONCE, thread_name_prefix="photo-decoder")
# Bytes per pixel of Pillow's modes; unknown ones count as the widest.
MODE_BYTES = {"1": 1, "L": 1, "P": 1, "LA": 2, "La": 2, "PA": 2, "I;16": 2,
              "RGB": 3, "YCbCr": 3, "LAB": 3, "HSV": 3, "RGBA": 4, "RGBa": 4,
              "RGBX": 4, "CMYK": 4, "I": 4, "F": 4}  # fmt: skip
MAX_SIDE = 2048  # what staff need to see the spot; larger is downscaled
FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"}
MEDIA_TYPE = "image/jpeg"

# Why a photo is refused, in the citizen's words.
REFUSALS = {
    "too_big": "Das Foto ist zu groß. Bitte senden Sie ein Bild bis 10 MB.",
    "too_many_pixels": (
        "Das Foto hat zu viele Bildpunkte. Bitte senden Sie ein kleineres Bild."
    ),
    "not_a_photo": (
        "Diese Datei kann ich nicht als Foto lesen. Bitte senden Sie ein Bild "
        "im Format JPEG, PNG oder WebP."
    ),
}


class PhotoRefused(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def german(self) -> str:
        return REFUSALS[self.reason]


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    width: int
    height: int
    media_type: str = MEDIA_TYPE


def clean_photo(data: bytes) -> CleanPhoto:
    """The upload as a fresh JPEG without metadata, or PhotoRefused."""
    if len(data) > MAX_BYTES:
        raise PhotoRefused("too_big")
    if not data:
        raise PhotoRefused("not_a_photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise PhotoRefused("not_a_photo")
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoRefused("too_many_pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)  # the first frame of an animation
                if image.format in ("JPEG", "MPO"):
                    image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at 1/2 … 1/8
                if decoded_bytes(image) > MAX_DECODED_BYTES:
                    raise PhotoRefused("too_many_pixels")
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                upright = ImageOps.exif_transpose(image)
                pixels = _on_white(upright)
    except PhotoRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PhotoRefused("too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise PhotoRefused("not_a_photo") from None
    # A new image: Pillow would carry comments and ICC profiles over from .info.
    bare = Image.new("RGB", pixels.size)
    bare.paste(pixels)
    out = io.BytesIO()
    bare.save(out, "JPEG", quality=85, optimize=True)
    return CleanPhoto(out.getvalue(), bare.width, bare.height)


async def keep_photo(database_url: str, sender_key: str, data: bytes) -> int:
    """Clean the upload off the event loop and keep it for the sender's next
    suggestion; returns how many photos now wait. Raises PhotoRefused,
    photos.TooManyPhotos, or SQLAlchemyError."""
    loop = asyncio.get_running_loop()
    photo = await loop.run_in_executor(DECODER, clean_photo, data)
    return await run_in_transaction(
        database_url,
        lambda s: photos.add_pending(
            s,
            sender_key,
            content=photo.content,
            media_type=photo.media_type,
            width=photo.width,
            height=photo.height,
            now=utcnow(),
        ),
    )


def decoded_bytes(image: Image.Image) -> int:
    """What decoding `image` at its (draft) size takes, read from its header."""
    return image.width * image.height * MODE_BYTES.get(image.mode, 8)


def _on_white(image: Image.Image) -> Image.Image:
    """RGB pixels only; transparency goes onto white, as a viewer shows it."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
