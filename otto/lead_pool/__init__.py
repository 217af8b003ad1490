"""The lead pool: leads waiting for a rep, reps' requests for them, managers' assignments."""
