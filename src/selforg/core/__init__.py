"""What at least two systems share: run folders, the training loop, media, grid helpers."""
