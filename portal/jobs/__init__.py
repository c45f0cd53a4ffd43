"""Background jobs and schedules on Huey: documents, syncs and backups run outside web requests.

Huey carries the messages (SQLite file in the instance folder by default, Redis when
``COVERDESK_REDIS_URL`` is set); the desk's own ``job_runs`` table holds what each job is, its
state and outcome, so a job is done exactly once whatever the queue delivers twice.
"""
