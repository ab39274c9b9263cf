"""Shared set-up of the agreement and registrar tests: a municipality that offers a
neighbourhood node an agreement over its wijkbudget, accepted by the neighbourhood."""

from __future__ import annotations

from datetime import timedelta

from node.clock import iso, utc_now
from node.participation.agreements import accept_agreement, offer_agreement
from node.participation.models import Agreement, Money
from node.runner import RunningNode
from tests.integration.voting_scenarios import exchange


async def offer(
    gemeente: RunningNode,
    neighbourhood: RunningNode,
    areas: list[tuple[str, str | None, str | None]],
    theme: str = "Wijkbudget De Wijert",
) -> Agreement:
    """The municipality offers the neighbourhood a decide agreement for a year."""
    target = await neighbourhood.node.organisation()
    return await offer_agreement(
        gemeente.node.participation_services,
        neighbourhood=target.uri,
        theme=theme,
        delegates=["decide"],
        areas=areas,
        start=iso(utc_now() - timedelta(days=1)),
        end=iso(utc_now() + timedelta(days=365)),
        budget=Money(25000, "EUR"),
    )


async def agreed(
    gemeente: RunningNode,
    neighbourhood: RunningNode,
    areas: list[tuple[str, str | None, str | None]],
    theme: str = "Wijkbudget De Wijert",
) -> Agreement:
    """An agreement offered, delivered, accepted and the acceptance delivered."""
    offered = await offer(gemeente, neighbourhood, areas, theme)
    await exchange(gemeente, neighbourhood)
    accepted = await accept_agreement(neighbourhood.node.participation_services, offered.uri)
    await exchange(gemeente, neighbourhood)
    return accepted
