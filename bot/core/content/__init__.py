"""The instructor's ``content/`` folder: strict YAML, schema, sources, validation, live reload.

Produces immutable snapshots (course, passages, glossary, search index, templates) that the
service reads. Imports the foundation modules, ``lookup`` and ``presentation``.
"""
