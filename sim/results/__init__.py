"""The results layer: the runs table's schema (records), how runs become columns (Arrow arrays built straight
from NumPy buffers), their summary, and writing them out."""
