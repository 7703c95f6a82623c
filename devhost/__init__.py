"""Development tools: Azurite for storage and a local stand-in for the Azure Functions host.

``python -m devhost`` serves ``function_app.py`` (the Python v2 programming model) by reading
its ``FunctionApp``, where Core Tools cannot be installed. It imitates the host where the
app's behaviour depends on it (routes, the front end's X-Forwarded-For and body limit, queue
delivery and poison handling, timers, settings) and says so in each module. Production runs on
the real host; nothing in ``shared/`` or ``triggers/`` may import from here.
"""
