"""A fake carrier with fixed, round rules: stalled after 5 days, trace from day 10 to day 40.
Its texts are English only on purpose (contract 1.3): the core's tests see it fall back."""

from portal.plugin_api import CarrierPlugin, Service, TraceWindow, hookimpl


class TestPost(CarrierPlugin):
    contract = "1.3"
    code = "testpost"
    name = "Test Post"
    kind = "postal"
    services = (Service("standard", "Standard"),)
    source = "Fictional, for the core's tests."
    status_map = {"T1": ("in_transit", None), "T9": ("exception", "lost")}

    def tracking_url(self, tracking_no: str) -> str:
        return f"https://track.example/{tracking_no}"

    def stall_after_days(self, service_code, destination_country, on):
        return 5

    def trace_window(self, service_code, destination_country):
        return TraceWindow(10, 40)


@hookimpl
def coverdesk_carriers():
    return [TestPost()]
