"""Every model module, imported so that Base.metadata knows every table."""

from models import foundation  # noqa: F401
from models.base import Base

# Feature models: one import per line.
# (features add their `from models import <module>  # noqa: F401` line here)
from models import audit  # noqa: F401
from models import home  # noqa: F401
from models import questions  # noqa: F401
from models import meetings  # noqa: F401
from models import elections  # noqa: F401

__all__ = ["Base"]
