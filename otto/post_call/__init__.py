"""Post-call performance: per-call and per-rep scores, coaching, and the team summary."""
