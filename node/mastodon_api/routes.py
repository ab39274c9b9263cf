"""Registers the whole client API on the node's web application."""

from __future__ import annotations

from aiohttp import web

from node.mastodon_api import (
    accounts,
    instance,
    misc,
    notifications,
    oauth,
    polls,
    search,
    statuses,
    timelines,
)
from node.mastodon_api.state import CLIENT_API, ClientApi
from node.web.app import NODE


def register(app: web.Application) -> None:
    """Add every client API route and the API's state to ``app``."""
    app[CLIENT_API] = ClientApi.for_node(app[NODE])
    for module in (
        oauth,
        instance,
        accounts,
        statuses,
        polls,
        timelines,
        notifications,
        search,
        misc,
    ):
        module.register(app)
