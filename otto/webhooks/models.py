"""Tables webhooks own or look into across companies: the inbox and provider-id indexes."""

from sqlalchemy import Index

from otto.calls.models import Call
from otto.messages.models import MessageThread
from otto.webhooks.inbox import WebhookEvent  # noqa: F401  (the platform-wide inbox table)

# Twilio callbacks name a call or a message before Otto knows the company (migration 0003).
Index("ix_calls_call_sid", Call.call_sid)
Index("ix_message_threads_message_sid", MessageThread.message_sid)
