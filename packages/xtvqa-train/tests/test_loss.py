"""mvcl_mi_loss against a direct, loop-based computation (paper eqs. 9-10, DESIGN.md 6).

Run: uv run pytest packages/xtvqa-train/tests/test_loss.py -q
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from xtvqa_train import KL_KINDS, VIEWS, LossParts, MVCLSkipWarning, mvcl_mi_loss
from xtvqa_train.loss import KL_PAIRS, token_divergence

B, T, V = 3, 10, 13


def make_batch(seed: int = 0, dtype=torch.float32, lengths=(2, 4, 1)):
    """Random logits; each record's answer sits at a different offset in each view (prompts of
    different lengths), with the same answer ids in the two views that share an answer language."""
    g = torch.Generator().manual_seed(seed)
    logits = {v: torch.randn(B, T, V, generator=g).to(dtype).requires_grad_() for v in VIEWS}
    labels = {v: torch.full((B, T), -100, dtype=torch.long) for v in VIEWS}
    for b, n in enumerate(lengths):
        answer = {lang: torch.randint(0, V, (n,), generator=g) for lang in "st"}
        for view in VIEWS:
            start = int(torch.randint(0, T - n + 1, (1,), generator=g))
            labels[view][b, start : start + n] = answer[view[1]]  # view = (question, answer) language
    return logits, labels


def reference(logits, labels, *, alpha=1.0, beta=1.0, kl="reverse", temperature=1.0,
              cross_ce=True, use_kl=True) -> dict[str, torch.Tensor]:
    """Token by token, record by record, with F.cross_entropy and F.kl_div."""
    out = {}
    for view in VIEWS:
        terms = [
            F.cross_entropy(logits[view][b, i].float()[None], labels[view][b, i][None])
            for b in range(B) for i in range(T) if labels[view][b, i] != -100
        ]
        out[f"ce_{view}"] = torch.stack(terms).mean() if (cross_ce or view in ("ss", "tt")) else torch.tensor(0.0)
    for student, teacher, name in KL_PAIRS:
        terms = []
        for b in range(B):
            pos_s = [i for i in range(T) if labels[student][b, i] != -100]
            pos_t = [i for i in range(T) if labels[teacher][b, i] != -100]
            if len(pos_s) != len(pos_t) or not pos_s:
                continue
            for i, j in zip(pos_s, pos_t, strict=True):
                logp_s = F.log_softmax(logits[student][b, i].float() / temperature, -1)
                logp_t = F.log_softmax(logits[teacher][b, j].detach().float() / temperature, -1)
                if kl == "reverse":  # eq. 9: sum p_s log(p_s / p_t)
                    d = F.kl_div(logp_t, logp_s.exp(), reduction="sum")
                elif kl == "forward":
                    d = F.kl_div(logp_s, logp_t.exp(), reduction="sum")
                else:
                    p_s, p_t = logp_s.exp(), logp_t.exp()
                    m = (p_s + p_t) / 2
                    d = 0.5 * (p_s * (p_s / m).log()).sum() + 0.5 * (p_t * (p_t / m).log()).sum()
                terms.append(d * temperature**2)
        out[name] = torch.stack(terms).mean() if (use_kl and terms) else torch.tensor(0.0)
    out["total"] = sum(out[f"ce_{v}"] for v in VIEWS) + alpha * out["kl_st_tt"] + beta * out["kl_ts_ss"]
    return out


def assert_parts_close(parts: LossParts, ref: dict[str, torch.Tensor], atol=1e-5) -> None:
    for name in LossParts.names():
        got = getattr(parts, name)
        assert got.dtype == torch.float32 and got.dim() == 0, name
        assert torch.allclose(got.detach(), ref[name].detach().float(), atol=atol), (name, got, ref[name])


@pytest.mark.parametrize("kl", KL_KINDS)
def test_every_part_matches_direct_computation(kl):
    logits, labels = make_batch(seed=1)
    parts = mvcl_mi_loss(logits, labels, kl=kl, alpha=0.3, beta=2.0)
    assert_parts_close(parts, reference(logits, labels, kl=kl, alpha=0.3, beta=2.0))
    assert parts.kl_st_tt > 0 and parts.kl_ts_ss > 0


@pytest.mark.parametrize(("cross_ce", "use_kl"), [(False, True), (True, False), (False, False)])
def test_ablations_drop_their_terms(cross_ce, use_kl):
    logits, labels = make_batch(seed=2)
    parts = mvcl_mi_loss(logits, labels, cross_ce=cross_ce, use_kl=use_kl)
    assert_parts_close(parts, reference(logits, labels, cross_ce=cross_ce, use_kl=use_kl))
    full = mvcl_mi_loss(logits, labels)
    if not cross_ce:
        assert parts.ce_ts == 0 and parts.ce_st == 0 and full.ce_ts > 0
    if not use_kl:
        assert parts.kl_st_tt == 0 and parts.kl_ts_ss == 0
    expected = parts.ce_ss + parts.ce_tt + parts.ce_ts + parts.ce_st + parts.kl_st_tt + parts.kl_ts_ss
    assert torch.allclose(parts.total, expected)


@pytest.mark.parametrize("kl", KL_KINDS)
def test_temperature_softens_both_and_scales_by_t_squared(kl):
    logits, labels = make_batch(seed=3)
    parts = mvcl_mi_loss(logits, labels, kl=kl, temperature=2.5)
    assert_parts_close(parts, reference(logits, labels, kl=kl, temperature=2.5))
    # the CE terms never see the temperature
    plain = mvcl_mi_loss(logits, labels, kl=kl)
    assert torch.allclose(parts.ce_st, plain.ce_st)
    assert not torch.allclose(parts.kl_st_tt, plain.kl_st_tt)


def test_gradients_match_direct_computation():
    logits, labels = make_batch(seed=4)
    mvcl_mi_loss(logits, labels, alpha=0.7, beta=1.3).total.backward()
    ours = {v: logits[v].grad.clone() for v in VIEWS}
    for v in VIEWS:
        logits[v].grad = None
    reference(logits, labels, alpha=0.7, beta=1.3)["total"].backward()
    for v in VIEWS:
        assert torch.allclose(ours[v], logits[v].grad, atol=1e-6), v


def test_teacher_gets_no_gradient_from_the_kl():
    logits, labels = make_batch(seed=5)
    parts = mvcl_mi_loss(logits, labels)
    (parts.kl_st_tt + parts.kl_ts_ss).backward()
    for teacher in ("tt", "ss"):
        assert logits[teacher].grad is None or not logits[teacher].grad.any()
    for student in ("st", "ts"):
        assert logits[student].grad is not None and logits[student].grad.abs().sum() > 0


@pytest.mark.parametrize("kl", KL_KINDS)
def test_identical_student_and_teacher_give_zero_kl(kl):
    logits, labels = make_batch(seed=6)
    logits["st"], labels["st"] = logits["tt"], labels["tt"]
    logits["ts"], labels["ts"] = logits["ss"], labels["ss"]
    parts = mvcl_mi_loss(logits, labels, kl=kl)
    values = parts.to_floats()
    assert abs(values["kl_st_tt"]) < 1e-6 and abs(values["kl_ts_ss"]) < 1e-6


def test_jsd_is_symmetric_and_bounded_by_log_2():
    g = torch.Generator().manual_seed(7)
    a, b = torch.randn(50, V, generator=g) * 8, torch.randn(50, V, generator=g) * 8
    ab, ba = token_divergence(a, b, "jsd"), token_divergence(b, a, "jsd")
    assert torch.allclose(ab, ba, atol=1e-6)
    assert (ab >= -1e-7).all() and (ab <= math.log(2) + 1e-6).all()
    # disjoint one-hot-like distributions reach log 2
    far = token_divergence(torch.tensor([[60.0, 0.0]]), torch.tensor([[0.0, 60.0]]), "jsd")
    assert abs(float(far) - math.log(2)) < 1e-5
    # reverse and forward are the two argument orders of one KL
    assert torch.allclose(token_divergence(a, b, "reverse"), token_divergence(b, a, "forward"))


def test_bf16_inputs_computed_in_float32():
    logits, labels = make_batch(seed=8, dtype=torch.bfloat16)
    parts = mvcl_mi_loss(logits, labels)
    as_f32 = {v: logits[v].detach().float() for v in VIEWS}
    assert_parts_close(parts, reference(as_f32, labels), atol=1e-5)
    parts.total.backward()
    assert logits["st"].grad.dtype == torch.bfloat16


def test_truncated_view_skips_that_record_with_a_warning():
    logits, labels = make_batch(seed=9)
    # record 1: the st view's answer was cut to 2 of its 4 tokens (as max_length truncation does)
    positions = torch.nonzero(labels["st"][1] != -100).flatten()
    labels["st"][1, positions[2:]] = -100
    with pytest.warns(MVCLSkipWarning, match="kl_st_tt: skipped 1 of 3"):
        parts = mvcl_mi_loss(logits, labels)
    assert all(math.isfinite(v) for v in parts.to_floats().values())
    assert_parts_close(parts, reference(logits, labels))  # the reference also drops record 1
    # the other pair is untouched
    assert torch.allclose(parts.kl_ts_ss, mvcl_mi_loss(*make_batch(seed=9)).kl_ts_ss)


def test_misaligned_answer_ids_are_skipped_with_a_warning():
    logits, labels = make_batch(seed=10)
    first = torch.nonzero(labels["ts"][0] != -100).flatten()[0]
    labels["ts"][0, first] = (labels["ts"][0, first] + 1) % V  # same count, different answer
    with pytest.warns(MVCLSkipWarning, match="kl_ts_ss: skipped 1 of 3"):
        parts = mvcl_mi_loss(logits, labels)
    assert math.isfinite(parts.to_floats()["kl_ts_ss"])


def test_batch_without_answer_tokens_gives_zero_not_nan():
    logits, _ = make_batch(seed=11)
    labels = {v: torch.full((B, T), -100) for v in VIEWS}
    with pytest.warns(MVCLSkipWarning, match="no answer tokens"):
        parts = mvcl_mi_loss(logits, labels)
    assert all(v == 0.0 for v in parts.to_floats().values())
    parts.total.backward()  # still part of the graph: backward (and DDP's hooks) run
    assert not logits["st"].grad.any()


def test_every_kl_pair_skipped_gives_zero_kl():
    logits, labels = make_batch(seed=12)
    labels["tt"][:] = -100
    with pytest.warns(MVCLSkipWarning):
        parts = mvcl_mi_loss(logits, labels)
    assert parts.kl_st_tt == 0 and math.isfinite(parts.to_floats()["total"])
    assert parts.ce_ts > 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"kl": "kld"}, "kl must be one of"), ({"alpha": -1.0}, "alpha"), ({"beta": float("nan")}, "beta"),
     ({"temperature": 0.0}, "temperature")],
)
def test_bad_options_raise(kwargs, match):
    logits, labels = make_batch()
    with pytest.raises(ValueError, match=match):
        mvcl_mi_loss(logits, labels, **kwargs)


def test_bad_shapes_raise():
    logits, labels = make_batch()
    with pytest.raises(KeyError, match="'tt'"):
        mvcl_mi_loss({k: v for k, v in logits.items() if k != "tt"}, labels)
    labels["st"] = labels["st"][:, :-1]
    with pytest.raises(ValueError, match="view 'st'"):
        mvcl_mi_loss(logits, labels)
