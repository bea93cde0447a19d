"""Observable state objects, one per feature; their methods are the user's actions.

Views read these objects and call their methods; nothing here draws a widget. Blocking
service calls run in worker threads, and callbacks from service threads hop back onto
the session's event loop through `UiDispatcher` before they touch observable fields.
"""

from app.state.dispatch import UiDispatcher
from app.state.loyalty import LoyaltyState
from app.state.orders import OrdersState
from app.state.returns import ReturnsState
from app.state.session import SessionState
from app.state.sync_status import SyncStatusState

__all__ = ["LoyaltyState", "OrdersState", "ReturnsState", "SessionState", "SyncStatusState", "UiDispatcher"]
