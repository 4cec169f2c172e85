"""Each learner's progress: the database (SQLite, or PostgreSQL for several bot processes), its
migrations, the store and FSRS scheduling, and the locks that let several processes share work.

Owns every SQL statement of the bot; imports only the core's foundation modules.
"""
