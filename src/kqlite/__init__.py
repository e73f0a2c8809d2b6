"""kqlite: run Kusto Query Language (KQL) queries on a laptop, over pandas."""

__version__ = "0.1.0"
