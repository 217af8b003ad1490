"""The one small client for Clerk's Backend API; unconfigured means 503, never fake success."""

import logging
import time

import requests

from otto.errors import CompanyNotFound, ExternalServiceError, ServiceNotConfigured, UserNotFound

log = logging.getLogger(__name__)

CACHE_SECONDS = 60


class ClerkClient:
    def __init__(self, settings, session: requests.Session | None = None):
        self.secret_key = settings.clerk_secret_key
        self.base_url = settings.clerk_api_url.rstrip("/")
        self.http = session or requests.Session()
        self._cache: dict = {}

    @property
    def configured(self) -> bool:
        return bool(self.secret_key)

    def _call(self, method: str, path: str, not_found=UserNotFound, **kwargs):
        if not self.configured:
            raise ServiceNotConfigured("Clerk is not configured.")
        try:
            response = self.http.request(
                method, f"{self.base_url}{path}", timeout=10,
                headers={"Authorization": f"Bearer {self.secret_key}"}, **kwargs)
        except requests.RequestException as error:
            log.warning("clerk %s %s failed: %s", method, path, type(error).__name__)
            raise ExternalServiceError("Clerk could not be reached.") from error
        if response.status_code == 404:
            raise not_found()
        if response.status_code >= 400:
            log.warning("clerk %s %s answered %s", method, path, response.status_code)
            raise ExternalServiceError(f"Clerk answered {response.status_code}.")
        return response.json() if response.content else {}

    def _cached(self, key, loader):
        hit = self._cache.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        value = loader()
        self._cache[key] = (time.monotonic() + CACHE_SECONDS, value)
        return value

    def memberships(self, user_id: str) -> list[dict]:
        return self._cached(("memberships", user_id), lambda: self._call(
            "GET", f"/users/{user_id}/organization_memberships").get("data", []))

    def only_organization_of(self, user_id: str) -> str | None:
        """The org id when the user has exactly one membership; never the first of several."""
        memberships = self.memberships(user_id)
        return memberships[0]["organization"]["id"] if len(memberships) == 1 else None

    def membership_role(self, user_id: str, org_id: str) -> str | None:
        for membership in self.memberships(user_id):
            if membership.get("organization", {}).get("id") == org_id:
                return membership.get("role")
        return None

    def get_user(self, user_id: str) -> dict:
        return self._call("GET", f"/users/{user_id}")

    def create_user(self, *, email: str, username: str | None, first_name: str | None,
                    last_name: str | None) -> dict:
        body = {"email_address": [email], "username": username, "first_name": first_name,
                "last_name": last_name, "skip_password_requirement": True}
        return self._call("POST", "/users", json={k: v for k, v in body.items() if v is not None})

    def update_user(self, user_id: str, **fields) -> dict:
        changes = {name: value for name, value in fields.items() if value is not None}
        return self._call("PATCH", f"/users/{user_id}", json=changes)

    def update_metadata(self, user_id: str, public: dict | None, private: dict | None) -> dict:
        body = {"public_metadata": public, "private_metadata": private}
        return self._call("PATCH", f"/users/{user_id}/metadata",
                          json={k: v for k, v in body.items() if v is not None})

    def upsert_membership(self, org_id: str, user_id: str, clerk_role: str) -> dict:
        try:
            return self._call("POST", f"/organizations/{org_id}/memberships",
                              json={"user_id": user_id, "role": clerk_role})
        except ExternalServiceError:
            return self._call("PATCH", f"/organizations/{org_id}/memberships/{user_id}",
                              json={"role": clerk_role})

    def get_organization(self, org_id: str) -> dict:
        return self._call("GET", f"/organizations/{org_id}", not_found=CompanyNotFound)
