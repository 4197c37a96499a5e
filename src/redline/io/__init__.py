"""Reading user files: text decoding with clear errors, JSON Lines with line numbers."""
