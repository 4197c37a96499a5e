"""Help-desk settings (SPEC R-HLP)."""

from redline.policy.sections.base import Section


class HelpdeskPolicy(Section):
    pass
