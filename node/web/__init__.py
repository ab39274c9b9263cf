"""The node's web surface: one aiohttp application for peers, browsers and apps.

It serves ActivityPub (actors, collections, objects, inboxes), discovery
(WebFinger, NodeInfo, host-meta), the HTML pages residents and moderators use,
and mounts the client API of ``node/mastodon_api/``. A surface only: handlers
parse the request, call the domain (``node/participation/``,
``node/moderator_actions.py``) and render; they
hold no SQL and no rules of their own. Refusals are mapped to a response once,
in ``refusals``.

Imports: the domain, ``node.storage`` and everything below; ``app`` and
``refusals`` also reach into ``node.mastodon_api`` (its routes and its error
shape). Nothing in the domain or in ``node.storage`` may import this package
(contracts in ``[tool.importlinter]`` of ``pyproject.toml``).

Modules:

- ``access_log`` — the access log, with secrets in URLs blanked out.
- ``activitypub_routes`` — ActivityPub routes: actors, their collections,
  objects, activities and inboxes (signed-fetch checks included).
- ``app`` — ``create_app``: keys, middlewares, routes and workers.
- ``client_address`` — the client's address, read through the node's trusted proxies.
- ``discovery`` — WebFinger, NodeInfo 2.0/2.1 and host-meta.
- ``form_state`` — what a resident typed into a refused form, and why, to show again.
- ``i18n`` — Dutch and English for the page chrome and forms, and local dates.
- ``interaction_pages`` — taking part from an account elsewhere: the handle form's way
  to the visitor's own server (``/interact``), and ``/authorize_interaction`` for this
  node's residents.
- ``moderation_routes`` — the public moderation log and the moderators' queue.
- ``negotiation`` — content negotiation: servers get ActivityStreams JSON,
  browsers get HTML.
- ``pages`` — rendering, and the pages for people: home, profiles, posts.
- ``participation_forms`` — the forms on process and proposal pages: propose,
  support or withdraw, comment with a stance, answer officially.
- ``participation_pages`` — pages and open data of processes, proposals and decisions.
- ``refusals`` — the one error boundary: how pages, apps and peers see a refusal.
- ``security_headers`` — the security headers every answer carries (CSP,
  framing, referrer, nosniff), added as a response is prepared.
- ``sessions`` — logging in on the pages: sessions behind a cookie, the form
  token (CSRF), throttled login attempts.
- ``voting_pages`` — pages and open data of votes and budget ballots (results,
  recount exports, casting), and the letter-code page.
"""
