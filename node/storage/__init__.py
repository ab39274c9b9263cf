"""Storage: the node's database (SQLite, or PostgreSQL) and every repository over it;
all SQL lives here, in SQLite's dialect (translated for PostgreSQL).

One repository per kind of thing, each built once by ``node.node.open_node``
over the one ``Database``. Repositories implement the storage protocols of
``federation/ports.py`` and ``moderation/ports.py`` and serve the domain and
the surfaces above; they hold queries, not rules. ``migrations/`` holds the
numbered schema migrations ``Database.migrate`` applies (a
``NNNN_name.postgresql.sql`` replaces its number's file on PostgreSQL).

Imports: ``federation``, ``moderation`` and ``activitypub`` (their ports and
records), the node's leaves (``node.clock``), and of the participation domain
only its plain records (``node/participation/models.py``, ``tally.py``). Never
the domain's behaviour (``node.participation``, ``node.moderator_actions``,
``node.social_actions``, ``node.outbox``, ``node.node``, ``node.setup``), a
surface (``node.web``, ``node.mastodon_api``, ``node.cli``), ``node.demo`` or
``node.runner`` (contracts in ``[tool.importlinter]`` of ``pyproject.toml``).

Modules:

- ``accounts`` — login accounts of local persons (``AccountRepository``).
- ``actors`` — local actors with their keys and accounts, and the cache of
  remote actors (``ActorRepository``).
- ``addresses`` — the address register (the node's extract of the BAG): one
  row per house, by postcode and house number (``AddressRegister``).
- ``ballots`` — budget rounds and the ballots residents cast in them (``BallotStore``).
- ``client_state`` — what the client API keeps besides posts: account ids,
  idempotency keys, markers.
- ``database`` — ``Database``: migrations, transactions (``transaction``,
  ``deferred_transaction``) and statements; ``SQLiteDatabase``, one SQLite file
  in WAL mode with the inline statements of the inbox's hot path (``lookup``,
  ``write_row``).
- ``postgres`` — ``PostgresDatabase``: the same over PostgreSQL (asyncpg), for
  ``database = "postgresql://…"``.
- ``dialect`` — SQLite's SQL as PostgreSQL reads it (placeholders, INSERT OR
  IGNORE, types of the migrations).
- ``deliveries`` — the persistent delivery queue and its fan-out jobs
  (``DeliveryRepository``).
- ``follows`` — who follows whom, and in which state.
- ``inbox_log`` — activities received, by id: what makes the inbox idempotent,
  committed with the activity's effects (``InboxLogRepository``).
- ``moderation_store`` — moderation over SQLite (``ModerationRepository``): the
  report queue, hidden content, sanctions, process moderators, the federation
  policy's rules and the public log.
- ``notifications`` — notifications of local accounts.
- ``oauth`` — OAuth apps, authorization codes and access tokens of the client API.
- ``objects`` — objects (notes, questions, tombstones) and the outbox of local
  activities (``ObjectRepository``, ``OutboxRepository``).
- ``paging`` — paging over increasing row ids, as the client API pages.
- ``participation`` — processes, proposals, the status trail, supports and
  official responses (``ParticipationStore``).
- ``reactions`` — likes and announces, local and remote.
- ``residents`` — verified residents: which local account lives at which
  registered address, by which method, and the hashed letter codes
  (``ResidentRegistry``).
- ``timelines`` — pages of posts for the client API: home, public, an author's.
- ``trust`` — the hosts this node trusts to attest their members' residency
  (``TrustList``).
- ``votes`` — polls (questions), the votes they received, and the votes this
  node's residents sent to other nodes' polls (``VotingStore``, ``SentVotes``).
- ``web_sessions`` — login sessions of the node's web pages.
"""
