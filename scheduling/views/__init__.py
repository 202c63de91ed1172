"""Booking, diary and availability pages: one blueprint, its routes in one module per page group."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("scheduling", __name__)
