"""The rules of a live class game, with no storage and no Discord: limits, scoring, standings, tallies.

Sits above ``quiz`` (it uses the quiz's option order) and below ``service``, which stores and
publishes what these functions decide.
"""
