"""Fixed vocabularies of call analysis: objection categories, SOP stages, enum values."""

from __future__ import annotations

OBJECTION_CATEGORIES = {
    1: "Price/Budget",
    2: "Timing",
    3: "Competitor",
    4: "Trust/Credibility",
    5: "Need/Fit",
    6: "Decision Authority",
    7: "Technical",
    8: "Contract Terms",
    9: "DIY Alternative",
    10: "No Response",
}
CATEGORY_IDS = {text: category_id for category_id, text in OBJECTION_CATEGORIES.items()}

CSR_STAGES = (
    "greeting",
    "problem_identification",
    "qualification",
    "scheduling",
    "confirmation",
    "closing",
)
VISIT_STAGES = (
    "greeting",
    "building_rapport",
    "understanding_needs",
    "inspecting_roof",
    "taking_photos",
    "presenting_estimate",
    "explaining_warranty",
    "reviewing_price",
    "discussing_financing",
    "cancellation_rights_disclosed",
    "closing_attempt",
    "next_steps_given",
)

ACTION_TYPES = (
    "call_back",
    "follow_up_call",
    "check_in",
    "send_quote",
    "send_estimate",
    "send_contract",
    "send_info",
    "send_photos",
    "send_details",
    "schedule_appointment",
    "schedule_visit",
    "reschedule",
    "confirm_appointment",
    "site_visit",
    "inspection",
    "measurement",
    "verify_insurance",
    "verify_details",
    "check_availability",
    "confirm_address",
    "prepare_contract",
    "collect_documents",
    "send_invoice",
    "escalate",
    "manager_review",
    "get_approval",
    "setup_financing",
    "process_payment",
    "send_payment_link",
    "custom",
)

PROVIDERS = ("local", "openai", "shunya", "heuristic")
ANALYSIS_STATUSES = ("pending", "processing", "completed", "failed")
CALL_TYPES = ("sales_call", "csr_call")
CONTACT_METHODS = ("phone", "email", "sms", "in_person", "any")
PRIORITIES = ("high", "medium", "low")
SEVERITIES = ("low", "medium", "high")
QUALIFICATION_STATUSES = ("hot", "warm", "cold", "unqualified")
LEAD_QUALITIES = ("qualified", "unqualified", "hot", "warm", "cold")
BOOKING_STATUSES = ("booked", "not_booked", "service_not_offered")
CALL_OUTCOME_CATEGORIES = (
    "qualified_and_booked",
    "qualified_service_not_offered",
    "qualified_but_unbooked",
)
APPOINTMENT_TYPES = ("in-person", "virtual", "phone")
APPOINTMENT_INTENTS = ("new_booking", "reschedule", "cancel")
TIME_WINDOWS = ("morning", "afternoon", "evening")
SOP_ITEM_STATUSES = ("completed", "missed", "warning")
OUTCOME_DECISIONS = ("pass", "needs_coaching", "fail")
MEETING_PHASES = ("rapport_agenda", "proposal_close")
MISSED_OPPORTUNITY_TYPES = ("discovery", "cross_sell", "upsell", "qualification")
TARGET_ROLES = ("sales_rep", "customer_rep", "sales_manager", "admin")
COACHING_CATEGORIES = (
    "sop_compliance",
    "outcome",
    "objection_handling",
    "missed_opportunity",
    "rehash",
    "talk_time",
)
