"""The database tables (SQLAlchemy 2). Kept apart from the domain and API models: rows are
stored and read here, and services turn them into values.

Every clinical table carries `clinic_id`, and every query in the repositories filters by it:
a user never sees another clinic's patients. Consultations are versioned: a saved version is
never updated, an edit adds the next version. The audit log is append-only (the migrations add
database triggers that refuse UPDATE, DELETE, REPLACE and TRUNCATE on it) and tamper-evident:
each entry carries a hash over its content and the previous entry's hash.

Ids are never reused: SQLite tables are AUTOINCREMENT (without it SQLite hands an erased
patient's id to the next patient), and PostgreSQL sequences never go back. Times are stored
in UTC on both databases (`UtcDateTime`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from dorsum.storage.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: UtcDateTime(),
    }
    __table_args__: Any = NEVER_REUSE_IDS


class Clinic(Base):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the clinic's letterhead on patient reports and consent forms (issue 10)
    address: Mapped[str] = mapped_column(Text, default="", server_default="")
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_type: Mapped[str] = mapped_column(String(20), default="", server_default="")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # admin | practitioner | reception
    language: Mapped[str] = mapped_column(String(5), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    clinic: Mapped[Clinic] = relationship()


class LoginSession(Base):
    """A signed-in browser. Only the token's hash is stored."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token for clinic IT integrations. Only the token's hash is stored; it works
    until it expires or is revoked (or its user is deactivated)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Sign-in attempts per account and per address within the current window. The counter is
    raised atomically *before* a password is checked, so simultaneous guesses cannot all slip
    under the limit."""

    __tablename__ = "login_throttle"
    __table_args__ = ()

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # "email:..." | "address:..."
    attempts: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime]


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    # name, e-mail and phone folded to lower case without accents, so "lopez" finds "López"
    # on both databases
    search_text: Mapped[str] = mapped_column(String(800), default="")
    # the language of the patient's report and reminders ("en" | "es")
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PatientUnavailability(Base):
    """Days a patient cannot come ("unavailable"), or will be in strong sun ("sun": a beach
    holiday), which a treatment with sun avoidance must not precede too closely."""

    __tablename__ = "patient_unavailability"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12), default="unavailable")  # unavailable | sun
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consultation(Base):
    """A visit. Its content lives in versions; the consultation itself only groups them."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    visit_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    versions: Mapped[list[ConsultationVersion]] = relationship(
        order_by="ConsultationVersion.version", cascade="all, delete-orphan"
    )


class ConsultationVersion(Base):
    """One saved state of a consultation: the intake, the body map and the assessment."""

    __tablename__ = "consultation_versions"
    __table_args__ = (UniqueConstraint("consultation_id", "version"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    intake: Mapped[dict[str, Any]]
    body_map: Mapped[dict[str, Any]]
    assessment: Mapped[dict[str, Any]]
    knowledge_base_version: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class TreatmentPlan(Base):
    __tablename__ = "treatment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    consultation_version_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_versions.id", ondelete="CASCADE"), index=True
    )
    chosen: Mapped[dict[str, Any]]
    plan: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Appointment(Base):
    """A booking. Reception sees these, never the clinical record. A cancelled booking is kept
    (with who cancelled it and when), so the book's history stays whole."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_clinic_starts", "clinic_id", "starts_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(Integer, default=30)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # where, with what and by whom (issue 9); empty for a plain appointment
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    # the plan session it books: the plan, the treatment and which session of the series
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatment_plans.id", ondelete="SET NULL"), index=True
    )
    treatment: Mapped[str] = mapped_column(String(60), default="", server_default="")
    session_number: Mapped[int | None] = mapped_column(Integer)
    # minutes the room is held before and after the session (set-up, clean-down)
    setup_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cleanup_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # booked | no_show | done (a cancelled booking keeps its status and has cancelled_at)
    status: Mapped[str] = mapped_column(String(12), default="booked", server_default="booked")


class Room(Base):
    """A treatment room."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("clinic_id", "name"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Device(Base):
    """A device of a kind (a cryolipolysis applicator, a CO2 laser), usable in given rooms."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("clinic_id", "name"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))  # see dorsum.scheduling.needs.DEVICE_KINDS
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rooms: Mapped[list[Room]] = relationship(secondary="device_rooms", order_by="Room.id")


class DeviceRoom(Base):
    """Which rooms a device can be used in."""

    __tablename__ = "device_rooms"
    __table_args__ = ()

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    room_id: Mapped[int] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )


class StaffMember(Base):
    """Someone who performs treatments: their skills (treatment ids), whether they are a
    physician (physician-only procedures need one), and their weekly roster, written like the
    opening hours ("mon-fri 09:00-17:00")."""

    __tablename__ = "staff_members"
    __table_args__ = (UniqueConstraint("clinic_id", "name"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    physician: Mapped[bool] = mapped_column(Boolean, default=False)
    skills: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"treatments": [...]}
    roster: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Closure(Base):
    """Days something is not available: the whole clinic (a holiday) when no room, device or
    staff member is named, otherwise that one resource (maintenance, leave)."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TreatmentSetup(Base):
    """A clinic's setting for one treatment's sessions: the device kind it needs and the
    minutes before and after it that hold the room. Unset values come from the packaged
    defaults (`dorsum.scheduling.needs`)."""

    __tablename__ = "treatment_setups"
    __table_args__ = ()

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    treatment: Mapped[str] = mapped_column(String(60), primary_key=True)
    device_kind: Mapped[str | None] = mapped_column(String(40))
    session_minutes: Mapped[int | None] = mapped_column(Integer)
    setup_minutes: Mapped[int | None] = mapped_column(Integer)
    cleanup_minutes: Mapped[int | None] = mapped_column(Integer)


class OutboxMessage(Base):
    """A reminder or booking message waiting to be sent (or sent): the e-mail or SMS text in
    the patient's language, with the booking as an iCalendar invitation. Sending is a separate
    job, so a booking never waits on a mail server."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "send_after"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # booked | moved | cancelled | reminder
    channel: Mapped[str] = mapped_column(String(10))  # email | sms
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text)
    send_after: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentText(Base):
    """The wording a patient is asked to agree to, for one purpose in one language. A saved
    version never changes: editing the text adds the next version, so every signed consent
    still points at exactly what was shown."""

    __tablename__ = "consent_texts"
    __table_args__ = (
        UniqueConstraint("clinic_id", "purpose", "language", "version"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # see dorsum.services.consent_purposes
    language: Mapped[str] = mapped_column(String(5))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Consent(Base):
    """A patient's signed consent to one purpose: a copy of the text shown (title, body,
    language, version), the signature drawn on screen (PNG), when, who signed and who
    witnessed it. Withdrawal is recorded, never deleted; a withdrawn consent allows nothing."""

    __tablename__ = "consents"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))
    # the plan a treatment consent is for (empty for photo consents)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatment_plans.id", ondelete="RESTRICT"), index=True
    )
    consent_text_id: Mapped[int] = mapped_column(ForeignKey("consent_texts.id"))
    language: Mapped[str] = mapped_column(String(5))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    text_shown: Mapped[str] = mapped_column(Text)
    signed_by: Mapped[str] = mapped_column(String(200))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    signed_at: Mapped[datetime]
    witness_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    witness_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawal_note: Mapped[str] = mapped_column(String(300), default="")


class Photo(Base):
    """A clinical photo of one body-map zone at one visit. The image and its thumbnail live in
    the clinic's photo store (`storage_key`, `thumb_key`), cleaned of EXIF and GPS data; the
    row says what it shows and under which consent it was taken."""

    __tablename__ = "photos"
    __table_args__ = (Index("ix_photos_patient_zone", "patient_id", "zone"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    zone: Mapped[str] = mapped_column(String(20))
    visit_date: Mapped[date] = mapped_column(Date)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(20))
    source_format: Mapped[str] = mapped_column(String(10))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class BookingRequest(Base):
    """A request from the public self-check, stored only with the person's explicit consent."""

    __tablename__ = "booking_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(254))
    message: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(20), default="none")
    consent_at: Mapped[datetime]
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who read or changed which patient record, and when. Append-only; no personal data.

    `hash` is SHA-256 over the entry's content and `prev_hash`, the hash of the clinic's
    previous entry: changing, removing or inserting an entry in SQL breaks the chain, and
    `dorsum audit verify` names the first broken link.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_clinic_at", "clinic_id", "at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))  # read | create | update | export | erase ...
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last entry of each clinic's audit chain. Appending locks this row, so entries are
    chained one at a time; and an entry removed from the end of the log no longer matches it."""

    __tablename__ = "audit_head"
    __table_args__ = ()

    clinic_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class CdsCard(Base):
    """A card the CDS Hooks service issued (issue 11), kept so the EHR's feedback can name it by
    `uuid`. Patient-less by design: which service, what kind of card, for which treatment, how
    urgent; never the EHR's patient or anything read from its record."""

    __tablename__ = "cds_cards"
    __table_args__ = ()

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    service: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # summary | order_excluded | order_deferred
    treatment: Mapped[str] = mapped_column(String(64), default="", server_default="")
    indicator: Mapped[str] = mapped_column(String(10))  # info | warning | critical
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class CdsFeedback(Base):
    """What the clinician did with a card (CDS Hooks feedback): accepted or overridden, with the
    override reason (a coding) and the clinician's comment."""

    __tablename__ = "cds_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_uuid: Mapped[str] = mapped_column(
        String(36), ForeignKey("cds_cards.uuid", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(20))  # accepted | overridden
    reason_system: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reason_code: Mapped[str] = mapped_column(String(100), default="", server_default="")
    reason_display: Mapped[str] = mapped_column(String(200), default="", server_default="")
    user_comment: Mapped[str] = mapped_column(String(500), default="", server_default="")
    outcome_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class CdsJti(Base):
    """JWT ids already seen from each issuer, until the token expires: a replayed token is
    refused by the unique constraint, so every worker (and every process) shares the memory."""

    __tablename__ = "cds_jtis"
    __table_args__ = (UniqueConstraint("issuer", "jti"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    jti: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(index=True)
