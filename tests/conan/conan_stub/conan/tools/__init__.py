"""conan.tools (stub; see conan/__init__.py)."""
