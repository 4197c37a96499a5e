"""The help desk (SPEC R-HLP): answers from shipped articles with numbers from the policy, a
clarifying question when a term has several senses, a polite refusal when nothing covers it."""

from redline.helpdesk.desk import Answer, Clarify, Option, ask
from redline.helpdesk.knowledge import load_knowledge

__all__ = ["Answer", "Clarify", "Option", "ask", "load_knowledge"]
