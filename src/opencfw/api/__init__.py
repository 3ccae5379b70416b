"""The HTTP face: a thin ASGI application, authentication, and one routes module per API area."""
