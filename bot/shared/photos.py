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
from actions.db.session import Database

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 50-megapixel upload is refused
# What decoding one photo may take: 24 megapixels of RGB, which Pillow keeps
# in four bytes a pixel. The smaller copies of shrinking come on top (about a
# quarter), and two uploads decode at a time (tests/bench/bench_photo_bombs.py).
MAX_DECODED_BYTES = 24_000_000 * 4
DECODING_AT_ONCE = 2
DECODER = ThreadPoolExecutor(DECODING_AT_ONCE, thread_name_prefix="photo-decoder")
# Bytes per pixel that decoding and shrinking take in Pillow's modes: every
# mode of several bands is stored in four bytes, and one with transparency
# is copied once more, premultiplied, to be resampled. Unknown ones: the most.
MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "RGB": 4, "YCbCr": 4, "LAB": 4,
              "HSV": 4, "RGBX": 4, "CMYK": 4, "I": 4, "F": 4, "LA": 8, "La": 8,
              "PA": 8, "RGBA": 8, "RGBa": 8}  # fmt: skip
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
    # bot.shared.photo_intake: a photo waits only for a form that asks, within
    # budgets per client address and for everyone.
    "not_in_form": (
        "Ein Foto nehme ich zu einem Vorschlag an. Beginnen Sie bitte zuerst "
        "einen Vorschlag, zum Beispiel mit „Ich möchte einen Vorschlag machen“. "
        "Senden Sie das Foto dann noch einmal."
    ),
    "address_budget": (
        "Von Ihrem Internetanschluss kamen in der letzten Stunde schon viele Fotos. "
        "Bitte senden Sie weitere Fotos später. Ihren Vorschlag können Sie auch "
        "ohne Foto einreichen."
    ),
    "overall_budget": (
        "Gerade senden sehr viele Menschen Fotos. Bitte versuchen Sie es später "
        "noch einmal. Ihren Vorschlag können Sie auch ohne Foto einreichen."
    ),
}


REFUSALS_LEICHT = {
    "too_big": "Das Foto ist zu groß.\nBitte schicken Sie ein Foto bis 10 MB.",
    "too_many_pixels": "Das Foto ist zu groß.\nBitte schicken Sie ein kleineres Foto.",
    "not_a_photo": (
        "Ich kann diese Datei nicht als Foto lesen.\n"
        "Bitte schicken Sie ein Foto als JPEG, PNG oder WebP."
    ),
    "not_in_form": (
        "Ein Foto passt nur zu einem Vorschlag.\n"
        "Bitte schreiben Sie zuerst: Ich habe eine Idee.\n"
        "Dann schicken Sie das Foto noch einmal."
    ),
    "address_budget": (
        "Von Ihrem Internet·anschluss kamen schon viele Fotos.\n"
        "Bitte schicken Sie später weitere Fotos.\n"
        "Ihren Vorschlag können Sie auch ohne Foto schicken."
    ),
    "overall_budget": (
        "Gerade schicken sehr viele Menschen Fotos.\n"
        "Bitte versuchen Sie es später noch einmal.\n"
        "Ihren Vorschlag können Sie auch ohne Foto schicken."
    ),
}


REFUSALS_ENGLISH = {
    "too_big": "The photo is too large. Please send a picture of up to 10 MB.",
    "too_many_pixels": "The photo has too many pixels. Please send a smaller picture.",
    "not_a_photo": (
        "I can't read this file as a photo. Please send a JPEG, PNG or WebP picture."
    ),
    "not_in_form": (
        "I accept photos as part of a suggestion. Please start a suggestion first,"
        ' for example with "I have an idea". Then send the photo again.'
    ),
    "address_budget": (
        "Many photos came from your internet connection in the last hour. Please"
        " send more photos later. You can also hand in your suggestion without one."
    ),
    "overall_budget": (
        "A lot of people are sending photos right now. Please try again later."
        " You can also hand in your suggestion without a photo."
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


def check_header(data: bytes) -> None:
    """PhotoRefused unless the upload is an image of a format we take, within
    MAX_BYTES, MAX_PIXELS and MAX_DECODED_BYTES; reads the header and the
    file's structure, never its pixels, so it may run before anything else."""
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
                _draft(image)
                if decoded_bytes(image) > MAX_DECODED_BYTES:
                    raise PhotoRefused("too_many_pixels")
    except PhotoRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PhotoRefused("too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise PhotoRefused("not_a_photo") from None


def clean_photo(data: bytes) -> CleanPhoto:
    """The upload as a fresh JPEG without metadata, or PhotoRefused."""
    check_header(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)  # the first frame of an animation
                _draft(image)
                small = _shrunk(image)
                upright = ImageOps.exif_transpose(small)
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


async def checked_header(data: bytes) -> None:
    """check_header on the decoder's executor, off the event loop."""
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(DECODER, check_header, data)


async def keep_photo(
    db: Database,
    sender_key: str,
    data: bytes,
    *,
    address_key: str | None,
    budgets: photos.Budgets,
) -> int:
    """Clean the upload off the event loop and keep it for the sender's next
    suggestion; returns how many photos now wait. Raises PhotoRefused,
    photos.TooManyPhotos, photos.OverBudget, or SQLAlchemyError."""
    loop = asyncio.get_running_loop()
    photo = await loop.run_in_executor(DECODER, clean_photo, data)
    return await db.run(
        lambda s: photos.add_pending(
            s,
            sender_key,
            content=photo.content,
            media_type=photo.media_type,
            width=photo.width,
            height=photo.height,
            now=utcnow(),
            address_key=address_key,
            budgets=budgets,
        ),
    )


def _draft(image: Image.Image) -> None:
    """A JPEG is decoded at 1/2 … 1/8 of its size, as far as MAX_SIDE allows."""
    if image.format in ("JPEG", "MPO"):
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))


def _shrunk(image: Image.Image) -> Image.Image:
    """At most MAX_SIDE a side. A large image is first reduced by a whole
    factor and its decoded pixels let go, so that resampling never holds them
    beside its own copies (palette images are resampled by nearest pixel)."""
    factor = max(image.size) // MAX_SIDE
    if factor >= 2 and image.mode not in ("1", "P", "PA"):
        image.load()
        reduced = image.reduce(factor)
        image.close()  # the decoded pixels go now, not with the `with` block
        image = reduced
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


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
