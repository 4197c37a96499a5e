"""Text detectors (SPEC R-TXT): diversion, absolute words, regulated claims, values, soft ads,
information increment, sentiment, low-price products. One module per family."""

from redline.checks.engine import Checker, check, check_text, checker_for
from redline.checks.finding import CheckRequest, CheckResult, Finding

__all__ = ["CheckRequest", "CheckResult", "Checker", "Finding", "check", "check_text", "checker_for"]
