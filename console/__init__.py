"""The htmx web console for managers."""
