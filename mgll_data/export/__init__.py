"""Everything that reads a built output folder and hands it on: the dataset card, Hub push, other formats."""
