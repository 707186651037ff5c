"""PKPO and Pass@k Training checked against their papers' defining properties, exactly where the outcome
space can be enumerated (a tiny categorical policy), by Monte Carlo where it cannot."""

import itertools
import math
import random

import pytest
from envsdk_exploration import maxk_estimate, maxk_weights, pass_at_k, passk_advantages, pkpo_rewards

# a 3-outcome categorical policy p = softmax(θ); outcome 0 is the only correct one for pass@k
THETA = [0.3, -0.2, 0.5]
PROBS = [math.exp(t) / sum(math.exp(u) for u in THETA) for t in THETA]


def _enumerate(n, values, k, baseline):
    """Exact E[ρ̂] and E[(1/n) Σ_i s_i ∇_θ log p(x_i)] over all 3^n ordered samples (∇_θ log p(x) = e_x − p)."""
    estimate, grad = 0.0, [0.0] * 3
    for xs in itertools.product(range(3), repeat=n):
        prob = math.prod(PROBS[x] for x in xs)
        f = [values[x] for x in xs]
        estimate += prob * maxk_estimate(f, k)
        s = pkpo_rewards(f, k, baseline)
        for j in range(3):
            grad[j] += prob * sum(si * ((x == j) - PROBS[j]) for si, x in zip(s, xs)) / n
    return estimate, grad


def _maxk_closed_form(values, k):
    """E[max of k iid draws] and its gradient in θ, from F(v)^k over the sorted distinct values."""
    order = sorted(range(3), key=lambda i: values[i])
    value, grad = 0.0, [0.0] * 3
    below = 0.0  # P(X < v)
    for pos, i in enumerate(order):
        upto = below + PROBS[i]
        value += values[i] * (upto**k - below**k)
        for j in range(3):
            # d/dθ_j of P(X ≤ v) and P(X < v): Σ_{m in set} p_m(δ_mj − p_j)
            d_upto = sum(PROBS[m] * ((m == j) - PROBS[j]) for m in order[: pos + 1])
            d_below = sum(PROBS[m] * ((m == j) - PROBS[j]) for m in order[:pos])
            grad[j] += values[i] * k * (upto ** (k - 1) * d_upto - (below ** (k - 1) * d_below if k > 1 else d_below))
        below = upto
    return value, grad


@pytest.mark.parametrize("baseline", ["none", "loo-1"])
@pytest.mark.parametrize("n,k", [(4, 1), (4, 2), (4, 4), (5, 3)])
def test_pkpo_is_unbiased_for_pass_at_k_and_its_gradient_exactly(n, k, baseline):
    p = PROBS[0]
    estimate, grad = _enumerate(n, [1.0, 0.0, 0.0], k, baseline)
    assert estimate == pytest.approx(1 - (1 - p) ** k, abs=1e-12)
    # ∇ (1 − (1−p)^k) = k (1−p)^(k−1) ∇p, ∇_θj p = p (δ_0j − p_j)
    expected = [k * (1 - p) ** (k - 1) * p * ((j == 0) - PROBS[j]) for j in range(3)]
    assert grad == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("baseline", ["none", "loo-1"])
@pytest.mark.parametrize("n,k", [(4, 2), (5, 3)])
def test_pkpo_is_unbiased_for_continuous_max_at_k_and_its_gradient_exactly(n, k, baseline):
    values = [0.2, 0.9, 0.55]
    estimate, grad = _enumerate(n, values, k, baseline)
    value, expected = _maxk_closed_form(values, k)
    assert estimate == pytest.approx(value, abs=1e-12)
    assert grad == pytest.approx(expected, abs=1e-12)


def test_max_at_k_of_uniform_rewards_by_monte_carlo():
    """E[max of k U(0,1)] = k/(k+1); 4000 groups of n=8 put the mean within 4 standard errors."""
    rng, n, k = random.Random(0), 8, 3
    estimates = [maxk_estimate([rng.random() for _ in range(n)], k) for _ in range(4000)]
    mean = sum(estimates) / len(estimates)
    se = math.sqrt(sum((e - mean) ** 2 for e in estimates) / (len(estimates) - 1) / len(estimates))
    assert abs(mean - k / (k + 1)) < 4 * se
    assert se < 0.003


def test_binary_rewards_take_the_paper_closed_form():
    """Correct: k; incorrect: k·ρ(n−1, c, k−1); loo-1 subtracts k·ρ̂_{k−1} of the other n−1."""
    f = [1, 0, 0, 1, 0, 0]
    n, c, k = 6, 2, 3
    plain = pkpo_rewards(f, k, "none")
    assert plain == pytest.approx([k if x else k * pass_at_k(n - 1, c, k - 1) for x in f], abs=1e-12)
    loo = pkpo_rewards(f, k, "loo-1")
    # an incorrect sample's subsets all score what they would without it: 0
    assert loo == pytest.approx([k - k * pass_at_k(5, 1, 2) if x else 0.0 for x in f], abs=1e-12)


def test_weights_sum_to_one_and_k_equal_one_is_the_mean():
    assert sum(maxk_weights(7, 3)) == pytest.approx(1.0, abs=1e-15)
    assert pkpo_rewards([0.1, 0.4, 0.7], 1, "none") == pytest.approx([0.1, 0.4, 0.7])
    assert maxk_estimate([0.1, 0.4, 0.7], 3) == 0.7
    with pytest.raises(ValueError, match="between 1 and the group size 3"):
        pkpo_rewards([0.1, 0.4, 0.7], 4)


def test_big_groups_keep_exact_binomials():
    """n = 512, k = 256: C(512, 256) ≈ 4.7e152 stays an exact integer until the one division."""
    f = [1.0] * 3 + [0.0] * 509
    s = pkpo_rewards(f, 256, "none")
    assert s[0] == pytest.approx(256.0)
    assert s[-1] == pytest.approx(256 * pass_at_k(511, 3, 255), rel=1e-12)


@pytest.mark.parametrize("n,k", [(8, 1), (8, 3), (16, 4), (5, 5)])
@pytest.mark.parametrize("c", [1, 2, 4])
def test_passk_training_advantages_match_their_closed_form(n, k, c):
    correct = [True] * c + [False] * (n - c)
    adv = passk_advantages(correct, k)
    mean = 1 - math.comb(n - c, k) / math.comb(n, k)
    sigma = math.sqrt(mean * (1 - mean))
    if sigma == 0:
        assert adv == [0.0] * n
        return
    assert adv[0] == pytest.approx((1 - mean) / sigma, abs=1e-12)
    if c < n:
        assert adv[-1] == pytest.approx((1 - mean - math.comb(n - c - 1, k - 1) / math.comb(n - 1, k - 1)) / sigma, abs=1e-12)
    assert sum(adv) == pytest.approx(0.0, abs=1e-12)  # the group's advantages are centred
    # the same direction as PKPO's unbaselined rewards minus their mean, scaled by 1/(kσ)
    s = pkpo_rewards([float(x) for x in correct], k, "none")
    centred = [(x - sum(s) / n) / (k * sigma) for x in s]
    assert adv == pytest.approx(centred, abs=1e-12)


def test_passk_training_with_k_one_is_grpo_with_the_population_std():
    correct = [True, False, False, True, True]
    p = 3 / 5
    assert passk_advantages(correct, 1) == pytest.approx([((x - p) / math.sqrt(p * (1 - p))) for x in correct])
    assert passk_advantages([True] * 4, 2) == [0.0] * 4


def _gradient_variance(n, values, k, baseline):
    """E‖ĝ − ∇‖² of the per-group gradient estimate over all 3^n ordered samples."""
    _, mean = _enumerate(n, values, k, baseline)
    total = 0.0
    for xs in itertools.product(range(3), repeat=n):
        prob = math.prod(PROBS[x] for x in xs)
        s = pkpo_rewards([values[x] for x in xs], k, baseline)
        g = [sum(si * ((x == j) - PROBS[j]) for si, x in zip(s, xs)) / n for j in range(3)]
        total += prob * sum((gj - mj) ** 2 for gj, mj in zip(g, mean))
    return total


@pytest.mark.parametrize("values", [[1.0, 0.0, 0.0], [0.2, 0.9, 0.55]])
def test_the_leave_one_out_baseline_lowers_the_gradient_variance(values):
    """The paper's point of the loo-1 variant, exactly on the enumerable policy (n = 5, k = 3)."""
    plain, loo = _gradient_variance(5, values, 3, "none"), _gradient_variance(5, values, 3, "loo-1")
    assert loo < 0.1 * plain  # 0.034 vs 0.464 (binary), 0.019 vs 0.543 (continuous)
