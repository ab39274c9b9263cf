// A Fedify server with one account, on 127.0.0.1, that the interoperability tests
// (tests/interop/) drive: Fedify builds, signs and sends every activity and verifies
// every HTTP signature it receives (skipSignatureVerification stays off), so what
// the node sees is what a Fedify-based server (Ghost, Hollo, Hackers' Pub) sends.
//
//   node peer.mjs PORT
//
// It prints one line `ready http://127.0.0.1:PORT/users/fedi fedi` (actor, username)
// once it listens. The
// tests steer it through /control/* (JSON in, JSON out) and read back what its inbox
// received: an inbox listener runs only after Fedify verified the request's
// signature, so everything listed under /control/received came signed and verified.
import {
  Accept,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  Like,
  MemoryKvStore,
  Mention,
  Note,
  Person,
  Tombstone,
  Undo,
  Update,
  Activity,
  createFederation,
  generateCryptoKeyPair,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { serve } from "@hono/node-server";

// The peer keeps time on the nodes' clock (node/clock.py), as servers with synchronised
// clocks do, also when CI moves that clock ahead: signatures carry dates both sides check.
const shift = Number(process.env.SAMENSPRAAK_CLOCK_SHIFT_DAYS || 0) * 86_400_000;
if (shift !== 0) {
  const SystemDate = Date;
  globalThis.Date = class extends SystemDate {
    constructor(...args) {
      super(...(args.length === 0 ? [SystemDate.now() + shift] : args));
    }
    static now() {
      return SystemDate.now() + shift;
    }
  };
}

const PUBLIC = new URL("https://www.w3.org/ns/activitystreams#Public");
const IDENTIFIER = "fedi";
const port = Number(process.argv[2]);
const origin = `http://127.0.0.1:${port}`;

// Loopback has no TLS, and WebFinger of an acct: handle is always https in Fedify
// (as on the real fediverse). Only for 127.0.0.1 the request goes out as plain http.
const networkFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const request = new Request(input, init);
  if (!request.url.startsWith("https://127.0.0.1:")) return networkFetch(request);
  return networkFetch(new Request(request.url.replace(/^https:/, "http:"), request));
};

const federation = createFederation({
  kv: new MemoryKvStore(),
  // The node is on a loopback address; a production Fedify server refuses those.
  allowPrivateAddress: true,
});

const keyPairs = [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")];
// What the account published, by id, as Fedify objects (served to fetches).
const notes = new Map();
// Activities sent, by id, so that the tests can undo them.
const sent = new Map();
// What the inbox received, verified, as compacted JSON-LD; and its failures.
const received = [];
const inboxErrors = [];
const followers = new Map();
const following = new Map();

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== IDENTIFIER) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedi Peer",
      summary: "A Fedify account in the Samenspraak interoperability tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: new URL(`${ctx.getActorUri(identifier).href}/outbox`),
      followers: ctx.getFollowersUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
      manuallyApprovesFollowers: false,
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === IDENTIFIER ? keyPairs : []));

federation.setFollowersDispatcher("/users/{identifier}/followers", async (_ctx, identifier) => {
  if (identifier !== IDENTIFIER) return null;
  return { items: [...followers.values()] };
});

federation.setObjectDispatcher(Note, "/notes/{id}", async (ctx, { id }) => {
  return notes.get(ctx.getObjectUri(Note, { id }).href) ?? null;
});

async function record(ctx, activity) {
  const json = await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  received.push(json);
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow);
    if (follow.objectId?.href !== ctx.getActorUri(IDENTIFIER).href) return;
    const follower = await follow.getActor(ctx);
    if (follower?.id == null) return;
    followers.set(follower.id.href, follower);
    await ctx.sendActivity(
      { identifier: IDENTIFIER },
      follower,
      new Accept({
        id: new URL(`${origin}/activities/${crypto.randomUUID()}`),
        actor: ctx.getActorUri(IDENTIFIER),
        object: follow,
      }),
    );
  })
  .on(Accept, async (ctx, accept) => {
    await record(ctx, accept);
    const follow = await accept.getObject(ctx);
    if (follow instanceof Follow && follow.objectId != null) {
      following.set(follow.objectId.href, "accepted");
    } else if (accept.actorId != null) {
      following.set(accept.actorId.href, "accepted");
    }
  })
  .on(Activity, record)
  .onError((_ctx, error) => {
    inboxErrors.push(String(error?.stack ?? error));
  });

async function recipient(ctx, uri) {
  const actor = await ctx.lookupObject(uri);
  if (actor?.inboxId == null) throw new Error(`${uri} is not an actor with an inbox`);
  return actor;
}

async function send(ctx, to, activity) {
  const recipients = await Promise.all(to.map((uri) => recipient(ctx, uri)));
  await ctx.sendActivity({ identifier: IDENTIFIER }, recipients, activity, {
    preferSharedInbox: false,
  });
  sent.set(activity.id.href, activity);
  return activity;
}

function activityId() {
  return new URL(`${origin}/activities/${crypto.randomUUID()}`);
}

function buildNote(ctx, body, id) {
  const author = ctx.getActorUri(IDENTIFIER);
  return new Note({
    id: id ?? ctx.getObjectUri(Note, { id: crypto.randomUUID() }),
    attribution: author,
    content: body.content ?? null,
    name: body.name ?? null,
    published: Temporal.Now.instant(),
    updated: id ? Temporal.Now.instant() : null,
    replyTarget: body.inReplyTo ? new URL(body.inReplyTo) : null,
    tos: body.direct ? (body.to ?? []).map((u) => new URL(u)) : [PUBLIC],
    ccs: body.direct ? [] : [ctx.getFollowersUri(IDENTIFIER), ...(body.to ?? []).map((u) => new URL(u))],
    tags: (body.mentions ?? []).map((m) => new Mention({ href: new URL(m.href), name: m.name })),
  });
}

// The control API: each action is what a person on a Fedify-based server does.
const actions = {
  async lookup(ctx, body) {
    const found = await ctx.lookupObject(body.identifier);
    if (found == null) return { found: null };
    return { found: await found.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader }) };
  },
  async follow(ctx, body) {
    const target = await recipient(ctx, body.object);
    following.set(target.id.href, "requested");
    const follow = new Follow({ id: activityId(), actor: ctx.getActorUri(IDENTIFIER), object: target.id });
    await send(ctx, [body.object], follow);
    return { id: follow.id.href };
  },
  async post(ctx, body) {
    const note = buildNote(ctx, body);
    notes.set(note.id.href, note);
    const create = new Create({
      id: new URL(`${note.id.href}/activity`),
      actor: ctx.getActorUri(IDENTIFIER),
      object: note,
      tos: note.toIds,
      ccs: note.ccIds,
    });
    await send(ctx, body.to ?? [], create);
    return { id: note.id.href, activity: create.id.href };
  },
  async update(ctx, body) {
    const previous = notes.get(body.object);
    const note = buildNote(ctx, { ...body, inReplyTo: previous.replyTargetId?.href }, previous.id);
    notes.set(note.id.href, note);
    const update = new Update({
      id: activityId(),
      actor: ctx.getActorUri(IDENTIFIER),
      object: note,
      tos: note.toIds,
      ccs: note.ccIds,
    });
    await send(ctx, body.to ?? [], update);
    return { id: update.id.href };
  },
  async delete(ctx, body) {
    notes.delete(body.object);
    const del = new Delete({
      id: activityId(),
      actor: ctx.getActorUri(IDENTIFIER),
      object: new Tombstone({ id: new URL(body.object) }),
      tos: [PUBLIC],
    });
    await send(ctx, body.to ?? [], del);
    return { id: del.id.href };
  },
  async like(ctx, body) {
    const like = new Like({ id: activityId(), actor: ctx.getActorUri(IDENTIFIER), object: new URL(body.object) });
    await send(ctx, body.to ?? [], like);
    return { id: like.id.href };
  },
  async announce(ctx, body) {
    const announce = new Announce({
      id: activityId(),
      actor: ctx.getActorUri(IDENTIFIER),
      object: new URL(body.object),
      published: Temporal.Now.instant(),
      tos: [PUBLIC],
      ccs: [ctx.getFollowersUri(IDENTIFIER), ...(body.to ?? []).map((u) => new URL(u))],
    });
    await send(ctx, body.to ?? [], announce);
    return { id: announce.id.href };
  },
  async undo(ctx, body) {
    const undone = sent.get(body.object);
    const undo = new Undo({ id: activityId(), actor: ctx.getActorUri(IDENTIFIER), object: undone });
    await send(ctx, body.to ?? [], undo);
    return { id: undo.id.href };
  },
  // A poll vote as Mastodon and Fedify-based servers send it: a Note with the option's
  // name, in reply to the Question, addressed only to the poll's author.
  async vote(ctx, body) {
    const note = buildNote(ctx, { name: body.name, inReplyTo: body.question, to: [body.to], direct: true });
    notes.set(note.id.href, note);
    const create = new Create({
      id: new URL(`${note.id.href}/activity`),
      actor: ctx.getActorUri(IDENTIFIER),
      object: note,
      tos: [new URL(body.to)],
    });
    await send(ctx, [body.to], create);
    return { id: note.id.href };
  },
};

async function control(request) {
  const name = new URL(request.url).pathname.replace(/^\/control\//, "");
  const ctx = federation.createContext(new URL(origin), undefined);
  if (request.method === "GET" && name === "state") {
    return Response.json({
      actor: ctx.getActorUri(IDENTIFIER).href,
      received,
      inboxErrors,
      followers: [...followers.keys()],
      following: Object.fromEntries(following),
    });
  }
  const action = actions[name];
  if (request.method !== "POST" || action == null) {
    return Response.json({ error: `no control action ${name}` }, { status: 404 });
  }
  try {
    return Response.json(await action(ctx, await request.json()));
  } catch (error) {
    return Response.json({ error: String(error?.stack ?? error) }, { status: 500 });
  }
}

serve(
  {
    hostname: "127.0.0.1",
    port,
    fetch: (request) =>
      new URL(request.url).pathname.startsWith("/control/")
        ? control(request)
        : federation.fetch(request, { contextData: undefined }),
  },
  () => console.log(`ready ${origin}/users/${IDENTIFIER} ${IDENTIFIER}`),
);
