"""A stand-in for the few parts of Conan 2's Python API that usd1pay's recipe
(conan/conanfile.py) and its test_package use, for tests/conan/check_conanfile.py.

Conan cannot be installed on the build machines, so the check imports the
recipe against this package instead. It is not Conan: it records what the
recipe asks for (requirements, generator settings, cpp_info) so the check can
compare that with the CMake build. Only behaviour the recipe relies on is
modelled, and modelled strictly: an option or setting the recipe did not
declare raises, as it does in Conan.
"""
import os

from conan.errors import ConanException, ConanInvalidConfiguration  # noqa: F401

STUB = True


class _Value:
    """An option or setting value: compares with strings and converts to bool
    the way Conan's values do ("False" and "None" are false)."""

    def __init__(self, value):
        self._value = value

    def __str__(self):
        return str(self._value)

    def __repr__(self):
        return repr(self._value)

    def __eq__(self, other):
        return str(self._value) == str(other)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(str(self._value))

    def __bool__(self):
        return str(self._value) not in ("False", "None", "")


class _Options:
    def __init__(self, declared, defaults, overrides):
        object.__setattr__(self, "_declared", dict(declared))
        values = {}
        for key, value in defaults.items():
            if "/" in key or ":" in key:
                continue  # a dependency's option ("pkg/*:opt"), not ours
            if key not in declared:
                raise ConanException(f"default_options: '{key}' is not an option of the recipe")
            values[key] = value
        for key, value in overrides.items():
            if key not in declared:
                raise ConanException(f"option '{key}' does not exist (declared: {sorted(declared)})")
            values[key] = value
        for key, value in values.items():
            allowed = declared[key]
            if allowed != "ANY" and value not in allowed:
                raise ConanException(f"option {key}={value!r} is not one of {allowed}")
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name):
        if name not in self._declared:
            raise ConanException(f"option '{name}' does not exist")
        return _Value(self._values.get(name))

    def __setattr__(self, name, value):
        if name not in self._declared:
            raise ConanException(f"option '{name}' does not exist")
        self._values[name] = value

    def __delattr__(self, name):
        self._declared.pop(name, None)
        self._values.pop(name, None)

    def get_safe(self, name, default=None):
        return _Value(self._values[name]) if name in self._values else default


class _Settings:
    def __init__(self, declared, values):
        self._declared = tuple(declared)
        self._values = dict(values)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        root = name.split(".")[0]
        if root not in self._declared:
            raise ConanException(f"setting '{name}' is not declared by the recipe")
        return _Value(self._values.get(name))

    def get_safe(self, name, default=None):
        return _Value(self._values[name]) if name in self._values else default


class _Conf:
    def __init__(self, values):
        self._values = dict(values)

    def get(self, name, default=None, check_type=None):
        value = self._values.get(name, default)
        if check_type is not None and value is not None and not isinstance(value, check_type):
            raise ConanException(f"conf {name}={value!r} is not a {check_type.__name__}")
        return value


class _Component:
    def __init__(self):
        self.libs = []
        self.requires = []
        self.system_libs = []
        self.defines = []
        self.includedirs = ["include"]
        self.libdirs = ["lib"]
        self.bindirs = ["bin"]
        self.properties = {}

    def set_property(self, name, value):
        self.properties[name] = value

    def get_property(self, name):
        return self.properties.get(name)


class _CppInfo(_Component):
    def __init__(self):
        super().__init__()
        self.components = _Components()


class _Components(dict):
    def __missing__(self, key):
        self[key] = _Component()
        return self[key]


class _EnvInfo:
    def __init__(self):
        self.operations = []

    def prepend_path(self, name, value):
        self.operations.append(("prepend_path", name, value))

    def define(self, name, value):
        self.operations.append(("define", name, value))


class _Folders:
    def __init__(self):
        self.bindir = "bin"


class _Cpp:
    def __init__(self):
        self.build = _Folders()
        self.package = _Folders()


class ConanFile:
    """The recipe's base class. The check creates recipes with
    `Recipe(options=..., settings=..., conf=..., folders=...)`."""

    name = None
    version = None
    settings = ()
    options = {}
    default_options = {}
    package_type = None
    generators = ()

    def __init__(self, options=None, settings=None, conf=None, folders=None):
        cls = type(self)
        self._declared_options = dict(cls.options)
        self.options = _Options(cls.options, cls.default_options, options or {})
        self.settings = _Settings(cls.settings, settings or {})
        self.conf = _Conf(conf or {})
        folders = folders or {}
        self.recipe_folder = folders.get("recipe")
        self.export_sources_folder = folders.get("export_sources")
        self.source_folder = folders.get("source")
        self.build_folder = folders.get("build")
        self.package_folder = folders.get("package")
        self.generators_folder = folders.get("generators")
        self.tested_reference_str = folders.get("tested_reference")
        self.cpp_info = _CppInfo()
        self.buildenv_info = _EnvInfo()
        self.runenv_info = _EnvInfo()
        self.cpp = _Cpp()
        # What the recipe asked for, for the check to read.
        self.recorded = {
            "requires": [],
            "tool_requires": [],
            "test_requires": [],
            "run": [],
            "layout": None,
            "generated": [],
            "cmake": [],
            "checks": [],
        }

    def requires(self, ref, **traits):
        self.recorded["requires"].append((ref, traits))

    def tool_requires(self, ref, **traits):
        self.recorded["tool_requires"].append((ref, traits))

    def test_requires(self, ref, **traits):
        self.recorded["test_requires"].append((ref, traits))

    def run(self, command, cwd=None, env="", **kwargs):
        self.recorded["run"].append((command, cwd, env))

    def output_path(self, *parts):
        return os.path.join(*parts)
