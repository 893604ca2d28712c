"""The features that plug into the outbox (their email kinds, what the worker
loads for them, their periodic jobs, and what bounce reports tell the
dashboard), registered when the app is made, in this order: the worker runs
the jobs so. The one module that names them all."""

from __future__ import annotations

from app.alerts import outbox as alerts
from app.bounces import outbox as bounces
from app.letters import outbox as letters
from app.offices import outbox as offices
from app.parliament import outbox as parliament
from app.privacy import outbox as privacy
from app.replies import outbox as replies
from app.sharing import outbox as sharing

FEATURES = (letters, alerts, bounces, privacy, replies, parliament, offices, sharing)


def register() -> None:
    for feature in FEATURES:
        feature.register()
