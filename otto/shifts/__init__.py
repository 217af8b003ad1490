"""Rep shifts: one row per rep per company-local day, opened by clock-in, closed by clock-out."""
