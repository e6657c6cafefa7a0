"""Policy: profiles (data files) turn an assessment into a decision."""

from proscribe.policy.decide import PolicyOutcome, decide
from proscribe.policy.history import AccountHistory, LinkedAccount, Standing
from proscribe.policy.profile import SHIPPED, Profile, load

__all__ = ["SHIPPED", "AccountHistory", "LinkedAccount", "PolicyOutcome", "Profile", "Standing", "decide", "load"]
