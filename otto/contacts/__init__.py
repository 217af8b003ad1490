"""Contact cards: the canonical customer per company, and the customer timeline."""
