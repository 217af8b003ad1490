"""Tasks and key signals: follow-up work and alerts raised about a customer."""
