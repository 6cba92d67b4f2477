"""conan.tools.gnu (stub; see conan/__init__.py)."""


class PkgConfigDeps:
    def __init__(self, conanfile):
        self._conanfile = conanfile
        self.properties = {}

    def set_property(self, dep, prop, value):
        self.properties[(dep, prop)] = value

    def generate(self):
        self._conanfile.recorded["generated"].append(("PkgConfigDeps", self))
