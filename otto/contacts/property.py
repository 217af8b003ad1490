"""Property intelligence (domain §5.11): the refresh job, its answer parser and the API view.

Only the OpenAI-compatible provider can research a property; offline the job records that it
was skipped because no provider is configured, and the snapshot stays as it was.
"""

import logging
import os
import re
from datetime import datetime, timedelta

from rq import Retry

from ai.providers import OpenAIClient, ProviderError
from otto.contacts.models import ContactCard
from otto.contacts.timeline import record_event
from otto.db import db, utcnow
from otto.fields import utc_iso

log = logging.getLogger(__name__)

FRESH_FOR = timedelta(days=30)
# Transient provider failures: three retries, 60·2^n seconds apart.
PROPERTY_RETRY = Retry(max=3, interval=[60, 120, 240])
SNAPSHOT_KEYS = ("roof_type", "square_feet", "stories", "year_built", "access_notes", "solar",
                 "hoa", "subdivision", "last_sale_date", "last_sale_price", "est_value_range",
                 "potential_equity", "is_for_sale")
KEY_ALIASES = {"is_this_property_for_sale?": "is_for_sale",
               "is_this_property_for_sale": "is_for_sale"}
PROVIDER_DISABLED = "provider disabled: property intelligence needs OPENAI_API_KEY"

PROMPT = """Research the residential property at this address for a home-services sales rep:
{address}

Answer with one fenced code block of Key="value" lines using exactly these keys:
Roof type, Square feet, Stories, Year built, Access notes, Solar, HOA, Subdivision,
Last sale date, Last sale price, Est value range, Potential equity, Is this property for sale?
Write "Unknown" for anything you cannot find. After the block add a line
"Sources: <comma-separated sources>" and a line "Google earth: <url of the address>"."""

_FENCED_BLOCK = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)
_KEY_VALUE = re.compile(r'^\s*([^=]+?)\s*=\s*"(.*)"\s*$')
_SOURCES = re.compile(r"^\s*Sources:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_EARTH = re.compile(r"^\s*Google earth:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def scrape_warranted(contact: ContactCard, now: datetime | None = None) -> bool:
    """An address, and no snapshot yet or one at least 30 days old."""
    if not contact.address:
        return False
    if not contact.property_snapshot or contact.property_snapshot_updated_at is None:
        return True
    return (now or utcnow()) - contact.property_snapshot_updated_at >= FRESH_FOR


def enqueue_refresh(contact: ContactCard, *, force: bool) -> None:
    """Queue a refresh after commit; one job per contact is queued or running at a time."""
    from jobs.queues import enqueue

    enqueue("default", refresh_property_intelligence, contact.company_id, contact.id, force,
            job_id=f"property-{contact.company_id}-{contact.id}", retry=PROPERTY_RETRY)


def parse_answer(text: str) -> dict | None:
    """The snapshot in a provider answer (string values as given), or None when unparseable."""
    block = _FENCED_BLOCK.search(text or "")
    if block is None:
        return None
    snapshot = {}
    for line in block.group(1).splitlines():
        match = _KEY_VALUE.match(line)
        if match is None:
            continue
        key = re.sub(r"\s+", "_", match.group(1).strip().lower())
        key = KEY_ALIASES.get(key, key.rstrip("?"))
        if key in SNAPSHOT_KEYS:
            snapshot[key] = match.group(2)
    if not snapshot:
        return None
    sources = _SOURCES.search(text)
    earth = _EARTH.search(text)
    snapshot["_sources"] = ([part.strip() for part in sources.group(1).split(",") if part.strip()]
                            if sources else [])
    snapshot["_google_earth_url"] = earth.group(1) if earth else None
    return snapshot


def property_intelligence(contact: ContactCard) -> dict | None:
    """The API view: snapshot fields (strings), sources, Google Earth link and update time."""
    snapshot = contact.property_snapshot
    if not snapshot:
        return None
    view = {key: value for key, value in snapshot.items() if not key.startswith("_")}
    view["sources"] = snapshot.get("_sources") or []
    view["google_earth_url"] = snapshot.get("_google_earth_url")
    view["updated_at"] = utc_iso(contact.property_snapshot_updated_at)
    return view


def property_client() -> OpenAIClient | None:
    """The chat client AI_PROVIDER selects; property research has no local provider."""
    provider = (os.environ.get("AI_PROVIDER") or "").strip().lower()
    if provider == "local":
        return None
    return OpenAIClient.from_env()


def refresh_property_intelligence(company_id: str, contact_card_id: str,
                                  force: bool = False) -> dict:
    """Job: research the contact's address and store the snapshot (`force` ignores freshness)."""
    from otto.rag.usage import record_usage

    contact = ContactCard.get_for_company(contact_card_id)
    if not contact.address:
        return {"status": "skipped", "reason": "contact has no address"}
    if not force and not scrape_warranted(contact):
        return {"status": "skipped", "reason": "snapshot is less than 30 days old"}
    client = property_client()
    if client is None:
        log.info("property intelligence for contact %s skipped: %s", contact.id, PROVIDER_DISABLED)
        return {"status": "skipped", "reason": PROVIDER_DISABLED}

    try:
        result = client.chat([{"role": "user", "content": PROMPT.format(address=contact.address)}])
    except ProviderError as error:
        record_usage("property_intel", error.usage)
        db.session.commit()
        if error.status_code is None or error.status_code == 429 or error.status_code >= 500:
            raise  # transient: RQ retries with PROPERTY_RETRY
        log.warning("property intelligence for contact %s failed: %s", contact.id, error)
        return {"status": "failed", "reason": f"provider refused the request ({error.status_code})"}

    record_usage("property_intel", result.usage)
    contact.property_snapshot_raw = result.text
    snapshot = parse_answer(result.text)
    if snapshot is None:
        db.session.commit()
        log.info("property intelligence for contact %s: answer not parseable, raw text kept",
                 contact.id)
        return {"status": "unparseable"}

    now = utcnow()
    contact.property_snapshot = snapshot
    contact.property_snapshot_updated_at = now
    record_event(contact.id, "property_intelligence_updated", actor_id="otto", actor_role="ai",
                 metadata={"keys": sorted(key for key in snapshot if not key.startswith("_"))},
                 at=now)
    db.session.commit()
    log.info("property intelligence for contact %s updated", contact.id)
    return {"status": "updated", "contact_card_id": contact.id, "updated_at": utc_iso(now)}
