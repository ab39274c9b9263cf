"""Dutch and English for the page chrome and forms (never for what residents wrote).

The language is chosen by ``?lang=nl|en`` (remembered in a cookie), else by the
browser's Accept-Language, else by the node's configured language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

from aiohttp import web

from node.participation.processes import ARCHETYPE_EXPLAINED_NL
from node.participation.status import STATUS_LABELS_NL

LANGUAGES = ("nl", "en")
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_NAMES = MappingProxyType({"nl": "Nederlands", "en": "English"})

# Residents read times on their own clock; every Samenspraak node serves a Dutch
# neighbourhood or municipality.
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
MONTHS = MappingProxyType(
    {
        "nl": (
            "januari februari maart april mei juni juli augustus september oktober november"
            " december"
        ).split(),
        "en": (
            "January February March April May June July August September October November December"
        ).split(),
    }
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Translate = Callable[..., str]

# Each entry holds both languages side by side, so none can be left untranslated.
CATALOGUE: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "nav.skip": {"nl": "Naar de inhoud", "en": "Skip to content"},
        "nav.processes": {"nl": "Processen", "en": "Processes"},
        "nav.votes": {"nl": "Stemmingen", "en": "Votes"},
        "nav.verify": {"nl": "Bewoner bevestigen", "en": "Confirm residency"},
        "nav.login": {"nl": "Inloggen", "en": "Log in"},
        "nav.logout": {"nl": "Uitloggen", "en": "Log out"},
        "nav.logged_in_as": {"nl": "Ingelogd als {name}", "en": "Logged in as {name}"},
        "nav.language": {"nl": "Taal", "en": "Language"},
        "home.follow": {
            "nl": "Volg ons vanaf elke Mastodon-server:",
            "en": "Follow us from any Mastodon server:",
        },
        "home.latest": {"nl": "Laatste berichten", "en": "Latest posts"},
        "posts.none": {"nl": "Nog geen berichten.", "en": "No posts yet."},
        "actor.followers": {"nl": "{count} volgers", "en": "{count} followers"},
        "post.title": {"nl": "Bericht", "en": "Post"},
        "post.deleted": {"nl": "Dit bericht is verwijderd.", "en": "This post was deleted."},
        "post.replies": {"nl": "Reacties", "en": "Replies"},
        "post.likes": {"nl": "{count} keer gesteund", "en": "supported {count} times"},
        "login.title": {"nl": "Inloggen", "en": "Log in"},
        "login.intro": {
            "nl": "Log in met de gebruikersnaam en het wachtwoord van uw account op {node}.",
            "en": "Log in with the user name and password of your account on {node}.",
        },
        "login.username": {"nl": "Gebruikersnaam", "en": "User name"},
        "login.password": {"nl": "Wachtwoord", "en": "Password"},
        "login.submit": {"nl": "Inloggen", "en": "Log in"},
        "login.wrong": {
            "nl": "Gebruikersnaam of wachtwoord klopt niet.",
            "en": "The user name or password is not right.",
        },
        "login.too_many": {
            "nl": "Te veel pogingen om in te loggen. Probeer het over {seconds} seconden opnieuw.",
            "en": "Too many attempts to log in. Try again in {seconds} seconds.",
        },
        "login.no_account": {
            "nl": "Nog geen account? Vraag er een aan bij de wijkraad of op het spreekuur.",
            "en": "No account yet? Ask the neighbourhood council or come to the consultation hour.",
        },
        "login.elsewhere": {
            "nl": "Heeft u geen account op {node} maar wel in een andere wijk of op Mastodon?",
            "en": "No account on {node}, but one in another neighbourhood or on Mastodon?",
        },
        "login.elsewhere_link": {
            "nl": "Doe mee vanaf uw eigen account",
            "en": "Take part from your own account",
        },
        "logout.question": {"nl": "Wilt u uitloggen?", "en": "Do you want to log out?"},
        "refusal.title": {"nl": "Dat kan niet", "en": "That is not possible"},
        "refusal.expired": {
            "nl": "Dit formulier is verlopen. Ga terug, laad de pagina opnieuw en probeer het nog"
            " eens.",
            "en": "This form has expired. Go back, reload the page and try again.",
        },
        "refusal.role": {
            "nl": "Deze pagina is alleen voor moderatoren en beheerders van deze node.",
            "en": "This page is for the moderators and administrators of this node only.",
        },
        "refusal.back": {"nl": "Terug naar de voorpagina", "en": "Back to the front page"},
        "refusal.previous": {
            "nl": "Terug naar de vorige pagina",
            "en": "Back to the previous page",
        },
        "refusal.processes": {"nl": "Alle processen", "en": "All processes"},
        "refusal.not_found": {"nl": "Niet gevonden", "en": "Not found"},
        "refusal.not_allowed": {"nl": "Geen toegang", "en": "Not allowed"},
        "refusal.not_authenticated": {"nl": "Log eerst in", "en": "Please log in first"},
        "refusal.rate_limited": {"nl": "Even geduld", "en": "Please wait a moment"},
        "reason.process_unknown": {
            "nl": "Er is geen proces met de naam '{slug}' op deze node.",
            "en": "There is no process called '{slug}' on this node.",
        },
        "reason.proposal_unknown": {
            "nl": "Dit voorstel bestaat niet (meer).",
            "en": "This proposal does not exist (any more).",
        },
        "reason.account_unknown": {
            "nl": "Dit account bestaat niet op deze node.",
            "en": "This account does not exist on this node.",
        },
        "reason.post_unknown": {
            "nl": "Dit bericht bestaat niet op deze node.",
            "en": "This post does not exist on this node.",
        },
        "reason.vote_unknown": {
            "nl": "Deze stemming bestaat niet op deze node.",
            "en": "This vote does not exist on this node.",
        },
        "reason.interaction_unknown": {
            "nl": "Dat bericht of account is niet te vinden.",
            "en": "That post or account could not be found.",
        },
        "reason.handle_missing": {
            "nl": "Geef uw adres, zoals @naam@voorbeeld.nl.",
            "en": "Give your address, such as @name@example.org.",
        },
        "reason.handle_invalid": {
            "nl": "'{handle}' is geen adres in de fediverse; zo ziet het eruit:"
            " @naam@voorbeeld.nl.",
            "en": "'{handle}' is not a fediverse address; it looks like this: @name@example.org.",
        },
        "reason.handle_unreachable": {
            "nl": "{host} gaf geen antwoord over {handle}. Klopt het adres? Probeer het anders"
            " later nog eens.",
            "en": "{host} gave no answer about {handle}. Is the address right? Otherwise try"
            " again later.",
        },
        "reason.handle_no_template": {
            "nl": "{host} zegt niet waar u daar meedoet met berichten van elders. Zoek op uw"
            " eigen server naar dit adres: {uri}",
            "en": "{host} does not say where you act there on posts from elsewhere. Search for"
            " this address on your own server: {uri}",
        },
        "reason.report_unknown": {
            "nl": "Deze melding bestaat niet.",
            "en": "This report does not exist.",
        },
        "form.required": {"nl": "Vul dit veld in.", "en": "Please fill in this field."},
        "form.amount": {
            "nl": "Vul een bedrag in cijfers in, bijvoorbeeld 2500.",
            "en": "Enter an amount in figures, for example 2500.",
        },
        "form.refused": {"nl": "Dit kon niet:", "en": "This was not possible:"},
        "form.problem": {"nl": "Fout:", "en": "Error:"},
        "processes.elsewhere": {"nl": "Processen elders", "en": "Processes elsewhere"},
        "processes.elsewhere_intro": {
            "nl": "Processen van andere nodes die u vanaf hier kunt volgen, steunen en waar u"
            " een voorstel kunt doen.",
            "en": "Processes of other nodes you can follow, support and make proposals to"
            " from here.",
        },
        "processes.intro": {
            "nl": "Hier praat en beslist u mee. Kies een proces om voorstellen te lezen, te"
            " steunen of zelf een voorstel te doen.",
            "en": "Here you take part in talks and decisions. Choose a process to read and"
            " support proposals or to make one yourself.",
        },
        "processes.phase": {"nl": "Fase: {phase}", "en": "Phase: {phase}"},
        "processes.none": {"nl": "Er lopen nu geen processen.", "en": "No processes are running."},
        "process.how": {"nl": "Hoe dit proces werkt", "en": "How this process works"},
        "process.phase_now": {"nl": "Fase nu", "en": "Current phase"},
        "process.support_needed": {"nl": "Steun nodig", "en": "Support needed"},
        "process.per_proposal": {
            "nl": "{count} steunbetuigingen per voorstel",
            "en": "{count} supports per proposal",
        },
        "process.share": {
            "nl": "({share}% van {size} inwoners)",
            "en": "({share}% of {size} residents)",
        },
        "process.budget": {"nl": "Budget", "en": "Budget"},
        "process.picks": {
            "nl": "kies {low} tot {high} voorstellen",
            "en": "choose {low} to {high} proposals",
        },
        "process.who": {"nl": "Wie mag meedoen", "en": "Who may take part"},
        "process.who_open": {
            "nl": "Iedereen met een account in de fediverse",
            "en": "Anyone with an account in the fediverse",
        },
        "process.per_server_cap": {
            "nl": "hoogstens {cap} accounts per server tellen mee",
            "en": "at most {cap} accounts per server count",
        },
        "process.min_account_age": {
            "nl": "alleen accounts van minstens {days} dagen oud tellen mee",
            "en": "only accounts at least {days} days old count",
        },
        "process.who_trusted": {
            "nl": "Bewoners die zijn bevestigd door een vertrouwde buurtnode",
            "en": "Residents confirmed by a trusted neighbourhood node",
        },
        "process.who_verified": {
            "nl": "Bewoners die deze node zelf heeft bevestigd",
            "en": "Residents confirmed by this node itself",
        },
        "process.phases": {"nl": "Fasen", "en": "Phases"},
        "process.phase_dates": {"nl": "{start} tot {end}", "en": "{start} to {end}"},
        "process.now": {"nl": "(nu)", "en": "(now)"},
        "process.follow": {
            "nl": "Volg dit proces vanuit uw eigen Mastodon-app: zoek {handle}. {count} volgers.",
            "en": "Follow this process from your own Mastodon app: search for {handle}."
            " {count} followers.",
        },
        "process.elsewhere": {
            "nl": "Dit proces loopt op een andere node ({handle}); wat u hier doet, telt daar."
            " Steun en reacties ziet u hier zoals het proces ze telt.",
            "en": "This process runs on another node ({handle}); what you do here counts"
            " there. Supports and comments show here as the process counts them.",
        },
        "process.on_its_node": {
            "nl": "Bekijk het proces op zijn eigen node",
            "en": "See the process on its own node",
        },
        "process.proposals": {"nl": "Voorstellen", "en": "Proposals"},
        "process.col_proposal": {"nl": "Voorstel", "en": "Proposal"},
        "process.col_support": {"nl": "Steun", "en": "Support"},
        "process.col_status": {"nl": "Status", "en": "Status"},
        "process.by": {"nl": "door {name}", "en": "by {name}"},
        "process.of": {"nl": "{count} van {threshold}", "en": "{count} of {threshold}"},
        "process.awaiting": {
            "nl": "wacht op reactie van de gemeente",
            "en": "awaiting a response from the municipality",
        },
        "process.none": {"nl": "Nog geen voorstellen.", "en": "No proposals yet."},
        "process.vote_now": {"nl": "Stem nu", "en": "Vote now"},
        "process.openness": {"nl": "Openheid", "en": "Openness"},
        "process.results": {"nl": "Uitslagen van de stemmingen", "en": "Results of the votes"},
        "process.decisions": {"nl": "Besluitenlijst", "en": "Decision log"},
        "process.open_data": {"nl": "Open data", "en": "Open data"},
        "propose.title": {"nl": "Doe een voorstel", "en": "Make a proposal"},
        "propose.login": {
            "nl": "Log in om een voorstel te doen.",
            "en": "Log in to make a proposal.",
        },
        "propose.field_title": {"nl": "Titel", "en": "Title"},
        "propose.hint_title": {
            "nl": "Kort en duidelijk, bijvoorbeeld: Een bankje bij de speeltuin.",
            "en": "Short and clear, for example: A bench by the playground.",
        },
        "propose.field_text": {"nl": "Uw voorstel", "en": "Your proposal"},
        "propose.hint_text": {
            "nl": "Wat wilt u veranderen, en waarom?",
            "en": "What would you like to change, and why?",
        },
        "propose.field_cost": {
            "nl": "Geschatte kosten in {currency}",
            "en": "Estimated cost in {currency}",
        },
        "propose.field_area": {
            "nl": "Buurt of plek (niet verplicht)",
            "en": "Neighbourhood or place (optional)",
        },
        "propose.submit": {"nl": "Voorstel indienen", "en": "Submit proposal"},
        "proposal.in": {"nl": "Voorstel in", "en": "Proposal in"},
        "proposal.by": {"nl": "Door {name}", "en": "By {name}"},
        "proposal.cost": {"nl": "kosten {amount}", "en": "cost {amount}"},
        "proposal.status": {"nl": "Status: {status}", "en": "Status: {status}"},
        "proposal.supports": {
            "nl": "{count} van {threshold} steunbetuigingen",
            "en": "{count} of {threshold} supports",
        },
        "proposal.awaiting": {
            "nl": "Wacht op een officiële reactie van de gemeente.",
            "en": "Awaiting an official response from the municipality.",
        },
        "proposal.official": {"nl": "Officiële reactie", "en": "Official response"},
        "proposal.no_official": {
            "nl": "Nog geen officiële reactie.",
            "en": "No official response yet.",
        },
        "proposal.trail": {"nl": "Verloop", "en": "Status history"},
        "proposal.comments": {"nl": "Reacties", "en": "Comments"},
        "proposal.no_comments": {"nl": "Nog geen reacties.", "en": "No comments yet."},
        "support.title": {"nl": "Steunen", "en": "Support"},
        "support.give": {"nl": "Steun dit voorstel", "en": "Support this proposal"},
        "support.withdraw": {"nl": "Steun intrekken", "en": "Withdraw support"},
        "support.yours": {"nl": "U steunt dit voorstel.", "en": "You support this proposal."},
        "support.login": {
            "nl": "Log in om dit voorstel te steunen.",
            "en": "Log in to support this proposal.",
        },
        "support.closed": {
            "nl": "Steun geven kan nu niet: dit proces is in de fase {phase}.",
            "en": "Support cannot be given now: this process is in the phase {phase}.",
        },
        "comment.title": {"nl": "Reageren", "en": "Comment"},
        "comment.stance": {
            "nl": "Wat vindt u van dit voorstel?",
            "en": "What do you think of this proposal?",
        },
        "comment.no_stance": {"nl": "Geen standpunt", "en": "No position"},
        "comment.text": {"nl": "Uw reactie", "en": "Your comment"},
        "comment.submit": {"nl": "Reactie plaatsen", "en": "Post comment"},
        "comment.login": {"nl": "Log in om te reageren.", "en": "Log in to comment."},
        "official.title": {"nl": "Officieel antwoord geven", "en": "Give an official response"},
        "elsewhere.title": {
            "nl": "Een account op een andere server?",
            "en": "An account on another server?",
        },
        "elsewhere.intro": {
            "nl": "Woont u in een andere wijk of heeft u een Mastodon-account? Geef uw adres:"
            " u gaat naar uw eigen server en steunt, reageert of volgt daar.",
            "en": "Do you live in another neighbourhood or have a Mastodon account? Give your"
            " address: you go to your own server and support, comment or follow there.",
        },
        "elsewhere.handle": {"nl": "Uw adres in de fediverse", "en": "Your fediverse address"},
        "elsewhere.hint": {"nl": "Bijvoorbeeld {example}", "en": "For example {example}"},
        "elsewhere.submit": {"nl": "Verder op mijn server", "en": "Continue on my server"},
        "elsewhere.or": {
            "nl": "Of gebruik uw account op een andere server.",
            "en": "Or use your account on another server.",
        },
        "interact.title": {"nl": "Verder op uw eigen server", "en": "Continue on your own server"},
        "interact.going": {
            "nl": "U gaat naar {host}, waar u ingelogd bent, om daar mee te doen.",
            "en": "You are going to {host}, where you are logged in, to take part there.",
        },
        "interact.continue": {"nl": "Verder naar {host}", "en": "Continue to {host}"},
        "interact.back": {"nl": "Terug", "en": "Back"},
        "authorize.title": {"nl": "Meedoen vanaf uw account", "en": "Take part from your account"},
        "authorize.post_by": {"nl": "Bericht van {name}", "en": "Post by {name}"},
        "authorize.origin": {"nl": "Bekijk op de eigen server", "en": "View on its own server"},
        "authorize.process": {"nl": "Proces: {name}", "en": "Process: {name}"},
        "authorize.follow": {"nl": "Volg {name}", "en": "Follow {name}"},
        "authorize.following": {"nl": "U volgt {name}.", "en": "You follow {name}."},
        "authorize.pending": {
            "nl": "U heeft gevraagd {name} te volgen; dat wacht op antwoord.",
            "en": "You asked to follow {name}; that is waiting for an answer.",
        },
        "authorize.followed": {
            "nl": "U volgt {name} nu: nieuwe voorstellen komen op uw tijdlijn.",
            "en": "You now follow {name}: new proposals come to your timeline.",
        },
        "authorize.no_proposals": {
            "nl": "Deze node kent nog geen voorstellen van dit proces.",
            "en": "This node knows no proposals of this process yet.",
        },
        "official.text": {
            "nl": "Antwoord namens {organisation}",
            "en": "Response on behalf of {organisation}",
        },
        "official.submit": {
            "nl": "Officieel antwoord plaatsen",
            "en": "Post official response",
        },
        "vote.title": {"nl": "Stemmen", "en": "Voting"},
        "vote.submit": {"nl": "Stem", "en": "Vote"},
        "vote.verified": {
            "nl": "Bevestigd als bewoner van {area} ({postcode}).",
            "en": "Confirmed as a resident of {area} ({postcode}).",
        },
        "vote.unverified": {
            "nl": "Nog niet bevestigd als bewoner.",
            "en": "Not confirmed as a resident yet.",
        },
        "vote.ineligible": {"nl": "U kunt hier niet stemmen:", "en": "You cannot vote here:"},
        "vote.secret": {
            "nl": "Uw stem is geheim: alleen de aantallen worden gepubliceerd. Tot de stemming"
            " sluit kunt u uw keuze wijzigen.",
            "en": "Your vote is secret: only the counts are published. You can change your"
            " choice until the vote closes.",
        },
        "vote.closed": {"nl": "(gesloten)", "en": "(closed)"},
        "vote.none": {"nl": "Er staat nu geen stemming open.", "en": "No vote is open now."},
        "vote.results": {"nl": "Uitslagen", "en": "Results"},
        "ballot.legend": {
            "nl": "Budget: kies {low} tot {high} voorstellen voor samen hoogstens {budget}",
            "en": "Budget: choose {low} to {high} proposals costing {budget} at most together",
        },
        "vote.counted": {"nl": "Uw stem is geteld.", "en": "Your vote has been counted."},
        "vote.sent": {
            "nl": "Uw stem is verstuurd naar het proces.",
            "en": "Your vote has been sent to the process.",
        },
        "ballot.submit": {"nl": "Stembiljet insturen", "en": "Submit ballot"},
        "ballot.counted": {
            "nl": "Uw stembiljet is geteld.",
            "en": "Your ballot has been counted.",
        },
        "verify.done": {
            "nl": "U bent bevestigd als bewoner.",
            "en": "You are confirmed as a resident.",
        },
        "report.this": {"nl": "Meld dit", "en": "Report this"},
        "report.comment": {
            "nl": "Wat is er mis? (mag leeg blijven)",
            "en": "What is wrong? (may be left empty)",
        },
        "report.submit": {
            "nl": "Meld dit aan de moderatoren",
            "en": "Report this to the moderators",
        },
        "report.done": {
            "nl": "Bedankt. Uw melding is bij de moderatoren. Zij bekijken het en beslissen"
            " wat er gebeurt; wie meldde, wordt nergens genoemd.",
            "en": "Thank you. Your report is with the moderators. They will look at it and"
            " decide what happens; who reported is never named.",
        },
        "log.title": {"nl": "Moderatielogboek", "en": "Moderation log"},
        "log.intro": {
            "nl": "Elke beslissing van de moderatoren van deze node, met de reden. Wie iets"
            " meldde, staat hier nooit.",
            "en": "Every decision of this node's moderators, with the reason. Who reported"
            " something is never shown.",
        },
        "log.mode": {"nl": "Federatiebeleid: {mode}", "en": "Federation policy: {mode}"},
        "log.mode.open": {"nl": "open", "en": "open"},
        "log.mode.blocklist": {"nl": "met blokkadelijst", "en": "blocklist"},
        "log.mode.allowlist": {"nl": "alleen toegelaten nodes", "en": "allowlist"},
        "log.reason": {"nl": "Reden: {reason}", "en": "Reason: {reason}"},
        "log.by": {"nl": "door {role}", "en": "by {role}"},
        "log.role.node moderators": {"nl": "de moderatoren", "en": "the moderators"},
        "log.role.process moderators": {
            "nl": "de moderatoren van het proces",
            "en": "the process moderators",
        },
        "log.role.node administrators": {"nl": "de beheerders", "en": "the administrators"},
        "log.role.automatic rule": {"nl": "een automatische regel", "en": "an automatic rule"},
        "log.empty": {"nl": "Nog geen beslissingen.", "en": "No decisions yet."},
        "queue.title": {"nl": "Meldingen", "en": "Reports"},
        "queue.report": {
            "nl": "Melding {number} over {account}",
            "en": "Report {number} about {account}",
        },
        "queue.reported_by": {"nl": "gemeld door {reporter}", "en": "reported by {reporter}"},
        "queue.via": {"nl": "via {node}", "en": "via {node}"},
        "queue.post": {"nl": "Gemeld bericht", "en": "Reported post"},
        "queue.gone": {
            "nl": "Dit bericht is al verwijderd.",
            "en": "This post was deleted already.",
        },
        "queue.hidden": {"nl": "Verborgen: {reason}", "en": "Hidden: {reason}"},
        "queue.post_reason": {
            "nl": "Reden (openbaar, staat in het logboek en in plaats van het bericht)",
            "en": "Reason (public: shown in the log and instead of the post)",
        },
        "queue.account_reason": {
            "nl": "Reden voor een maatregel tegen het account (openbaar)",
            "en": "Reason for a measure against the account (public)",
        },
        "queue.hide": {"nl": "Verbergen", "en": "Hide"},
        "queue.remove": {"nl": "Verwijderen", "en": "Remove"},
        "queue.restore": {"nl": "Weer tonen", "en": "Show again"},
        "queue.silence": {"nl": "Account beperken", "en": "Limit account"},
        "queue.suspend": {"nl": "Account schorsen", "en": "Suspend account"},
        "queue.dismiss": {"nl": "Afsluiten zonder maatregel", "en": "Close without action"},
        "queue.empty": {"nl": "Geen open meldingen.", "en": "No open reports."},
        "queue.done.hide": {"nl": "Het bericht is verborgen.", "en": "The post is hidden."},
        "queue.done.remove": {"nl": "Het bericht is verwijderd.", "en": "The post is removed."},
        "queue.done.restore": {
            "nl": "Het bericht is weer zichtbaar.",
            "en": "The post is shown again.",
        },
        "queue.done.silence": {"nl": "Het account is beperkt.", "en": "The account is limited."},
        "queue.done.suspend": {
            "nl": "Het account is geschorst.",
            "en": "The account is suspended.",
        },
        "queue.done.dismiss": {
            "nl": "De melding is afgesloten zonder maatregel.",
            "en": "The report is closed without action.",
        },
    }
)

PHASE_LABELS = MappingProxyType(
    {
        "nl": {
            "proposing": "voorstellen indienen",
            "supporting": "steun verzamelen",
            "voting": "stemmen",
            "closed": "gesloten",
        },
        "en": {
            "proposing": "making proposals",
            "supporting": "gathering support",
            "voting": "voting",
            "closed": "closed",
        },
    }
)
STANCE_LABELS = MappingProxyType(
    {
        "nl": {"for": "voor", "against": "tegen", "neutral": "neutraal"},
        "en": {"for": "for", "against": "against", "neutral": "neutral"},
    }
)
STATUS_LABELS = MappingProxyType(
    {
        "nl": STATUS_LABELS_NL,
        "en": {
            "submitted": "submitted",
            "threshold_reached": "enough support",
            "on_agenda": "on the agenda",
            "under_review": "under review",
            "accepted": "accepted",
            "rejected": "rejected",
            "in_progress": "in progress",
            "done": "done",
            "withdrawn": "withdrawn",
        },
    }
)
ARCHETYPE_EXPLAINED = MappingProxyType(
    {
        "nl": ARCHETYPE_EXPLAINED_NL,
        "en": {
            "advise": "Residents give advice; the municipality decides and gives an official"
            " response to every proposal with enough support.",
            "initiate": "Residents put subjects on the agenda: a proposal with enough support"
            " goes on the agenda and you can follow what happens to it.",
            "decide": "The neighbourhood decides itself: residents vote on proposals or share"
            " out the budget, and the outcome is binding.",
        },
    }
)


def _accepted(header: str) -> list[str]:
    """Primary language tags of an Accept-Language header, most preferred first."""
    weighted = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]


def language_of(request: web.Request, default: str) -> str:
    """The language to show this request's page in."""
    chosen = request.query.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for tag in _accepted(request.headers.get("Accept-Language", "")):
        if tag in LANGUAGES:
            return tag
    return default if default in LANGUAGES else LANGUAGES[0]


def translator(language: str) -> Translate:
    """``t(key, **values)`` for templates: the catalogue's text in ``language``."""

    def translate(key: str, **values: object) -> str:
        text = CATALOGUE[key][language]
        return text.format(**values) if values else text

    return translate


def readable_moment(timestamp: str, language: str, *, with_time: bool = True) -> str:
    """An ActivityStreams timestamp as a resident reads it: 26 november 2026, 09:30."""
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_TIME)
    day = f"{moment.day} {MONTHS[language][moment.month - 1]} {moment.year}"
    return f"{day}, {moment:%H:%M}" if with_time else day


@web.middleware
async def remember_language(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Keep a language chosen with ``?lang=`` for the next pages."""
    response = await handler(request)
    chosen = request.query.get("lang")
    if chosen in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != chosen:
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_AGE, path="/", samesite="Lax"
        )
    return response
