"""The results layer: how runs become columns (Arrow arrays built straight from NumPy buffers)."""
