"""Tables of AWS and CA/Browser Forum facts, one table per fact, each with its source."""
