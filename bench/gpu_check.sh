#!/usr/bin/env bash
# One prepared script for a 10-minute GPU window: nothing is typed on the device machine.
#
#   bench/gpu_check.sh [--cpu] [OUT]        (OUT defaults to out/gpu_check; figures land there as JSON)
#
# On a GPU it measures, in this order (each step prints its start time in seconds):
#   1. install: the working tree into the current Python (pip install -e '.[train]'), torch / CUDA versions;
#   2. CUDA tests: tests/train/test_cuda.py (bf16 training and exact resume in deterministic mode on the
#      device, eval embeddings on the device against the CPU);
#   3. data: 2,048 train + 256 validation + 256 test synthetic rows at 512 px, drawn in parallel and built

#   4. throughput: ViT-B/16 at 224 px, bf16, batch 256, 14 decode workers reading the training copy, for
#      each loss (clip, mgll, mgll_reference) eager and under torch.compile: images/s through the real
#      pipeline, compute-only images/s, data-wait fraction, step ms, GPU memory (bench/train.py), as a table;
#   5. data path: CPU ms per image per stored format and the 16-core projection (bench/data_path.py);
#   6. eval: a short training run, then `mgll-data eval` with every task (probes, zero-shot, retrieval,
#      fine-tune with validation selection) through the DataLoader path with bf16 autocast.
# `--cpu` runs the same steps at toy sizes (tiny models, 64 px, eager only, no install) in about a
# minute; tests/test_gpu_check.py runs it, so the script cannot rot between GPU windows.
set -euo pipefail
cpu=0
if [[ "${1:-}" == "--cpu" ]]; then cpu=1; shift; fi
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/out/gpu_check}" && cd "${1:-$root/out/gpu_check}" && pwd)
py=${PYTHON:-python}
cd "$root"
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
step() { printf '\n== %s (at %ss)\n' "$1" "$SECONDS"; }

if ((cpu)); then
  size=64 train_rows=48 eval_rows=16 image=32 batch=8 workers=1 steps=2 warmup=1 precision=fp32
  vision=timm:test_vit text=tiny losses="clip mgll" modes="eager" processes=2 epochs=1
else
  size=512 train_rows=2048 eval_rows=256 image=224 batch=256 workers=14 steps=20 warmup=5 precision=bf16
  vision=timm:vit_base_patch16_224 text=open_clip:ViT-B-16 losses="clip mgll mgll_reference"
  modes="eager compile" processes=16 epochs=2
fi

step install
if ((cpu)); then
  echo "--cpu: the current environment, no install"
else
  "$py" -m pip install --quiet --no-build-isolation -e ".[train]"
fi
"$py" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name() if torch.cuda.is_available() else 'no CUDA device')"
((cpu)) || "$py" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device: run with --cpu')"

step "CUDA tests"
"$py" -m pytest -q -p no:cacheprovider tests/train/test_cuda.py

step data
started=$SECONDS
rm -rf "$out/data"
"$py" bench/synthetic_build.py "$out/data" --train "$train_rows" --validation "$eval_rows" --test "$eval_rows" \
  --size "$size" --processes "$processes" > "$out/data.log"
echo "data generation took $((SECONDS - started)) s"
if ((!cpu && SECONDS - started >= 60)); then echo "over the 60 s this window allows for data"; exit 1; fi

step throughput
for loss in $losses; do
  for mode in $modes; do
    flag=""
    [[ $mode == compile ]] && flag="--compile"
    "$py" bench/train.py --dataset "$out/data" --vision "$vision" --text "$text" --image-size "$image" \
      --batch-size "$batch" --workers "$workers" --steps "$steps" --warmup "$warmup" --precision "$precision" \
      --loss "$loss" $flag --json "$out/train-$loss-$mode.json" > "$out/train-$loss-$mode.log"
  done
done
"$py" - "$out" <<'PY'
import json, sys
from pathlib import Path
rows = [json.loads(p.read_text()) | {"mode": p.stem.rsplit("-", 1)[1]} for p in sorted(Path(sys.argv[1]).glob("train-*.json"))]
print(f"{'loss':<16}{'mode':<9}{'pipeline img/s':>15}{'compute img/s':>15}{'data wait':>10}{'step ms':>9}{'GPU GB':>8}")
for r in rows:
    print(f"{r['loss']:<16}{r['mode']:<9}{r['pipeline_images_per_s']:>15.1f}{r['compute_only_images_per_s']:>15.1f}"
          f"{100 * r['data_wait_fraction']:>9.1f}%{r['step_ms']:>9.1f}{r.get('gpu_memory_gb', 0):>8.2f}")
PY

step "data path"
"$py" bench/data_path.py --rows $((cpu ? 16 : 256)) --stored-size "$size" --image-size "$image" --repeats 1 \
  --batch-size "$batch" --skip-memory --json "$out/data_path.json"

step eval
cat > "$out/train.yaml" <<YAML
data: {dataset: data, image_size: $image, batch_size: $batch, num_workers: $workers, text_template: "an image of {}"}
model: {vision: "$vision", text: "$text", embed_dim: 256}
optim: {max_steps: $((cpu ? 3 : 40)), warmup_steps: 1}
run: {output_dir: run, precision: auto, log_every: 10}
YAML
cat > "$out/eval.yaml" <<YAML
checkpoint: run
labels: auto
min_positives: 2
class_texts: synthetic
tasks: [linear_probe, linear_head, zero_shot, retrieval, fine_tune]
fractions: [0.1, 1.0]
output_dir: eval
batch_size: $batch
num_workers: $workers
linear_head: {epochs: $((cpu ? 2 : 50))}
fine_tune: {epochs: $epochs, batch_size: $((cpu ? 8 : 64))}
YAML
"$py" -m mgll_data.cli train "$out/train.yaml" > "$out/train.log"
"$py" -m mgll_data.cli eval "$out/eval.yaml" > "$out/eval.log"
grep -A4 "### Linear head\|### Full fine-tune" "$out/eval/results.md" || true
step "done: figures in $out"
