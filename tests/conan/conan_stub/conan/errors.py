"""conan.errors, as far as usd1pay's recipe uses it (stub; see conan/__init__.py)."""


class ConanException(Exception):
    pass


class ConanInvalidConfiguration(ConanException):
    pass
