"""A resident's tour of the demo network with Mastodon.py, the real client library.

Run against a running demo (``samenspraak demo``):

    .venv/bin/python -m tests.clients.mastodon_py_tour --base http://127.0.0.1:8701 \\
        --username anna --password groningen-demo

It logs in through the node's own login page (the authorization-code flow a
Mastodon app uses, with the "show the code" redirect), reads a proposal and
its comments, comments on it, supports it with a favourite and votes in the
city-wide poll, printing what the node answered at each step.
"""

from __future__ import annotations

import argparse
import html
import re
import sys

import requests
from mastodon import Mastodon, MastodonAPIError

SCOPES = ["read", "write", "follow", "push"]
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_CODE = re.compile(r'id="authorization-code"[^>]*>([^<]+)<')
_TAGS = re.compile(r"<[^>]+>")


def text_of(status: dict) -> str:
    """A status's content as one line of plain text."""
    words = html.unescape(_TAGS.sub(" ", status["content"])).split()
    line = " ".join(words)
    return line if len(line) <= 100 else line[:99] + "…"


def log_in(base: str, username: str, password: str) -> Mastodon:
    """Register an app and log in through the node's login form, as a browser would."""
    client_id, secret = Mastodon.create_app("Buurtrondleiding", scopes=SCOPES, api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base)
    url = api.auth_request_url(scopes=SCOPES, allow_http=True)
    with requests.Session() as browser:
        form = dict(_HIDDEN.findall(browser.get(url, timeout=10).text))
        page = browser.post(
            url.split("?", 1)[0],
            data={**form, "username": username, "password": password},
            timeout=10,
        )
    found = _CODE.search(page.text)
    if found is None:
        raise SystemExit(f"login refused ({page.status_code}): wrong user name or password?")
    api.log_in(code=found[1].strip(), scopes=SCOPES, allow_http=True)
    return api


def tour(base: str, username: str, password: str, proposal_words: str) -> None:
    """Log in, read, comment, support and vote; print each answer."""
    api = log_in(base, username, password)
    me = api.account_verify_credentials()
    print(f"logged in as @{me['acct']} ({me['display_name']})")

    statuses = api.timeline_public(limit=40)
    proposal = next((s for s in statuses if proposal_words in s["content"]), None)
    if proposal is None:
        raise SystemExit(f"no post containing {proposal_words!r} on the public timeline")
    print(f"proposal: {text_of(proposal)}  [{proposal['url']}]")
    for comment in api.status_context(proposal["id"])["descendants"]:
        print(f"  comment by @{comment['account']['acct']}: {text_of(comment)}")

    reply = api.status_post(
        f"@{proposal['account']['acct']} Goed plan; graag ook schaduw voor de kinderen.",
        in_reply_to_id=proposal["id"],
    )
    print(f"commented: {reply['url']}")
    try:
        supported = api.status_favourite(proposal["id"])
        print(f"supported: {supported['favourites_count']} supports now")
    except MastodonAPIError as refusal:
        print(f"support refused: {refusal}")

    poll_status = next((s for s in api.timeline_public(limit=40) if s.get("poll")), None)
    if poll_status is None:
        raise SystemExit("no open poll on the public timeline")
    poll = poll_status["poll"]
    print(f"poll: {text_of(poll_status)} options {[o['title'] for o in poll['options']]}")
    try:
        voted = api.poll_vote(poll["id"], [0])
        print(f"voted {poll['options'][0]['title']!r}; {voted['votes_count']} votes counted here")
    except MastodonAPIError as refusal:
        print(f"vote refused: {refusal}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8701")
    parser.add_argument("--username", default="anna")
    parser.add_argument("--password", default="groningen-demo")
    parser.add_argument("--proposal", default="schoolplein", help="words in the proposal")
    args = parser.parse_args(argv)
    tour(args.base, args.username, args.password, args.proposal)
    return 0


if __name__ == "__main__":
    sys.exit(main())
