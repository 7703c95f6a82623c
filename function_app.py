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
    wechat,
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
for blueprint in (health, docs, wechat, admin, agent, files, console, pipeline, maintenance):
    app.register_functions(blueprint.bp)
