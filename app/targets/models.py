"""Targets other than MPs, and the campaigns that write to them.

A target list is what an admin loads (app/targets/lists.py): councillors,
members of a devolved parliament, ministers, a regulator. Each row is a
person or an office serving one area (by GSS code) or none. Loading a list
again replaces it as a new version: the old rows stay, retired, so the
letters written to them still say who they went to.

A campaign that writes to more than each writer's MP says so in a
`CampaignTargets`: whether the MP is written to, which lists, how many a
writer may choose, and, by each target's own reference, who is never
written to and who is marked a supporter or an opponent (whose emails get
the campaign's variant: their own subject and opening).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Model, utcnow


class TargetList(Model):
    __tablename__ = "target_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))  # "Councillors of Testington"
    # Where the data came from, and its licence: shown to admins and in exports.
    source: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(default=1)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(254), default="")
    target_count: Mapped[int] = mapped_column(default=0)
    # At most this many identical (or near-identical) letters of a campaign
    # to its members: the House of Lords asks for no more than six
    # (HOUSE_OF_LORDS below); None for no such rule.
    most_identical: Mapped[int | None]


# "Do not send more than six identical messages to members on one subject":
# the House of Lords' guidance for campaigns writing to its members
# (www.parliament.uk, "Contact a member of the House of Lords").
HOUSE_OF_LORDS = 6


class Target(Model):
    """One row of a target list's version."""

    __tablename__ = "target"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("target_list.id"))
    version: Mapped[int]
    # The row's own reference, kept from version to version (a campaign's
    # exclusions name it).
    ref: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(120))  # "Councillor for Testington East ward"
    body: Mapped[str] = mapped_column(String(120))  # "Testington District Council"
    email: Mapped[str | None] = mapped_column(String(254))
    postal_address: Mapped[str | None] = mapped_column(String(300))
    area_type: Mapped[str] = mapped_column(String(12))  # an AreaType
    # A GSS code, or a Senedd constituency's slug; None for a national target
    area_code: Mapped[str | None] = mapped_column(String(40))
    retired_at: Mapped[datetime | None]  # replaced by a newer version of its list
    # Its email address failed for its own reasons (a bounce, "no such
    # user"): later letters to it are posted, or it is not offered without a
    # postal address, until a new version of the list gives it again.
    bounced_at: Mapped[datetime | None]

    target_list: Mapped[TargetList] = relationship()

    @property
    def emailable(self) -> bool:
        """Whether letters to it go by email (else its writers post them)."""
        return bool(self.email) and self.bounced_at is None

    __table_args__ = (
        UniqueConstraint("list_id", "version", "ref"),
        # A postcode's targets: the current rows of a list in its areas.
        Index(
            "ix_target_current_area",
            "list_id",
            "area_code",
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )


class MPChoice(StrEnum):
    """Whether a campaign's letters go to each writer's MP."""

    ALWAYS = "always"  # every letter goes to the MP, and may go to others too
    OFFERED = "offered"  # the MP is one of the targets a writer ticks
    NEVER = "never"  # the campaign writes to its lists' targets only


class Choice(StrEnum):
    """How many of their targets a writer picks."""

    ALL = "all"  # every one of them: nothing to tick
    SOME = "some"  # one or more (up to `most`)
    ONE = "one"  # exactly one


class CampaignTargets(Model):
    """A campaign writing to more than each writer's MP: absent, it writes
    to the MP alone, as every campaign did before targets."""

    __tablename__ = "campaign_targets"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    mp: Mapped[str] = mapped_column(String(8), default=MPChoice.ALWAYS)
    choice: Mapped[str] = mapped_column(String(4), default=Choice.SOME)
    # At most this many recipients a letter, the MP included; 0 for no limit
    # but the targets a writer has.
    most: Mapped[int] = mapped_column(default=0)
    # Whether a writer's targets start ticked (they untick those they do not want).
    preselected: Mapped[bool] = mapped_column(default=True)
    # Offer each writer this many of the national targets (such as peers),
    # drawn at random for their postcode, rather than all of them; 0: all.
    offer_at_random: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lists: Mapped[list[CampaignTargetList]] = relationship(
        cascade="all, delete-orphan", order_by="CampaignTargetList.list_id"
    )
    excluded: Mapped[list[TargetExclusion]] = relationship(cascade="all, delete-orphan")
    stances: Mapped[list[TargetStance]] = relationship(cascade="all, delete-orphan")
    variants: Mapped[list[TargetVariant]] = relationship(cascade="all, delete-orphan")


class CampaignTargetList(Model):
    __tablename__ = "campaign_target_list"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_targets.campaign_id"), primary_key=True
    )
    list_id: Mapped[int] = mapped_column(ForeignKey("target_list.id"), primary_key=True)

    target_list: Mapped[TargetList] = relationship()


class TargetExclusion(Model):
    """A target a campaign never writes to, by its list and reference (so a
    new version of the list keeps it out)."""

    __tablename__ = "target_exclusion"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_targets.campaign_id"), primary_key=True
    )
    list_id: Mapped[int] = mapped_column(ForeignKey("target_list.id"), primary_key=True)
    ref: Mapped[str] = mapped_column(String(60), primary_key=True)


class Stance(StrEnum):
    """Where a campaign says a target stands on its cause."""

    SUPPORTER = "supporter"
    OPPONENT = "opponent"


class TargetStance(Model):
    """A target a campaign marks as a supporter or an opponent, by its list
    and reference (kept through new versions, as exclusions are)."""

    __tablename__ = "campaign_target_stance"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_targets.campaign_id"), primary_key=True
    )
    list_id: Mapped[int] = mapped_column(ForeignKey("target_list.id"), primary_key=True)
    ref: Mapped[str] = mapped_column(String(60), primary_key=True)
    stance: Mapped[str] = mapped_column(String(9))  # a Stance


class TargetVariant(Model):
    """What a campaign's letters say differently to the targets of one
    stance: their own subject (empty: the writer's) and an opening paragraph
    before the writer's words (empty: none). One letter goes to everyone a
    writer chose, so the writer's own words are the same for all."""

    __tablename__ = "campaign_target_variant"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_targets.campaign_id"), primary_key=True
    )
    stance: Mapped[str] = mapped_column(String(9), primary_key=True)  # a Stance
    subject: Mapped[str] = mapped_column(String(200), default="")
    opening: Mapped[str] = mapped_column(String(1000), default="")
