"""The local console harness: the study service driven by typed lines instead of Discord."""
