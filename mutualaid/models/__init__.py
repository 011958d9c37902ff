"""All models, importable from one place (Alembic and the app import this package)."""

from mutualaid.models.admin import CategoryRow, SiteSetting
from mutualaid.models.audit import ApiToken, AuditEvent, LoginThrottle
from mutualaid.models.base import Base, utcnow
from mutualaid.models.email import AccountToken, EmailDigest, NoticePreference, OutboundEmail
from mutualaid.models.imports import ImportJob
from mutualaid.models.messages import Conversation, SmsMessage, SmsStatusEvent
from mutualaid.models.needs import Need
from mutualaid.models.notifications import Notification
from mutualaid.models.offers import Offer, OfferCategory
from mutualaid.models.people import Person
from mutualaid.models.places import Area, GeocodeCache
from mutualaid.models.pods import ChecklistItem, Membership, Pod, PodFeedback, PodMessage

__all__ = [
    "AccountToken",
    "ApiToken",
    "Area",
    "AuditEvent",
    "Base",
    "CategoryRow",
    "ChecklistItem",
    "Conversation",
    "EmailDigest",
    "GeocodeCache",
    "ImportJob",
    "LoginThrottle",
    "Membership",
    "Need",
    "NoticePreference",
    "Notification",
    "Offer",
    "OfferCategory",
    "OutboundEmail",
    "Person",
    "Pod",
    "PodFeedback",
    "PodMessage",
    "SiteSetting",
    "SmsMessage",
    "SmsStatusEvent",
    "utcnow",
]
