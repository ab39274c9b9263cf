"""``/organise/new``: the organisers' form that opens a process, through the same
``create_process`` as ``samenspraak process create``. What the form cannot read (a date,
a number) and what the domain refuses are shown beside their field, and nothing is
stored then."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypedDict, TypeVar

from aiohttp import web

from federation.errors import Invalid, Refusal
from moderation.sanitize import text_to_html
from node.i18n import N_
from node.participation.models import ARCHETYPES, ELIGIBILITIES, Budget, Phase
from node.participation.processes import create_process
from node.roles import ORGANISING_ROLES
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.i18n import ARCHETYPE_EXPLAINED
from node.web.organiser_pages import ORGANISERS_ONLY, end_of_day, organise_page_with, text_fields
from node.web.pages import page_translator, render
from node.web.refusals import http_status, page_reason
from node.web.sessions import posted_form, require_account

NEW_PROCESS_PAGE = "/organise/new"
T = TypeVar("T")
# The phases the form gives dates for, in their order; a phase left without dates is not
# part of the process.
DATED_PHASES = ("proposing", "supporting", "voting")
ARCHETYPE_NAMES: Mapping[str, str] = {
    "advise": N_("Advise"),
    "initiate": N_("Put on the agenda"),
    "decide": N_("Decide"),
}
ELIGIBILITY_NAMES: Mapping[str, str] = {
    "open": N_("Everyone, from any server"),
    "trusted-nodes": N_("Confirmed residents of this node and of trusted nodes"),
    "verified-local": N_("Confirmed residents of this node only"),
}
# The field beside which a refusal of create_process is shown, by its code.
REFUSED_FIELD: Mapping[str, Callable[[Mapping[str, object]], str]] = {
    "process_slug_invalid": lambda values: "slug",
    "process_slug_taken": lambda values: "slug",
    "phase_end_before_start": lambda values: f"{values.get('phase')}_end",
    "process_no_phases": lambda values: "proposing_start",
    "threshold_too_low": lambda values: "threshold",
    "electorate_missing": lambda values: "electorate",
    "budget_not_positive": lambda values: "budget_amount",
    "picks_out_of_order": lambda values: "max_picks",
    "process_no_title": lambda values: "title",
    "process_edit_budget_ballot": lambda values: "budget_amount",
    "process_edit_current_phase": lambda values: f"{values.get('phase')}_start",
    "process_edit_agreement_voting": lambda values: "agreement",
    "agreement_unknown": lambda values: "agreement",
    "agreement_other_neighbourhood": lambda values: "agreement",
    "agreement_other_archetype": lambda values: "agreement",
    "agreement_not_in_force": lambda values: "agreement",
    "agreement_outside_period": lambda values: "agreement",
    "agreement_budget_exceeded": lambda values: "budget_amount",
}


def _whole(text: str, default: int | None = None) -> int:
    if not text and default is not None:
        return default
    if not text.isdigit():
        raise Invalid(
            f"{text!r} is not a whole number", code="form_not_whole", values={"value": text}
        )
    return int(text)


def _amount(text: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError as exc:
        raise Invalid(
            f"{text!r} is not an amount", code="form_not_amount", values={"value": text}
        ) from exc


def _threshold(text: str) -> tuple[int | None, float | None]:
    """``25`` is a count of supports, ``5%`` a share of the electorate (as the CLI reads it)."""
    if text.endswith("%"):
        return None, round(_amount(text[:-1].strip()) / 100, 6)
    return _whole(text), None


def _start_of_day(text: str) -> str:
    return end_of_day(text, "00:00:00")


class _Reader:
    """Reads the posted fields into create_process's arguments, noting a problem per field."""

    def __init__(self, request: web.Request, fields: Mapping[str, str]) -> None:
        self.request = request
        self.fields = fields
        self.errors: dict[str, str] = {}

    def read(self, name: str, parse: Callable[[str], T], fallback: T) -> T:
        """The field ``name`` read by ``parse``; ``fallback`` with its problem noted."""
        try:
            return parse(self.fields.get(name, ""))
        except Refusal as exc:
            self.errors[name] = page_reason(self.request, exc)
            return fallback

    def phases(self) -> tuple[Phase, ...]:
        """The phases with both dates given; one date alone is a problem."""
        phases = []
        for name in DATED_PHASES:
            start, end = self.fields.get(f"{name}_start", ""), self.fields.get(f"{name}_end", "")
            if not start and not end:
                continue
            phases.append(
                Phase(
                    name,
                    self.read(f"{name}_start", _start_of_day, ""),
                    self.read(f"{name}_end", end_of_day, ""),
                )
            )
        return tuple(phases)

    def budget(self) -> Budget | None:
        """The budget to divide, when an amount is given."""
        if not self.fields.get("budget_amount"):
            return None
        currency = self.fields.get("budget_currency", "EUR").upper()
        if len(currency) != 3 or not currency.isalpha():
            self.errors["budget_currency"] = page_translator(self.request)(
                N_("Give a currency as three letters, such as EUR.")
            )
        return Budget(
            self.read("budget_amount", _amount, 0.0),
            currency,
            self.read("min_picks", lambda text: _whole(text, 1), 1),
            self.read("max_picks", lambda text: _whole(text, 3), 3),
        )


class ProcessFields(TypedDict):
    """The keyword arguments of create_process the form gives."""

    slug: str
    title: str
    summary: str
    archetype: str
    eligibility: str
    threshold_count: int | None
    threshold_share: float | None
    electorate_size: int
    budget: Budget | None
    phases: tuple[Phase, ...]
    agreement: str | None


def read_process_form(
    request: web.Request, fields: Mapping[str, str]
) -> tuple[ProcessFields, dict[str, str]]:
    """create_process's keyword arguments from the process form (/organise/new, and
    /organise/<slug>/edit for what may change), and the problems found reading it."""
    reader = _Reader(request, fields)
    if not fields.get("title"):
        reader.errors["title"] = page_translator(request)(N_("Give the process a title."))
    no_threshold: tuple[int | None, float | None] = (1, None)
    count, share = reader.read("threshold", _threshold, no_threshold)
    arguments: ProcessFields = {
        "slug": fields.get("slug", ""),
        "title": fields.get("title", ""),
        # Typed as text: its paragraphs and links become the summary's HTML.
        "summary": text_to_html(fields.get("summary", "")),
        "archetype": fields.get("archetype", ""),
        "eligibility": fields.get("eligibility", ""),
        "threshold_count": count,
        "threshold_share": share,
        "electorate_size": reader.read("electorate", lambda text: _whole(text, 0), 0),
        "budget": reader.budget(),
        "phases": reader.phases(),
        "agreement": fields.get("agreement") or None,
    }
    return arguments, reader.errors


async def agreement_choices(request: web.Request, current: str | None = None) -> dict[str, str]:
    """The agreements a process of this node may fall under, by id, with their theme and
    the postcode areas they cover (a delegated process's areas are its agreement's);
    ``current`` among them whatever its state (the domain says why it no longer fits)."""
    node = request.app[NODE]
    organisation = await node.participation_services.organisation()
    t = page_translator(request)
    choices = {"": t(N_("None: the node's own process"))}
    for agreement in await node.participation_services.agreements.all():
        if agreement.neighbourhood == organisation.uri or agreement.uri == current:
            areas = ", ".join(area.postcode_area for area in agreement.areas)
            choices[agreement.uri] = t(
                N_("%(theme)s (postcode areas %(areas)s)"), theme=agreement.theme, areas=areas
            )
    return choices


def refused_beside(request: web.Request, fields: Mapping[str, str], exc: Refusal) -> FormState:
    """The process form again with the refusal beside its field (at the top when it is
    about no one field)."""
    reason = page_reason(request, exc)
    field = REFUSED_FIELD.get(exc.code)
    state = FormState("process", dict(fields))
    if field is None:
        state.refusal = reason
    else:
        state.errors[field(exc.values)] = reason
    return state


async def _form_page(request: web.Request, form: FormState, status: int = 200) -> web.Response:
    t = page_translator(request)
    return render(
        request,
        "organise_new.html",
        status=status,
        form=form,
        phases=DATED_PHASES,
        archetypes={name: t(ARCHETYPE_NAMES[name]) for name in ARCHETYPES},
        archetypes_explained={name: t(ARCHETYPE_EXPLAINED[name]) for name in ARCHETYPES},
        eligibilities={name: t(ELIGIBILITY_NAMES[name]) for name in ELIGIBILITIES},
        agreements=await agreement_choices(request),
    )


async def new_process_page(request: web.Request) -> web.Response:
    """``GET /organise/new``: the form that opens a process."""
    await require_account(request, ORGANISING_ROLES, ORGANISERS_ONLY)
    defaults = {"archetype": "decide", "eligibility": "open", "threshold": "25"}
    return await _form_page(request, FormState("process", {**defaults, "budget_currency": "EUR"}))


async def create_from_form(request: web.Request) -> web.Response:
    """``POST /organise/new``: open the process, or show the form again with its problems."""
    _, posted = await posted_form(request, ORGANISING_ROLES, ORGANISERS_ONLY)
    fields = text_fields(posted)
    arguments, errors = read_process_form(request, fields)
    if errors:
        return await _form_page(request, FormState("process", fields, errors), status=422)
    node = request.app[NODE]
    try:
        process = await create_process(node.participation_services, **arguments)
    except Refusal as exc:
        state = refused_beside(request, fields, exc)
        return await _form_page(request, state, status=http_status(exc))
    done = page_translator(request)(
        N_(
            "%(title)s is open. It can be followed as %(handle)s. Nothing is sent now:"
            " the process has no followers yet."
        ),
        title=process.title,
        handle=f"@{process.slug}@{node.urls.host}",
    )
    return await organise_page_with(request, done=done)


def register(app: web.Application) -> None:
    """Add the form that opens a process."""
    app.router.add_get(NEW_PROCESS_PAGE, new_process_page)
    app.router.add_post(NEW_PROCESS_PAGE, create_from_form)
