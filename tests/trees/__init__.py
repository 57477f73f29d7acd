"""Fixture-tree builders, one module per registered adapter, in that source's exact public layout.

Each module defines `make_tree(root: Path) -> tuple[Path, dict]` (the root to hand the adapter and its options)
and `LISTED: int` (how many items the tree lists: every one must come back as a row or a reject). The adapter
contract test (tests/sources/test_contract.py) runs every registered adapter on its tree.
"""
