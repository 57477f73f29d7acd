"""Each DICOM pixel step on small constructed files, against values worked out by hand from PS3.3 C.11."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataset import Dataset

from mgll_data.images import ImagePolicy, ImageRejected, RejectReason, process_image

UNSCALED = ImagePolicy(size=None, geometry="none")  # pixel-exact checks: no resize, no padding
COLOR = ImagePolicy(size=None, geometry="none", cxr_color="keep")


def run(path, policy=UNSCALED, modality="cxr"):
    return process_image(path, modality, policy)


def test_bits_stored_masks_unused_high_bits(write_dicom, stored):
    # 12 bits stored in 16: 0xF800 carries garbage in the top nibble and means 0x800 = 2048.
    raw = np.array([[0xF800, 0x0FFF, 0x1000, 0x0000]], dtype=np.uint16)
    path = write_dicom(raw, bits_stored=12, WindowCenter=2048, WindowWidth=4096, VOILUTFunction="LINEAR_EXACT")
    # LINEAR_EXACT: (x - 2048) / 4096 + 0.5 = x / 4096 -> [0.5, 4095/4096, 0, 0] -> round(255 * y)
    assert stored(run(path)).tolist() == [[128, 255, 0, 0]]


def test_rescale_then_window(write_dicom, stored):
    raw = np.array([[0, 100, 200, 300]], dtype=np.uint16)
    path = write_dicom(
        raw, RescaleSlope=2, RescaleIntercept=-100, WindowCenter=200, WindowWidth=400, VOILUTFunction="LINEAR_EXACT"
    )
    # modality values [-100, 100, 300, 500]; (v - 200) / 400 + 0.5 = [-0.25, 0.25, 0.75, 1.25] clipped
    assert stored(run(path)).tolist() == [[0, 64, 191, 255]]  # 0.75 * 255 = 191.25


def test_linear_window_is_the_half_pixel_shifted_ramp(write_dicom, stored):
    raw = np.array([[0, 50, 100, 149, 200]], dtype=np.uint16)
    path = write_dicom(raw, WindowCenter=100, WindowWidth=101)
    # LINEAR: (x - 99.5) / 100 + 0.5 -> [<0, 0.005, 0.505, 0.995, >1] -> round(255 y) = [0, 1, 129, 254, 255]
    result = run(path)
    assert stored(result).tolist() == [[0, 1, 129, 254, 255]]
    assert result.intensity == "window_linear"


def test_sigmoid_window(write_dicom, stored):
    raw = np.array([[100, 150]], dtype=np.uint16)
    path = write_dicom(raw, WindowCenter=100, WindowWidth=100, VOILUTFunction="SIGMOID")
    # 1 / (1 + exp(-4 (x - 100) / 100)): 0.5 and 1 / (1 + e^-2) = 0.8808 -> 128 and 225
    assert stored(run(path)).tolist() == [[128, 225]]


def test_first_of_several_windows_is_used(write_dicom, stored):
    raw = np.array([[0, 100, 200]], dtype=np.uint16)
    path = write_dicom(raw, WindowCenter=[100, 1000], WindowWidth=[200, 50], VOILUTFunction="LINEAR_EXACT")
    assert stored(run(path)).tolist() == [[0, 128, 255]]


def test_modality_lut_sequence_replaces_rescale(write_dicom, stored):
    raw = np.array([[9, 10, 11, 12, 13, 14]], dtype=np.uint16)
    item = Dataset()
    item.LUTDescriptor = [4, 10, 16]  # 4 entries, first input value 10, 16-bit entries
    item.ModalityLUTType = "US"
    item.add_new("LUTData", "US", [0, 1000, 2000, 4000])
    path = write_dicom(raw, ModalityLUTSequence=[item], RescaleSlope=100, RescaleIntercept=5)
    result = run(path)
    # inputs below 10 take the first entry, above 13 the last: [0, 0, 1000, 2000, 4000, 4000];
    # no window, so the modality output's range maps to [0, 1]
    assert stored(result).tolist() == [[0, 0, 64, 128, 255, 255]]
    assert result.intensity == "minmax_no_window"


def test_voi_lut_sequence_maps_through_its_table(write_dicom, stored):
    raw = np.array([[0, 1, 2, 3]], dtype=np.uint8)
    item = Dataset()
    item.LUTDescriptor = [4, 0, 8]
    item.add_new("LUTData", "US", [0, 50, 100, 255])
    path = write_dicom(raw, VOILUTSequence=[item])
    assert stored(run(path)).tolist() == [[0, 50, 100, 255]]
    sixteen = run(path, ImagePolicy(size=None, geometry="none", bit_depth=16))
    assert stored(sixteen).tolist() == [[0, 50 * 257, 100 * 257, 65535]]


@pytest.mark.parametrize(
    ("photometric", "shape", "inverted"),
    [
        ("MONOCHROME1", None, True),
        ("MONOCHROME1", "INVERSE", True),  # the DX rule: INVERSE is the MONOCHROME1 inversion, applied once
        ("MONOCHROME2", "INVERSE", True),
        ("MONOCHROME2", "IDENTITY", False),
        ("MONOCHROME2", None, False),
    ],
)
def test_polarity_is_inverted_exactly_once(write_dicom, stored, photometric, shape, inverted):
    raw = np.array([[0, 1024, 4095]], dtype=np.uint16)
    extra = {"PresentationLUTShape": shape} if shape else {}
    path = write_dicom(
        raw,
        photometric=photometric,
        bits_stored=12,
        WindowCenter=2048,
        WindowWidth=4096,
        VOILUTFunction="LINEAR_EXACT",
        **extra,
    )
    # window: x / 4096 -> [0, 0.25, 0.99976]; inverted: [1, 0.75, 0.00024]
    expected = [[255, 191, 0]] if inverted else [[0, 64, 255]]
    assert stored(run(path)).tolist() == expected


def test_percentile_and_minmax_policies(write_dicom, stored):
    raw = np.arange(100, dtype=np.uint16).reshape(10, 10)
    path = write_dicom(raw, WindowCenter=0, WindowWidth=2)
    percentile = stored(
        run(path, ImagePolicy(size=None, geometry="none", dicom_intensity="percentile", percentiles=(10, 90)))
    )
    # numpy's linear percentiles of 0..99: 9.9 and 89.1; x = 50 -> (50 - 9.9) / 79.2 = 0.5063 -> 129
    assert percentile[5, 0] == 129 and percentile[0, 0] == 0 and percentile[9, 9] == 255
    minmax = stored(run(path, ImagePolicy(size=None, geometry="none", dicom_intensity="minmax")))
    assert minmax[0, 0] == 0 and minmax[9, 9] == 255 and minmax[5, 0] == round(50 / 99 * 255)


def test_sixteen_bit_output_keeps_precision(write_dicom, stored):
    raw = np.array([[0, 1, 2, 4095]], dtype=np.uint16)
    path = write_dicom(raw, bits_stored=12)
    result = run(path, ImagePolicy(size=None, geometry="none", bit_depth=16))
    pixels = stored(result)
    assert pixels.dtype == np.uint16
    assert pixels.tolist() == [[0, round(65535 / 4095), round(2 * 65535 / 4095), 65535]]
    assert result.attributes["bit_depth"] == 16


def test_multiframe_policy(write_dicom, stored):
    frames = np.stack([np.full((2, 2), 10, np.uint8), np.full((2, 2), 200, np.uint8)])
    frames[0, 0, 0] = 0
    path = write_dicom(frames, frames=2)
    first = stored(run(path))
    assert first.tolist() == [[0, 255], [255, 255]]  # frame 0 only: its own range 0..10
    with pytest.raises(ImageRejected) as rejected:
        run(path, ImagePolicy(size=None, geometry="none", multiframe="reject"))
    assert rejected.value.reason is RejectReason.MULTIFRAME


def test_ybr_full_is_converted_to_rgb(write_dicom, stored):
    # pure red in YBR_FULL (PS3.3 C.7.6.3.1.2): Y = 76, Cb = 85, Cr = 255
    ybr = np.array([[[76, 85, 255], [128, 128, 128]]], dtype=np.uint8)
    result = run(write_dicom(ybr, photometric="YBR_FULL"), COLOR)
    rgb = stored(result).astype(int)
    assert np.abs(rgb[0, 0] - [254, 0, 0]).max() <= 2
    assert np.abs(rgb[0, 1] - [128, 128, 128]).max() <= 1


def test_palette_color_uses_its_tables(write_dicom, stored):
    raw = np.array([[0, 1, 2, 3]], dtype=np.uint8)
    tables = {"Red": [0, 65535, 0, 0], "Green": [0, 0, 65535, 0], "Blue": [0, 0, 0, 65535]}
    elements = {}
    for colour, values in tables.items():
        elements[f"{colour}PaletteColorLookupTableDescriptor"] = [4, 0, 16]
        elements[f"{colour}PaletteColorLookupTableData"] = np.array(values, dtype="<u2").tobytes()
    result = run(write_dicom(raw, photometric="PALETTE COLOR", **elements), COLOR)
    assert stored(result).tolist() == [[[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]]]


def test_only_allow_listed_elements_reach_the_output(write_dicom, stored):
    from mgll_data.schema import ATTRIBUTES_TYPE

    raw = np.arange(16, dtype=np.uint8).reshape(4, 4)
    path = write_dicom(
        raw,
        PatientName="Doe^Jane",
        PatientID="MRN-553311",
        PatientBirthDate="19600101",
        StudyDate="20200202",
        InstitutionName="Saint Example Hospital",
        AccessionNumber="ACC998877",
        Manufacturer="Acme",
        ManufacturerModelName="XR 9",
        BodyPartExamined="CHEST",
        ViewPosition="PA",
        PixelSpacing=[0.2, 0.2],
    )
    result = run(path)
    assert set(result.attributes) <= {f.name for f in ATTRIBUTES_TYPE}
    assert result.attributes["device"] == "Acme XR 9"
    assert result.attributes["body_part"] == "CHEST" and result.attributes["pixel_spacing"] == [0.2, 0.2]
    assert result.view == "PA"
    text = repr(result.attributes) + repr(result.geometry) + repr(result.hashes)
    for secret in ("Doe", "MRN-553311", "19600101", "20200202", "Saint Example", "ACC998877"):
        assert secret not in text
        assert secret.encode() not in result.data


def test_truncated_and_foreign_files_get_typed_reasons(tmp_path, write_dicom):
    path = write_dicom(np.zeros((64, 64), np.uint16))
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(path.read_bytes()[:-3000])
    with pytest.raises(ImageRejected) as rejected:
        run(cut)
    assert rejected.value.reason is RejectReason.TRUNCATED
    text = tmp_path / "notes.dcm"
    text.write_text("not a dicom file at all")
    with pytest.raises(ImageRejected) as rejected:
        run(text)
    assert rejected.value.reason in (RejectReason.UNREADABLE, RejectReason.NO_PIXEL_DATA)


def test_compressed_syntax_without_decoder_is_rejected(tmp_path, build_dicom):
    from pydicom.encaps import encapsulate
    from pydicom.uid import MPEG2MPML

    ds = build_dicom(np.zeros((4, 4), np.uint8))
    ds.file_meta.TransferSyntaxUID = MPEG2MPML
    ds.PixelData = encapsulate([b"\x00\x00\x01\xb3" + bytes(12)])
    ds["PixelData"].VR = "OB"
    path = tmp_path / "video.dcm"
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(ImageRejected) as rejected:
        run(path)
    assert rejected.value.reason is RejectReason.UNSUPPORTED_TRANSFER_SYNTAX
