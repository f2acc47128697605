"""Generation: running a revision range for each dialect and collecting the results."""
