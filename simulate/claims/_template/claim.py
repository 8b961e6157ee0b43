"""A claim to copy: the statement, the sizes per profile, the judged rules and the negative controls.

Copy this folder to ``simulate/claims/<your_claim_id>/`` (underscores for the id's dashes), change ``id`` and
``order`` below, and it runs as it is: ``heavytail rates --claim <your-claim-id> --profile quick``. Then replace
the statement, the profile's sizes, the rows ``experiment.py`` measures and the rules that judge them. (A folder
whose name starts with ``_`` is never discovered, so this one is not a claim of the suite.)
"""

from dataclasses import dataclass

from simulate.claims.common import read_notes
from theory import mean_square
from theory.declarations import Claim, Control, Predicts, exponent_rule
from theory.sizing import Sizing
from theory.verdicts import Judged


@dataclass(frozen=True)
class TemplateProfile:
    """Sizes per profile: ``trials`` independent runs, each averaging up to ``n_max`` samples (checkpoints at
    log-spaced n)."""

    trials: int
    n_max: int


CLAIM = Claim(
    id="template-claim",  # yours: unique, the folder's name with "-" for "_"
    order=900,  # the claim's place in a run, REPORT.md and rates.csv
    category="mechanisms and laws (synthetic)",
    title="The Monte-Carlo mean of Gaussian samples converges like n^(-1/2)",
    statement="The mean of n independent N(0, 1) samples is N(0, 1/n): its typical error, the median of |mean_n|, "
    "is 0.674 n^(-1/2), exponent -1/2 in n.",
    # The default profile is the full size, run in one go: this claim's samples are not engine configurations, so
    # it cannot run in the sequential design's looks (theory/sizing.py says what each choice means)
    sizing=Sizing(reason="numpy samples, not engine configurations: no looks to stop early"),
    profiles={"quick": TemplateProfile(trials=2000, n_max=10**4), "full": TemplateProfile(trials=2000, n_max=10**5)},
    measures="median_abs_error = the median over the trials of |mean_n| at log-spaced n; its exponent is fitted "
    "over the last two decades of n (theory.fitting.fit_exponent), with a 95% bootstrap CI over the trials.",
    # every number a row is compared against is a prediction declared here (a function of theory/ of the row's own
    # columns), filled in when experiment.py builds the row; an experiment never writes one
    predictions=(Predicts("theory_exponent", mean_square.clt_exponent, (), "median_abs_error"),),
    # each judged row has a declared rule whose tolerance has a reason fixed before any run (never taken from the
    # outcome): here the suite's exponent convention, |fitted - theory| <= 0.05, inconclusive when the CI cannot decide
    judged=(Judged("median_abs_error", exponent_rule()),),
    # a negative control is a wrong set-up the claim's own rules must fail (experiment.py implements it)
    controls=(Control("pareto-as-gaussian", "symmetric Pareto samples of tail 1.2 presented as Gaussian ones"),),
    notes=read_notes(__file__),
)
