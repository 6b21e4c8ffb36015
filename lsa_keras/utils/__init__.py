"""Utilities: atomic file writes, image-input validation and plots."""
