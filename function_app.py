"""The Azure Functions app: create it and register the blueprints; nothing else."""

import azure.functions as func

from triggers import health

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(health.bp)
