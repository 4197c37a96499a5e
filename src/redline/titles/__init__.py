"""The title lab (SPEC R-TTL): write title variants, test them against the original on live
traffic, and ask the creator to switch when one clearly wins. Pure core: no I/O here."""

from redline.titles.arms import arm_count
from redline.titles.experiment import Arm, BatchPlan, Experiment, Verdict, evaluate, plan_batch, swap_prompt
from redline.titles.generate import Generation, Rejected, Variant, generate_variants
from redline.titles.prior import TitlePrior, fit_prior
from redline.titles.srm import SrmResult, srm_check

__all__ = [
    "Arm", "BatchPlan", "Experiment", "Generation", "Rejected", "SrmResult", "TitlePrior", "Variant", "Verdict",
    "arm_count", "evaluate", "fit_prior", "generate_variants", "plan_batch", "srm_check", "swap_prompt",
]
