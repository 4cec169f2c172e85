"""Each learner's progress: the SQLite database, its migrations, the store and FSRS scheduling.

Owns every SQL statement of the bot; imports only the core's foundation modules.
"""
