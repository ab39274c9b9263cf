// masto.js (the library of Elk and Phanpy) and megalodon (Whalebird's) driving a
// Samenspraak node's client API through the calls those apps make at start-up and
// on common actions. tests/clients/test_client_libraries.py starts the node, logs
// two residents in and runs this; every call prints one JSON line:
// {"library", "call", "ok", "detail"}.
//
// Input, from the environment: SAMENSPRAAK_URL, ANNA_TOKEN and BERT_TOKEN (user
// tokens of two residents), POLL_ID (an open poll), IMAGE_PATH (a PNG).

import { readFileSync, createReadStream } from "node:fs";
import { createRestAPIClient, MastoHttpError } from "masto";
import megalodon from "megalodon";

const generator = megalodon.default;
const { detector } = megalodon;

const url = process.env.SAMENSPRAAK_URL;
const pollId = process.env.POLL_ID;
const imagePath = process.env.IMAGE_PATH;
const results = [];

function expect(condition, what) {
  if (!condition) throw new Error(`unexpected answer: ${what}`);
}

async function check(library, call, action) {
  try {
    const detail = await action();
    results.push({ library, call, ok: true, detail: detail ?? "" });
  } catch (error) {
    const status = error?.statusCode ?? error?.response?.status ?? "";
    results.push({
      library,
      call,
      ok: false,
      detail: `${error?.constructor?.name}: ${status} ${error?.message}`,
    });
  }
}

// A refusal the apps can read: masto.js raises MastoHttpError only for a JSON error
// body (anything else is a MastoUnexpectedError, which Elk and Phanpy do not catch).
async function mastoRefuses(status, action) {
  try {
    await action();
  } catch (error) {
    expect(error instanceof MastoHttpError, `${error?.constructor?.name}: ${error?.message}`);
    expect(error.statusCode === status, `status ${error.statusCode}, not ${status}`);
    return `${status} ${error.message}`;
  }
  throw new Error(`expected a ${status} refusal`);
}

async function megalodonRefuses(status, action) {
  try {
    await action();
  } catch (error) {
    const answer = error?.response;
    expect(answer?.status === status, `status ${answer?.status}, not ${status}`);
    expect(typeof answer.data?.error === "string", `body ${JSON.stringify(answer.data)}`);
    return `${status} ${answer.data.error}`;
  }
  throw new Error(`expected a ${status} refusal`);
}

async function withMasto() {
  const lib = "masto";
  const anonymous = createRestAPIClient({ url });
  const masto = createRestAPIClient({ url, accessToken: process.env.ANNA_TOKEN });
  const on = (call, action) => check(lib, call, action);
  let me, bert, bertPost, ownPost, reply, media, withImage;

  await on("POST /api/v1/apps", async () => {
    const app = await anonymous.v1.apps.create({
      clientName: "Elk", redirectUris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read write follow push",
    });
    expect(app.clientId && app.clientSecret, "client id and secret");
  });
  await on("GET /api/v1/accounts/verify_credentials", async () => {
    me = await masto.v1.accounts.verifyCredentials();
    expect(me.acct === "anna" && me.avatar && me.source, me.acct);
    return me.acct;
  });
  await on("GET /api/v1/instance", async () => {
    const instance = await masto.v1.instance.fetch();
    expect(instance.version.startsWith("4.3.0"), instance.version);
    return instance.version;
  });
  await on("GET /api/v2/instance", async () => {
    const instance = await masto.v2.instance.fetch();
    expect(instance.configuration.mediaAttachments.supportedMimeTypes.includes("image/png"), "png");
    expect(instance.configuration.accounts.maxPinnedStatuses === 5, "five pins");
    return instance.domain;
  });
  await on("GET /api/v1/instance/activity", async () => {
    const weeks = await masto.v1.instance.activity.list();
    expect(weeks.length === 12 && typeof weeks[0].statuses === "string", "12 weeks");
  });
  await on("GET /api/v1/instance/extended_description", async () => {
    const about = await masto.v1.instance.extendedDescription.fetch();
    expect(typeof about.content === "string", "content");
  });
  await on("GET /api/v1/instance/translation_languages", async () => {
    const languages = await masto.v1.instance.translationLanguages.list();
    expect(Object.keys(languages).length === 0, "none");
  });
  await on("GET /api/v1/instance/languages", async () => {
    const languages = await masto.v1.instance.languages.list();
    expect(languages.length >= 1, "one language at least");
  });
  await on("GET /api/v1/instance/peers", async () => {
    expect(Array.isArray(await masto.v1.instance.peers.list()), "list");
  });
  const emptyLists = {
    "GET /api/v1/custom_emojis": () => masto.v1.customEmojis.list(),
    "GET /api/v1/lists": () => masto.v1.lists.list(),
    "GET /api/v1/filters": () => masto.v1.filters.list(),
    "GET /api/v2/filters": () => masto.v2.filters.list(),
    "GET /api/v1/announcements": () => masto.v1.announcements.list(),
    "GET /api/v1/followed_tags": () => masto.v1.followedTags.list(),
    "GET /api/v2/suggestions": () => masto.v2.suggestions.list(),
    "GET /api/v1/endorsements": () => masto.v1.endorsements.list(),
    "GET /api/v1/trends/tags": () => masto.v1.trends.tags.list(),
    "GET /api/v1/trends/statuses": () => masto.v1.trends.statuses.list(),
    "GET /api/v1/trends/links": () => masto.v1.trends.links.list(),
    "GET /api/v1/conversations": () => masto.v1.conversations.list(),
    "GET /api/v1/follow_requests": () => masto.v1.followRequests.list(),
    "GET /api/v1/blocks": () => masto.v1.blocks.list(),
    "GET /api/v1/domain_blocks": () => masto.v1.domainBlocks.list(),
    "GET /api/v1/scheduled_statuses": () => masto.v1.scheduledStatuses.list(),
  };
  for (const [call, action] of Object.entries(emptyLists)) {
    await on(call, async () => {
      const found = await action();
      expect(Array.isArray(found) && found.length === 0, JSON.stringify(found));
    });
  }
  await on("GET /api/v1/preferences", async () => {
    const preferences = await masto.v1.preferences.fetch();
    expect(preferences["posting:default:visibility"] === "public", "visibility");
  });
  await on("POST /api/v1/markers", async () => {
    const saved = await masto.v1.markers.create({ home: { lastReadId: "1" } });
    expect(saved.home.lastReadId === "1", JSON.stringify(saved));
  });
  await on("GET /api/v1/markers", async () => {
    const found = await masto.v1.markers.fetch({ timeline: ["home", "notifications"] });
    expect(found.home.lastReadId === "1", JSON.stringify(found));
  });
  await on("GET /api/v2/notifications/policy", async () => {
    const policy = await masto.v2.notifications.policy.fetch();
    expect(policy.forNotFollowing === "accept", JSON.stringify(policy));
  });
  await on("GET /api/v1/push/subscription (none: JSON 404)", () =>
    mastoRefuses(404, () => masto.v1.push.subscription.fetch()));
  await on("POST /api/v1/push/subscription (no Web Push: JSON 422)", () =>
    mastoRefuses(422, () => masto.v1.push.subscription.create({
      subscription: { endpoint: "https://push.example/1", keys: { p256dh: "k", auth: "a" } },
      data: { alerts: { mention: true } },
    })));
  await on("GET /api/v1/timelines/list/:id (no lists: JSON 404)", () =>
    mastoRefuses(404, () => masto.v1.timelines.list.$select("1").list()));
  await on("GET /api/v1/accounts/lookup", async () => {
    bert = await masto.v1.accounts.lookup({ acct: "bert" });
    expect(bert.acct === "bert", bert.acct);
  });
  await on("GET /api/v1/accounts/:id", async () => {
    expect((await masto.v1.accounts.$select(bert.id).fetch()).id === bert.id, "same id");
  });
  await on("POST /api/v1/accounts/:id/follow", async () => {
    expect((await masto.v1.accounts.$select(bert.id).follow()).following, "following");
  });
  await on("GET /api/v1/accounts/relationships", async () => {
    const [relation] = await masto.v1.accounts.relationships.fetch({ id: [bert.id] });
    expect(relation.following && relation.muting === false, JSON.stringify(relation));
  });
  await on("GET /api/v1/accounts/familiar_followers", async () => {
    // As Elk calls it: masto.js's type says a bare list, which it would send as ?0=id.
    const [familiar] = await masto.v1.accounts.familiarFollowers.fetch({ id: [bert.id] });
    expect(familiar.id === bert.id && Array.isArray(familiar.accounts), JSON.stringify(familiar));
  });
  await on("GET /api/v1/accounts/:id/statuses", async () => {
    const posts = await masto.v1.accounts.$select(bert.id).statuses.list({ limit: 20 });
    bertPost = posts[0];
    expect(posts.length >= 1, "bert's post");
  });
  await on("GET /api/v1/timelines/home", async () => {
    const home = await masto.v1.timelines.home.list({ limit: 20 });
    expect(home.some((s) => s.id === bertPost.id), "bert's post at home");
  });
  await on("GET /api/v1/timelines/public?local=true", async () => {
    expect((await masto.v1.timelines.public.list({ local: true })).length >= 1, "posts");
  });
  await on("GET /api/v1/timelines/tag/:hashtag", async () => {
    expect(Array.isArray(await masto.v1.timelines.tag.$select("buurt").list()), "list");
  });
  await on("POST /api/v1/statuses", async () => {
    ownPost = await masto.v1.statuses.create({
      status: "Vanuit Elk: wie helpt met de bloembakken?", language: "nl", visibility: "public",
    });
    expect(ownPost.account.id === me.id, "own post");
  });
  await on("POST /api/v1/statuses (reply)", async () => {
    reply = await masto.v1.statuses.create({ status: "@bert ik help mee", inReplyToId: bertPost.id });
    expect(reply.inReplyToId === bertPost.id && reply.mentions.length === 1, "a reply");
  });
  await on("GET /api/v1/statuses/:id", async () => {
    expect((await masto.v1.statuses.$select(bertPost.id).fetch()).id === bertPost.id, "same");
  });
  await on("GET /api/v1/statuses/:id/context", async () => {
    const context = await masto.v1.statuses.$select(bertPost.id).context.fetch();
    expect(context.descendants.some((s) => s.id === reply.id), "the reply below");
  });
  const toggles = [
    ["favourite", "unfavourite", "favourited"],
    ["reblog", "unreblog", "reblogged"],
    ["bookmark", "unbookmark", "bookmarked"],
    ["mute", "unmute", "muted"],
  ];
  for (const [on_, off, field] of toggles) {
    await on(`POST /api/v1/statuses/:id/${on_}`, async () => {
      const status = await masto.v1.statuses.$select(bertPost.id)[on_]();
      expect((status.reblog ?? status)[field] === true, field);
    });
    if (on_ === "favourite") {
      await on("GET /api/v1/favourites", async () => {
        expect((await masto.v1.favourites.list())[0].id === bertPost.id, "the favourite");
      });
      await on("GET /api/v1/statuses/:id/favourited_by", async () => {
        const by = await masto.v1.statuses.$select(bertPost.id).favouritedBy.list();
        expect(by.some((a) => a.id === me.id), "anna");
      });
    }
    if (on_ === "bookmark") {
      await on("GET /api/v1/bookmarks", async () => {
        expect((await masto.v1.bookmarks.list())[0].id === bertPost.id, "the bookmark");
      });
    }
    await on(`POST /api/v1/statuses/:id/${off}`, async () => {
      const status = await masto.v1.statuses.$select(bertPost.id)[off]();
      expect(status[field] === false, field);
    });
  }
  await on("POST /api/v1/statuses/:id/pin", async () => {
    expect((await masto.v1.statuses.$select(ownPost.id).pin()).pinned, "pinned");
  });
  await on("GET /api/v1/accounts/:id/statuses?pinned=true", async () => {
    const pinned = await masto.v1.accounts.$select(me.id).statuses.list({ pinned: true });
    expect(pinned.length === 1 && pinned[0].id === ownPost.id, "the pin");
  });
  await on("POST /api/v1/statuses/:id/unpin", async () => {
    expect(!(await masto.v1.statuses.$select(ownPost.id).unpin()).pinned, "unpinned");
  });
  await on("PUT /api/v1/statuses/:id", async () => {
    const edited = await masto.v1.statuses.$select(ownPost.id).update({
      status: "Vanuit Elk: wie helpt zaterdag met de bloembakken?",
    });
    expect(edited.editedAt && edited.content.includes("zaterdag"), "edited");
  });
  await on("GET /api/v1/statuses/:id/history", async () => {
    const versions = await masto.v1.statuses.$select(ownPost.id).history.list();
    expect(versions.length === 2, `${versions.length} versions`);
  });
  await on("GET /api/v1/statuses/:id/source", async () => {
    const source = await masto.v1.statuses.$select(ownPost.id).source.fetch();
    expect(source.text.includes("zaterdag"), source.text);
  });
  await on("POST /api/v1/statuses/:id/translate (off: JSON 403)", () =>
    mastoRefuses(403, () => masto.v1.statuses.$select(ownPost.id).translate({ lang: "en" })));
  await on("POST /api/v2/media", async () => {
    const file = new Blob([readFileSync(imagePath)], { type: "image/png" });
    media = await masto.v2.media.create({ file, description: "Bloembak bij de school" });
    expect(media.type === "image" && media.url, JSON.stringify(media));
  });
  await on("PUT /api/v1/media/:id", async () => {
    const described = await masto.v1.media.$select(media.id).update({
      description: "Lege bloembak bij de school",
    });
    expect(described.description === "Lege bloembak bij de school", described.description);
  });
  await on("POST /api/v1/statuses (with media_ids)", async () => {
    withImage = await masto.v1.statuses.create({ status: "Zo ziet hij eruit.", mediaIds: [media.id] });
    const [attached] = withImage.mediaAttachments;
    expect(attached.id === media.id && attached.description.startsWith("Lege"), "attached");
  });
  await on("GET /api/v1/accounts/:id/statuses?only_media=true", async () => {
    const found = await masto.v1.accounts.$select(me.id).statuses.list({ onlyMedia: true });
    expect(found.length === 1 && found[0].id === withImage.id, "only the post with an image");
  });
  await on("GET /api/v1/polls/:id", async () => {
    const poll = await masto.v1.polls.$select(pollId).fetch();
    expect(poll.options.length >= 2 && !poll.voted, "an open poll");
  });
  await on("POST /api/v1/polls/:id/votes", async () => {
    const poll = await masto.v1.polls.$select(pollId).votes.create({ choices: [0] });
    expect(poll.voted && poll.ownVotes[0] === 0, JSON.stringify(poll.ownVotes));
  });
  await on("GET /api/v1/notifications", async () => {
    const found = await masto.v1.notifications.list({ limit: 30 });
    expect(found.some((n) => n.type === "mention"), found.map((n) => n.type).join(","));
  });
  await on("GET /api/v2/notifications", async () => {
    const grouped = await masto.v2.notifications.list();
    expect(grouped.notificationGroups.length >= 1, "groups");
  });
  await on("GET /api/v2/notifications/unread_count", async () => {
    const unread = await masto.v2.notifications.unreadCount.fetch();
    expect(unread.count >= 1, JSON.stringify(unread));
  });
  await on("GET /api/v1/accounts?id[]=", async () => {
    const [found] = await masto.v1.accounts.fetch({ id: [bert.id] });
    expect(found.id === bert.id, "bert");
  });
  await on("GET /api/v1/statuses?id[]=", async () => {
    const found = await masto.v1.statuses.fetch({ id: [bertPost.id, ownPost.id] });
    expect(found.length === 2, `${found.length} posts`);
  });
  await on("GET /api/v2/search?resolve=true", async () => {
    const found = await masto.v2.search.list({ q: "bert", resolve: true, type: "accounts" });
    expect(found.accounts.some((a) => a.id === bert.id), "bert found");
  });
  await on("GET /api/v1/accounts/search", async () => {
    const found = await masto.v1.accounts.search.list({ q: "ber" });
    expect(found.some((a) => a.id === bert.id), "bert");
  });
  await on("GET /api/v1/accounts/:id/followers", async () => {
    const followers = await masto.v1.accounts.$select(bert.id).followers.list();
    expect(followers.some((a) => a.id === me.id), "anna follows bert");
  });
  await on("GET /api/v1/accounts/:id/following", async () => {
    const following = await masto.v1.accounts.$select(me.id).following.list();
    expect(following.some((a) => a.id === bert.id), "bert followed");
  });
  await on("GET /api/v1/accounts/:id/featured_tags", async () => {
    expect((await masto.v1.accounts.$select(bert.id).featuredTags.list()).length === 0, "none");
  });
  await on("GET /api/v1/accounts/:id/lists", async () => {
    expect((await masto.v1.accounts.$select(bert.id).lists.list()).length === 0, "none");
  });
  await on("GET /api/v1/statuses/:id/reblogged_by", async () => {
    expect(Array.isArray(await masto.v1.statuses.$select(bertPost.id).rebloggedBy.list()), "list");
  });
  await on("GET /api/v1/notifications/:id and POST .../dismiss", async () => {
    const [latest] = await masto.v1.notifications.list({ limit: 1 });
    expect((await masto.v1.notifications.$select(latest.id).fetch()).id === latest.id, "same");
    await masto.v1.notifications.$select(latest.id).dismiss();
    const after = await masto.v1.notifications.list({ limit: 40 });
    expect(!after.some((n) => n.id === latest.id), "dismissed");
  });
  await on("POST /api/v1/reports", async () => {
    const report = await masto.v1.reports.create({
      accountId: bert.id, statusIds: [bertPost.id], comment: "Test van een melding",
    });
    expect(report.targetAccount.id === bert.id, JSON.stringify(report));
  });
  await on("POST /api/v1/accounts/:id/mute", async () => {
    expect((await masto.v1.accounts.$select(bert.id).mute()).muting, "muting");
  });
  await on("GET /api/v1/mutes", async () => {
    expect((await masto.v1.mutes.list())[0].id === bert.id, "bert muted");
  });
  await on("POST /api/v1/accounts/:id/unmute", async () => {
    expect(!(await masto.v1.accounts.$select(bert.id).unmute()).muting, "not muting");
  });
  await on("PATCH /api/v1/accounts/update_credentials", async () => {
    const avatar = new Blob([readFileSync(imagePath)], { type: "image/png" });
    const changed = await masto.v1.accounts.updateCredentials({
      displayName: "Anna uit Elk", note: "Bloembakken.", avatar,
    });
    expect(changed.displayName === "Anna uit Elk" && changed.avatar.includes("/media/uploads/"),
      JSON.stringify([changed.displayName, changed.avatar]));
  });
  await on("POST /api/v1/accounts/:id/unfollow", async () => {
    expect(!(await masto.v1.accounts.$select(bert.id).unfollow()).following, "unfollowed");
  });
  await on("DELETE /api/v1/statuses/:id", async () => {
    const removed = await masto.v1.statuses.$select(reply.id).remove();
    expect(removed.id === reply.id, "the reply");
  });
  await on("any other /api/ path (JSON 404)", () =>
    mastoRefuses(404, () => masto.v1.timelines.link.list({ url: "https://example.org" })));
}

async function withMegalodon() {
  const lib = "megalodon";
  const on = (call, action) => check(lib, call, action);
  let client, me, anna, annaPost, ownPost, media;

  await on("detector (NodeInfo)", async () => {
    const sns = await detector(url);
    expect(sns === "mastodon", sns);
    client = generator(sns, url, process.env.BERT_TOKEN);
    return sns;
  });
  if (client === undefined) return;
  await on("registerApp", async () => {
    const app = await generator("mastodon", url).registerApp("Whalebird", {
      scopes: ["read", "write", "follow"],
    });
    expect(app.client_id && app.url, "client id and authorize url");
  });
  await on("verifyAccountCredentials", async () => {
    me = (await client.verifyAccountCredentials()).data;
    expect(me.acct === "bert", me.acct);
  });
  const reads = {
    getInstance: async () => expect((await client.getInstance()).data.uri, "uri"),
    getInstanceCustomEmojis: () => client.getInstanceCustomEmojis(),
    getPreferences: () => client.getPreferences(),
    getMarkers: () => client.getMarkers(["home", "notifications"]),
    getLists: () => client.getLists(),
    getFilters: () => client.getFilters(),
    getInstanceAnnouncements: () => client.getInstanceAnnouncements(),
    getFollowedTags: () => client.getFollowedTags(),
    getSuggestions: () => client.getSuggestions(),
    getInstanceTrends: () => client.getInstanceTrends(),
    getInstanceActivity: () => client.getInstanceActivity(),
    getConversationTimeline: () => client.getConversationTimeline(),
    getFavourites: () => client.getFavourites(),
    getBookmarks: () => client.getBookmarks(),
    getMutes: () => client.getMutes(),
    getFollowRequests: () => client.getFollowRequests(),
    getEndorsements: () => client.getEndorsements(),
    getHomeTimeline: () => client.getHomeTimeline(),
    getLocalTimeline: () => client.getLocalTimeline(),
    getPublicTimeline: () => client.getPublicTimeline(),
    getNotifications: () => client.getNotifications(),
    getTag: () => client.getTag("buurt"),
  };
  for (const [call, action] of Object.entries(reads)) {
    await on(call, action);
  }
  await on("getPushSubscription (none: JSON 404)", () =>
    megalodonRefuses(404, () => client.getPushSubscription()));
  await on("lookupAccount", async () => {
    anna = (await client.lookupAccount("anna")).data;
    expect(anna.acct === "anna", anna.acct);
  });
  await on("getRelationships", async () => {
    const [relation] = (await client.getRelationships([anna.id])).data;
    // anna unfollowed bert at the end of her masto.js session.
    expect(relation.id === anna.id && relation.followed_by === false, JSON.stringify(relation));
  });
  await on("followAccount", async () => {
    expect((await client.followAccount(anna.id)).data.following, "following");
  });
  await on("getAccountFollowers", async () => {
    const followers = (await client.getAccountFollowers(anna.id)).data;
    expect(followers.some((a) => a.id === me.id), "bert follows anna");
  });
  await on("getAccountStatuses", async () => {
    annaPost = (await client.getAccountStatuses(anna.id, { limit: 5 })).data[0];
    expect(annaPost.account.id === anna.id, "anna's post");
  });
  await on("postStatus", async () => {
    ownPost = (await client.postStatus("Vanuit Whalebird: ik neem schoppen mee.")).data;
    expect(ownPost.account.id === me.id, "own post");
  });
  await on("postStatus (reply)", async () => {
    const reply = (await client.postStatus("@anna ik kom ook", { in_reply_to_id: annaPost.id }))
      .data;
    expect(reply.in_reply_to_id === annaPost.id, "a reply");
  });
  await on("getStatusContext", async () => {
    expect((await client.getStatusContext(annaPost.id)).data.descendants.length >= 1, "reply");
  });
  const toggles = [
    ["favouriteStatus", "unfavouriteStatus", "favourited"],
    ["reblogStatus", "unreblogStatus", "reblogged"],
    ["bookmarkStatus", "unbookmarkStatus", "bookmarked"],
    ["muteStatus", "unmuteStatus", "muted"],
  ];
  for (const [on_, off, field] of toggles) {
    await on(on_, async () => {
      const status = (await client[on_](annaPost.id)).data;
      expect((status.reblog ?? status)[field] === true, field);
    });
    await on(off, async () => {
      expect((await client[off](annaPost.id)).data[field] === false, field);
    });
  }
  await on("getStatusFavouritedBy", async () => {
    expect(Array.isArray((await client.getStatusFavouritedBy(annaPost.id)).data), "list");
  });
  await on("getStatusRebloggedBy", async () => {
    expect(Array.isArray((await client.getStatusRebloggedBy(annaPost.id)).data), "list");
  });
  await on("report", async () => {
    const report = (await client.report(anna.id, { status_ids: [annaPost.id], comment: "Test" }))
      .data;
    expect(report.target_account.id === anna.id, JSON.stringify(report));
  });
  await on("pinStatus", async () => {
    expect((await client.pinStatus(ownPost.id)).data.pinned, "pinned");
  });
  await on("unpinStatus", async () => {
    expect(!(await client.unpinStatus(ownPost.id)).data.pinned, "unpinned");
  });
  await on("editStatus", async () => {
    const edited = (await client.editStatus(ownPost.id, {
      status: "Vanuit Whalebird: ik neem twee schoppen mee.",
    })).data;
    expect(edited.content.includes("twee"), edited.content);
  });
  await on("getStatusSource", async () => {
    expect((await client.getStatusSource(ownPost.id)).data.text.includes("twee"), "source");
  });
  await on("uploadMedia", async () => {
    media = (await client.uploadMedia(createReadStream(imagePath), {
      description: "Schoppen in de schuur",
    })).data;
    expect(media.type === "image" && media.description === "Schoppen in de schuur", "image");
  });
  await on("updateMedia", async () => {
    const described = (await client.updateMedia(media.id, { description: "Twee schoppen" })).data;
    expect(described.description === "Twee schoppen", described.description);
  });
  await on("postStatus (with media_ids)", async () => {
    const post = (await client.postStatus("Deze twee.", { media_ids: [media.id] })).data;
    expect(post.media_attachments[0].id === media.id, "attached");
  });
  await on("getPoll", async () => {
    expect((await client.getPoll(pollId)).data.options.length >= 2, "an open poll");
  });
  await on("votePoll", async () => {
    const poll = (await client.votePoll(pollId, [1])).data;
    expect(poll.voted, "voted");
  });
  await on("search (resolve)", async () => {
    const found = (await client.search("anna", { type: "accounts", resolve: true })).data;
    expect(found.accounts.some((a) => a.id === anna.id), "anna found");
  });
  await on("muteAccount", async () => {
    expect((await client.muteAccount(anna.id, true)).data.muting, "muting");
  });
  await on("unmuteAccount", async () => {
    expect(!(await client.unmuteAccount(anna.id)).data.muting, "not muting");
  });
  await on("updateCredentials", async () => {
    const changed = (await client.updateCredentials({ display_name: "Bert uit Whalebird" })).data;
    expect(changed.display_name === "Bert uit Whalebird", changed.display_name);
  });
  await on("unfollowAccount", async () => {
    expect(!(await client.unfollowAccount(anna.id)).data.following, "unfollowed");
  });
  await on("deleteStatus", () => client.deleteStatus(ownPost.id));
}

await withMasto();
await withMegalodon();
for (const result of results) {
  console.log(JSON.stringify(result));
}
