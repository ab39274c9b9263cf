"""The participation domain: processes, proposals, comments, supports, votes, budgets, decisions.

What the Groningen model's archetypes mean in code: who may take part
(eligibility), what a proposal may become (its status lifecycle), how supports,
votes and budget ballots are counted, and what is published. The domain knows
no surface: the pages (``node/web/``), the client API (``node/mastodon_api/``)
and the CLI (``node/cli/``) call these functions, and its SQL lives in
``node/storage/`` (``participation.py``, ``votes.py``, ``ballots.py``,
``residents.py``, ``addresses.py``, ``trust.py``). Its inbox handlers are
registered in the one handler table of ``federation/handlers.py``.

Imports: ``node.storage``, the node's wiring and leaves, and everything below;
never ``node.web``, ``node.mastodon_api`` or ``node.cli``. ``models`` and
``tally`` are plain records and pure counting that storage shares, so they
import nothing of storage or of the domain's behaviour (contracts in
``[tool.importlinter]`` of ``pyproject.toml``).

Modules:

- ``addresses`` — the municipal address register: reading the CSV extract.
- ``announce`` — a local process announces what is posted to it to its followers.
- ``ballots`` — budget ballots: picks that fit the process's budget.
- ``comments`` — comments on proposals, with an optional stance.
- ``demo_seed`` — processes, proposals, comments and supports for the demo.
- ``eligibility`` — who may support and vote: the three eligibility policies.
- ``handlers`` — the domain's inbox handlers, for the one handler table.
- ``interactions`` — what a resident sent here from another server acts on: found here
  or fetched from its origin and kept.
- ``models`` — the domain as plain typed records (shared with storage).
- ``official_responses`` — the municipality's official answer to a proposal.
- ``own_acts`` — a resident's own votes and supports, shown back as the process counts.
- ``processes`` — processes: local Group actors, and remote ones we know.
- ``proposals`` — proposals: Notes with a title, addressed to a process.
- ``relay`` — the author's node passes a favourite or reply it alone received on to the
  proposal's process, as the signed request it was (``federation/forwarding.py``).
- ``services`` — ``ParticipationServices``: the stores and services every domain function
  takes, built once by ``open_node`` (no function takes the whole ``Node``).
- ``status`` — the proposal lifecycle as a declared state graph.
- ``supports`` — supports: a ``Like`` of a proposal, counted once per person.
- ``tally`` — pure counting of votes and ballots (shared with storage).
- ``trail`` — the status trail: changing a status, federating it, taking it in.
- ``transparency`` — the public decision log and the open-data export.
- ``verification`` — verifying residents: by address, letter code or in person.
- ``voting`` — votes on proposals, as Mastodon polls travel.
- ``voting_demo`` — residents, trust, a vote and ballots for the demo.
- ``voting_handlers`` — inbox handlers for votes, ballots and their refusals.
"""
