"""The MVCL-MI objective (paper eqs. 9-10, read as DESIGN.md section 6): a pure function.

Four views of one record, named (question language, answer language) with s = the image's
language and t = another one: `ss`, `ts`, `st`, `tt`.

    L = CE_ss + CE_ts + CE_st + CE_tt + alpha * KL(P_st || P_tt) + beta * KL(P_ts || P_ss)

Each KL pairs two views that share the answer text (so their answer tokens align one to one) and
differ in the question language; the second argument, whose question language matches its
answer language, is the teacher ("monolingual output logits serve as a teacher", eq. 9) and is
detached. Eq. 9 is `sum_w p_student log(p_student / p_teacher)` per answer position: in
distillation terms the *reverse* KL (student first), our default; `forward` is
KL(P_teacher || P_student) and `jsd` the Jensen-Shannon divergence, the teacher detached in all
three.

Temperature T divides both views' logits before the KL, and the KL term is multiplied by T**2
(Hinton et al. 2015, "Distilling the knowledge in a neural network", section 2): the gradient of
a softened KL shrinks like 1/T**2, so the scaling keeps alpha and beta meaning the same weight
against the (unsoftened) CE terms whatever T is. At T = 1 nothing changes. The reported KL parts
are these scaled terms.

Memory: only the answer rows are gathered ([N_answer, V], in the input dtype) before the upcast
to float32; the whole [B, T, V] tensor is never copied in float32.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F

from xtvqa_train.options import KL_KINDS, VIEWS, check_loss_options

IGNORE_INDEX = -100
# (student, teacher, LossParts field): eq. 10's two KL terms.
KL_PAIRS: tuple[tuple[str, str, str], ...] = (("st", "tt", "kl_st_tt"), ("ts", "ss", "kl_ts_ss"))


class MVCLSkipWarning(UserWarning):
    """Some answer tokens could not be used (no answer tokens, or a KL pair that does not align)."""


@dataclass(frozen=True)
class LossParts:
    """Every term of eq. 10 as a 0-d float32 tensor; a term an ablation drops is a zero tensor."""

    total: torch.Tensor
    ce_ss: torch.Tensor
    ce_ts: torch.Tensor
    ce_st: torch.Tensor
    ce_tt: torch.Tensor
    kl_st_tt: torch.Tensor
    kl_ts_ss: torch.Tensor

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def to_floats(self) -> dict[str, float]:
        """The detached values, e.g. for logging."""
        return {name: float(getattr(self, name).detach()) for name in self.names()}


def token_divergence(student: torch.Tensor, teacher: torch.Tensor, kind: str) -> torch.Tensor:
    """Per-row divergence between two [N, V] float32 logit tensors -> [N] (nats).

    `reverse`: KL(P_student || P_teacher) (eq. 9); `forward`: KL(P_teacher || P_student);
    `jsd`: 0.5 KL(P_s || M) + 0.5 KL(P_t || M) with M = (P_s + P_t) / 2. The caller detaches
    the teacher.
    """
    logp_s = F.log_softmax(student, dim=-1)
    logp_t = F.log_softmax(teacher, dim=-1)
    # F.kl_div(input, target, log_target=True) = sum target_prob * (target_log - input)
    if kind == "reverse":
        return F.kl_div(logp_t, logp_s, reduction="none", log_target=True).sum(-1)
    if kind == "forward":
        return F.kl_div(logp_s, logp_t, reduction="none", log_target=True).sum(-1)
    if kind == "jsd":
        log_m = torch.logsumexp(torch.stack([logp_s, logp_t]), dim=0) - math.log(2.0)
        kl_s = F.kl_div(log_m, logp_s, reduction="none", log_target=True).sum(-1)
        kl_t = F.kl_div(log_m, logp_t, reduction="none", log_target=True).sum(-1)
        return 0.5 * (kl_s + kl_t)
    raise ValueError(f"kl must be one of {', '.join(KL_KINDS)}; got {kind!r}")


def _check_inputs(logits: Mapping[str, torch.Tensor], labels: Mapping[str, torch.Tensor]) -> None:
    for view in VIEWS:
        if view not in logits or view not in labels:
            raise KeyError(f"mvcl_mi_loss needs logits and labels for every view {VIEWS}; missing {view!r}")
        lg, lb = logits[view], labels[view]
        if lg.dim() != 3 or lb.dim() != 2 or lg.shape[:2] != lb.shape:
            raise ValueError(
                f"view {view!r}: logits must be [B, T, V] and labels [B, T] with the same B and T; "
                f"got {tuple(lg.shape)} and {tuple(lb.shape)}"
            )
    batch = {logits[v].shape[0] for v in VIEWS}
    vocab = {logits[v].shape[2] for v in VIEWS}
    if len(batch) != 1 or len(vocab) != 1:
        raise ValueError(f"every view must have the same batch size and vocabulary; got B={batch}, V={vocab}")


def _answer_rows(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Answer positions only: ([N, V] float32 logits, [N] targets), row-major (record, then position)."""
    mask = labels != IGNORE_INDEX
    return logits[mask].float(), labels[mask]  # gather in the input dtype first, then upcast


def _graph_zero(*tensors: torch.Tensor) -> torch.Tensor:
    """A float32 zero that is still connected to the autograd graph of `tensors` (so backward, and
    DDP's gradient hooks, run even for a batch without answer tokens)."""
    return sum((t.sum() * 0.0 for t in tensors), torch.zeros((), device=tensors[0].device)).float()


def _paired_rows(
    labels_s: torch.Tensor, labels_t: torch.Tensor, name: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Boolean masks [B, T] selecting the answer tokens of the records whose two views align.

    The k-th answer token of the student view pairs with the k-th of the teacher view. A record
    whose views have different answer-token counts (truncation) or different token ids is left
    out with a warning; so is a record with no answer tokens in either view.
    """
    mask_s, mask_t = labels_s != IGNORE_INDEX, labels_t != IGNORE_INDEX
    n_s, n_t = mask_s.sum(1), mask_t.sum(1)
    empty = (n_s == 0) & (n_t == 0)
    ok = (n_s == n_t) & ~empty
    # Same counts: compare the token ids pairwise and count mismatches per record (vectorised).
    sel_s, sel_t = mask_s & ok[:, None], mask_t & ok[:, None]
    mismatch = (labels_s[sel_s] != labels_t[sel_t]).float()
    record = torch.nonzero(sel_s)[:, 0]
    ok &= torch.zeros(len(ok), device=ok.device).index_add_(0, record, mismatch) == 0
    bad = torch.nonzero(~ok).flatten().tolist()
    if bad:
        detail = ", ".join(f"row {b}: {int(n_s[b])} vs {int(n_t[b])} tokens" for b in bad[:8])
        warnings.warn(
            f"MVCL-MI {name}: skipped {len(bad)} of {len(ok)} records whose two views' answers do not "
            f"align (no answer tokens, or different answer token counts or ids, e.g. truncated by "
            f"max_length; {detail})",
            MVCLSkipWarning,
            stacklevel=3,
        )
    return mask_s & ok[:, None], mask_t & ok[:, None]


def mvcl_mi_loss(
    logits: Mapping[str, torch.Tensor],
    labels: Mapping[str, torch.Tensor],
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    kl: str = "reverse",
    temperature: float = 1.0,
    cross_ce: bool = True,
    use_kl: bool = True,
) -> LossParts:
    """The MVCL-MI loss of eq. 10 over one batch of records.

    `logits[v]` is [B, T, V] and `labels[v]` is [B, T] for each view `v` in ("ss", "ts", "st",
    "tt"), already aligned so that `logits[v][b, i]` predicts `labels[v][b, i]` (the caller has
    shifted, as a causal LM's loss does); labels are -100 outside the answer. Row b of every view
    is the same record. Each CE is the mean over the batch's answer tokens of that view. Each KL
    is the mean over the aligned answer tokens of its two views (module docstring).
    `cross_ce=False` drops CE_ts and CE_st (Table 4 "w/o Cross-CE"); `use_kl=False` drops both
    KL terms ("w/o KL-Loss"). Computed in float32 whatever the input dtype.
    """
    check_loss_options(alpha=alpha, beta=beta, kl=kl, temperature=temperature)
    _check_inputs(logits, labels)
    device = logits["ss"].device
    zero = torch.zeros((), device=device, dtype=torch.float32)
    anchor = _graph_zero(*(logits[v] for v in VIEWS))
    parts: dict[str, torch.Tensor] = {}
    ce_views = VIEWS if cross_ce else ("ss", "tt")

    if not any(bool((labels[v] != IGNORE_INDEX).any()) for v in VIEWS):
        warnings.warn(
            "MVCL-MI: the batch has no answer tokens at all (every label is -100): every loss part "
            "is 0; check max_length and the collator",
            MVCLSkipWarning,
            stacklevel=2,
        )
        return LossParts(anchor, *(anchor if n.startswith("ce") else zero for n in LossParts.names()[1:]))

    for view in VIEWS:
        if view not in ce_views:
            parts[f"ce_{view}"] = zero
            continue
        rows, targets = _answer_rows(logits[view], labels[view])
        # [N, V] -> mean over the N answer tokens of this view
        parts[f"ce_{view}"] = F.cross_entropy(rows, targets) if len(targets) else anchor

    for student, teacher, name in KL_PAIRS:
        if not use_kl:
            parts[name] = zero
            continue
        mask_s, mask_t = _paired_rows(labels[student], labels[teacher], name)
        if not mask_s.any():
            parts[name] = anchor
            continue
        # [N_pair, V] each; row k of one is row k of the other (same record, same answer position)
        s_rows = logits[student][mask_s].float() / temperature
        t_rows = logits[teacher][mask_t].detach().float() / temperature
        parts[name] = token_divergence(s_rows, t_rows, kl).mean() * temperature**2

    total = sum((parts[f"ce_{v}"] for v in ce_views), anchor)
    if use_kl:
        total = total + alpha * parts["kl_st_tt"] + beta * parts["kl_ts_ss"]
    return LossParts(total=total, **parts)
