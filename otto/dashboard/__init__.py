"""Dashboards: KPIs over the company's calls and the live sales-floor metrics."""
