"""What a member may send as a question, and how long a piece of it is shown in one section.

A question is shown to coordinators as escaped mrkdwn (see ``bot.views.common.escape``): a
mention, ``<!channel>``, ``@here`` or a link typed by a member is shown as text, never acted on.
Only the length is refused, with the reason.
"""

from __future__ import annotations

from bot.text_measure import count_characters

MAX_QUESTION_CHARS = 3000  # Slack's own limit for a modal's text input
# A question is shown in pieces of this size (bot.views.common.split_text). Escaping can make
# a piece up to five times longer ("&" -> "&amp;"); five times 500 stays within Slack's 3,000
# characters for one section.
DISPLAY_PIECE_CHARS = 500


class QuestionRefused(ValueError):
    """The question cannot be sent; the message says why, in words for the member."""


def clean_question(text: str) -> str:
    """The question as it will be kept, or QuestionRefused with the reason."""
    cleaned = text.strip()
    if not cleaned:
        raise QuestionRefused("Please write your question: it is empty.")
    length = count_characters(cleaned)
    if length > MAX_QUESTION_CHARS:
        raise QuestionRefused(
            f"Your question is {length:,} characters long; the limit is "
            f"{MAX_QUESTION_CHARS:,}. Please shorten it, or send the main point and "
            "offer to share the rest with the coordinator."
        )
    return cleaned
