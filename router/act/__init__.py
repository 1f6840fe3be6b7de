"""Acting on a decision: the mail the router writes.

`compose` turns a decision and the original bytes into ready-to-queue
messages (forward, notice, redirect); `templates` finds and renders the
notice texts.  Both are pure: they neither send nor store, and never read the clock.
"""

from router.act.compose import (
    Composed,
    ComposeError,
    compose_forward,
    compose_notice,
    compose_redirect,
    message_id_for,
)
from router.act.templates import NoticeTemplates
from router.mail.templates import TemplateSetupError

__all__ = [
    "ComposeError",
    "Composed",
    "NoticeTemplates",
    "TemplateSetupError",
    "compose_forward",
    "compose_notice",
    "compose_redirect",
    "message_id_for",
]
