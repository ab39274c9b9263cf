"""The node's configuration file, ``samenspraak.toml`` in its data directory."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from moderation.spam import SpamRules, spam_rules_from_settings

CONFIG_FILE = "samenspraak.toml"
DATABASE_FILE = "samenspraak.sqlite3"
KINDS = ("collective", "municipality")
# Mastodon's username rule: letters, digits and underscores, with single dots
# or dashes inside.
HANDLE_PATTERN = re.compile(r"^[A-Za-z0-9_]+(?:[.-][A-Za-z0-9_]+)*$")
DOMAIN_PATTERN = re.compile(r"^[a-z0-9.-]+(?::\d{1,5})?$")
MAIL_SECURITY = ("none", "starttls", "tls")
LONGEST_DESCRIPTION = 1000
LONGEST_RULE = 300
MOST_RULES = 20
# The languages the pages have catalogues for (node/locale), Dutch first.
PAGE_LANGUAGES = ("nl", "en")
REGISTRATIONS = ("open", "approval", "closed")
# An e-mail address as people type one: something, one @, a domain with a dot.
MAIL_ADDRESS_PATTERN = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]+$")


class ConfigError(ValueError):
    """A configuration value a node cannot run with; the message says which and why.
    Where a page shows it beside a field, ``code`` names its translated reason
    (node/web/refusals.py) and ``values`` fill it in."""

    def __init__(self, message: str, code: str = "", **values: object) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class Setting:
    """One key of ``samenspraak.toml``: where it is, its default and what it means.

    ``load_config`` reads every key through this table, and ``config_reference``
    writes docs/CONFIGURATION.md from it, so the reference cannot drift from the code.
    """

    table: str
    key: str
    # None: the key is required (``init`` writes it).
    default: object
    meaning: str


SETTINGS = (
    Setting(
        "node",
        "domain",
        None,
        "HOST[:PORT] the node is reached at. Part of every id the node publishes: "
        "never change it once the node federates.",
    ),
    Setting(
        "node",
        "name",
        None,
        'Display name of the node and its organisation, e.g. "Wijkraad Oosterpark".',
    ),
    Setting("node", "handle", None, "Account name of the organisation actor (@handle@domain)."),
    Setting(
        "node",
        "description",
        "",
        "A few sentences about the node, shown on its home page and given to apps"
        f" (GET /api/v2/instance); at most {LONGEST_DESCRIPTION} characters. Empty: the"
        " organisation's profile text.",
    ),
    Setting(
        "node",
        "rules",
        [],
        "The node's rules: a list of short sentences residents accept when they open an"
        f" account (at most {MOST_RULES}, each at most {LONGEST_RULE} characters), shown on"
        " /signup and the home page and given to apps (GET /api/v1/instance/rules).",
    ),
    Setting(
        "node",
        "languages",
        ["nl", "en"],
        "The languages the pages offer (nl, en); the pages' default `language` must be one.",
    ),
    Setting("node", "kind", "collective", f"What runs the node: one of {', '.join(KINDS)}."),
    Setting(
        "node",
        "language",
        "nl",
        "Language of the pages (nl or en) when neither ?lang= nor the browser chooses one.",
    ),
    Setting(
        "node",
        "dev",
        False,
        "Development mode: plain http, loopback domains allowed, no guard against "
        "fetches of private addresses. Never on a public node.",
    ),
    Setting(
        "node",
        "authorized_fetch",
        False,
        "Require signed GETs of ActivityPub documents, as Mastodon's authorized fetch does.",
    ),
    Setting(
        "node",
        "database",
        "",
        f"Where the node keeps its data: empty for the SQLite file {DATABASE_FILE} in the "
        "node directory, or the URL of a PostgreSQL (15 or later) database the node owns, "
        'e.g. "postgresql://samenspraak:PASSWORD@127.0.0.1:5432/oosterpark" '
        "(migrate-to-postgres copies an SQLite node into one).",
    ),
    Setting("server", "host", "127.0.0.1", "Address serve listens on."),
    Setting("server", "port", 8700, "Port serve listens on (--port overrides it)."),
    Setting(
        "server",
        "trusted_proxies",
        [],
        "Addresses or networks of reverse proxies whose X-Forwarded-For names the client; "
        "nobody else's is believed.",
    ),
    Setting(
        "look",
        "colour",
        "#2d6a4f",
        "The node's own colour (#rrggbb) for buttons, borders and the header line; it must "
        "stand out from white by at least 4.5:1 (WCAG AA), so white text on it can be read.",
    ),
    Setting(
        "look",
        "logo",
        "",
        "A PNG, JPEG, WebP or SVG file in the node directory shown beside the node's name "
        '(e.g. "logo.png"); empty for none.',
    ),
    Setting("look", "contact", "", "How to reach the node's people: an e-mail address or a URL."),
    Setting("look", "privacy_statement", "", "URL of the node's privacy statement."),
    Setting(
        "look",
        "accessibility_statement",
        "",
        "URL of the node's accessibility statement, as Dutch public bodies publish one.",
    ),
    Setting(
        "look",
        "map_tiles",
        "",
        "Tile server for the map of a proposal's place: a https URL with {z}, {x} and {y}, "
        'e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png" (mind its usage policy); '
        "empty for no map, and a plain OpenStreetMap link instead. Visitors' browsers "
        "fetch the tiles from it.",
    ),
    Setting(
        "look",
        "map_attribution",
        "© OpenStreetMap",
        "The credit the tile server asks for, shown under the map.",
    ),
    Setting(
        "mail",
        "host",
        "",
        "SMTP server the node sends notification e-mails through; empty for no e-mail "
        "(the pages then say that e-mail is not offered).",
    ),
    Setting("mail", "port", 587, "Port of the SMTP server."),
    Setting(
        "mail",
        "security",
        "starttls",
        f"How the connection is protected: one of {', '.join(MAIL_SECURITY)}"
        " (tls: TLS from the start, usually port 465). Use none only for a server on the"
        " same machine.",
    ),
    Setting("mail", "username", "", "User name at the SMTP server; empty to send without login."),
    Setting("mail", "password", "", "Password at the SMTP server; never written to a log."),
    Setting(
        "mail",
        "sender",
        "",
        'The address mails come from, e.g. "noreply@oosterpark.example"; the node\'s name '
        "is shown as the sender. Required with a host.",
    ),
    Setting(
        "accounts",
        "registrations",
        "approval",
        "Who can open an account on the node's pages and from Mastodon apps: open (anyone,"
        " once their e-mail address is confirmed), approval (a moderator approves each new"
        " account on /moderation/signups) or closed (only with an invitation link from an"
        " administrator). Opening an account needs [mail]: without it nobody can.",
    ),
    Setting(
        "health",
        "max_queue_depth",
        1000,
        "/healthz answers 503 when more deliveries than this wait in the queue.",
    ),
)


def _setting(raw: dict[str, Any], table: str, key: str) -> Any:
    """The value of ``[table] key`` in ``raw``, or its default (KeyError when required)."""
    [setting] = [s for s in SETTINGS if (s.table, s.key) == (table, key)]
    section = raw.get(table, {})
    if key in section:
        return section[key]
    if setting.default is None:
        raise KeyError(key)
    return setting.default


@dataclass(frozen=True)
class NodeConfig:
    """What a node is and how it is served."""

    domain: str
    name: str
    handle: str
    kind: str = "collective"
    dev: bool = False
    authorized_fetch: bool = False
    host: str = "127.0.0.1"
    port: int = 8700
    language: str = "nl"
    # Addresses or networks of reverse proxies whose X-Forwarded-For is believed;
    # none by default, so nobody else can choose the address a request counts under.
    trusted_proxies: tuple[str, ...] = ()
    health_max_queue_depth: int = 1000
    # A postgresql:// URL, or "" for the SQLite file in the node directory.
    database: str = ""
    look: Look = field(default_factory=lambda: Look())
    mail: MailConfig = field(default_factory=lambda: MailConfig())
    # Who may open an account themselves: one of REGISTRATIONS.
    registrations: str = "approval"
    description: str = ""
    # Short sentences residents accept at sign-up, in the order the file gives them.
    rules: tuple[str, ...] = ()
    languages: tuple[str, ...] = PAGE_LANGUAGES

    def database_location(self, data_dir: Path) -> Path | str:
        """What ``Database.open`` opens for this node in ``data_dir``."""
        return self.database or data_dir / DATABASE_FILE

    @property
    def base_url(self) -> str:
        """Scheme and authority of every local id: plain http only in development mode."""
        return f"{'http' if self.dev else 'https'}://{self.domain}"

    def with_server(self, host: str | None, port: int | None) -> NodeConfig:
        """This config with another listening address."""
        return replace(self, host=host or self.host, port=port or self.port)


def validate_handle(handle: str) -> str:
    """Check a user or organisation handle against the rule Mastodon applies."""
    if not HANDLE_PATTERN.match(handle) or len(handle) > 30:
        raise ConfigError(
            f"handle {handle!r} is not valid: use letters, digits and _, with single . or - "
            "inside, at most 30 characters"
        )
    return handle


def validate_domain(domain: str, dev: bool) -> str:
    """Check a domain (with an optional port)."""
    domain = domain.strip().lower()
    if not DOMAIN_PATTERN.match(domain):
        raise ConfigError(f"domain {domain!r} is not a host name with an optional :port")
    if not dev and domain.split(":")[0] in ("127.0.0.1", "localhost"):
        raise ConfigError("a loopback domain needs --dev (development mode)")
    return domain


def load_config(data_dir: Path, path: Path | None = None) -> NodeConfig:
    """Read and check ``samenspraak.toml`` (or ``path``: a new version of it, checked
    before it replaces the file)."""
    path = path or data_dir / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(f"{data_dir} is not a node directory (no {CONFIG_FILE}); run init first")
    raw = _read_toml(path)
    try:
        config = NodeConfig(
            domain=str(_setting(raw, "node", "domain")),
            name=str(_setting(raw, "node", "name")),
            handle=str(_setting(raw, "node", "handle")),
            kind=str(_setting(raw, "node", "kind")),
            dev=bool(_setting(raw, "node", "dev")),
            authorized_fetch=bool(_setting(raw, "node", "authorized_fetch")),
            language=str(_setting(raw, "node", "language")),
            host=str(_setting(raw, "server", "host")),
            port=int(_setting(raw, "server", "port")),
            trusted_proxies=_trusted_proxies(_setting(raw, "server", "trusted_proxies"), path),
            health_max_queue_depth=_count(_setting(raw, "health", "max_queue_depth"), path),
            database=_database(_setting(raw, "node", "database"), path),
            look=_look(raw, path, data_dir),
            mail=_mail(raw, path),
            registrations=str(_setting(raw, "accounts", "registrations")),
            description=_description(_setting(raw, "node", "description"), path),
            rules=_rules(_setting(raw, "node", "rules"), path),
            languages=_languages(_setting(raw, "node", "languages"), path),
        )
    except KeyError as exc:
        raise ConfigError(f"{path}: missing {exc.args[0]} in [node]", "setting_required") from exc
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        # A number written as text, say: "port = 'achtduizend'".
        raise ConfigError(f"{path}: {exc}") from exc
    if config.kind not in KINDS:
        raise ConfigError(f"{path}: kind must be one of {', '.join(KINDS)}")
    if config.registrations not in REGISTRATIONS:
        raise ConfigError(
            f"{path}: [accounts] registrations must be one of {', '.join(REGISTRATIONS)}",
            "setting_choice",
            choices=", ".join(REGISTRATIONS),
        )
    if config.language not in config.languages:
        raise ConfigError(
            f"{path}: [node] languages {list(config.languages)} must include the pages'"
            f" language {config.language!r}",
            "setting_languages_default",
            language=config.language,
        )
    validate_handle(config.handle)
    validate_domain(config.domain, config.dev)
    return config


@dataclass(frozen=True)
class Look:
    """How the node's pages look as its owner's: colour, logo and the footer's links."""

    colour: str = "#2d6a4f"
    # The logo file's name in the node directory, or "" for none.
    logo: str = ""
    contact: str = ""
    privacy_statement: str = ""
    accessibility_statement: str = ""
    map_tiles: str = ""
    map_attribution: str = "© OpenStreetMap"


LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".webp": "image/webp", ".svg": "image/svg+xml"}  # fmt: skip
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")


def _look(raw: dict[str, Any], path: Path, data_dir: Path) -> Look:
    values = {key: str(_setting(raw, "look", key)).strip() for key in Look.__dataclass_fields__}
    look = Look(**values)
    if not COLOUR_PATTERN.match(look.colour):
        raise ConfigError(
            f"{path}: [look] colour {look.colour!r} is not a colour like #2d6a4f",
            "setting_colour_invalid",
            colour=look.colour,
        )
    ratio = contrast_with_white(look.colour)
    if ratio < 4.5:
        raise ConfigError(
            f"{path}: [look] colour {look.colour} stands out from white by only "
            f"{ratio:.1f}:1; choose a darker colour (at least 4.5:1)",
            "setting_colour_contrast",
            colour=look.colour,
            ratio=round(ratio, 1),
        )
    if look.logo:
        logo = data_dir / look.logo
        if Path(look.logo).name != look.logo or Path(look.logo).suffix.lower() not in LOGO_TYPES:
            raise ConfigError(
                f"{path}: [look] logo {look.logo!r} must be the name of a "
                f"{', '.join(LOGO_TYPES)} file in the node directory",
                "setting_logo_missing",
            )
        if not logo.is_file():
            raise ConfigError(
                f"{path}: [look] logo {look.logo!r} is not in {data_dir}", "setting_logo_missing"
            )
    for key in ("privacy_statement", "accessibility_statement"):
        value = getattr(look, key)
        if value and not value.startswith(("https://", "http://")):
            raise ConfigError(
                f"{path}: [look] {key} {value!r} is not a http(s) URL", "setting_url_invalid"
            )
    if look.map_tiles and not (
        look.map_tiles.startswith(("https://", "http://"))
        and all(part in look.map_tiles for part in ("{z}", "{x}", "{y}"))
    ):
        raise ConfigError(
            f"{path}: [look] map_tiles {look.map_tiles!r} is not a http(s) URL with {{z}},"
            " {x} and {y}"
        )
    return look


@dataclass(frozen=True)
class MailConfig:
    """The SMTP server notification e-mails go through; no host, no e-mail."""

    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    # Left out of repr: a config printed or logged never shows it.
    password: str = field(default="", repr=False)
    sender: str = ""

    @property
    def offered(self) -> bool:
        """Whether this node sends e-mail at all."""
        return bool(self.host)


def _mail(raw: dict[str, Any], path: Path) -> MailConfig:
    mail = MailConfig(
        host=str(_setting(raw, "mail", "host")).strip(),
        port=int(_setting(raw, "mail", "port")),
        security=str(_setting(raw, "mail", "security")),
        username=str(_setting(raw, "mail", "username")),
        password=str(_setting(raw, "mail", "password")),
        sender=str(_setting(raw, "mail", "sender")).strip(),
    )
    if mail.security not in MAIL_SECURITY:
        raise ConfigError(
            f"{path}: [mail] security must be one of {', '.join(MAIL_SECURITY)}",
            "setting_choice",
            choices=", ".join(MAIL_SECURITY),
        )
    if not 0 < mail.port < 65536:
        raise ConfigError(
            f"{path}: [mail] port {mail.port} is not a port number", "setting_port_invalid"
        )
    if mail.offered and not MAIL_ADDRESS_PATTERN.match(mail.sender):
        raise ConfigError(
            f"{path}: [mail] sender {mail.sender!r} is not an e-mail address",
            "mail_address_invalid",
        )
    return mail


def _at_most(found: int, most: int, message: str, code: str, **values: object) -> None:
    """Refuse ``found`` (characters, rules) over ``most``, saying which and how many."""
    if found > most:
        raise ConfigError(f"{message} {found}; at most {most}", code, most=most, **values)


def _description(value: object, path: Path) -> str:
    text = str(value).strip()
    _at_most(
        len(text),
        LONGEST_DESCRIPTION,
        f"{path}: [node] description: characters",
        "setting_too_long",
        length=len(text),
    )
    return text


def _rules(value: object, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(rule, str) for rule in value):
        raise ConfigError(f"{path}: [node] rules must be a list of texts", "setting_rules_invalid")
    rules = tuple(rule.strip() for rule in value if rule.strip())
    _at_most(
        len(rules), MOST_RULES, f"{path}: [node] rules:", "setting_rules_too_many", count=len(rules)
    )
    for number, rule in enumerate(rules, 1):
        _at_most(
            len(rule),
            LONGEST_RULE,
            f"{path}: [node] rule {number}: characters",
            "setting_rule_too_long",
            number=number,
        )
    return rules


def _languages(value: object, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not set(value) <= set(PAGE_LANGUAGES):
        raise ConfigError(
            f"{path}: [node] languages must be a list of one or more of"
            f" {', '.join(PAGE_LANGUAGES)}",
            "setting_languages_invalid",
            choices=", ".join(PAGE_LANGUAGES),
        )
    return tuple(code for code in PAGE_LANGUAGES if code in value)


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of ``#rrggbb`` against white."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return 1.05 / (luminance + 0.05)


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML file at ``path``; text that is not UTF-8 or not TOML is a ConfigError."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def validate_database(value: object) -> str:
    """A node's ``database``: empty, or a postgresql:// URL."""
    if not isinstance(value, str) or (
        value and not value.startswith(("postgresql://", "postgres://"))
    ):
        raise ConfigError(
            f"database {value!r} is neither empty (SQLite in the node directory) "
            "nor a postgresql:// URL"
        )
    return value


def _database(value: object, path: Path) -> str:
    try:
        return validate_database(value)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _count(value: object, path: Path) -> int:
    """A whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{path}: [health] max_queue_depth is a whole number of at least 1")
    return value


def _trusted_proxies(entries: object, path: Path) -> tuple[str, ...]:
    """``[server] trusted_proxies``: a list of IP addresses or networks, checked here."""
    return validate_trusted_proxies(entries, f"{path}: trusted_proxies")


def validate_trusted_proxies(entries: object, where: str) -> tuple[str, ...]:
    """A list of IP addresses or networks of reverse proxies; ``where`` names it in errors."""
    if not isinstance(entries, list):
        raise ConfigError(f'{where} is a list, like ["127.0.0.1"]')
    for entry in entries:
        try:
            ipaddress.ip_network(str(entry), strict=False)
        except ValueError as exc:
            raise ConfigError(f"{where}: {entry!r} is not an IP address or network") from exc
    return tuple(str(entry) for entry in entries)


def moderation_rules(data_dir: Path, path: Path | None = None) -> SpamRules:
    """The spam rules and rate limits from the ``[moderation]`` table; defaults without one."""
    path = path or data_dir / CONFIG_FILE
    raw = _read_toml(path) if path.is_file() else {}
    try:
        return spam_rules_from_settings(raw.get("moderation", {}))
    except ValueError as exc:
        raise ConfigError(f"{path}: [moderation]: {exc}", "setting_moderation_invalid") from exc


def write_config(data_dir: Path, config: NodeConfig) -> Path:
    """Write ``samenspraak.toml``; the values are simple enough to write by hand."""
    path = data_dir / CONFIG_FILE
    path.write_text(
        "# Samenspraak node configuration\n"
        "[node]\n"
        f"domain = {_toml_str(config.domain)}\n"
        f"name = {_toml_str(config.name)}\n"
        f"handle = {_toml_str(config.handle)}\n"
        f"kind = {_toml_str(config.kind)}\n"
        f"language = {_toml_str(config.language)}\n"
        "# development mode: plain http on loopback, no SSRF guard\n"
        f"dev = {'true' if config.dev else 'false'}\n"
        "# require signed GETs for ActivityPub documents (Mastodon's 'authorized fetch')\n"
        f"authorized_fetch = {'true' if config.authorized_fetch else 'false'}\n"
        '# "" for samenspraak.sqlite3 here, or a postgresql://user:password@host:port/name URL\n'
        f"database = {_toml_str(config.database)}\n"
        "\n[server]\n"
        f"host = {_toml_str(config.host)}\n"
        f"port = {config.port}\n"
        '# reverse proxies whose X-Forwarded-For names the client, e.g. ["127.0.0.1"]\n'
        f"trusted_proxies = [{', '.join(_toml_str(p) for p in config.trusted_proxies)}]\n",
        encoding="utf-8",
    )
    return path


def set_database(data_dir: Path, url: str) -> None:
    """Point the node in ``data_dir`` at the database ``url``, changing nothing else of
    its ``samenspraak.toml`` (tables and comments an operator added stay)."""
    path = data_dir / CONFIG_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    line = f"database = {_toml_str(validate_database(url))}"
    table = ""
    for number, text in enumerate(lines):
        stripped = text.strip()
        if stripped.startswith("["):
            table = stripped
        elif table == "[node]" and re.match(r"database\s*=", stripped):
            lines[number] = line
            break
    else:
        lines.insert(lines.index("[node]") + 1, line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_config(data_dir)


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def config_reference() -> str:
    """docs/CONFIGURATION.md: every key of ``samenspraak.toml``, its default and meaning,
    from ``SETTINGS`` and the spam rules' own defaults (``moderation/spam.py``)."""
    lines = [
        "# samenspraak.toml",
        "",
        "<!-- Generated by `samenspraak config-reference --output docs/CONFIGURATION.md`"
        " from node/config.py; do not edit by hand. -->",
        "",
        f"Every node directory has a `{CONFIG_FILE}`; `samenspraak init` writes the `[node]`"
        " and `[server]` tables. A key left out takes its default; a required key has none.",
        "",
    ]
    for table in dict.fromkeys(s.table for s in SETTINGS):
        lines += [f"## [{table}]", "", "| key | default | meaning |", "| --- | --- | --- |"]
        for setting in SETTINGS:
            if setting.table == table:
                default = "required" if setting.default is None else _toml(setting.default)
                lines.append(f"| `{setting.key}` | {default} | {setting.meaning} |")
        lines.append("")
    rules = SpamRules()
    lines += [
        "## [moderation]",
        "",
        "| key | default | meaning |",
        "| --- | --- | --- |",
        f"| `report_threshold` | `{rules.report_threshold}` | Distinct reporters (each local"
        " account, each other server once) after whom content is hidden pending review. |",
        f"| `new_account_days` | `{rules.new_account_age.days}` | Days during which an"
        " unverified account gets the smaller allowances of `[moderation.new_account_rates]`. |",
        "",
    ]
    for table, rates, whose in (
        (
            "moderation.rates",
            rules.rates,
            "per account; `inbox` per remote host, `login` per user name and client address,"
            " `login_address` and `lookup_address` per client address",
        ),
        ("moderation.new_account_rates", rules.new_account_rates, "per new unverified account"),
    ):
        lines += [
            f"## [{table}]",
            "",
            f'Allowances written as `"count/seconds"`, {whose}; a refusal is 429 with Retry-After.',
            "",
            "| key | default |",
            "| --- | --- |",
        ]
        lines += [
            f'| `{action}` | `"{rate.count}/{rate.per_seconds:g}"` |'
            for action, rate in rates.items()
        ]
        lines.append("")
    return "\n".join(lines)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return f"`{'true' if value else 'false'}`"
    if isinstance(value, str):
        return f"`{_toml_str(value)}`"
    if isinstance(value, list):
        return f"`[{', '.join(_toml_str(str(item)) for item in value)}]`"
    return f"`{value}`"
