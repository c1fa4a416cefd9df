"""SQL helpers shared by the dashboards."""
from sqlalchemy import case, func


def count_if(condition):
    """A column counting the rows that meet ``condition`` (0, never NULL, when none do)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
