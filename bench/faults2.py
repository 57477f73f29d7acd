"""The second fault matrix: generated hostile and careless inputs, one case each, and how each ended.

Every case states the ending it must have (a reject with a registered reason, a one-line `MgllError` naming the
file, an exit code) and is run against the code as it is; the tally counts the cases that ended that way ("held")
and lists the others with what happened instead. The per-adapter cases use the fixture trees of tests/trees (the
public layouts), so the matrix covers every registered adapter.

    PYTHONPATH=. .venv/bin/python bench/faults2.py            # the whole matrix, a tally per class
    PYTHONPATH=. .venv/bin/python bench/faults2.py --only bombs --verbose

Classes follow issue 28: outside_root, identifiers, bombs, tracebacks, silent_drops, concurrency, hang, unclear.
"""

from __future__ import annotations

import argparse
import fcntl
import importlib
import io
import os
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent / "tests" / "engine")]  # fixture trees, fixture adapter

from trees.images import build_dicom  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from mgll_data.builder import build_recipe  # noqa: E402
from mgll_data.cli import app  # noqa: E402
from mgll_data.errors import MgllError  # noqa: E402
from mgll_data.images import ImagePolicy, ImageRejected, process_image  # noqa: E402
from mgll_data.recipe import load_recipe, parse_recipe  # noqa: E402
from mgll_data.records import RawRecord, Reject  # noqa: E402
from mgll_data.sources import available_sources  # noqa: E402

Case = tuple[str, str, Callable[[Path], str | None]]  # (class, name, run(tmp) -> None when held, else what happened)


def _reasons(items: list[Any]) -> Counter[str]:
    return Counter(item.reason for item in items if isinstance(item, Reject))


def _expect_error(call: Callable[[], Any], *needles: str) -> str | None:
    try:
        call()
    except MgllError as error:
        text = str(error)
        missing = [n for n in needles if n not in text]
        return f"error without {missing}: {text[:120]}" if missing else None
    except Exception as error:  # noqa: BLE001 - the matrix records whatever escaped
        return f"traceback: {type(error).__name__}: {str(error)[:120]}"
    return "no error"


# --- 1. reads outside the root ---


def _hostile_link(name: str) -> Callable[[Path], str | None]:
    def run(tmp: Path) -> str | None:
        cls = available_sources()[name]
        module = importlib.import_module(f"trees.{name}")
        root, options = module.make_tree(tmp / name)
        before = list(cls(root, **options).records())
        victim = next(item for item in before if isinstance(item, RawRecord))
        outside = tmp / "outside" / victim.image_path.name
        outside.parent.mkdir()
        victim.image_path.rename(outside)
        victim.image_path.symlink_to(outside)
        after = list(cls(root, **options).records())
        leaked = [i for i in after if isinstance(i, RawRecord) and outside.parent in i.image_path.resolve().parents]
        if leaked:
            return f"{len(leaked)} row(s) read outside the root"
        return None if _reasons(after)["outside_root"] and len(after) == len(before) else "no outside_root reject"

    return run


def _textual(adapter: str) -> Callable[[Path], str | None]:
    def run(tmp: Path) -> str | None:
        from trees import chexpert_plus, iu_xray, mimic_cxr
        from trees.images import write_image

        write_image(tmp / "outside" / "x.jpg", 1)
        write_image(tmp / "outside" / "x.png", 1)
        (tmp / "elsewhere.dcm").write_bytes(b"placeholder image")
        (tmp / "notes.txt").write_text("FINDINGS: SECRET OUTSIDE TEXT.\nIMPRESSION: SECRET OUTSIDE TEXT.\n")
        if adapter == "chexpert_plus":
            root, options = chexpert_plus.make_tree(tmp / "tree")
            table = root / "df_chexpert_plus_240401.csv"
            table.write_text(table.read_text().replace(chexpert_plus.ROWS[0][0], "../../outside/x.jpg"))
        elif adapter.startswith("iu_xray"):
            root, options = iu_xray.make_tree(tmp / "tree")
            image = str(tmp / "outside" / "x") if adapter.endswith("absolute") else "../outside/x"
            with tarfile.open(root / "NLMCXR_reports.tgz", "w:gz") as archive:
                data = iu_xray._xml(9, "Heart normal.", "Normal.", [image])
                info = tarfile.TarInfo("ecgen-radiology/9.xml")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        else:
            root, options = mimic_cxr.make_tree(tmp / "tree")
            subject, study, _, _ = mimic_cxr.STUDIES[0]
            if adapter == "mimic_cxr_study_list":
                rows = [[s, t, "../../notes.txt"] for s, t, _, _ in mimic_cxr.STUDIES]
                header = ["subject_id", "study_id", "path"]
                (root / "cxr-study-list.csv.gz").write_bytes(mimic_cxr.csv_bytes(header, rows))
            else:
                listed = str(tmp / "elsewhere.dcm") if adapter.endswith("absolute") else "../../../elsewhere.dcm"
                rows = [[subject, study, mimic_cxr.dicom_id(1), listed]]
                header = ["subject_id", "study_id", "dicom_id", "path"]
                (root / "cxr-record-list.csv.gz").write_bytes(mimic_cxr.csv_bytes(header, rows))
        cls = available_sources()[adapter.split("_record")[0].split("_study")[0].removesuffix("_absolute")]
        items = list(cls(root, **options).records())
        if "SECRET OUTSIDE" in repr(items):
            return "text from outside the root in a row"
        if any(isinstance(i, RawRecord) and "outside" in str(i.image_path.resolve()) for i in items):
            return "a row reads outside the root"
        return None if _reasons(items)["outside_root"] else "no outside_root reject"

    return run


# --- 2. identifiers in names ---

IDENTITY = {"PatientName": "DOE^JOHNATHAN", "PatientID": "JD-0017", "AccessionNumber": "A77", "StudyDate": "20190304"}
SECRETS = ("doe", "johnathan", "jd-0017", "2019-03-04", "20190304", "mrn7734219")


def _identifier_tree(relative: str) -> Callable[[Path], str | None]:
    def run(tmp: Path) -> str | None:
        from mgll_data.sources.folder import FolderSource

        root = tmp / "MRN7734219_DOE_JOHNATHAN"
        path = root / relative
        path.parent.mkdir(parents=True)
        build_dicom(np.full((8, 8), 9, np.uint16), **IDENTITY).save_as(path, enforce_file_format=True)
        (path.parent / "notes.txt").write_text("not an image")
        items = list(FolderSource(root, modality="cxr", patient_salt="s").records())
        fields = ("native_id", "published_path", "source_entry", "patient_id", "item", "detail")
        names = " ".join(str(getattr(i, f, "")) for i in items for f in fields).casefold()
        found = [s for s in SECRETS if s in names]
        return f"published {found}" if found else None

    return run


def _root_label(tmp: Path) -> str | None:
    from mgll_data.published import portable_root

    published = portable_root(str(tmp / "MRN7734219_DOE_JOHNATHAN"), "chest")
    return None if published == "<local>/chest" else f"root published as {published}"


# --- 3. bombs ---


def _deflated_bomb(tmp: Path) -> str | None:
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    ds = build_dicom(np.full((8, 8), 100, dtype=np.uint16))
    ds.add_new(0x00091010, "LO", "MGLL")
    ds.add_new(0x00091011, "OB", bytes(40_000_000))
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds.save_as(tmp / "bomb.dcm", enforce_file_format=True)
    return _image_reject(tmp / "bomb.dcm", "too_large", ImagePolicy(size=32, max_pixels=1000))


def _j2k_bomb(tmp: Path) -> str | None:
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEG2000Lossless

    buffer = io.BytesIO()
    Image.fromarray(np.full((16, 16), 90, dtype=np.uint8)).save(buffer, "JPEG2000", irreversible=False)
    data = bytearray(buffer.getvalue())
    struct.pack_into(">2I", data, data.find(b"\xff\x4f\xff\x51") + 8, 12000, 12000)
    ds = build_dicom(np.zeros((16, 16), dtype=np.uint8))
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
    ds.PixelData = encapsulate([bytes(data)])
    ds["PixelData"].VR = "OB"
    ds.save_as(tmp / "j2k.dcm", enforce_file_format=True)
    return _image_reject(tmp / "j2k.dcm", "malformed", ImagePolicy(size=32))


def _image_reject(path: Path, reason: str, policy: ImagePolicy) -> str | None:
    try:
        process_image(path, "cxr", policy)
    except ImageRejected as error:
        return None if error.reason == reason else f"rejected as {error.reason}"
    except Exception as error:  # noqa: BLE001
        return f"traceback: {type(error).__name__}"
    return "decoded"


def _report_zip(kind: str) -> Callable[[Path], str | None]:
    def run(tmp: Path) -> str | None:
        from trees import mimic_cxr

        root, _ = mimic_cxr.make_tree(tmp / "tree", zipped=True)
        archive = root / "mimic-cxr-reports.zip"
        with zipfile.ZipFile(archive) as old:
            members = {name: old.read(name) for name in old.namelist()}
        target = sorted(members)[0]
        if kind == "bomb":
            members[target] = b"FINDINGS: " + b"a" * 3_000_000
        with zipfile.ZipFile(archive, "w") as new:
            for name, data in members.items():
                new.writestr(name, data, zipfile.ZIP_DEFLATED if kind == "bomb" else zipfile.ZIP_STORED)
        if kind == "crc":
            data = bytearray(archive.read_bytes())
            with zipfile.ZipFile(archive) as check:
                info = check.getinfo(target)
            start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            data[start + info.file_size - 1] ^= 0x20
            archive.write_bytes(bytes(data))
        try:
            items = list(available_sources()["mimic_cxr"](root).records())
        except Exception as error:  # noqa: BLE001
            return f"build aborted: {type(error).__name__}"
        wanted = "too_large" if kind == "bomb" else "unreadable_report"
        return None if _reasons(items)[wanted] else f"no {wanted} reject"

    return run


def _recipe_text(text: str, *needles: str) -> Callable[[Path], str | None]:
    def run(tmp: Path) -> str | None:
        path = tmp / "recipe.yaml"
        path.write_text("name: m\nsources: [{name: folder, root: tree, options: {modality: cxr}}]\n" + text)
        started = time.monotonic()
        problem = _expect_error(lambda: load_recipe(path), str(path), *needles)
        return problem or (f"took {time.monotonic() - started:.1f} s" if time.monotonic() - started > 5 else None)

    return run


ALIAS_BOMB = "".join(
    [f"l0: &l0 [{', '.join(['x'] * 9)}]\n"] + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9)]
)


# --- 4. tracebacks on bad files ---


def _table(name: str, data: bytes) -> Callable[[Path], str | None]:
    def run(tmp: Path) -> str | None:
        from mgll_data.sources.tables import read_table

        path = tmp / name
        path.write_bytes(data)
        return _expect_error(lambda: read_table(path, source="m", required=["image", "grade"]), str(path))

    return run


def _xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["image", "grade"])
    book.active.append(["a.png", "1"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text_list(kind: str) -> Callable[[Path], str | None]:
    def run(tmp: Path) -> str | None:
        from mgll_data.sources.chexpert_plus import read_chexbert
        from mgll_data.sources.nih_identity import read_split_lists

        if kind == "chexbert":
            path = tmp / "impression_fixed.json"
            path.write_bytes(b'{"path_to_image": "caf\xe9.jpg"}\n')
            return _expect_error(lambda: read_chexbert(path, "chexpert_plus"), str(path))
        path = tmp / "train_val_list.txt"
        path.write_bytes(b"00000001_000.png\n\xff\xfe.png\n")
        return _expect_error(lambda: read_split_lists([path]), str(path))

    return run


_BUILT: dict[str, Path] = {}


def built_folder(tmp: Path) -> Path:
    """A small finished folder (the APTOS fixture tree), built once and copied per case."""
    if "out" not in _BUILT:
        from trees import aptos

        base = Path(tempfile.mkdtemp(prefix="faults2-built-"))
        aptos.make_tree(base / "aptos")
        spec = {"name": "r", "sources": [{"name": "aptos", "root": "aptos"}], "output": {"dir": "out"},
                "image": {"size": 16}}
        _BUILT["out"] = build_recipe(parse_recipe(spec, base)).out_dir
    out = tmp / "out"
    shutil.copytree(_BUILT["out"], out)
    return out


def _shard(out: Path) -> Path:
    return sorted((out / "data").glob("*.parquet"))[0]


def _relabel(out: Path) -> None:
    table = pq.read_table(_shard(out))
    column = table.schema.get_field_index("disease_text")
    pq.write_table(table.set_column(column, "disease_text", pa.array(["relabelled"] * table.num_rows)), _shard(out))


DAMAGE: dict[str, Callable[[Path], Any]] = {
    "truncated-shard": lambda out: _shard(out).write_bytes(_shard(out).read_bytes()[:100]),
    "empty-shard": lambda out: _shard(out).write_bytes(b""),
    "deleted-shard": lambda out: _shard(out).unlink(),
    "garbage-rejects": lambda out: (out / "rejects.parquet").write_bytes(b"not parquet"),
    "manifest-missing-keys": lambda out: (out / "manifest.json").write_text('{"shards": 3}'),
    "relabelled-rows": _relabel,
}
COMMANDS = {
    "validate": ["validate", "{out}", "--skip-images"],
    "stats": ["stats", "{out}", "--report", "{tmp}/report"],
    "export": ["export", "{out}", "--format", "csv", "--out", "{tmp}/exported"],
    "push": ["push", "{out}", "--repo-id", "org/name", "--dry-run"],
    "rejects": ["rejects", "{out}"],
}


def _invoke(command: str, out: Path, tmp: Path) -> Any:
    args = [part.format(out=out, tmp=tmp) for part in COMMANDS[command]]
    return CliRunner().invoke(app, args, env={"COLUMNS": "300"})


def _reader(command: str, damage: str) -> Callable[[Path], str | None]:
    def run(tmp: Path) -> str | None:
        out = built_folder(tmp)
        DAMAGE[damage](out)
        result = _invoke(command, out, tmp)
        if damage == "relabelled-rows" and command not in ("export", "push"):
            return None if not isinstance(result.exception, Exception) or isinstance(result.exception, MgllError) \
                else f"traceback: {type(result.exception).__name__}"  # only export and push must verify checksums
        if isinstance(result.exception, MgllError) and str(out) in str(result.exception):
            return None
        if result.exception is None or isinstance(result.exception, SystemExit):
            return f"exit {result.exit_code} without an error"
        return f"traceback: {type(result.exception).__name__}: {str(result.exception)[:80]}"

    return run


# --- 5. silent drops ---


def _png(path: Path, shade: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (shade, 10, 10)).save(path, format="PNG")


def _folder_collision(first: str, second: str) -> Callable[[Path], str | None]:
    def run(tmp: Path) -> str | None:
        from mgll_data.sources.folder import FolderSource

        root = tmp / "tree"
        _png(root / first, 1)
        _png(root / second, 2)
        items = list(FolderSource(root, modality="fundus", deidentified=True).records())
        if len(items) != 2:
            return f"{2 - len(items)} file(s) without a row or a reject"
        return None if not _reasons(items) or _reasons(items) & Counter({"duplicate_image": 1, "hidden_file": 1}) \
            else f"rejected as {dict(_reasons(items))}"

    return run


def _jsiec_case(tmp: Path) -> str | None:
    from trees import jsiec

    root, options = jsiec.make_tree(tmp / "jsiec")
    cls = available_sources()["jsiec"]
    before = list(cls(root, **options).records())
    image = next(i.image_path for i in before if isinstance(i, RawRecord))
    image.with_name(image.name.swapcase()).write_bytes(image.read_bytes())
    return None if len(list(cls(root, **options).records())) == len(before) + 1 else "the twin vanished"


# --- 6. concurrency and output ---


def _foreign_file(tmp: Path) -> str | None:
    from build_fixtures import CsvSource, make_recipe, patient_rows, write_tree

    from mgll_data.builder import run_build

    write_tree(tmp / "fundus", patient_rows(patients=4, images_per_patient=2))
    recipe = make_recipe(tmp, [{"name": "csv_fundus", "root": "fundus"}])
    run_build(recipe, [CsvSource(tmp / "fundus")], tmp / "out")
    own = tmp / "out" / "data" / "mine.parquet"
    own.write_bytes(b"the user's own file")
    problem = _expect_error(lambda: run_build(recipe, [CsvSource(tmp / "fundus")], tmp / "out"), "mine.parquet")
    return problem or (None if own.exists() else "the user's file was deleted")


def _break_live_lock(tmp: Path) -> str | None:
    from build_fixtures import CsvSource, make_recipe, patient_rows, write_tree

    from mgll_data.builder import run_build

    write_tree(tmp / "fundus", patient_rows(patients=4, images_per_patient=2))
    out = tmp / "out"
    (out / ".mgll-build").mkdir(parents=True)
    code = (
        "import fcntl,json,os,socket,sys,time; fd=os.open(sys.argv[1], os.O_RDWR|os.O_CREAT); "
        "fcntl.flock(fd, fcntl.LOCK_EX); "
        "os.write(fd, json.dumps({'pid': os.getpid(), 'host': socket.gethostname()}).encode()); "
        "print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(out / ".mgll-build/lock")], stdout=subprocess.PIPE,
                              text=True)
    try:
        holder.stdout.readline()
        recipe = make_recipe(tmp, [{"name": "csv_fundus", "root": "fundus"}])
        problem = _expect_error(lambda: run_build(recipe, [CsvSource(tmp / "fundus")], out, break_lock=True),
                                "--break-lock refused")
        return problem or (None if holder.poll() is None else "the holder died")
    finally:
        holder.kill()
        holder.wait()


def _reader_during_rebuild(command: str) -> Callable[[Path], str | None]:
    def run(tmp: Path) -> str | None:
        out = built_folder(tmp)
        fd = os.open(out / ".mgll-build" / "lock", os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            result = _invoke(command, out, tmp)
        finally:
            os.close(fd)
        text = str(result.exception)
        return None if isinstance(result.exception, MgllError) and "rewriting" in text else f"ended: {text[:80]}"

    return run


# --- 7. hang, 8. unclear ---


def _fifo_tree(tmp: Path) -> str | None:
    code = (
        "import os, socket, sys\nfrom pathlib import Path\nfrom PIL import Image\n"
        "from mgll_data.sources.folder import FolderSource\n"
        "root = Path(sys.argv[1]); (root / 'a').mkdir(parents=True)\n"
        "Image.new('RGB', (8, 8)).save(root / 'a' / 'x.png')\n"
        "os.mkfifo(root / 'a' / 'pipe'); socket.socket(socket.AF_UNIX).bind(str(root / 'a' / 'sock'))\n"
        "print(sorted(getattr(i, 'reason', 'row') for i in FolderSource(root, modality='cxr').records()))\n"
    )
    try:
        result = subprocess.run([sys.executable, "-c", code, str(tmp / "tree")], capture_output=True, text=True,
                                timeout=60)
    except subprocess.TimeoutExpired:
        return "blocked for 60 s"
    expected = "['not_a_regular_file', 'not_a_regular_file', 'row']"
    return None if result.stdout.strip() == expected else f"ended: {result.stdout.strip() or result.stderr[-120:]}"


def _rejects_target(what: str) -> Callable[[Path], str | None]:
    def run(tmp: Path) -> str | None:
        target = tmp / "target"
        if what == "empty":
            target.mkdir()
        elif what == "file":
            target.write_text("x")
        result = CliRunner().invoke(app, ["rejects", str(target)])
        return None if isinstance(result.exception, MgllError) else f"exit {result.exit_code}: {result.output[:60]}"

    return run


def _sigterm(tmp: Path) -> str | None:
    from build_fixtures import patient_rows, write_tree

    write_tree(tmp / "fundus", patient_rows(patients=10, images_per_patient=2))
    recipe = tmp / "recipe.yaml"
    recipe.write_text(
        "name: fixture\nsources: [{name: csv_fundus, root: fundus}]\n"
        "output: {dir: out, shard_size: 2, row_group_size: 2}\nimage: {size: 16}\n"
    )
    driver = HERE.parent / "tests" / "engine" / "cli_driver.py"
    paths = [str(HERE.parent / "tests" / "engine"), str(HERE.parent / "tests"), str(HERE.parent)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    child = subprocess.Popen([sys.executable, str(driver), "--delay", "0.2", "build", str(recipe), "--quiet",
                              "--workers", "2"], cwd=tmp, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any((tmp / "out" / "data").glob("*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.1)
    child.send_signal(signal.SIGTERM)
    code, err = child.wait(timeout=60), child.stderr.read()
    return None if code == 143 and "SIGTERM" in err and "Traceback" not in err else f"exit {code}: {err[-120:]}"


def cases() -> Iterator[Case]:
    for name in sorted(available_sources()):
        yield "outside_root", f"linked file out of {name}", _hostile_link(name)
    for adapter in ("chexpert_plus", "iu_xray", "iu_xray_absolute", "mimic_cxr_record", "mimic_cxr_record_absolute",
                    "mimic_cxr_study_list"):
        yield "outside_root", f"listed path out of {adapter}", _textual(adapter)
    for relative in ("DOE_JOHNATHAN/2019-03-04/chest.dcm", "JD-0017/scan.dcm", "cxr/A77.dcm", "x/20190304_pa.dcm"):
        yield "identifiers", relative, _identifier_tree(relative)
    yield "identifiers", "root folder name", _root_label
    yield "bombs", "deflated DICOM", _deflated_bomb
    yield "bombs", "JPEG 2000 frame over its header", _j2k_bomb
    yield "bombs", "report zip member over its cap", _report_zip("bomb")
    yield "bombs", "report zip bad CRC", _report_zip("crc")
    yield "bombs", "recipe alias bomb", _recipe_text(ALIAS_BOMB, "anchors and aliases")
    yield "bombs", "recipe 5,000-digit integer", _recipe_text("output: {shard_size: " + "9" * 5000 + "}\n", "digits")
    workbook = _xlsx()
    for name, data in [("t.xlsx", workbook[:300]), ("g.xlsx", b"garbage"), ("t.xls", b"\xd0\xcf\x11\xe0" + bytes(99)),
                       ("g.xls", b"garbage")]:
        yield "tracebacks", f"damaged workbook {name}", _table(name, data)
    yield "tracebacks", "non-UTF-8 CheXbert", _text_list("chexbert")
    yield "tracebacks", "non-UTF-8 NIH list", _text_list("nih")
    for command in sorted(COMMANDS):
        for damage in sorted(DAMAGE):
            yield "tracebacks", f"{command} on {damage}", _reader(command, damage)
    for first, second in [("a/x.png", "a/X.png"), ("a/x.png", "a/x.png "), ("a/a b.png", "a/a%20b.png"),
                          ("c/x.png", "c/c/x.png"), ("a/x.png", "a/.y.png")]:
        yield "silent_drops", f"folder {first!r} beside {second!r}", _folder_collision(first, second)
    yield "silent_drops", "jsiec case twin", _jsiec_case
    for name, data in [("e.csv", b""), ("h.csv", b"image,grade\n"), ("e.txt", b"image grade\n")]:
        yield "silent_drops", f"empty table {name}", _table(name, data)
    yield "silent_drops", "recipe key twice", _recipe_text("image: {size: 8}\nimage: {size: 16}\n", "given twice")
    yield "concurrency", "user's file in data/", _foreign_file
    yield "concurrency", "--break-lock with a live holder", _break_live_lock
    for command in sorted(COMMANDS):
        yield "concurrency", f"{command} during a rebuild", _reader_during_rebuild(command)
    yield "hang", "FIFO and socket in a folder tree", _fifo_tree
    for what in ("missing", "empty", "file"):
        yield "unclear", f"rejects on a {what} target", _rejects_target(what)
    yield "unclear", "SIGTERM during a build", _sigterm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run one class")
    parser.add_argument("--verbose", action="store_true", help="print every case")
    args = parser.parse_args()
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    failures = []
    started = time.monotonic()
    for klass, name, run in cases():
        if args.only and klass != args.only:
            continue
        with tempfile.TemporaryDirectory(prefix="faults2-") as folder:
            try:
                problem = run(Path(folder))
            except Exception as error:  # noqa: BLE001 - a case that cannot even run is reported, not fatal
                problem = f"case crashed: {type(error).__name__}: {str(error)[:100]}"
        tally[klass]["held" if problem is None else "broke"] += 1
        if problem is not None:
            failures.append((klass, name, problem))
        if args.verbose:
            print(f"{'held ' if problem is None else 'BROKE'} {klass:13} {name}: {problem or 'as expected'}")
    total = sum(sum(counts.values()) for counts in tally.values())
    held = sum(counts["held"] for counts in tally.values())
    for klass, counts in tally.items():
        print(f"{klass:13} {sum(counts.values()):4d} cases  {counts['held']:4d} held  {counts['broke']:4d} broke")
    seconds = time.monotonic() - started
    print(f"{'total':13} {total:4d} cases  {held:4d} held  {total - held:4d} broke  ({seconds:.0f} s)")
    for klass, name, problem in failures:
        print(f"  broke: {klass}: {name}: {problem}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
