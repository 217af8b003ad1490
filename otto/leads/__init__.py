"""Leads: sales opportunities, their status history, the lead pool and rep assignments."""
