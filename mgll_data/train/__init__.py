"""Training MGLL models on a built dataset (`mgll-data train CONFIG`, the same command under torchrun).

config.py      the training YAML (pydantic), paths relative to the file; stored in every checkpoint
data.py        Parquet row groups -> a per-rank batch plan -> decode, augment and tokenise in workers
towers.py      vision (timm, open_clip) and text (Hugging Face, open_clip, tiny) encoders
model.py       MGLLModel: towers + projections + logit scale; build_model, load_model_from_checkpoint
losses.py      clip, mgll (the paper) and mgll_reference (the public code's arithmetic)
checkpoint.py  safetensors weights + config + optimizer/schedule/RNG state, written atomically
trainer.py     the loop: DDP, bf16 autocast, accumulation, clipping, warm-up + cosine, logs, exact resume
"""
