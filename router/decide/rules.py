"""The admin's `classification.rules`, compiled once per config.

A rule matches when every condition it names holds: `any_keywords` (whole
words, case- and accent-insensitive, in the customer's own words),
`subject_regex` (the customer's subject, else the outer one),
`from_domain` (the customer's address, else the From header) and
`has_attachment` (files, also inside an attached message).

Rules of the help page's two exclusions, `invoice` and `customization`,
also know the built-in words of languages the rule does not list
(`phrases.RULE_VOCABULARY`): an admin lists the words of the
marketplace's languages, and a customer writing Italian about a
"fattura" asks for an invoice all the same.  For a language the rule does
list, the admin's words are the only ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from router.config.model import Rule
from router.decide.checks import phrase_evidence
from router.decide.context import Context, attachment_names
from router.decide.decision import Hit, Miss, Result
from router.decide.phrases import RULE_VOCABULARY
from router.decide.vocabulary import PhraseMatcher
from router.mail.message import Evidence


def rule_keywords(rule: Rule) -> dict[str, list[str]] | None:
    """The rule's keywords, with built-in words for the languages it leaves out."""
    if rule.any_keywords is None:
        return None
    keywords = {lang: list(words) for lang, words in rule.any_keywords.items()}
    for lang, words in RULE_VOCABULARY.get(rule.category, {}).items():
        keywords.setdefault(lang, list(words))
    return keywords


@dataclass(frozen=True)
class CompiledRule:
    """An admin's rule with its keywords and regex compiled once."""

    rule: Rule
    keywords: PhraseMatcher | None
    subject: re.Pattern[str] | None
    domains: frozenset[str] | None

    @classmethod
    def compile(cls, rule: Rule) -> CompiledRule:
        words = rule_keywords(rule)
        keywords = PhraseMatcher(words) if words is not None else None
        subject = re.compile(rule.subject_regex, re.IGNORECASE) if rule.subject_regex else None
        domains = (frozenset(d.strip().lower().lstrip("@").rstrip(".") for d in rule.from_domain)
                   if rule.from_domain is not None else None)
        return cls(rule, keywords, subject, domains)

    def __call__(self, ctx: Context) -> Result:
        """Hit when every condition the rule names holds (see module doc)."""
        found: list[str] = []
        evidence: list[Evidence] = []
        if self.keywords is not None:
            hit = self.keywords.search(ctx.customer_text)
            if hit is None:
                return Miss("no keyword in the customer's text")
            found.append(f"keyword {hit.phrase!r} ({hit.language})")
            evidence.append(phrase_evidence("keyword", hit, "customer's text"))
        if self.subject is not None:
            subject = ctx.unwrapped.inquiry_subject or ctx.mail.subject
            if not self.subject.search(subject):
                return Miss(f"subject {subject!r} does not match /{self.subject.pattern}/")
            found.append(f"subject matches /{self.subject.pattern}/")
        if self.domains is not None:
            address = ctx.unwrapped.inquiry_from or ctx.mail.from_addr or ""
            domain = address.rpartition("@")[2].strip().strip(">").lower().rstrip(".")
            if domain not in self.domains:
                return Miss(f"customer's domain {domain or '(none)'!r} not listed")
            found.append(f"from {domain}")
        if self.rule.has_attachment is not None:
            files = attachment_names(ctx.mail)
            if bool(files) != self.rule.has_attachment:
                return Miss("attachment condition does not hold")
            found.append(f"attachments: {', '.join(files)}" if files else "no attachment")
        reason = f"Rule {self.rule.name!r} matched: {'; '.join(found) or 'no condition'}."
        return Hit(self.rule.category, reason, tuple(evidence))
