"""Command-line tasks: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

log = logging.getLogger(__name__)

data_cli = AppGroup("data", help="Reference data: constituencies, MPs and postcodes.")
demo_cli = AppGroup("demo", help="Demo content for trying the site.")
partner_cli = AppGroup("partner", help="Partner sites that embed the widget.")
admin_cli = AppGroup("admin", help="Accounts for the admin dashboard.")
privacy_cli = AppGroup("privacy", help="Personal data: the retention schedule.")
bounces_cli = AppGroup("bounces", help="Bounce reports and complaints (docs/deliverability.md).")
mail_cli = AppGroup("mail", help="Mail authentication: what to publish in DNS.")


@contextmanager
def said_plainly(*errors: type[Exception]) -> Iterator[None]:
    """An error the command's user should read: click's one line and exit 1."""
    try:
        yield
    except errors as exc:
        raise click.ClickException(str(exc)) from exc


webhooks_cli = AppGroup("webhooks", help="Endpoints told of letters and subscriptions.")
api_keys_cli = AppGroup("api-keys", help="Keys for the OSDI API (docs/osdi.md).")
targets_cli = AppGroup(
    "targets", help="Targets besides MPs: lists and campaigns (docs/targets.md)."
)


@targets_cli.command("load")
@click.argument("slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default="", help="What admins see it called (the first time: SLUG).")
@click.option("--source", default="", help="Where the data came from, and its licence.")
@click.option(
    "--house-of-lords",
    is_flag=True,
    help="Members of the Lords: at most six identical letters a campaign.",
)
def targets_load(slug: str, path: Path, name: str, source: str, house_of_lords: bool) -> None:
    """Load the target list SLUG from the CSV file PATH (docs/targets.md),
    replacing it as a new version if it exists. Every row is checked first:
    a bad file changes nothing, and every problem is listed."""
    from app.targets.lists import BadList, load_list
    from app.targets.models import HOUSE_OF_LORDS

    try:
        loaded = load_list(slug, path.read_text(encoding="utf-8-sig"), name=name,
                           source=source, actor="cli",
                           most_identical=HOUSE_OF_LORDS if house_of_lords else None)  # fmt: skip
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path} is not UTF-8 text: {exc}") from exc
    except BadList as exc:
        for problem in exc.problems:
            click.echo(f"{path}: {problem}", err=True)
        more = len(exc.problems) - 100
        raise click.ClickException(
            f"nothing loaded: {len(exc.problems)} problem(s)"
            + (f", {more} not shown" if more > 0 else "")
        ) from exc
    target_list = loaded.target_list
    click.echo(f"{slug} version {target_list.version}: {loaded.added} targets"
               f" ({loaded.retired} of the last version retired)")  # fmt: skip


@targets_cli.command("list")
def targets_list() -> None:
    """Every target list: its name, version, targets and source."""
    from app.targets.lists import all_lists

    for target_list in all_lists():
        click.echo(f"{target_list.slug}\tversion {target_list.version}\t"
                   f"{target_list.target_count} targets\t{target_list.source or '-'}")  # fmt: skip


@targets_cli.command("campaign")
@click.argument("campaign_slug")
@click.option(
    "--mp",
    type=click.Choice(["always", "offered", "never"]),
    default="always",
    show_default=True,
    help="Whether letters go to the writer's MP.",
)
@click.option("--list", "lists", multiple=True, help="A target list to write to (again for more).")
@click.option(
    "--choice",
    type=click.Choice(["all", "some", "one"]),
    default="some",
    show_default=True,
    help="How many of their targets a writer picks.",
)
@click.option("--most", type=int, default=0, help="At most this many recipients (0: no limit).")
@click.option("--not-preselected", is_flag=True, help="Start with no targets ticked.")
@click.option("--exclude", "excluded", multiple=True, help="LIST:REF, never written to.")
@click.option(
    "--offer-at-random",
    type=int,
    default=0,
    help="Offer each writer this many national targets, drawn at random (0: all).",
)
@click.option("--supporter", "supporters", multiple=True, help="LIST:REF, marked a supporter.")
@click.option("--opponent", "opponents", multiple=True, help="LIST:REF, marked an opponent.")
@click.option("--supporter-subject", default="", help="The subject of letters to supporters.")
@click.option("--supporter-opening", default="", help="A paragraph opening letters to them.")
@click.option("--opponent-subject", default="", help="The subject of letters to opponents.")
@click.option("--opponent-opening", default="", help="A paragraph opening letters to them.")
@click.option("--mp-only", is_flag=True, help="Write to each writer's MP alone, as before.")
def targets_campaign(campaign_slug: str, mp: str, lists: tuple[str, ...], choice: str,
                     most: int, not_preselected: bool, excluded: tuple[str, ...],
                     offer_at_random: int, supporters: tuple[str, ...],
                     opponents: tuple[str, ...], supporter_subject: str,
                     supporter_opening: str, opponent_subject: str, opponent_opening: str,
                     mp_only: bool) -> None:  # fmt: skip
    """Set who the campaign CAMPAIGN_SLUG writes to."""
    from sqlalchemy import select

    from app.campaigns.models import Campaign
    from app.extensions import db
    from app.targets.campaigns import Settings, TargetsError, Variant, clear_targets, set_targets

    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == campaign_slug))
    if campaign is None:
        raise click.ClickException(f"no campaign called {campaign_slug}")
    if mp_only:
        clear_targets(campaign.id)
        click.echo(f"{campaign_slug}: writes to MPs only")
        return
    with said_plainly(TargetsError):
        set_targets(campaign.id, Settings(mp=mp, choice=choice, most=most,
                                          preselected=not not_preselected, lists=lists,
                                          excluded=excluded,
                                          offer_at_random=offer_at_random,
                                          supporters=supporters, opponents=opponents,
                                          variants=(
            Variant("supporter", supporter_subject, supporter_opening),
            Variant("opponent", opponent_subject, opponent_opening),
        )))  # fmt: skip
    click.echo(f"{campaign_slug}: MP {mp}; lists {', '.join(lists) or '-'}; choice {choice}")


@bounces_cli.command("read")
@click.argument("path", required=False)
@click.option(
    "--recipient",
    "recipients",
    multiple=True,
    help="The envelope recipient it came for (an MTA's pipe passes ${recipient}).",
)
def bounces_read(path: str | None, recipients: tuple[str, ...]) -> None:
    """Act on the bounce reports in PATH: one message, an mbox or a Maildir
    (standard input without PATH or with -, for an MTA's pipe transport).
    Every message is read, whatever it holds; a message read before is not
    acted on again. Exits 1 only when PATH itself cannot be read."""
    from app.bounces.intake import read_all

    try:
        outcomes = read_all(path, recipients)
    except OSError as exc:
        raise click.ClickException(f"Cannot read {path}: {exc.strerror or exc}") from exc
    for outcome, count in sorted(outcomes.items()):
        click.echo(f"{count} {outcome}")
    if path in (None, "-") and any(outcome.startswith("failed") for outcome in outcomes):
        # A pipe's one report, not acted on through a fault of ours (the
        # database away): EX_TEMPFAIL, so the MTA keeps it and tries again.
        sys.exit(75)


@bounces_cli.command("unread")
@click.option("--show", "show_id", type=int, help="Print this report's bytes.")
def bounces_unread(show_id: int | None) -> None:
    """The reports the intake could not make sense of, kept for an admin to read."""
    from sqlalchemy import select

    from app.bounces.models import ReadReport
    from app.extensions import db

    if show_id is not None:
        report = db.session.get(ReadReport, show_id)
        if report is None or report.raw is None:
            raise click.ClickException(f"No report {show_id} is kept.")
        sys.stdout.buffer.write(report.raw)
        return
    kept = db.session.scalars(
        select(ReadReport).where(ReadReport.raw.is_not(None)).order_by(ReadReport.id)
    ).all()
    for report in kept:
        click.echo(f"{report.id}  {report.received_at:%Y-%m-%d %H:%M}  "
                   f"{len(report.raw or b''):>8} bytes  {report.outcome}")  # fmt: skip
    click.echo(f"{len(kept)} kept (bounces unread --show ID prints one).")


@bounces_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2525, show_default=True, type=int)
def bounces_serve(host: str, port: int) -> None:
    """Receive bounce reports by SMTP for BOUNCE_DOMAIN (point its MX here)."""
    from app.bounces.intake import smtp_intake

    if not current_app.config["BOUNCE_DOMAIN"]:
        raise click.ClickException("Set BOUNCE_DOMAIN first: the listener takes mail for it only.")
    intake = smtp_intake(host, port)
    log.info(
        "reading bounce reports for %s on %s:%s", current_app.config["BOUNCE_DOMAIN"], host, port
    )
    stop = threading.Event()
    from app.outbox.worker import install_signal_handlers

    install_signal_handlers(stop)
    stop.wait()
    intake.stop()


@mail_cli.command("dns")
def mail_dns() -> None:
    """Print the SPF, DKIM and DMARC records to publish for the site's domains."""
    from app.bounces.dns import records

    for record in records():
        click.echo(record)


@privacy_cli.command("purge")
def privacy_purge() -> None:
    """Erase the personal data whose time is up (the worker does this daily)."""
    from app.privacy.retention import purge

    counts = purge()
    click.echo(
        f"erased {counts.letters} letters' personal fields, dropped {counts.ip_hashes} IP hashes"
    )


@data_cli.command("load")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory holding the data files (default: DATA_DIR).",
)
def data_load(directory: Path | None) -> None:
    """Load or refresh constituencies, MPs and every GB postcode."""
    from app.reference.data_load import DataFileError, load_reference_data

    directory = directory or Path(current_app.config["DATA_DIR"])
    click.echo(f"Reading reference data from {directory} ...")
    started = time.monotonic()
    try:
        report = load_reference_data(directory)
    except DataFileError as exc:
        raise click.ClickException(f"Nothing was changed. {exc}") from exc
    click.echo(str(report))
    click.echo(f"Done in {time.monotonic() - started:.1f}s.")


@data_cli.command("status")
def data_status() -> None:
    """Say what reference data is loaded."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.reference.models import MP, Constituency, StoredPostcodeIndex

    count = db.session.scalar(select(func.count()).select_from(Constituency))
    mps = db.session.scalar(select(func.count()).select_from(MP))
    index = db.session.scalars(select(StoredPostcodeIndex)).first()
    if not count:
        raise click.ClickException("No reference data loaded: run `flask --app wsgi data load`.")
    click.echo(f"{count} constituencies, {mps} MPs")
    if index:
        click.echo(
            f"{index.postcode_count:,} postcodes, loaded {index.loaded_at:%Y-%m-%d %H:%M} UTC"
        )


@demo_cli.command("seed")
def demo_seed() -> None:
    """Create the demo campaign (MPs' expenses, as in 2009) if it is missing."""
    from app.campaigns.demo import seed_demo_campaign
    from app.partners.registry import save_partner

    campaign = seed_demo_campaign()
    click.echo(f"Demo campaign: /c/{campaign.slug}")
    partner = save_partner(
        "demo-gazette",
        name="The Demo Gazette",
        origins=["http://127.0.0.1:8001", "http://localhost:8001"],
    )
    click.echo(f"Demo partner: {partner.slug} ({', '.join(partner.origins)})")


@partner_cli.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="The partner's name, shown to constituents.")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    required=True,
    help="An origin allowed to embed the widget, e.g. https://blog.example.org.",
)
@click.option("--disabled", is_flag=True, help="Create it switched off.")
def partner_add(slug: str, name: str, origins: tuple[str, ...], disabled: bool) -> None:
    """Register (or update) a partner and the origins its widget may run on."""
    from app.partners.registry import PartnerError, save_partner

    try:
        partner = save_partner(slug, name=name, origins=list(origins), active=not disabled)
    except PartnerError as exc:
        raise click.ClickException(str(exc)) from exc
    state = "active" if partner.active else "disabled"
    click.echo(f"{partner.slug}: {partner.name} ({state}) on {', '.join(partner.origins)}")


@partner_cli.command("list")
def partner_list() -> None:
    """Every partner, its state and origins."""
    from app.partners.registry import list_partners

    for partner in list_partners():
        state = "active" if partner.active else "disabled"
        click.echo(f"{partner.slug}\t{state}\t{partner.name}\t{' '.join(partner.origins)}")


@partner_cli.command("disable")
@click.argument("slug")
def partner_disable(slug: str) -> None:
    """The kill switch: the partner's widgets show a polite notice instead of the form."""
    _set_partner(slug, active=False)


@partner_cli.command("enable")
@click.argument("slug")
def partner_enable(slug: str) -> None:
    _set_partner(slug, active=True)


def _set_partner(slug: str, *, active: bool) -> None:
    from app.partners.registry import PartnerError, set_active

    try:
        set_active(slug, active)
    except PartnerError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{slug}: {'active' if active else 'disabled'}")


@webhooks_cli.command("add")
@click.argument("url")
@click.option(
    "--event",
    "events",
    multiple=True,
    required=True,
    help="An event to hear of (again for more): letter.confirmed, letter.delivered,"
    " letter.failed, letter.mp_replied, person.subscribed, person.unsubscribed.",
)
@click.option("--partner", "partner_slug", help="A partner's endpoint: its letters only.")
def webhooks_add(url: str, events: tuple[str, ...], partner_slug: str | None) -> None:
    """Register an https URL to be told of EVENTs; prints its secret, once."""
    from app.webhooks.endpoints import EndpointError, events_from, register

    with said_plainly(EndpointError):
        registered = register(url, events_from(events), partner_slug=partner_slug)
    click.echo(f"endpoint {registered.endpoint_id}")
    click.echo(f"secret (shown once; docs/webhooks.md says how to check it): {registered.secret}")


@webhooks_cli.command("list")
def webhooks_list() -> None:
    """Every endpoint: its id, partner, state and events (not its URL or secret)."""
    from app.webhooks.endpoints import every_endpoint, state_of

    for endpoint in every_endpoint():
        partner = endpoint.partner_id or "-"
        events = " ".join(endpoint.event_names)
        click.echo(f"{endpoint.id}\tpartner {partner}\t{state_of(endpoint)}\t{events}")


@webhooks_cli.command("rotate")
@click.argument("endpoint_id", type=int)
def webhooks_rotate(endpoint_id: int) -> None:
    """A new secret, printed once; the old one signs too for a day."""
    from app.webhooks.endpoints import EndpointError, rotate

    with said_plainly(EndpointError):
        click.echo(f"secret (shown once): {rotate(endpoint_id)}")


@webhooks_cli.command("resume")
@click.argument("endpoint_id", type=int)
def webhooks_resume(endpoint_id: int) -> None:
    """End a pause (or a stop): the endpoint's waiting calls are made now."""
    from app.webhooks.endpoints import EndpointError, resume

    with said_plainly(EndpointError):
        changed = resume(endpoint_id)
    click.echo(f"{endpoint_id}: {'resumed' if changed else 'was neither paused nor stopped'}")


@webhooks_cli.command("stop")
@click.argument("endpoint_id", type=int)
def webhooks_stop(endpoint_id: int) -> None:
    """No more calls to this endpoint; the waiting ones are not made."""
    from app.webhooks.endpoints import EndpointError, stop_by_admin

    with said_plainly(EndpointError):
        stop_by_admin(endpoint_id)
    click.echo(f"{endpoint_id}: stopped")


@api_keys_cli.command("issue")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="What it may do (again for more): people:read, outreaches:read, people:write.",
)
@click.option("--partner", "partner_slug", help="A partner's key: its letters only.")
def api_keys_issue(name: str, scopes: tuple[str, ...], partner_slug: str | None) -> None:
    """Make a key NAMEd for what uses it; prints it, once."""
    from app.api_keys.keys import ApiKeyError, issue, scopes_from

    with said_plainly(ApiKeyError):
        issued = issue(name, scopes_from(scopes), partner_slug=partner_slug)
    click.echo(f"key {issued.key_id} (shown once): {issued.key}")


@api_keys_cli.command("list")
def api_keys_list() -> None:
    """Every key: its id, first characters, partner, scopes, state, last use."""
    from app.api_keys.keys import every_key, state_of

    for row in every_key():
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
        click.echo(
            f"{row.id}\t{row.prefix}...\tpartner {row.partner_id or '-'}\t{row.scopes_text}"
            f"\t{state_of(row)}\t{used}\t{row.name}"
        )


@api_keys_cli.command("rotate")
@click.argument("key_id", type=int)
def api_keys_rotate(key_id: int) -> None:
    """A new key in place of KEY_ID, printed once; the old one works a day more."""
    from app.api_keys.keys import ApiKeyError, rotate

    with said_plainly(ApiKeyError):
        issued = rotate(key_id)
    click.echo(f"key {issued.key_id} (shown once): {issued.key}")


@api_keys_cli.command("revoke")
@click.argument("key_id", type=int)
def api_keys_revoke(key_id: int) -> None:
    """The key stops working now."""
    from app.api_keys.keys import ApiKeyError, revoke

    with said_plainly(ApiKeyError):
        revoke(key_id)
    click.echo(f"{key_id}: revoked")


@partner_cli.command("embed")
@click.argument("slug")
@click.option("--campaign", default="mp-expenses", show_default=True)
def partner_embed(slug: str, campaign: str) -> None:
    """Print the two lines a partner pastes into their page."""
    from app.partners.widget import embed_code

    click.echo(embed_code(campaign=campaign, partner=slug))


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver everything that is due, then exit.")
def worker(once: bool) -> None:
    """Deliver queued email: confirmations, letters to MPs, alerts."""
    from app.outbox.worker import install_signal_handlers, run_worker

    stop = threading.Event()
    install_signal_handlers(stop)
    log.info("worker started%s", " (once)" if once else "")
    total = run_worker(once=once, stop=stop)
    summary = (
        f"sent {total.sent}, retrying {total.retried}, failed {total.failed}, "
        f"skipped {total.skipped}"
    )
    if once:
        click.echo(summary)  # someone at a terminal asked
    else:
        log.info("worker stopped: %s", summary)  # a log line, as JSON when LOG_FORMAT=json


@admin_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "viewer"]), default="admin", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def admin_create(email: str, role: str, password_stdin: bool) -> None:
    """Create an admin account. They set up two-factor sign-in at their first sign-in."""
    from app.accounts.sign_in import AuthError, create_admin

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        admin = create_admin(email, password, role)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Created {admin.role} {admin.email}. Sign in at {current_app.config['SITE_URL']}/admin"
    )


@admin_cli.command("list")
def admin_list() -> None:
    from sqlalchemy import select

    from app.accounts.models import AdminUser
    from app.extensions import db

    for admin in db.session.scalars(select(AdminUser).order_by(AdminUser.email)):
        two_factor = "2FA set up" if admin.totp_secret else "2FA not set up"
        state = "active" if admin.active else "deactivated"
        click.echo(f"{admin.email}\t{admin.role}\t{state}\t{two_factor}")


@admin_cli.command("reset-2fa")
@click.argument("email")
def admin_reset_2fa(email: str) -> None:
    """For a lost phone: signs them out everywhere; they set up a new code at sign-in."""
    from app.accounts.sign_in import reset_totp

    _change_admin(reset_totp, email)
    click.echo(f"{email}: two-factor sign-in reset; all their sessions ended.")


@admin_cli.command("deactivate")
@click.argument("email")
def admin_deactivate(email: str) -> None:
    """For someone who has left: signs them out everywhere, for good."""
    from app.accounts.sign_in import deactivate_admin

    _change_admin(deactivate_admin, email)
    days = current_app.config["RETENTION_AUDIT_DAYS"]
    click.echo(f"{email}: deactivated and signed out; their address is erased in {days} days.")


def _change_admin(change, email: str) -> None:
    """Run an account change, its refusal said as a command-line error."""
    from app.accounts.sign_in import AuthError

    try:
        change(email)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc


def init_app(app: Flask) -> None:
    app.cli.add_command(data_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(partner_cli)
    app.cli.add_command(admin_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(bounces_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(api_keys_cli)
    app.cli.add_command(targets_cli)
    app.cli.add_command(worker)
