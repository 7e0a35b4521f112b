"""The web console: server-rendered pages for the work that is not a map (issue 16).

Why Jinja2 and htmx: the pages are forms and tables over the graph, rendered where the
caller's identity already is (the gateway), so they need no client framework and work
without script. Jinja2 (already installed with folium, pinned here) escapes every value by
default (`autoescape=True`); htmx 2 (vendored, `static/console/htmx.min.js`, 0BSD) only
upgrades links and forms to in-page swaps (`hx-boost`), with `allowEval` off under the
gateway's CSP. Every read and write goes through the graph as the signed-in caller
(`gateway.console.graph`), so the subgraphs check role and scope exactly as for GraphQL
clients; the console decides only which forms to show (`gateway.console.permissions`).

Layout: `page.py` (the one chokepoint: sign-in, language, CSRF on every POST),
`graph.py` (reads and writes, typed errors by field), `templating.py` (Jinja2),
`labels/` (zh-CN first, English), `pages/` (one module per page family, each with its
`ROUTES`), `templates/` (one folder per page family), `routes.py` (all routes).
"""
