"""Compiling, laying out and framing captured statements for one dialect."""
