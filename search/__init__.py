"""Search: one box in the navigation finds cases and people the user may see."""
