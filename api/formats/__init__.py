"""Converters from foreign session formats to canonical sessions (wire format v1).

Public face:

- ``FORMATS``: the format names ``load_path`` accepts besides ``"auto"``: canonical, kilo
  (Kilo Code / Roo Code / Cline task folders; ``cline`` and ``roo`` are the same converter
  with the session's source set accordingly), cline-sdk, openhands, swe-agent,
  mini-swe-agent, openai-messages;
- ``detect_format(path)``: the format of a file or task folder, from its content
  (``UnknownFormatError`` when it holds no session format known here);
- ``load_path(path, fmt="auto")``: every session under a file or folder, one
  ``ImportItem(origin, session, error)`` per unit, so one bad unit does not stop the rest.

Each converter module is a pure function from parsed documents to ``list[rules.Session]``;
only :mod:`api.formats.loader` reads files. Re-importing a file gives the same session ids
and the same content; foreign formats without timestamps get deterministic synthetic ones
(``attributes["synthetic_ts"]``); labels a benchmark can compare against (exit status,
reward, instance id, …) are kept in ``attributes["label"]``.
"""

from api.formats.loader import FORMATS, ImportItem, UnknownFormatError, detect_format, load_path

__all__ = ["FORMATS", "ImportItem", "UnknownFormatError", "detect_format", "load_path"]
