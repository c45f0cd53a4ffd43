"""Health of the running desk: liveness and readiness answers, and the request log."""
