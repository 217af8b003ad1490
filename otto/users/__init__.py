"""Users: Clerk-mirrored people of a company, their role and profile rows."""
