"""The title lab's state in the relational store: experiments, arms, batches, decisions, priors.

The lab's logic is the pure core (`redline.titles`); this module loads state, calls it, and
writes the result in one transaction, so a rejected request changes nothing. Every decision
(proposal, halt, horizon, accept, decline, revert) is an appended row with the policy version;
accepting swaps the note's title and reverting swaps it back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timezone

import numpy as np
from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from redline.errors import ConflictError, InputError, NotFoundError
from redline.policy import Policy
from redline.store.base import Base
from redline.store.database import Database
from redline.store.entities import Note
from redline.titles.arms import arm_count
from redline.titles.experiment import Arm, Experiment, evaluate, plan_batch
from redline.titles.generate import generate_variants, screen
from redline.titles.prior import FinishedArm, TitlePrior, fit_prior

OPEN = ("running", "proposed")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class TitleExperiment(Base):
    __tablename__ = "title_experiments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    note_id: Mapped[str] = mapped_column(ForeignKey("notes.id"), index=True)
    original_title: Mapped[str] = mapped_column(Text)
    # running | proposed | halted | finished | accepted | declined | reverted
    status: Mapped[str] = mapped_column(String(16))
    horizon: Mapped[int] = mapped_column(Integer)
    expected_ctr: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(Integer)
    winner_arm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prompt: Mapped[str | None] = mapped_column(Text, nullable=True)
    prior_source: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TitleArm(Base):
    __tablename__ = "title_arms"

    experiment_id: Mapped[str] = mapped_column(ForeignKey("title_experiments.id"), primary_key=True)
    arm: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    prior_lift: Mapped[float] = mapped_column(Float)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    intended: Mapped[float] = mapped_column(Float, default=0.0)


class TitleBatch(Base):
    __tablename__ = "title_batches"

    experiment_id: Mapped[str] = mapped_column(ForeignKey("title_experiments.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    shares: Mapped[list] = mapped_column(JSON)
    counts: Mapped[list] = mapped_column(JSON)
    results: Mapped[list | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TitleDecision(Base):
    __tablename__ = "title_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    experiment_id: Mapped[str] = mapped_column(ForeignKey("title_experiments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # propose | halt | horizon | accept | decline | revert
    arm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    old_title: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_title: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    policy_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TitlePriorModel(Base):
    __tablename__ = "title_priors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    weights: Mapped[dict] = mapped_column(JSON)
    training_arms: Mapped[int] = mapped_column(Integer)
    policy_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TitleLab:
    """The title lab over a database: every method is one transaction."""

    def __init__(self, database: Database, policy: Policy):
        self.db = database
        self.policy = policy

    # -- reading -------------------------------------------------------------------------------

    def _experiment(self, session: Session, experiment_id: str, lock: bool = False) -> TitleExperiment:
        query = select(TitleExperiment).where(TitleExperiment.id == experiment_id)
        if lock:
            query = query.with_for_update()
        experiment = session.scalars(query).first()
        if experiment is None:
            raise NotFoundError(f"没有编号为 {experiment_id} 的标题实验")
        return experiment

    def _arms(self, session: Session, experiment_id: str) -> list[TitleArm]:
        return list(session.scalars(select(TitleArm).where(TitleArm.experiment_id == experiment_id).order_by(TitleArm.arm)))

    def _core(self, experiment: TitleExperiment, arms: Sequence[TitleArm]) -> Experiment:
        return Experiment(
            tuple(Arm(a.title, a.prior_lift, a.impressions, a.clicks, a.intended) for a in arms),
            experiment.horizon,
            experiment.expected_ctr,
        )

    def current_prior(self, session: Session) -> TitlePrior:
        model = session.scalars(select(TitlePriorModel).order_by(TitlePriorModel.id.desc())).first()
        if model is None:
            return TitlePrior.from_policy(self.policy)
        from redline.titles.features import FEATURES

        return TitlePrior(tuple(float(model.weights.get(n, 0.0)) for n in FEATURES), f"fitted:{model.training_arms}", model.training_arms)

    def status(self, experiment_id: str) -> dict:
        with self.db.session() as session:
            experiment = self._experiment(session, experiment_id)
            return self._view(session, experiment)

    def _view(self, session: Session, experiment: TitleExperiment, verdict=None) -> dict:
        arms = self._arms(session, experiment.id)
        if verdict is None:
            verdict = evaluate(self._core(experiment, arms), self.policy, self._rng(experiment, -1))
        decisions = session.scalars(
            select(TitleDecision).where(TitleDecision.experiment_id == experiment.id).order_by(TitleDecision.id)
        )
        return {
            "id": experiment.id,
            "note_id": experiment.note_id,
            "status": experiment.status,
            "original_title": experiment.original_title,
            "horizon": experiment.horizon,
            "served": sum(a.impressions for a in arms),
            "prompt": experiment.prompt,
            "winner_arm": experiment.winner_arm,
            "arms": [
                {
                    "arm": a.arm,
                    "title": a.title,
                    "impressions": a.impressions,
                    "clicks": a.clicks,
                    "ctr": a.clicks / a.impressions if a.impressions else None,
                    "p_best": verdict.p_best[i],
                    "p_beats_original": None if i == 0 else verdict.p_beats_control[i],
                    "prior_lift": a.prior_lift,
                }
                for i, a in enumerate(arms)
            ],
            "srm": {"p_value": verdict.srm.p_value, "mismatch": verdict.srm.mismatch, "checked": verdict.srm.checked},
            "reasons": list(verdict.reasons),
            "decisions": [
                {"kind": d.kind, "arm": d.arm, "old_title": d.old_title, "new_title": d.new_title, "at": d.created_at.isoformat()}
                for d in decisions
            ],
            "prior_source": experiment.prior_source,
            "policy_version": experiment.policy_version,
        }

    def _rng(self, experiment: TitleExperiment, seq: int) -> np.random.Generator:
        return np.random.default_rng([experiment.seed, seq + 1])

    # -- starting ------------------------------------------------------------------------------

    def start(
        self,
        note_id: str,
        variants: Sequence[str] | None = None,
        expected_impressions: int | None = None,
        expected_ctr: float | None = None,
        seed: int = 0,
    ) -> dict:
        """Open an experiment for a stored note: screen and rank variants, pick the arm count."""
        e = self.policy.titles.experiment
        if expected_impressions is not None and expected_impressions <= 0:
            raise InputError(f"预期曝光量必须为正数（收到 {expected_impressions}）")
        if expected_ctr is not None and not 0 < expected_ctr < 1:
            raise InputError(f"预期点击率必须在 0 和 1 之间（收到 {expected_ctr}）")
        horizon = min(expected_impressions or e.horizon_impressions, e.horizon_impressions)
        ctr = expected_ctr or e.default_ctr
        with self.db.session() as session:
            note = session.get(Note, note_id)
            if note is None:
                raise NotFoundError(f"没有编号为 {note_id} 的笔记")
            if not note.title.strip():
                raise InputError(f"笔记 {note_id} 没有标题，无法做标题实验")
            running = session.scalars(
                select(TitleExperiment).where(TitleExperiment.note_id == note_id, TitleExperiment.status.in_(OPEN))
            ).first()
            if running is not None:
                raise ConflictError(f"笔记 {note_id} 已有进行中的标题实验 {running.id}")
            rejected: list = []
            if variants is None:
                generation = generate_variants(note.title, note.body, policy=self.policy, seed=seed)
                candidates = [v.title for v in generation.variants]
                rejected = list(generation.rejected)
            else:
                # Supplied variants are the creator's own: length and compliance are enforced,
                # key terms are not (the creator may rephrase them on purpose).
                kept, rejected = screen(list(variants), note.title, (), self.policy, "llm", self.policy.titles.max_variants)
                candidates = [v.title for v in kept]
            if not candidates:
                raise InputError("没有可测试的新标题（全部未通过筛选）")
            prior = self.current_prior(session)
            arms = arm_count(horizon * ctr, self.policy, available_variants=len(candidates))
            lifts = prior.log_lift(note.title, candidates, self.policy)
            order = prior.pick(note.title, candidates, arms - 1, self.policy)
            experiment = TitleExperiment(
                id=uuid.uuid4().hex[:12],
                note_id=note_id,
                original_title=note.title,
                status="running",
                horizon=horizon,
                expected_ctr=ctr,
                seed=seed,
                prior_source=prior.source,
                policy_version=self.policy.version,
                created_at=_now(),
            )
            session.add(experiment)
            session.flush()
            session.add(TitleArm(experiment_id=experiment.id, arm=0, title=note.title, prior_lift=0.0, impressions=0, clicks=0, intended=0.0))
            for position, index in enumerate(order, start=1):
                session.add(
                    TitleArm(experiment_id=experiment.id, arm=position, title=candidates[index], prior_lift=float(lifts[index]), impressions=0, clicks=0, intended=0.0)
                )
            session.flush()
            view = self._view(session, experiment)
            view["candidates"] = len(candidates)
            view["rejected"] = [{"title": r.title, "rules": list(r.rules), "reason": r.reason} for r in rejected]
            return view

    # -- running -------------------------------------------------------------------------------

    def serve(self, experiment_id: str, size: int | None = None) -> dict:
        """Plan the next batch: how many impressions each title gets."""
        if size is not None and size <= 0:
            raise InputError(f"批次大小必须为正数（收到 {size}）")
        with self.db.session() as session:
            experiment = self._experiment(session, experiment_id, lock=True)
            if experiment.status != "running":
                raise ConflictError(f"实验 {experiment_id} 的状态是 {experiment.status}，不再分配流量")
            open_batch = session.scalars(
                select(TitleBatch).where(TitleBatch.experiment_id == experiment_id, TitleBatch.recorded_at.is_(None))
            ).first()
            if open_batch is not None:
                raise ConflictError(f"第 {open_batch.seq} 批尚未记录结果（redline titles record）")
            arms = self._arms(session, experiment_id)
            seq = len(list(session.scalars(select(TitleBatch.seq).where(TitleBatch.experiment_id == experiment_id))))
            # Never plan past the horizon: the last batch is whatever traffic the test has left.
            left = experiment.horizon - sum(a.impressions for a in arms)
            size = max(1, min(size or self.policy.titles.experiment.batch_impressions, left))
            plan = plan_batch(self._core(experiment, arms), self.policy, self._rng(experiment, seq), size)
            for arm, count in zip(arms, plan.counts):
                arm.intended += count
            session.add(
                TitleBatch(
                    experiment_id=experiment_id, seq=seq, size=sum(plan.counts), shares=list(plan.shares),
                    counts=list(plan.counts), created_at=_now(),
                )
            )
            return {
                "experiment": experiment_id,
                "batch": seq,
                "arms": [
                    {"arm": a.arm, "title": a.title, "share": s, "impressions": c}
                    for a, s, c in zip(arms, plan.shares, plan.counts)
                ],
            }

    def record(self, experiment_id: str, results: dict[int, tuple[int, int]]) -> dict:
        """Record the open batch's impressions and clicks per arm, then judge the experiment."""
        with self.db.session() as session:
            experiment = self._experiment(session, experiment_id, lock=True)
            if experiment.status != "running":
                raise ConflictError(f"实验 {experiment_id} 的状态是 {experiment.status}，不再记录结果")
            batch = session.scalars(
                select(TitleBatch).where(TitleBatch.experiment_id == experiment_id, TitleBatch.recorded_at.is_(None))
            ).first()
            if batch is None:
                raise ConflictError("没有待记录的批次：先用 redline titles serve 分配流量")
            arms = self._arms(session, experiment_id)
            known = {a.arm for a in arms}
            for arm_index, (impressions, clicks) in results.items():
                if arm_index not in known:
                    raise InputError(f"实验 {experiment_id} 没有第 {arm_index} 组（共 {len(arms)} 组）")
                if impressions < 0 or clicks < 0:
                    raise InputError(f"第 {arm_index} 组的曝光和点击不能为负数")
                if clicks > impressions:
                    raise InputError(f"第 {arm_index} 组的点击数 {clicks} 大于曝光数 {impressions}")
            for arm in arms:
                impressions, clicks = results.get(arm.arm, (0, 0))
                arm.impressions += impressions
                arm.clicks += clicks
            batch.results = [list(results.get(a.arm, (0, 0))) for a in arms]
            batch.recorded_at = _now()
            session.flush()
            verdict = evaluate(self._core(experiment, arms), self.policy, self._rng(experiment, batch.seq))
            if verdict.status == "halted":
                experiment.status = "halted"
                experiment.closed_at = _now()
                self._decide(session, experiment, "halt", None, None, None, {"reason": verdict.reasons[0], "srm_p": verdict.srm.p_value})
            elif verdict.status == "winner":
                experiment.status = "proposed"
                experiment.winner_arm = verdict.winner
                experiment.prompt = verdict.prompt
                self._decide(session, experiment, "propose", verdict.winner, experiment.original_title, arms[verdict.winner].title,
                             {"prompt": verdict.prompt, "p_beats_original": verdict.p_beats_control[verdict.winner], "reason": verdict.reasons[0]})
            elif verdict.status == "horizon":
                experiment.status = "finished"
                experiment.closed_at = _now()
                self._decide(session, experiment, "horizon", None, None, None, {"reason": verdict.reasons[0]})
            return self._view(session, experiment, verdict)

    def _decide(self, session: Session, experiment: TitleExperiment, kind: str, arm, old, new, details: dict) -> None:
        session.add(
            TitleDecision(
                experiment_id=experiment.id, kind=kind, arm=arm, old_title=old, new_title=new, details=details,
                policy_version=self.policy.version, created_at=_now(),
            )
        )

    # -- the creator's answer --------------------------------------------------------------------

    def accept(self, experiment_id: str) -> dict:
        """Swap the note's title to the proposed winner (recorded; `revert` undoes it)."""
        with self.db.session() as session:
            experiment = self._experiment(session, experiment_id, lock=True)
            if experiment.status != "proposed" or experiment.winner_arm is None:
                raise ConflictError(f"实验 {experiment_id} 的状态是 {experiment.status}，没有待确认的替换建议")
            note = session.get(Note, experiment.note_id)
            if note is None:
                raise NotFoundError(f"笔记 {experiment.note_id} 已不存在")
            winner = self._arms(session, experiment_id)[experiment.winner_arm]
            if note.title != experiment.original_title:
                raise ConflictError(
                    f"笔记标题已被改为「{note.title}」，不再是实验的原标题「{experiment.original_title}」，不能替换；请拒绝本次建议"
                )
            old = note.title
            note.title = winner.title
            experiment.status = "accepted"
            experiment.closed_at = _now()
            self._decide(session, experiment, "accept", winner.arm, old, winner.title, {"prompt": experiment.prompt})
            return self._view(session, experiment)

    def decline(self, experiment_id: str) -> dict:
        """Keep the original title and close the experiment."""
        with self.db.session() as session:
            experiment = self._experiment(session, experiment_id, lock=True)
            if experiment.status not in OPEN:
                raise ConflictError(f"实验 {experiment_id} 的状态是 {experiment.status}，已经结束")
            experiment.status = "declined"
            experiment.closed_at = _now()
            self._decide(session, experiment, "decline", experiment.winner_arm, None, None, {"prompt": experiment.prompt})
            return self._view(session, experiment)

    def revert(self, experiment_id: str) -> dict:
        """Undo an accepted swap: the note gets its original title back (also recorded)."""
        with self.db.session() as session:
            experiment = self._experiment(session, experiment_id, lock=True)
            if experiment.status != "accepted":
                raise ConflictError(f"实验 {experiment_id} 的状态是 {experiment.status}，没有可撤销的替换")
            note = session.get(Note, experiment.note_id)
            if note is None:
                raise NotFoundError(f"笔记 {experiment.note_id} 已不存在")
            accepted = self._arms(session, experiment_id)[experiment.winner_arm].title
            if note.title != accepted:
                raise ConflictError(f"笔记标题已被改为「{note.title}」，不再是实验替换的标题，不能自动撤销")
            note.title = experiment.original_title
            experiment.status = "reverted"
            self._decide(session, experiment, "revert", experiment.winner_arm, accepted, experiment.original_title, {})
            return self._view(session, experiment)

    # -- learning ----------------------------------------------------------------------------------

    def fit_prior(self) -> dict:
        """Refit the prior on every closed experiment's arms; stored and used from now on."""
        with self.db.session() as session:
            closed = list(session.scalars(select(TitleExperiment).where(TitleExperiment.status.notin_(OPEN))))
            training: list[FinishedArm] = []
            for experiment in closed:
                arms = self._arms(session, experiment.id)
                control = arms[0]
                training += [
                    FinishedArm(a.title, control.title, a.impressions, a.clicks, control.impressions, control.clicks)
                    for a in arms[1:]
                    if a.impressions > 0 and control.impressions > 0
                ]
            prior = fit_prior(training, self.policy)
            if prior.source == "policy":
                return {"fitted": False, "training_arms": len(training), "weights": prior.as_dict(),
                        "message": f"已结束实验中的可用分组只有 {len(training)} 个（至少需要 {self.policy.titles.prior.min_training_arms} 个），继续使用策略中的先验。"}
            session.add(TitlePriorModel(weights=prior.as_dict(), training_arms=prior.training_arms, policy_version=self.policy.version, created_at=_now()))
            return {"fitted": True, "training_arms": prior.training_arms, "weights": prior.as_dict()}
