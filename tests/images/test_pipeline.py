"""The entry point's contract with the build engine: schema keys, dispatch, determinism, reject codes."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from mgll_data.images import ImagePolicy, ImageRejected, RejectReason, process_image
from mgll_data.schema import ATTRIBUTES_TYPE, GEOMETRY_TYPE, HASHES_TYPE

CASES = [
    ("dicom/RG3_J2KR.dcm", "cxr"),
    ("cxr/00000001_000.png", "cxr"),
    ("cxr/tbx11k_test_data/imgs/tb/tb0007.png", "cxr"),
    ("fundus/photos/severe_nonprol_dr.jpg", "fundus"),
]


@pytest.mark.parametrize(("relative", "modality"), CASES)
def test_outputs_fit_the_record_schema(realdata, relative, modality):
    result = process_image(realdata / relative, modality, ImagePolicy(size=128))
    assert set(result.geometry) == {f.name for f in GEOMETRY_TYPE}
    assert set(result.hashes) == {f.name for f in HASHES_TYPE}
    assert set(result.attributes) <= {f.name for f in ATTRIBUTES_TYPE}
    for value, dtype in (
        (result.attributes, ATTRIBUTES_TYPE),
        (result.geometry, GEOMETRY_TYPE),
        (result.hashes, HASHES_TYPE),
    ):
        assert pa.array([value], type=dtype).to_pylist()[0]  # Arrow accepts every value with its type
    assert (result.width, result.height) == (128, 128) and result.format == "png"


def test_dicom_is_recognised_by_its_magic_not_its_name(realdata, tmp_path):
    renamed = tmp_path / "no_suffix"
    shutil.copy(realdata / "dicom/dx_canine_thorax_monochrome1_inverse.dcm", renamed)
    result = process_image(renamed, "cxr", ImagePolicy(size=64))
    assert result.attributes["dicom_modality"] == "DX" and result.intensity == "window_linear"


def test_the_same_input_gives_the_same_bytes(realdata):
    path = realdata / "fundus/odir/preprocessed_images/0_left.jpg"
    first, second = (process_image(path, "fundus", ImagePolicy(size=128)) for _ in range(2))
    assert first.data == second.data and first.hashes == second.hashes and first.attributes == second.attributes


def test_reject_reasons_are_one_closed_set():
    assert ImageRejected("truncated", "x").reason is RejectReason.TRUNCATED
    with pytest.raises(ValueError):
        ImageRejected("something_else")
    assert len({reason.value for reason in RejectReason}) == len(RejectReason)


def test_sixteen_bit_dicom_output_round_trips(realdata):
    result = process_image(realdata / "dicom/RG1_UNCR.dcm", "cxr", ImagePolicy(size=256, bit_depth=16))
    with Image.open(io.BytesIO(result.data)) as image:
        pixels = np.asarray(image)
    assert pixels.dtype == np.uint16 and pixels.max() > 255 * 257 // 2  # uses the 16-bit range
    assert result.attributes["bit_depth"] == 16
