"""Mobile: the rep app's call recordings, texts and triggers."""
