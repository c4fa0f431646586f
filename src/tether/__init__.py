"""Tether: onboard many AWS accounts and keep a live inventory of them."""

__version__ = "0.1.0"
