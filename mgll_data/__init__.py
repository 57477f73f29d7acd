"""mgll-data: multi-granular medical image-text datasets."""
