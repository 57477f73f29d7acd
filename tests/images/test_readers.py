"""Picture inputs: 8/16-bit PNG, JPEG with EXIF orientation, TIFF, BMP, RGB chest X-rays, broken files."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from mgll_data.images import ImagePolicy, ImageRejected, RejectReason, process_image

UNSCALED = ImagePolicy(size=None, geometry="none")


def test_sixteen_bit_png_keeps_its_range(tmp_path, stored):
    values = np.array([[1000, 2000], [3000, 5000]], dtype=np.uint16)  # PadChest-style 16-bit gray
    path = tmp_path / "padchest_like.png"
    Image.fromarray(values).save(path)
    sixteen = process_image(path, "cxr", ImagePolicy(size=None, geometry="none", bit_depth=16))
    # no window in a PNG: its data range 1000..5000 maps onto 0..65535
    assert stored(sixteen).tolist() == [[0, round(1000 / 4000 * 65535)], [round(2000 / 4000 * 65535), 65535]]
    eight = process_image(path, "cxr", UNSCALED)
    assert stored(eight).tolist() == [[0, 64], [128, 255]] and eight.intensity == "minmax_no_window"


def test_eight_bit_gray_is_stored_unchanged(realdata, stored):
    path = realdata / "cxr/00000001_000.png"
    result = process_image(path, "cxr", ImagePolicy(size=512))  # already 512: letterbox is the identity
    assert np.array_equal(stored(result), np.asarray(Image.open(path).convert("L")))
    assert result.geometry["scale"] == 1.0 and result.geometry["pad_left"] == 0


def test_exif_orientation_is_honoured(tmp_path, stored):
    pixels = np.zeros((20, 40), dtype=np.uint8)
    pixels[:, :10] = 255  # a bright band on the left of the sensor image
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = tmp_path / "rotated.jpg"
    Image.fromarray(pixels).save(path, exif=exif.tobytes(), quality=100)
    upright = stored(process_image(path, "cxr", UNSCALED))
    assert upright.shape == (40, 20)
    assert upright[:10].mean() > 200 and upright[15:].mean() < 50  # the band is now at the top


@pytest.mark.parametrize("suffix", ["tif", "bmp", "jpg"])
def test_tiff_bmp_and_jpeg_read(tmp_path, stored, suffix):
    pixels = np.tile(np.arange(0, 256, 16, dtype=np.uint8), (16, 1))
    path = tmp_path / f"gray.{suffix}"
    Image.fromarray(pixels).save(path, **({"quality": 100} if suffix == "jpg" else {}))
    out = stored(process_image(path, "cxr", UNSCALED)).astype(int)
    assert np.abs(out - pixels).max() <= (3 if suffix == "jpg" else 0)


def test_rgb_chest_xrays_become_gray_by_policy(realdata, stored):
    path = realdata / "cxr/tbx11k_test_data/imgs/tb/tb0005.png"
    gray = process_image(path, "cxr", ImagePolicy())
    assert stored(gray).ndim == 2 and gray.intensity == "color_to_gray"
    expected = np.asarray(Image.open(path).convert("L"))
    assert np.array_equal(stored(gray), expected)
    kept = process_image(path, "cxr", ImagePolicy(cxr_color="keep"))
    assert stored(kept).shape == (512, 512, 3)


@pytest.mark.parametrize(("fmt", "cut"), [("PNG", 0.5), ("JPEG", 0.5), ("JPEG", 0.9)])
def test_truncated_pictures_are_rejected(tmp_path, fmt, cut):
    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (128, 128), dtype=np.uint8)).save(buffer, format=fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(buffer.getvalue()[: int(len(buffer.getvalue()) * cut)])
    with pytest.raises(ImageRejected) as rejected:
        process_image(path, "cxr", ImagePolicy())
    assert rejected.value.reason is RejectReason.TRUNCATED
    assert str(path) in rejected.value.detail


def test_corrupt_and_missing_files_are_rejected(tmp_path):
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(ImageRejected) as rejected:
        process_image(corrupt, "cxr", ImagePolicy())
    assert rejected.value.reason is RejectReason.UNREADABLE
    with pytest.raises(ImageRejected) as rejected:
        process_image(tmp_path / "absent.png", "cxr", ImagePolicy())
    assert rejected.value.reason is RejectReason.MISSING_FILE


def test_outputs_are_valid_jpeg_webp_and_sixteen_bit_png(realdata, stored):
    path = realdata / "cxr/00027426_000.png"
    for fmt, mode in (("jpeg", "L"), ("webp", None)):
        result = process_image(path, "cxr", ImagePolicy(format=fmt, quality=80, size=256))
        with Image.open(io.BytesIO(result.data)) as image:
            assert image.format == fmt.upper() and image.size == (256, 256)
            assert mode is None or image.mode == mode
    sixteen = process_image(path, "cxr", ImagePolicy(bit_depth=16, size=256))
    assert stored(sixteen).dtype == np.uint16


def test_policy_rejects_sixteen_bit_jpeg():
    with pytest.raises(ValueError, match="bit_depth 16 needs format png"):
        ImagePolicy(bit_depth=16, format="jpeg")
