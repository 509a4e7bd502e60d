"""elbtls."""
