"""A bounded schemathesis run against the API's own OpenAPI document, on both databases: every
operation with generated valid and invalid input (a fixed example budget, derandomised, so each
run sends the same requests), 0 server errors. The portal is called in-process through WSGI."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from portal.extensions import db

EXAMPLES = 100  # per operation: about 900 calls, some 15 s on one database


def test_the_api_never_answers_a_server_error(app, api_token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {api_token}"}
    failures, calls = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            nonlocal calls
            response = case.call(headers=headers)
            db.session.remove()
            calls += 1
            if response.status_code >= 500 and response.status_code != 503:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}")

        call()
    assert failures == [], "\n".join(failures[:20])
    print(f"schemathesis: {calls} calls, {len(failures)} server errors")
    assert calls >= 5 * EXAMPLES
