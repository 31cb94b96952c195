"""The ASGI application uvicorn serves (settings from the environment)."""

from dorsum.web.app import create_app

app = create_app()
