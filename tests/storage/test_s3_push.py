"""`push` from a built folder in object storage (a real S3 server) to a local fake of the Hub API: the same files
and card as from a local folder, and the card written back into the bucket once the upload succeeded."""

from __future__ import annotations

from export.fake_hub import TOKEN, start_fake_hub
from export.output_fixture import write_output
from huggingface_hub import HfApi

from mgll_data import storage
from mgll_data.export.push import push_output

REPO = "my-org/from-a-bucket"


def test_push_from_a_bucket_uploads_the_folder_and_writes_the_card_back(tmp_path, bucket):
    local = tmp_path / "out"
    write_output(local)
    bucket.fs.put(str(local), bucket.url("out"), recursive=True)
    hub, server = start_fake_hub()
    try:
        push_output(storage.location(bucket.url("out")), REPO, api=HfApi(endpoint=hub.url, token=TOKEN))
    finally:
        server.shutdown()
        server.server_close()
    uploaded = hub.files(REPO)
    shards = sorted(p.relative_to(local).as_posix() for p in local.glob("data/*.parquet"))
    assert shards and all(uploaded[shard] == (local / shard).read_bytes() for shard in shards)
    assert f'load_dataset("{REPO}")'.encode() in uploaded["README.md"]
    assert bucket.fs.cat_file(f"{bucket.name}/out/README.md") == uploaded["README.md"]
