"""One match: the client's needs and safety alerts, then for each need the services to propose, with reasons.

``match`` is the whole of it as one pure function over plain data. A caller that must fetch candidates between the
two steps (the directory finds services in the categories the needs name) calls ``needs.assess`` and then
``propose``, which is what ``match`` does.
"""

from collections.abc import Sequence
from datetime import date

import msgspec

from matching.client import Client
from matching.eligibility import Candidate, context
from matching.needs import Alert, Assessment, Need, RequestedNeed, Response, Undetermined, assess
from matching.ranking import Excluded, NeedProposals, Proposal, rank

PER_NEED = 5  # proposals kept for each need: a short list a client can act on
ALERT_RESOURCES = 3  # services shown with a safety alert, from the alert's own need


class MatchedAlert(Alert, frozen=True, kw_only=True):
    resources: list[Proposal]  # the help to show with the alert, best first


class MatchResult(msgspec.Struct, frozen=True, kw_only=True):
    needs: list[Need]
    alerts: list[MatchedAlert]
    proposals: list[NeedProposals]  # one group per need, in the order of ``needs``
    excluded: list[Excluded]
    undetermined: list[Undetermined]  # safety alerts that unanswered questions leave open
    # A person must review this match before anything is sent: a safety alert asks for it, or may once the
    # missing answers are in.
    requires_review: bool


def match(
    client: Client,
    responses: Sequence[Response],
    needs: Sequence[RequestedNeed],
    candidates: Sequence[Candidate],
    today: date,
    per_need: int = PER_NEED,
) -> MatchResult:
    return propose(assess(client, responses, needs), client, candidates, today, per_need)


def propose(
    assessment: Assessment, client: Client, candidates: Sequence[Candidate], today: date, per_need: int = PER_NEED
) -> MatchResult:
    # Services for people in a situation take a client whose needs put them in it (no steady home: homeless).
    client = msgspec.structs.replace(client, situations=assessment.situations)
    proposals, excluded = rank(assessment.needs, client, candidates, context(client, today), per_need)
    by_need = {group.need: group.proposals for group in proposals}
    alerts = [
        MatchedAlert(**msgspec.structs.asdict(alert), resources=by_need[alert.need][:ALERT_RESOURCES])
        for alert in assessment.alerts
    ]
    return MatchResult(
        needs=assessment.needs,
        alerts=alerts,
        proposals=proposals,
        excluded=excluded,
        undetermined=assessment.undetermined,
        requires_review=any(alert.requires_review for alert in alerts) or bool(assessment.undetermined),
    )
