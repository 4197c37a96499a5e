"""The ledger core (SPEC R-LED): deductions, sanctions, recovery, review rules — pure functions.

Storage lives in `redline.store.ledger` and `redline.store.review`; `redline.ledger.deductions`
is the bridge the health index calls.
"""

from redline.ledger.entries import Entry, as_utc
from redline.ledger.points import ActiveDeduction, Standing, standing
from redline.ledger.sanctions import CooperationNote, Sanction, sanction_history, sanctions_in_force

__all__ = [
    "ActiveDeduction",
    "CooperationNote",
    "Entry",
    "Sanction",
    "Standing",
    "as_utc",
    "sanction_history",
    "sanctions_in_force",
    "standing",
]
