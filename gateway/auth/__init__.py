"""Users, passwords and tokens: the gateway's own subgraph (`login`, `refresh`, `viewer`).

Users live in the `auth` schema (role `partygrid_auth`, Alembic history in `migrations/`).
The subgraph is an ASGI app of its own (`app.py`) that the gateway serves in-process;
`gate.py` is what the gateway calls per request: verify the caller's access token and sign
the internal token each subgraph fetch carries.
"""
