"""Taking part from an account on another server, in the browser: the handle form on a
proposal or process page sends the visitor to their own server's interaction page
(found by WebFinger), and a node serves that page for its own residents."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, unquote

from moderation.rate_limit import Rate
from moderation.spam import NODE_RATES, SpamRules
from node.participation.comments import comments_of
from node.participation.models import Process, Proposal
from node.participation.proposals import create_proposal
from node.runner import RunningNode, free_port
from node.social_actions import post_note
from tests.integration.conftest import StartNode, StartPeer, deliver
from tests.integration.participation_helpers import open_process, person
from tests.integration.web_login import WebBrowser, logged_in, web_browser

SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
REFRESH = re.compile(r'<meta http-equiv="refresh" content="0;url=([^"]+)">')


async def proposal_page(running: RunningNode, proposal: Proposal) -> str:
    record = await running.node.objects.record(proposal.uri)
    assert record is not None
    return f"/proposals/{record.row_id}"


async def municipality_and_neighbourhood(
    start: StartNode,
) -> tuple[RunningNode, RunningNode, Process]:
    """The municipality with an advise process, and a neighbourhood node where anna lives."""
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    wijert = await start("wijert", "Wijkdeal De Wijert")
    await person(wijert, "anna")
    return gemeente, wijert, await open_process(gemeente, "verkeersplan", "advise", threshold=3)


def interact_path(uri: str, handle: str) -> str:
    return f"/interact?uri={quote(uri, safe='')}&handle={quote(handle, safe='')}"


def moves_on_to(page_text: str) -> str:
    """Where a page that moves on by itself (an instant refresh) sends the visitor."""
    found = REFRESH.search(page_text)
    assert found is not None, page_text
    target = html.unescape(found[1])
    assert f'href="{html.escape(target)}"' in page_text, "the way on is a link too"
    return target


async def test_a_neighbourhood_resident_supports_a_municipal_proposal_from_their_own_node(
    start: StartNode,
) -> None:
    gemeente, wijert, process = await municipality_and_neighbourhood(start)
    proposal = await create_proposal(
        gemeente.node.participation_services,
        await gemeente.node.organisation(),
        process,
        "Zebrapad bij de school",
        "Een zebrapad op de Oosterweg.",
    )
    page = await proposal_page(gemeente, proposal)

    async with web_browser(gemeente) as visitor:
        login = await visitor.get(f"/login?next={page}")
        assert f'href="{gemeente.base_url}{page}#elders"' in login.text, "no dead end"
        shown = await visitor.get(page)
        assert 'action="' + gemeente.base_url + '/interact"' in shown.text
        assert 'name="uri" value="' + proposal.uri + '"' in shown.text
        sent = await visitor.get(interact_path(proposal.uri, f"@anna@{wijert.node.urls.host}"))
    assert sent.status == 200
    target = moves_on_to(sent.text)
    assert target == (f"{wijert.base_url}/authorize_interaction?uri={quote(proposal.uri, safe='')}")

    async with web_browser(wijert) as anna:
        asked = await anna.get(target.removeprefix(wijert.base_url), follow=False)
        assert asked.status == 303 and asked.location is not None
        assert asked.location.startswith("/login?next=")
        assert (await anna.login("anna")).status == 303
        opened = await anna.get(target.removeprefix(wijert.base_url), follow=False)
        assert opened.status == 303 and opened.location is not None
        here, _, anchor = opened.location.partition("#")
        assert anchor == "steunen"
        kept = await wijert.node.participation_store.get_proposal(proposal.uri)
        assert kept is not None and kept.process_uri == process.uri

        local_page = await anna.get(here)
        assert "Zebrapad bij de school" in local_page.text
        assert f'action="{wijert.base_url}{here}/support"' in local_page.text
        supported = await anna.post(f"{here}/support", {})
        assert supported.status == 303, supported.text
        commented = await anna.post(
            f"{here}/comments", {"stance": "for", "text": "Graag, het is daar gevaarlijk."}
        )
        assert commented.status == 303, commented.text
        await deliver(gemeente, wijert)

    anna_uri = wijert.node.urls.actor("anna")
    assert await gemeente.node.participation_store.supporters(proposal.uri) == [anna_uri]
    thread = await comments_of(gemeente.node.participation_services, proposal.uri)
    assert [(c.attributed_to, stance) for c, stance, _ in thread] == [(anna_uri, "for")]


async def test_an_ordinary_post_from_elsewhere_is_shown_with_its_author_to_follow(
    start: StartNode,
) -> None:
    gemeente, wijert, _ = await municipality_and_neighbourhood(start)
    organisation = await gemeente.node.organisation()
    note = await post_note(
        gemeente.node.social_services, organisation, "<p>De markt gaat verhuizen.</p>"
    )
    async with logged_in(wijert, "anna") as anna:
        shown = await anna.get(f"/authorize_interaction?uri={quote(note['id'], safe='')}")
    assert shown.status == 200
    assert "De markt gaat verhuizen." in shown.text
    assert f'name="actor" value="{organisation.uri}"' in shown.text


async def test_a_resident_follows_a_remote_process_from_their_own_authorize_page(
    start: StartNode,
) -> None:
    gemeente, wijert, process = await municipality_and_neighbourhood(start)

    async with web_browser(gemeente) as visitor:
        assert "elsewhere-handle" in (await visitor.get("/processes/verkeersplan")).text
        sent = await visitor.get(interact_path(process.uri, f"anna@{wijert.node.urls.host}"))
    target = moves_on_to(sent.text).removeprefix(wijert.base_url)

    async with logged_in(wijert, "anna") as anna:
        shown = await anna.get(target)
        assert shown.status == 200
        assert "Proces: Proces verkeersplan" in shown.text
        followed = await anna.post(
            "/authorize_interaction", {"actor": process.uri, "uri": process.uri}
        )
        assert followed.status == 303 and followed.location is not None
        await deliver(gemeente, wijert)
        after = await anna.get(followed.location)
        assert "U volgt" in after.text
    assert wijert.node.urls.actor("anna") in await gemeente.node.follows.followers_of(process.uri)


async def test_a_resident_of_the_same_node_goes_to_its_own_authorize_page(
    start: StartNode,
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    process = await open_process(gemeente, "verkeersplan", "advise", threshold=3)
    async with web_browser(gemeente) as visitor:
        sent = await visitor.get(
            interact_path(process.uri, f"@femke@{gemeente.node.urls.host}"), follow=False
        )
    assert sent.status == 303 and sent.location is not None
    assert unquote(sent.location) == f"/authorize_interaction?uri={process.uri}"


async def test_a_neighbour_followed_through_the_pages_is_told_on_their_own_page(
    start: StartNode,
) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    await person(wijert, "anna")
    await person(wijert, "bram")
    bram = wijert.node.urls.actor("bram")
    async with logged_in(wijert, "anna") as anna:
        shown = await anna.get(f"/authorize_interaction?uri={quote(bram, safe='')}")
        assert shown.status == 200
        followed = await anna.post("/authorize_interaction", {"actor": bram, "uri": bram})
        assert followed.status == 303
    assert wijert.node.urls.actor("anna") in await wijert.node.follows.followers_of(bram)
    async with logged_in(wijert, "bram") as bram_browser:
        own = await bram_browser.get("/me")
    assert "anna volgt u." in own.text


async def test_a_mastodon_visitor_is_sent_to_their_servers_interaction_page(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    mastodon = await start_peer()
    mastodon.add_account("joris")
    process = await open_process(gemeente, "verkeersplan", "advise", threshold=3)
    async with web_browser(gemeente) as visitor:
        sent = await visitor.get(interact_path(process.uri, f"@joris@{mastodon.host}"))
    assert moves_on_to(sent.text) == (
        f"{mastodon.base_url}/authorize_interaction?uri={quote(process.uri, safe='')}"
    )


async def test_bad_handles_unreachable_servers_and_missing_templates_are_said_on_the_page(
    start: StartNode, start_peer: StartPeer
) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    mastodon = await start_peer()
    mastodon.add_account("joris")
    mastodon.offers_interaction = False
    process = await open_process(gemeente, "verkeersplan", "advise", threshold=3)

    async def problem(visitor: WebBrowser, handle: str, status: int) -> str:
        page = await visitor.get(interact_path(process.uri, handle))
        assert page.status == status, page.text
        assert "http-equiv" not in page.text
        assert f'value="{html.escape(handle)}"' in page.text, "the handle is kept to correct"
        found = re.search(r'<p role="alert" id="interact-problem">([^<]*)</p>', page.text)
        assert found is not None, page.text
        return html.unescape(found[1])

    async with web_browser(gemeente) as visitor:
        assert "is geen adres in de fediverse" in await problem(visitor, "anna at wijert", 422)
        assert "Geef uw adres" in await problem(visitor, "", 422)
        silent = f"127.0.0.1:{free_port()}"
        assert f"{silent} gaf geen antwoord" in await problem(visitor, f"@anna@{silent}", 404)
        unknown = await problem(visitor, f"@nobody@{mastodon.host}", 404)
        assert f"{mastodon.host} gaf geen antwoord over @nobody@{mastodon.host}" in unknown
        no_template = await problem(visitor, f"@joris@{mastodon.host}", 422)
        assert f"{mastodon.host} zegt niet waar" in no_template and process.uri in no_template
        elsewhere = await visitor.get(
            interact_path("http://127.0.0.1:9/objects/x", f"@joris@{mastodon.host}")
        )
        assert elsewhere.status == 404, "only what this node holds is offered"


async def test_webfinger_answers_advertise_the_nodes_interaction_page(start: StartNode) -> None:
    wijert = await start("wijert", "Wijkdeal De Wijert")
    await person(wijert, "anna")
    async with web_browser(wijert) as client:
        async with client.http.get(
            f"{wijert.base_url}/.well-known/webfinger",
            params={"resource": f"acct:anna@{wijert.node.urls.host}"},
        ) as response:
            document = await response.json(content_type=None)
    [link] = [link for link in document["links"] if link["rel"] == SUBSCRIBE]
    assert link["template"] == f"{wijert.base_url}/authorize_interaction?uri={{uri}}"


async def test_handle_lookups_from_one_address_are_limited(start: StartNode) -> None:
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    gemeente.node.limits.configure(SpamRules(rates={**NODE_RATES, "lookup_address": Rate(2, 300)}))
    process = await open_process(gemeente, "verkeersplan", "advise", threshold=3)
    silent = f"127.0.0.1:{free_port()}"
    async with web_browser(gemeente) as visitor:
        for _ in range(2):
            assert (await visitor.get(interact_path(process.uri, f"@a@{silent}"))).status == 404
        limited = await visitor.get(interact_path(process.uri, f"@a@{silent}"))
    assert limited.status == 429 and "try again in" in limited.text
