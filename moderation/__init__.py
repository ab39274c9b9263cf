"""Keeping nodes civil: reports, hiding, sanctions, federation policy, sanitising, rate limits.

The rules and their wire shapes, without a database or a web surface: what
moderation needs from storage it states as protocols in ``ports``, which
``node/storage/moderation_store.py`` implements. The actions moderators and
residents take (hide, suspend, report...) live one layer up, in
``node/moderator_actions.py``, which calls into this package.

Imports: ``federation`` and ``activitypub``; never ``node`` (the layers contract
in ``[tool.importlinter]`` of ``pyproject.toml``: node, then moderation, then
federation, then activitypub).

Modules:

- ``actions`` — the vocabulary of moderator actions (hide, restore, remove;
  warn, silence, suspend), and how a process's hides travel as ``Remove`` of
  the object and are taken in from the process alone.
- ``handlers`` — moderation's inbox handlers (``Flag``, ``Remove`` and its
  ``Undo``) for the node's one handler table (``moderation_handlers``).
- ``inbox_gate`` — what the inbox asks before it reads a signature: may this
  host, and this actor, post here (``InboxGate``)?
- ``log`` — the public moderation log: what was done, to what, why, and by
  which role (``LogEntry``).
- ``policy`` — federation policy: which nodes this node talks to (open,
  blocklist or allowlist mode; domain rules), ``FederationPolicy``.
- ``ports`` — what moderation needs from storage, as protocols
  (``ModerationStore`` and its parts), and the records they pass.
- ``rate_limit`` — token-bucket rate limits (``RateLimiter``) for posting,
  supports, votes, reports and inbox traffic.
- ``reports`` — reports: filed by residents, sent between nodes as ``Flag``,
  queued for moderators.
- ``sanitize`` — sanitising HTML and text from outside (``sanitize_html`` and
  its fast path for Mastodon's shapes, ``plain_text``, ``text_to_html``).
- ``spam`` — rules against spam and floods (``SpamRules``, ``Limits``,
  ``ActionGuard``): rates, new accounts, the report threshold.
"""
