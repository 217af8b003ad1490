"""Every enumeration of the domain, as the lower-case values stored and returned."""

USER_ROLE = ("manager", "csr", "sales_rep")
CALL_PROVIDER = ("callrail", "twilio")
CALL_SOURCE = ("callrail", "twilio", "manual", "sms")
SUBSCRIPTION_STATUS = ("trialing", "active", "past_due", "canceled")
GHOST_MODE_RETENTION = ("aggregates_only", "minimal", "none")
GHOST_MODE_STORAGE = ("not_stored", "ephemeral")
RECORDING_MODE = ("normal", "ghost", "off")
AUDIO_STORAGE_MODE = ("persistent", "ephemeral", "not_stored")
SHIFT_CONFIG_SOURCE = ("tenant_default", "custom")
SHIFT_STATUS = ("planned", "active", "completed", "skipped")
CALL_TYPE = ("sales_call", "csr_call")
CALL_STATUS = (
    "incoming", "ringing", "in_progress", "answered", "completed", "missed", "ai_recovery_sent",
)
SCHEDULED_CALL_TYPE = ("sales_followup", "homeowner_followup")
LEAD_STATUS = (
    "new", "warm", "hot", "qualified_booked", "qualified_unbooked", "qualified_service_not_offered",
    "nurturing", "dormant", "abandoned", "closed_won", "closed_lost",
)
LEAD_SOURCE = ("unknown", "inbound_call", "inbound_web", "referral", "partner", "other")
DEAL_STATUS = (
    "new", "nurturing", "booked", "no-show", "rescheduled", "in-progress", "won", "lost",
)
POOL_STATUS = ("in_pool", "assigned", "closed", "archived")
PRIORITY = ("high", "medium", "low")
APPOINTMENT_STATUS = ("scheduled", "confirmed", "completed", "cancelled", "no_show")
APPOINTMENT_OUTCOME = ("pending", "won", "lost", "no_show", "rescheduled")
APPOINTMENT_TYPE = ("in-person", "virtual", "phone")
ASSIGNMENT_TYPE = (
    "requested", "assigned", "declined", "revoked", "unassigned", "claimed", "unclaimed",
)
ASSIGNMENT_STATUS = ("requested", "assigned", "declined", "revoked")
RECORDING_SESSION_STATUS = ("pending", "recording", "completed", "failed")
PROCESSING_STATUS = ("not_started", "in_progress", "completed", "failed")
VISIT_OUTCOME = ("won", "lost", "qualified", "no_show", "rescheduled", "pending")
LEAD_QUALITY = ("qualified", "unqualified", "hot", "warm", "cold")
QUALIFICATION_STATUS = ("hot", "warm", "cold", "unqualified")
BOOKING_STATUS = ("booked", "not_booked", "service_not_offered")
CALL_OUTCOME_CATEGORY = (
    "qualified_and_booked", "qualified_service_not_offered", "qualified_but_unbooked",
)
OUTCOME_DECISION = ("pass", "needs_coaching", "fail")
MEETING_PHASE = ("rapport_agenda", "proposal_close")
MISSED_OPPORTUNITY_TYPE = ("discovery", "cross_sell", "upsell", "qualification")
CONTACT_METHOD = ("phone", "email", "sms", "in_person", "any")
ACTION_TYPE = (
    "call_back", "follow_up_call", "check_in", "send_quote", "send_estimate", "send_contract",
    "send_info", "send_photos", "send_details", "schedule_appointment", "schedule_visit",
    "reschedule", "confirm_appointment", "site_visit", "inspection", "measurement",
    "verify_insurance", "verify_details", "check_availability", "confirm_address",
    "prepare_contract", "collect_documents", "send_invoice", "escalate", "manager_review",
    "get_approval", "setup_financing", "process_payment", "send_payment_link", "custom",
)
TASK_ASSIGNEE = ("csr", "rep", "manager", "ai")
TASK_SOURCE = ("otto", "shunya", "manual")
TASK_STATUS = ("open", "completed", "overdue", "cancelled")
SIGNAL_TYPE = ("risk", "opportunity", "coaching", "operational")
SIGNAL_SEVERITY = ("low", "medium", "high", "critical")
EVENT_TYPE = (
    "call_received", "call_missed", "call_completed", "call_transcript", "sms_sent", "sms_received",
    "automation_nurture", "automation_followup", "automation_scheduled", "automation_task_created",
    "automation_escalated", "appointment_created", "appointment_rescheduled",
    "appointment_confirmed", "appointment_cancelled", "rep_assigned", "rep_unassigned",
    "rep_claimed", "rep_en_route", "rep_arrived", "recording_started", "inspection_milestone",
    "objection_moment", "decision_moment", "recording_ended", "rep_departed", "appointment_outcome",
    "csr_action", "manager_action", "property_intelligence_updated", "deal_won", "deal_lost",
)
ACTOR_ROLE = ("rep", "csr", "manager", "ai", "system")
MESSAGE_SENDER_ROLE = ("customer", "csr", "rep", "manager", "otto", "shunya")
MESSAGE_TYPE = ("manual", "automated")
MESSAGE_DIRECTION = ("inbound", "outbound")
SOP_CHECKLIST_ITEM = (
    "greeting", "building_rapport", "understanding_needs", "inspecting_roof", "taking_photos",
    "presenting_estimate", "explaining_warranty", "reviewing_price", "discussing_financing",
    "cancellation_rights_disclosed", "closing_attempt", "next_steps_given",
)
SOP_ITEM_STATUS = ("completed", "missed", "warning")
DETECTED_BY = ("shunya", "otto", "manual")
CUSTOMER_DECISION = ("bought", "deciding", "rejected")
ANALYSIS_PROVIDER = ("local", "openai", "shunya", "heuristic")
DOCUMENT_CATEGORY = ("sop", "training", "reference", "policy")
INGESTION_STATUS = ("pending", "processing", "done", "failed")
ONBOARDING_ACTION = ("started", "completed", "failed")
RAG_DOCUMENT_TYPE = (
    "sop", "script", "objection_handler", "product_info", "training_material", "policy", "faq",
    "reference",
)
ROLE_ACCESS = ("all", "csr", "sales_rep", "manager")
INDEXING_STATUS = ("pending", "processing", "indexed", "failed", "deleted")
CHUNK_SOURCE = ("document", "call_transcript")
DRAFT_TYPE = ("sms", "email", "call_script")
DRAFT_TONE = ("professional", "friendly", "urgent", "casual")
DRAFT_STATUS = ("pending", "approved", "rejected", "sent", "expired")
DRAFT_GENERATOR = ("personal_clone", "generic_ai")
TRAINING_DATA_TYPE = ("calls", "videos", "transcripts", "mixed")
CLONE_JOB_STATUS = ("pending", "processing", "completed", "failed")
PERSONAL_OTTO_JOB_STATUS = ("pending", "running", "succeeded", "failed")
MISSED_CALL_STATUS = (
    "queued", "processing", "ai_rescued_pending", "recovered", "escalated", "failed", "expired",
)
CUSTOMER_TYPE = ("new", "existing", "unknown")
RECOVERY_METHOD = ("sms", "call", "email")
CONSENT_STATUS = ("pending", "granted", "denied", "withdrawn")
PREFERRED_CONTACT_TIME = ("morning", "afternoon", "evening")
OPT_OUT_STATUS = ("opted_out", "opted_in")
OPT_OUT_SOURCE = ("inbound_keyword", "provider_opt_out_type", "provider_error_21610", "manual")
SHUNYA_JOB_TYPE = ("csr_call", "sales_visit", "segmentation")
SHUNYA_JOB_STATUS = ("pending", "running", "succeeded", "failed", "timeout")
SHUNYA_TARGET_ROLE = ("sales_rep", "customer_rep", "sales_manager", "admin")
WEBHOOK_PROVIDER = ("callrail", "twilio", "clerk", "shunya", "uwc")
WEBHOOK_EVENT_STATUS = ("received", "processing", "processed", "failed", "ignored", "unmatched")
IDEMPOTENCY_STATUS = ("in_progress", "completed", "failed")
AUDIT_RESULT = ("success", "failure", "partial")
TRIGGER_TYPE = ("location", "time", "both", "manual")
MOBILE_RECORDING_STATUS = ("pending", "processing", "completed", "error")
JOB_STATUS = ("queued", "pending", "processing", "completed", "failed")
OBJECTION_SEVERITY = ("low", "medium", "high")
APPOINTMENT_INTENT = ("new_booking", "reschedule", "cancel")
PREFERRED_TIME_WINDOW = ("morning", "afternoon", "evening")

OBJECTION_CATEGORIES = {
    1: "Price/Budget", 2: "Timing", 3: "Competitor", 4: "Trust/Credibility", 5: "Need/Fit",
    6: "Decision Authority", 7: "Technical", 8: "Contract Terms", 9: "DIY Alternative",
    10: "No Response",
}

# Sort missed calls by rank, never by name.
MISSED_CALL_PRIORITY_RANK = {"high": 3, "medium": 2, "low": 1}

