"""The web application's one error boundary, and how pages and peers see a refusal.

Every refusal (``federation/errors.py``) raised while answering a request
reaches ``error_boundary``, which decides the surface the request belongs to
and maps the refusal once:

- the client API (``CLIENT_API_PREFIXES``): Mastodon's ``{"error": ...}``,
  mapped in ``node/mastodon_api/errors.py``;
- a page asked for by a browser (it accepts HTML): an HTML page in the
  visitor's language with the reason and a way on (``refusal_page``);
- everything else (the inbox, ActivityPub documents, discovery): a status and
  short JSON (``refusal_json``).

Forms that show a refusal beside what the resident typed catch the refusal
themselves and use ``http_status`` and ``page_reason`` from here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from urllib.parse import urlsplit

from aiohttp import web

from federation.errors import (
    BodyTooLarge,
    Conflict,
    Invalid,
    MalformedDocument,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    RateLimited,
    Reason,
    Refusal,
    Refused,
    Unavailable,
    mapped,
)
from node.i18n import (
    N_,
    STATUS_LABELS,
    labels,
    readable_amount,
    readable_number,
    translator,
)
from node.mastodon_api.errors import mastodon_refusal
from node.storage.database import unavailable
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.i18n import PHASE_LABELS, language_of
from node.web.negotiation import wants_activity_json
from node.web.pages import render

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The client API answers in Mastodon's shape whatever the client accepts.
CLIENT_API_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke")

# The status of each kind of refusal, for peers and for pages alike. Every signature
# failure is a 401: Fedify 2.x and Mastodon 4.7 fall back to another scheme only after a 401.
HTTP_STATUS: Mapping[type[Refusal], int] = MappingProxyType(
    {
        MalformedDocument: 400,
        NotAuthenticated: 401,
        NotAllowed: 403,
        NotFound: 404,
        Conflict: 409,
        BodyTooLarge: 413,
        Refused: 422,
        Invalid: 422,
        RateLimited: 429,
        Unavailable: 503,
    }
)

# A page's heading says what kind of refusal it is; the reason says which.
PAGE_HEADING: Mapping[type[Refusal], str] = MappingProxyType(
    {
        NotFound: N_("Not found"),
        NotAllowed: N_("Not allowed"),
        NotAuthenticated: N_("Please log in first"),
        RateLimited: N_("Please wait a moment"),
        Unavailable: N_("That is not possible"),
    }
)

# The reason of a refusal with a code, in words for people; its values fill it in.
PAGE_REASON: Mapping[str, str] = MappingProxyType(
    {
        "process_unknown": N_("There is no process called '%(slug)s' on this node."),
        "mail_not_offered": N_("This node does not send e-mail."),
        "reason_missing": N_("Give a reason: it is shown publicly in the moderation log."),
        "role_not_admin": N_("Only administrators give roles."),
        "status_reason_missing": N_("Give a reason: it is published with the new status."),
        "organise_no_date": N_("Choose a date."),
        "end_in_past": N_("Choose an end date in the future."),
        "organise_no_progress": N_("Give the progress as a whole percentage, such as 40."),
        "process_slug_invalid": N_(
            "Use letters, digits and _ (with a single . or - inside), at most 30 characters."
        ),
        "process_slug_taken": N_("The name %(slug)s is already taken on this node."),
        "phase_end_before_start": N_(
            "This phase ends before it starts: choose a last day after the first day."
        ),
        "process_no_phases": N_("Give the dates of at least one phase."),
        "threshold_too_low": N_("At least 1 support is needed."),
        "electorate_missing": N_(
            "A share of supports needs the number of people who may take part."
        ),
        "budget_not_positive": N_("The budget must be more than 0."),
        "picks_out_of_order": N_("The most must be at least 1 and not less than the fewest."),
        "process_no_title": N_("Give the process a title."),
        "organisers_only": N_(
            "This page is for the organisers and administrators of this node only."
        ),
        "organise_not_this_process": N_(
            "You organise other processes on this node, not %(title)s. Nothing was changed."
        ),
        "process_organiser_everywhere": N_(
            "%(name)s organises every process of this node already."
        ),
        "process_organiser_already": N_("%(name)s is organiser of %(title)s already."),
        "process_organiser_not": N_("%(name)s is no organiser of %(title)s."),
        "merge_same_proposal": N_("A proposal cannot be merged into itself."),
        "merge_other_process": N_("Only proposals of the same process can be merged."),
        "merge_into_closed": N_(
            "%(title)s is merged, withdrawn or rejected itself, so it takes in no duplicates."
        ),
        "merge_decided": N_("%(title)s has been decided on already and can no longer be merged."),
        "merge_has_duplicates": N_(
            "Other proposals were merged into %(title)s. Merge those into the other proposal"
            " first, so that no support is lost."
        ),
        "process_edit_closed": N_(
            "This process is closed and its result is published, so it cannot change any more."
        ),
        "process_edit_unchanged": N_("Nothing was changed: the process is as it was."),
        "process_edit_budget_ballot": N_(
            "The budget cannot change any more: its ballot has been opened."
        ),
        "process_edit_agreement_voting": N_(
            "The agreement cannot change during voting: it says whose votes count."
        ),
        "process_edit_current_phase": N_(
            "The process is in this phase now: give its first and last day."
        ),
        "agreement_other_neighbourhood": N_(
            "This agreement hands its processes to another neighbourhood, not to this node."
        ),
        "agreement_other_archetype": N_(
            "The agreement %(theme)s does not hand over this kind of process."
        ),
        "agreement_budget_exceeded": N_(
            "The budget is more than the agreement hands over: at most %(budget_amount)s."
        ),
        "form_not_whole": N_("Give a whole number, such as 25."),
        "form_not_amount": N_("Give an amount, such as 25000."),
        "role_unknown": N_("There is no role '%(role)s'. The roles are: %(roles)s."),
        "role_no_account": N_("There is no account %(name)s on this node."),
        "role_already": N_("%(name)s has this role already."),
        "role_last_admin": N_(
            "%(name)s is the only administrator. Make someone else administrator first."
        ),
        "mail_address_invalid": N_(
            "This is not an e-mail address. An e-mail address looks like this: name@example.org."
        ),
        "mail_link_unknown": N_(
            "This link does not work: it was used already, or you asked for a newer one."
            " Give your e-mail address again on your page to get a new link."
        ),
        "mail_link_expired": N_(
            "This link has expired: it works for 48 hours. Give your e-mail address again"
            " on your page to get a new link."
        ),
        "signup_no_mail": N_(
            "This node does not send e-mail, so you cannot open an account here yourself."
        ),
        "signup_link_unknown": N_(
            "This link does not work: it was used already, or you asked for a newer one."
            " Log in to ask for a new link."
        ),
        "signup_link_expired": N_(
            "This link has expired: it works for 48 hours. Log in with your user name and"
            " password, and ask for a new link there."
        ),
        "reset_unknown": N_(
            "This link does not work: it was used already, or you asked for a newer one."
            " Ask for a new link on the login page."
        ),
        "reset_expired": N_(
            "This link has expired: it works for one hour. Ask for a new link on the login page."
        ),
        "signup_unknown": N_("No new account with this user name waits for approval."),
        "signup_reason_missing": N_("Give a reason. The person gets it by e-mail."),
        "invitation_days": N_("An invitation link is valid for 1 to 90 days."),
        "mail_unsubscribe_unknown": N_(
            "This link does not work. You can choose your e-mails on your own page."
        ),
        "proposal_unknown": N_("This proposal does not exist (any more)."),
        "account_unknown": N_("This account does not exist on this node."),
        "post_unknown": N_("This post does not exist on this node."),
        "vote_unknown": N_("This vote does not exist on this node."),
        "interaction_unknown": N_("That post or account could not be found."),
        "handle_missing": N_("Give your address, such as @name@example.org."),
        "handle_invalid": N_(
            "'%(handle)s' is not a fediverse address; it looks like this: @name@example.org."
        ),
        "handle_unreachable": N_(
            "%(host)s gave no answer about %(handle)s. Is the address right? Otherwise try"
            " again later."
        ),
        "handle_no_template": N_(
            "%(host)s does not say where you act there on posts from elsewhere. Search for"
            " this address on your own server: %(uri)s"
        ),
        "report_unknown": N_("This report does not exist."),
        "status_move_illegal": N_(
            "A proposal that is %(current)s cannot become %(new)s. It can become: %(allowed)s."
        ),
        "status_final": N_("A proposal that is %(current)s cannot change any more."),
        "status_withdraw_by_author": N_("Only the author can withdraw a proposal."),
        "status_author_withdraws_only": N_(
            "As the author you can only withdraw your proposal; the process decides the rest."
        ),
        "phase_move_illegal": N_(
            "A process in the phase %(current)s cannot move to %(new)s: phases only move"
            " forward. It can move to: %(allowed)s."
        ),
        "phase_final": N_("This process is closed; its phase cannot change any more."),
        "vote_final": N_("This vote is closed already; its result is published and final."),
        "not_hosted_here": N_("Only the node that hosts the process can do this."),
        "vote_wrong_phase": N_(
            "%(process)s is in the phase %(phase)s; a vote opens only in the voting phase."
        ),
        "vote_opened_already": N_("The vote on '%(title)s' has been opened already."),
        "ballot_no_budget": N_("%(process)s has no budget to divide."),
        "ballot_wrong_phase": N_(
            "%(process)s is in the phase %(phase)s; the ballot opens only in the voting phase."
        ),
        "ballot_opened_already": N_("The budget ballot of %(process)s has been opened already."),
        "ballot_no_costed_proposals": N_(
            "%(process)s has no proposals with a cost to put on the ballot."
        ),
        "ballot_not_opened": N_("The budget ballot of %(process)s has not been opened."),
        "ballot_not_open": N_("The budget ballot of %(process)s is not open."),
        "report_self": N_("You cannot report yourself."),
        "report_closing_unknown": N_("A report is closed as resolved or dismissed."),
        "report_post_unknown": N_("That post is not part of this report."),
        "post_hidden_already": N_("This post is hidden already."),
        "post_not_hidden": N_("This post is not hidden."),
        "post_removed_for_good": N_("This post was removed for good and cannot be shown again."),
        "post_hidden_by_suspension": N_(
            "This post is hidden because its author is suspended. Lift the suspension to show"
            " it again."
        ),
        "warn_local_only": N_("Only accounts of this node can be warned."),
        "account_not_sanctioned": N_("This account is neither limited nor suspended."),
        "domain_invalid": N_("'%(domain)s' is not the domain of a node, such as example.org."),
        "domain_self": N_("A node cannot block or allow itself."),
        "domain_no_rule": N_("There is no rule for %(domain)s."),
        "setting_required": N_("This cannot be left empty."),
        "setting_choice": N_("Choose one of: %(choices)s."),
        "setting_colour_invalid": N_(
            "'%(colour)s' is not a colour. Write a colour as # and six digits or letters a-f,"
            " such as #2d6a4f."
        ),
        "setting_colour_contrast": N_(
            "White text on %(colour)s stands out by only %(ratio)s to 1; it must be at least"
            " 4.5 to 1 (WCAG AA). Choose a darker colour."
        ),
        "setting_logo_missing": N_("The logo file is not in the node's folder. Upload the logo."),
        "setting_logo_unreadable": N_(
            "This file is not a PNG, JPEG or WebP image. Choose one of those."
        ),
        "setting_logo_too_large": N_("This image is larger than 1 MB. Choose a smaller one."),
        "setting_url_invalid": N_("Give a web address that starts with https://."),
        "setting_port_invalid": N_("Give a port number from 1 to 65535."),
        "setting_too_long": N_(
            "This is %(length)s characters long; at most %(most)s characters fit."
        ),
        "setting_rules_invalid": N_("Write one rule a line."),
        "setting_rules_too_many": N_("These are %(count)s rules; at most %(most)s fit."),
        "setting_rule_too_long": N_(
            "Rule %(number)s is longer than %(most)s characters. Keep a rule short."
        ),
        "setting_languages_invalid": N_("Choose at least one language."),
        "setting_languages_default": N_(
            "The pages' default language (%(language)s) must be one of the languages offered."
        ),
        "setting_moderation_invalid": N_(
            "Write it as a number, a slash and a number of seconds, such as 30/300."
        ),
        "node_block_local": N_(
            "This account is on this node, so there is no other node to block. Act on the"
            " account instead."
        ),
        "letter_code_unknown": N_(
            "This letter code is not known. Check the code against your letter."
        ),
        "letter_code_used": N_("This letter code has been used already. A code works once."),
        "register_too_large": N_("The file is larger than %(megabytes)s MB."),
        "register_not_text": N_(
            "This is not a CSV file in UTF-8. Save the extract as CSV (UTF-8)."
        ),
        "register_header": N_(
            "The first line must name the columns %(header)s (and optionally %(optional)s),"
            " separated by semicolons."
        ),
        "register_unreadable": N_("Line %(line)s cannot be read as CSV."),
        "register_no_rows": N_("The file has no row that can be imported. Nothing has changed."),
        "register_no_file": N_("Choose the register's CSV file."),
        "register_preview_gone": N_(
            "This preview has expired or has been imported already. Upload the file again."
        ),
        "verify_no_account": N_("There is no account %(name)s on this node."),
        "address_unknown": N_("%(address)s is not in the address register."),
        "address_full": N_(
            "The address %(address)s has already confirmed %(most)s accounts, the most one"
            " address may confirm."
        ),
        "in_person_not_staff": N_(
            "Only moderators, organisers, officials and administrators confirm residents in person."
        ),
        "resident_unknown": N_(
            "%(address)s has %(residents)s registered residents; give a number from 1 to"
            " %(residents)s."
        ),
        "letters_area_invalid": N_(
            "'%(area)s' is not a postcode area. Give four digits, such as 9722."
        ),
        "letters_area_empty": N_("The address register has no address in postcode area %(area)s."),
        "not_verified": N_(
            "You are not confirmed as a resident yet. Confirm your address first on the"
            " page 'Confirm residency'."
        ),
        "verified_here_only": N_(
            "Only residents confirmed by this node can take part in %(process)s, and your"
            " account is on another node."
        ),
        "node_untrusted": N_(
            "This node does not trust %(host)s to confirm where its residents live."
        ),
        "account_age_unknown": N_(
            "%(process)s counts only accounts that are at least %(days)s days old, and your"
            " server does not say when your account was made."
        ),
        "account_too_young": N_(
            "%(process)s counts only accounts that are at least %(days)s days old, and your"
            " account is younger."
        ),
        "server_full": N_(
            "%(process)s counts at most %(cap)s accounts from one server, and %(cap)s accounts"
            " from %(server)s take part already."
        ),
        "agreement_unknown": N_("This node is party to no such agreement."),
        "registrar_overlap": N_(
            "Postcode area %(area)s already has %(registrar)s as its registrar under another"
            " agreement. One area has one registrar."
        ),
        "agreement_not_in_force": N_(
            "The agreement '%(theme)s' is not in force, so it takes no binding votes."
        ),
        "agreement_outside_period": N_(
            "The agreement '%(theme)s' does not run now, so it takes no binding votes."
        ),
        "agreement_unknown_here": N_(
            "%(process)s names an agreement this node does not know, so it takes no binding votes."
        ),
        "credential_missing": N_(
            "%(process)s counts only votes with a credential from the registrar that its"
            " agreement names for your postcode area."
        ),
        "no_credential": N_(
            "No registrar of the agreement of %(process)s gave you a credential. Confirm your"
            " address with the registrar first."
        ),
        "no_registration": N_(
            "The registrar has no registered resident bound to your account. Confirm your"
            " address with the registrar first (letter code or in person)."
        ),
        "registrar_not_named": N_(
            "Your credential is not from the registrar that the agreement names for postcode"
            " area %(area)s."
        ),
        "credential_revoked": N_(
            "Your credential was withdrawn by the registrar: your place in the register is now"
            " held by another account."
        ),
        "not_registrar": N_("This node is not the registrar for postcode area %(area)s."),
        "slot_already_bound": N_(
            "Every registered resident of this address (%(residents)s) is bound to an account"
            " already."
        ),
        "holds_other_slot": N_(
            "This account is bound to a registered resident at another address already."
        ),
        "ballot_picked_twice": N_("You picked a proposal more than once."),
        "ballot_unknown_pick": N_("You picked something that is not on this ballot."),
        "ballot_too_few": N_("You picked %(picks)s proposals. Pick at least %(low)s."),
        "ballot_too_many": N_("You picked %(picks)s proposals. Pick at most %(high)s."),
        "ballot_over_budget": N_(
            "Together your choices cost %(total_amount)s. That is more than the budget of"
            " %(budget_amount)s."
        ),
        "proposal_wrong_phase": N_(
            "%(process)s does not take proposals now. See the phases of the process for when"
            " it does."
        ),
        "proposal_title_missing": N_("Give your proposal a title."),
        "proposal_text_missing": N_("Describe your proposal."),
        "cost_negative": N_("The cost cannot be less than zero."),
        "image_unreadable": N_(
            "This file is not an image this node can show. Choose a PNG, JPEG, GIF or WebP image."
        ),
        "image_too_large": N_(
            "This image is %(width)s by %(height)s pixels; that is too large. Choose a smaller one."
        ),
        "support_wrong_phase": N_(
            "%(process)s does not take supports now. See the phases of the process for when"
            " it does."
        ),
        "support_closed": N_("This proposal has been decided on and takes no more supports."),
        "already_supported": N_("You support this proposal already."),
        "not_supporting": N_("You do not support this proposal, so there is nothing to withdraw."),
        "comment_text_missing": N_("Write your comment."),
        "stance_invalid": N_("Choose for, against or neutral, or no position."),
        "official_not_here": N_("Only a municipality's node can give official responses."),
        "official_role": N_("Only the municipality's officials can give an official response."),
        # Panel draws (node/participation/sortition.py).
        "draw_not_local": N_("Only the node that holds a process can hold a draw for it."),
        "draw_no_seats": N_("A panel needs at least one seat."),
        "draw_areas": N_("Give the postcode areas as four digits, such as 9722, 9723."),
        "draw_area_uncovered": N_(
            "The agreement of this process does not cover postcode area %(areas)s, so no"
            " registrar can vouch for its residents."
        ),
        "draw_no_party": N_(
            "A draw needs a party on another node, so that no single node controls its seed."
            " This process is under no agreement: name an actor of another node."
        ),
        "draw_started": N_("This draw has started: residents can no longer sign up."),
        "draw_other_area": N_(
            "This draw is for residents of %(areas)s; you are confirmed as a resident of %(area)s."
        ),
        "draw_in_already": N_("You have signed up for this draw already."),
        "draw_made_once": N_("This draw has been started already: a draw is made once."),
        "draw_nobody": N_("Nobody has signed up for this draw yet."),
    }
)

# The labels of the domain's codes a reason names (values current, new, allowed, phase).
VALUE_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "status_move_illegal": STATUS_LABELS,
        "status_final": STATUS_LABELS,
        "phase_move_illegal": PHASE_LABELS,
        "phase_final": PHASE_LABELS,
        "vote_wrong_phase": PHASE_LABELS,
        "ballot_wrong_phase": PHASE_LABELS,
    }
)

WAY_ON: Mapping[str, str] = MappingProxyType(
    {
        "not_verified": N_("Confirm your address"),
    }
)
"""The page a refusal points on to, by its code: the label of a link to ``/verify``."""


def refuse_form(request: web.Request, state: FormState, exc: Refusal) -> None:
    """Note a refusal on the form it answers: its reason and the way on, for people."""
    state.refusal = page_reason(request, exc)
    state.way_on = way_on(request, exc)


def way_on(request: web.Request, exc: Refusal) -> tuple[str, str] | None:
    """The link (address and label, in the visitor's language) that helps on after a
    refusal, or None when there is nothing to do elsewhere."""
    label = WAY_ON.get(exc.code)
    if label is None:
        return None
    language = language_of(
        request, request.app[NODE].config.language, request.app[NODE].config.languages
    )
    return f"{request.app[NODE].urls.base}/verify", translator(language)(label)


def http_status(exc: Refusal) -> int:
    """The HTTP status a refusal is answered with on the ActivityPub side and on pages."""
    return mapped(HTTP_STATUS, exc, 400)


def _retry_after(exc: Refusal, response: web.StreamResponse) -> None:
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.whole_seconds)


def refusal_json(exc: Refusal) -> web.Response:
    """A status and short JSON for a peer: the reason, and the detail a server can act on."""
    body: dict[str, object] = {"error": exc.reason}
    if exc.detail:
        body["detail"] = exc.detail
    if isinstance(exc, Invalid) and exc.problems:
        body["problems"] = exc.problems
    response = web.json_response(body, status=http_status(exc))
    _retry_after(exc, response)
    return response


def page_reason(request: web.Request, exc: Refusal) -> str:
    """The reason in the visitor's language where the catalogue has it, else as written."""
    return _for_people(request, exc.reason, exc.code, exc.values)


def reason_for_people(request: web.Request, reason: str | None) -> str | None:
    """A check's reason (a ``Reason`` where it has a code) in the visitor's language."""
    if isinstance(reason, Reason):
        return _for_people(request, reason, reason.code, reason.values)
    return reason


def reason_text(request: web.Request, reason: str, code: str, values: Mapping[str, object]) -> str:
    """A reason with its code and values (a refused setting's, say) in the visitor's
    language where the catalogue has it, else as written."""
    return _for_people(request, reason, code, values)


def _for_people(request: web.Request, reason: str, code: str, values: Mapping[str, object]) -> str:
    if code not in PAGE_REASON:
        return reason
    language = language_of(
        request, request.app[NODE].config.language, request.app[NODE].config.languages
    )
    # Values named *_amount are money, written as the visitor writes amounts; a ratio
    # is a number with one decimal.
    shown = {
        name: readable_amount(float(value), str(values.get("currency", "")), language)
        if name.endswith("_amount") and isinstance(value, int | float)
        else readable_number(value, language)
        if name == "ratio" and isinstance(value, float)
        else value
        for name, value in values.items()
    }
    # A status or phase in a reason is a code of the domain; the visitor reads its label.
    names = labels(VALUE_LABELS.get(code, {}), language)
    for name in ("current", "new", "phase"):
        if name in shown:
            shown[name] = names.get(str(shown[name]), shown[name])
    if isinstance(shown.get("allowed"), tuple):
        shown["allowed"] = ", ".join(
            names.get(str(state), str(state)) for state in shown["allowed"]
        )
    return translator(language)(PAGE_REASON[code], **shown)


def _same_site_referer(request: web.Request) -> str | None:
    """The page the visitor came from, when it is a page of this node."""
    referer = request.headers.get("Referer", "")
    base = urlsplit(request.app[NODE].urls.base)
    parts = urlsplit(referer)
    if parts.scheme == base.scheme and parts.netloc == base.netloc and parts.path != request.path:
        return referer
    return None


def refusal_page(request: web.Request, exc: Refusal) -> web.Response:
    """An HTML page in the visitor's language: what kind of refusal, why, and a way on."""
    response = render(
        request,
        "refusal.html",
        status=http_status(exc),
        heading=mapped(PAGE_HEADING, exc, N_("That is not possible")),
        message=page_reason(request, exc),
        back=_same_site_referer(request),
        login=isinstance(exc, NotAuthenticated),
    )
    _retry_after(exc, response)
    return response


def wants_page(request: web.Request) -> bool:
    """Whether a browser asked: it accepts HTML and did not ask for ActivityStreams."""
    return "text/html" in request.headers.get("Accept", "") and not wants_activity_json(request)


@web.middleware
async def error_boundary(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The one place where refusals become responses and log lines."""
    try:
        return await handler(request)
    except Refusal as exc:
        refusal = exc
    except Exception as exc:
        # A locked, full or unreachable database passes: refused for now, not a fault
        # (issue 15). Anything else is a fault, raised as it came.
        busy = unavailable(exc)
        if busy is None:
            raise
        refusal = busy
    log.warning(
        "%s %s refused: %s %s", request.method, request.path, type(refusal).__name__, refusal
    )
    if request.path.startswith(CLIENT_API_PREFIXES):
        return mastodon_refusal(refusal)
    if wants_page(request):
        return refusal_page(request, refusal)
    return refusal_json(refusal)
