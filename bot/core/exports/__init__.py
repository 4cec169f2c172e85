"""Files made from the course and the class's progress: Anki and Moodle exports, readable CSVs, charts.

Every function here is pure (no Discord, no event loop, no clock of its own) and returns an
:class:`~bot.core.replies.Attachment` a :class:`~bot.core.replies.Reply` can carry.
"""
