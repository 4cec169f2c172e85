"""The quiz's pure rules: which cards to ask, in what order, and whether an answer is right.

Imports the foundation modules and ``progress.scheduler`` (card states); knows no storage.
"""
