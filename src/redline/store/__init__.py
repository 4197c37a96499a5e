"""Adapters for persistent state: the relational store (SQLAlchemy) and the event lake."""
