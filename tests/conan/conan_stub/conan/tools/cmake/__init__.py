"""conan.tools.cmake (stub; see conan/__init__.py)."""


class CMakeToolchain:
    def __init__(self, conanfile, generator=None):
        self._conanfile = conanfile
        self.variables = {}
        self.cache_variables = {}
        self.preprocessor_definitions = {}

    def generate(self):
        self._conanfile.recorded["generated"].append(("CMakeToolchain", self))


class CMakeDeps:
    def __init__(self, conanfile):
        self._conanfile = conanfile
        self.properties = {}

    def set_property(self, dep, prop, value, build_context=False):
        self.properties[(dep, prop)] = value

    def generate(self):
        self._conanfile.recorded["generated"].append(("CMakeDeps", self))


class CMake:
    def __init__(self, conanfile):
        self._conanfile = conanfile

    def _record(self, *what):
        self._conanfile.recorded["cmake"].append(what)

    def configure(self, variables=None, build_script_folder=None, cli_args=None):
        self._record("configure", variables, build_script_folder)

    def build(self, build_type=None, target=None, cli_args=None, build_tool_args=None):
        self._record("build", target)

    def install(self, build_type=None, component=None, cli_args=None):
        self._record("install", component)

    def test(self, build_type=None, target=None, cli_args=None, build_tool_args=None, env=""):
        self._record("test", target)


def cmake_layout(conanfile, generator=None, src_folder=".", build_folder="build"):
    conanfile.recorded["layout"] = ("cmake_layout", src_folder, build_folder)
