"""Function entry points: one Blueprint per surface, each a thin adapter over ``shared``.

The blueprints that use services import ``runtime``, which loads and checks the settings, so
the host fails at start-up, naming the bad setting, before any function is indexed. The
OpenAPI document (``openapi``) is host-free and needs no settings.
"""
