"""Where local things live: every local id is built here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

INSTANCE_USERNAME = "instance.actor"


@dataclass(frozen=True)
class Urls:
    """Builds and reads the ids of a node's actors, objects and activities."""

    base: str

    @property
    def host(self) -> str:
        """The authority part (host and port) of local ids."""
        return urlsplit(self.base).netloc

    def actor(self, username: str) -> str:
        """An actor's id."""
        return f"{self.base}/actors/{username}"

    def inbox(self, username: str) -> str:
        """An actor's own inbox."""
        return f"{self.actor(username)}/inbox"

    def shared_inbox(self) -> str:
        """The node's shared inbox."""
        return f"{self.base}/inbox"

    def outbox(self, username: str) -> str:
        """An actor's outbox collection."""
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        """An actor's followers collection."""
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        """An actor's following collection."""
        return f"{self.actor(username)}/following"

    def featured(self, username: str) -> str:
        """An actor's pinned posts (Mastodon's ``featured`` collection)."""
        return f"{self.actor(username)}/featured"

    def new_object(self) -> str:
        """A fresh object id."""
        return f"{self.base}/objects/{uuid.uuid4()}"

    def new_activity(self) -> str:
        """A fresh activity id."""
        return f"{self.base}/activities/{uuid.uuid4()}"

    def profile_page(self, username: str) -> str:
        """The page of an actor, for people (``url`` of actor documents)."""
        return f"{self.base}/@{username}"

    def username_of_followers(self, collection: str) -> str | None:
        """The local username whose followers collection this is, or None."""
        prefix = f"{self.base}/actors/"
        if collection.startswith(prefix) and collection.endswith("/followers"):
            name = collection[len(prefix) : -len("/followers")]
            return name if "/" not in name else None
        return None
