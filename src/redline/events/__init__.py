"""Engagement events: their schema and validation (pure; the lake that stores them is
`redline.store.lake`)."""

from redline.events.schema import EVENT_SCHEMA, EVENT_TYPES, EventBatch, parse_event

__all__ = ["EVENT_SCHEMA", "EVENT_TYPES", "EventBatch", "parse_event"]
