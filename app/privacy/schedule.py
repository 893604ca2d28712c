"""The retention schedule, as data: what personal data we hold, why, for how
long, and what happens to it when its time is up.

Three things are written from this one list, so they cannot drift apart:
the purge (app/privacy/retention.py, which reads each period from
`Periods`), the privacy notice (/privacy: every rule with `notice=True`) and
the admins' view of it (/admin/privacy). tests/privacy/test_schedule.py checks
that every column of every table is either named by a rule here or listed in
`NOT_PERSONAL` with the reason, so a new column cannot slip in unclassified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.i18n import N_, gettext

# Fixed periods, not settings: reports quote addresses, and sessions are
# only looked at when an incident is.
READ_REPORT_DAYS = 30
ENDED_SESSION_DAYS = 30
# deploy/journald.conf.d/write-to-your-mp.conf keeps the services' logs this
# long (MaxRetentionSec); a test reads the file to check.
LOG_DAYS = 14


@dataclass(frozen=True)
class Periods:
    """Every period the schedule uses, in days, from the configuration."""

    link: int  # CONFIRM_LINK_DAYS
    letter: int  # RETENTION_LETTER_DAYS
    held: int  # RETENTION_HELD_DAYS
    ip: int  # RETENTION_IP_HASH_DAYS
    subscriber: int  # RETENTION_SUBSCRIBER_DAYS
    audit: int  # RETENTION_AUDIT_DAYS
    read_report: int = READ_REPORT_DAYS
    session: int = ENDED_SESSION_DAYS
    log: int = LOG_DAYS

    @classmethod
    def of(cls, config) -> Periods:
        return cls(
            link=config["CONFIRM_LINK_DAYS"],
            letter=config["RETENTION_LETTER_DAYS"],
            held=config["RETENTION_HELD_DAYS"],
            ip=config["RETENTION_IP_HASH_DAYS"],
            subscriber=config["RETENTION_SUBSCRIBER_DAYS"],
            audit=config["RETENTION_AUDIT_DAYS"],
        )

    def longest(self) -> int:
        return max(vars(self).values())


@dataclass(frozen=True)
class Rule:
    what: str  # the notice's words for the data (marked with N_, translated where shown)
    why: str
    how_long: Callable[[Periods], str]  # the notice's words for the period
    columns: tuple[str, ...]  # "table.column": the personal columns the rule covers
    rows: str  # which rows, for whoever maintains the purge
    erased: str  # what happens to them when the time is up
    notice: bool = True  # shown on the public privacy notice


# What erasing a letter empties (app/privacy/retention.py erase_letter).
A_LETTER = (
    "message.sender_name", "message.sender_email", "message.sender_email_key",
    "message.address1", "message.address2", "message.town", "message.postcode",
    "message.subject", "message.body", "message.embed_url", "message_shingle.hash",
    "message_event.detail",
)  # fmt: skip

# A subscriber's personal fields: their address, their postcode and the
# places found from it (app/alerts/places.py).
SUBSCRIBER_FIELDS = (
    "subscriber.email", "subscriber.postcode", "subscriber.constituency_id",
    "subscriber.council_code", "subscriber.county_code", "subscriber.ward_code",
)  # fmt: skip


RULES: tuple[Rule, ...] = (
    Rule(
        N_("Your name, email address, postal address, and your letter"),
        N_("to send your letter to your MP, confirm it is yours, and send you a copy"),
        lambda p: gettext(
            "a letter you never confirm: %(link_days)s days; any other: %(letter_days)s days"
            " after it was delivered (or could not be)",
            link_days=p.link,
            letter_days=p.letter,
        ),
        A_LETTER,
        rows="letters expired (from their creation), or sent, posted, failed, rejected or"
        " cancelled (from their last event); or at once, when the writer asks",
        erased="emptied; the address key becomes a keyed hash; the moderation fingerprint"
        " and what admins wrote in its history are deleted",
    ),
    Rule(
        N_("That a letter was written, to which MP, in which campaign, and when"),
        N_("to count letters and show which MPs have heard from constituents"),
        lambda p: gettext("kept, with nothing that identifies you"),
        (),
        rows="every letter, once erased",
        erased="nothing: it identifies nobody",
    ),
    Rule(
        N_("A one-way code made from your email address"),
        N_("so each person writes one letter per campaign, even after the rest is erased"),
        lambda p: gettext("as long as the campaign's counts are kept"),
        (),  # what the rules above and below leave in message.sender_email_key, subscriber.email
        rows="erased letters and subscribers",
        erased="nothing: a keyed hash, which cannot be read back",
    ),
    Rule(
        N_("A letter held for a check, or kept while Parliament is dissolved"),
        N_("to send it once it is checked, or once you confirm it for your new MP"),
        lambda p: gettext(
            "if it is never sent: %(num)s days after the last thing that happened to it",
            num=p.held,
        ),
        A_LETTER,
        rows="letters held or waiting, from their last event",
        erased="cancelled (so it can never go, blank), then erased as above",
    ),
    Rule(
        N_("The address an email of ours went to (a link to your data, say)"),
        N_("to send it, and to know which email a bounce report is about"),
        lambda p: gettext(
            "%(num)s days, or until you ask us to delete your data", num=p.subscriber
        ),
        ("outbox_email.to_address",),
        rows="outbox rows no longer queued or sending, from when the email was made",
        erased="set to NULL",
    ),
    Rule(
        N_(
            "The names and office addresses of the people letters can go to besides MPs"
            " (councillors, peers, ministers), as their own bodies publish them"
        ),
        N_("to send them the letters written to them, and to show who was written to"),
        lambda p: gettext(
            "while their list is in use; once it is replaced, as long as a letter written"
            " to them is kept"
        ),
        (
            "target.name",
            "target.role",
            "target.email",
            "target.postal_address",
            "letter_recipient.name",
            "letter_recipient.email",
            "letter_recipient.postal_address",
        ),
        rows="a list's rows replaced by a new version that no letter was written to, at the"
        " next purge; a letter's recipients go with the letter's own row, never erased before",
        erased="deleted",
    ),
    Rule(
        N_("A scrambled form of your internet address"),
        N_("to stop floods of automated letters"),
        lambda p: gettext("%(num)s days", num=p.ip),
        ("message.ip_hash",),
        rows="every letter, from its creation",
        erased="emptied",
    ),
    Rule(
        N_("Your email address and postcode, if you ask for campaign alerts"),
        N_("to send the alerts you asked for, with the exact words you agreed to"),
        lambda p: gettext(
            "until you unsubscribe (every alert has a one-click link), then %(num)s days;"
            " after that only a one-way code of your address is kept",
            num=p.subscriber,
        ),
        SUBSCRIBER_FIELDS,
        rows="subscribers unsubscribed or suppressed (bounces, complaints), from then;"
        " or at once, when they ask",
        erased="the address becomes a keyed hash (nothing is ever sent to it, and a"
        " complaint's suppression still holds); postcode and the places found from it go",
    ),
    Rule(
        N_("An address signed up for campaign alerts and never confirmed"),
        N_("to send the one email that asks its owner to confirm"),
        lambda p: gettext("%(num)s days", num=p.link),
        SUBSCRIBER_FIELDS,
        rows="subscribers still pending, from the sign-up",
        erased="as for a subscriber who left",
    ),
    Rule(
        N_("A report from a mail system that an email of ours could not be delivered"),
        N_(
            "to stop writing to an address that does not work, and to tell you if your letter"
            " did not arrive"
        ),
        lambda p: gettext("%(num)s days", num=p.read_report),
        ("read_report.raw",),
        rows="every report read, from when it arrived",
        erased="deleted (what it decided is kept, with every address removed)",
    ),
    Rule(
        N_(
            "Our servers' logs: your internet address and the pages you asked for (never"
            " what you wrote, your email address or the links we send you)"
        ),
        N_("to keep the site running and to find attacks"),
        lambda p: gettext("%(num)s days", num=p.log),
        (),  # not in the database: the system journal (deploy/journald.conf.d)
        rows="every line",
        erased="deleted by the journal",
    ),
    Rule(
        N_("MPs' names, parties and the addresses their offices publish"),
        N_("to find your MP and deliver your letter (from Parliament's own published data)"),
        lambda p: gettext("while they are MPs: replaced when the data is updated"),
        (
            "mp.member_id",
            "mp.name",
            "mp.full_title",
            "mp.party",
            "mp.source_email",
            "mp.email_override",
            "mp.bounced_address",
            "mp.bounce_diagnostic",
        ),
        rows="one row per seat",
        erased="overwritten by the next member's data",
    ),
    Rule(
        N_("The language you chose for this site, if you chose one"),
        N_("to show the site in it (a cookie in your browser)"),
        lambda p: gettext("a year, or until you clear your cookies"),
        (),  # a cookie, not a table
        rows="the cookie",
        erased="expires in the browser",
    ),
    # Staff: admins' own data (shown on /admin/privacy, not the public notice).
    Rule(
        N_("An admin's account: address, password hash, sign-in code secret"),
        N_("to sign in"),
        lambda p: gettext("%(num)s days after the account is deactivated", num=p.audit),
        (
            "admin_user.email",
            "admin_user.password_hash",
            "admin_user.totp_secret",
            "admin_user.last_login_at",
            "audit_event.actor",
            "message_event.actor",
            "dissolution.created_by",
        ),
        rows="accounts deactivated (`flask admin deactivate`), from then",
        erased="the address becomes a keyed hash wherever it was recorded; password hash"
        " and code secret go",
        notice=False,
    ),
    Rule(
        N_("The audit log: who did what, to what, and when"),
        N_("to answer for every admin action"),
        lambda p: gettext("%(num)s days", num=p.audit),
        ("audit_event.actor", "audit_event.detail", "audit_event.target_id"),
        rows="every entry, from when it was made",
        erased="deleted",
        notice=False,
    ),
    Rule(
        N_("An admin's sign-in sessions"),
        N_("to keep them signed in, and to end their sessions"),
        lambda p: gettext("%(num)s days after the session ended", num=p.session),
        ("admin_session.token_hash", "admin_session.last_seen_at"),
        rows="sessions expired or revoked, from then",
        erased="deleted",
        notice=False,
    ),
)

# Every other column, table by table, and why it is not personal data.
NOT_PERSONAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "message": (
        "a letter's campaign, place, state and dates: what the counts are made of",
        ("id", "public_id", "submission_key", "campaign_id", "constituency_id", "mp_id",
         "status", "own_percent", "language", "by_post", "constituency_chosen", "source",
         "partner_id", "share_code", "referred_by_id", "share_channel", "alert_id", "alert_variant",
         "hold_reason", "digest_outbox_id", "similar_to_id", "follow_up_of_id", "created_at",
         "confirmed_at", "reminded_at", "sent_at", "erased_at", "to_mp", "recipient_count"),
    ),
    "message_event": (
        "a letter's history of states; the site's own words (admins' are covered above)",
        ("id", "message_id", "created_at", "from_status", "to_status"),
    ),
    "message_shingle": ("which campaign a fingerprint belongs to", ("message_id", "campaign_id")),
    "subscriber": (
        "a subscription's state, language and dates",
        ("id", "status", "language", "created_at", "confirmed_at", "unsubscribed_at",
         "suppressed_at", "suppressed_reason", "soft_bounces", "placed_with"),
    ),
    "consent": (
        "the words agreed to, where and when, tied to a subscriber erased as above",
        ("id", "subscriber_id", "campaign_id", "source", "message_id", "wording", "given_at"),
    ),
    "outbox_email": (
        "an email's kind, state and timing; its errors have every address removed"
        " (app/adapters/smtp.py describe)",
        ("id", "kind", "priority", "status", "message_id", "subscriber_id",
         "alert_recipient_id", "alert_id", "language", "attempts", "not_before", "lease_token",
         "lease_expires_at", "created_at", "sent_at", "last_error", "message_token",
         "endpoint_id", "recipient_id"),
    ),
    "webhook_endpoint": (
        "an organisation's or partner's URL, its signing secrets and its state; no person's",
        ("id", "partner_id", "url", "secret", "previous_secret", "previous_until", "active",
         "stopped_reason", "failures", "paused_until", "last_error", "last_success_at",
         "created_at"),
    ),
    "webhook_endpoint_event": ("which events an endpoint chose", ("endpoint_id", "event")),
    "api_key": (
        "an organisation's or partner's key: its name, scopes, dates and a hash of it",
        ("id", "partner_id", "name", "prefix", "digest", "scopes_text", "created_at",
         "last_used_at", "expires_at", "revoked_at"),
    ),
    "bounce": (
        "a report's verdict for one email; the diagnostic has every address removed"
        " (app/bounces/reports.py without_addresses)",
        ("id", "outbox_email_id", "kind", "alert_id", "type", "diagnostic", "received_at"),
    ),
    "read_report": (
        "the digest of a report's bytes and what was decided",
        ("id", "digest", "received_at", "outcome"),
    ),
    "alert_recipient": (
        "which subscriber an alert went to, and their clicks: tied to a subscriber erased as above",
        ("id", "alert_id", "subscriber_id", "clicked_at", "clicks", "variant", "tested"),
    ),
    "reply_question": (
        "answers about a letter, which identify nobody once the letter is erased",
        ("id", "message_id", "asks", "last_asked_at", "answer", "answered_at", "first_time"),
    ),
    "share_event": (
        "shares and visits counted per letter, with no visitor's data",
        ("id", "campaign_id", "message_id", "kind", "channel", "at"),
    ),
    "admin_user": (
        "an account's role and state",
        ("id", "role", "totp_last_step", "active", "created_at", "deactivated_at"),
    ),
    "admin_session": (
        "a session's account and times",
        ("id", "admin_id", "created_at", "expires_at", "revoked_at"),
    ),
    "audit_event": ("what kind of action, on what, when", ("id", "at", "admin_id", "action",
                                                          "target_type")),
    "dissolution": ("the dates of a dissolution", ("id", "dissolved_on", "election_on",
                                                   "created_at", "ended_at")),
    "alert": (
        "an alert's text, written by the campaign, and its state",
        ("id", "campaign_id", "subject", "body_markdown", "call_to_action", "segment",
         "status", "created_by", "created_at", "started_at", "queued_at", "finished_at",
         "fan_out_cursor", "test_percent", "test_hours", "tested_at", "winner", "decision"),
    ),
    "share_test": (
        "an A/B test of a campaign's share message: its messages, timing and result",
        ("id", "campaign_id", "text_b", "text_c", "text_d", "hours", "started_at",
         "decided_at", "winner", "winner_text", "decision"),
    ),
    "alert_variant": (
        "another subject and body of an alert, for its A/B test",
        ("id", "alert_id", "label", "subject", "body_markdown"),
    ),
    "campaign": (
        "a campaign's public text and branding",
        ("id", "slug", "title", "summary", "intro_markdown", "subject_template",
         "body_template", "follow_up_template", "min_own_words_percent", "goal_letters",
         "status", "thank_you_markdown", "share_text", "group_url", "group_label",
         "alert_sender", "organisation_name", "organisation_url", "accent_colour",
         "image_alt", "created_at", "updated_at"),
    ),
    "campaign_text": (
        "a campaign's public text in another language",
        ("campaign_id", "language", "title", "summary", "intro_markdown", "subject_template",
         "body_template", "thank_you_markdown", "share_text", "group_label",
         "follow_up_template"),
    ),
    "campaign_image": ("a campaign's picture", ("campaign_id", "data", "width", "height",
                                                "digest", "updated_at")),
    "partner": ("an organisation's blog and its origins", ("id", "slug", "name",
                                                            "origins_text", "active",
                                                            "created_at")),
    "office_digest": ("an office's choice of delivery", ("id", "mp_id", "campaign_id",
                                                         "active", "changed_at",
                                                         "last_sent_at")),
    "target_digest": ("a target's office's choice of delivery", ("id", "list_id", "ref",
                                                                 "campaign_id", "active",
                                                                 "changed_at", "last_sent_at")),
    "mp": ("a seat's state", ("id", "constituency_id", "is_vacant", "bounced_at",
                              "updated_at")),
    "constituency": ("public reference data", ("id", "gss_code", "mysociety_id", "three_code",
                                               "name", "name_cy", "country", "region")),
    "postcode_index": ("public reference data", ("id", "keys", "slots", "slot_codes",
                                                 "postcode_count", "areas", "area_codes",
                                                 "loaded_at")),
    "target_list": (
        "a list of targets: its name, source, version and rule; loaded by an admin (by id)",
        ("id", "slug", "name", "source", "version", "loaded_at", "loaded_by", "target_count",
         "most_identical"),
    ),
    "target": ("a target's list, reference, body and area",
               ("id", "list_id", "version", "ref", "body", "area_type", "area_code",
                "retired_at", "bounced_at")),
    "campaign_targets": ("a campaign's choice of targets",
                         ("campaign_id", "mp", "choice", "most", "preselected",
                          "offer_at_random", "updated_at")),
    "campaign_target_list": ("which lists a campaign writes to", ("campaign_id", "list_id")),
    "target_exclusion": ("who a campaign never writes to, by list and reference",
                         ("campaign_id", "list_id", "ref")),
    "campaign_target_stance": ("whom a campaign marks a supporter or an opponent, by list"
                               " and reference", ("campaign_id", "list_id", "ref", "stance")),
    "campaign_target_variant": ("what a campaign's letters say to each side: campaign text",
                                ("campaign_id", "stance", "subject", "opening")),
    "letter_recipient": (
        "which target a letter went to and how it went; a refusal's words have every"
        " address removed (app/adapters/smtp.py describe); the campaign's variant for the"
        " target (campaign text); the writer's answer to \"did they reply?\", which"
        " identifies nobody once the letter is erased",
        ("id", "message_id", "target_id", "position", "role", "body", "status", "sent_at",
         "failure", "site_refusals", "stance", "subject", "opening", "answer", "answered_at",
         "digest_outbox_id"),
    ),
    "reference_state": ("which reference data is loaded", ("id", "version", "changed_at")),
    "domain_pause": (
        "a mail domain that refused the site (an MP's office's, a provider's), and when;"
        " forgotten 7 days after the pause ends (app/outbox/pauses.py)",
        ("domain", "until", "strikes", "since", "reason"),
    ),
    "webhook_token": ("a hash of a provider's one-time token", ("digest", "expires_at")),
    "worker_heartbeat": ("a worker process's health; its problem is the relay's words"
                         " about the site", ("id", "started_at", "last_seen", "site_problem",
                                             "site_problem_since")),
}  # fmt: skip


def personal_columns() -> set[str]:
    return {column for rule in RULES for column in rule.columns}


def public_rules() -> list[Rule]:
    return [rule for rule in RULES if rule.notice]


def staff_rules() -> list[Rule]:
    return [rule for rule in RULES if not rule.notice]


def unclassified(tables) -> list[str]:
    """Columns of `tables` (SQLAlchemy Table objects) the schedule says
    nothing about, and columns it names twice or names that do not exist."""
    personal = personal_columns()
    problems = []
    seen = set()
    for table in tables:
        _why, others = NOT_PERSONAL.get(table.name, ("", ()))
        for column in table.columns:
            name = f"{table.name}.{column.name}"
            seen.add(name)
            if name in personal and column.name in others:
                problems.append(f"{name} is both personal and not")
            elif name not in personal and column.name not in others:
                problems.append(f"{name} has no rule")
    listed = personal | {f"{t}.{c}" for t, (_why, cs) in NOT_PERSONAL.items() for c in cs}
    problems += [f"{name} is not a column" for name in sorted(listed - seen)]
    return problems
