"""Publishing site/ to a target that receives ciphertext only.

The repository holds every text in plaintext and stays private; what leaves it is the protected
folder and nothing else:

- git: a fresh repository holding only the files of site/, one commit with a neutral message,
  force-pushed over one branch of a separate (public) site repository. No history of old builds
  piles up there, and nothing of this repository's history can travel with it.
- folder: a copy of site/ beside the target, swapped into place in one step; an interruption
  leaves the old folder whole.
- pages: the Publish workflow uploads site/ as this repository's GitHub Pages artifact after the
  leak check (for a private repository on a plan that serves Pages).

Credentials come from the environment only: PORTAL_DEPLOY_TOKEN (HTTPS) or PORTAL_DEPLOY_KEY
(SSH, with PORTAL_DEPLOY_KNOWN_HOSTS for a host other than github.com).
"""

from __future__ import annotations

import base64
import ctypes
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from portal.config import Repo, credentials_in_url
from portal.errors import PortalError
from portal.publish.seal.filetimes import copy_shuffled
from portal.publish.seal.sealedformat import KEYS_FILE, PUBLIC_DIR

COMMIT_MESSAGE = "Publish the protected portal"
# Who the site commit says made it: the same for every deployment, so it names no person.
COMMITTER = {
    "GIT_AUTHOR_NAME": "Cooperation portal",
    "GIT_AUTHOR_EMAIL": "portal@localhost",
    "GIT_COMMITTER_NAME": "Cooperation portal",
    "GIT_COMMITTER_EMAIL": "portal@localhost",
}
# GitHub's published SSH host keys (docs.github.com, "GitHub's SSH key fingerprints").
GITHUB_KNOWN_HOSTS = """\
github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=
github.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aNUkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNqltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8CSSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk=
"""
# A published folder always holds this file; a folder that does not is no earlier deployment.
PORTAL_MARKER = f"{PUBLIC_DIR}/{KEYS_FILE}"
SCP_LIKE = re.compile(r"^(?:[\w.+-]+@)?[\w.-]+:(?!//)")


class DeployError(PortalError):
    """A deployment that cannot be done; nothing was published."""


@dataclass(frozen=True)
class Target:
    kind: str  # git, folder or pages
    location: str  # the remote (git), the folder (folder), or "" (pages)
    branch: str = ""

    def describe(self) -> str:
        if self.kind == "git":
            return f"branch {self.branch} of {self.location}"
        if self.kind == "folder":
            return f"folder {self.location}"
        return "this repository's GitHub Pages"


@dataclass(frozen=True)
class Deployed:
    target: Target
    files: int
    size: int
    commit: str = ""

    def line(self) -> str:
        made = f" as one commit {self.commit[:10]}" if self.commit else ""
        return f"Deployed {self.files} files ({self.size / 1_000_000:.1f} MB) to {self.target.describe()}{made}"


def preflight(target: Target, site: Path, repo: Repo) -> None:
    """Refuse a target that can never be deployed to, before the (slower) leak check runs."""
    if target.kind == "git":
        if not target.location:
            raise DeployError("no site repository given: set deploy.url in schema/settings.yaml or give it as TARGET")
        if credentials_in_url(target.location):
            raise DeployError(
                "the site repository's address holds a password or token; give the address only, and the credential as PORTAL_DEPLOY_TOKEN or PORTAL_DEPLOY_KEY"
            )
        check_branch(target.branch)
        if same_repository(target.location, repo):
            raise DeployError(f"{target.location} is this repository, which holds the texts; deploy to a separate site repository")
    elif target.kind == "folder":
        folder = Path(target.location).absolute()
        if not folder.parent.is_dir():
            raise DeployError(f"{folder.parent}: no such folder; create it first (the target itself is created)")
        check_folder_target(folder, site, repo)


def guess_kind(text: str) -> str:
    """What TARGET on the command line names: pages, a git remote, or a folder."""
    if text == "pages":
        return "pages"
    if "://" in text or SCP_LIKE.match(text) or text.endswith(".git"):
        return "git"
    path = Path(text)
    if (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir()):
        return "git"
    return "folder"


def site_files(site: Path) -> list[Path]:
    files = sorted(path for path in site.rglob("*") if path.is_file() or path.is_symlink())
    for path in files:
        if path.is_symlink():
            raise DeployError(f"{path}: a link in the published folder; site/ holds plain files only (run `portal build` again)")
    if not files:
        raise DeployError(f"{site}: the published folder is empty; run `portal build` first")
    return files


# --- git ------------------------------------------------------------------------------------


def check_branch(branch: str) -> None:
    result = subprocess.run(["git", "check-ref-format", "--branch", branch], capture_output=True, text=True)
    if not branch or result.returncode != 0:
        raise DeployError(f"{branch!r} is not a branch name; the site's host serves one branch, e.g. gh-pages")


def same_repository(url: str, repo: Repo) -> bool:
    """True when `url` is this (private) repository itself or one of its remotes: the deploy
    force-replaces a branch, which must never be a branch of the texts' own history."""
    path = Path(url.removeprefix("file://"))
    if "://" not in url.replace("file://", "", 1) and not SCP_LIKE.match(url) and path.exists():
        try:
            if path.resolve() == repo.root.resolve() or path.resolve() == (repo.root / ".git").resolve():
                return True
        except OSError:
            return False
    result = subprocess.run(["git", "-C", str(repo.root), "config", "--get-regexp", r"^remote\..*\.(push)?url$"], capture_output=True, text=True)
    remotes = {line.split(" ", 1)[1].strip() for line in result.stdout.splitlines() if " " in line}
    return normalise_remote(url) in {normalise_remote(remote) for remote in remotes}


def normalise_remote(url: str) -> str:
    text = url.strip().rstrip("/").removesuffix(".git").lower()
    text = re.sub(r"^(?:https?|ssh|git)://(?:[^@/]*@)?", "", text)
    text = re.sub(r"^(?:[\w.+-]+@)?([\w.-]+):(?!//)", r"\1/", text)
    return text


@contextmanager
def push_environment(url: str, environ: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """The environment of `git push`: the deploy credential from the environment, never on a
    command line or in a file of the repository; no prompt; no trace that could print it."""
    env = {key: value for key, value in environ.items() if not key.startswith(("GIT_TRACE", "GIT_CURL_VERBOSE"))}
    env["GIT_TERMINAL_PROMPT"] = "0"
    token = environ.get("PORTAL_DEPLOY_TOKEN", "").strip()
    key = environ.get("PORTAL_DEPLOY_KEY", "")
    with tempfile.TemporaryDirectory(prefix="portal-deploy-") as scratch:
        if token and url.lower().startswith("https://"):
            basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
            count = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
            env["GIT_CONFIG_COUNT"] = str(count + 1)
            env[f"GIT_CONFIG_KEY_{count}"] = "http.extraHeader"
            env[f"GIT_CONFIG_VALUE_{count}"] = f"AUTHORIZATION: basic {basic}"
        if key.strip():
            key_file = Path(scratch) / "deploy-key"
            key_file.touch(mode=0o600)
            # A secret pasted into a web form often loses its last newline, which ssh requires.
            key_file.write_text(key.strip().replace("\r\n", "\n") + "\n", encoding="utf-8")
            hosts_file = Path(scratch) / "known_hosts"
            hosts_file.write_text(environ.get("PORTAL_DEPLOY_KNOWN_HOSTS", "").strip() + "\n" + GITHUB_KNOWN_HOSTS, encoding="utf-8")
            env["GIT_SSH_COMMAND"] = (
                f"ssh -i '{key_file}' -o IdentitiesOnly=yes -o UserKnownHostsFile='{hosts_file}' -o StrictHostKeyChecking=yes -o BatchMode=yes"
            )
        yield env


def redact(text: str, environ: Mapping[str, str]) -> str:
    for name in ("PORTAL_DEPLOY_TOKEN", "PORTAL_DEPLOY_KEY"):
        secret = environ.get(name, "").strip()
        if secret:
            text = text.replace(secret, f"[{name}]")
    return text


def deploy_to_git(site: Path, url: str, branch: str, repo: Repo, environ: Mapping[str, str] | None = None) -> Deployed:
    """Replace `branch` of the remote `url` with one commit holding exactly the files of `site`."""
    environ = dict(os.environ) if environ is None else environ
    preflight(Target("git", url, branch), site, repo)
    files = site_files(site)
    with tempfile.TemporaryDirectory(prefix="portal-site-") as scratch:
        git_dir = Path(scratch) / "site.git"
        # Nothing of the user's or the system's git configuration (hooks, ignore lists, signing,
        # line-ending conversion) may change which bytes are committed.
        local = {**environ, **COMMITTER, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        local = {key: value for key, value in local.items() if not key.startswith(INHERITED_GIT)}
        run_git(["init", "--quiet", "--bare", "--template=", str(git_dir)], local)
        here = ["--git-dir", str(git_dir), "--work-tree", str(site)]
        for setting, value in (("core.autocrlf", "false"), ("core.hooksPath", os.devnull), ("core.excludesFile", os.devnull), ("commit.gpgSign", "false")):
            run_git([*here, "config", setting, value], local)
        run_git([*here, "add", "--all", "--force", "."], local)
        run_git([*here, "commit", "--quiet", "--no-verify", "-m", COMMIT_MESSAGE], local)
        commit = run_git([*here, "rev-parse", "HEAD"], local).strip()
        listed = run_git([*here, "ls-tree", "-r", "--name-only", "HEAD"], local).splitlines()
        if len(listed) != len(files):
            raise DeployError(f"the site commit holds {len(listed)} files but {site} has {len(files)}; nothing was pushed")
        with push_environment(url, environ) as env:
            env = {key: value for key, value in env.items() if not key.startswith(INHERITED_GIT[:6])}
            result = subprocess.run(
                ["git", "--git-dir", str(git_dir), "push", "--force", "--quiet", url, f"{commit}:refs/heads/{branch}"], env=env, capture_output=True, text=True
            )
        if result.returncode != 0:
            raise DeployError(f"pushing to {url} failed: {redact(result.stderr.strip() or result.stdout.strip(), environ)}{push_hint(result.stderr, environ)}")
    return Deployed(Target("git", url, branch), len(files), sum(path.stat().st_size for path in files), commit)


def push_hint(stderr: str, environ: Mapping[str, str]) -> str:
    if "Host key verification failed" in stderr:
        return " (give the host's key as PORTAL_DEPLOY_KNOWN_HOSTS, a line of ssh-keyscan's output)"
    if not environ.get("PORTAL_DEPLOY_TOKEN") and not environ.get("PORTAL_DEPLOY_KEY"):
        return " (set PORTAL_DEPLOY_TOKEN or PORTAL_DEPLOY_KEY to a credential that may write to the site repository)"
    return ""


# Variables that would point git at another repository, index or configuration than ours.
INHERITED_GIT = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    # The configuration given in the environment: kept for the push (a proxy, say), not for the commit.
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_KEY_",
    "GIT_CONFIG_VALUE_",
    "GIT_CONFIG_PARAMETERS",
)


def run_git(args: list[str], env: Mapping[str, str]) -> str:
    result = subprocess.run(["git", *args], env=dict(env), capture_output=True, text=True)
    if result.returncode != 0:
        verb = args[4] if args[0] == "--git-dir" else args[0]
        raise DeployError(f"git {verb} failed: {result.stderr.strip()}")
    return result.stdout


# --- folder ---------------------------------------------------------------------------------

RENAME_EXCHANGE = 2
AT_FDCWD = -100


def exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot swap
        return False
    raise OSError(error, os.strerror(error), str(second))


def leftovers(target: Path, kind: str) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.{kind}-*"))


def recover_folder(target: Path) -> None:
    """Finish or undo an interrupted folder deployment: a copy that never got into place is
    removed; an old folder moved aside without the new one in place is moved back."""
    if not target.exists():
        previous = leftovers(target, "previous")
        if previous:
            previous[-1].rename(target)
    for stale in leftovers(target, "incoming") + leftovers(target, "previous"):
        shutil.rmtree(stale, ignore_errors=True)


def check_folder_target(target: Path, site: Path, repo: Repo) -> None:
    resolved, site_resolved, root = target.resolve(), site.resolve(), repo.root.resolve()
    for inside, outer in ((resolved, site_resolved), (site_resolved, resolved), (root, resolved)):
        if inside == outer or outer in inside.parents:
            raise DeployError(f"{target}: the folder target may not be site/ itself, hold it, or hold this repository")
    if resolved == root or root in resolved.parents:
        raise DeployError(f"{target}: the folder target is inside this repository, which holds the texts; choose a folder outside it")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise DeployError(f"{target}: not a folder; give a folder (new, empty, or an earlier deployment)")
    if target.is_dir() and any(target.iterdir()) and not (target / PORTAL_MARKER).is_file():
        raise DeployError(f"{target}: holds other files and no earlier deployment ({PORTAL_MARKER}); choose a new or empty folder. Nothing was changed")


def deploy_to_folder(site: Path, target: Path, repo: Repo) -> Deployed:
    """Replace the folder `target` by a copy of `site`, whole or not at all. The copy keeps
    none of the build's file times: each file carries the deployment's time (filetimes)."""
    target = target.absolute()
    files = site_files(site)
    preflight(Target("folder", str(target)), site, repo)
    recover_folder(target)
    check_folder_target(target, site, repo)
    incoming = Path(tempfile.mkdtemp(prefix=f".{target.name}.incoming-", dir=target.parent))
    previous = target.with_name(f".{target.name}.previous-{incoming.name.rsplit('-', 1)[1]}")
    try:
        # The deployment's own time on every file, in a new random order (filetimes).
        copy_shuffled(site, incoming)
        flush(incoming)
        if not target.exists():
            incoming.rename(target)
        elif not exchange(incoming, target):
            # No one-step swap here: two renames, and recover_folder() undoes the first if the
            # second never happens.
            target.rename(previous)
            incoming.rename(target)
            shutil.rmtree(previous, ignore_errors=True)
        # After a swap, `incoming` holds the old folder; before one, a partial copy.
        shutil.rmtree(incoming, ignore_errors=True)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        if not target.exists() and previous.exists():
            previous.rename(target)
        raise
    return Deployed(Target("folder", str(target)), len(files), sum(path.stat().st_size for path in files))


def flush(folder: Path) -> None:
    """Write the copy to disk before it replaces the old folder, so a power cut cannot leave a
    published folder of empty files."""
    for path in [*folder.rglob("*"), folder]:
        if path.is_file() or path.is_dir():
            handle = os.open(path, os.O_RDONLY)
            try:
                os.fsync(handle)
            finally:
                os.close(handle)
