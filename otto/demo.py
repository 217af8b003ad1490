"""The demo company: a manager, a CSR and two sales reps, created once on an empty database."""

from pathlib import Path

import click
from sqlalchemy import func, select

from otto.auth.tokens import mint_local_token
from otto.companies.models import Company
from otto.db import db
from otto.tenancy import tenant_scope
from otto.users.models import SalesManager, SalesRep, User

# Real inputs copied into the repository for tests double as the demo's calls and documents.
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"

DEMO_COMPANY = "org_demo_otto"
DEMO_MANAGER = "user_demo_manager"
DEMO_PEOPLE = (
    (DEMO_MANAGER, "manager", "Morgan Manager", "+15550100001"),
    ("user_demo_csr", "csr", "Casey CSR", "+15550100002"),
    ("user_demo_rep_1", "sales_rep", "Riley Rep", "+15550100003"),
    ("user_demo_rep_2", "sales_rep", "Sam Rep", "+15550100004"),
)


def ensure_company(company_id: str, name: str | None = None, **fields) -> Company:
    company = db.session.get(Company, company_id)
    if company is None:
        company = Company(id=company_id, name=name or company_id, **fields)
        db.session.add(company)
        db.session.flush()
    return company


def ensure_user(company_id: str, user_id: str, role: str, name: str | None = None,
                phone: str | None = None, manager_id: str | None = None) -> User:
    """Create the company, the user and its profile row when absent (used by `otto token --create`)."""
    ensure_company(company_id)
    with tenant_scope(company_id):
        user = db.session.execute(select(User).where(User.id == user_id)).scalar_one_or_none()
        if user is None:
            user = User(id=user_id, company_id=company_id, role=role, name=name or user_id,
                        username=user_id, phone_number=phone)
            db.session.add(user)
            db.session.flush()
        if role == "manager" and user.manager_profile is None:
            db.session.add(SalesManager(user_id=user_id, company_id=company_id))
        if role == "sales_rep" and user.rep_profile is None:
            db.session.add(SalesRep(user_id=user_id, company_id=company_id, manager_id=manager_id))
        db.session.commit()
    return user


def load_demo(only_if_empty: bool = False) -> bool:
    if only_if_empty and db.session.execute(select(func.count()).select_from(Company)).scalar():
        return False
    ensure_company(DEMO_COMPANY, "Demo Roofing & HVAC", phone_number="+15550100000",
                   primary_tracking_number="+15550100099", industry="roofing")
    db.session.commit()
    for user_id, role, name, phone in DEMO_PEOPLE:
        manager = DEMO_MANAGER if role == "sales_rep" else None
        ensure_user(DEMO_COMPANY, user_id, role, name=name, phone=phone, manager_id=manager)
    if FIXTURES.is_dir():
        with tenant_scope(DEMO_COMPANY):
            _load_fixture_calls()
            _load_fixture_documents()
            db.session.commit()  # the analysis and indexing jobs are queued on commit
    return True


def _load_fixture_calls() -> None:
    """The recorded transcripts as completed calls of the demo company, each queued for analysis."""
    from otto.analysis.service import request_analysis
    from otto.calls.models import Call
    from otto.contacts.service import ensure_contact_and_lead

    if db.session.execute(select(Call.call_id).limit(1)).first():
        return  # loaded before: `otto demo` is safe to run again
    for number, path in enumerate(sorted((FIXTURES / "transcripts").glob("*.json")), start=1):
        phone = f"+1555010{number + 200:04d}"
        contact, lead = ensure_contact_and_lead(DEMO_COMPANY, phone, f"Demo Customer {number}")
        in_home = path.stem.startswith("hvac_inhome")
        call = Call(company_id=DEMO_COMPANY, contact_card_id=contact.id, lead_id=lead.id,
                    phone_number=phone, status="completed", transcript=path.read_text(),
                    call_type="sales_call" if in_home else "csr_call",
                    assigned_rep_id="user_demo_rep_1" if in_home else None)
        db.session.add(call)
        db.session.flush()
        request_analysis(call)


def _load_fixture_documents() -> None:
    """The fixture documents (regulations, a sales guide) for Ask Otto, queued for indexing."""
    from otto.rag.service import upload_document

    for path in sorted((FIXTURES / "documents").iterdir()):
        with path.open("rb") as stream:
            upload_document(stream, path.name, document_type="reference", role_access="all",
                            uploaded_by=DEMO_MANAGER)


def print_welcome(settings, port, host: str = "127.0.0.1") -> None:
    base = f"http://{host}:{port}"
    click.echo(f"\nOtto is starting on {base}")
    click.echo(f"  API docs   {base}/docs   (ReDoc: {base}/redoc, spec: {base}/openapi.json)")
    click.echo(f"  Health     {base}/health/ready")
    if not settings.clerk_enabled:
        token = mint_local_token(settings.jwt_secret, user_id=DEMO_MANAGER, company_id=DEMO_COMPANY,
                                 role="manager")
        click.echo(f"  Demo manager token (12 h):\n  {token}\n")
