import sys
sys.path.insert(0, "/work/main/tests/api")
from rag_helpers import DOCUMENTS, ask, upload, upload_and_index, run_ingest
from support import bearer


def test_quick(app, client, manager):
    doc = upload_and_index(app, client, manager, DOCUMENTS / "ftc_cooling_off_rule_16cfr429.pdf")
    print(doc)
    r = ask(client, manager, "How long does a homeowner have to cancel a contract?")
    print(r.status_code, r.json)
