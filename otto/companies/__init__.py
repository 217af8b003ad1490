"""Companies: the tenant root, its settings, services and CallRail credentials."""
