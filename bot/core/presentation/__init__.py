"""What learners read: neutral replies, action ids, Jinja2 templates, citations and time words.

Front ends turn these replies into embeds or terminal text. Imports the foundation modules
and ``lookup`` (for its highlight markers); never content loading, storage or use cases.
"""
