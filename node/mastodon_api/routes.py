"""Registers the whole client API on the node's web application."""

from __future__ import annotations

from aiohttp import web

from node.mastodon_api import (
    accounts,
    instance,
    marks,
    media,
    misc,
    notifications,
    oauth,
    polls,
    profile,
    registration,
    reports,
    search,
    statuses,
    timelines,
)
from node.mastodon_api.state import CLIENT_API, ClientApi
from node.web.app import NODE


def register(app: web.Application) -> None:
    """Add every client API route and the API's state to ``app``."""
    app[CLIENT_API] = ClientApi.for_node(app[NODE])
    # search before accounts: /api/v1/accounts/search must win over /api/v1/accounts/{id};
    # misc before notifications: /api/v1/notifications/requests over .../{id}.
    modules = (
        oauth,
        instance,
        search,
        accounts,
        statuses,
        marks,
        media,
        polls,
        profile,
        registration,
        reports,
        timelines,
        misc,
        notifications,
    )
    for module in modules:
        module.register(app)
    misc.register_catch_all(app)
