"""Reduced decoding and cheaper analyses must not change the output: JPEGs decoded at a DCT scale, DICOM
windowed after an integer resize, field of view and blur on the reduced decode, against the full path."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom.pixels import apply_modality_lut
from test_fundus import synthetic_fundus

from mgll_data.images import ImagePolicy, process_image
from mgll_data.images.dicom import is_dicom, modality_values, read_dataset, read_dicom
from mgll_data.images.geometry import plan_geometry, render
from mgll_data.images.pipeline import apply_color_policy
from mgll_data.images.readers import read_picture

REFERENCE = Path(__file__).parent / "data" / "fundus_reference.json"  # values of the full-decode code, 21ca6d1
REAL_PICTURES = [
    ("fundus/photos/severe_nonprol_dr.jpg", "fundus"),
    ("fundus/photos/wikimedia_normal_right_eye_cc0.jpg", "fundus"),
    ("fundus/odir/preprocessed_images/0_left.jpg", "fundus"),
    ("fundus/photos/sample_macular_hole.png", "fundus"),
    ("cxr/00000001_000.png", "cxr"),
    ("cxr/tbx11k_test_data/imgs/tb/tb0005.png", "cxr"),
    ("dicom/RG1_UNCR.dcm", "cxr"),
    ("dicom/siim_cr_chest_jpeg_baseline.dcm", "cxr"),
]


def psnr(a: np.ndarray, b: np.ndarray, peak: float) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(peak**2 / mse)


def full_decode_then_resize(path: Path, modality: str, policy: ImagePolicy, geometry_record: dict) -> np.ndarray:
    """The straightforward path: every pixel decoded and displayed, then the same crop and resize."""
    decoded = read_dicom(path, policy) if is_dicom(path) else read_picture(path, policy)
    decoded = apply_color_policy(decoded.displayed(), modality, policy)
    assert decoded.reduction == 1
    g = geometry_record
    window = (g["crop_x"], g["crop_y"], g["crop_width"], g["crop_height"])
    return np.asarray(render(decoded.image, plan_geometry(decoded.image.size, policy, window)))


def stored_pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image)


@pytest.mark.parametrize(("relative", "modality"), REAL_PICTURES)
@pytest.mark.parametrize("size", [160, 256])
def test_reduced_paths_match_a_full_decode_on_real_images(realdata, relative, modality, size):
    policy = ImagePolicy(size=size)
    path = realdata / relative
    result = process_image(path, modality, policy)
    reference = full_decode_then_resize(path, modality, policy, result.geometry)
    assert psnr(stored_pixels(result.data), reference, 255) >= 40


def test_a_large_fundus_jpeg_is_decoded_reduced_and_matches(tmp_path):
    path = tmp_path / "large.jpg"
    synthetic_fundus(size=(2400, 1800), centre=(1230, 880), radius=860).save(path, quality=95)
    policy = ImagePolicy(size=512)
    guessed = read_picture(path, policy, lambda size: 2)
    assert guessed.reduction == 2 and guessed.image.size == (1200, 900) and guessed.size == (2400, 1800)
    result = process_image(path, "fundus", policy)
    reference = full_decode_then_resize(path, "fundus", policy, result.geometry)
    assert psnr(stored_pixels(result.data), reference, 255) >= 40
    assert result.attributes["fov_radius"] == pytest.approx(860, rel=0.01)


def test_a_field_smaller_than_guessed_is_decoded_again_finer(tmp_path):
    """The first decode assumes the disc spans the shorter side; a small disc needs more pixels."""
    path = tmp_path / "small_disc.jpg"
    synthetic_fundus(size=(2400, 2400), centre=(1200, 1200), radius=500).save(path, quality=95)
    policy = ImagePolicy(size=512)
    assert read_picture(path, policy, lambda size: 4).reduction == 4  # what the shorter-side guess affords
    result = process_image(path, "fundus", policy)
    assert result.geometry["crop_width"] == pytest.approx(1000, abs=10)  # 512 px need 1/2 scale at most
    reference = full_decode_then_resize(path, "fundus", policy, result.geometry)
    assert psnr(stored_pixels(result.data), reference, 255) >= 40


def test_sixteen_bit_dicom_windowed_after_the_resize_matches(write_dicom):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:1024, :1024] / 1024
    body = 1500 + 1800 * np.exp(-(((xx - 0.5) / 0.12) ** 2)) + 600 * yy + rng.normal(0, 40, (1024, 1024))
    pixels = np.clip(body, 0, 4095).astype(np.uint16)
    pixels[100:140, 100:300] = 4095  # a burnt-in marker, clipped by the narrow window
    path = write_dicom(pixels, bits_stored=12, WindowCenter=2500, WindowWidth=1500)
    for policy in (ImagePolicy(size=300), ImagePolicy(size=300, bit_depth=16), ImagePolicy(size=300,
                                                                                           dicom_intensity="percentile")):
        result = process_image(path, "cxr", policy)
        reference = full_decode_then_resize(path, "cxr", policy, result.geometry)
        peak = 65535 if policy.bit_depth == 16 else 255
        assert psnr(stored_pixels(result.data), reference, peak) >= 40


@pytest.mark.parametrize(
    ("slope", "intercept", "kind"), [("1", "0", "u"), ("1", "-1024", "i"), ("2", "10", "u"), ("0.5", "0", "f")]
)
def test_modality_values_stay_integers_when_exact(write_dicom, slope, intercept, kind):
    pixels = np.array([[0, 1000], [2000, 4095]], dtype=np.uint16)
    ds = read_dataset(write_dicom(pixels, bits_stored=12, RescaleSlope=slope, RescaleIntercept=intercept))
    values = modality_values(pixels, ds)
    assert values.dtype.kind == kind
    if kind != "f":
        assert values.dtype.itemsize <= 2  # the narrowest type that holds every value
    np.testing.assert_array_equal(values, apply_modality_lut(pixels, ds))


def test_field_and_blur_on_reduced_decodes_match_the_full_decode_values(realdata):
    """Today's values (recorded from the full-decode code) against the reduced path, on real photos."""
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    for relative, expected in reference.items():
        for size in ("224", "512"):
            attributes = process_image(realdata / relative, "fundus", ImagePolicy(size=int(size))).attributes
            want = expected[size]
            assert attributes["fov_found"] == want["fov_found"], relative
            assert attributes["fov_radius"] == pytest.approx(want["fov_radius"], rel=0.002), relative
            assert attributes["blur"] == pytest.approx(want["blur"], abs=0.01), relative
            assert attributes["exposure"] == pytest.approx(want["exposure"], abs=0.002), relative
