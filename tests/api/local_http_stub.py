"""A tiny HTTP server on 127.0.0.1 for tests of outbound calls (JWKS, Clerk Backend API)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StubServer:
    """Answers `routes[(method, path)]` (a (status, json) pair or a callable) and records requests.

    A callable route gets (path, json body) and returns (status, json). Other requests go to
    `fallback(method, path, body)` when set, else answer 404.
    """

    def __init__(self, routes: dict | None = None, fallback=None):
        self.routes = dict(routes or {})
        self.fallback = fallback
        self.requests: list[tuple[str, str, dict | None]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                path = self.path.split("?", 1)[0]
                stub.requests.append((self.command, path, body))
                route = stub.routes.get((self.command, path))
                status, payload = (404, {"errors": [{"code": "resource_not_found"}]})
                if callable(route):
                    status, payload = route(path, body)
                elif route is not None:
                    status, payload = route
                elif stub.fallback is not None:
                    status, payload = stub.fallback(self.command, path, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def hits(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.requests if m == method and p == path)

    def __enter__(self) -> "StubServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class ClerkBackend:
    """The slice of Clerk's Backend API that Otto calls, kept in memory behind a StubServer."""

    def __init__(self):
        self.users: dict[str, dict] = {}
        self.organizations: dict[str, dict] = {}
        self.memberships: dict[tuple[str, str], str] = {}
        self.down = False
        self.stub = StubServer(fallback=self.answer)

    @property
    def url(self) -> str:
        return self.stub.url

    def add_user(self, user_id: str, email: str = "someone@example.com", **fields) -> dict:
        self.users[user_id] = {
            "id": user_id,
            "email_addresses": [{"email_address": email}],
            "username": None,
            "first_name": None,
            "last_name": None,
            "public_metadata": {},
            "private_metadata": {},
            **fields,
        }
        return self.users[user_id]

    def answer(self, method: str, path: str, body: dict | None):
        import uuid

        if self.down:
            return 500, {"errors": [{"message": "internal"}]}
        parts = path.strip("/").split("/")
        if parts[0] == "users":
            if method == "POST" and len(parts) == 1:
                user = self.add_user(
                    f"user_{uuid.uuid4().hex[:24]}",
                    body["email_address"][0],
                    username=body.get("username"),
                    first_name=body.get("first_name"),
                    last_name=body.get("last_name"),
                )
                return 200, user
            user = self.users.get(parts[1])
            if user is None:
                return 404, {"errors": [{"code": "resource_not_found"}]}
            if len(parts) == 2 and method == "GET":
                return 200, user
            if len(parts) == 2 and method == "PATCH":
                user.update(body or {})
                return 200, user
            if parts[2:] == ["metadata"] and method == "PATCH":
                for kind in ("public_metadata", "private_metadata"):
                    user[kind] = {**user[kind], **((body or {}).get(kind) or {})}
                return 200, user
            if parts[2:] == ["organization_memberships"]:
                data = [
                    {"organization": {"id": org}, "role": role}
                    for (org, member), role in self.memberships.items()
                    if member == user["id"]
                ]
                return 200, {"data": data, "total_count": len(data)}
        if parts[0] == "organizations":
            org_id = parts[1]
            if len(parts) == 2 and method == "GET":
                org = self.organizations.get(org_id)
                return (200, org) if org else (404, {"errors": [{"code": "resource_not_found"}]})
            if parts[2:] == ["memberships"] and method == "POST":
                key = (org_id, body["user_id"])
                if key in self.memberships:
                    return 400, {"errors": [{"code": "already_a_member_in_organization"}]}
                self.memberships[key] = body["role"]
                return 200, {"role": body["role"]}
            if len(parts) == 4 and parts[2] == "memberships" and method == "PATCH":
                self.memberships[(org_id, parts[3])] = body["role"]
                return 200, {"role": body["role"]}
        return 404, {"errors": [{"code": "resource_not_found"}]}

    def __enter__(self) -> "ClerkBackend":
        self.stub.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.stub.__exit__(*exc)
