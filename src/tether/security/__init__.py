"""Password and secret hashing, opaque tokens and tenant scoping."""
