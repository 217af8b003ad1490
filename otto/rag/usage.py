"""ai_usage_events rows: what each provider call (or local inference) cost the company."""

from ai.providers import Usage
from otto.db import db
from otto.rag.models import AiUsageEvent
from otto.tenancy import current_company_id


def record_usage(feature: str, usage: Usage) -> AiUsageEvent:
    """Add a usage row for the current company to the open transaction."""
    event = AiUsageEvent(
        company_id=current_company_id(), feature=feature, provider=usage.provider,
        model=usage.model, key_fingerprint=usage.key_fingerprint, tokens_in=usage.tokens_in,
        tokens_out=usage.tokens_out, cost_usd=usage.cost_usd, latency_ms=usage.latency_ms,
        success=usage.success, rate_limited=usage.rate_limited,
    )
    db.session.add(event)
    return event
