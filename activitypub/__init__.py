"""The protocol: ActivityStreams vocabulary, JSON-LD, HTTP signatures and keys.

What any ActivityPub server needs, whatever it hosts: this package knows
nothing of participation, policy or the database. It imports nothing of ours
(the first contract in ``[tool.importlinter]`` of ``pyproject.toml``); every
other package may import it. ``contexts/`` holds the bundled JSON-LD contexts
that ``jsonld`` serves instead of fetching them.

Modules:

- ``bounded_json`` — JSON from outside, parsed with its nesting bounded before
  the parser recurses.
- ``jsonld`` — JSON-LD processing with the bundled contexts (never a context
  fetched over the network), ``normalise`` and its fast paths.
- ``keys`` — RSA key pairs for actors: generating and (cached) loading PEM keys.
- ``signatures`` — HTTP signatures: signing as Mastodon does (draft-cavage),
  verifying draft-cavage and RFC 9421.
- ``vocabulary`` — ActivityStreams as typed data (``Activity``, ``ASObject``,
  ``ActorDocument``), made once at the inbox edge.
"""
