"""Village console: the read model of every incident's history, one timeline per viewer."""
