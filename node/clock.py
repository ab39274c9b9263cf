"""Timestamps as the protocol and the client API want them."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def iso_now() -> str:
    """Now as an ActivityStreams timestamp with seconds precision: 2026-11-26T08:00:00Z."""
    return iso(utc_now())


def iso(moment: datetime) -> str:
    """A datetime as an ActivityStreams timestamp."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
