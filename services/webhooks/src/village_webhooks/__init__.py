"""Village webhook dispatcher: signed, retried, filtered deliveries of every Village topic."""
