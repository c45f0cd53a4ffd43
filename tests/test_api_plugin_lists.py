"""GET /carriers and /insurers over a fixed set of fake plugins (tests/fake_plugins): what the
ordering system reads, with exact values that no change to a real plugin can move."""

from __future__ import annotations

from pathlib import Path

import pytest

FAKE_PLUGINS = Path(__file__).parent / "fake_plugins"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PLUGINS_DIR": str(FAKE_PLUGINS)}


def test_carriers_lists_the_loaded_carriers_and_their_services(api):
    response = api.get("/api/v1/carriers?destination_country=de")

    assert response.status_code == 200
    assert response.get_json() == {
        "destination_country": "DE",
        "carriers": [
            {
                "code": "testpost",
                "name": "Test Post",
                "kind": "postal",
                "services": [
                    {
                        "code": "standard",
                        "name": "Standard",
                        "description": "",
                        "stall_after_days": 5,
                        "earliest_trace_day": 10,
                        "latest_trace_day": 40,
                    }
                ],
            }
        ],
    }


def test_insurers_lists_the_terms_in_force_today(api):
    response = api.get("/api/v1/insurers")

    assert response.status_code == 200
    assert response.get_json() == {
        "insurers": [
            {
                "code": "testcover",
                "name": "Test Cover",
                "currencies": ["USD"],
                "max_insured_value": {"USD": "1000.00"},
                "minimum_premium": {"USD": "1.00"},
                "excluded_destinations": [],
                "excluded_categories": [],
                "terms_effective": "2020-01-01",
            }
        ]
    }
