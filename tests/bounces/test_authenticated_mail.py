"""Every kind of email leaves with a return path naming it and, with a key,
a DKIM signature that verifies against the record `flask mail dns` prints."""

from __future__ import annotations

import re

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.extensions import db
from app.letters.submission import confirm_letter
from app.outbox.return_path import outbox_id_in
from tests.bounces.builders import BOUNCE_DOMAIN
from tests.builders.alerts import an_admin, new_alert, send, subscriber
from tests.builders.letters import submit
from tests.builders.outbox import deliver

SELECTOR = "s2026"


@pytest.fixture
def signing_site(make_app, mail_server, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    app = make_app(MAIL_PORT=mail_server.port, BOUNCE_DOMAIN=BOUNCE_DOMAIN,
                   DKIM_PRIVATE_KEY_FILE=str(key_file), DKIM_SELECTOR=SELECTOR,
                   MAIL_DEFAULT_SENDER="Write to your MP <noreply@site.example.org>",
                   OPERATOR_CONTACT="privacy@site.example.org")  # fmt: skip
    with app.app_context():
        yield app


def published_records(app) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "dns"])
    assert result.exit_code == 0, result.output
    return result.output


def test_each_kind_has_a_named_return_path_and_a_signature_that_verifies(signing_site, mail_server):
    records = published_records(signing_site)
    dkim_record = re.search(
        rf'^{SELECTOR}\._domainkey\.site\.example\.org\. TXT "(v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+)"$',
        records, re.MULTILINE,
    ).group(1)  # fmt: skip

    def dns(name: bytes, timeout=5):  # the DNS lookup dkimpy would make
        published = f"{SELECTOR}._domainkey.site.example.org.".encode()
        return dkim_record.encode() if name == published else None

    letter = submit()
    deliver()  # the confirmation
    confirm_letter(re.search(r"/confirm/(\S+)", mail_server.to("jane@example.com")[0].text)[1])
    deliver()  # the letter to the MP, then the writer's copy
    deliver()
    admin = an_admin()
    subscriber("reader@example.com")
    send(new_alert(admin), admin)  # an alert: bulk mail, built its own way
    db.session.commit()

    received = mail_server.messages
    kinds = {m["Message-ID"].split(".")[0].strip("<") for m in received}
    assert {"confirmation", "mp_letter", "copy", "alert"} <= kinds, kinds
    for mail in received:
        assert outbox_id_in(mail.mail_from) is not None, mail.mail_from
        assert mail.mail_from.endswith("@" + BOUNCE_DOMAIN)
        assert dkim.verify(mail.data, dnsfunc=dns), mail["Message-ID"]
        tampered = mail.data.replace(b"Subject: ", b"Subject: Re: ", 1)
        assert not dkim.verify(tampered, dnsfunc=dns)
    assert letter.id  # the letter the MP's email came from


def test_mail_dns_prints_spf_dkim_and_dmarc(signing_site):
    records = published_records(signing_site)
    assert f'{BOUNCE_DOMAIN}. TXT "v=spf1 mx -all"' in records
    assert f"{BOUNCE_DOMAIN}. MX 10" in records
    assert (
        '_dmarc.site.example.org. TXT "v=DMARC1; p=quarantine; adkim=r; aspf=r; '
        'rua=mailto:privacy@site.example.org"' in records
    )


def test_without_a_key_mail_is_not_signed_and_dns_says_so(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port)
    with app.app_context():
        assert "no DKIM key configured" in published_records(app)
        submit()
        deliver()
        [mail] = mail_server.to("jane@example.com")
        assert mail["DKIM-Signature"] is None
        sender = app.config["MAIL_DEFAULT_SENDER"].rpartition("<")[2].rstrip(">")
        assert mail.mail_from == sender  # no bounce domain: the site's own address
