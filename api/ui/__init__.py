"""The review web page, served by the API app itself: ``mount(app)``."""

from api.ui.pages import mount

__all__ = ["mount"]
