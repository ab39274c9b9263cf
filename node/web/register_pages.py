"""``/organise/register``: the organisers' page of the address register. An uploaded
extract is first shown (how many addresses and registered residents, its first rows and
every refused row with its line and reason) and imported only when the organiser confirms
it, through the same ``read_register`` and ``import_register`` as ``samenspraak addresses
import``. A file refused as a whole changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from aiohttp import web

from federation.errors import BodyTooLarge, Invalid, Refusal
from moderation.log import ROLE_ADMIN, ROLE_ORGANISERS
from node.i18n import N_
from node.letter_sheet import letters_pdf
from node.participation.addresses import (
    MAX_REGISTER_BYTES,
    RefusedRow,
    RegisterReading,
    RegisterRefused,
    import_register,
    read_register,
    register_too_large,
)
from node.participation.letters import issue_area_letters
from node.participation.register_previews import RegisterPreviews
from node.participation.registrar import bind_in_person
from node.participation.verification import IN_PERSON_ROLES, verify_in_person
from node.roles import ORGANISING_ROLES
from node.storage.accounts import Account
from node.web.agreement_pages import actor_of_handle
from node.web.app import NODE
from node.web.form_state import FormState
from node.web.organiser_pages import ORGANISERS_ONLY, text_fields
from node.web.pages import page_translator, render
from node.web.refusals import http_status, page_reason
from node.web.sessions import posted_form, posted_upload, require_account

REGISTER_PAGE = "/organise/register"
CONFIRM_PATH = "/organise/register/confirm"
LETTERS_PATH = "/organise/letters"
# Where a resident fills in a code from a letter (node/web/voting_pages.py).
VERIFY_PAGE = "/verify"
VERIFY_IN_PERSON_PAGE = "/organise/verify"
STAFF_ONLY = N_(
    "This page is for the moderators, organisers, officials and administrators of this node only."
)
FILE_FIELD = "register"
PREVIEW_ROWS = 10
# Why a row of an extract is refused, by its code (node/participation/addresses.py).
ROW_REASONS: Mapping[str, str] = {
    "register_columns": N_("The row has %(count)s columns; the register has %(expected)s."),
    "register_postcode": N_(
        "'%(value)s' is not a Dutch postcode (four digits and two letters, such as 9722 AB)."
    ),
    "register_house_number_missing": N_("The house number is missing."),
    "register_house_number": N_(
        "The house number '%(value)s' is not a whole number from 1 to 99999."
    ),
    "register_house_letter": N_("The house letter '%(value)s' must be one letter."),
    "register_addition": N_("The addition '%(value)s' must be letters or digits."),
    "register_residents": N_(
        "The number of registered residents '%(value)s' is not a whole number from 1 to %(most)s."
    ),
    "register_empty": N_("Empty column: %(columns)s."),
    "register_duplicate": N_("%(address)s is already on line %(line)s."),
}


def previews(request: web.Request) -> RegisterPreviews:
    """The extracts waiting for confirmation on this node."""
    return RegisterPreviews(request.app[NODE].data_dir)


def refused_rows(request: web.Request, rows: tuple[RefusedRow, ...]) -> list[tuple[int, str]]:
    """Each refused row's line and its reason in the visitor's language."""
    t = page_translator(request)
    return [
        (row.line, t(ROW_REASONS[row.code], **row.values) if row.code in ROW_REASONS else row.text)
        for row in rows
    ]


async def register_page_with(
    request: web.Request,
    *,
    form: FormState | None = None,
    reading: RegisterReading | None = None,
    token: str = "",
    refused: tuple[RefusedRow, ...] = (),
    done: str | None = None,
    status: int = 200,
) -> web.Response:
    """The register page, with a preview, a refused form or the confirmation of an action."""
    node = request.app[NODE]
    return render(
        request,
        "organise_register.html",
        status=status,
        form=form or FormState(""),
        current=await node.addresses.count(),
        reading=reading,
        first_rows=reading.addresses[:PREVIEW_ROWS] if reading else (),
        refused=refused_rows(request, reading.refused if reading else refused),
        token=token,
        done=done,
    )


async def register_page(request: web.Request) -> web.Response:
    """``GET /organise/register``: the register, its import and the residents' letters."""
    await require_account(request, ORGANISING_ROLES, ORGANISERS_ONLY)
    return await register_page_with(request)


async def preview_upload(request: web.Request) -> web.Response:
    """``POST /organise/register``: read the uploaded extract and show what it would
    import and refuse; nothing is imported yet."""
    try:
        account, _, files = await posted_upload(
            request,
            frozenset({FILE_FIELD}),
            ORGANISING_ROLES,
            ORGANISERS_ONLY,
            file_limit=MAX_REGISTER_BYTES,
        )
        raw = files.get(FILE_FIELD, b"")
        if not raw:
            raise RegisterRefused("choose the register's CSV file", code="register_no_file")
        # A city's extract takes seconds to read: not on the event loop.
        reading = await asyncio.to_thread(read_register, raw)
    except BodyTooLarge:
        return await _refused_upload(request, register_too_large())
    except RegisterRefused as exc:
        return await _refused_upload(request, exc)
    token = await previews(request).keep(raw, account.actor_uri)
    return await register_page_with(request, reading=reading, token=token)


async def _refused_upload(request: web.Request, exc: RegisterRefused) -> web.Response:
    state = FormState("import", errors={FILE_FIELD: page_reason(request, exc)})
    return await register_page_with(
        request, form=state, refused=exc.refused, status=http_status(exc)
    )


async def confirm_import(request: web.Request) -> web.Response:
    """``POST /organise/register/confirm``: import the extract that was previewed."""
    account, posted = await posted_form(request, ORGANISING_ROLES, ORGANISERS_ONLY)
    node = request.app[NODE]
    try:
        raw = await previews(request).take(str(posted.get("token", "")), account.actor_uri)
        reading = await asyncio.to_thread(read_register, raw)
    except Refusal as exc:
        state = FormState("import", refusal=page_reason(request, exc))
        return await register_page_with(request, form=state, status=http_status(exc))
    count = await import_register(node.db, reading)
    done = page_translator(request)(
        N_(
            "The register now holds %(count)d addresses with %(slots)d registered residents;"
            " the previous register was replaced. %(refused)d rows were left out. Nothing"
            " is sent to other servers."
        ),
        count=count,
        slots=reading.slots,
        refused=len(reading.refused),
    )
    return await register_page_with(request, done=done)


async def print_letters(request: web.Request) -> web.StreamResponse:
    """``POST /organise/letters``: the letters with fresh codes for every address of a
    postcode area, as one PDF to print (``samenspraak letters`` writes the same)."""
    account, posted = await posted_form(request, ORGANISING_ROLES, ORGANISERS_ONLY)
    node = request.app[NODE]
    area = str(posted.get("area", "")).strip()
    role = ROLE_ADMIN if account.role == "admin" else ROLE_ORGANISERS
    try:
        letters = await issue_area_letters(node.participation_services, area, role)
    except Refusal as exc:
        state = FormState("letters", {"area": area}, {"area": page_reason(request, exc)})
        return await register_page_with(request, form=state, status=http_status(exc))
    base = node.urls.base
    # An area of thousands of addresses takes a minute to lay out: not on the event loop.
    pdf = await asyncio.to_thread(
        letters_pdf, letters, node.config.name, base, base + VERIFY_PAGE, node.config.language
    )
    name = f"letters-{letters[0].address.postcode_area}.pdf"
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


# Where a refusal of a verification in person is shown, by its code; others at the top.
VERIFY_REFUSED_FIELD: Mapping[str, str] = {
    "verify_no_account": "account",
    "handle_missing": "account",
    "handle_invalid": "account",
    "handle_unreachable": "account",
    "holds_other_slot": "account",
    "register_postcode": "postcode",
    "not_registrar": "postcode",
    "register_house_number": "number",
    "address_unknown": "number",
    "address_full": "number",
    "resident_unknown": "resident",
    "form_not_whole": "resident",
}


def _verify_page(
    request: web.Request, form: FormState, done: str | None = None, status: int = 200
) -> web.Response:
    return render(request, "organise_verify.html", status=status, form=form, done=done)


async def verify_page(request: web.Request) -> web.Response:
    """``GET /organise/verify``: the form where staff confirm a resident they saw."""
    await require_account(request, IN_PERSON_ROLES, STAFF_ONLY)
    return _verify_page(request, FormState("verify", {"resident": "1"}))


async def _in_person(request: web.Request, staff: Account, fields: Mapping[str, str]) -> str:
    """Confirm the resident the form names: a local account by ``verify_in_person``, an
    account elsewhere by binding its register slot (``bind_in_person``). What happened,
    in the visitor's language."""
    node = request.app[NODE]
    services = node.participation_services
    t = page_translator(request)
    who = fields.get("account", "").strip()
    postcode, number = fields.get("postcode", ""), fields.get("number", "")
    local = who.lstrip("@").removesuffix(f"@{node.urls.host}")
    if "@" not in local and not local.startswith(("https://", "http://")):
        residency = await verify_in_person(
            services, local, staff.username, postcode, number or None
        )
        return t(
            N_(
                "%(name)s is confirmed as a resident of %(area)s. Their profile now shows the"
                " postcode area, never the address."
            ),
            name=local,
            area=residency.area_name or residency.postcode_area,
        )
    resident = fields.get("resident", "1")
    if not resident.isdigit():
        raise Invalid(
            f"{resident!r} is not a whole number", code="form_not_whole", values={"value": resident}
        )
    actor = await actor_of_handle(node, who)
    binding = await bind_in_person(services, staff.username, postcode, number, int(resident), actor)
    return t(
        N_(
            "%(actor)s now holds the place of registered resident %(resident)s of %(address)s"
            " in the register of %(area)s. An account that held this place before has lost it."
        ),
        actor=binding.actor_uri,
        resident=binding.resident_number,
        address=binding.address_key,
        area=binding.postcode_area,
    )


async def verify_submit(request: web.Request) -> web.Response:
    """``POST /organise/verify``: confirm a resident, or show the form with why not."""
    staff, posted = await posted_form(request, IN_PERSON_ROLES, STAFF_ONLY)
    fields = text_fields(posted)
    try:
        done = await _in_person(request, staff, fields)
    except Refusal as exc:
        t = page_translator(request)
        reason = (
            t(ROW_REASONS[exc.code], **exc.values)
            if exc.code in ROW_REASONS
            else page_reason(request, exc)
        )
        state = FormState("verify", fields)
        field = VERIFY_REFUSED_FIELD.get(exc.code)
        if field is None:
            state.refusal = reason
        else:
            state.errors[field] = reason
        return _verify_page(request, state, status=http_status(exc))
    return _verify_page(request, FormState("verify", {"resident": "1"}), done=done)


def register(app: web.Application) -> None:
    """Add the register page and its forms."""
    app.router.add_get(REGISTER_PAGE, register_page)
    app.router.add_post(REGISTER_PAGE, preview_upload)
    app.router.add_post(CONFIRM_PATH, confirm_import)
    app.router.add_post(LETTERS_PATH, print_letters)
    app.router.add_get(VERIFY_IN_PERSON_PAGE, verify_page)
    app.router.add_post(VERIFY_IN_PERSON_PAGE, verify_submit)
