"""Legacy call geofences: geocoding a booked call's address and each rep's `active_geofences`."""

import logging
import os
import time

import requests
from rq import Retry
from sqlalchemy import select

from otto.calls.models import Call
from otto.db import db
from otto.extensions import otto_state
from otto.users.models import SalesRep

log = logging.getLogger(__name__)

CALL_GEOFENCE_RADIUS_METRES = 250
GEOCODE_RETRY = Retry(max=3, interval=[10, 60, 300])
GEOCODE_TIMEOUT_SECONDS = 10
NOMINATIM_URL = "https://nominatim.openstreetmap.org/search"
GOOGLE_GEOCODE_URL = "https://maps.googleapis.com/maps/api/geocode/json"
USER_AGENT = "Otto/0.1 (self-hosted sales assistant)"
NOMINATIM_SLOT_KEY = "otto:geocoder:nominatim-slot"


class GeocoderUnavailable(Exception):
    """The geocoder could not be reached or answered with an error; the job retries."""


def geocode(address: str) -> tuple[float, float] | None:
    """(latitude, longitude) of `address`, or None when the geocoder knows no such place.

    Google Geocoding when GOOGLE_MAPS_API_KEY is set, else OpenStreetMap Nominatim
    (NOMINATIM_URL overrides its address), at most one request a second across workers.
    """
    google_key = os.environ.get("GOOGLE_MAPS_API_KEY")
    try:
        if google_key:
            answer = requests.get(GOOGLE_GEOCODE_URL,
                                  params={"address": address, "key": google_key},
                                  timeout=GEOCODE_TIMEOUT_SECONDS)
            answer.raise_for_status()
            results = answer.json().get("results") or []
            if not results:
                return None
            location = results[0]["geometry"]["location"]
            return float(location["lat"]), float(location["lng"])

        _wait_for_nominatim_slot()
        answer = requests.get(os.environ.get("NOMINATIM_URL") or NOMINATIM_URL,
                              params={"q": address, "format": "json", "limit": 1},
                              headers={"User-Agent": USER_AGENT}, timeout=GEOCODE_TIMEOUT_SECONDS)
        answer.raise_for_status()
        results = answer.json()
        if not results:
            return None
        return float(results[0]["lat"]), float(results[0]["lon"])
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        raise GeocoderUnavailable(type(error).__name__) from None


def _wait_for_nominatim_slot() -> None:
    """Nominatim's usage policy allows one request a second; the slot is shared through Redis."""
    redis = otto_state().redis
    while not redis.set(NOMINATIM_SLOT_KEY, "1", nx=True, px=1000):
        time.sleep(0.2)


def enqueue_call_geofence(call: Call) -> None:
    """Geocode the call's address after commit (one job per call at a time)."""
    from jobs.queues import enqueue

    enqueue("default", create_call_geofence, call.company_id, call.call_id,
            job_id=f"call-geofence-{call.company_id}-{call.call_id}", retry=GEOCODE_RETRY)


def needs_geofence(call: Call) -> bool:
    return bool(call.address) and call.geofence is None and not call.cancelled


def create_call_geofence(company_id: str, call_id: int) -> dict:
    """Job: give a booked call its geofence and add it to the assigned rep's active list."""
    call = Call.get_for_company(call_id)
    if not needs_geofence(call):
        log.info("call %s: geofence not needed (no address, cancelled or present)", call_id)
        return {"status": "skipped", "call_id": call_id}

    point = geocode(call.address)
    if point is None:
        log.info("call %s: address not found by the geocoder; no geofence", call_id)
        return {"status": "not_found", "call_id": call_id}

    latitude, longitude = point
    call.geofence = {"latitude": latitude, "longitude": longitude,
                     "radius": CALL_GEOFENCE_RADIUS_METRES, "call_id": call.call_id}
    if call.assigned_rep_id:
        sync_rep_geofences(call.assigned_rep_id)
    db.session.commit()
    log.info("call %s geofence set at %.5f,%.5f for company %s", call_id, latitude, longitude,
             company_id)
    return {"status": "created", "call_id": call_id}


def sync_rep_geofences(rep_id: str | None) -> list:
    """Rebuild the rep's `active_geofences` from its booked, non-cancelled calls (all of them)."""
    if rep_id is None:
        return []
    rep = db.session.execute(
        select(SalesRep).where(SalesRep.user_id == rep_id)).scalar_one_or_none()
    if rep is None:
        return []
    geofences = list(db.session.execute(
        select(Call.geofence).where(Call.assigned_rep_id == rep_id, Call.booked.is_(True),
                                    Call.cancelled.is_(False), Call.geofence.is_not(None))
        .order_by(Call.call_id)
    ).scalars())
    rep.active_geofences = [fence for fence in geofences if fence]
    return rep.active_geofences


def remove_call_geofence(call: Call) -> None:
    """Drop the call's entry from its rep's active list and clear the call's geofence."""
    if call.assigned_rep_id:
        rep = db.session.execute(
            select(SalesRep).where(SalesRep.user_id == call.assigned_rep_id)).scalar_one_or_none()
        if rep is not None and rep.active_geofences:
            # A new list: in-place changes to a JSON column are not tracked.
            rep.active_geofences = [fence for fence in rep.active_geofences
                                    if (fence or {}).get("call_id") != call.call_id]
    if call.geofence is not None:
        log.info("call %s geofence removed", call.call_id)
    call.geofence = None
