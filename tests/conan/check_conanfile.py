#!/usr/bin/env python3
"""Keeps conan/conanfile.py in step with the CMake build, without Conan.

Conan cannot be installed on the build machines, so this imports the recipe
against a stub of Conan's Python API (tests/conan/conan_stub, never the real
conan package), runs its methods and compares what it declares with what the
CMake files need:

  - every find_package() / pkg_check_modules() of the CMake files the
    recipe's build configures is provided by a requirement of the recipe
    (test_requires for tests/, only with_cli for sdk/cli), with a version no
    older than the one CMake asks for, and nothing is required that CMake
    does not use;
  - the .pc names PkgConfigDeps writes are the modules pkg_check_modules()
    looks for;
  - the version is project(usd1pay VERSION ...) of CMakeLists.txt;
  - every USD1PAY_* / BUILD_TESTING variable the recipe sets is an option of
    the build, and follows the recipe's options and tools.build:skip_test;
  - package_info(): the cmake file name and targets an installed tree has
    (usd1pay::usd1pay with the archive's OUTPUT_NAME, usd1pay::mocks), the
    pkg-config name usd1pay, the public link dependencies of the usd1pay
    target as component requires, every requirement used by a component (as
    Conan itself demands), no two components linking the same library file
    name, and the C ABI component when CMake builds the C library;
  - export_sources() exports what the CMake files reference, and no npm peers;
  - conan/test_package exists, requires the tested reference and links a
    target package_info() declares.

  check_conanfile.py [--source-dir DIR]       check the recipe; exit 1 on a finding
  check_conanfile.py --mutants [--source-dir DIR]
                                              break the recipe (and CMake) in
                                              known ways in scratch copies and
                                              require the check to fail on each

Python 3 standard library only.
"""
import argparse
import contextlib
import fnmatch
import importlib.util
import io
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
STUB_DIR = os.path.join(HERE, "conan_stub")

# The CMake config file names (cmake_file_name) that ConanCenter's recipes
# give these packages: what find_package(<name>) finds once CMakeDeps ran.
CMAKE_FILE_NAMES = {
    "openssl": "OpenSSL",
    "nlohmann_json": "nlohmann_json",
    "cli11": "CLI11",
    "gtest": "GTest",
    "trompeloeil": "trompeloeil",
}
# Components of those packages, by the imported target CMake links.
CMAKE_TARGET_COMPONENTS = {
    "OpenSSL::Crypto": "openssl::crypto",
    "OpenSSL::SSL": "openssl::ssl",
}
# find_package() names the build machine provides itself, and why that is fine.
NOT_FROM_CONAN = {
    "PkgConfig": "the pkg-config program (the recipe must tool_require pkgconf)",
    "Threads": "the C library's threads (system_libs pthread)",
    "Python3": "an interpreter for test scripts and benchmarks, not linked",
    "Doxygen": "a documentation tool for the docs checks, not linked",
    "usd1pay": "usd1pay itself (a consumer project)",
}
# What CMakeLists.txt below each directory needs to be configured, judged by
# path (the first match wins). "always": the library build; "tests": only
# with BUILD_TESTING; "with_cli": only with the CLI; "benchmarks" / "fuzzers":
# builds the recipe must switch off; "outside": separate projects that are
# never add_subdirectory()'d.
CONTEXT_RULES = (
    ("sdk/cli/", "with_cli"),
    ("tests/bench/", "benchmarks"),
    ("tests/fuzz/", "fuzzers"),
    ("tests/consumer/", "outside"),
    ("conan/", "outside"),
    ("bindings/", "outside"),
    ("tests/", "tests"),
    ("", "always"),
)
SKIP_DIRS = {"node_modules", ".git"}


class Findings:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)
        return ok


# ---------------------------------------------------------------- CMake

def strip_cmake_comments(text):
    """Removes # comments outside quoted arguments; keeps line numbers."""
    out = []
    in_quote = False
    i = 0
    while i < len(text):
        c = text[i]
        if in_quote:
            out.append(c)
            if c == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_quote = False
        elif c == '"':
            in_quote = True
            out.append(c)
        elif c == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def cmake_commands(path, names):
    """(command, [args], line) for each call of the commands in `names`."""
    with open(path, encoding="utf-8") as f:
        text = strip_cmake_comments(f.read())
    pattern = re.compile(r"\b(" + "|".join(names) + r")\s*\(", re.IGNORECASE)
    calls = []
    for m in pattern.finditer(text):
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        args = text[m.end():j - 1].split()
        calls.append((m.group(1).lower(), args, text.count("\n", 0, m.start()) + 1))
    return calls


def cmake_files(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and
                             not os.path.exists(os.path.join(dirpath, d, "CMakeCache.txt")))
        for name in sorted(filenames):
            if name == "CMakeLists.txt":
                found.append(os.path.join(dirpath, name))
    return found


def context_of(rel):
    for prefix, context in CONTEXT_RULES:
        if rel.startswith(prefix):
            return context
    return "always"


def project_version(root):
    for cmd, args, _ in cmake_commands(os.path.join(root, "CMakeLists.txt"), ["project"]):
        if "VERSION" in args:
            return args[args.index("VERSION") + 1]
    return None


def cmake_dependencies(root):
    """[(rel_path, line, kind, name, min_version, prefix, context)] where kind
    is find_package or pkg-config."""
    deps = []
    for path in cmake_files(root):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        context = context_of(rel)
        if context == "outside":
            continue
        for cmd, args, line in cmake_commands(path, ["find_package", "pkg_check_modules"]):
            if not args:
                continue
            if cmd == "find_package":
                version = args[1] if len(args) > 1 and re.match(r"^[0-9]", args[1]) else None
                deps.append((rel, line, "find_package", args[0], version, None, context))
            else:
                prefix = args[0]
                keywords = {"REQUIRED", "QUIET", "IMPORTED_TARGET", "GLOBAL", "NO_CMAKE_PATH",
                            "NO_CMAKE_ENVIRONMENT_PATH"}
                for module in args[1:]:
                    if module in keywords:
                        continue
                    m = re.match(r"^([A-Za-z0-9_.+-]+?)(?:(>=|<=|=|<|>)(.*))?$", module)
                    name, version = m.group(1), (m.group(3) if m.group(2) == ">=" else None)
                    deps.append((rel, line, "pkg-config", name, version, prefix, context))
    return deps


def cmake_targets(root):
    """{target: {"type": ..., "output_name": ..., "export_name": ...,
    "public": [...]}} of the library targets of the CMake files."""
    targets = {}
    for path in cmake_files(root):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        if context_of(rel) in ("outside", "tests", "benchmarks", "fuzzers"):
            continue
        for cmd, args, _ in cmake_commands(
                path, ["add_library", "set_target_properties", "target_link_libraries"]):
            if not args:
                continue
            name = args[0]
            if cmd == "add_library":
                if len(args) > 1 and args[1] == "ALIAS":
                    continue
                kind = args[1] if len(args) > 1 and args[1] in (
                    "STATIC", "SHARED", "MODULE", "INTERFACE", "OBJECT") else "DEFAULT"
                targets.setdefault(name, {}).update(type=kind)
            elif cmd == "set_target_properties" and "PROPERTIES" in args:
                props = args[args.index("PROPERTIES") + 1:]
                info = targets.setdefault(name, {})
                for key, value in zip(props[::2], props[1::2]):
                    if key == "OUTPUT_NAME":
                        info["output_name"] = value
                    elif key == "EXPORT_NAME":
                        info["export_name"] = value
            elif cmd == "target_link_libraries":
                scope, public = None, []
                for item in args[1:]:
                    if item in ("PUBLIC", "PRIVATE", "INTERFACE"):
                        scope = item
                    elif scope in ("PUBLIC", "INTERFACE"):
                        public.append(item)
                targets.setdefault(name, {}).setdefault("public", []).extend(public)
    return targets


def cmake_options(root):
    names = set()
    for path in cmake_files(root):
        for cmd, args, _ in cmake_commands(path, ["option"]):
            if args:
                names.add(args[0])
    names.add("BUILD_TESTING")  # include(CTest)
    return names


def referenced_paths(root, exported):
    """Literal ${PROJECT_SOURCE_DIR}/x and ${CMAKE_CURRENT_SOURCE_DIR}/x paths
    and add_subdirectory(x) of the exported CMake files that must exist."""
    refs = []
    for path in cmake_files(exported):
        rel_dir = os.path.relpath(os.path.dirname(path), exported)
        with open(path, encoding="utf-8") as f:
            text = strip_cmake_comments(f.read())
        for m in re.finditer(r"\$\{(PROJECT_SOURCE_DIR|CMAKE_CURRENT_SOURCE_DIR)\}/([^\s)\"$*>]+)",
                             text):
            if m.end() < len(text) and text[m.end()] in "*$":
                continue  # a glob or a path built from variables
            base = "" if m.group(1) == "PROJECT_SOURCE_DIR" else rel_dir
            refs.append((os.path.relpath(path, exported), os.path.normpath(
                os.path.join(base, m.group(2)))))
        for m in re.finditer(r"\badd_subdirectory\s*\(\s*([A-Za-z0-9_./-]+)", text):
            refs.append((os.path.relpath(path, exported),
                         os.path.normpath(os.path.join(rel_dir, m.group(1)))))
    return refs


# ---------------------------------------------------------------- recipe

def parse_ref(ref):
    """"name/1.2.3" or "name/[>=1 <2]" -> (name, pinned, lower_bound)."""
    name, _, version = ref.partition("/")
    version = version.split("@")[0]
    if version.startswith("["):
        m = re.search(r">=?\s*([0-9][0-9.]*)", version)
        return name, None, m.group(1) if m else None
    return name, version, version


def version_tuple(text):
    return tuple(int(p) for p in re.findall(r"[0-9]+", text))


def at_least(have, want):
    a, b = version_tuple(have), version_tuple(want)
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)) >= b + (0,) * (width - len(b))


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recipe_class(module):
    import conan  # the stub
    classes = [v for v in vars(module).values() if isinstance(v, type) and
               issubclass(v, conan.ConanFile) and v is not conan.ConanFile]
    return classes[0] if len(classes) == 1 else None


def make(cls, root, options=None, conf=None, package=None, export=None):
    return cls(options=options or {},
               settings={"os": "Linux", "arch": "x86_64", "compiler": "gcc",
                         "compiler.version": "12", "compiler.cppstd": "17",
                         "build_type": "Release"},
               conf=conf or {},
               folders={"recipe": os.path.join(root, "conan"), "export_sources": export,
                        "package": package, "build": os.path.join(root, "build-conan"),
                        "generators": os.path.join(root, "build-conan", "generators")})


def declared(recipe):
    """{name: (kind, ref, traits)} of everything the recipe requires."""
    recipe.requirements()
    if hasattr(recipe, "build_requirements"):
        recipe.build_requirements()
    out = {}
    for kind in ("requires", "test_requires", "tool_requires"):
        for ref, traits in recipe.recorded[kind]:
            out[parse_ref(ref)[0]] = (kind, ref, traits)
    return out


def generated(recipe, generator):
    recipe.generate()
    for name, obj in recipe.recorded["generated"]:
        if name == generator:
            return obj
    return None


def fake_package(base, archive, c_library):
    """A package folder laid out as cmake --install leaves it: the C++
    archive lib<archive>.a and, when CMake builds it, the C library
    lib<c_library>.so.0."""
    os.makedirs(os.path.join(base, "include", "usd1pay", "mocks"))
    os.makedirs(os.path.join(base, "lib"))
    for name in ("status.h", "usd1pay.h"):
        open(os.path.join(base, "include", "usd1pay", name), "w").close()
    open(os.path.join(base, "lib", f"lib{archive}.a"), "w").close()
    if c_library:
        open(os.path.join(base, "lib", f"lib{c_library}.so.0"), "w").close()
    return base


# ---------------------------------------------------------------- checks

def run_checks(root, out):
    f = Findings()
    say = lambda *a: print(*a, file=out)  # noqa: E731
    recipe_path = os.path.join(root, "conan", "conanfile.py")
    if not f.check(os.path.isfile(recipe_path), "conan/conanfile.py: missing"):
        return f

    with open(recipe_path, encoding="utf-8") as fh:
        source = fh.read()
    f.check(not re.search(r"^\s*(from|import)\s+conans\b", source, re.M),
            "conan/conanfile.py: imports the Conan 1 package 'conans'; Conan 2 recipes use 'conan'")

    import conan  # noqa: F401  (the stub: the check's sys.path has it first)
    if not f.check(getattr(conan, "STUB", False) and
                   os.path.dirname(os.path.dirname(conan.__file__)) == STUB_DIR,
                   f"the 'conan' package imported is {conan.__file__}, not the stub"):
        return f
    try:
        module = load_module(recipe_path, "usd1pay_conanfile")
    except Exception as e:  # the recipe must import against Conan's API
        f.check(False, f"conan/conanfile.py: does not import: {type(e).__name__}: {e}")
        return f
    cls = recipe_class(module)
    if not f.check(cls is not None, "conan/conanfile.py: expected exactly one ConanFile class"):
        return f

    # --- identity and version
    f.check(cls.name == "usd1pay", f"recipe name is {cls.name!r}, expected 'usd1pay'")
    want_version = project_version(root)
    recipe = make(cls, root)
    if hasattr(recipe, "set_version"):
        recipe.set_version()
    f.check(recipe.version == want_version,
            f"recipe version {recipe.version!r} is not the project's {want_version!r} "
            "(CMakeLists.txt project(usd1pay VERSION ...))")
    for setting in ("os", "arch", "compiler", "build_type"):
        f.check(setting in cls.settings, f"recipe settings lack '{setting}'")
    f.check(cls.package_type == "static-library",
            f"package_type {cls.package_type!r}: the C++ library is add_library(usd1pay STATIC)")
    f.check("with_cli" in cls.options, "recipe has no with_cli option (sdk/cli is optional)")

    # --- requirements against the CMake files
    option_sets = [{"with_cli": True}, {"with_cli": False}]
    cmake_deps = cmake_dependencies(root)
    all_deps = {}
    pc_names = {}
    for opts in option_sets:
        for skip in (True, False):
            conf = {"tools.build:skip_test": skip}
            r = make(cls, root, options=opts, conf=conf)
            reqs = declared(r)
            all_deps.update(reqs)
            pc = generated(make(cls, root, options=opts, conf=conf), "PkgConfigDeps")
            if pc is not None:
                for (dep, prop), value in pc.properties.items():
                    if prop == "pkg_config_name":
                        pc_names[value] = dep
            active = {"always"}
            if opts["with_cli"]:
                active.add("with_cli")
            if not skip:
                active.add("tests")
            label = f"with_cli={opts['with_cli']}, skip_test={skip}"
            used = set()
            for rel, line, kind, name, version, prefix, context in cmake_deps:
                where = f"{rel}:{line}"
                if context not in active:
                    continue
                if kind == "find_package":
                    if name in NOT_FROM_CONAN:
                        if name == "PkgConfig":
                            f.check("pkgconf" in reqs and reqs["pkgconf"][0] == "tool_requires",
                                    f"{where}: find_package(PkgConfig) but the recipe does not "
                                    "tool_require pkgconf")
                        continue
                    dep = next((d for d, n in CMAKE_FILE_NAMES.items() if n == name), None)
                    if not f.check(dep is not None,
                                   f"{where}: find_package({name}): no Conan package known to "
                                   "provide it (add it to the recipe and to CMAKE_FILE_NAMES in "
                                   "tests/conan/check_conanfile.py)"):
                        continue
                else:
                    dep = pc_names.get(name)
                    if not f.check(dep is not None,
                                   f"{where}: pkg_check_modules(... {name}): no requirement's "
                                   "pkg_config_name is set to it in the recipe's PkgConfigDeps"):
                        continue
                used.add(dep)
                if not f.check(dep in reqs, f"{where}: needs '{dep}' ({kind} {name}), which the "
                               f"recipe does not require ({label})"):
                    continue
                dep_kind, ref, traits = reqs[dep]
                if context == "tests":
                    f.check(dep_kind in ("test_requires", "requires"),
                            f"{where}: '{dep}' is for the tests but declared as {dep_kind}")
                else:
                    f.check(dep_kind == "requires",
                            f"{where}: '{dep}' is linked by the build but declared as {dep_kind}")
                if version:
                    _, _, lower = parse_ref(ref)
                    f.check(lower is not None and at_least(lower, version),
                            f"{where}: {name} {version} or newer is needed, the recipe allows "
                            f"'{ref}'")
            for dep, (dep_kind, ref, _) in reqs.items():
                if dep == "pkgconf":
                    continue
                f.check(dep in used, f"the recipe requires '{ref}' ({label}), which no "
                        "find_package / pkg_check_modules of the configured CMake files uses")

    # --- generator settings
    options_in_cmake = cmake_options(root)
    for opts in option_sets:
        for skip in (True, False):
            r = make(cls, root, options=opts, conf={"tools.build:skip_test": skip})
            tc = generated(r, "CMakeToolchain")
            names = [n for n, _ in r.recorded["generated"]]
            for g in ("CMakeToolchain", "CMakeDeps", "PkgConfigDeps"):
                f.check(g in names, f"generate() does not run {g}")
            if tc is None:
                continue
            values = dict(tc.variables)
            values.update(tc.cache_variables)
            for var in values:
                if var.startswith("USD1PAY_") or var == "BUILD_TESTING":
                    f.check(var in options_in_cmake,
                            f"generate() sets {var}, which is no option() of the CMake build")
            f.check(values.get("USD1PAY_BUILD_CLI") is opts["with_cli"],
                    f"with_cli={opts['with_cli']} but USD1PAY_BUILD_CLI is "
                    f"{values.get('USD1PAY_BUILD_CLI')!r}")
            f.check(values.get("BUILD_TESTING") is (not skip),
                    f"tools.build:skip_test={skip} but BUILD_TESTING is "
                    f"{values.get('BUILD_TESTING')!r}")
            for off in ("USD1PAY_BUILD_BENCHMARKS", "USD1PAY_BUILD_FUZZERS"):
                f.check(values.get(off) is False,
                        f"generate() must set {off} to False (needs npm peers / clang), "
                        f"got {values.get(off)!r}")
    r = make(cls, root)
    r.layout()
    f.check((r.recorded["layout"] or ("",))[0] == "cmake_layout",
            "layout() does not use cmake_layout")

    # --- package_info against the installed tree
    targets = cmake_targets(root)
    lib_target = targets.get("usd1pay", {})
    lib_file = lib_target.get("output_name", "usd1pay")
    mocks_export = targets.get("usd1pay_mocks", {}).get("export_name", "usd1pay_mocks")
    c_target = next((t for t, i in targets.items() if i.get("type") == "SHARED"), None)
    c_file = targets[c_target].get("output_name", c_target) if c_target else None
    with tempfile.TemporaryDirectory() as tmp:
        r = make(cls, root, package=fake_package(os.path.join(tmp, "p"), lib_file, c_file))
        reqs = declared(make(cls, root, options={"with_cli": True}))
        r.package_info()
        info = r.cpp_info
    f.check(info.get_property("cmake_file_name") == "usd1pay",
            "cpp_info cmake_file_name must be 'usd1pay' (find_package(usd1pay))")
    comps = dict(info.components)
    by_target = {c.get_property("cmake_target_name"): (n, c) for n, c in comps.items()}
    installed_pc = set()
    for cmd, args, _ in cmake_commands(os.path.join(root, "CMakeLists.txt"), ["install"]):
        installed_pc.update(os.path.basename(a)[:-3] for a in args if a.endswith(".pc"))
    root_target = info.get_property("cmake_target_name") or "usd1pay::usd1pay"
    f.check(not comps or root_target not in by_target,
            f"the package-wide target {root_target} is also a component's target")
    lib = by_target.get("usd1pay::usd1pay")
    if f.check(lib is not None, "no component has cmake_target_name usd1pay::usd1pay"):
        name, c = lib
        f.check(c.libs == [lib_file], f"component {name} libs {c.libs}, but the archive is "
                f"lib{lib_file}.a (OUTPUT_NAME of target usd1pay)")
        f.check(c.get_property("pkg_config_name") == "usd1pay" and "usd1pay" in installed_pc,
                f"component {name} pkg_config_name {c.get_property('pkg_config_name')!r}; "
                f"the installed tree has {sorted(installed_pc)} (.pc)")
        prefixes = {prefix: dep for _, _, kind, n, _, prefix, _ in cmake_deps
                    if kind == "pkg-config" for dep in [pc_names.get(n)]}
        for item in lib_target.get("public", []):
            if item.startswith("PkgConfig::"):
                dep = prefixes.get(item.split("::", 1)[1])
                want = f"{dep}::{dep}" if dep else None
            elif item == "Threads::Threads":
                f.check("pthread" in c.system_libs,
                        f"target usd1pay links Threads::Threads; component {name} lacks "
                        "system_libs pthread")
                continue
            else:
                want = CMAKE_TARGET_COMPONENTS.get(item)
            if f.check(want is not None, f"target usd1pay links {item} PUBLIC: no Conan "
                       "component known for it (CMAKE_TARGET_COMPONENTS in the check)"):
                f.check(want in c.requires, f"target usd1pay links {item} PUBLIC, component "
                        f"{name} does not require {want}")
    mocks = by_target.get(f"usd1pay::{mocks_export}")
    if f.check(mocks is not None, f"no component has cmake_target_name usd1pay::{mocks_export} "
               "(the installed mocks target)"):
        f.check(lib is not None and lib[0] in mocks[1].requires,
                "the mocks component does not require the library component")
    if c_target:
        c_export = targets[c_target].get("export_name", c_target)
        c_comp = by_target.get(f"usd1pay::{c_export}")
        if f.check(c_comp is not None, f"CMake builds the shared library {c_target} (the C ABI) "
                   f"but no component has cmake_target_name usd1pay::{c_export}"):
            f.check(c_comp[1].libs == [c_file], f"component {c_comp[0]} libs {c_comp[1].libs}, "
                    f"the C library's OUTPUT_NAME is {c_file}")
            if len(installed_pc) > 1:
                f.check(c_comp[1].get_property("pkg_config_name") in installed_pc,
                        f"component {c_comp[0]} pkg_config_name "
                        f"{c_comp[1].get_property('pkg_config_name')!r}; the installed tree has "
                        f"{sorted(installed_pc)} (.pc)")
    owners = {}
    for n, c in comps.items():
        for libname in c.libs:
            owners.setdefault(libname, []).append(n)
    for libname, names in owners.items():
        f.check(len(names) == 1,
                f"components {', '.join(names)} all link the library file name '{libname}': "
                f"with lib{libname}.a and lib{libname}.so side by side, -l{libname} and "
                "Conan's find_library pick the .so, so C++ consumers would link the C ABI; "
                "give one of them another OUTPUT_NAME")
    visible = {d for d, (k, _, traits) in reqs.items()
               if k == "requires" and traits.get("visible", True)}
    used = {req.split("::")[0] for c in comps.values() for req in c.requires if "::" in req}
    for dep in sorted(visible - used):
        f.check(False, f"requirement '{dep}' is in no component's requires "
                "(Conan refuses such a package)")
    for n, c in comps.items():
        for req in c.requires:
            if "::" in req:
                f.check(req.split("::")[0] in reqs,
                        f"component {n} requires {req}, but '{req.split('::')[0]}' is not a "
                        "requirement")
            else:
                f.check(req in comps, f"component {n} requires {req}, which is no component")

    # --- export_sources
    with tempfile.TemporaryDirectory() as tmp:
        r = make(cls, root, export=tmp)
        r.export_sources()
        f.check(os.path.isfile(os.path.join(tmp, "CMakeLists.txt")),
                "export_sources() does not export CMakeLists.txt")
        for dirpath, dirnames, _ in os.walk(tmp):
            if "node_modules" in dirnames:
                f.check(False, "export_sources() exports "
                        f"{os.path.relpath(os.path.join(dirpath, 'node_modules'), tmp)}")
                dirnames.remove("node_modules")
        for cmake_file, ref in referenced_paths(root, tmp):
            f.check(os.path.exists(os.path.join(tmp, ref)),
                    f"{cmake_file} uses {ref}, which export_sources() does not export")

    # --- test_package
    tp = os.path.join(root, "conan", "test_package")
    for name in ("conanfile.py", "CMakeLists.txt"):
        f.check(os.path.isfile(os.path.join(tp, name)), f"conan/test_package/{name}: missing")
    f.check(os.path.isdir(tp) and any(n.endswith((".cpp", ".c")) for n in os.listdir(tp)),
            "conan/test_package: no C++ or C program")
    if os.path.isfile(os.path.join(tp, "conanfile.py")):
        try:
            tp_cls = recipe_class(load_module(os.path.join(tp, "conanfile.py"), "usd1pay_tp"))
        except Exception as e:
            tp_cls = None
            f.check(False, f"conan/test_package/conanfile.py: does not import: {e}")
        if tp_cls is not None:
            t = tp_cls(settings={"os": "Linux", "arch": "x86_64", "compiler": "gcc",
                                 "build_type": "Release"},
                       folders={"tested_reference": f"usd1pay/{want_version}"})
            t.requirements()
            f.check([ref for ref, _ in t.recorded["requires"]] == [f"usd1pay/{want_version}"],
                    "test_package does not require the tested reference")
            f.check(callable(getattr(t, "test", None)), "test_package has no test()")
    if os.path.isfile(os.path.join(tp, "CMakeLists.txt")):
        linked = [a for _, args, _ in cmake_commands(os.path.join(tp, "CMakeLists.txt"),
                                                     ["target_link_libraries"])
                  for a in args if "::" in a]
        f.check(bool(linked) and all(a in by_target for a in linked),
                f"conan/test_package links {linked}, package_info() declares "
                f"{sorted(t for t in by_target if t)}")
    say(f"check_conanfile: {f.passed} checks passed, {len(f.failures)} failed")
    for failure in f.failures:
        say("  FAIL: " + failure)
    return f


# ---------------------------------------------------------------- mutants

# (what, file, old, new, expect): each must make the check fail with a
# message containing `expect`. old None: the file is removed; old "": new is
# appended to it.
MUTANTS = [
    ("drop a requirement", "conan/conanfile.py",
     '        self.requires("libsecp256k1/', '        pass  # ("libsecp256k1/', "libsecp256k1"),
    ("another version", "conan/conanfile.py",
     '    name = "usd1pay"\n', '    name = "usd1pay"\n    version = "0.0.9"\n', "version"),
    ("openssl too old for find_package(OpenSSL 3)", "conan/conanfile.py",
     '"openssl/[>=3 <4]"', '"openssl/[>=1.1 <4]"', "OpenSSL 3 or newer"),
    ("a .pc name that pkg_check_modules does not look for", "conan/conanfile.py",
     '"libpng": "libpng16"', '"libpng": "libpng"', "libpng16"),
    ("a misspelt CMake option", "conan/conanfile.py",
     'cache_variables["USD1PAY_BUILD_CLI"]', 'cache_variables["USD1PAY_WITH_CLI"]',
     "USD1PAY_WITH_CLI"),
    ("CLI11 missing with the CLI", "conan/conanfile.py",
     '            self.requires("cli11/', '            pass  # ("cli11/', "cli11"),
    ("gtest missing for the tests", "conan/conanfile.py",
     '            self.test_requires("gtest/', '            pass  # ("gtest/', "gtest"),
    ("a public dependency missing from the component", "conan/conanfile.py",
     '            "libpng::libpng",\n', "", "libpng::libpng"),
    ("no pkgconf tool", "conan/conanfile.py",
     '        self.tool_requires("pkgconf/', '        pass  # ("pkgconf/', "pkgconf"),
    ("an unused requirement", "conan/conanfile.py",
     '        self.requires("sqlite3/', '        self.requires("zlib/[>=1.2 <2]")\n'
     '        self.requires("sqlite3/', "zlib"),
    ("CMake finds a package the recipe does not know", "CMakeLists.txt",
     "find_package(Threads REQUIRED)", "find_package(Threads REQUIRED)\nfind_package(ZLIB REQUIRED)",
     "ZLIB"),
    ("the C ABI library with the archive's file name", "CMakeLists.txt", "",
     "\nadd_library(usd1pay_c SHARED capi.c)\n"
     "set_target_properties(usd1pay_c PROPERTIES OUTPUT_NAME usd1pay SOVERSION 0)\n"
     "set_target_properties(usd1pay PROPERTIES OUTPUT_NAME usd1pay)\n",
     "library file name 'usd1pay'"),
    ("no test_package", "conan/test_package", None, None, "test_package"),
]


def mirror(root, dst):
    """dst: symlinks to root's top-level entries, conan/ a real directory of
    symlinks (so that single files can be replaced)."""
    for name in os.listdir(root):
        if name in (".git", "build", "conan"):
            continue
        os.symlink(os.path.join(root, name), os.path.join(dst, name))
    os.makedirs(os.path.join(dst, "conan"))
    for name in os.listdir(os.path.join(root, "conan")):
        if name == "__pycache__":
            continue
        os.symlink(os.path.join(root, "conan", name), os.path.join(dst, "conan", name))


def run_mutants(root):
    failed = 0
    for what, rel, old, new, expect in MUTANTS:
        with tempfile.TemporaryDirectory() as tmp:
            mirror(root, tmp)
            target = os.path.join(tmp, rel)
            os.unlink(target)
            if old is not None:
                with open(os.path.join(root, rel), encoding="utf-8") as fh:
                    text = fh.read()
                if old not in text:
                    print(f"mutant '{what}': the text to change is gone from {rel}; update MUTANTS")
                    failed += 1
                    continue
                with open(target, "w", encoding="utf-8") as fh:
                    fh.write(text + new if old == "" else text.replace(old, new, 1))
            for name in list(sys.modules):
                if name.startswith("usd1pay_"):
                    del sys.modules[name]
            buf = io.StringIO()
            findings = run_checks(tmp, buf)
            caught = [m for m in findings.failures if expect in m]
            if caught:
                print(f"mutant '{what}': caught: {caught[0]}")
            else:
                print(f"mutant '{what}': NOT caught (expected a failure naming '{expect}')")
                print(buf.getvalue())
                failed += 1
    print(f"check_conanfile --mutants: {len(MUTANTS) - failed} of {len(MUTANTS)} caught")
    return failed == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source-dir", default=os.path.normpath(os.path.join(HERE, "..", "..")))
    parser.add_argument("--mutants", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, STUB_DIR)
    sys.dont_write_bytecode = True
    root = os.path.abspath(args.source_dir)
    if args.mutants:
        return 0 if run_mutants(root) else 1
    return 0 if not run_checks(root, sys.stdout).failures else 1


if __name__ == "__main__":
    sys.exit(main())
