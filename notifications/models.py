from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from listing import ChoiceLabels

if TYPE_CHECKING:
    from accounts.models import User


class Kind(models.TextChoices):
    """What a reminder is about; each names the record type `record_id` points to."""

    PERMIT = "permit", _("Permit expiry")
    REFERRAL_RESPONSE = "referral_response", _("Referral response")
    HEARING_PREPARATION = "hearing_preparation", _("Hearing preparation")
    MLA_REPLY = "mla_reply", _("MLA reply")
    DECISION = "decision", _("Identification decision")
    REVIEW = "review", _("Identification review")
    TASK = "task", _("Task")
    # Events, not deadlines (Threshold.RECORDED): the person's own criminal matter moved
    # (record: the stage change) or a decision on non-punishment was recorded (record: the
    # matter). The case's supervisor hears of both.
    MATTER_STAGE = "matter_stage", _("Criminal matter against the person: stage")
    NON_PUNISHMENT_DECISION = "non_punishment_decision", _("Decision on non-punishment")


class Threshold(models.TextChoices):
    """How near the deadline is: days before it, due now, or past it."""

    DAYS_30 = "30", _("30 days before")
    DAYS_7 = "7", _("7 days before")
    DAYS_1 = "1", _("1 day before")
    DUE = "due", _("Due")
    OVERDUE = "overdue", _("Overdue")
    EXPIRED = "expired", _("Expired")
    RECORDED = "recorded", _("Recorded")


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> NotificationQuerySet:
        """A user's own notifications: nobody reads another's (404 for everyone else)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(ChoiceLabels, models.Model):
    """One reminder for one person: kind, record ids and threshold, never a name.

    The unique key (recipient, kind, record, threshold, deadline) is what makes each
    reminder go out once, whatever the number of runs or worker restarts; a new
    deadline (a renewed permit) is a new reminder.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # no index of its own: notifications_recipient_new leads with it
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    threshold = models.CharField(_("threshold"), max_length=16, choices=Threshold.choices)
    record_id = models.PositiveBigIntegerField(_("record"))
    # The case gives the reference number and the link; purging a case purges its
    # reminders. An MLA request may have no case.
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    due_on = models.DateField(_("deadline"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "record_id", "threshold", "due_on"],
                name="notifications_notification_once",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notifications_unread"),
            # The notification centre's page, newest first, read straight from the reader's rows.
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="notifications_recipient_new"
            ),
        ]

    def __str__(self) -> str:
        return self.message()

    def get_absolute_url(self) -> str:
        if self.kind == Kind.REFERRAL_RESPONSE:
            return reverse("cooperation:referral_detail", args=[self.record_id])
        if self.kind == Kind.MLA_REPLY:
            return reverse("cooperation:mla_detail", args=[self.record_id])
        return reverse("cases:detail", args=[self.case_id])

    @property
    def reference(self) -> str:
        """The reference number shown: the case's, else the record's number."""
        if self.case is not None:
            return self.case.reference
        return f"#{self.record_id}"

    def message(self) -> str:
        """The text in the active language: reference, what and when; never a name."""
        values = {
            "reference": self.reference,
            "record": self.record_id,
            "date": date_format(self.due_on, "SHORT_DATE_FORMAT"),
        }
        return gettext(_MESSAGES[(self.kind, self.threshold)]) % values


def _languages() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


class Preference(ChoiceLabels, models.Model):
    """A user's choice of the daily e-mail digest, and the language it is written in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    daily_digest = models.BooleanField(
        _("daily e-mail digest"),
        default=False,
        help_text=_("Once a day, an e-mail listing new reminders (reference numbers only)."),
    )
    language = models.CharField(_("language of the e-mail"), max_length=16, choices=_languages)
    # The digest's high-water mark, the last notification it listed: a restart or a
    # second run sends nothing twice (ids, not clocks, so no row falls between runs).
    digest_sent_through = models.PositiveBigIntegerField(_("digest sent through"), default=0)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)


# The messages, marked for translation here (gettext_noop) and translated when shown.
_MESSAGES: dict[tuple[str, str], str] = {
    (Kind.PERMIT, Threshold.DAYS_30): gettext_noop(
        "Case %(reference)s: a permit expires in 30 days or less (%(date)s)."
    ),
    (Kind.PERMIT, Threshold.DAYS_7): gettext_noop(
        "Case %(reference)s: a permit expires in 7 days or less (%(date)s)."
    ),
    (Kind.PERMIT, Threshold.DAYS_1): gettext_noop(
        "Case %(reference)s: a permit expires tomorrow or today (%(date)s)."
    ),
    (Kind.PERMIT, Threshold.EXPIRED): gettext_noop(
        "Case %(reference)s: a permit has expired (%(date)s)."
    ),
    (Kind.REFERRAL_RESPONSE, Threshold.DUE): gettext_noop(
        "Referral %(record)s (case %(reference)s): a response is due by %(date)s."
    ),
    (Kind.REFERRAL_RESPONSE, Threshold.OVERDUE): gettext_noop(
        "Referral %(record)s (case %(reference)s): the response is overdue since %(date)s."
    ),
    (Kind.HEARING_PREPARATION, Threshold.DUE): gettext_noop(
        "Case %(reference)s: prepare the hearing by %(date)s."
    ),
    (Kind.HEARING_PREPARATION, Threshold.OVERDUE): gettext_noop(
        "Case %(reference)s: the hearing preparation is overdue since %(date)s."
    ),
    (Kind.MLA_REPLY, Threshold.OVERDUE): gettext_noop(
        "MLA request %(record)s: the reply is overdue since %(date)s."
    ),
    (Kind.DECISION, Threshold.DUE): gettext_noop(
        "Case %(reference)s: the identification decision is due by %(date)s."
    ),
    (Kind.DECISION, Threshold.OVERDUE): gettext_noop(
        "Case %(reference)s: the identification decision is overdue since %(date)s."
    ),
    (Kind.REVIEW, Threshold.DUE): gettext_noop(
        "Case %(reference)s: a review of the identification decision was requested on %(date)s."
    ),
    (Kind.TASK, Threshold.DUE): gettext_noop("Case %(reference)s: a task is due by %(date)s."),
    (Kind.TASK, Threshold.OVERDUE): gettext_noop(
        "Case %(reference)s: a task is overdue since %(date)s."
    ),
    (Kind.MATTER_STAGE, Threshold.RECORDED): gettext_noop(
        "Case %(reference)s: the criminal matter against the person moved to a new stage "
        "on %(date)s."
    ),
    (Kind.NON_PUNISHMENT_DECISION, Threshold.RECORDED): gettext_noop(
        "Case %(reference)s: a decision on non-punishment was recorded (decided on %(date)s)."
    ),
}
