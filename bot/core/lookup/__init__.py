"""Finding things in the course: ranked excerpt search over the sources, and the glossary.

Owns the search index and term lookup; imports only the core's foundation modules.
"""
