"""mutualaid: neighborhood mutual aid on the web and by SMS.

``flask --app mutualaid`` finds :func:`create_app` here; the factory itself is
``mutualaid.app.create_app``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from mutualaid.settings import Settings

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | Settings | None = None) -> Flask:
    """Build the app (see ``mutualaid.app.create_app``)."""
    # Imported here, not at the top: this package's __init__ runs before any of its
    # modules, so a top-level import would load the whole app for `import mutualaid.models`.
    from mutualaid.app import create_app as factory

    return factory(config)
