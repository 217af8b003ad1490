"""Identity: bearer JWT verification, roles, and the per-request identity."""
