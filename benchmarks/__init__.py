"""``make bench``: measure the bot against the performance budget in DESIGN.md §8.

Run with ``python -m benchmarks`` (``--help`` for options). Everything runs against real
SQLite files in a temporary directory; nothing here is a test, and no test asserts timings.
"""
