"""Each learner's progress: the database, its migrations, the store and FSRS scheduling.

The database is an SQLite file, or PostgreSQL when several bot processes share the work (with
the locks and notices that lets them agree on who does what).

Owns every SQL statement of the bot; imports only the core's foundation modules.
"""
