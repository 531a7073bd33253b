"""Series across census years: each school's gap year by year under one community model (following the school
across academy conversion through GIAS links), change and slope tests, trusts before and after a school joined,
segregation by year, and the definition breaks every series crossing them must carry."""
from .run import TrendResult, trend

__all__ = ["trend", "TrendResult"]
