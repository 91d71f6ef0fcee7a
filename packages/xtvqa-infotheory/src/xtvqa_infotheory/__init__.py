"""xtvqa-infotheory: entropy, mutual information I(Y;V|Q), PMI, image noise and statistics.

The paper's information-theory analysis (eqs. 4-8) with its printed sign errors fixed
(DESIGN.md 5). Depends on torch and numpy only.
"""

from .bootstrap import MeanCI, bootstrap_ci, mean_ci, summarize
from .correlation import Correlation, betainc, correlation, critical_r
from .diffusion import diffusion_alpha_bar, diffusion_coefficients, diffusion_noise
from .entropy import sequence_entropy, token_entropy
from .gaussian import gaussian_noise
from .logprobs import target_logprobs
from .mi import mutual_information, pointwise_mutual_information
from .noise_spec import NoiseSpec, parse_noise

__all__ = [
    "Correlation",
    "MeanCI",
    "NoiseSpec",
    "betainc",
    "bootstrap_ci",
    "correlation",
    "critical_r",
    "diffusion_alpha_bar",
    "diffusion_coefficients",
    "diffusion_noise",
    "gaussian_noise",
    "mean_ci",
    "mutual_information",
    "parse_noise",
    "pointwise_mutual_information",
    "sequence_entropy",
    "summarize",
    "target_logprobs",
    "token_entropy",
]
