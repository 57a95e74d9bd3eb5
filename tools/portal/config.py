"""Where a portal repository keeps things, and its settings (schema/settings.yaml)."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from portal import layout
from portal.checks import yamlsafe
from portal.checks.datafiles import ConfigError, load_checked, located_error, read_yaml_file
from portal.model import SCHEMA_NAME, LabelMismatch, Vocabulary

__all__ = ["ConfigError", "Deploy", "ReadLimits", "Repo", "Settings", "Tier", "find_repo", "load_settings", "read_yaml_file"]


@dataclass(frozen=True)
class Tier:
    id: str
    label: str
    passcode_env: str
    audiences: tuple[str, ...]


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
    follow_up_months: int = 6  # outcomes.follow_up_months: how long after publication a text's outcome is asked for


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
        """The repository's submission schema: the one source of allowed values in a run. A schema
        whose labels do not match its allowed values is refused here (ConfigError, located), so no
        command runs on it."""
        self.vocabulary  # noqa: B018 - reads and checks the schema
        return self._schema_data

    @cached_property
    def _schema_data(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.schema_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{self.schema_path}: the submission schema is missing") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{self.relative(self.schema_path)}:{exc.lineno}:{exc.colno}: error: not valid JSON: {exc.msg}") from None
        return data

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The allowed values and their labels, from this repository's schema (checked)."""
        try:
            return Vocabulary.from_schema(self._schema_data)
        except LabelMismatch as exc:
            keys = _spec_keys(self._schema_data, exc.names)
            keys.append(exc.keyword if exc.keyword in _spec_at(self._schema_data, keys) else "enum")
            line, col = json_position(self.schema_path.read_text(encoding="utf-8"), tuple(keys))
            raise ConfigError(f"{self.relative(self.schema_path)}:{line}:{col}: error: {'.'.join(exc.names)}: {exc.message}") from None
        except (KeyError, TypeError) as exc:
            raise ConfigError(
                f"{self.relative(self.schema_path)}:1:1: error: the schema lacks a field the portal needs ({exc}); compare it with the portal's own schema"
            ) from None

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.schema_dir / "settings.yaml", self.vocabulary.audiences)

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


def _spec_keys(schema: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    """The keys that lead to a field's spec in the schema, as `model.field_spec` walks them."""
    keys: list[str] = []
    for name in names:
        if "items" in _spec_at(schema, keys):
            keys.append("items")
        keys += ["properties", name]
    if "items" in _spec_at(schema, keys):
        keys.append("items")
    return keys


def _spec_at(schema: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    spec: Any = schema
    for key in keys:
        spec = spec[key]
    return spec if isinstance(spec, dict) else {}


def json_position(text: str, keys: tuple[str, ...]) -> tuple[int, int]:
    """Line and column (1-based) of the key at `keys` in a JSON document. JSON is YAML, so the
    position-aware YAML reader (checks/yamlsafe) gives every key's place; should it not read the
    file, each key is searched in the text after the one before it (exact for a schema whose keys
    are written once per object, as a JSON writer writes them)."""
    try:
        return yamlsafe.load(text, quick=False).position(keys)
    except yamlsafe.YamlError:
        pass
    offset = 0
    for key in keys:
        found = text.find(json.dumps(key), offset)
        if found < 0:
            break
        offset = found
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def find_repo(start: Path | None = None) -> Repo:
    """The portal repository containing `start` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "schema" / "submission.schema.json").is_file():
            return Repo(candidate)
    raise ConfigError(
        f"{here} is not inside a portal repository (no schema/submission.schema.json here or above); run the command from the repository, or pass --repo PATH"
    )


def load_settings(path: Path, audiences: Collection[str] = ()) -> Settings:
    """The settings at `path`, checked by the portal's settings schema (data/settings.schema.json)
    and then by the rules a schema cannot say; every mistake is located (file:line:col: field).
    `audiences`: the repository's (its submission schema's), which each tier's must be."""
    located = load_checked(path, "settings.schema.json")
    data: dict[str, Any] = located.data

    def fail(keys: tuple[str | int, ...], message: str) -> ConfigError:
        return located_error(path, located, keys, message)

    tiers = tuple(Tier(tier["id"], tier["label"], tier["passcode_env"], tuple(tier["audiences"])) for tier in data["tiers"])
    ids = [tier.id for tier in tiers]
    for index, tier in enumerate(tiers):
        if tier.id in ids[:index]:
            raise fail(("tiers", index, "id"), f"two tiers have the id {tier.id!r}; give each tier an id of its own")
        for number, audience in enumerate(tier.audiences):
            if audiences and audience not in audiences:
                raise fail(
                    ("tiers", index, "audiences", number), f"{audience!r} is not one of: {', '.join(audiences)} (the audiences of {SCHEMA_NAME.as_posix()})"
                )
    validity, limits, passcode, coordinator = data["validity"], data["limits"], data["passcode"], data["coordinator"]
    if validity["default_months"] > validity["maximum_months"]:
        longest = validity["maximum_months"]
        raise fail(("validity", "default_months"), f"{validity['default_months']} is longer than validity.maximum_months ({longest}); use {longest} or less")
    return Settings(
        site_name=data["site_name"],
        default_months=validity["default_months"],
        maximum_months=validity["maximum_months"],
        reminder_days=validity["reminder_days"],
        publishing_statuses=tuple(data["publishing_statuses"]),
        submission_bytes=limits["submission_bytes"],
        attachment_bytes=limits["attachment_bytes"],
        reading=ReadLimits(limits["document_inflated_bytes"], limits["document_markup_bytes"], limits["document_parts"], limits["document_seconds"]),
        tiers=tiers,
        rotation_days=passcode["rotation_days"],
        minimum_entropy_bits=passcode["minimum_entropy_bits"],
        pbkdf2_iterations=passcode["pbkdf2_iterations"],
        coordinator_name=coordinator["name"],
        coordinator_email=coordinator["email"],
        deploy=load_deploy(path, located),
        portal_url=load_portal_url(path, located),
        authserv_id=str((data.get("mail") or {}).get("authserv_id") or "").strip().lower(),
        follow_up_months=int((data.get("outcomes") or {}).get("follow_up_months", 6)),
    )


def load_portal_url(path: Path, located: yamlsafe.Located) -> str:
    """`coordinator.portal_url`: the portal's address as the e-mails to States give it ('' when
    not set: the e-mails then name the portal without an address). The schema checks its form."""
    value = str(located.data["coordinator"].get("portal_url") or "").strip()
    if credentials_in_url(value):
        raise located_error(
            path, located, ("coordinator", "portal_url"), "holds a user name or password; give the address readers open, e.g. https://ccm-portal.example.org/"
        )
    return value


def load_deploy(path: Path, located: yamlsafe.Located) -> Deploy:
    """The `deploy` section; every field is optional (an absent section publishes nowhere until
    a target is set). Credentials never live here: only in the environment."""
    section: dict[str, Any] = located.data.get("deploy") or {}
    values = {field: str(section.get(field) or default).strip() for field, default in (("target", "git"), ("url", ""), ("branch", "gh-pages"), ("folder", ""))}
    if credentials_in_url(values["url"]):
        raise located_error(
            path,
            located,
            ("deploy", "url"),
            "holds a password or token; give the address only, and the credential as the CI secret PORTAL_DEPLOY_TOKEN or PORTAL_DEPLOY_KEY",
        )
    fields = ("target", "url", "branch", "folder", "repository_holds_no_texts")
    where = tuple((field, "{}:{}:{}".format(path, *located.position(("deploy", field)))) for field in fields)
    return Deploy(values["target"], values["url"], values["branch"], values["folder"], bool(section.get("repository_holds_no_texts", False)), where)


def credentials_in_url(url: str) -> bool:
    """True when a URL carries a password or token (https://user:secret@host/...)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return False
    authority = rest.split("/", 1)[0]
    userinfo, at, _host = authority.rpartition("@")
    return bool(at) and (":" in userinfo or scheme.lower() in ("http", "https"))
