"""Evaluation of a trained checkpoint on a built dataset (`mgll-data eval CONFIG`).

config.py     the eval YAML (pydantic), paths relative to the file
runner.py     embeds the splits once, runs the tasks, writes results.json / results.md
features.py   frozen, L2-normalised image embeddings plus the per-image fields the tasks need
metrics.py    pure numpy metrics: ROC AUC, AP, accuracy, retrieval R@k
subsets.py    nested 1% / 10% / 100% training subsets drawn at patient level
probe.py      linear probe (logistic regression per label) on frozen features
fine_tune.py  full fine-tune of the image tower under a linear head
zero_shot.py  class texts per granularity (ontology or another provider), prompt-ensembled prototypes
retrieval.py  image <-> text recall on a split's own deduplicated texts
report.py     markdown tables
synthetic.py  the synthetic shapes benchmark (vocabulary in synthetic_shapes.yaml)
"""
