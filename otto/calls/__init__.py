"""Calls: every phone interaction, and the automated follow-ups scheduled from them."""
