import json
from webhook_helpers import *
from otto.calls.models import Call

def test_docs(app, client, make_company):
    vector = json.loads(fixture_bytes("callrail/signature_vector.json"))
    body = fixture_bytes("callrail/post_call_voicemail_docs_sample.json")
    company = make_company(primary_tracking_number="+15550100112", callrail_webhook_signing_key=vector["signing_key"])
    with at_delivery_time(body):
        r = client.post("/callrail/call.completed", data=body, headers={"Signature": vector["expected_signature"], "Content-Type": "application/json"})
    print(r.status_code, r.json)
    run_jobs(app)
    ev = webhook_event(app, r.json["event_id"])
    print(ev.status, ev.last_error)
    calls = rows(app, Call, company.id)
    print([(c.status, c.external_call_id, c.recording_url, c.missed_call, c.phone_number, c.contact_card_id) for c in calls])
