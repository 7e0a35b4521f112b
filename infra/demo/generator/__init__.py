"""The demo generator's stages, one module per thing it makes (see infra/demo/generate.py)."""
