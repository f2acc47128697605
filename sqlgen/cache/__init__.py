"""What makes a warm run fast: the step cache, the memo of whole runs, and their keys."""
