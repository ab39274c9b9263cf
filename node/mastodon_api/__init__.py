"""The Mastodon client API: OAuth and the REST endpoints mainstream apps call.

It sits beside the ActivityPub side, as Takahē keeps it: every action goes
through the same domain functions the web pages use (``node/social_actions.py``,
``node/moderator_actions.py``, ``node/participation/``), so a favourite from an
app is a support and a poll vote is a vote. A surface only: no SQL here
(repositories come from ``node/storage/``), and refusals take Mastodon's shape
once, in ``errors``.

Imports: the domain, ``node.storage``, ``node.web`` (the application it is
mounted on, and a few of its helpers) and everything below. Nothing in the
domain or in ``node.storage`` may import it (contracts in
``[tool.importlinter]`` of ``pyproject.toml``).

Modules:

- ``accounts`` — accounts: one's own, others by id or handle, their posts,
  relationships, follows.
- ``auth`` — bearer tokens: who is calling, and whether the token's scopes allow it.
- ``common`` — helpers the endpoints share: entity writers, ids in paths, visibility.
- ``errors`` — a refusal as Mastodon answers it: ``{"error": ...}`` and its status.
- ``instance`` — the instance endpoints (v1 and v2), the default avatar and header.
- ``marks`` — bookmarks, pins, muted conversations and accounts, and the
  bookmark, favourite and mute lists.
- ``media`` — image uploads with alt text (``/api/v2/media``), their checks by
  their own bytes, and the files served at ``/media/uploads/``.
- ``misc`` — preferences, markers, the empty collections of features this node
  does not have (lists, custom emojis, filters...), refusals in JSON for the
  rest (Web Push, translation), and the JSON 404 for unknown API paths.
- ``notifications`` — notifications: list, show, dismiss, clear.
- ``oauth`` — OAuth 2 as apps use it: app registration, the browser login, tokens.
- ``pagination`` — Mastodon paging: ``max_id``/``since_id``/``min_id`` in, ``Link`` out.
- ``params`` — request parameters as apps send them: query, form or JSON.
- ``polls`` — a process's vote on a proposal, shown and voted on as a Mastodon poll.
- ``profile`` — a resident edits their name, description, avatar and header;
  the actor's ``Update`` goes to their followers.
- ``redirect_uris`` — which redirect URIs an OAuth app may register: Mastodon's
  rules, plus no credentials and no browser-internal schemes.
- ``reports`` — ``POST /api/v1/reports``: a resident reports an account and posts.
- ``routes`` — registers the whole client API on the web application.
- ``search`` — ``GET /api/v2/search``: accounts by handle, posts by URL.
- ``serializers`` — Mastodon entities (Account, Status, Poll, Notification,
  Relationship) from what the node stores.
- ``state`` — what the client API keeps per running node: its repositories.
- ``statuses`` — statuses: post (with images), read, edit (its ``Update``
  federates, its history and source readable), delete, context, favourite (a
  support, for proposals) and boost.
- ``timelines`` — the home and public timelines.
"""
