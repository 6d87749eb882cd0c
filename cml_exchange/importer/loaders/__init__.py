"""Bulk writers, one module per domain; each takes a batch of entities and an import session.

Every loader writes a whole batch with a handful of queries (look up by 1C
ids, upsert, replace children) and never queries per row.
"""
