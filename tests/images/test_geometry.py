"""Geometry policies and the box mappings between original and stored pixels."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from mgll_data.images import ImagePolicy, process_image
from mgll_data.images.geometry import map_box_to_original, map_box_to_stored, plan_geometry, render
from mgll_data.schema import GEOMETRY_TYPE


def test_letterbox_centres_the_scaled_image():
    g = plan_geometry((200, 100), ImagePolicy(size=100, geometry="letterbox"))
    assert (g.scale, g.pad_left, g.pad_top, g.out_width, g.out_height) == (0.5, 0, 25, 100, 100)
    assert (g.crop_x, g.crop_y, g.crop_width, g.crop_height) == (0, 0, 200, 100)
    assert set(g.record()) == {f.name for f in GEOMETRY_TYPE}


def test_shorter_side_takes_the_centred_square():
    g = plan_geometry((200, 100), ImagePolicy(size=50, geometry="shorter_side"))
    assert (g.crop_x, g.crop_y, g.crop_width, g.crop_height) == (50, 0, 100, 100)
    assert (g.scale, g.pad_left, g.pad_top, g.out_width) == (0.5, 0, 0, 50)


def test_none_keeps_pixels_one_to_one():
    g = plan_geometry((200, 100), ImagePolicy(size=64, geometry="none"))
    assert (g.scale, g.out_width, g.out_height) == (1.0, 200, 100)


@pytest.mark.parametrize("policy", ["letterbox", "shorter_side"])
def test_a_box_lands_where_the_mapping_says(policy):
    original = np.zeros((300, 400), dtype=np.uint8)
    box = (180, 90, 260, 170)  # x0, y0, x1, y1
    original[box[1] : box[3], box[0] : box[2]] = 255
    geometry = plan_geometry((400, 300), ImagePolicy(size=100, geometry=policy, resample="nearest"))
    stored = np.asarray(render(Image.fromarray(original), geometry))
    x0, y0, x1, y1 = (round(v) for v in map_box_to_stored(box, geometry.record()))
    assert stored[y0 + 1 : y1 - 1, x0 + 1 : x1 - 1].min() == 255
    assert stored[:, : x0 - 1].max() == 0 and stored[: y0 - 1].max() == 0
    back = map_box_to_original(map_box_to_stored(box, geometry.record()), geometry.record())
    assert np.allclose(back, box)


def test_window_past_the_frame_is_padded_black():
    image = Image.new("L", (10, 10), 200)
    geometry = plan_geometry((10, 10), ImagePolicy(size=None, geometry="letterbox"), window=(-5, 0, 20, 10))
    stored = np.asarray(render(image, geometry))
    assert stored.shape == (10, 20)
    assert stored[:, :5].max() == 0 and stored[:, 5:15].min() == 200 and stored[:, 15:].max() == 0


def test_recorded_geometry_maps_a_real_box_back(realdata):
    result = process_image(realdata / "dicom/siim_cr_chest_jpeg_baseline.dcm", "cxr", ImagePolicy(size=256))
    g = result.geometry
    assert (g["orig_width"], g["orig_height"], g["scale"], g["policy"]) == (1024, 1024, 0.25, "letterbox")
    assert map_box_to_original((0, 0, 256, 256), g) == (0, 0, 1024, 1024)
