"""A question's jobs: delivery to the region's coordinators (retried), escalation to the
Vice Chair (Membership), a held question left unsent deleted, and at start the questions that
waited for a coordinator."""

from __future__ import annotations

from functools import partial

from bot.deps import AppDeps
from bot.flows import question_delivery as delivery
from bot.jobs import Job, JobRun, RetryLater
from bot.services import question_flow as flow
from bot.services import questions as svc


def run_delivery(deps: AppDeps, run: JobRun) -> None:
    question_id = int(run.payload["question_id"])
    asker = deps.read(flow.asker_of, question_id)
    if asker is None:
        return
    report = delivery.deliver_and_tell(deps, question_id, delivery.dm_teller(deps, asker), in_job=True)
    if report.outcome == "delayed":
        raise RetryLater("Slack did not take the message")


def run_escalation(deps: AppDeps, run: JobRun) -> None:
    if not delivery.escalate(deps, int(run.payload["question_id"]), "time"):
        raise RetryLater("Slack did not take the message")


def run_discard(deps: AppDeps, run: JobRun) -> None:
    deps.write(svc.discard_unsent, int(run.payload["question_id"]))


def deliver_waiting(deps: AppDeps) -> None:
    """At start: questions that waited for a coordinator go to the one now configured."""
    deps.write(flow.schedule_waiting, deps.org, deps.clock.now())


def jobs(deps: AppDeps) -> list[Job]:
    return [
        Job(svc.DELIVER, partial(run_delivery, deps)),
        Job(svc.ESCALATE, partial(run_escalation, deps)),
        Job(svc.DISCARD_UNSENT, partial(run_discard, deps)),
    ]


def register(deps: AppDeps) -> None:
    deps.jobs.register(*jobs(deps))
    deps.jobs.on_startup(partial(deliver_waiting, deps))
