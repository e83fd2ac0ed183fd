"""Village knowledge service: articles, search, suggestions, links and knowledge transfer."""
