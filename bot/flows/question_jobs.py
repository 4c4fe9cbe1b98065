"""A question's jobs: delivery to the region's coordinators (retried), escalation to the
Vice Chair (Membership), a held question left unsent deleted, and at start the questions that
waited for a coordinator."""

from __future__ import annotations

from functools import partial

from bot.deps import AppDeps
from bot.flows import question_delivery as delivery
from bot.jobs import Job, JobRun, RetryLater
from bot.services import admin_alerts
from bot.services import questions as svc
from bot.services.tz_regions import Region


def run_delivery(deps: AppDeps, run: JobRun) -> None:
    question_id = int(run.payload["question_id"])
    with deps.session_factory() as session:
        question = svc.get_question(session, question_id)
        asker = question.asker_id if question else None
    if asker is None:
        return
    report = delivery.deliver_and_tell(deps, question_id, delivery.dm_teller(deps, asker), in_job=True)
    if report.outcome == "delayed":
        raise RetryLater("Slack did not take the message")


def run_escalation(deps: AppDeps, run: JobRun) -> None:
    if not delivery.escalate(deps, int(run.payload["question_id"]), "time"):
        raise RetryLater("Slack did not take the message")


def run_discard(deps: AppDeps, run: JobRun) -> None:
    with deps.session_factory.begin() as session:
        svc.discard_unsent(session, int(run.payload["question_id"]))


def deliver_waiting(deps: AppDeps) -> None:
    """At start: questions that waited for a coordinator go to the one now configured."""
    with deps.session_factory.begin() as session:
        for region in Region:
            if not svc.coordinators(deps.org, region):
                continue
            admin_alerts.clear(session, svc.vacancy_alert_key(region))
            for question in svc.waiting_questions(session, region):
                svc.DELIVER.schedule(
                    session, question.id, due_at=deps.clock.now(), payload={"question_id": question.id}
                )


def jobs(deps: AppDeps) -> list[Job]:
    return [
        Job(svc.DELIVER, partial(run_delivery, deps)),
        Job(svc.ESCALATE, partial(run_escalation, deps)),
        Job(svc.DISCARD_UNSENT, partial(run_discard, deps)),
    ]


def register(deps: AppDeps) -> None:
    deps.jobs.register(*jobs(deps))
    deps.jobs.on_startup(partial(deliver_waiting, deps))
