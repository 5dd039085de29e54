"""Negotiation protocols: small registered strategies, one per module."""
