"""The rights area's services: disputes, holds and the facts the timeline tells. They flush, never commit."""
