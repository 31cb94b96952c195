"""Renderers: each turns an `Assessment` (or `Plan`) into one format and recomputes nothing."""
