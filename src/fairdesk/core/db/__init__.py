"""fairdesk's database backends: Django's own, with what fairdesk changes in them."""
