"""OTLP/HTTP trace ingestion: body decoding, the overload gate, and storing span batches.

The span → event mapping itself is the pure converter :mod:`api.formats.otlp`.
"""
