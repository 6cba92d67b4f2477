"""conan.tools.build (stub; see conan/__init__.py)."""


def check_min_cppstd(conanfile, cppstd, gnu_extensions=False):
    conanfile.recorded["checks"].append(("check_min_cppstd", str(cppstd)))


def can_run(conanfile):
    return True
