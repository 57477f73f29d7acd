"""Real DICOM files: the NEMA chest pair, the canine DX, SIIM JPEG, the LUT conformance patterns, and
every file shipped in the pydicom wheel."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file, get_testdata_files

from mgll_data.images import ImagePolicy, ImageRejected, ProcessedImage, RejectReason, process_image

UNSCALED = ImagePolicy(size=None, geometry="none")


def test_rg1_chest_has_lungs_dark_and_bone_bright(realdata, stored):
    pixels = stored(process_image(realdata / "dicom/RG1_UNCR.dcm", "cxr", ImagePolicy())).astype(float)
    # regions chosen on the 512 letterboxed output: both lung fields and the mediastinum / spine column
    lungs = np.concatenate([pixels[120:280, 100:200].ravel(), pixels[120:280, 290:390].ravel()])
    spine = pixels[120:340, 236:276]
    assert lungs.mean() < spine.mean() - 25


def test_rg1_jpeg2000_twin_gives_nearly_the_same_image(realdata, stored):
    policy = ImagePolicy()
    plain = process_image(realdata / "dicom/RG1_UNCR.dcm", "cxr", policy)
    j2k = process_image(realdata / "dicom/RG1_J2KI.dcm", "cxr", policy)
    difference = np.abs(stored(plain).astype(int) - stored(j2k).astype(int))
    assert difference.mean() < 1.0 and np.percentile(difference, 99) <= 4
    assert plain.view == "PA" and plain.attributes["body_part"] == "CHEST"
    assert "pixel_spacing" not in plain.attributes  # the file's spacing is 0\0, which means unknown


def test_canine_monochrome1_inverse_is_inverted_once(realdata, stored):
    path = realdata / "dicom/dx_canine_thorax_monochrome1_inverse.dcm"
    raw = pydicom.dcmread(path).pixel_array.astype(float)
    pixels = stored(process_image(path, "cxr", UNSCALED)).astype(float)
    # window 128 / 256 LINEAR on 8-bit values is y = x / 255, so one inversion gives 255 - x
    assert np.abs(pixels - (255 - raw)).max() <= 1


def test_siim_jpeg_baseline_decodes_upright(realdata, stored):
    path = realdata / "dicom/siim_cr_chest_jpeg_baseline.dcm"
    result = process_image(path, "cxr", UNSCALED)
    raw = pydicom.dcmread(path).pixel_array.astype(float)
    expected = (raw - raw.min()) / (raw.max() - raw.min()) * 255  # no window: the data range
    assert np.abs(stored(result) - expected).max() <= 1
    assert result.intensity == "minmax_no_window" and result.attributes["photometric"] == "MONOCHROME2"


def test_mlut_18_follows_its_modality_lut(realdata, stored):
    path = realdata / "dicom/mlut_18.dcm"
    ds = pydicom.dcmread(path)
    entries, first, _bits = ds.ModalityLUTSequence[0].LUTDescriptor
    lut = np.asarray(ds.ModalityLUTSequence[0].LUTData, dtype=float)
    mapped = lut[np.clip(ds.pixel_array.astype(int) - first, 0, entries - 1)]
    expected = (mapped - mapped.min()) / (mapped.max() - mapped.min()) * 255
    assert np.abs(stored(process_image(path, "cxr", UNSCALED)) - expected).max() <= 1


def test_vlut_04_follows_its_voi_lut(realdata, stored):
    path = realdata / "dicom/vlut_04.dcm"
    ds = pydicom.dcmread(path)
    item = ds.VOILUTSequence[0]
    lut = np.frombuffer(item.LUTData, dtype="<u2") if isinstance(item.LUTData, bytes) else np.asarray(item.LUTData)
    expected = lut[ds.pixel_array.astype(int)] / 65535 * 255  # 16-bit table entries
    result = process_image(path, "cxr", UNSCALED)
    assert np.abs(stored(result) - expected).max() <= 1 and result.intensity == "voi_lut"


@pytest.mark.parametrize(
    "twin", ["MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_bigendian.dcm"]
)
def test_lossless_twins_store_identical_pixels(twin):
    policy = ImagePolicy(size=64)
    reference = process_image(get_testdata_file("MR_small.dcm"), "cxr", policy)
    assert process_image(get_testdata_file(twin), "cxr", policy).hashes == reference.hashes


@pytest.mark.parametrize(
    ("twin", "tolerance"),
    [
        ("SC_ybr_full_422_uncompressed.dcm", 3),  # YBR_FULL_422, native
        ("SC_rgb_dcmtk_+eb+cy+s2.dcm", 8),  # JPEG Baseline, YBR_FULL_422
        ("SC_rgb_jpeg_dcmtk.dcm", 8),  # JPEG Baseline, YBR_FULL
        ("SC_rgb_jpeg_gdcm.dcm", 8),  # JPEG Lossless (process 14, selection value 1), RGB
    ],
)
def test_colour_twins_match_the_lossless_rgb_reference(twin, tolerance, stored):
    policy = ImagePolicy(size=None, geometry="none", cxr_color="keep")
    reference = stored(process_image(get_testdata_file("SC_rgb_rle.dcm"), "cxr", policy)).astype(int)
    pixels = stored(process_image(get_testdata_file(twin), "cxr", policy)).astype(int)
    assert pixels.shape == reference.shape == (100, 100, 3)
    assert np.median(np.abs(pixels - reference)) <= tolerance
    assert reference[5, 5].tolist() == [255, 0, 0]  # the pattern's first band is pure red


def _wheel_files() -> list[Path]:
    return sorted(Path(f) for f in get_testdata_files() if Path(f).is_file())


def test_every_file_in_the_pydicom_wheel_decodes_or_is_rejected_with_a_reason():
    policy = ImagePolicy(size=32)
    outcomes: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in _wheel_files():
            try:
                result = process_image(path, "cxr", policy)
            except ImageRejected as rejected:
                assert isinstance(rejected.reason, RejectReason) and rejected.detail
                outcomes[path.name] = rejected.reason.value
            else:
                assert isinstance(result, ProcessedImage) and result.width == result.height == 32
                outcomes[path.name] = "ok"
    assert sum(outcome == "ok" for outcome in outcomes.values()) >= 80
    for name in (
        "JPEGLSNearLossless_08.dcm",
        "JPGExtended.dcm",
        "JPEG2000.dcm",
        "MR_small_RLE.dcm",
        "image_dfl.dcm",
        "SC_rgb_jpeg_dcmtk.dcm",
        "examples_palette.dcm",
        "GDCMJ2K_TextGBR.dcm",
        "JPEGLSNearLossless_16.dcm",
        "693_J2KI.dcm",
        "rtdose.dcm",
        "SC_rgb_rle_32bit.dcm",
        "SC_rgb_jpeg_gdcm.dcm",  # JPEG Lossless
        "MR_small_jpeg_ls_lossless.dcm",
    ):
        assert outcomes[name] == "ok", name
    assert outcomes["MR_truncated.dcm"] == "truncated"
    assert outcomes["rtplan.dcm"] == "no_pixel_data"
    assert outcomes["badVR.dcm"] == "malformed"
