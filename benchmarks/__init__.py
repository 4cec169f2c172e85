"""``make bench``: measure the bot against its performance budget (the targets are in the README).

Run with ``python -m benchmarks`` (``--help`` for options). Everything runs against real
SQLite files in a temporary directory; nothing here is a test, and no test asserts timings.
"""
