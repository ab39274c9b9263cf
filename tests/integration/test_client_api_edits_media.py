"""Editing a post from an app sends its Update to everyone who had it and keeps its
history; images uploaded with alt text go out as Image attachments; a profile edit
(name, description, avatar) reaches followers elsewhere."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta

import aiohttp
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from node.clock import utc_now
from node.mastodon_api.instance import solid_png
from node.mastodon_api.media import remove_unposted_media
from node.moderator_actions import OPERATOR, hide
from node.runner import RunningNode
from node.storage.media import MediaRepository
from tests.integration.conftest import StartNode, deliver
from tests.integration.oauth_browser import logged_in_client, neighbours, resident
from tests.integration.participation_helpers import open_process


async def call(function, *args, **kwargs):
    """Run a synchronous Mastodon.py call off the loop that serves the nodes."""
    return await asyncio.to_thread(function, *args, **kwargs)


async def followed_across(start: StartNode) -> tuple[RunningNode, RunningNode, Mastodon, Mastodon]:
    """anna on Oosterpark, followed by the wethouder on the municipality's node."""
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    gemeente = await start("gemeente", "Gemeente Groningen", kind="municipality")
    await resident(oosterpark, "anna")
    await resident(gemeente, "wethouder")
    anna = await logged_in_client(oosterpark, "anna")
    wethouder = await logged_in_client(gemeente, "wethouder")
    host = oosterpark.node.urls.host
    [found] = (await call(wethouder.search_v2, f"@anna@{host}", resolve=True)).accounts
    await call(wethouder.account_follow, found.id)
    await deliver(oosterpark, gemeente)
    return oosterpark, gemeente, anna, wethouder


async def test_edit_reaches_followers_elsewhere_with_its_history(start: StartNode) -> None:
    oosterpark, gemeente, anna, wethouder = await followed_across(start)
    post = await call(anna.status_post, "Buurtfeest op 12 juni.")
    await deliver(oosterpark, gemeente)

    edited = await call(
        anna.status_update, post.id, "Buurtfeest op 19 juni.", spoiler_text="Nieuwe datum"
    )
    assert edited.content == "<p>Buurtfeest op 19 juni.</p>" and edited.edited_at
    assert edited.spoiler_text == "Nieuwe datum" and edited.id == post.id
    await deliver(oosterpark, gemeente)

    [seen] = await call(wethouder.timeline_home)
    assert seen.uri == post.uri and seen.content == "<p>Buurtfeest op 19 juni.</p>"
    assert seen.spoiler_text == "Nieuwe datum"
    for client, status_id in ((anna, post.id), (wethouder, seen.id)):
        versions = await call(client.status_history, status_id)
        assert [v.content for v in versions] == [
            "<p>Buurtfeest op 12 juni.</p>",
            "<p>Buurtfeest op 19 juni.</p>",
        ]
        assert [v.spoiler_text for v in versions] == ["", "Nieuwe datum"]
    source = await call(anna.status_source, post.id)
    assert source.text == "Buurtfeest op 19 juni." and source.spoiler_text == "Nieuwe datum"

    update = await oosterpark.node.db.fetch_value(
        "SELECT document FROM outbox WHERE type = 'Update' AND object = ?", (post.uri,)
    )
    sent = json.loads(update)
    assert sent["object"]["content"] == "<p>Buurtfeest op 19 juni.</p>"
    assert sent["cc"] == [oosterpark.node.urls.followers("anna")]


async def test_only_the_author_edits_and_who_favourited_hears_of_the_edit(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    anna, bert = await neighbours(oosterpark)
    post = await call(anna.status_post, "Origineel.")
    await call(bert.status_favourite, post.id)

    with pytest.raises(MastodonNotFoundError):
        await call(bert.status_update, post.id, "Overgenomen.")
    with pytest.raises(MastodonAPIError, match="can't be blank"):
        await call(anna.status_update, post.id, "")
    assert [v.content for v in await call(anna.status_history, post.id)] == ["<p>Origineel.</p>"]
    assert (await call(bert.status, post.id)).content == "<p>Origineel.</p>"
    assert await call(bert.notifications, types=["update"]) == []

    await call(anna.status_update, post.id, "Verbeterd.")
    [update] = await call(bert.notifications, types=["update"])
    assert update.status.content == "<p>Verbeterd.</p>" and update.account.acct == "anna"


async def test_uploaded_image_with_alt_text_goes_out_as_an_image_attachment(
    start: StartNode,
) -> None:
    oosterpark, gemeente, anna, wethouder = await followed_across(start)
    png = solid_png(40, 30, (200, 30, 30))
    media = await call(
        anna.media_post, io.BytesIO(png), mime_type="image/png", file_name="bank.png",
        description="Een kapotte bank aan de vijver",
    )  # fmt: skip
    assert media.type == "image" and media.meta.original.width == 40
    described = await call(anna.media_update, media.id, description="Kapotte bank bij de vijver")
    assert described.description == "Kapotte bank bij de vijver"

    post = await call(anna.status_post, "De bank is kapot.", media_ids=[media.id])
    [attached] = post.media_attachments
    assert attached.id == media.id and attached.description == "Kapotte bank bij de vijver"
    async with aiohttp.ClientSession() as http:
        async with http.get(attached.url) as served:
            assert served.status == 200 and served.content_type == "image/png"
            assert await served.read() == png
        async with http.get(post.url, headers={"Accept": "text/html"}) as page:
            assert f'<img src="{attached.url}" alt="Kapotte bank bij de vijver">' in (
                await page.text()
            )
    await deliver(oosterpark, gemeente)

    created = json.loads(
        await oosterpark.node.db.fetch_value(
            "SELECT document FROM outbox WHERE type = 'Create' AND object = ?", (post.uri,)
        )
    )
    assert created["object"]["attachment"] == [
        {
            "type": "Image",
            "mediaType": "image/png",
            "url": attached.url,
            "name": "Kapotte bank bij de vijver",
            "width": 40,
            "height": 30,
        }
    ]
    [seen] = await call(wethouder.timeline_home)
    [remote] = seen.media_attachments
    assert remote.type == "image" and remote.url == attached.url
    assert remote.description == "Kapotte bank bij de vijver"

    edited = await call(anna.status_update, post.id, "De bank is gemaakt.")
    assert [m.id for m in edited.media_attachments] == [media.id]
    alt = await call(anna.generate_media_edit_attributes, media.id, description="Gemaakte bank")
    await call(anna.status_update, post.id, "De bank is gemaakt!", media_attributes=[alt])
    await deliver(oosterpark, gemeente)
    [seen] = await call(wethouder.timeline_home)
    assert seen.content == "<p>De bank is gemaakt!</p>"
    assert [m.description for m in seen.media_attachments] == ["Gemaakte bank"]
    with pytest.raises(MastodonAPIError, match="another post"):
        await call(anna.status_post, "Nog een keer.", media_ids=[media.id])


async def test_uploads_that_are_no_image_or_too_large_are_refused_and_not_stored(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    anna, bert = await neighbours(oosterpark)

    with pytest.raises(MastodonAPIError, match="not a PNG, JPEG, GIF or WebP"):
        await call(
            anna.media_post, io.BytesIO(b"<svg onload=alert(1)>"), mime_type="image/png",
            file_name="x.png",
        )  # fmt: skip
    huge = b"\x89PNG\r\n\x1a\n" + bytes(8 * 1024 * 1024)
    with pytest.raises(MastodonAPIError, match="over the limit of 8 MB") as refused:
        await call(anna.media_post, io.BytesIO(huge), mime_type="image/png", file_name="y.png")
    assert refused.value.args[1] == 413
    assert await oosterpark.node.db.fetch_value("SELECT COUNT(*) FROM media") == 0
    assert not (oosterpark.node.data_dir / "media").exists() or not any(
        (oosterpark.node.data_dir / "media").iterdir()
    )

    media = await call(
        anna.media_post, io.BytesIO(solid_png(8, 8, (0, 0, 0))), mime_type="image/png",
        file_name="z.png",
    )  # fmt: skip
    with pytest.raises(MastodonNotFoundError):
        await call(bert.status_post, "Met andermans foto.", media_ids=[media.id])


async def test_images_stay_for_a_redraft_go_with_delete_media_and_hide_with_their_post(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    folder = oosterpark.node.data_dir / "media"

    async def upload() -> object:
        return await call(
            anna.media_post, io.BytesIO(solid_png(8, 8, (9, 9, 9))), mime_type="image/png",
            file_name="a.png",
        )  # fmt: skip

    async def served(url: str) -> int:
        async with aiohttp.ClientSession() as http, http.get(url) as answer:
            return answer.status

    first = await call(anna.status_post, "Eerste versie.", media_ids=[(await upload()).id])
    deleted = await call(anna.status_delete, first.id)
    [image] = deleted.media_attachments
    redraft = await call(anna.status_post, "Tweede versie.", media_ids=[image.id])
    assert [m.id for m in redraft.media_attachments] == [image.id]
    assert await served(image.url) == 200

    await call(anna.status_delete, redraft.id, delete_media=True)
    assert await served(image.url) == 404
    assert list(folder.iterdir()) == []

    kept = await call(anna.status_post, "Met foto.", media_ids=[(await upload()).id])
    await oosterpark.node.objects.tombstone(kept.uri)
    assert await served(kept.media_attachments[0].url) == 404

    shown = await call(anna.status_post, "Foto van de buren.", media_ids=[(await upload()).id])
    await hide(oosterpark.node.moderator_services, OPERATOR, shown.uri, "Zonder toestemming")
    assert (await call(anna.status, shown.id)).media_attachments == []
    assert await served(shown.media_attachments[0].url) == 404


async def test_profile_edit_with_an_avatar_reaches_followers_elsewhere(start: StartNode) -> None:
    oosterpark, gemeente, anna, wethouder = await followed_across(start)
    avatar = solid_png(120, 120, (200, 100, 0))

    me = await call(
        anna.account_update_credentials, display_name="Anna de Vries",
        note="Bloembakken en bankjes.", avatar=io.BytesIO(avatar), avatar_mime_type="image/png",
        locked=False, bot=False,
    )  # fmt: skip
    assert me.display_name == "Anna de Vries" and me.source.note == "Bloembakken en bankjes."
    assert "/media/uploads/" in me.avatar
    async with aiohttp.ClientSession() as http, http.get(me.avatar) as served:
        assert await served.read() == avatar
    await deliver(oosterpark, gemeente)

    [seen] = (await call(wethouder.search_v2, me.acct + "@" + oosterpark.node.urls.host)).accounts
    assert seen.display_name == "Anna de Vries" and seen.avatar == me.avatar
    assert seen.note == "<p>Bloembakken en bankjes.</p>"

    with pytest.raises(MastodonAPIError, match="locked cannot be changed"):
        await call(anna.account_update_credentials, locked=True)
    with pytest.raises(MastodonAPIError, match="profile fields are not available"):
        await call(anna.account_update_credentials, fields=[("Buurt", "Oosterpark")])
    assert (await call(anna.me)).display_name == "Anna de Vries"


async def test_the_language_an_app_gives_travels_as_content_map_and_stays_through_edits(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")

    async def sent(kind: str, uri: str) -> dict:
        return json.loads(
            await oosterpark.node.db.fetch_value(
                "SELECT document FROM outbox WHERE type = ? AND object = ?", (kind, uri)
            )
        )["object"]

    post = await call(anna.status_post, "Goedemorgen buren.", language="nl")
    assert post.language == "nl"
    assert (await sent("Create", post.uri))["contentMap"] == {"nl": "<p>Goedemorgen buren.</p>"}
    await call(anna.status_update, post.id, "Goedemiddag buren.")
    assert (await sent("Update", post.uri))["contentMap"] == {"nl": "<p>Goedemiddag buren.</p>"}
    with pytest.raises(MastodonAPIError, match="not a language code"):
        await call(anna.status_post, "Hallo.", language="Nederlands")


async def test_uploads_in_no_post_for_a_day_are_removed_with_their_files(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark")
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    node = oosterpark.node
    repository = MediaRepository(node.db)
    folder = node.data_dir / "media"

    async def upload() -> object:
        return await call(
            anna.media_post, io.BytesIO(solid_png(8, 8, (5, 5, 5))), mime_type="image/png",
            file_name="a.png",
        )  # fmt: skip

    forgotten = await upload()
    posted = await call(anna.status_post, "Met foto.", media_ids=[(await upload()).id])
    redrafted = await call(anna.status_post, "Eerste opzet.", media_ids=[(await upload()).id])
    await call(anna.status_delete, redrafted.id)

    await remove_unposted_media(node, repository, utc_now() + timedelta(hours=23))
    assert len(list(folder.iterdir())) == 3
    await remove_unposted_media(node, repository, utc_now() + timedelta(days=1, minutes=1))
    [kept] = list(folder.iterdir())
    assert posted.media_attachments[0].url.endswith(kept.name)
    assert await repository.get(int(forgotten.id)) is None
    with pytest.raises(MastodonNotFoundError):
        await call(anna.status_post, "Te laat.", media_ids=[redrafted.media_attachments[0].id])


async def test_a_proposal_from_an_app_needs_the_description_of_its_image(
    start: StartNode,
) -> None:
    oosterpark = await start("oosterpark", "Wijkraad Oosterpark")
    process = await open_process(oosterpark, "wijkagenda", "initiate", threshold=3)
    await resident(oosterpark, "anna")
    anna = await logged_in_client(oosterpark, "anna")
    photo = await call(
        anna.media_post, io.BytesIO(solid_png(8, 8, (0, 90, 0))), mime_type="image/png",
        file_name="bank.png",
    )  # fmt: skip
    proposal = f"@{process.slug} Meer bankjes\nLangs het Damsterdiep, voor ouderen."

    with pytest.raises(MastodonAPIError, match="describe every image") as refused:
        await call(anna.status_post, proposal, media_ids=[photo.id])
    assert refused.value.args[1] == 422
    await deliver(oosterpark)
    assert await oosterpark.node.participation_store.proposals_of(process.uri) == []
    # Described, the same upload goes out with the proposal.
    await call(anna.media_update, photo.id, description="Een lege stoep langs het Damsterdiep")
    await call(anna.status_post, proposal, media_ids=[photo.id])
    await deliver(oosterpark)
    [made] = await oosterpark.node.participation_store.proposals_of(process.uri)
    assert made.title == "Meer bankjes"
