"""Photos are checked by their content, re-encoded and stripped of metadata."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.shared.photos import MAX_BYTES, MAX_PIXELS, PhotoRefused, clean_photo

GPS_IFD = 0x8825


def jpeg_with_gps(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Kamera GmbH"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90°
    exif[GPS_IFD] = {1: "N", 2: (49.0, 26.0, 41.0), 3: "E", 4: (7.0, 46.0, 8.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"Aufgenommen am Stiftsplatz")
    return out.getvalue()


def png(size=(32, 32), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def test_exif_gps_and_comments_are_gone_and_the_orientation_is_applied():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    photo = clean_photo(original)
    cleaned = Image.open(io.BytesIO(photo.content))
    assert cleaned.format == "JPEG" and photo.media_type == "image/jpeg"
    assert not cleaned.getexif() and "exif" not in cleaned.info
    assert "comment" not in cleaned.info and b"Stiftsplatz" not in photo.content
    assert b"Kamera" not in photo.content
    assert (photo.width, photo.height) == (480, 640) == cleaned.size


def test_a_polyglot_keeps_only_its_pixels():
    script = b"<script>alert(document.cookie)</script>"
    zip_tail = b"PK\x03\x04" + b"\x00" * 26 + b"evil.html" + script
    photo = clean_photo(jpeg_with_gps() + zip_tail)
    assert script not in photo.content and b"PK\x03\x04" not in photo.content
    Image.open(io.BytesIO(photo.content)).verify()


def test_a_gif_header_in_front_of_javascript_is_refused():
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(b"GIF89a/*\x00\x00*/=1;alert(document.domain);//")
    assert refused.value.reason == "not_a_photo"


def test_a_50_megapixel_image_is_refused_without_decoding_it():
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(png(size=(10_000, 5_000), mode="L"))
    assert refused.value.reason == "too_many_pixels"
    assert "zu viele Bildpunkte" in refused.value.german


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj",  # a PDF named foto.jpg
        b"<html><body onload=alert(1)></body></html>",
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows program
        b"",
        jpeg_with_gps()[:200],  # cut off after the header
    ],
    ids=["pdf", "html", "exe", "empty", "truncated"],
)
def test_what_is_not_an_image_is_refused_whatever_its_name(data):
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(data)
    assert refused.value.reason == "not_a_photo"
    assert refused.value.german.startswith("Diese Datei kann ich nicht als Foto lesen")


def test_too_many_bytes_are_refused_before_reading():
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(b"\xff\xd8" + b"\x00" * MAX_BYTES)
    assert refused.value.reason == "too_big"


def test_transparency_goes_onto_white_and_large_photos_are_downscaled():
    photo = clean_photo(png(size=(4000, 1000)))
    cleaned = Image.open(io.BytesIO(photo.content))
    assert cleaned.mode == "RGB" and max(cleaned.size) == 2048
    assert cleaned.getpixel((10, 10)) == (255, 255, 255)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_give_a_clean_jpeg_or_a_refusal(data):
    try:
        photo = clean_photo(data)
    except PhotoRefused as refused:
        assert refused.german
    else:
        assert Image.open(io.BytesIO(photo.content)).format == "JPEG"


def webp(size, mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "WEBP", lossless=True)
    return out.getvalue()


@pytest.mark.parametrize(
    "bomb",
    [webp((6300, 6300)), png(size=(6300, 6300), mode="RGBA")],
    ids=["webp-rgba", "png-rgba"],
)
def test_a_compact_bomb_under_the_pixel_cap_is_refused_by_its_memory(bomb, monkeypatch):
    """Issue 30: 39.7 MP of RGBA from a few kB decoded to about 950 MB; what
    counts is pixels times bytes per pixel, before anything is decoded."""
    assert len(bomb) < 400_000 and MAX_PIXELS > 6300 * 6300
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(1))
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(bomb)
    assert refused.value.reason == "too_many_pixels" and decoded == []


def test_a_large_camera_jpeg_is_decoded_small_and_kept():
    """A 24-megapixel JPEG is decoded at a fraction of its size (draft)."""
    out = io.BytesIO()
    Image.new("RGB", (6000, 4000), (200, 30, 30)).save(out, "JPEG", quality=70)
    photo = clean_photo(out.getvalue())
    assert (photo.width, photo.height) == (2048, 1365)


async def test_photos_are_cleaned_one_or_two_at_a_time_apart_from_the_database():
    from bot.shared import photos as module

    assert module.DECODER._max_workers == module.DECODING_AT_ONCE <= 2
    assert module.DECODER._thread_name_prefix == "photo-decoder"
