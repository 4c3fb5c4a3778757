"""Schemathesis hooks for EcoTrack (loaded through SCHEMATHESIS_HOOKS by schema-fuzz.sh).

Every operation is fuzzed as a signed-in user, so protected operations get past 401 and their
validation and handlers are what is tested:
  - operations whose OpenAPI entry says `x-required-roles: [admin]` (the platform's document
    builder writes it from @Roles) get the admin's token;
  - DELETE /v1/sessions/current (log out) gets a session of its own each time: it ends the session
    it is called with, and the shared tokens must stay valid for the rest of the run;
  - every other operation gets one of several customers' tokens in turn: each customer has their
    own per-user rate-limit budget.
The identities come from identities.js, as JSON in ECOTRACK_FUZZ_IDENTITIES (never on a command
line, never printed).
"""

import itertools
import json
import os
import threading

import requests
import schemathesis

_IDENTITIES = json.loads(os.environ["ECOTRACK_FUZZ_IDENTITIES"])
_USER_SERVICE = os.environ.get("USER_SERVICE_URL", "http://127.0.0.1:3001")
_customers = itertools.cycle(_IDENTITIES["customers"])
_lock = threading.Lock()


def _own_session() -> str:
    login = _IDENTITIES["login"]
    response = requests.post(f"{_USER_SERVICE}/v1/sessions", json=login, timeout=30)
    # Refused (a login rate limit, say): an old token then shows the operation's 401, which is documented.
    return response.json().get("accessToken", "") if response.ok else _IDENTITIES["customers"][0]


@schemathesis.auth(refresh_interval=None)
class EcoTrackAuth:
    def get(self, case, context):
        operation = context.operation
        if "admin" in (operation.definition.raw.get("x-required-roles") or []):
            return _IDENTITIES["admin"]
        if operation.method.upper() == "DELETE" and operation.path == "/v1/sessions/current":
            return _own_session()
        with _lock:
            return next(_customers)

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
