"""Reading a saved e-mail and finding its text (intake/mail.py, intake/texts.py), without a
repository: every message of the corpus (tests/fixtures/mail) gives the text `portal ingest`
publishes, or is refused with the message it gives. test_ingest.py runs the same corpus through
the whole command."""

from __future__ import annotations

import pytest

from portal.config import Repo
from portal.errors import PortalError
from portal.intake.ingest import Options, read_mail
from portal.intake.texts import Prepared, prepare_texts

from tests.helpers import BAD, GOOD, MAIL, PROJECT

SETTINGS = Repo(PROJECT).settings


def texts_of(name: str, options: list[str]) -> list[Prepared]:
    mail = read_mail((MAIL / name).read_bytes(), SETTINGS.attachment_bytes, SETTINGS.reading)
    body_from = options[options.index("--body-from") + 1] if "--body-from" in options else ""
    return prepare_texts(mail, Options(body_from=body_from, keep_signature="--keep-signature" in options, source_name=name), SETTINGS.reading)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_a_message_gives_the_text_that_is_published(name: str) -> None:
    options, kept = GOOD[name]
    (text,) = texts_of(name, options)
    assert kept in text.text


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_broken_message_is_refused_saying_why(name: str) -> None:
    with pytest.raises(PortalError) as refused:
        texts_of(name, [])
    assert BAD[name] in str(refused.value)
