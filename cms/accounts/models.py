"""No models: roles are Wagtail groups and permissions (see ``roles.py``).

This module exists because Django sends ``post_migrate`` only to apps with a models
module, and that signal is what sets the roles up on a fresh database.
"""
