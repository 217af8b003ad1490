"""Geocoding an appointment's `location`: its coordinates and geofence centre (domain §5.12)."""

import hashlib
import logging

from otto.appointments.models import Appointment
from otto.calls.geofence import GEOCODE_RETRY, geocode
from otto.db import db

log = logging.getLogger(__name__)


def enqueue_geocoding(appointment: Appointment) -> None:
    """Geocode the appointment's location after commit; one job per appointment and address."""
    from jobs.queues import enqueue

    address_key = hashlib.sha256(appointment.location.encode()).hexdigest()[:16]
    enqueue("default", geocode_appointment, appointment.company_id, appointment.id,
            appointment.location, job_id=f"appointment-geocode-{appointment.id}-{address_key}",
            retry=GEOCODE_RETRY)


def geocode_appointment(company_id: str, appointment_id: str, location: str) -> dict:
    """Job: `geo_lat/lng` from the address, and the geofence centre `location_lat/lng` with it.

    A location changed since the job was queued is left to the newer job; an address the
    geocoder does not know leaves the coordinates null.
    """
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.company_id != company_id:
        return {"status": "skipped", "reason": "appointment not found"}
    if appointment.location != location:
        return {"status": "skipped", "reason": "location changed"}

    point = geocode(location)
    if point is None:
        log.info("appointment %s: location not found by the geocoder", appointment_id)
        return {"status": "not_found", "appointment_id": appointment_id}
    appointment.geo_lat, appointment.geo_lng = point
    appointment.location_lat, appointment.location_lng = point
    db.session.commit()
    log.info("appointment %s geocoded at %.5f,%.5f", appointment_id, *point)
    return {"status": "geocoded", "appointment_id": appointment_id}
