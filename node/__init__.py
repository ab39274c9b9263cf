"""The application: one node's configuration, wiring, domain, storage and surfaces.

Everything that makes a running Samenspraak node and is not generic
federation, moderation or protocol. ``node.node.open_node`` is where every
repository and service is built once and wired in; start reading there.

Imports: anything below it (``moderation``, ``federation``, ``activitypub``,
``schemas``). Inside ``node`` two contracts in ``[tool.importlinter]`` of
``pyproject.toml`` hold the lines: the domain (``node.participation``,
``node.moderator_actions``, ``node.social_actions``, ``node.outbox``,
``node.node``, ``node.setup``) never imports a surface (``node.web``,
``node.mastodon_api``, ``node.cli``); ``node.storage`` imports neither the
domain nor a surface.

Packages:

- ``cli`` — the ``samenspraak`` command: one handler per subcommand.
- ``mastodon_api`` — the Mastodon client API: OAuth and the REST endpoints apps call.
- ``participation`` — the participation domain: processes, proposals, comments,
  supports, votes, budget ballots, eligibility and decisions.
- ``storage`` — the SQLite database and every repository: all SQL lives there.
- ``web`` — the aiohttp application: ActivityPub routes, discovery and the HTML pages.

Modules:

- ``clock`` — the one clock (``Clock``; ``utc_now``, ``epoch_now``, ``iso_now``),
  moved ahead in tests by ``SAMENSPRAAK_CLOCK_SHIFT_DAYS``.
- ``config`` — ``samenspraak.toml`` in a node's data directory (``NodeConfig``,
  ``load_config``, ``write_config``).
- ``demo`` — ``samenspraak demo``: a municipality and two neighbourhoods on 127.0.0.1.
- ``documents`` — ActivityStreams documents of what this node hosts: actors,
  collections, WebFinger answers.
- ``moderator_actions`` — what moderators and residents do about content,
  accounts and other nodes: report, hide, remove, restore, suspend.
- ``moderator_services`` — what those actions use (``ModeratorServices``),
  built once by ``open_node``.
- ``node`` — the composition root: ``Node`` and ``open_node``, and the handler
  table's entries.
- ``outbox`` — sending from local actors (``NodeOutbox``): the activity and its
  fan-out job stored in one transaction; delivery comes after.
- ``passwords`` — password hashing with scrypt, and generated passwords.
- ``runner`` — running nodes inside one process (``start_node``), for the demo,
  the tests and the benchmarks.
- ``setup`` — creating a node directory and its first actors and accounts.
- ``social_actions`` — what local actors do socially: post, reply, follow,
  like, boost, delete.
- ``urls`` — where local things live: every local id is built by ``Urls``.

Data: ``templates/`` holds the pages' Jinja templates, ``static/`` their style
sheet, ``demo_data/`` the demo's synthetic address register.
"""
