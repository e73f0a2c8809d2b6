"""Readers of the ingestion data formats: delimited text, JSON and Parquet."""
