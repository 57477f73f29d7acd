"""The fundus field of view on real photos and on generated hard cases."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from mgll_data.images import ImagePolicy, ImageRejected, RejectReason, process_image
from mgll_data.images.fundus import blur_score, find_field


def synthetic_fundus(size=(640, 480), centre=(320, 240), radius=200, surround=(0, 0, 0), seed=0):
    """An orange textured disc with darker vessels on a uniform surround."""
    rng = np.random.default_rng(seed)
    width, height = size
    yy, xx = np.mgrid[:height, :width]
    distance = np.hypot(xx - centre[0], yy - centre[1])
    shade = 1.0 - 0.35 * np.clip(distance / radius, 0, 1) ** 2  # vignetting towards the rim
    disc = np.stack([200 * shade, 90 * shade, 40 * shade], axis=2) + rng.normal(0, 6, (height, width, 3))
    image = np.where((distance <= radius)[..., None], disc, np.array(surround, dtype=float))
    picture = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    for angle in np.linspace(0, 2 * np.pi, 7)[:-1]:  # vessels from the disc centre outwards
        end = (centre[0] + 0.9 * radius * np.cos(angle), centre[1] + 0.9 * radius * np.sin(angle))
        draw.line([centre, end], fill=(110, 30, 20), width=4)
    return picture


def assert_close(field, centre, radius, tolerance=0.02):
    assert field is not None and not field.fills_frame
    assert abs(field.cx - centre[0]) <= tolerance * radius * 2
    assert abs(field.cy - centre[1]) <= tolerance * radius * 2
    assert abs(field.radius - radius) <= tolerance * radius


def test_offset_circle():
    assert_close(find_field(synthetic_fundus(centre=(250, 260), radius=180)), (250, 260), 180)


def test_notch_in_the_rim():
    image = synthetic_fundus()
    ImageDraw.Draw(image).polygon([(320 + 150, 240 - 140), (320 + 200, 240 - 60), (320 + 120, 240 - 100)], fill=0)
    assert_close(find_field(image), (320, 240), 200)


def test_overexposed_rim():
    image = synthetic_fundus()
    ImageDraw.Draw(image).ellipse((120, 40, 520, 440), outline=(255, 250, 235), width=14)
    assert_close(find_field(image), (320, 240), 200)


def test_text_overlay_in_the_border():
    image = synthetic_fundus()
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    draw.text((8, 8), "OD 2019-03-01", fill=(255, 255, 255), font=font)
    draw.text((470, 440), "45 deg", fill=(255, 255, 255), font=font)
    assert_close(find_field(image), (320, 240), 200)


def test_disc_cut_by_the_frame():
    image = synthetic_fundus(size=(700, 420), centre=(350, 210), radius=300)  # top and bottom cut off
    assert_close(find_field(image), (350, 210), 300)


def test_white_surround():
    assert_close(find_field(synthetic_fundus(surround=(255, 255, 255))), (320, 240), 200)


def test_no_border_fills_the_frame():
    image = synthetic_fundus(size=(400, 300), centre=(200, 150), radius=600)
    field = find_field(image)
    assert field is not None and field.fills_frame and field.radius == 200


def test_sixteen_bit_gray_photo(tmp_path):
    gray = np.asarray(synthetic_fundus(centre=(300, 250), radius=190).convert("L")).astype(np.uint16) * 257
    path = tmp_path / "red_free.png"
    Image.fromarray(gray).save(path)
    result = process_image(path, "fundus", ImagePolicy(size=128, bit_depth=16))
    assert result.attributes["fov_found"] is True and abs(result.attributes["fov_radius"] - 190) <= 4


def test_black_image_has_no_field():
    assert find_field(Image.new("RGB", (300, 300))) is None


PHOTOS = [
    "idrid_like_normal_small.png",
    "normal_sample.png",
    "sample_macular_hole.png",
    "severe_nonprol_dr.jpg",
    "wikimedia_normal_right_eye_cc0.jpg",
]


@pytest.mark.parametrize("name", PHOTOS)
def test_real_photos(realdata, name):
    with Image.open(realdata / "fundus/photos" / name) as image:
        field = find_field(image)
        assert field is not None and not field.fills_frame
        assert 0.4 * min(image.size) <= field.radius <= 0.75 * max(image.size)
        assert 0 < field.cx < image.width and 0 < field.cy < image.height


def test_odir_images(realdata):
    paths = sorted((realdata / "fundus/odir/preprocessed_images").glob("*.jpg"))
    assert len(paths) == 10
    for path in paths:
        result = process_image(path, "fundus", ImagePolicy(size=256))
        assert result.attributes["fov_found"] is True, path.name
        assert 240 <= result.attributes["fov_radius"] <= 260, path.name  # Kaggle crops the disc to 512


def test_crop_centres_an_offset_disc(tmp_path, stored):
    path = tmp_path / "offset.png"
    synthetic_fundus(size=(800, 600), centre=(300, 330), radius=220).save(path)
    result = process_image(path, "fundus", ImagePolicy(size=256, fundus_mask=True))
    pixels = stored(result)
    lit = np.argwhere(pixels.max(axis=2) > 40)
    assert np.abs(lit.mean(axis=0) - 128).max() < 3  # the disc sits in the middle of the stored square
    assert lit[:, 0].min() <= 3 and lit[:, 0].max() >= 252  # and fills it
    g = result.geometry
    assert abs(g["crop_x"] - 80) <= 4 and abs(g["crop_y"] - 110) <= 4 and abs(g["crop_width"] - 440) <= 8
    assert 0 <= result.attributes["blur"] <= 1 and 0 < result.attributes["exposure"] < 1


def test_missing_field_is_recorded_or_rejected(tmp_path):
    path = tmp_path / "black.png"
    Image.new("RGB", (200, 200)).save(path)
    recorded = process_image(path, "fundus", ImagePolicy())
    assert recorded.attributes["fov_found"] is False and recorded.attributes["fov_radius"] is None
    with pytest.raises(ImageRejected) as rejected:
        process_image(path, "fundus", ImagePolicy(fundus_require_fov=True))
    assert rejected.value.reason is RejectReason.FOV_NOT_FOUND


def test_blur_score_rises_with_blur():
    sharp = synthetic_fundus()
    blurred = sharp.filter(ImageFilter.GaussianBlur(4))
    gray_sharp, gray_blurred = (np.asarray(image.convert("L")) for image in (sharp, blurred))
    assert blur_score(gray_blurred) > blur_score(gray_sharp) + 0.2
