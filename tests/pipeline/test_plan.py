"""The guards between a decision and the mail it causes, on plain values."""

from __future__ import annotations

import pytest

from router.config import Config, load_config
from router.decide.classify import Decision
from router.pipeline.plan import Facts, cannot_take, make_plan
from tests.helpers import REPO


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(REPO / "config" / "router.yaml", env={})


def decision(category: str, action: str, *, region: str | None = "de2de",
             contact_id: int | None = None, seller_id: str | None = "A1MUSTERHANDEL"
             ) -> Decision:
    return Decision(category=category, action=action, rule="check", reason="because",
                    seller_id=seller_id, region=region, order_ids=(),
                    language="de", hits=(), misses=(), evidence=(), contact_id=contact_id,
                    message_id="<m@x>")


FACTS = Facts(seller_address="service@musterhandel.de")


def test_post_sale_forward_logs_a_contact(config: Config) -> None:
    plan = make_plan(config, decision("post_sale_seller_fulfilled", "forward"), FACTS)
    assert (plan.state, plan.send, plan.new_contact) == ("done", "forward", True)


def test_follow_up_joins_its_contact(config: Config) -> None:
    plan = make_plan(config, decision("follow_up", "forward", contact_id=7), FACTS)
    assert (plan.send, plan.new_contact, plan.join_contact) == ("forward", False, 7)


def test_bounce_sends_a_notice(config: Config) -> None:
    plan = make_plan(config, decision("pre_sale", "bounce"), FACTS)
    assert (plan.state, plan.send, plan.new_contact) == ("done", "notice", False)


@pytest.mark.parametrize(("category", "state", "action"),
                         [("auto_generated", "done", "drop"), ("unknown_sender", "held", "hold")])
def test_never_a_notice_to_automatic_or_unknown(config: Config, category: str, state: str,
                                                action: str) -> None:
    # Even when an admin configured "bounce" for these categories.
    plan = make_plan(config, decision(category, "bounce"), FACTS)
    assert (plan.state, plan.send, plan.decision.action) == (state, None, action)
    assert plan.decision.rule == "no-backscatter"


def test_notice_limit_holds(config: Config) -> None:
    limit = config.auto_reply.max_notices_per_sender_per_day
    facts = Facts(seller_address="service@musterhandel.de", notices_today=limit)
    plan = make_plan(config, decision("pre_sale", "bounce"), facts)
    assert (plan.state, plan.send, plan.decision.rule) == ("held", None, "notice-limit")
    below = Facts(seller_address="service@musterhandel.de", notices_today=limit - 1)
    assert make_plan(config, decision("pre_sale", "bounce"), below).send == "notice"


def test_no_second_notice_about_the_same_original(config: Config) -> None:
    facts = Facts(seller_address="service@musterhandel.de", noticed_same_original=True)
    plan = make_plan(config, decision("pre_sale", "bounce"), facts)
    assert (plan.send, plan.decision.rule) == (None, "notice-repeat")


def test_duplicate_is_dropped_without_mail_or_contact(config: Config) -> None:
    facts = Facts(seller_address="service@musterhandel.de", duplicate_of=3)
    plan = make_plan(config, decision("post_sale_seller_fulfilled", "forward"), facts)
    assert (plan.state, plan.send, plan.new_contact) == ("done", None, False)
    assert plan.decision.rule == "duplicate" and "message 3" in plan.decision.reason
    # What the classifier said is kept for the explanation.
    assert any(e.name == "classified" for e in plan.decision.evidence)


def test_redirect_needs_a_bsm_address(config: Config) -> None:
    plan = make_plan(config, decision("pre_sale", "redirect"), FACTS)
    assert (plan.state, plan.decision.rule) == ("held", "no-bsm-address")


def test_hold_and_drop(config: Config) -> None:
    assert make_plan(config, decision("order_unknown", "hold"), FACTS).state == "held"
    assert make_plan(config, decision("auto_generated", "drop"), FACTS).state == "done"


def test_no_contact_without_a_seller(config: Config) -> None:
    # The store refuses a contact without a seller: the plan holds instead of crashing.
    plan = make_plan(config, decision("post_sale_seller_fulfilled", "forward", seller_id=None),
                     FACTS)
    assert (plan.state, plan.send, plan.new_contact, plan.decision.rule) == (
        "held", None, False, "no-seller")


ADDRESS = "service@musterhandel.de"


@pytest.mark.parametrize(("made", "address", "why"), [
    (decision("post_sale_seller_fulfilled", "forward", seller_id=None), None, "needs a seller"),
    (decision("post_sale_seller_fulfilled", "drop", seller_id=None), None, "needs a seller"),
    (decision("post_sale_seller_fulfilled", "forward", contact_id=4), ADDRESS,
     "continues contact 4"),
    (decision("follow_up", "forward"), ADDRESS, "no contact was found"),
    (decision("post_sale_seller_fulfilled", "forward", region=None), ADDRESS,
     "forward needs a region"),
    (decision("pre_sale", "redirect", region=None), ADDRESS, "redirect needs a region"),
    (decision("pre_sale", "redirect"), ADDRESS, "region de2de has none"),
    (decision("pre_sale", "bounce"), None, "no seller's address"),
    (decision("unknown_sender", "bounce"), ADDRESS, "never sent for unknown_sender"),
])
def test_release_as_refused_where_the_action_cannot_be_taken(
        config: Config, made: Decision, address: str | None, why: str) -> None:
    refusal = cannot_take(config, made, address)
    assert refusal is not None and why in refusal


@pytest.mark.parametrize(("made", "address"), [
    (decision("post_sale_seller_fulfilled", "forward"), ADDRESS),
    (decision("post_sale_seller_fulfilled", "forward"), None),  # forwards need no address
    (decision("follow_up", "forward", contact_id=4), ADDRESS),
    (decision("pre_sale", "bounce"), ADDRESS),
    (decision("order_unknown", "hold", seller_id=None, region=None), None),
    (decision("auto_generated", "drop", seller_id=None), None),
])
def test_release_as_allowed_where_the_action_can_be_taken(
        config: Config, made: Decision, address: str | None) -> None:
    assert cannot_take(config, made, address) is None
    # And the plan then takes exactly that action.
    plan = make_plan(config, made, Facts(seller_address=address))
    assert plan.decision.action == made.action


def test_a_relay_passes_a_cases_mail_on_without_a_contact(config: Config) -> None:
    from dataclasses import replace

    from router.decide.decision import CaseStep

    step = CaseStep("answer", 7, "A1MUSTERHANDEL", "de2de", 4, 4, None, "team@x.example")
    plan = make_plan(config, replace(decision("case_reply", "relay"), case=step), FACTS)
    assert (plan.state, plan.send, plan.new_contact, plan.join_contact) == (
        "done", "relay", False, None)
    # Released as a case category, but no case was found: held, said why.
    held = make_plan(config, decision("case_message", "relay"), FACTS)
    assert (held.state, held.send, held.decision.rule) == ("held", None, "no-case")
    refusal = cannot_take(config, decision("case_reply", "relay"), ADDRESS)
    assert refusal is not None and "no case of the router" in refusal


def test_a_relay_without_an_address_to_relay_to_is_held(config: Config) -> None:
    from dataclasses import replace

    from router.decide.decision import CaseStep

    no_notify = [s.model_copy(update={"addresses": ["*@musterhandel.de"], "notify": None})
                 for s in config.sellers]
    domain_only = config.model_copy(update={"sellers": no_notify})
    step = CaseStep("open", None, "A1MUSTERHANDEL", "de2de", 4, 4, None, "team@x.example")
    made = replace(decision("case_message", "relay"), case=step)
    plan = make_plan(domain_only, made, FACTS)
    assert (plan.state, plan.decision.rule) == ("held", "no-relay-address")
    assert "no address to relay" in (cannot_take(domain_only, made, None) or "")
    # The seller's answer goes to the team: the seller's own address does not matter.
    answer = replace(made, category="case_reply", case=replace(step, kind="answer", case_id=9))
    assert make_plan(domain_only, answer, FACTS).send == "relay"
    gone = replace(made, case=replace(step, seller_id="GONE"))
    assert "not configured" in make_plan(config, gone, FACTS).decision.reason
