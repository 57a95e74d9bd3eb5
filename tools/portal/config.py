"""Where a portal repository keeps things, and its settings (schema/settings.yaml)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from portal import layout
from portal.checks import yamlsafe
from portal.errors import PortalError


class ConfigError(PortalError):
    """A setting that cannot be used; the message names the file, line and field."""


@dataclass(frozen=True)
class Tier:
    id: str
    label: str
    passcode_env: str
    audiences: tuple[str, ...]


DEPLOY_TARGETS = ("git", "folder", "pages")


@dataclass(frozen=True)
class Deploy:
    """Where `portal deploy` publishes site/ (settings.yaml: deploy); `where` maps each field to
    its `path:line:col`, so a missing value can be reported where it belongs."""

    target: str  # git, folder or pages
    url: str  # git: a remote URL or a path to a repository
    branch: str  # git: the branch that the site's host serves
    folder: str  # folder: the folder that is replaced by site/
    repository_holds_no_texts: bool
    where: tuple[tuple[str, str], ...] = ()

    def location(self, field: str) -> str:
        return dict(self.where).get(field, "schema/settings.yaml")


@dataclass(frozen=True)
class ReadLimits:
    """How far the portal reads a document sent to it (settings.yaml: limits.document_*): what a
    zip may inflate to, how much markup is parsed for the text, how many parts and how long."""

    inflated_bytes: int
    markup_bytes: int
    parts: int
    seconds: int


@dataclass(frozen=True)
class Settings:
    site_name: str
    default_months: int
    maximum_months: int
    reminder_days: int
    publishing_statuses: tuple[str, ...]
    submission_bytes: int
    attachment_bytes: int
    reading: ReadLimits
    tiers: tuple[Tier, ...]
    rotation_days: int
    minimum_entropy_bits: int
    pbkdf2_iterations: int
    coordinator_name: str
    coordinator_email: str
    deploy: Deploy = Deploy("git", "", "gh-pages", "", False)
    portal_url: str = ""  # where readers open the portal; said in the e-mails to States
    authserv_id: str = ""  # the receiving mail server whose Authentication-Results count ("" = the topmost)


@dataclass(frozen=True)
class Repo:
    """A portal repository: submissions/, schema/, mkdocs.yml at its root."""

    root: Path

    @property
    def submissions(self) -> Path:
        return self.root / layout.SUBMISSIONS

    @property
    def outbox(self) -> Path:
        """Where e-mail drafts go unless a command is given another folder."""
        return self.root / layout.OUTBOX

    @property
    def schema_dir(self) -> Path:
        return self.root / "schema"

    @property
    def schema_path(self) -> Path:
        return self.schema_dir / "submission.schema.json"

    @property
    def templates(self) -> Path:
        return self.schema_dir / "templates"

    @property
    def rotations_path(self) -> Path:
        return self.schema_dir / "passcode-rotations.yaml"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @cached_property
    def schema(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.schema_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{self.schema_path}: the submission schema is missing") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{self.schema_path}:{exc.lineno}:{exc.colno}: error: not valid JSON: {exc.msg}") from None
        return data

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.schema_dir / "settings.yaml")

    def relative(self, path: Path) -> str:
        """`path` relative to the repository root, with POSIX separators (as given if outside)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            pass
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def find_repo(start: Path | None = None) -> Repo:
    """The portal repository containing `start` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "schema" / "submission.schema.json").is_file():
            return Repo(candidate)
    raise ConfigError(
        f"{here} is not inside a portal repository (no schema/submission.schema.json here or above); run the command from the repository, or pass --repo PATH"
    )


def read_yaml_file(path: Path) -> yamlsafe.Located:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file is missing") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}:1:1: error: not UTF-8 text") from None
    try:
        return yamlsafe.load(text)
    except yamlsafe.YamlError as exc:
        raise ConfigError(f"{path}:{exc.line}:{exc.col}: error: {exc.field or 'file'}: {exc.message}") from None


class YamlReader:
    """Typed access to a settings document that names file, line and field on any mistake."""

    def __init__(self, path: Path, doc: yamlsafe.Located) -> None:
        self.path = path
        self.doc = doc

    def fail(self, keys: yamlsafe.Path, message: str) -> ConfigError:
        line, col = self.doc.position(keys)
        return ConfigError(f"{self.path}:{line}:{col}: error: {yamlsafe.dotted(keys)}: {message}")

    def get(self, *keys: str | int) -> Any:
        value: Any = self.doc.data
        for depth, key in enumerate(keys):
            container_ok = isinstance(value, dict) if isinstance(key, str) else isinstance(value, list)
            if not container_ok or (isinstance(key, str) and key not in value):
                raise self.fail(keys[: depth + 1], "missing")
            value = value[key]
        return value

    def integer(self, *keys: str | int, minimum: int = 0) -> int:
        value = self.get(*keys)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(keys, f"{value!r} is not a whole number of at least {minimum}")
        return value

    def text(self, *keys: str | int) -> str:
        value = self.get(*keys)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(keys, f"{value!r} is not a text")
        return value

    def optional(self, *keys: str, default: Any) -> Any:
        value: Any = self.doc.data
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return default
            value = value[key]
        return value

    def where(self, *keys: str | int) -> str:
        line, col = self.doc.position(keys)
        return f"{self.path}:{line}:{col}"

    def texts(self, *keys: str | int) -> tuple[str, ...]:
        value = self.get(*keys)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(keys, "must be a list of words, e.g. [state-party, signatory]")
        return tuple(value)


def load_settings(path: Path) -> Settings:
    reader = YamlReader(path, read_yaml_file(path))
    raw_tiers = reader.get("tiers")
    if not isinstance(raw_tiers, list) or not raw_tiers:
        raise reader.fail(("tiers",), "must list at least one tier of readers")
    tiers = tuple(
        Tier(
            id=reader.text("tiers", index, "id"),
            label=reader.text("tiers", index, "label"),
            passcode_env=reader.text("tiers", index, "passcode_env"),
            audiences=reader.texts("tiers", index, "audiences"),
        )
        for index in range(len(raw_tiers))
    )
    if len({tier.id for tier in tiers}) != len(tiers):
        raise reader.fail(("tiers",), "two tiers have the same id")
    settings = Settings(
        site_name=reader.text("site_name"),
        default_months=reader.integer("validity", "default_months", minimum=1),
        maximum_months=reader.integer("validity", "maximum_months", minimum=1),
        reminder_days=reader.integer("validity", "reminder_days", minimum=1),
        publishing_statuses=reader.texts("publishing_statuses"),
        submission_bytes=reader.integer("limits", "submission_bytes", minimum=1),
        attachment_bytes=reader.integer("limits", "attachment_bytes", minimum=1),
        reading=ReadLimits(
            inflated_bytes=reader.integer("limits", "document_inflated_bytes", minimum=1),
            markup_bytes=reader.integer("limits", "document_markup_bytes", minimum=1),
            parts=reader.integer("limits", "document_parts", minimum=1),
            seconds=reader.integer("limits", "document_seconds", minimum=1),
        ),
        tiers=tiers,
        rotation_days=reader.integer("passcode", "rotation_days", minimum=1),
        minimum_entropy_bits=reader.integer("passcode", "minimum_entropy_bits", minimum=40),
        pbkdf2_iterations=reader.integer("passcode", "pbkdf2_iterations", minimum=600_000),
        coordinator_name=reader.text("coordinator", "name"),
        coordinator_email=reader.text("coordinator", "email"),
        deploy=load_deploy(reader),
        portal_url=load_portal_url(reader),
        authserv_id=load_authserv_id(reader),
    )
    if settings.default_months > settings.maximum_months:
        raise reader.fail(("validity", "default_months"), "is longer than validity.maximum_months")
    return settings


def load_portal_url(reader: YamlReader) -> str:
    """`coordinator.portal_url`: the portal's address as the e-mails to States give it ('' when
    not set: the e-mails then name the portal without an address)."""
    value = reader.optional("coordinator", "portal_url", default="")
    if value is None or value == "":
        return ""
    keys = ("coordinator", "portal_url")
    if not isinstance(value, str) or not value.strip().startswith(("https://", "http://")) or any(c.isspace() for c in value.strip()):
        raise reader.fail(keys, f"{value!r} is not a web address; write it as https://ccm-portal.example.org/")
    if credentials_in_url(value.strip()):
        raise reader.fail(keys, "holds a user name or password; give the address readers open, e.g. https://ccm-portal.example.org/")
    return value.strip()


def load_deploy(reader: YamlReader) -> Deploy:
    """The `deploy` section; every field is optional (an absent section publishes nowhere until
    a target is set). Credentials never live here: only in the environment."""
    section = reader.optional("deploy", default={})
    if not isinstance(section, dict):
        raise reader.fail(("deploy",), "must be a section with target, url, branch, folder")
    values: dict[str, Any] = {}
    for field, default in (("target", "git"), ("url", ""), ("branch", "gh-pages"), ("folder", "")):
        value = reader.optional("deploy", field, default=default)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise reader.fail(("deploy", field), f"{value!r} is not a text")
        values[field] = value.strip()
    if values["target"] not in DEPLOY_TARGETS:
        raise reader.fail(("deploy", "target"), f"{values['target']!r} is not a target; use one of {', '.join(DEPLOY_TARGETS)}")
    if credentials_in_url(values["url"]):
        raise reader.fail(
            ("deploy", "url"), "holds a password or token; give the address only, and the credential as the CI secret PORTAL_DEPLOY_TOKEN or PORTAL_DEPLOY_KEY"
        )
    flag = reader.optional("deploy", "repository_holds_no_texts", default=False)
    if not isinstance(flag, bool):
        raise reader.fail(("deploy", "repository_holds_no_texts"), f"{flag!r} is not true or false")
    where = tuple((field, reader.where("deploy", field)) for field in ("target", "url", "branch", "folder", "repository_holds_no_texts"))
    return Deploy(values["target"], values["url"], values["branch"], values["folder"], flag, where)


def load_authserv_id(reader: YamlReader) -> str:
    """`mail.authserv_id`: the name the coordinator's receiving server gives itself in the
    Authentication-Results headers it writes (optional; without it the topmost header counts)."""
    section = reader.optional("mail", default={})
    if not isinstance(section, dict):
        raise reader.fail(("mail",), "must be a section, e.g. `mail:` then `  authserv_id: mx.example.org`")
    value = reader.optional("mail", "authserv_id", default="")
    if value is None:
        return ""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9._-]*", value.strip()):
        raise reader.fail(
            ("mail", "authserv_id"),
            f"{value!r} is not a server name; give the name that starts the receiving server's Authentication-Results headers, e.g. mx.example.org",
        )
    return value.strip().lower()


def credentials_in_url(url: str) -> bool:
    """True when a URL carries a password or token (https://user:secret@host/...)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return False
    authority = rest.split("/", 1)[0]
    userinfo, at, _host = authority.rpartition("@")
    return bool(at) and (":" in userinfo or scheme.lower() in ("http", "https"))
