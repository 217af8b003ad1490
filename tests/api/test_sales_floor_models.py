"""Sales-floor data model on real Postgres: state machines, concurrent contact resolution, RLS."""

import threading
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from otto.appointments import service as appointments
from otto.appointments.models import Appointment
from otto.calls.models import Call
from otto.calls.service import call_status_allowed, set_call_status
from otto.contacts.models import ContactCard, EventLog
from otto.contacts.service import ensure_contact, ensure_contact_and_lead
from otto.db import db
from otto.errors import ApiError
from otto.leads import service as leads
from otto.leads.models import Lead, LeadStatusHistory, RepAssignmentHistory
from otto.mobile.models import MobileRecording
from otto.mobile.service import set_recording_status
from otto.recordings import service as recordings
from otto.recordings.models import RecordingSession
from otto.shifts import service as shifts
from otto.shifts.clock import company_today, local_to_utc
from otto.shifts.models import RepShift
from otto.tasks import service as tasks
from otto.tasks.models import KeySignal, Task
from otto.tenancy import tenant_scope
from otto.users.models import SalesRep

NOW = datetime(2026, 6, 15, 16, 0, tzinfo=timezone.utc)  # 12:00 in New York
LEAD_STATUSES = ("new", "warm", "hot", "qualified_booked", "qualified_unbooked",
                 "qualified_service_not_offered", "nurturing", "dormant", "abandoned", "closed_won",
                 "closed_lost")
ACTIVE = {"new", "warm", "hot", "nurturing", "qualified_booked", "qualified_unbooked"}


@contextmanager
def scope(app, company):
    """App context + tenant of `company`; commits what the block wrote."""
    with app.app_context(), tenant_scope(company.id):
        yield
        db.session.commit()


@contextmanager
def expect_error(status: int, error_code: str):
    """Like pytest.raises, for an ApiError with this status and error code."""
    with pytest.raises(ApiError) as raised:
        yield raised
    error = raised.value
    assert (error.status, error.error_code) == (status, error_code), error.detail


def new_lead(company, phone="+14155552671", **fields) -> Lead:
    contact, lead = ensure_contact_and_lead(company.id, phone)
    for name, value in fields.items():
        setattr(lead, name, value)
    db.session.flush()
    return lead


def rep_profile(user) -> SalesRep:
    return db.session.get(SalesRep, user.id)


def history(lead) -> list[tuple]:
    rows = db.session.execute(
        select(LeadStatusHistory).where(LeadStatusHistory.lead_id == lead.id)
        .order_by(LeadStatusHistory.created_at)).scalars()
    return [(row.from_status, row.to_status) for row in rows]


def events(contact_card_id) -> list[str]:
    rows = db.session.execute(
        select(EventLog.event_type).where(EventLog.contact_card_id == contact_card_id)
        .order_by(EventLog.timestamp)).scalars()
    return list(rows)


# --- calls (§4.1) ---------------------------------------------------------------------------------

CALL_MOVES = {
    "incoming": {"ringing", "in_progress", "answered", "completed", "missed"},
    "ringing": {"in_progress", "answered", "completed", "missed"},
    "in_progress": {"in_progress", "answered", "completed"},
    "answered": {"in_progress", "answered", "completed"},
    "missed": {"ai_recovery_sent"},
    "completed": set(),
    "ai_recovery_sent": set(),
}
CALL_STATUSES = tuple(CALL_MOVES)


@pytest.mark.parametrize("current", (None,) + CALL_STATUSES)
def test_call_status_table(current):
    for new in CALL_STATUSES:
        expected = current is None or new in CALL_MOVES[current]
        assert call_status_allowed(current, new) is expected, (current, new)


def test_call_status_moves_refusals_and_provider_backwards_moves(app, company):
    with scope(app, company):
        call = Call(company_id=company.id, provider="twilio", phone_number="+14155552671")
        db.session.add(call)
        db.session.flush()
        assert isinstance(call.call_id, int) and call.analysis_status == "not_started"

        assert set_call_status(call, "incoming") is True
        assert set_call_status(call, "ringing") is True
        assert set_call_status(call, "missed") is True
        with expect_error(409, "RESOURCE_CONFLICT"):
            set_call_status(call, "answered")
        assert set_call_status(call, "answered", from_provider=True) is False
        assert call.status == "missed"
        assert set_call_status(call, "ai_recovery_sent") is True
        assert set_call_status(call, "ai_recovery_sent") is False  # repeat = no-op
        with expect_error(409, "RESOURCE_CONFLICT"):
            set_call_status(call, "completed")


def test_call_lookup_is_tenant_scoped_and_rejects_non_integer_ids(app, make_company):
    a, b = make_company(), make_company()
    with scope(app, a):
        call = Call(company_id=a.id, phone_number="+14155552671")
        db.session.add(call)
    with scope(app, a):
        assert Call.get_for_company(call.call_id).call_id == call.call_id
        assert Call.get_for_company(str(call.call_id)).call_id == call.call_id
        for bad in ("abc", None, "1; drop table calls", 0, -1, 2**31, 10**12):
            with expect_error(404, "CALL_NOT_FOUND"):
                Call.get_for_company(bad)
    with scope(app, b), expect_error(404, "CALL_NOT_FOUND"):
        Call.get_for_company(call.call_id)


# --- contacts: phones and concurrent ensure (§5.2, §5.3) ------------------------------------------

def test_contact_phone_is_stored_e164_and_variants_are_one_contact(app, company):
    with scope(app, company):
        first = ensure_contact(company.id, "(415) 555-2671", "Jane van Dyke")
        assert first.primary_phone == "+14155552671"
        assert (first.first_name, first.last_name) == ("Jane", "van Dyke")
        assert first.full_name == "Jane van Dyke"
        variants = ("+1 415 555 2671", "1-415-555-2671", "tel:+1-415-555-2671",
                    "４１５.５５５.２６７１")
        for variant in variants:
            assert ensure_contact(company.id, variant).id == first.id

        odd = ensure_contact(company.id, "12345")
        assert odd.primary_phone == "12345"  # no E.164 form: the trimmed input is the key
        assert ensure_contact(company.id, "anonymous") is None
        assert ensure_contact_and_lead(company.id, "") == (None, None)


def test_secondary_phone_finds_the_contact(app, company):
    with scope(app, company):
        contact = ensure_contact(company.id, "+14155552671")
        contact.secondary_phone = "+14155550000"
    with scope(app, company):
        assert ensure_contact(company.id, "(415) 555-0000").id == contact.id


def test_concurrent_ensure_from_eight_threads_makes_one_contact_and_one_lead(app, company):
    variants = ["(512) 555-0199", "+1 512 555 0199", "512.555.0199", "1-512-555-0199",
                "+15125550199", "tel:+1-512-555-0199", "512 555 0199", "(512)555-0199"]
    barrier = threading.Barrier(len(variants))
    results, errors = [], []

    def worker(phone):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                contact, lead = ensure_contact_and_lead(company.id, phone, "Concurrent Caller")
                db.session.commit()
                results.append((contact.id, lead.id))
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(phone,)) for phone in variants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert len(results) == len(variants)
    assert len({contact_id for contact_id, _ in results}) == 1
    assert len({lead_id for _, lead_id in results}) == 1
    with scope(app, company):
        assert db.session.execute(select(func.count()).select_from(ContactCard)
                                  .where(ContactCard.primary_phone == "+15125550199")).scalar() == 1
        assert db.session.execute(select(func.count()).select_from(Lead)).scalar() == 1


def test_ensure_reuses_an_active_lead_and_opens_a_new_one_after_close(app, company, manager):
    with scope(app, company):
        contact, lead = ensure_contact_and_lead(company.id, "+14155552671")
        assert (lead.status, lead.source, lead.pool_status, lead.deal_status) == \
            ("new", "inbound_call", "in_pool", "new")
        assert history(lead) == [(None, "new")]
        assert ensure_contact_and_lead(company.id, "4155552671")[1].id == lead.id

        leads.transition_lead(lead, "closed_lost", manager.id, role="manager")
        _, second = ensure_contact_and_lead(company.id, "4155552671")
        assert second.id != lead.id and second.status == "new"


# --- lead status (§4.2) ---------------------------------------------------------------------------

def expected_lead_move(current: str, new: str) -> bool:
    if current == new:
        return False
    if current in ACTIVE or current == "qualified_service_not_offered":
        return True
    if current == "dormant":
        return new in ACTIVE | {"abandoned", "closed_lost"}
    if current == "abandoned":
        return new in {"new", "nurturing", "closed_lost"}
    return new == "nurturing"  # closed_won / closed_lost: reopen only


@pytest.mark.parametrize("current", LEAD_STATUSES)
def test_lead_status_table(current):
    for new in LEAD_STATUSES:
        expected = expected_lead_move(current, new)
        assert leads.lead_status_allowed(current, new) is expected, (current, new)


def test_lead_moves_write_history_and_refusals_are_conflicts(app, company, csr):
    with scope(app, company):
        lead = new_lead(company)
        assert leads.transition_lead(lead, "warm", csr.id, role="csr", reason="interested") is True
        # The same status again is a no-op: no history row.
        assert leads.transition_lead(lead, "warm", csr.id, role="csr") is False
        assert leads.transition_lead(lead, "dormant", "otto") is True
        with expect_error(409, "RESOURCE_CONFLICT"):
            leads.transition_lead(lead, "qualified_service_not_offered", csr.id, role="csr")
        assert not leads.transition_lead(lead, "qualified_service_not_offered", "otto",
                                         automatic=True)
        assert leads.transition_lead(lead, "abandoned", "otto") is True
        with expect_error(409, "RESOURCE_CONFLICT"):
            leads.transition_lead(lead, "hot", csr.id, role="csr")
        assert leads.transition_lead(lead, "nurturing", csr.id, role="csr") is True
        with expect_error(422, "VALIDATION_ERROR"):
            leads.transition_lead(lead, "sold", csr.id, role="csr")

        assert history(lead) == [(None, "new"), ("new", "warm"), ("warm", "dormant"),
                                 ("dormant", "abandoned"), ("abandoned", "nurturing")]
        row = db.session.execute(select(LeadStatusHistory).where(
            LeadStatusHistory.lead_id == lead.id, LeadStatusHistory.to_status == "warm")
        ).scalar_one()
        assert (row.triggered_by, row.reason) == (csr.id, "interested")
        assert lead.deal_status == "nurturing"  # nurturing without an open appointment


def test_closing_a_lead_ends_its_pool_work_and_only_a_manager_reopens_it(app, company, csr, manager,
                                                                          make_user):
    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    with scope(app, company):
        lead = new_lead(company)
        leads.request_lead(lead, other_rep.id)
        task = tasks.create_task(description="Call back", source="otto", action_type="call_back",
                                 contact_card_id=lead.contact_card_id, lead_id=lead.id)
        signal = tasks.create_signal(contact_card_id=lead.contact_card_id, lead_id=lead.id,
                                     signal_type="risk", title="Price concern")

        assert leads.transition_lead(lead, "closed_won", csr.id, role="csr", now=NOW) is True
        assert (lead.closed_at, lead.deal_status, lead.pool_status) == (NOW, "won", "closed")
        db.session.refresh(task)
        db.session.refresh(signal)
        assert task.status == "cancelled"
        assert (signal.acknowledged, signal.acknowledged_by) == (True, "otto")
        request = db.session.execute(select(RepAssignmentHistory).where(
            RepAssignmentHistory.lead_id == lead.id)).scalar_one()
        assert request.status == "declined"
        assert "deal_won" in events(lead.contact_card_id)

        with expect_error(403, "INSUFFICIENT_PERMISSIONS"):
            leads.transition_lead(lead, "nurturing", csr.id, role="csr")
        with expect_error(409, "RESOURCE_CONFLICT"):
            leads.transition_lead(lead, "new", manager.id, role="manager")
        assert leads.transition_lead(lead, "nurturing", "otto", automatic=True) is False

        assert leads.transition_lead(lead, "nurturing", manager.id, role="manager") is True
        assert lead.closed_at is None
        assert (lead.deal_status, lead.pool_status) == ("nurturing", "in_pool")
        assert history(lead)[-2:] == [("new", "closed_won"), ("closed_won", "nurturing")]


# --- lead pool (§4.6) and rep requests (§4.7) -----------------------------------------------------

def test_pool_request_assign_reassign_unassign(app, company, manager, rep, make_user):
    rep2 = make_user(company, "sales_rep", manager_id=manager.id)
    with scope(app, company):
        lead = new_lead(company)
        appointment = appointments.book_appointment(
            lead, scheduled_start=NOW + timedelta(days=1), actor=manager.id, role="manager",
            company=company)
        leads.request_lead(lead, rep.id, now=NOW)
        leads.request_lead(lead, rep2.id, now=NOW)
        with expect_error(409, "DUPLICATE_RESOURCE"):
            leads.request_lead(lead, rep.id)
        assert lead.requested_by_rep_ids == [rep.id, rep2.id]
        assert lead.pool_status == "in_pool"  # a request never assigns

        assert leads.assign_lead(lead, rep.id, assigned_by=manager.id, now=NOW) is True
        assert (lead.pool_status, lead.assigned_rep_id, lead.assigned_by, lead.assigned_at) == \
            ("assigned", rep.id, manager.id, NOW)
        assert appointment.assigned_rep_id == rep.id
        statuses = {(row.rep_id, row.assignment_type): row.status for row in db.session.execute(
            select(RepAssignmentHistory).where(RepAssignmentHistory.lead_id == lead.id)).scalars()}
        assert statuses == {(rep.id, "requested"): "assigned", (rep2.id, "requested"): "declined",
                            (rep.id, "assigned"): "assigned"}
        assert leads.assign_lead(lead, rep.id, assigned_by=manager.id) is False
        with expect_error(409, "RESOURCE_CONFLICT"):
            leads.request_lead(lead, rep2.id)  # not in the pool any more

        assert leads.assign_lead(lead, rep2.id, assigned_by=manager.id) is True
        rows = db.session.execute(select(RepAssignmentHistory).where(
            RepAssignmentHistory.lead_id == lead.id,
            RepAssignmentHistory.assignment_type == "assigned")).scalars()
        assert {row.rep_id: row.status for row in rows} == {rep.id: "revoked", rep2.id: "assigned"}
        assert appointment.assigned_rep_id == rep2.id

        assert leads.assign_lead(lead, None, assigned_by=manager.id) is True
        assert (lead.pool_status, lead.assigned_rep_id) == ("in_pool", None)
        assert appointment.assigned_rep_id is None
        with expect_error(404, "NOT_FOUND"):
            leads.assign_lead(lead, manager.id, assigned_by=manager.id)  # not a sales rep
        assert events(lead.contact_card_id).count("rep_assigned") >= 2


def test_pool_archive_restore_and_close(app, company, manager, rep):
    with scope(app, company):
        lead = new_lead(company)
        leads.assign_lead(lead, rep.id, assigned_by=manager.id)
        assert leads.set_pool_status(lead, "archived") is True
        with expect_error(409, "RESOURCE_CONFLICT"):
            leads.assign_lead(lead, rep.id, assigned_by=manager.id)
        with expect_error(409, "RESOURCE_CONFLICT"):
            leads.request_lead(lead, rep.id)
        assert leads.set_pool_status(lead, "in_pool") is True
        assert lead.pool_status == "assigned"  # restored to where it was
        with expect_error(409, "RESOURCE_CONFLICT"):
            leads.set_pool_status(lead, "in_pool")  # unassigning goes through assign
        with expect_error(422, "VALIDATION_ERROR"):
            leads.set_pool_status(lead, "closed")

        leads.transition_lead(lead, "closed_lost", manager.id, role="manager")
        assert lead.pool_status == "closed"
        with expect_error(409, "RESOURCE_CONFLICT"):
            leads.assign_lead(lead, rep.id, assigned_by=manager.id)
        leads.set_pool_status(lead, "archived")
        leads.set_pool_status(lead, "in_pool")
        assert lead.pool_status == "closed"
        leads.transition_lead(lead, "nurturing", manager.id, role="manager")
        assert lead.pool_status == "assigned"


def test_assignment_rows_only_move_forward(app, company, rep):
    with scope(app, company):
        lead = new_lead(company)
        row = leads.request_lead(lead, rep.id)
        assert leads.set_assignment_status(row, "declined") is True
        with expect_error(409, "RESOURCE_CONFLICT"):
            leads.set_assignment_status(row, "assigned")
        assert leads.ASSIGNMENT_STATUS_MOVES["assigned"] == {"revoked"}


def test_requested_by_rep_ids_is_replaced_not_mutated(app, company, rep):
    with scope(app, company):
        lead = new_lead(company)
        before = lead.requested_by_rep_ids
        leads.request_lead(lead, rep.id)
        assert before == [] and lead.requested_by_rep_ids == [rep.id]
    with scope(app, company):
        assert Lead.get_for_company(lead.id).requested_by_rep_ids == [rep.id]


# --- appointments (§4.3) and deal status (§5.9) ---------------------------------------------------

def booked(company, actor, **fields):
    lead = new_lead(company)
    appointment = appointments.book_appointment(
        lead, scheduled_start=NOW, actor=actor.id, role=actor.role, company=company, **fields)
    return lead, appointment


APPOINTMENT_STATUS_MOVES = {
    "scheduled": {"confirmed", "completed", "cancelled", "no_show"},
    "confirmed": {"scheduled", "completed", "cancelled", "no_show"},
    "completed": set(), "cancelled": set(), "no_show": set(),
}


@pytest.mark.parametrize("current", tuple(APPOINTMENT_STATUS_MOVES))
def test_appointment_status_table(current):
    for new in APPOINTMENT_STATUS_MOVES:
        expected = new in APPOINTMENT_STATUS_MOVES[current]
        assert appointments.appointment_status_allowed(current, new, role="csr") is expected
        manager_reopen = current in ("completed", "cancelled", "no_show") and new == "scheduled"
        assert appointments.appointment_status_allowed(current, new, role="manager") is \
            (expected or manager_reopen)


OUTCOME_MOVES = {
    "pending": {"won", "lost", "no_show", "rescheduled"},
    "rescheduled": {"pending", "won", "lost", "no_show"},
    "won": set(), "lost": set(), "no_show": set(),
}


@pytest.mark.parametrize("current", tuple(OUTCOME_MOVES))
def test_appointment_outcome_table(current):
    for new in OUTCOME_MOVES:
        expected = new in OUTCOME_MOVES[current]
        assert appointments.appointment_outcome_allowed(current, new, role="sales_rep") is expected
        correction = current in ("won", "lost", "no_show") and new != current
        assert appointments.appointment_outcome_allowed(current, new, role="manager") is \
            (expected or correction)


def test_booking_qualifies_the_lead_and_books_the_deal(app, company, csr):
    with scope(app, company):
        lead, appointment = booked(company, csr)
        assert (lead.status, lead.deal_status) == ("qualified_booked", "booked")
        assert (appointment.status, appointment.outcome) == ("scheduled", "pending")
        assert appointment.contact_card_id == lead.contact_card_id
        radii = (appointment.geofence_radius_start, appointment.geofence_radius_stop)
        assert radii == (200.0, 500.0)
        assert "appointment_created" in events(lead.contact_card_id)
        with expect_error(422, "VALIDATION_ERROR"):
            appointments.book_appointment(lead, scheduled_start=NOW, actor=csr.id,
                                          status="completed")
        with expect_error(422, "VALIDATION_ERROR"):
            appointments.book_appointment(lead, scheduled_start=NOW, actor=csr.id,
                                          scheduled_end=NOW - timedelta(hours=1))


def test_appointment_status_moves(app, company, csr, manager):
    with scope(app, company):
        lead, appointment = booked(company, csr)
        as_csr = {"actor": csr.id, "role": "csr"}
        assert appointments.change_status(appointment, "confirmed", **as_csr) is True
        assert appointments.change_status(appointment, "scheduled", **as_csr) is True
        assert appointments.change_status(appointment, "no_show", actor=csr.id, role="csr") is True
        assert lead.deal_status == "no-show"
        with expect_error(409, "RESOURCE_CONFLICT"):
            appointments.change_status(appointment, "scheduled", actor=csr.id, role="csr")
        assert appointments.change_status(appointment, "scheduled", actor=manager.id,
                                          role="manager")
        appointments.change_status(appointment, "cancelled", actor=csr.id, role="csr")
        timeline = set(events(lead.contact_card_id))
        assert {"appointment_confirmed", "appointment_cancelled"} <= timeline
        with expect_error(409, "RESOURCE_CONFLICT"):
            appointments.set_outcome(appointment, "won", actor=csr.id, role="csr",
                                     deal_size=Decimal("10"))


def test_won_needs_a_deal_size_and_closes_the_lead_won(app, company, csr):
    with scope(app, company):
        lead, appointment = booked(company, csr)
        with expect_error(422, "VALIDATION_ERROR"):
            appointments.set_outcome(appointment, "won", actor=csr.id, role="csr")
        assert appointment.outcome == "pending" and lead.status == "qualified_booked"

        assert appointments.set_outcome(appointment, "won", actor=csr.id, role="csr",
                                        deal_size=Decimal("12500.50")) is True
        assert (appointment.status, appointment.deal_size) == ("completed", Decimal("12500.50"))
        assert (lead.status, lead.deal_status) == ("closed_won", "won")
        assert lead.deal_size == Decimal("12500.50")
        assert lead.closed_at is not None and lead.pool_status == "closed"
        with expect_error(409, "RESOURCE_CONFLICT"):
            appointments.set_outcome(appointment, "lost", actor=csr.id, role="csr")
    with scope(app, company):
        stored = Appointment.get_for_company(appointment.id)
        assert stored.deal_size == Decimal("12500.50")


def test_stored_deal_size_satisfies_won_and_lost_closes_the_lead_lost(app, company, csr):
    with scope(app, company):
        lead, appointment = booked(company, csr, deal_size=Decimal("900"))
        appointments.set_outcome(appointment, "won", actor=csr.id, role="csr")
        assert lead.status == "closed_won" and lead.deal_size == Decimal("900")

        lead2, appointment2 = booked(company, csr)
        lead2_id = lead2.id
        appointments.set_outcome(appointment2, "lost", actor=csr.id, role="csr")
        assert appointment2.status == "completed"
        assert (lead2.status, lead2.deal_status) == ("closed_lost", "lost")
        assert lead2.id == lead2_id


def test_manager_corrects_an_outcome_and_the_lead_follows(app, company, csr, manager):
    with scope(app, company):
        lead, appointment = booked(company, csr)
        appointments.set_outcome(appointment, "lost", actor=csr.id, role="csr")
        appointments.set_outcome(appointment, "won", actor=manager.id, role="manager",
                                 deal_size=Decimal("5000"))
        assert (lead.status, lead.deal_status, lead.deal_size) == ("closed_won", "won", 5000)
        assert history(lead)[-3:] == [("qualified_booked", "closed_lost"),
                                      ("closed_lost", "nurturing"), ("nurturing", "closed_won")]

        appointments.set_outcome(appointment, "no_show", actor=manager.id, role="manager")
        assert appointment.status == "no_show"
        assert (lead.status, lead.deal_status) == ("nurturing", "no-show")


def test_rescheduled_and_no_show_outcomes(app, company, csr):
    with scope(app, company):
        lead, appointment = booked(company, csr)
        later = NOW + timedelta(days=3)
        appointments.set_outcome(appointment, "rescheduled", actor=csr.id, role="csr",
                                 scheduled_start=later)
        assert (appointment.status, appointment.scheduled_start, lead.deal_status) == \
            ("scheduled", later, "rescheduled")
        assert "appointment_rescheduled" in events(lead.contact_card_id)
        assert appointments.set_outcome(appointment, "pending", actor=csr.id, role="csr") is True
        appointments.set_outcome(appointment, "no_show", actor=csr.id, role="csr")
        assert (appointment.status, lead.deal_status) == ("no_show", "no-show")
        with expect_error(409, "RESOURCE_CONFLICT"):
            appointments.set_outcome(appointment, "pending", actor=csr.id, role="csr")


# --- shifts (§4.5, §5.19) -------------------------------------------------------------------------

def test_company_today_and_dst_safe_local_times():
    class LosAngeles:
        timezone = "America/Los_Angeles"

    ten_pm_in_los_angeles = datetime(2026, 3, 10, 5, 0, tzinfo=timezone.utc)
    assert company_today(LosAngeles, ten_pm_in_los_angeles) == date(2026, 3, 9)
    new_york = ZoneInfo("America/New_York")
    # 02:30 does not exist on 2026-03-08 in New York: it moves forward to 03:30 EDT.
    assert local_to_utc(date(2026, 3, 8), time(2, 30), new_york) == datetime(2026, 3, 8, 7, 30,
                                                                             tzinfo=timezone.utc)
    # 01:30 happens twice on 2026-11-01: the first (EDT) is meant.
    assert local_to_utc(date(2026, 11, 1), time(1, 30), new_york) == datetime(2026, 11, 1, 5, 30,
                                                                              tzinfo=timezone.utc)


def test_shift_window_custom_then_company_default_then_fallback(app, make_company, make_user):
    company = make_company(default_shift_start=time(8, 0), default_shift_end=time(18, 0))
    bare = make_company(default_shift_start=None, default_shift_end=None)
    custom = make_user(company, "sales_rep")
    default = make_user(company, "sales_rep")
    other = make_user(bare, "sales_rep")
    with scope(app, company):
        profile = rep_profile(custom)
        profile.shift_config_source = "custom"
        profile.default_shift_start, profile.default_shift_end = time(9, 30), time(17, 0)
        assert shifts.shift_window(company, profile) == (time(9, 30), time(17, 0))
        assert shifts.shift_window(company, rep_profile(default)) == (time(8, 0), time(18, 0))
    with scope(app, bare):
        assert shifts.shift_window(bare, rep_profile(other)) == (time(7, 0), time(20, 0))


def test_clock_in_out_reopen_and_refusals(app, make_company, make_user):
    company = make_company(timezone="America/Los_Angeles")
    user = make_user(company, "sales_rep")
    late_evening = datetime(2026, 3, 10, 5, 0, tzinfo=timezone.utc)  # 22:00 on the 9th in LA
    with scope(app, company):
        rep = rep_profile(user)
        with expect_error(404, "NOT_FOUND"):
            shifts.clock_out(company, rep, now=late_evening)
        shift = shifts.clock_in(company, rep, now=late_evening, notes="van 2")
        assert (shift.shift_date, shift.status) == (date(2026, 3, 9), "active")
        assert shift.clock_in_at == late_evening
        assert (shift.scheduled_start, shift.scheduled_end) == (time(7, 0), time(20, 0))
        with expect_error(409, "RESOURCE_CONFLICT"):
            shifts.clock_in(company, rep, now=late_evening)

        out_at = late_evening + timedelta(hours=1)
        shift, stopped = shifts.clock_out(company, rep, now=out_at)
        assert (shift.status, shift.clock_out_at, stopped) == ("completed", out_at, None)
        with expect_error(409, "RESOURCE_CONFLICT"):
            shifts.clock_out(company, rep, now=out_at)

        reopened = shifts.clock_in(company, rep, now=out_at + timedelta(minutes=5))
        assert (reopened.id, reopened.status, reopened.clock_in_at, reopened.clock_out_at) == \
            (shift.id, "active", late_evening, None)
        eight_pm_in_los_angeles = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)
        assert shifts.effective_end_time(reopened, company) == eight_pm_in_los_angeles


def test_planner_and_nightly_closer(app, make_company, make_user):
    company = make_company()
    planned_user, active_user = make_user(company, "sales_rep"), make_user(company, "sales_rep")
    day = date(2026, 6, 15)
    with scope(app, company):
        assert shifts.plan_shifts(company, day) == 2
        assert shifts.plan_shifts(company, day) == 0  # idempotent
        clock_in_at = datetime(2026, 6, 15, 13, 0, tzinfo=timezone.utc)
        shifts.clock_in(company, rep_profile(active_user), now=clock_in_at)

        next_morning = datetime(2026, 6, 16, 7, 0, tzinfo=timezone.utc)
        assert shifts.close_day(company, day, now=next_morning) == 2
        rows = {row.rep_id: row for row in db.session.execute(select(RepShift)).scalars()}
        assert rows[planned_user.id].status == "skipped"
        assert rows[active_user.id].status == "completed"
        # 20:00 New York (EDT) = 00:00 UTC next day.
        assert rows[active_user.id].clock_out_at == datetime(2026, 6, 16, 0, 0, tzinfo=timezone.utc)
        shift = shifts.clock_in(company, rep_profile(planned_user), now=clock_in_at)
        assert shift.status == "active"  # a skipped day can still be clocked into


# --- recording sessions (§4.4, §5.12, §5.13) ------------------------------------------------------

@pytest.fixture
def visit(app, make_company, make_user):
    """A company, a clocked-in rep and an appointment assigned to the rep at NOW."""
    company = make_company(ghost_mode_storage="ephemeral", ghost_mode_ephemeral_ttl_minutes=30)
    manager = make_user(company, "manager")
    user = make_user(company, "sales_rep", manager_id=manager.id)
    with scope(app, company):
        lead, appointment = booked(company, manager, assigned_rep_id=user.id)
        shifts.clock_in(company, rep_profile(user), now=NOW - timedelta(hours=2))
    return {"company": company, "rep": user, "appointment_id": appointment.id, "lead_id": lead.id,
            "manager": manager}


def start(visit, **kwargs):
    kwargs.setdefault("now", NOW)
    return recordings.start_session(visit["company"], rep_profile(visit["rep"]),
                                    visit["appointment_id"], lat=40.0, lng=-75.0, **kwargs)


def test_recording_start_stop_and_processing(app, visit):
    with scope(app, visit["company"]):
        session = start(visit)
        assert (session.status, session.mode) == ("recording", "normal")
        assert session.audio_storage_mode == "persistent"
        assert session.shift_id is not None
        assert (session.geofence_radius_start, session.geofence_radius_stop) == (200.0, 500.0)
        assert Lead.get_for_company(visit["lead_id"]).deal_status == "in-progress"
        with expect_error(409, "RESOURCE_CONFLICT"):
            start(visit)

        assert recordings.record_audio_upload(session, audio_url="k/a.m4a", duration_seconds=61.5,
                                              size_bytes=1000) is False  # still recording
        stopped_at = NOW + timedelta(hours=1)
        assert recordings.stop_session(session, lat=40.1, lng=-75.1, now=stopped_at) is True
        assert (session.status, session.transcription_status) == ("completed", "in_progress")
        with expect_error(409, "RESOURCE_CONFLICT"):
            recordings.stop_session(session)
        assert recordings.record_audio_upload(session, audio_url="k/a.m4a", duration_seconds=61.5,
                                              size_bytes=1000) is False  # enqueued once

        assert recordings.set_processing_status(session, "transcription_status", "completed")
        assert recordings.set_processing_status(session, "analysis_status", "in_progress")
        with expect_error(409, "RESOURCE_CONFLICT"):
            recordings.set_processing_status(session, "analysis_status", "not_started")
        assert recordings.fail_session(session, "analysis provider down") is True
        with expect_error(409, "RESOURCE_CONFLICT"):
            recordings.stop_session(session)
        contact_events = events(Lead.get_for_company(visit["lead_id"]).contact_card_id)
        assert {"recording_started", "recording_ended"} <= set(contact_events)

        again = start(visit, now=NOW + timedelta(hours=2))  # the stopped one no longer blocks
        assert again.status == "recording"


def test_upload_after_stop_starts_processing(app, visit):
    with scope(app, visit["company"]):
        session = start(visit)
        assert recordings.stop_session(session, now=NOW) is False  # no audio yet
        assert recordings.record_audio_upload(session, audio_url="k/a.m4a", duration_seconds=1.0,
                                              size_bytes=10) is True
        assert session.transcription_status == "in_progress"


def test_recording_start_guards(app, visit):
    company = visit["company"]
    with scope(app, company):
        rep = rep_profile(visit["rep"])
        rep.allow_recording = False
        with expect_error(403, "OPERATION_NOT_ALLOWED"):
            start(visit)
        rep.allow_recording, rep.allow_location_tracking = True, False
        with expect_error(403, "OPERATION_NOT_ALLOWED"):
            start(visit)
        rep.allow_location_tracking = True
        with expect_error(403, "OPERATION_NOT_ALLOWED"):
            start(visit, mode="off")
        company.allow_ghost_mode = False
        with expect_error(403, "OPERATION_NOT_ALLOWED"):
            start(visit, mode="ghost")
        company.allow_ghost_mode = True
        with expect_error(400, "INVALID_REQUEST"):
            start(visit, now=NOW + timedelta(days=1))  # no shift that day
        with expect_error(400, "INVALID_REQUEST"):
            start(visit, now=NOW - timedelta(minutes=31))  # too early
        assert start(visit, now=NOW - timedelta(minutes=30)).status == "recording"

    with scope(app, company), expect_error(404, "NOT_FOUND"):
        recordings.start_session(company, rep_profile(visit["rep"]), "not-a-uuid", lat=0, lng=0,
                                 now=NOW)
    with scope(app, company):
        Appointment.get_for_company(visit["appointment_id"]).assigned_rep_id = None
        with expect_error(404, "NOT_FOUND"):
            start(visit)  # an appointment of another rep is not found for this one


def test_ghost_sessions_store_no_or_ephemeral_audio(app, visit):
    company = visit["company"]
    with scope(app, company):
        session = start(visit, mode="ghost")
        assert session.audio_storage_mode == "ephemeral"
        assert session.expires_at == NOW + timedelta(minutes=30)
        recordings.stop_session(session, now=NOW)
        recordings.record_audio_upload(session, audio_url="k/g.m4a", duration_seconds=5,
                                       size_bytes=5)
        assert recordings.visible_audio_url(session, now=NOW) == "k/g.m4a"
        assert recordings.visible_audio_url(session, now=NOW + timedelta(hours=1)) is None

        company.ghost_mode_storage = "not_stored"
        hidden = start(visit, mode="ghost", now=NOW + timedelta(minutes=1))
        assert (hidden.audio_storage_mode, hidden.expires_at) == ("not_stored", None)
        with expect_error(409, "OPERATION_NOT_ALLOWED"):
            recordings.record_audio_upload(hidden, audio_url="k/x.m4a", duration_seconds=1,
                                           size_bytes=1)
        assert recordings.visible_audio_url(hidden) is None


def test_one_active_session_per_appointment_and_per_rep_in_the_database(app, visit):
    company = visit["company"]
    base = dict(company_id=company.id, rep_id=visit["rep"].id,
                appointment_id=visit["appointment_id"], started_at=NOW)
    with scope(app, company):
        db.session.add(RecordingSession(status="pending", **base))
    with app.app_context(), tenant_scope(company.id):
        db.session.add(RecordingSession(status="recording", **base))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()

    with scope(app, company):
        # A stale `pending` row counts as active but never blocks for good: it can be stopped.
        with expect_error(409, "RESOURCE_CONFLICT"):
            start(visit)
        stale = recordings.active_session(rep_id=visit["rep"].id)
        assert stale.status == "pending"
        recordings.stop_session(stale, now=NOW)
        assert start(visit).status == "recording"


def test_clock_out_stops_the_open_session(app, visit):
    company = visit["company"]
    with scope(app, company):
        session = start(visit)
        shift, (stopped, processing) = shifts.clock_out(company, rep_profile(visit["rep"]),
                                                        now=NOW + timedelta(hours=1))
        assert (stopped.id, stopped.status, processing) == (session.id, "completed", False)
        assert shift.status == "completed"


def test_geofence_distances_in_feet():
    one_degree_of_latitude_ft = 111_195 / 0.3048
    distance = recordings.distance_feet(40.0, -75.0, 41.0, -75.0)
    assert distance == pytest.approx(one_degree_of_latitude_ft, rel=1e-3)
    assert recordings.distance_feet(40.0, -75.0, 40.0, -75.0) == 0
    # 0.0005° of latitude ≈ 182 ft: inside the 200 ft start radius, outside a 150 ft one.
    assert recordings.within_radius(40.0005, -75.0, 40.0, -75.0, 200)
    assert not recordings.within_radius(40.0005, -75.0, 40.0, -75.0, 150)


# --- tasks and key signals (§4.8, §5.14) ----------------------------------------------------------

def test_task_dedupe_and_moves(app, company):
    with scope(app, company):
        contact = ensure_contact(company.id, "+14155552671")
        made = dict(description="Send the quote", source="otto", contact_card_id=contact.id,
                    action_type="send_quote", due_at=NOW - timedelta(hours=1))
        task = tasks.create_task(**made)
        assert (task.status, task.assigned_to) == ("open", "csr")
        assert task.unique_key == tasks.task_unique_key("otto", "Send the quote", contact.id)
        assert tasks.create_task(**made) is None
        assert tasks.reported_status(task, now=NOW) == "overdue"
        assert tasks.mark_overdue_tasks(now=NOW) == 1
        db.session.refresh(task)
        assert task.status == "overdue"
        assert tasks.set_task_status(task, "completed", by="user_x", now=NOW) is True
        assert (task.completed_at, task.completed_by) == (NOW, "user_x")
        with expect_error(409, "RESOURCE_CONFLICT"):
            tasks.set_task_status(task, "open")
        assert tasks.create_task(**made) is None  # a completed task still holds the key

        measure = dict(description="Measure roof", source="manual", contact_card_id=contact.id)
        visit = tasks.create_task(action_type="measurement", **measure)
        assert visit.assigned_to == "rep"
        tasks.set_task_status(visit, "cancelled")
        assert tasks.create_task(**measure) is not None  # a cancelled task frees its key


def test_callback_task_completes_on_later_contact(app, company):
    with scope(app, company):
        contact = ensure_contact(company.id, "+14155552671")
        task = tasks.create_task(description="Call back", source="otto", action_type="call_back",
                                 contact_card_id=contact.id)
    with scope(app, company):
        assert tasks.complete_callback_tasks(contact.id, datetime.now(timezone.utc)) == 1
        stored = db.session.get(Task, task.id)
        assert (stored.status, stored.completed_by) == ("completed", "otto")


def test_signal_dedupe_and_acknowledge(app, company, manager):
    with scope(app, company):
        contact = ensure_contact(company.id, "+14155552671")
        raised = dict(contact_card_id=contact.id, signal_type="risk", title="Competitor quote")
        signal = tasks.create_signal(**raised)
        assert signal.severity == "medium"
        assert tasks.create_signal(**raised) is None
        assert tasks.acknowledge_signal(signal, by=manager.id, now=NOW) is True
        assert tasks.acknowledge_signal(signal, by=manager.id) is False
        assert (signal.acknowledged_at, signal.acknowledged_by) == (NOW, manager.id)
        assert tasks.create_signal(**raised) is not None  # an acknowledged signal frees its key
        assert db.session.execute(select(func.count()).select_from(KeySignal)).scalar() == 2


# --- mobile recordings (§4.9) ---------------------------------------------------------------------

def test_mobile_recording_moves(app, company, rep):
    with scope(app, company):
        call = Call(company_id=company.id, phone_number="+14155552671")
        db.session.add(call)
        db.session.flush()
        recording = MobileRecording(company_id=company.id, call_id=call.call_id, rep_id=rep.id,
                                    trigger_type="manual")
        db.session.add(recording)
        db.session.flush()
        assert recording.status == "pending"
        assert set_recording_status(recording, "processing") is True
        assert set_recording_status(recording, "completed") is True
        with expect_error(409, "RESOURCE_CONFLICT"):
            set_recording_status(recording, "processing")


def test_relationships_eager_load_in_few_queries(app, company, csr, count_queries):
    with scope(app, company):
        for phone in ("+14155552671", "+14155552672", "+14155552673"):
            lead = new_lead(company, phone)
            appointments.book_appointment(lead, scheduled_start=NOW, actor=csr.id, role="csr")
    with scope(app, company), count_queries() as counted:
        loaded = db.session.execute(
            select(Lead).options(joinedload(Lead.contact_card), selectinload(Lead.appointments))
        ).unique().scalars().all()
        assert len(loaded) == 3
        assert all(lead.contact_card.primary_phone for lead in loaded)
        assert all(len(lead.appointments) == 1 for lead in loaded)
    assert counted.n == 3  # tenant setting, leads with contacts, appointments


# --- tenant isolation -----------------------------------------------------------------------------

SALES_FLOOR_TABLES = (
    "calls", "scheduled_calls", "contact_cards", "event_logs", "leads", "lead_status_history",
    "rep_assignment_history", "appointments", "rep_shifts", "recording_sessions",
    "recording_transcripts", "recording_analyses", "tasks", "key_signals", "message_threads",
    "mobile_recordings",
)


def test_rls_hides_one_companys_rows_from_another(app, visit, make_company):
    company = visit["company"]
    other = make_company()
    with scope(app, company):
        lead = Lead.get_for_company(visit["lead_id"])
        call = Call(company_id=company.id, phone_number="+14155552671", lead_id=lead.id,
                    contact_card_id=lead.contact_card_id)
        db.session.add(call)
        tasks.create_task(description="Call back", source="otto",
                          contact_card_id=lead.contact_card_id)
        assert db.session.execute(text("SELECT count(*) FROM calls")).scalar() >= 1
        assert db.session.execute(text("SELECT count(*) FROM leads")).scalar() >= 1

    with app.app_context(), tenant_scope(other.id):
        for table in SALES_FLOOR_TABLES:
            assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
        assert db.session.get(Call, call.call_id) is None
        with expect_error(404, "NOT_FOUND"):
            Lead.get_for_company(lead.id)
        db.session.rollback()

    with app.app_context(), tenant_scope(None):
        assert db.session.execute(text("SELECT count(*) FROM calls")).scalar() == 0
        db.session.rollback()
