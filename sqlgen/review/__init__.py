"""The change-ticket review: REVIEW.md and a self-contained REVIEW.html from captured runs.

review = build_review(spec, start, end, upgrade_runs, downgrade_runs, findings,
                      checksums, generator)
to_markdown(review); to_html(review, scripts)
"""

from sqlgen.review.html import to_html
from sqlgen.review.markdown import to_markdown
from sqlgen.review.model import FindingLike, Review, build_review
from sqlgen.review.rows import SECTIONS, section_id

__all__ = [
    "SECTIONS",
    "FindingLike",
    "Review",
    "build_review",
    "section_id",
    "to_html",
    "to_markdown",
]
