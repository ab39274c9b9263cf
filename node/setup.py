"""Creating a node directory and its first actors and accounts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from activitypub.keys import generate_key_pair
from node.config import ConfigError, NodeConfig, validate_handle, write_config
from node.passwords import generate_password, hash_password
from node.storage.accounts import ROLES, AccountRepository
from node.storage.actors import ActorRepository, LocalActor
from node.storage.database import Database
from node.urls import INSTANCE_USERNAME, Urls

# A first profile text for the organisation actor, until its admins write their own.
ORGANISATION_SUMMARY = {
    False: {
        "collective": "Het bewonerscollectief dat deze Samenspraak-node beheert.",
        "municipality": "De gemeente die deze Samenspraak-node beheert.",
    },
    True: {
        "collective": "The residents' collective that runs this Samenspraak node.",
        "municipality": "The municipality that runs this Samenspraak node.",
    },
}


@dataclass(frozen=True)
class CreatedAccount:
    """A new account and the password to hand to its owner once."""

    actor: LocalActor
    role: str
    password: str
    generated: bool


async def create_actor(
    actors: ActorRepository,
    urls: Urls,
    username: str,
    kind: str,
    display_name: str,
    summary: str = "",
) -> LocalActor:
    """A local actor with a fresh key pair. Keys are stored, never regenerated on start."""
    validate_handle(username)
    if await actors.by_username(username) is not None:
        raise ConfigError(f"the name {username!r} is already taken on this node")
    keys = generate_key_pair()
    return await actors.create_local(
        uri=urls.actor(username),
        username=username,
        kind=kind,
        display_name=display_name,
        summary=summary,
        private_key_pem=keys.private_pem,
        public_key_pem=keys.public_pem,
    )


async def create_account(
    db: Database,
    urls: Urls,
    username: str,
    role: str = "resident",
    password: str | None = None,
    display_name: str | None = None,
) -> CreatedAccount:
    """A local person who can log in; a password is generated unless one is given."""
    if role not in ROLES:
        raise ConfigError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if password is not None and len(password) < 8:
        raise ConfigError("a password needs at least 8 characters")
    actors = ActorRepository(db)
    chosen = password or generate_password()
    async with db.transaction():
        actor = await create_actor(actors, urls, username, "person", display_name or username)
        await AccountRepository(db).create(actor.id, role, hash_password(chosen))
    return CreatedAccount(actor, role, chosen, password is None)


def prepare_directory(data_dir: Path, config: NodeConfig) -> None:
    """Create the node directory with its config file; refuse one that holds anything."""
    if data_dir.exists() and any(data_dir.iterdir()):
        raise ConfigError(f"{data_dir} already exists and is not empty")
    data_dir.mkdir(parents=True, exist_ok=True)
    write_config(data_dir, config)


async def initialise(data_dir: Path, config: NodeConfig) -> CreatedAccount:
    """Create a node directory: config, migrated database, instance and organisation actors,
    and an admin account whose one-time password is returned."""
    prepare_directory(data_dir, config)
    db = await Database.open(config.database_location(data_dir))
    try:
        urls = Urls(config.base_url)
        actors = ActorRepository(db)
        await create_actor(
            actors,
            urls,
            INSTANCE_USERNAME,
            "instance",
            config.domain,
            "The server of this node; it signs fetches and reports.",
        )
        await create_actor(
            actors,
            urls,
            config.handle,
            "organisation",
            config.name,
            ORGANISATION_SUMMARY[config.language == "en"][config.kind],
        )
        return await create_account(db, urls, "admin", "admin", display_name="Beheerder")
    finally:
        await db.close()
