"""The core: everything the bot knows and does, with no Discord in it.

Packages, lowest first (a package imports only the ones above it in this list):

- the foundation modules here: ``errors``, ``clock``, ``text``, ``models`` (the course's
  vocabulary: sources, passages, terms, cards), ``problems`` (located content problems),
  ``confined_files`` (reading instructor files safely) and ``command_catalog`` (every command
  and option, declared once);
- ``lookup``: excerpt search and the glossary;
- ``progress``: the database, its migrations, the progress store and FSRS scheduling;
- ``presentation``: replies, action ids, templates and rendering, citations, time words;
- ``reminders``: when a review reminder goes out (local time, time zones, DST) and what it says;
- ``content``: reading, validating and serving the instructor's ``content/`` folder;
- ``quiz``: picking cards and grading answers;
- ``class_game``: the rules of a live class game (scoring, standings, tallies, what falls due);
- ``exports``: files made from the course and progress (Anki, Moodle GIFT, CSV, PNG charts);
- ``service``: the use cases by feature, behind the one ``StudyService`` both front ends call.
"""
