"""What the receiving mail server verified about a message's sender (RFC 8601).

A From address proves nothing by itself. The coordinator's receiving server checks DKIM, SPF and
DMARC and writes what it found in an `Authentication-Results` header above the message. Only that
server's header counts: the one whose authserv-id the settings name (`mail.authserv_id`), else
the topmost one, since any header below it may have come with the message, written by the sender.

The verdict is about the From address's domain:
- verified: DMARC passed, or a DKIM signature of that domain (or of its parent or a subdomain) passed;
- failed: DMARC failed, or neither DKIM nor SPF passed for that domain (failed or none);
- unknown: no header of the receiving server, a temporary error, or no DKIM or SPF check at all.

`authres` parses the headers; `_parse` is the one adapter around it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import authres
from authres.core import AuthenticationResultsHeader, AuthResError

VERIFIED = "verified"
FAILED = "failed"
UNKNOWN = "unknown"

HEADER = "Authentication-Results"
# Microsoft 365 writes its header without an authserv-id ("spf=pass ...; dkim=pass ..."), which
# authres refuses; such a header is read under this stand-in and reported with no server name.
_NO_ID = "unnamed.invalid"
_STARTS_WITH_RESULT = re.compile(r"^\s*[A-Za-z0-9-]+\s*=")
_AUTHSERV_ID = re.compile(r"^\s*([^;\s]+)")
_STATES = {
    "dkim": {"pass": "pass", "fail": "fail", "permerror": "fail", "policy": "fail", "none": "none", "neutral": "none", "temperror": "temperror"},
    "spf": {"pass": "pass", "fail": "fail", "softfail": "fail", "permerror": "fail", "none": "none", "neutral": "none", "temperror": "temperror"},
}


@dataclass(frozen=True)
class Authentication:
    """The receiving server's verdict on the From address's domain, and the results that decided it."""

    verdict: str = UNKNOWN
    domain: str = ""  # the From address's domain
    server: str = ""  # authserv-id of the header read ("" when it names none, as Microsoft 365)
    found: tuple[str, ...] = ()  # the deciding results, e.g. ("dkim=fail", "spf=fail")
    by: str = ""  # how it was verified: "signature" (DKIM) or "DMARC"
    confirmed: bool = False  # the coordinator confirmed the sender by another channel
    assumed: bool = False  # no server named in the settings: the topmost header was taken for the receiving server's

    def label(self) -> str:
        """What the front matter's `source.authentication` and the text's page say."""
        if self.verdict == VERIFIED:
            return f"verified by {self.by} ({self.domain})"
        found = f" ({', '.join(self.found)})" if self.found else ""
        return f"not verified{found}" + ("; confirmed by the coordinator" if self.confirmed else "")

    def note(self) -> str:
        """The line `portal ingest` prints: the label, and a caution where a header the sender
        wrote could have been read in place of the receiving server's."""
        caution = ""
        if self.assumed and self.verdict == VERIFIED:
            caution = (
                f" (as the topmost Authentication-Results{' of ' + self.server if self.server else ''} says; name the receiving server "
                "in schema/settings.yaml, mail.authserv_id, so that a header a sender wrote is never read in its place)"
            )
        return f"sender {self.label()}{caution}"

    def trailer(self) -> str:
        """The commit's `Portal-Authentication` trailer: the results, the domain, the server."""
        if not self.found:
            text = "none (no Authentication-Results of the receiving server)"
        else:
            text = f"{', '.join(self.found)} ({self.domain or 'no From domain'})" + (f" by {self.server}" if self.server else "")
        return text + ("; sender confirmed by hand" if self.confirmed else "")

    def refusal(self) -> str:
        """Why a failed message is refused, and what to do."""
        server = f" ({self.server})" if self.server else ""
        return (
            f"the receiving server{server} found {_listed(self.found)} for {self.domain or 'the From address'}: the From address may be forged; "
            "confirm with the ministry by another channel, then give --confirm-sender"
        )

    def confirmed_by_hand(self) -> Authentication:
        """The same verdict, recorded as confirmed by the coordinator (nothing to confirm once verified)."""
        return self if self.verdict == VERIFIED else replace(self, confirmed=True)


def _listed(items: Sequence[str]) -> str:
    return " and ".join(filter(None, (", ".join(items[:-1]), items[-1]))) if items else "nothing"


@dataclass(frozen=True)
class _Result:
    method: str
    result: str
    properties: dict[str, str]


def judge(values: Sequence[str], sender_email: str, trusted: str = "") -> Authentication:
    """The verdict from the header values (topmost first) of the trusted server, or of the topmost."""
    domain = sender_email.rpartition("@")[2].strip().lower().rstrip(".")
    headers = [_parse(value) for value in values]
    wanted = trusted.strip().lower() or (headers[0][0] if headers else "")
    counted = _first_run(headers, wanted)
    if not counted:
        return Authentication(UNKNOWN, domain)
    server = "" if wanted == _NO_ID else wanted
    results = [result for found in counted for result in found]
    return replace(_decide(results, domain), domain=domain, server=server, assumed=not trusted.strip())


def _parse(value: str) -> tuple[str, list[_Result]]:
    """One header: its authserv-id (lower case) and its results (none when it cannot be read)."""
    text = " ".join(value.split())
    if _STARTS_WITH_RESULT.match(text):
        text = f"{_NO_ID}; {text}"
    try:
        header: AuthenticationResultsHeader = authres.all_features().parse_value(text)
    except AuthResError:
        named = _AUTHSERV_ID.match(text)
        return (named.group(1).lower() if named else "", [])
    results = [
        _Result(str(r.method).lower(), str(r.result or "").lower(), {f"{p.type}.{p.name}".lower(): str(p.value or "") for p in r.properties})
        for r in header.results
        if hasattr(r, "method")
    ]
    return (str(header.authserv_id).lower(), results)


def _first_run(headers: list[tuple[str, list[_Result]]], server: str) -> list[list[_Result]]:
    """The results of the first consecutive headers of `server`: one server writes its headers
    together, so a header of the same name further down came with the message."""
    run: list[list[_Result]] = []
    for name, results in headers:
        if name == server:
            run.append(results)
        elif run:
            break
    return run


def _decide(results: list[_Result], domain: str) -> Authentication:
    dmarc = [r.result for r in results if r.method == "dmarc" and _aligned(r.properties.get("header.from") or domain, domain)]
    dkim = _state(results, "dkim", domain)
    passed = ("dmarc=pass",) if "pass" in dmarc else ()
    if dkim == "pass":
        return Authentication(VERIFIED, found=("dkim=pass", *passed), by="signature")
    if passed:
        return Authentication(VERIFIED, found=passed, by="DMARC")
    spf = _state(results, "spf", domain)
    if "fail" in dmarc:
        return Authentication(FAILED, found=("dmarc=fail", f"dkim={dkim}", f"spf={spf}"))
    checked = any(r.method in _STATES for r in results)
    if checked and dkim in ("fail", "none") and spf in ("fail", "none"):
        return Authentication(FAILED, found=(f"dkim={dkim}", f"spf={spf}"))
    return Authentication(UNKNOWN, found=tuple(f"{method}={state}" for method, state in (("dkim", dkim), ("spf", spf))) if checked else ())


def _state(results: list[_Result], method: str, domain: str) -> str:
    """pass, temperror, fail or none: what `method` found for the From domain. A pass for another
    domain (a signature of a mailing service, a bounce address elsewhere) is none for this one."""
    states = {_STATES[method].get(r.result, "none") for r in results if r.method == method and _about(r, domain)}
    return next((state for state in ("pass", "temperror", "fail") if state in states), "none")


def _about(result: _Result, domain: str) -> bool:
    """Whether a DKIM or SPF result is about the From domain. A pass must name an aligned domain;
    any other result that names no domain is taken as about it (a failed check is never ignored)."""
    checked = _checked_domain(result)
    if not checked or checked == "none":
        return result.result != "pass"
    return _aligned(checked, domain)


def _checked_domain(result: _Result) -> str:
    """The domain a result is about; "" when it names none (then taken as the From domain's)."""
    keys = ("header.d", "header.i") if result.method == "dkim" else ("smtp.mailfrom", "smtp.helo")
    value = next((result.properties[key] for key in keys if result.properties.get(key)), "")
    return value.rpartition("@")[2].strip().lower().rstrip(".")


def _aligned(checked: str, domain: str) -> bool:
    """Relaxed alignment (RFC 7489): the same domain, or one a subdomain of the other."""
    if not domain or "." not in checked:
        return False
    return checked == domain or domain.endswith("." + checked) or checked.endswith("." + domain)
