"""The clinic web application: server-rendered pages (Jinja2 and htmx) and a JSON API, both
thin layers over `dorsum.services`."""
