"""The Azure Functions app: create it and register the blueprints; nothing else."""

import azure.functions as func

from triggers import (
    admin,
    agent,
    console,
    docs,
    files,
    health,
    maintenance,
    pipeline,
    supervisor,
    wechat,
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
BLUEPRINTS = (health, docs, wechat, admin, agent, supervisor, files, console, pipeline, maintenance)
for blueprint in BLUEPRINTS:
    app.register_functions(blueprint.bp)
