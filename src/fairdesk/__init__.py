"""fairdesk: after-sales service, fair by construction."""
