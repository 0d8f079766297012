"""Case generators of the hardening suite, one module per kind (see common.py for the case format)."""
