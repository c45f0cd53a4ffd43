"""The ceiling a page is measured against: a bare Flask page doing one indexed read of the same
database, served by the same gunicorn in the same run. No login, no templates, no ORM.

    gunicorn -w 2 'bare_app:create_app()'    # COVERDESK_DATABASE_URL names the database
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, abort
from markupsafe import escape

READ = sa.text("SELECT id, order_no, tracking_no, destination_country FROM orders WHERE order_no = :number")


def create_app() -> Flask:
    app = Flask(__name__)
    engine = sa.create_engine(os.environ["COVERDESK_DATABASE_URL"])

    @app.get("/bare/<number>")
    def bare(number: str):
        with engine.connect() as connection:
            row = connection.execute(READ, {"number": number}).first()
        if row is None:
            abort(404)
        return f"<p>{row.id} {escape(row.order_no)} {escape(row.tracking_no)} {row.destination_country}</p>"

    return app
