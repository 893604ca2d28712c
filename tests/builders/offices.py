"""An office (an MP's, or a target's) using the link in a letter's footer."""

from __future__ import annotations

import re

from tests.builders.outbox import deliver


def office_link(mail, prefix: str = "/office/") -> str:
    """The office's link in a letter: `/office/...`, or `/office/target/...`."""
    return re.search(rf"http://localhost({re.escape(prefix)}\S+)", mail.text).group(1)


def switch_from_the_inbox(client, link: str, mail_server, *, office: str, daily: str):
    """Press "Email our office a link", open it from the office's inbox
    (`office`, its address), switch: the change link and the email it came in."""
    before = len(mail_server.to(office))
    client.post(link)
    deliver()
    [asked] = [m for m in mail_server.to(office)[before:] if "how your office" in m["Subject"]]
    change = re.search(r"http://localhost(/office/(?:target/)?change/\S+)", asked.text).group(1)
    client.post(change, data={"daily": daily})
    return change, asked
